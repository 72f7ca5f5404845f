//! How a representation travels: conditional GETs (`If-None-Match`, 304) and compressed bodies.

use std::io::Read;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::identity;
use crate::helpers::{Caller, Reply, TestApp, backend_tests, once_tests};

async fn get_with(app: &TestApp, caller: Caller, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut call = app.call(caller, Method::GET, path);
    for (name, value) in headers {
        call = call.header(name, value);
    }
    call.send().await
}

/// A raw GET whose body is returned as sent, compressed or not.
async fn raw_get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let token = app.token(Caller::CastingAssistant).unwrap();
    let mut request = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token);
    if let Some(encoding) = accept_encoding {
        request = request.header("Accept-Encoding", encoding);
    }
    request.send().await.expect("the server answers")
}

backend_tests! {
    async fn a_get_naming_the_current_etag_answers_304_without_a_body(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        for path in [format!("/actors/{actor}"), format!("/movies/{movie}")] {
            let first = app.get(Caller::CastingAssistant, &path).await;
            let etag = first.etag();
            let weak = format!("W/{etag}");
            for condition in [etag.as_str(), "*", weak.as_str(), &format!("\"v999\", {etag}")] {
                let reply = get_with(&app, Caller::CastingAssistant, &path, &[("If-None-Match", condition)]).await;
                assert_eq!(reply.status, 304, "{path} with If-None-Match: {condition}");
                assert_eq!(reply.header("etag"), Some(etag.as_str()), "{condition}");
                assert_eq!(reply.body, Value::Null, "a 304 has no body");
            }
            let other = get_with(&app, Caller::CastingAssistant, &path, &[("If-None-Match", "\"v999\"")]).await;
            other.assert_status(200);
            assert_eq!(other.body, first.body);
        }
    }

    async fn a_changed_resource_answers_200_with_its_new_etag_to_the_old_one(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let path = format!("/actors/{actor}");
        let etag = app.get(Caller::CastingAssistant, &path).await.etag();
        app.patch(Caller::CastingDirector, &path, json!({"age": 47})).await.assert_status(200);
        let reply = get_with(&app, Caller::CastingAssistant, &path, &[("If-None-Match", &etag)]).await;
        reply.assert_status(200);
        assert_eq!(reply.body["actor"]["age"], json!(47));
        assert_ne!(reply.header("etag"), Some(etag.as_str()));
    }

    async fn the_permission_check_comes_before_a_304(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let path = format!("/actors/{actor}");
        let anonymous = get_with(&app, Caller::Anonymous, &path, &[("If-None-Match", "*")]).await;
        anonymous.assert_error(401, "unauthorized");
        let token = app.key.sign(&identity::claims(&["get:movies"]));
        let forbidden = app
            .request(Method::GET, &path)
            .bearer(&token)
            .header("If-None-Match", "*")
            .send()
            .await;
        forbidden.assert_error(403, "forbidden");
        let missing = get_with(&app, Caller::CastingAssistant, "/actors/999", &[("If-None-Match", "*")]).await;
        missing.assert_error(404, "not_found");
    }
}

/// Whether the response's `Vary` headers name `header`.
fn varies_by(response: &reqwest::Response, header: &str) -> bool {
    response
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case(header))
}

once_tests! {
    async fn a_page_is_compressed_with_gzip_or_brotli_when_the_client_asks(app) {
        for index in 0..100 {
            app.create_actor(&format!("Actor number {index}"), 30 + index % 50, "female").await;
        }
        let path = "/actors?limit=100";
        let plain = raw_get(&app, path, None).await;
        assert_eq!(plain.headers().get("content-encoding"), None);
        assert!(varies_by(&plain, "accept-encoding"), "{:?}", plain.headers());
        let plain_bytes = plain.bytes().await.unwrap();
        let expected: Value = serde_json::from_slice(&plain_bytes).unwrap();
        assert_eq!(expected["actors"].as_array().unwrap().len(), 100);

        for encoding in ["gzip", "br"] {
            let reply = raw_get(&app, path, Some(encoding)).await;
            assert_eq!(reply.status(), 200);
            assert_eq!(reply.headers()["content-encoding"], encoding);
            assert!(varies_by(&reply, "accept-encoding"), "{:?}", reply.headers());
            let compressed = reply.bytes().await.unwrap();
            assert!(
                compressed.len() * 4 < plain_bytes.len(),
                "{encoding}: {} bytes for {} uncompressed",
                compressed.len(),
                plain_bytes.len()
            );
            let mut decoded = Vec::new();
            match encoding {
                "gzip" => flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut decoded),
                _ => brotli::Decompressor::new(&compressed[..], 4096).read_to_end(&mut decoded),
            }
            .unwrap();
            assert_eq!(serde_json::from_slice::<Value>(&decoded).unwrap(), expected, "{encoding}");
        }
    }

    async fn a_small_body_is_sent_as_it_is(app) {
        for path in ["/healthz", "/actors/999"] {
            let reply = raw_get(&app, path, Some("gzip, br")).await;
            assert_eq!(reply.headers().get("content-encoding"), None, "{path}");
        }
    }
}
