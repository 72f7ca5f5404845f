//! The external OpenID provider of the tests: `tests/oidc/provider.mjs` (oidc-provider, an
//! OpenID Certified implementation) run by node, and a server configured for it as for Auth0:
//! `JWT_ISSUER` with the JWKS from discovery, a confidential client, the API audience.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use movie_manager::auth::KeySource;
use movie_manager::web::ClientCredentials;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{AUDIENCE, Backend, TestApp};

pub const CLIENT_ID: &str = "movie-manager-web";
pub const CLIENT_SECRET: &str = "a-client-secret-for-the-tests";

/// A running provider; stopped when dropped (and when the test process dies, by its stdin).
pub struct OidcProvider {
    pub issuer: String,
    _child: Child,
}

impl OidcProvider {
    /// Starts the provider for a web app at `app_origin`, with access tokens valid for
    /// `access_token_ttl`.
    pub async fn start(app_origin: &str, access_token_ttl: Duration) -> Self {
        let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        assert!(
            directory.join("node_modules").is_dir(),
            "the test OpenID provider's packages are not installed: run `npm ci --prefix tests/oidc`"
        );
        let mut child = Command::new("node")
            .arg(directory.join("provider.mjs"))
            .args([
                "--port",
                "0",
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
            ])
            .args(["--audience", AUDIENCE, "--exit-with-stdin"])
            .arg("--access-token-ttl")
            .arg(access_token_ttl.as_secs().to_string())
            .arg("--redirect-uri")
            .arg(format!("{app_origin}/app/callback"))
            .arg("--post-logout-redirect-uri")
            .arg(format!("{app_origin}/app/signed-out"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("node is required for the web app's tests and cannot be run: {error}")
            });
        let stdout = child.stdout.take().expect("its stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the test OpenID provider starts within 30 s")
            .expect("its stdout is readable")
            .expect("the test OpenID provider says where it listens");
        let issuer = first
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from the provider: {first}"))
            .to_owned();
        Self {
            issuer,
            _child: child,
        }
    }
}

/// A free port on loopback: the provider must know the web app's redirect URI before the app
/// starts, and the app must know the provider's issuer.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The server configured for `provider` as for Auth0, on `port`.
pub async fn spawn_for(
    provider: &OidcProvider,
    backend: Backend,
    port: u16,
    adjust: impl FnOnce(&mut movie_manager::config::Settings),
) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::spawn_with(backend, move |settings| {
        settings.http.port = port;
        settings.auth.issuer = issuer;
        settings.auth.source = KeySource::Discovered;
        settings.web.client = Some(ClientCredentials {
            id: CLIENT_ID.into(),
            secret: CLIENT_SECRET.into(),
        });
        adjust(settings);
    })
    .await
}
