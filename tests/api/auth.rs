//! Access tokens over HTTP (docs/API.md, Authentication): what is accepted, what is refused with 401,
//! and how the key set follows the identity provider's JWKS.

use std::time::Duration;

use axum::http::StatusCode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::identity::{self, Answer, base64url, hs256, keys, now, unsigned};
use crate::helpers::json::{with_field, without_field};
use crate::helpers::refusals::{self, assert_bearer_challenge};
use crate::helpers::{AUDIENCE, Backend, Caller, ISSUER, TestApp, once_tests};

/// How long the test apps wait between fetches caused by unknown key ids, plus a margin.
const PAST_COOLDOWN: Duration = Duration::from_millis(300);

/// Sends `GET /actors` with a token and returns the status.
async fn status_with(app: &TestApp, token: &str) -> u16 {
    app.request(Method::GET, "/actors")
        .bearer(token)
        .send()
        .await
        .status
}

/// Checks a refused token: 401, the error JSON, the `WWW-Authenticate` challenge, and no
/// library text in the message.
async fn assert_refused(app: &TestApp, token: &str) {
    let reply = app
        .request(Method::GET, "/actors")
        .bearer(token)
        .send()
        .await;
    let case = "a refused token";
    refusals::assert_refused(&reply, 401, "unauthorized", "", case);
    assert_bearer_challenge(&reply, case);
    let message = reply.message().to_lowercase();
    for internal in [
        "jsonwebtoken",
        "errorkind",
        "invalidsignature",
        "base64",
        "serde",
    ] {
        assert!(!message.contains(internal), "{message}");
    }
}

/// Valid claims of a caller who may read actors, and nothing more.
fn readers_claims() -> Value {
    identity::claims(&["get:actors"])
}

