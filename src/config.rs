//! Configuration: every setting is a flag and an environment variable (docs/API.md,
//! Configuration), resolved here into the [`Settings`] that [`crate::startup::Application::build`]
//! takes. A setting that cannot be understood stops the server at start, saying which.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use axum::http::HeaderValue;
use clap::Args;

use crate::auth::{AuthSettings, KeySource, normalize_domain};
use crate::http::MiddlewareSettings;
use crate::photos::PhotoStore;
use crate::storage::DatabaseSettings;
use crate::web::WebSettings;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    /// Where photo files live.
    pub photos: PhotoStore,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub web: WebSettings,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub host: IpAddr,
    pub port: u16,
    /// The browser origins allowed to call the API; `None` allows any.
    pub cors_origins: Option<Vec<HeaderValue>>,
    /// The whole request, body included, must be handled within this.
    pub request_timeout: Duration,
    /// A client must send its request headers within this.
    pub header_read_timeout: Duration,
    /// In-flight requests get this long to finish after a shutdown signal.
    pub shutdown_timeout: Duration,
    /// Lets the local identity provider serve on a non-loopback address.
    pub allow_local_auth_on_network: bool,
    /// Beyond this many requests in flight, the server answers 503 at once.
    pub max_in_flight: usize,
    /// Beyond this many open event streams, a new one is answered 503.
    pub max_event_streams: usize,
    /// Where `/metrics` is served, if anywhere (never on the public port).
    pub metrics_addr: Option<SocketAddr>,
    /// The origin people reach the server at (`PUBLIC_URL`); `None` means `http://HOST:PORT`
    /// with the port actually bound.
    pub public_url: Option<String>,
}

impl HttpSettings {
    /// What the API's middleware takes of these.
    pub fn middleware(&self) -> MiddlewareSettings {
        MiddlewareSettings {
            cors_origins: self.cors_origins.clone(),
            request_timeout: self.request_timeout,
            max_in_flight: self.max_in_flight,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (created if missing) or `postgres://...`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://movie-manager.db"
    )]
    pub database_url: String,
    /// The most connections the pool opens.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,
    /// Where photo files live: a folder, or `s3://BUCKET/PREFIX` (credentials, region and
    /// endpoint from the `AWS_*` variables). Default: a folder `movie-manager-photos` beside a
    /// SQLite database; required with PostgreSQL.
    #[arg(long, env = "PHOTO_STORE")]
    pub photo_store: Option<String>,
}

impl DatabaseArgs {
    pub fn settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.database_url.clone(),
            max_connections: self.database_max_connections,
        }
    }

    /// The photo store `PHOTO_STORE` names, or the folder beside the SQLite database.
    pub fn photos(&self) -> anyhow::Result<PhotoStore> {
        photo_store(
            self.photo_store.as_deref(),
            &self.database_url,
            "PHOTO_STORE",
            &[],
        )
    }
}

/// The photo store at `location`, or else the folder beside the SQLite database of
/// `database_url`; `option` is what the error names when neither is there. `variables` take
/// the place of the process's `AWS_*` ones.
pub fn photo_store(
    location: Option<&str>,
    database_url: &str,
    option: &str,
    variables: &[(&str, String)],
) -> anyhow::Result<PhotoStore> {
    let location = match location {
        Some(location) => location.to_owned(),
        None => default_photo_folder(database_url)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{option} is required with this database: a folder, or s3://BUCKET/PREFIX"
                )
            })?
            .display()
            .to_string(),
    };
    PhotoStore::open_with(&location, variables)
        .with_context(|| format!("cannot open the photo store {location}"))
}

/// The file of a SQLite database URL, if it names one.
fn sqlite_file(database_url: &str) -> Option<&Path> {
    database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.starts_with(":memory:"))
        .map(Path::new)
}

/// `sqlite://data/app.db` keeps its photos in `data/movie-manager-photos`.
fn default_photo_folder(database_url: &str) -> Option<PathBuf> {
    let file = sqlite_file(database_url)?;
    Some(
        file.parent()
            .unwrap_or(Path::new(""))
            .join("movie-manager-photos"),
    )
}

