//! The web app from outside: a server whose identity provider is its own built-in one, and a
//! client that signs in over plain HTTP the way a browser would (one cookie, redirects by
//! hand), for the tests of sign-in, sessions and CSRF that need no browser.

use std::ops::Deref;
use std::path::PathBuf;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use movie_manager::auth::KeySource;
use movie_manager::config::Settings;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

use super::temp_dir::TempDir;
use super::{Backend, TestApp};

/// The built-in provider's client id for the web app.
pub const LOCAL_CLIENT_ID: &str = "movie-manager";

/// A server in local mode: its own identity provider, with a key file of its own.
pub struct LocalApp {
    pub app: TestApp,
    pub key_file: PathBuf,
    _dir: TempDir,
}

impl Deref for LocalApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl LocalApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = TempDir::new("web");
        let key_file = dir.path().join("local.key.pem");
        let local_key = key_file.clone();
        let app = TestApp::spawn_with(backend, move |settings| {
            settings.auth.source = KeySource::Local {
                key_file: local_key,
            };
            adjust(settings);
        })
        .await;
        Self {
            app,
            key_file,
            _dir: dir,
        }
    }

    /// Another instance beside this one, as behind a load balancer: the same database and key
    /// file, and this one's address as the public URL both are reached at.
    pub async fn spawn_beside(&self) -> TestApp {
        self.spawn_beside_with(|_| {}).await
    }

    /// Like [`LocalApp::spawn_beside`], with settings adjusted first: to start one again on
    /// the port of one that stopped, say.
    pub async fn spawn_beside_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let key_file = self.key_file.clone();
        let public_url = self.address.clone();
        self.app
            .spawn_beside_with(move |settings| {
                settings.auth.source = KeySource::Local { key_file };
                settings.http.public_url = Some(public_url);
                adjust(settings);
            })
            .await
    }

    /// The web app's client secret at the built-in provider, derived as documented: the
    /// HMAC-SHA256 of the signing key's PKCS#8 DER with a fixed label, base64url.
    pub fn client_secret(&self) -> String {
        let pem = std::fs::read_to_string(&self.key_file).expect("the key file");
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).expect("a PEM body");
        let key = hmac::Key::new(hmac::HMAC_SHA256, &der);
        let tag = hmac::sign(&key, b"movie-manager local provider: web client secret v1");
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// An access token of the built-in provider for `role`, as the web app's token page shows it.
    pub async fn api_token(&self, role: &str) -> String {
        let mut visitor = self.signed_in(role).await;
        let page = visitor.get("/app/token").await;
        assert_eq!(page.status, 200, "the token page");
        regex::Regex::new(r"(?s)<textarea[^>]*>([^<]+)</textarea>")
            .expect("a pattern")
            .captures(&page.body)
            .map(|captures| captures[1].trim().to_owned())
            .expect("the token on the token page")
    }

    /// `GET path` of the API with `token`, which must answer 200; its JSON body.
    pub async fn api_get(&self, token: &str, path: &str) -> serde_json::Value {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON")
    }

    /// `method path` of the API with `token` and a JSON body, which must answer 200; its body.
    pub async fn api_send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let response = self
            .client
            .request(method.clone(), format!("{}{path}", self.address))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "{method} {path}");
        response.json().await.expect("JSON")
    }

    /// A client of the web app, not signed in.
    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.address)
    }

    /// A client of the web app, signed in with the built-in provider as `role`
    /// (`casting-assistant`, `casting-director`, `executive-producer`).
    pub async fn signed_in(&self, role: &str) -> Visitor {
        let mut visitor = self.visitor();
        visitor.sign_in(role).await;
        visitor
    }
}

/// One answer, read whole.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn location(&self) -> &str {
        self.header("location")
            .unwrap_or_else(|| panic!("a Location (status {})", self.status))
    }

    /// The value of a hidden or named input of the page.
    pub fn input(&self, name: &str) -> Option<String> {
        hidden_inputs(&self.body)
            .into_iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }
}

