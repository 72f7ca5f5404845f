//! The local identity provider: its key file, its JWKS, and the tokens it issues.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::auth::{AuthError, Permission, Role, issue_local_token};

/// A directory of its own under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("movie-manager-auth-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn local_settings(key_file: &Path) -> AuthSettings {
    AuthSettings {
        issuer: "http://localhost:8080/".to_owned(),
        audience: AUDIENCE.to_owned(),
        source: KeySource::Local {
            key_file: key_file.to_owned(),
        },
        refresh_cooldown: Duration::from_secs(30),
        max_key_age: Duration::from_secs(600),
    }
}

fn kid_of(auth: &Authenticator) -> String {
    let jwks = auth.local_jwks().expect("local mode publishes a JWKS");
    jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_key_file_is_created_readable_by_its_owner_only() {
    let dir = TempDir::new();
    let key_file = dir.join("signing-key.pem");
    let auth = Authenticator::start(local_settings(&key_file))
        .await
        .unwrap();
    assert!(auth.is_ready());
    let pem = std::fs::read_to_string(&key_file).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers = std::fs::read_dir(&dir.0).unwrap().count();
    assert_eq!(leftovers, 1, "only the key file is left in its directory");
}

#[tokio::test]
async fn a_second_start_reloads_the_key_with_the_same_kid() {
    let dir = TempDir::new();
    let key_file = dir.join("signing-key.pem");
    let first = Authenticator::start(local_settings(&key_file))
        .await
        .unwrap();
    let pem = std::fs::read(&key_file).unwrap();
    let second = Authenticator::start(local_settings(&key_file))
        .await
        .unwrap();
    assert_eq!(kid_of(&first), kid_of(&second));
    assert_eq!(first.local_jwks(), second.local_jwks());
    assert_eq!(
        std::fs::read(&key_file).unwrap(),
        pem,
        "the key file is not rewritten"
    );

    // A token issued before the restart is accepted after it.
    let token = local_token(&key_file, Role::CastingAssistant, Duration::from_secs(60));
    assert!(second.authenticate(&token).await.is_ok());
}

#[tokio::test]
async fn an_issued_token_verifies_with_the_permissions_of_its_role() {
    let dir = TempDir::new();
    let auth = Authenticator::start(local_settings(&dir.join("key.pem")))
        .await
        .unwrap();
    for role in Role::ALL {
        let token = local_token(&dir.join("key.pem"), role, Duration::from_secs(3600));
        let principal = auth.authenticate(&token).await.unwrap();
        assert_eq!(principal.subject, format!("local|{}", role.as_str()));
        assert_eq!(
            principal.permissions().count(),
            role.permissions().len(),
            "{role}"
        );
        assert!(
            role.permissions().iter().all(|p| principal.has(*p)),
            "{role}"
        );
    }
}

#[tokio::test]
async fn the_published_jwks_verifies_local_tokens_like_a_remote_provider() {
    let dir = TempDir::new();
    let settings = local_settings(&dir.join("key.pem"));
    let local = Authenticator::start(settings.clone()).await.unwrap();
    let server = JwksServer::answering(Answer::Keys(local.local_jwks().unwrap())).await;
    let mut remote_settings = remote_settings(&server.url(), Duration::ZERO);
    remote_settings.issuer = settings.issuer.clone();
    let remote = Authenticator::start(remote_settings).await.unwrap();

    let token =
        issue_local_token(&settings, Role::ExecutiveProducer, Duration::from_secs(60)).unwrap();
    let principal = remote.authenticate(&token).await.unwrap();
    assert!(principal.has(Permission::DeleteMovie));
    assert_eq!(local.authenticate(&token).await.unwrap(), principal);
}

#[tokio::test]
async fn a_token_of_another_local_key_is_refused() {
    let dir = TempDir::new();
    let ours = Authenticator::start(local_settings(&dir.join("ours.pem")))
        .await
        .unwrap();
    let token = local_token(
        &dir.join("theirs.pem"),
        Role::ExecutiveProducer,
        Duration::from_secs(60),
    );
    assert_eq!(
        ours.authenticate(&token).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
}

#[tokio::test]
async fn an_expired_local_token_is_refused() {
    let dir = TempDir::new();
    let auth = Authenticator::start(local_settings(&dir.join("key.pem")))
        .await
        .unwrap();
    let token = local_token(&dir.join("key.pem"), Role::CastingAssistant, Duration::ZERO);
    assert!(auth.authenticate(&token).await.is_ok(), "within the leeway");
    let mut settings = local_settings(&dir.join("key.pem"));
    settings.audience = "another-api".to_owned();
    let other_audience =
        issue_local_token(&settings, Role::CastingAssistant, Duration::from_secs(60)).unwrap();
    assert_eq!(
        auth.authenticate(&other_audience).await,
        Err(AuthError::InvalidToken("token audience is not accepted"))
    );
}

#[tokio::test]
async fn a_key_file_in_a_missing_directory_is_an_error() {
    let dir = TempDir::new();
    let result = Authenticator::start(local_settings(&dir.join("missing/key.pem"))).await;
    assert!(result.is_err());
}

#[tokio::test]
async fn a_corrupt_key_file_is_an_error_and_is_left_alone() {
    let dir = TempDir::new();
    let key_file = dir.join("key.pem");
    std::fs::write(&key_file, "not a key").unwrap();
    let error = Authenticator::start(local_settings(&key_file))
        .await
        .err()
        .unwrap();
    assert!(format!("{error:#}").contains("key.pem"), "{error:#}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), "not a key");
}

#[tokio::test]
async fn remote_mode_issues_no_local_tokens() {
    let server = JwksServer::publishing(&[&keys()[0]]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    assert!(auth.local_jwks().is_none());
    let settings = remote_settings(&server.url(), Duration::ZERO);
    assert!(issue_local_token(&settings, Role::CastingAssistant, Duration::from_secs(60)).is_err());
}

/// A token signed with the local key in `key_file`, as `movie-manager token` makes it.
fn local_token(key_file: &Path, role: Role, ttl: Duration) -> String {
    issue_local_token(&local_settings(key_file), role, ttl).unwrap()
}