#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Auth0 tenant, e.g. `example.eu.auth0.com`: issuer `https://DOMAIN/`, keys at
    /// `https://DOMAIN/.well-known/jwks.json`.
    #[arg(long, env = "AUTH0_DOMAIN")]
    pub auth0_domain: Option<String>,
    /// The `aud` that tokens must carry.
    #[arg(long, env = "API_AUDIENCE", default_value = "movie-manager")]
    pub api_audience: String,
    /// The exact `iss` of accepted tokens (overrides what AUTH0_DOMAIN implies).
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Where the signing keys are published (overrides what AUTH0_DOMAIN implies).
    #[arg(long, env = "JWKS_URL")]
    pub jwks_url: Option<String>,
    /// The local identity provider's RSA key (default: beside the SQLite database, or in the
    /// working directory for PostgreSQL).
    #[arg(long, env = "LOCAL_KEY_FILE")]
    pub local_key_file: Option<PathBuf>,
    /// Least time between two JWKS fetches caused by tokens with an unknown `kid`.
    #[arg(long, env = "JWKS_REFRESH_COOLDOWN", default_value = "30s", value_parser = humantime::parse_duration)]
    pub jwks_refresh_cooldown: Duration,
    /// How often the JWKS is fetched again in the background.
    #[arg(long, env = "JWKS_MAX_AGE", default_value = "10m", value_parser = humantime::parse_duration)]
    pub jwks_max_age: Duration,
}

impl AuthArgs {
    /// An external provider when AUTH0_DOMAIN, JWKS_URL or JWT_ISSUER says so (with JWT_ISSUER
    /// alone, its discovery document names the JWKS); the local one otherwise, whose issuer is
    /// `local_issuer`, the server's own base URL.
    pub fn settings(&self, database_url: &str, local_issuer: &str) -> anyhow::Result<AuthSettings> {
        let domain = self.auth0_domain.as_deref().map(normalize_domain);
        let jwks_url = self.jwks_url.clone().or_else(|| {
            domain
                .as_ref()
                .map(|domain| format!("https://{domain}/.well-known/jwks.json"))
        });
        let issuer = self
            .jwt_issuer
            .clone()
            .or_else(|| domain.as_ref().map(|domain| format!("https://{domain}/")));
        let (issuer, source) = match jwks_url {
            Some(jwks_url) => {
                if !(jwks_url.starts_with("https://") || jwks_url.starts_with("http://")) {
                    bail!("JWKS_URL must be an http(s) URL");
                }
                let issuer = issuer.context("JWT_ISSUER is required with JWKS_URL")?;
                (issuer, KeySource::Remote { jwks_url })
            }
            None => match issuer {
                Some(issuer) => {
                    if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
                        bail!(
                            "JWT_ISSUER must be an http(s) URL: its discovery document names the JWKS"
                        );
                    }
                    (issuer, KeySource::Discovered)
                }
                None => {
                    let key_file = match &self.local_key_file {
                        Some(path) => path.clone(),
                        None => default_key_file(database_url),
                    };
                    (local_issuer.to_owned(), KeySource::Local { key_file })
                }
            },
        };
        Ok(AuthSettings {
            issuer,
            audience: self.api_audience.clone(),
            source,
            refresh_cooldown: self.jwks_refresh_cooldown,
            max_key_age: self.jwks_max_age,
        })
    }
}

/// `sqlite://data/app.db` keeps its key in `data/app.key.pem`; other databases in the working
/// directory.
fn default_key_file(database_url: &str) -> PathBuf {
    match sqlite_file(database_url) {
        Some(path) => path.with_extension("key.pem"),
        None => PathBuf::from("movie-manager.key.pem"),
    }
}

#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// The address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Comma-separated origins allowed to call the API from a browser; `*` for any.
    #[arg(long, env = "CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,
    /// Serve the local identity provider on a non-loopback address (never in production).
    #[arg(long, env = "ALLOW_LOCAL_AUTH_ON_NETWORK")]
    pub allow_local_auth_on_network: bool,
    /// How long in-flight requests may take to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value = "20s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: Duration,
    /// Beyond this many requests in flight, answer 503 with Retry-After at once instead of
    /// queueing (`/healthz` is always answered).
    #[arg(long, env = "MAX_IN_FLIGHT", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_in_flight: u32,
    /// Beyond this many open event streams (live updates), answer a new one 503; streams do not
    /// count as requests in flight.
    #[arg(long, env = "MAX_EVENT_STREAMS", default_value_t = crate::storage::events::EVENT_STREAMS_DEFAULT as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_event_streams: u32,
    /// Where to serve `/metrics` in Prometheus' text format, e.g. `127.0.0.1:9090`; unset: nowhere.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// The origin people reach the server at, e.g. `https://movies.example.com` (redirect URIs,
    /// the local issuer, secure cookies when https); default `http://HOST:PORT`.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl HttpArgs {
    pub fn settings(&self) -> anyhow::Result<HttpSettings> {
        Ok(HttpSettings {
            host: self.host,
            port: self.port,
            cors_origins: parse_origins(&self.cors_origins)?,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            shutdown_timeout: self.shutdown_timeout,
            allow_local_auth_on_network: self.allow_local_auth_on_network,
            max_in_flight: self.max_in_flight as usize,
            max_event_streams: self.max_event_streams as usize,
            metrics_addr: self.metrics_addr,
            public_url: self.public_url()?,
        })
    }

    /// `PUBLIC_URL` as an origin, if set.
    fn public_url(&self) -> anyhow::Result<Option<String>> {
        self.public_url
            .as_deref()
            .map(|raw| {
                let origin = parse_origin(raw.trim())
                    .with_context(|| format!("PUBLIC_URL: {raw:?} is not scheme://host[:port]"))?;
                Ok(origin.to_str()?.to_owned())
            })
            .transpose()
    }

    /// The server's base URL as these arguments give it: `PUBLIC_URL`, or `http://HOST:PORT`.
    pub fn base_url(&self) -> anyhow::Result<String> {
        Ok(self
            .public_url()?
            .unwrap_or_else(|| base_url(self.host, self.port)))
    }
}