/// The `name` and `value` of each `<input>` of a page that has both.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let pattern = regex::Regex::new(r#"<input type="hidden" name="([^"]*)" value="([^"]*)">"#)
        .expect("a pattern");
    pattern
        .captures_iter(html)
        .map(|captures| (unescape(&captures[1]), unescape(&captures[2])))
        .collect()
}

/// HTML's escapes, undone: the named ones askama writes, and numeric ones.
pub fn unescape(text: &str) -> String {
    let numeric = regex::Regex::new(r"&#(x[0-9a-fA-F]+|[0-9]+);").expect("a pattern");
    let text = numeric.replace_all(text, |captures: &regex::Captures| {
        let code = &captures[1];
        let value = match code.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => code.parse(),
        };
        value
            .ok()
            .and_then(char::from_u32)
            .map_or_else(|| captures[0].to_owned(), String::from)
    });
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A browser without a browser: keeps the one session cookie, follows nothing by itself.
pub struct Visitor {
    pub origin: String,
    client: reqwest::Client,
    /// `name=value` of the session cookie, as last set.
    pub cookie: Option<String>,
    /// Every `Set-Cookie` the server sent, in order.
    pub set_cookies: Vec<String>,
}

impl Visitor {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            cookie: None,
            set_cookies: Vec::new(),
        }
    }

    fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.origin)
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        };
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().expect("an ASCII cookie").to_owned();
            let pair = value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            let removed = value.to_ascii_lowercase().contains("max-age=0");
            self.cookie = if removed { None } else { Some(pair) };
            self.set_cookies.push(value);
        }
        let body = response.text().await.expect("a body");
        Page {
            status,
            headers,
            body,
        }
    }

    /// A page, as a browser navigating there asks for it.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self
            .client
            .get(self.url(path))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        self.send(request).await
    }

    /// A form sent from one of the server's own pages (with its Origin).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.origin.clone();
        self.post_from(path, fields, Some(&origin)).await
    }

    /// A form sent with the given `Origin` (or none).
    pub async fn post_from(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("a form");
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(body);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        self.send(request).await
    }

    /// A `multipart/form-data` form sent from one of the server's own pages: `content_type`
    /// carries its boundary.
    pub async fn post_multipart(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let request = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .header("accept", "text/html")
            .header(ORIGIN, self.origin.clone())
            .body(body);
        self.send(request).await
    }

    /// A file as a page's `<img>` fetches it, with the session cookie: status, headers, bytes.
    pub async fn get_file(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut request = self.client.get(self.url(path)).header("accept", "image/*");
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body").to_vec();
        (status, headers, bytes)
    }

    /// Signs in with the built-in provider, as `role`, from the movies page.
    pub async fn sign_in(&mut self, role: &str) {
        let start = self.get("/app/movies").await;
        assert_eq!(
            start.status, 303,
            "not signed in, the app sends the browser to sign in"
        );
        let authorize = start.location().to_owned();
        let picker = self.get(&authorize).await;
        let origin = self.origin.clone();
        let picked = self.pick_role(&picker, role, &origin).await;
        assert_eq!(
            picked.status, 303,
            "a code for the web app: {}",
            picked.body
        );
        let callback = picked.location().to_owned();
        assert!(callback.contains("/app/callback?"), "{callback}");
        let back = self.get(&callback).await;
        assert_eq!(back.status, 303, "signed in: {}", back.body);
        assert_eq!(back.location(), "/app/movies");
    }

    /// Picks `role` on the built-in provider's role picker `picker`, sending its form (to this
    /// visitor's origin) from `origin`: the provider's answer.
    pub async fn pick_role(&mut self, picker: &Page, role: &str, origin: &str) -> Page {
        assert_eq!(picker.status, 200, "the role picker: {}", picker.body);
        let mut fields = hidden_inputs(&picker.body);
        fields.push(("role".into(), role.into()));
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let action = format!("{}/oidc/authorize", self.origin);
        self.post_from(&action, &fields, Some(origin)).await
    }

    /// The session's CSRF token, from a page's sign-out form.
    pub async fn csrf_token(&mut self) -> String {
        let page = self.get("/app/movies").await;
        assert_eq!(page.status, 200, "signed in");
        page.input("_csrf").expect("a CSRF token in the page")
    }
}
