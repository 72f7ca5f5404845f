//! The checks a single token must pass, against a JWKS server that publishes one key.

use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_SHA384, RSA_PSS_SHA256};
use serde_json::{Value, json};

use super::identity::{base64url, hs256, unsigned};
use super::*;
use crate::auth::{AuthError, Permission};

/// An authenticator trusting `keys()[0]`, with the server that publishes it.
async fn setup() -> (Authenticator, JwksServer) {
    let server = JwksServer::publishing(&[&keys()[0]]).await;
    let auth = start_remote(&server, Duration::ZERO).await;
    (auth, server)
}

/// The reason `token` is refused.
async fn refusal(auth: &Authenticator, token: &str) -> &'static str {
    match auth.authenticate(token).await {
        Err(AuthError::InvalidToken(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

async fn refusal_of_claims(claims: Value) -> &'static str {
    let (auth, _server) = setup().await;
    refusal(&auth, &keys()[0].sign(&claims)).await
}

#[tokio::test]
async fn a_valid_token_is_accepted_with_its_permissions() {
    let (auth, _server) = setup().await;
    assert!(auth.is_ready());
    let principal = auth
        .authenticate(&keys()[0].sign(&valid_claims()))
        .await
        .unwrap();
    assert_eq!(principal.subject, SUBJECT);
    assert_eq!(
        principal.permissions().collect::<Vec<_>>(),
        [Permission::GetActors, Permission::PostMovie]
    );
    assert!(principal.has(Permission::PostMovie));
    assert!(!principal.has(Permission::DeleteMovie));
}

#[tokio::test]
async fn an_accepted_token_is_accepted_again_from_the_cache() {
    let (auth, server) = setup().await;
    let token = keys()[0].sign(&valid_claims());
    assert!(!is_cached(&auth, &token));
    let first = auth.authenticate(&token).await.unwrap();
    assert!(is_cached(&auth, &token));
    assert_eq!(auth.authenticate(&token).await.unwrap(), first);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_token_with_alg_none_is_refused() {
    let (auth, _server) = setup().await;
    let token = unsigned(&valid_claims(), &keys()[0].kid);
    assert_eq!(
        refusal(&auth, &token).await,
        "token algorithm is not accepted"
    );
    // A genuine signature does not make "none" acceptable either.
    let header = json!({"alg": "none", "typ": "JWT", "kid": keys()[0].kid});
    let signed = keys()[0].sign_with_header(&header, &valid_claims());
    assert_eq!(
        refusal(&auth, &signed).await,
        "token algorithm is not accepted"
    );
}

#[tokio::test]
async fn a_token_signed_with_hs256_using_the_public_key_as_secret_is_refused() {
    let (auth, _server) = setup().await;
    for secret in keys()[0].public_key_secrets() {
        let token = hs256(&valid_claims(), &keys()[0].kid, &secret);
        assert_eq!(
            refusal(&auth, &token).await,
            "token algorithm is not accepted"
        );
    }
}

#[tokio::test]
async fn a_token_signed_with_another_rsa_algorithm_by_a_known_key_is_refused() {
    let (auth, _server) = setup().await;
    let key = &keys()[0];
    let rs384 = key.sign_with(
        &RSA_PKCS1_SHA384,
        &json!({"alg": "RS384", "kid": key.kid}),
        &valid_claims(),
    );
    let ps256 = key.sign_with(
        &RSA_PSS_SHA256,
        &json!({"alg": "PS256", "kid": key.kid}),
        &valid_claims(),
    );
    assert_eq!(
        refusal(&auth, &rs384).await,
        "token algorithm is not accepted"
    );
    assert_eq!(
        refusal(&auth, &ps256).await,
        "token algorithm is not accepted"
    );
}

#[tokio::test]
async fn a_token_claiming_rs256_but_signed_otherwise_has_an_invalid_signature() {
    let (auth, _server) = setup().await;
    let token = keys()[0].sign_with(
        &RSA_PSS_SHA256,
        &json!({"alg": "RS256", "kid": keys()[0].kid}),
        &valid_claims(),
    );
    assert_eq!(refusal(&auth, &token).await, "token signature is invalid");
}

#[tokio::test]
async fn a_token_with_an_unknown_kid_is_refused() {
    let (auth, _server) = setup().await;
    let token = keys()[1].sign(&valid_claims());
    assert_eq!(refusal(&auth, &token).await, "unknown signing key");
}

#[tokio::test]
async fn a_token_without_kid_is_refused() {
    let (auth, server) = setup().await;
    let token = keys()[0].sign_with_header(&json!({"alg": "RS256", "typ": "JWT"}), &valid_claims());
    assert_eq!(refusal(&auth, &token).await, "token has no key id");
    assert_eq!(
        server.requests(),
        1,
        "a token without kid must not cause a fetch"
    );
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_known_kid_is_refused() {
    let (auth, _server) = setup().await;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": keys()[0].kid});
    let token = keys()[1].sign_with_header(&header, &valid_claims());
    assert_eq!(refusal(&auth, &token).await, "token signature is invalid");
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_is_refused() {
    let (auth, _server) = setup().await;
    let token = keys()[0].sign(&valid_claims());
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = base64url(claims_with("permissions", json!(["delete:movie"])).to_string());
    parts[1] = &forged;
    assert_eq!(
        refusal(&auth, &parts.join(".")).await,
        "token signature is invalid"
    );
}

#[tokio::test]
async fn keys_named_by_the_token_header_are_never_fetched() {
    let attacker = JwksServer::publishing(&[&keys()[1]]).await;
    let (auth, _server) = setup().await;
    let header = json!({
        "alg": "RS256",
        "kid": keys()[1].kid,
        "jku": attacker.url(),
        "x5u": attacker.url(),
        "jwk": keys()[1].jwk(),
    });
    let token = keys()[1].sign_with_header(&header, &valid_claims());
    assert_eq!(refusal(&auth, &token).await, "unknown signing key");
    assert_eq!(attacker.requests(), 0);
}

#[tokio::test]
async fn a_token_with_critical_header_parameters_is_refused() {
    let (auth, _server) = setup().await;
    let header = json!({"alg": "RS256", "kid": keys()[0].kid, "crit": ["exp"], "exp": 1});
    let token = keys()[0].sign_with_header(&header, &valid_claims());
    assert_eq!(
        refusal(&auth, &token).await,
        "token has critical header parameters"
    );
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    let (auth, _server) = setup().await;
    let valid = keys()[0].sign(&valid_claims());
    let (header, rest) = valid.split_once('.').unwrap();
    for token in [
        String::new(),
        "garbage".to_owned(),
        "a.b.c".to_owned(),
        format!("{header}.{rest}.extra"),
        format!("{header}.!!!.sig"),
        format!("{}.{rest}", base64url("not json")),
    ] {
        assert!(
            matches!(
                auth.authenticate(&token).await,
                Err(AuthError::InvalidToken(_))
            ),
            "{token:?} was not refused"
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let claims = claims_with("exp", json!(unix_now() - 60));
    assert_eq!(refusal_of_claims(claims).await, "token expired");
}

#[tokio::test]
async fn a_token_expired_within_the_clock_skew_leeway_is_accepted() {
    let (auth, _server) = setup().await;
    let token = keys()[0].sign(&claims_with("exp", json!(unix_now() - 10)));
    assert!(auth.authenticate(&token).await.is_ok());
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    assert_eq!(
        refusal_of_claims(claims_without("exp")).await,
        "token has no expiry"
    );
}

#[tokio::test]
async fn a_token_with_a_non_numeric_exp_is_refused() {
    let claims = claims_with("exp", json!((unix_now() + 600).to_string()));
    assert_eq!(
        refusal_of_claims(claims).await,
        "token claims are malformed"
    );
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let claims = claims_with("nbf", json!(unix_now() + 120));
    assert_eq!(refusal_of_claims(claims).await, "token is not valid yet");
}

#[tokio::test]
async fn a_token_whose_nbf_is_past_or_within_the_leeway_is_accepted() {
    let (auth, _server) = setup().await;
    for nbf in [unix_now() - 60, unix_now() + 10] {
        let token = keys()[0].sign(&claims_with("nbf", json!(nbf)));
        assert!(auth.authenticate(&token).await.is_ok(), "nbf {nbf}");
    }
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    for (iss, expected) in [
        (
            json!("https://evil.example/"),
            "token issuer is not accepted",
        ),
        (
            json!(ISSUER.trim_end_matches('/')),
            "token issuer is not accepted",
        ),
        (json!(ISSUER.to_uppercase()), "token issuer is not accepted"),
        (json!([ISSUER]), "token claims are malformed"),
    ] {
        let reason = refusal_of_claims(claims_with("iss", iss.clone())).await;
        assert_eq!(reason, expected, "{iss}");
    }
}

#[tokio::test]
async fn a_token_without_iss_is_refused() {
    assert_eq!(
        refusal_of_claims(claims_without("iss")).await,
        "token has no issuer"
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    for aud in [json!("other-api"), json!(["other-api", "more"]), json!([])] {
        let reason = refusal_of_claims(claims_with("aud", aud.clone())).await;
        assert_eq!(reason, "token audience is not accepted", "{aud}");
    }
}

#[tokio::test]
async fn a_token_without_aud_is_refused() {
    assert_eq!(
        refusal_of_claims(claims_without("aud")).await,
        "token has no audience"
    );
}

#[tokio::test]
async fn a_token_whose_aud_array_contains_the_audience_is_accepted() {
    let (auth, _server) = setup().await;
    let claims = claims_with("aud", json!([format!("{ISSUER}userinfo"), AUDIENCE]));
    assert!(auth.authenticate(&keys()[0].sign(&claims)).await.is_ok());
}

#[tokio::test]
async fn a_token_whose_permissions_are_not_an_array_of_strings_is_refused() {
    for permissions in [
        json!("get:actors"),
        json!(null),
        json!(3),
        json!(["get:actors", 3]),
        json!({"get:actors": true}),
    ] {
        let reason = refusal_of_claims(claims_with("permissions", permissions.clone())).await;
        assert_eq!(reason, "token claims are malformed", "{permissions}");
    }
}

#[tokio::test]
async fn a_token_without_permissions_is_accepted_with_none() {
    let (auth, _server) = setup().await;
    let principal = auth
        .authenticate(&keys()[0].sign(&claims_without("permissions")))
        .await
        .unwrap();
    assert_eq!(principal.permissions().count(), 0);
}

#[tokio::test]
async fn only_the_permissions_claim_grants_permissions() {
    let (auth, _server) = setup().await;
    let mut claims = claims_with("permissions", json!(["get:movies", "read:unrelated"]));
    claims["scope"] = json!("get:actors post:actor delete:movie");
    claims["roles"] = json!(["Executive Producer"]);
    claims["https://movie-manager/roles"] = json!(["executive-producer"]);
    let principal = auth.authenticate(&keys()[0].sign(&claims)).await.unwrap();
    assert_eq!(
        principal.permissions().collect::<Vec<_>>(),
        [Permission::GetMovies]
    );
}

#[tokio::test]
async fn a_token_without_sub_is_accepted_with_an_empty_subject() {
    let (auth, _server) = setup().await;
    let principal = auth
        .authenticate(&keys()[0].sign(&claims_without("sub")))
        .await
        .unwrap();
    assert_eq!(principal.subject, "");
}

#[tokio::test]
async fn a_refused_token_is_not_remembered_as_accepted() {
    let (auth, _server) = setup().await;
    let token = keys()[0].sign(&claims_with("nbf", json!(unix_now() + 120)));
    assert_eq!(refusal(&auth, &token).await, "token is not valid yet");
    assert!(!is_cached(&auth, &token));
}
