//! Keeping the keys current: rotation without restart, refreshes on unknown kids (cooldown,
//! single flight), the background refresh, and surviving a JWKS endpoint that is down or
//! answers nonsense.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use tokio::task::JoinSet;

use super::*;
use crate::auth::AuthError;

/// A token of `key` that no other test token equals, so that it cannot be a cache hit.
fn fresh_token(key: &TestKey) -> String {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    key.sign(&claims_with("jti", json!(format!("token-{serial}"))))
}

#[tokio::test]
async fn a_key_added_to_the_jwks_is_accepted_after_the_cooldown_without_restart() {
    let [old, new, _] = keys();
    let token = fresh_token(new);
    let server = JwksServer::publishing(&[old]).await;
    let auth = start_remote(&server, Duration::from_millis(500)).await;
    server.publish(&[old, new]);

    // Within the cooldown of the start-up fetch, an unknown kid does not cause a fetch.
    assert_eq!(
        auth.authenticate(&token).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
    assert_eq!(server.requests(), 1);

    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(auth.authenticate(&token).await.is_ok());
    assert!(auth.authenticate(&fresh_token(old)).await.is_ok());
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn unknown_kids_within_the_cooldown_cause_no_further_fetch() {
    let [known, _, unknown] = keys();
    let server = JwksServer::publishing(&[known]).await;
    let auth = start_remote(&server, Duration::from_secs(60)).await;
    for _ in 0..5 {
        assert_eq!(
            auth.authenticate(&fresh_token(unknown)).await,
            Err(AuthError::InvalidToken("unknown signing key"))
        );
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_key_removed_from_the_jwks_is_refused_after_a_refresh_even_if_its_token_was_cached() {
    let [old, new, _] = keys();
    let server = JwksServer::publishing(&[old]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let cached = fresh_token(old);
    assert!(auth.authenticate(&cached).await.is_ok());
    assert!(is_cached(&auth, &cached));

    // The provider rotates: the old key is gone. A token of the new key triggers a refresh.
    server.publish(&[new]);
    assert!(auth.authenticate(&fresh_token(new)).await.is_ok());
    assert_eq!(server.requests(), 2);

    assert_eq!(
        auth.authenticate(&cached).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
    assert_eq!(
        auth.authenticate(&fresh_token(old)).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
}

#[tokio::test]
async fn the_background_refresh_drops_a_removed_key() {
    let [old, new, _] = keys();
    let server = JwksServer::publishing(&[old, new]).await;
    let mut settings = remote_settings(&server.url(), Duration::from_secs(60));
    settings.max_key_age = Duration::from_millis(200);
    let auth = Authenticator::start(settings).await.unwrap();
    let cached = fresh_token(old);
    assert!(auth.authenticate(&cached).await.is_ok());
    assert!(is_cached(&auth, &cached));

    server.publish(&[new]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.requests() >= 2, "the background refresh did not run");
    assert_eq!(
        auth.authenticate(&cached).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
    assert!(auth.authenticate(&fresh_token(new)).await.is_ok());
}

#[tokio::test]
async fn a_refresh_that_changes_nothing_keeps_cached_tokens() {
    let [key, _, unknown] = keys();
    let server = JwksServer::publishing(&[key]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let cached = fresh_token(key);
    assert!(auth.authenticate(&cached).await.is_ok());
    assert!(auth.authenticate(&fresh_token(unknown)).await.is_err());
    assert_eq!(server.requests(), 2);
    server.answer(Answer::Status(StatusCode::SERVICE_UNAVAILABLE));
    assert!(is_cached(&auth, &cached));
    assert!(auth.authenticate(&cached).await.is_ok());
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_jwks_endpoint_is_down() {
    let [key, _, unknown] = keys();
    let server = JwksServer::publishing(&[key]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    server.stop().await;

    // An unknown kid makes a fetch fail; the keys held stay.
    assert_eq!(
        auth.authenticate(&fresh_token(unknown)).await,
        Err(AuthError::InvalidToken("unknown signing key"))
    );
    assert!(auth.is_ready());
    assert!(auth.authenticate(&fresh_token(key)).await.is_ok());
}

#[tokio::test]
async fn a_bad_jwks_answer_keeps_the_last_good_keys() {
    let [key, _, unknown] = keys();
    let server = JwksServer::publishing(&[key]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let mut encryption_only = unknown.jwk();
    encryption_only["use"] = json!("enc");
    let bad_answers = [
        Answer::Status(StatusCode::INTERNAL_SERVER_ERROR),
        Answer::Status(StatusCode::NOT_FOUND),
        Answer::Body("<html>maintenance</html>"),
        Answer::Keys(json!({"keys": []})),
        Answer::Keys(
            json!({"keys": [{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}]}),
        ),
        Answer::Keys(json!({"keys": [encryption_only]})),
        Answer::Keys(json!(["not", "a", "jwks"])),
    ];
    for (fetches, answer) in (2..).zip(bad_answers) {
        server.answer(answer);
        assert!(auth.authenticate(&fresh_token(unknown)).await.is_err());
        assert_eq!(server.requests(), fetches);
        assert!(auth.is_ready());
        assert!(
            auth.authenticate(&fresh_token(key)).await.is_ok(),
            "after answer {fetches}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kid_misses_share_one_fetch() {
    let [old, new, _] = keys();
    let server = JwksServer::publishing(&[old]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    server.publish(&[old, new]);
    server.delay_answers(Duration::from_millis(200));

    let mut misses = JoinSet::new();
    for _ in 0..20 {
        let auth = auth.clone();
        let token = fresh_token(new);
        misses.spawn(async move { auth.authenticate(&token).await });
    }
    while let Some(result) = misses.join_next().await {
        assert!(result.unwrap().is_ok());
    }
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn without_a_first_fetch_tokens_get_keys_unavailable_until_the_jwks_answers() {
    let [key, _, _] = keys();
    let server = JwksServer::answering(Answer::Status(StatusCode::BAD_GATEWAY)).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    assert!(!auth.is_ready());
    assert_eq!(
        auth.authenticate(&fresh_token(key)).await,
        Err(AuthError::KeysUnavailable)
    );

    server.publish(&[key]);
    assert!(auth.authenticate(&fresh_token(key)).await.is_ok());
    assert!(auth.is_ready());
}

#[tokio::test]
async fn a_token_refused_by_its_header_does_not_wait_for_keys() {
    let server = JwksServer::answering(Answer::Status(StatusCode::BAD_GATEWAY)).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let token = keys()[0].sign_with_header(&json!({"alg": "RS256"}), &valid_claims());
    assert_eq!(
        auth.authenticate(&token).await,
        Err(AuthError::InvalidToken("token has no key id"))
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn the_background_refresh_retries_until_the_first_keys_arrive() {
    let [key, _, _] = keys();
    let server = JwksServer::answering(Answer::Status(StatusCode::BAD_GATEWAY)).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    assert!(!auth.is_ready());
    server.publish(&[key]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(auth.is_ready());
}
