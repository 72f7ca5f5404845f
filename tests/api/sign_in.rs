//! Signing in to the web app, over HTTP: the built-in OpenID provider (discovery, the code flow
//! with PKCE and what it refuses), the session cookie, CSRF, the session's lifetime and idle
//! timeout, signing out, error pages by content negotiation, and the pages' security headers.

use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::AUTHORIZATION;
use serde_json::Value;

use crate::helpers::web::{LOCAL_CLIENT_ID, LocalApp, Visitor};
use crate::helpers::{Backend, Caller, TestApp, backend_tests};

/// A PKCE verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

/// An authorization request of the web app's client, as `pairs` alter it.
fn authorize_url(app: &LocalApp, pairs: &[(&str, &str)]) -> String {
    let redirect_uri = format!("{}/app/callback", app.address);
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", LOCAL_CLIENT_ID),
        ("redirect_uri", &redirect_uri),
        ("scope", "openid profile"),
        ("state", "the-state"),
        ("nonce", "the-nonce"),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in pairs {
        params.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    format!(
        "{}/oidc/authorize?{}",
        app.address,
        serde_urlencoded::to_string(&params).unwrap()
    )
}

/// A code for `challenge`, from the role picker, as the browser would get it.
async fn code_for(app: &LocalApp, challenge: &str) -> String {
    let mut visitor = app.visitor();
    let picker = visitor
        .get(&authorize_url(app, &[("code_challenge", challenge)]))
        .await;
    let origin = visitor.origin.clone();
    let picked = visitor
        .pick_role(&picker, "casting-director", &origin)
        .await;
    assert_eq!(picked.status, 303, "{}", picked.body);
    let callback = url::Url::parse(picked.location()).unwrap();
    assert_eq!(callback.path(), "/app/callback");
    let query: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    assert!(
        query.contains(&("state".into(), "the-state".into())),
        "{query:?}"
    );
    query
        .into_iter()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code)
        .expect("a code")
}