once_tests! {
    async fn a_valid_token_is_accepted_with_its_permissions(app) {
        let token = app.key.sign(&readers_claims());
        assert_eq!(status_with(&app, &token).await, 200);
        let reply = app.request(Method::GET, "/movies").bearer(&token).send().await;
        reply.assert_error(403, "forbidden");
        assert!(reply.message().contains("get:movies"), "{}", reply.message());
    }

    async fn the_bearer_scheme_is_case_insensitive(app) {
        let token = app.key.sign(&readers_claims());
        let reply = app
            .request(Method::GET, "/actors")
            .header("Authorization", &format!("bearer {token}"))
            .send()
            .await;
        reply.assert_status(200);
    }

    async fn an_unsigned_token_with_alg_none_is_refused(app) {
        assert_refused(&app, &unsigned(&readers_claims(), &app.key.kid)).await;
    }

    async fn an_hs256_token_signed_with_the_public_key_is_refused(app) {
        for secret in app.key.public_key_secrets() {
            assert_refused(&app, &hs256(&readers_claims(), &app.key.kid, &secret)).await;
        }
    }

    async fn a_token_signed_by_an_unknown_key_is_refused(app) {
        let stranger = &keys()[1];
        assert_refused(&app, &stranger.sign(&readers_claims())).await;
    }

    async fn a_token_with_a_known_kid_but_another_keys_signature_is_refused(app) {
        let impostor = keys()[1].named(&app.key.kid);
        assert_refused(&app, &impostor.sign(&readers_claims())).await;
    }

    async fn a_token_without_a_kid_is_refused(app) {
        let token = app.key.sign_with_header(&json!({"alg": "RS256", "typ": "JWT"}), &readers_claims());
        assert_refused(&app, &token).await;
    }

    async fn a_tampered_payload_is_refused(app) {
        let token = app.key.sign(&readers_claims());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = with_field(readers_claims(), "permissions", json!(["get:actors", "delete:actor"]));
        parts[1] = base64url(forged.to_string());
        assert_refused(&app, &parts.join(".")).await;
    }

    async fn an_expired_token_is_refused(app) {
        let claims = with_field(readers_claims(), "exp", json!(now() - 120));
        assert_refused(&app, &app.key.sign(&claims)).await;
    }

    async fn a_token_expired_within_the_clock_skew_leeway_is_accepted(app) {
        let claims = with_field(readers_claims(), "exp", json!(now() - 5));
        assert_eq!(status_with(&app, &app.key.sign(&claims)).await, 200);
    }

    async fn a_token_without_exp_is_refused(app) {
        assert_refused(&app, &app.key.sign(&without_field(readers_claims(), "exp"))).await;
    }

    async fn a_token_not_yet_valid_is_refused(app) {
        let claims = with_field(readers_claims(), "nbf", json!(now() + 120));
        assert_refused(&app, &app.key.sign(&claims)).await;
    }

    async fn a_token_from_another_issuer_is_refused(app) {
        let claims = with_field(readers_claims(), "iss", json!("https://evil.test/"));
        assert_refused(&app, &app.key.sign(&claims)).await;
        let almost = with_field(readers_claims(), "iss", json!(ISSUER.trim_end_matches('/')));
        assert_refused(&app, &app.key.sign(&almost)).await;
    }

    async fn a_token_without_an_issuer_is_refused(app) {
        assert_refused(&app, &app.key.sign(&without_field(readers_claims(), "iss"))).await;
    }

    async fn a_token_for_another_audience_is_refused(app) {
        let claims = with_field(readers_claims(), "aud", json!("another-api"));
        assert_refused(&app, &app.key.sign(&claims)).await;
    }

    async fn a_token_without_an_audience_is_refused(app) {
        assert_refused(&app, &app.key.sign(&without_field(readers_claims(), "aud"))).await;
    }

    async fn an_audience_list_that_contains_ours_is_accepted(app) {
        let claims = with_field(
            readers_claims(),
            "aud",
            json!(["another-api", AUDIENCE]),
        );
        assert_eq!(status_with(&app, &app.key.sign(&claims)).await, 200);
    }

    async fn permissions_given_as_a_string_are_refused(app) {
        let claims = with_field(readers_claims(), "permissions", json!("get:actors"));
        assert_refused(&app, &app.key.sign(&claims)).await;
        let mixed = with_field(readers_claims(), "permissions", json!(["get:actors", 7]));
        assert_refused(&app, &app.key.sign(&mixed)).await;
    }

    async fn a_token_without_permissions_is_authenticated_but_may_do_nothing(app) {
        let claims = without_field(readers_claims(), "permissions");
        let reply = app.request(Method::GET, "/actors").bearer(&app.key.sign(&claims)).send().await;
        reply.assert_error(403, "forbidden");
    }

    async fn scopes_and_roles_grant_no_permission(app) {
        let claims = with_field(
            with_field(without_field(readers_claims(), "permissions"), "scope", json!("get:actors get:movies")),
            "roles",
            json!(["Executive Producer"]),
        );
        let reply = app.request(Method::GET, "/actors").bearer(&app.key.sign(&claims)).send().await;
        reply.assert_error(403, "forbidden");
    }

    async fn a_token_in_the_query_string_is_ignored(app) {
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        let reply = app.request(Method::GET, &format!("/actors?access_token={token}")).send().await;
        reply.assert_error(401, "unauthorized");
    }

    async fn malformed_authorization_headers_are_refused(app) {
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        for header in [
            format!("Basic {token}"),
            "Bearer".to_owned(),
            "Bearer ".to_owned(),
            "Bearer not-a-token".to_owned(),
            "Bearer a.b.c".to_owned(),
            token.clone(),
        ] {
            let reply = app.request(Method::GET, "/actors").header("Authorization", &header).send().await;
            assert_eq!(reply.status, 401, "Authorization: {header}");
            reply.assert_error(401, "unauthorized");
        }
    }

    async fn a_key_newly_published_in_the_jwks_is_accepted_without_a_restart(app) {
        let rotated = &keys()[1];
        let token = rotated.sign(&readers_claims());
        app.jwks.publish(&[&app.key, rotated]);
        tokio::time::sleep(PAST_COOLDOWN).await;
        assert_eq!(status_with(&app, &token).await, 200);
    }

    async fn a_key_removed_from_the_jwks_is_refused_once_the_keys_are_refreshed(app) {
        let old_token = app.key.sign(&readers_claims());
        assert_eq!(status_with(&app, &old_token).await, 200, "the old key works, and its token is cached");
        let rotated = &keys()[1];
        app.jwks.publish(&[rotated]);
        tokio::time::sleep(PAST_COOLDOWN).await;
        // A token with the new kid makes the server refresh its keys.
        assert_eq!(status_with(&app, &rotated.sign(&readers_claims())).await, 200);
        assert_refused(&app, &old_token).await;
    }

    async fn cached_keys_keep_working_while_the_jwks_server_is_down(app) {
        let token = app.key.sign(&readers_claims());
        app.jwks.answer(Answer::Status(StatusCode::INTERNAL_SERVER_ERROR));
        tokio::time::sleep(PAST_COOLDOWN).await;
        // An unknown kid makes the server try the JWKS, which fails: the old keys stay.
        let stranger = &keys()[1];
        assert_refused(&app, &stranger.sign(&readers_claims())).await;
        let fresh = app.key.sign(&with_field(readers_claims(), "sub", json!("someone-else")));
        assert_eq!(status_with(&app, &token).await, 200);
        assert_eq!(status_with(&app, &fresh).await, 200);
    }

    async fn concurrent_tokens_with_an_unknown_kid_cause_one_jwks_fetch(app) {
        tokio::time::sleep(PAST_COOLDOWN).await;
        let before = app.jwks.requests();
        let stranger = &keys()[1];
        let token = stranger.sign(&readers_claims());
        let requests = (0..16).map(|_| status_with(&app, &token));
        let statuses = futures_util::future::join_all(requests).await;
        assert!(statuses.iter().all(|status| *status == 401), "{statuses:?}");
        assert_eq!(app.jwks.requests() - before, 1);
    }
}

/// An app whose identity provider never answered.
async fn spawn_without_keys(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.auth.source = movie_manager::auth::KeySource::Remote {
            jwks_url: "http://127.0.0.1:9/.well-known/jwks.json".into(),
        };
    })
    .await
}

once_tests! {
    spawn = spawn_without_keys;

    async fn without_keys_requests_are_answered_503_and_the_server_is_not_ready(app) {
        let reply = app.get(Caller::CastingAssistant, "/actors").await;
        reply.assert_error(503, "service_unavailable");
        assert!(reply.header("retry-after").is_some());
        app.get(Caller::Anonymous, "/readyz").await.assert_error(503, "service_unavailable");
        app.get(Caller::Anonymous, "/healthz").await.assert_status(200);
    }
}
