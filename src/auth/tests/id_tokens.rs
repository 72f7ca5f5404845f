//! ID tokens of the web app's sign-in, and keys found through the issuer's discovery document.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use super::*;
use crate::auth::{AuthError, IdClaims};

const CLIENT_ID: &str = "web-client";
const NONCE: &str = "n-0S6_WzA2Mj";

fn id_claims() -> Value {
    let now = unix_now();
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "auth0|alice",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "name": "Alice Liddell",
        "email": "alice@example.com",
    })
}

fn with(name: &str, value: Value) -> Value {
    let mut claims = id_claims();
    claims[name] = value;
    claims
}

#[tokio::test]
async fn a_valid_id_token_says_who_signed_in() {
    let server = JwksServer::publishing(&[&keys()[0]]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let token = keys()[0].sign(&id_claims());
    assert_eq!(
        auth.verify_id_token(&token, CLIENT_ID, NONCE).await,
        Ok(IdClaims {
            subject: "auth0|alice".into(),
            name: Some("Alice Liddell".into()),
            email: Some("alice@example.com".into()),
        })
    );
}

#[tokio::test]
async fn an_id_token_for_another_sign_in_client_or_issuer_is_refused() {
    let server = JwksServer::publishing(&[&keys()[0]]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    let refused = [
        with("nonce", json!("another-nonce")),
        with("aud", json!("another-client")),
        with("iss", json!("https://elsewhere.example/")),
        with("exp", json!(unix_now() - 3600)),
        with("aud", json!([CLIENT_ID, "another-client"])),
    ];
    for claims in refused {
        let token = keys()[0].sign(&claims);
        let verified = auth.verify_id_token(&token, CLIENT_ID, NONCE).await;
        assert!(
            matches!(verified, Err(AuthError::InvalidToken(_))),
            "{claims}: {verified:?}"
        );
    }
    let mut no_nonce = id_claims();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    let token = keys()[0].sign(&no_nonce);
    assert!(
        auth.verify_id_token(&token, CLIENT_ID, NONCE)
            .await
            .is_err()
    );
    // Several audiences are fine when the authorized party is this client.
    let mut claims = with("aud", json!([CLIENT_ID, "api"]));
    claims["azp"] = json!(CLIENT_ID);
    let token = keys()[0].sign(&claims);
    assert!(auth.verify_id_token(&token, CLIENT_ID, NONCE).await.is_ok());
    // A key the provider does not publish signs nothing.
    let token = keys()[1].sign(&id_claims());
    assert!(
        auth.verify_id_token(&token, CLIENT_ID, NONCE)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_keys_are_found_through_the_issuers_discovery_document() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/keys"),
    });
    let published = super::identity::jwks(&[&keys()[2]]);
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/keys", get(move || async move { axum::Json(published) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let auth = Authenticator::start(AuthSettings {
        issuer: issuer.clone(),
        audience: AUDIENCE.to_owned(),
        source: KeySource::Discovered,
        refresh_cooldown: Duration::ZERO,
        max_key_age: Duration::from_secs(3600),
    })
    .await
    .unwrap();
    assert!(auth.is_ready());
    let mut claims = valid_claims();
    claims["iss"] = json!(issuer);
    let principal = auth.authenticate(&keys()[2].sign(&claims)).await.unwrap();
    assert_eq!(principal.subject, SUBJECT);
}