/// Redeems `code` at the token endpoint with `verifier`, as the web app's client.
async fn redeem(app: &LocalApp, code: &str, verifier: &str) -> (u16, Value) {
    let redirect_uri = format!("{}/app/callback", app.address);
    let response = app
        .client
        .post(format!("{}/oidc/token", app.address))
        .basic_auth(LOCAL_CLIENT_ID, Some(app.client_secret()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", verifier),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_code_is_redeemed_once_with_its_verifier_for_tokens_the_api_accepts(app) {
        let (verifier, challenge) = pkce();
        let code = code_for(&app, &challenge).await;
        let (status, tokens) = redeem(&app, &code, &verifier).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        let access_token = tokens["access_token"].as_str().unwrap();
        assert!(tokens["id_token"].is_string(), "{tokens}");
        app.request(reqwest::Method::POST, "/actors")
            .bearer(access_token)
            .json(&serde_json::json!({"name": "Signed In", "age": 40, "gender": "female"}))
            .send()
            .await
            .assert_status(200);

        let (status, again) = redeem(&app, &code, &verifier).await;
        assert_eq!(status, 400);
        assert_eq!(again["error"], "invalid_grant", "a code works once: {again}");
    }

    async fn a_wrong_verifier_is_an_invalid_grant_and_spends_the_code(app) {
        let (verifier, challenge) = pkce();
        let code = code_for(&app, &challenge).await;
        let (other, _) = pkce();
        let (status, body) = redeem(&app, &code, &other).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        let (status, body) = redeem(&app, &code, &verifier).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_provider_publishes_its_discovery_document() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let reply = app
        .get(Caller::Anonymous, "/.well-known/openid-configuration")
        .await;
    assert_eq!(reply.status, 200);
    let discovery = &reply.body;
    let issuer = &app.address;
    assert_eq!(
        discovery["issuer"],
        issuer.as_str(),
        "the issuer is the server's base URL"
    );
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ] {
        let url = discovery[endpoint]
            .as_str()
            .unwrap_or_else(|| panic!("{endpoint}"));
        assert!(url.starts_with(issuer.as_str()), "{endpoint}: {url}");
    }
    assert_eq!(
        discovery["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        discovery["grant_types_supported"],
        serde_json::json!(["authorization_code"])
    );
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert!(
        discovery["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&"openid".into())
    );
    let jwks_path = discovery["jwks_uri"]
        .as_str()
        .unwrap()
        .trim_start_matches(issuer.as_str());
    let jwks = app.get(Caller::Anonymous, jwks_path).await;
    assert_eq!(
        jwks.body["keys"].as_array().map(Vec::len),
        Some(1),
        "{}",
        jwks.body
    );

    // With PUBLIC_URL, the issuer is that, and the token command says the same.
    let public = LocalApp::spawn_with(Backend::Sqlite, |settings| {
        settings.http.public_url = Some("https://movies.example".into());
    })
    .await;
    let reply = public
        .get(Caller::Anonymous, "/.well-known/openid-configuration")
        .await;
    assert_eq!(reply.body["issuer"], "https://movies.example");
    assert_eq!(
        reply.body["token_endpoint"],
        "https://movies.example/oidc/token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_redirect_uri_is_refused_at_the_authorization_endpoint() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let (_, challenge) = pkce();
    let mut visitor = app.visitor();
    for foreign in [
        "https://evil.example/app/callback",
        &format!("{}/app/callback/../../elsewhere", app.address),
        &format!("{}/app/callback?x=1", app.address),
    ] {
        let page = visitor
            .get(&authorize_url(
                &app,
                &[("code_challenge", &challenge), ("redirect_uri", foreign)],
            ))
            .await;
        assert_eq!(page.status, 400, "{foreign}");
        assert!(page.header("location").is_none(), "never sent to {foreign}");
        assert!(page.body.contains("not registered"), "{}", page.body);
    }
    let unknown_client = visitor
        .get(&authorize_url(
            &app,
            &[
                ("code_challenge", &challenge),
                ("client_id", "someone-else"),
            ],
        ))
        .await;
    assert_eq!(unknown_client.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_request_without_a_pkce_s256_challenge_is_refused() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let (_, challenge) = pkce();
    let mut visitor = app.visitor();
    for pairs in [
        vec![("code_challenge", "")],
        vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "plain"),
        ],
        vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", ""),
        ],
        vec![("code_challenge", "short")],
    ] {
        let page = visitor.get(&authorize_url(&app, &pairs)).await;
        assert_eq!(page.status, 303, "{pairs:?}: {}", page.body);
        let back = url::Url::parse(page.location()).unwrap();
        let query: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        assert!(
            query.contains(&("error".into(), "invalid_request".into())),
            "{pairs:?}: {query:?}"
        );
        assert!(
            query.contains(&("state".into(), "the-state".into())),
            "{query:?}"
        );
        assert!(
            !query.iter().any(|(name, _)| name == "code"),
            "no code: {query:?}"
        );
    }
    // The role picker's form is checked the same way.
    let form = [
        ("response_type", "code"),
        ("client_id", LOCAL_CLIENT_ID),
        ("redirect_uri", &format!("{}/app/callback", app.address)),
        ("scope", "openid"),
        ("role", "executive-producer"),
    ];
    let picked = visitor.post("/oidc/authorize", &form).await;
    assert_eq!(picked.status, 303);
    assert!(
        picked.location().contains("error=invalid_request"),
        "{}",
        picked.location()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_wants_the_clients_secret() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &challenge).await;
    let redirect_uri = format!("{}/app/callback", app.address);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    for secret in [None, Some("wrong".to_owned())] {
        let mut request = app
            .client
            .post(format!("{}/oidc/token", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap());
        if let Some(secret) = &secret {
            request = request.basic_auth(LOCAL_CLIENT_ID, Some(secret));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{secret:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
    }
    // In the body instead of the header, it works too (client_secret_post).
    let mut with_secret = form.to_vec();
    let secret = app.client_secret();
    with_secret.extend([
        ("client_id", LOCAL_CLIENT_ID),
        ("client_secret", secret.as_str()),
    ]);
    let response = app
        .client
        .post(format!("{}/oidc/token", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&with_secret).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_same_site_lax_and_new_at_sign_in() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.visitor();
    visitor.sign_in("casting-assistant").await;
    let cookies = &visitor.set_cookies;
    assert_eq!(
        cookies.len(),
        2,
        "one before sign-in, one at it: {cookies:?}"
    );
    for cookie in cookies {
        assert!(cookie.starts_with("session="), "{cookie}");
        assert!(cookie.contains("; HttpOnly"), "{cookie}");
        assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("; Path=/"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    }
    assert_ne!(
        cookies[0].split(';').next(),
        cookies[1].split(';').next(),
        "a new id at sign-in"
    );

    // The browser's id from before sign-in is no session.
    let mut before = Visitor::new(&app.address);
    before.cookie = Some(cookies[0].split(';').next().unwrap().to_owned());
    assert_eq!(before.get("/app/movies").await.status, 303);
    assert_eq!(visitor.get("/app/movies").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    use crate::helpers::oidc::{OidcProvider, free_port, spawn_for};
    let port = free_port();
    let public = "https://movies.example";
    let provider = OidcProvider::start(public, Duration::from_secs(3600)).await;
    let app = spawn_for(&provider, Backend::Sqlite, port, |settings| {
        settings.http.public_url = Some(public.into());
    })
    .await;
    let mut visitor = Visitor::new(&app.address);
    let start = visitor.get("/app/movies").await;
    assert_eq!(start.status, 303, "{}", start.body);
    assert!(
        start.location().starts_with(&provider.issuer),
        "{}",
        start.location()
    );
    let cookie = &visitor.set_cookies[0];
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("; Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_from_another_origin_or_without_the_csrf_token_is_refused() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.signed_in("casting-director").await;
    let token = visitor.csrf_token().await;
    let actor = [("name", "Forged"), ("age", "30"), ("gender", "male")];
    let with_token = [actor.as_slice(), &[("_csrf", token.as_str())]].concat();

    let foreign = visitor
        .post_from("/app/actors", &with_token, Some("https://evil.example"))
        .await;
    assert_eq!(foreign.status, 403, "another origin");
    let no_origin = visitor.post_from("/app/actors", &with_token, None).await;
    assert_eq!(no_origin.status, 403, "no Origin and no Sec-Fetch-Site");
    let no_token = visitor.post("/app/actors", &actor).await;
    assert_eq!(no_token.status, 403, "no token");
    let wrong = [actor.as_slice(), &[("_csrf", "not-the-token")]].concat();
    assert_eq!(
        visitor.post("/app/actors", &wrong).await.status,
        403,
        "another token"
    );
    let sign_out = visitor
        .post_from(
            "/app/sign-out",
            &[("_csrf", &token)],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(sign_out.status, 403, "not even signing out");
    let api = app.api_token("casting-assistant").await;
    let actors = app.api_get(&api, "/actors").await;
    assert_eq!(
        actors["actors"],
        serde_json::json!([]),
        "nothing was written"
    );

    let accepted = visitor.post("/app/actors", &with_token).await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let actors = app.api_get(&api, "/actors").await;
    assert_eq!(actors["actors"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_after_its_idle_timeout() {
    let app = LocalApp::spawn_with(Backend::Sqlite, |settings| {
        settings.web.session_idle_timeout = Duration::from_secs(2);
    })
    .await;
    let mut visitor = app.signed_in("casting-assistant").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        visitor.get("/app/actors").await.status,
        200,
        "activity keeps it alive"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        visitor.get("/app/actors").await.status,
        200,
        "activity keeps it alive"
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let idle = visitor.get("/app/actors?q=ada").await;
    assert_eq!(idle.status, 303, "idle too long");
    assert!(
        idle.location().contains("/oidc/authorize?"),
        "{}",
        idle.location()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_lifetime_however_active() {
    let app = LocalApp::spawn_with(Backend::Sqlite, |settings| {
        settings.web.session_lifetime = Duration::from_secs(3);
    })
    .await;
    let mut visitor = app.signed_in("casting-assistant").await;
    let signed_in = std::time::Instant::now();
    loop {
        let page = visitor.get("/app/movies").await;
        if page.status == 303 {
            break;
        }
        assert_eq!(page.status, 200);
        assert!(
            signed_in.elapsed() < Duration::from_secs(6),
            "the session outlived its lifetime"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        signed_in.elapsed() >= Duration::from_secs(2),
        "it ended early: {:?}",
        signed_in.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coming_back_from_sign_in_lands_on_the_page_asked_for() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.visitor();
    let start = visitor.get("/app/actors?q=ada&sort=-age").await;
    let picker = visitor.get(start.location()).await;
    let origin = visitor.origin.clone();
    let picked = visitor
        .pick_role(&picker, "casting-assistant", &origin)
        .await;
    let back = visitor.get(picked.location()).await;
    assert_eq!(back.status, 303);
    assert_eq!(back.location(), "/app/actors?q=ada&sort=-age");

    // A callback this browser did not start is refused.
    let mut stranger = app.visitor();
    let replay = stranger.get(picked.location()).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_and_goes_through_the_providers_end_session() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.signed_in("executive-producer").await;
    let token = visitor.csrf_token().await;
    let out = visitor.post("/app/sign-out", &[("_csrf", &token)]).await;
    assert_eq!(out.status, 303);
    let end_session = url::Url::parse(out.location()).expect("the provider's end-session URL");
    assert_eq!(end_session.path(), "/oidc/logout");
    let query: Vec<(String, String)> = end_session.query_pairs().into_owned().collect();
    assert!(
        query.iter().any(|(name, _)| name == "id_token_hint"),
        "{query:?}"
    );
    let back = format!("{}/app/signed-out", app.address);
    assert!(
        query.contains(&("post_logout_redirect_uri".into(), back.clone())),
        "{query:?}"
    );
    assert!(
        visitor.set_cookies.last().unwrap().contains("Max-Age=0"),
        "the cookie is removed"
    );

    let provider = visitor.get(out.location()).await;
    assert_eq!(provider.status, 303);
    assert_eq!(provider.location(), back);
    let signed_out = visitor.get(&back).await;
    assert_eq!(signed_out.status, 200);
    assert!(signed_out.body.contains("Signed out"));

    // The old cookie is no session any more.
    let mut old = app.visitor();
    old.cookie = visitor
        .set_cookies
        .iter()
        .rev()
        .nth(1)
        .map(|c| c.split(';').next().unwrap().to_owned());
    assert_eq!(old.get("/app/movies").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_client_the_web_app_says_sign_in_is_not_configured_and_the_api_works() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut visitor = Visitor::new(&app.address);
    let page = visitor.get("/app/movies").await;
    assert_eq!(page.status, 503);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.body.contains("Sign-in is not configured"),
        "{}",
        page.body
    );
    assert!(page.body.contains("AUTH0_CLIENT_ID"), "{}", page.body);
    app.get(Caller::CastingAssistant, "/movies")
        .await
        .assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_are_html_for_browsers_and_json_for_api_clients() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut browser = app.signed_in("casting-assistant").await;
    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        missing.body.contains("<h1>Not found</h1>"),
        "{}",
        missing.body
    );
    assert!(missing.header("content-security-policy").is_some());

    let forbidden = browser.get("/app/movies/new").await;
    assert_eq!(forbidden.status, 403);
    assert!(forbidden.body.contains("post:movie"), "{}", forbidden.body);
    assert!(
        forbidden.body.contains("Sign out"),
        "the page keeps its navigation"
    );
    let no_movie = browser.get("/app/movies/999999").await;
    assert_eq!(no_movie.status, 404);
    assert!(
        no_movie.body.contains("Movie 999999 not found"),
        "{}",
        no_movie.body
    );

    // API clients keep the JSON of the contract, for the same paths and for the API's.
    app.get(Caller::Anonymous, "/no/such/page")
        .await
        .assert_error(404, "not_found");
    let token = app.api_token("casting-assistant").await;
    app.request(reqwest::Method::GET, "/movies/999999")
        .bearer(&token)
        .send()
        .await
        .assert_error(404, "not_found");
    let api_in_a_browser = browser.get("/movies/999999").await;
    assert_eq!(api_in_a_browser.status, 401);
    assert!(
        api_in_a_browser
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(api_in_a_browser.header("www-authenticate").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_security_headers_and_assets_are_cached_for_a_year() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.signed_in("casting-assistant").await;
    let page = visitor.get("/app/movies").await;
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("form-action 'self'"), "{csp}");
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let assets = regex::Regex::new(r#"(?:href|src)="(/assets/[^"]+)""#).unwrap();
    let found: Vec<String> = assets
        .captures_iter(&page.body)
        .map(|c| c[1].to_owned())
        .collect();
    assert_eq!(
        found.len(),
        4,
        "a stylesheet, an icon and two scripts: {found:?}"
    );
    let mut weight = page.body.len();
    for asset in &found {
        let response = app
            .client
            .get(format!("{}{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        weight += response.bytes().await.unwrap().len();
    }
    assert!(
        weight < 100 * 1024,
        "the page weighs {weight} bytes with its assets"
    );
    let favicon = app
        .client
        .get(format!("{}/favicon.ico", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status(), 200);
    assert_eq!(favicon.headers()["content-type"], "image/x-icon");
    let unknown = app
        .client
        .get(format!("{}/assets/app.0000.css", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_page_shows_the_access_token_the_api_accepts() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.signed_in("casting-director").await;
    let page = visitor.get("/app/token").await;
    assert!(page.body.contains("Copy API token"));
    let token = app.api_token("casting-director").await;
    let reply = app
        .client
        .get(format!("{}/actors", app.address))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}