/// `http://HOST:PORT`, with an IPv6 host in brackets.
pub fn base_url(host: IpAddr, port: u16) -> String {
    format!("http://{}", SocketAddr::new(host, port))
}

/// `*` (any origin), or a comma-separated list of origins, each `scheme://host[:port]` as a
/// browser sends it in `Origin` (a trailing `/` is tolerated). Anything else is an error that
/// names the entry: a silently dropped origin would only show up as browsers being refused.
fn parse_origins(raw: &str) -> anyhow::Result<Option<Vec<HeaderValue>>> {
    let entries: Vec<&str> = raw.split(',').map(str::trim).collect();
    if entries == ["*"] {
        return Ok(None);
    }
    entries
        .iter()
        .map(|entry| {
            parse_origin(entry).with_context(|| format!("CORS_ORIGINS: {entry:?} is not an origin"))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

fn parse_origin(entry: &str) -> anyhow::Result<HeaderValue> {
    if entry == "*" {
        bail!("`*` allows any origin and cannot be listed with others");
    }
    let url = url::Url::parse(entry).context("expected scheme://host[:port]")?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("the scheme must be http or https");
    }
    if url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || entry.trim_end_matches('/').matches('/').count() != 2
    {
        bail!("an origin is scheme://host[:port], with no user, path, query or fragment");
    }
    Ok(HeaderValue::from_str(&url.origin().ascii_serialization())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_database_keeps_its_key_beside_it() {
        assert_eq!(
            default_key_file("sqlite://data/app.db"),
            PathBuf::from("data/app.key.pem")
        );
        assert_eq!(
            default_key_file("postgres://localhost/app"),
            PathBuf::from("movie-manager.key.pem")
        );
    }

    #[test]
    fn an_auth0_domain_implies_issuer_and_keys() {
        let args = AuthArgs {
            auth0_domain: Some("https://tenant.auth0.com/".into()),
            api_audience: "movies".into(),
            jwt_issuer: None,
            jwks_url: None,
            local_key_file: None,
            jwks_refresh_cooldown: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(600),
        };
        let settings = args.settings("sqlite://x.db", "http://local").unwrap();
        assert_eq!(settings.issuer, "https://tenant.auth0.com/");
        match settings.source {
            KeySource::Remote { jwks_url } => {
                assert_eq!(jwks_url, "https://tenant.auth0.com/.well-known/jwks.json")
            }
            other => panic!("expected the remote provider, not {other:?}"),
        }
    }

    #[test]
    fn cors_origins_are_a_star_or_a_list_of_origins() {
        assert_eq!(parse_origins("*").unwrap(), None);
        assert_eq!(
            parse_origins("https://a.example, https://B.example:8443/").unwrap(),
            Some(vec![
                HeaderValue::from_static("https://a.example"),
                HeaderValue::from_static("https://b.example:8443"),
            ])
        );
    }

    #[test]
    fn a_malformed_cors_origin_is_refused_by_name() {
        for entry in [
            "a.example",
            "https://a.example/app",
            "ftp://a.example",
            "https://",
            "https://user@a.example",
            "*",
            "",
        ] {
            let raw = format!("https://ok.example,{entry}");
            let error = format!("{:#}", parse_origins(&raw).unwrap_err());
            assert!(error.contains(&format!("{entry:?}")), "{entry}: {error}");
        }
    }
}
