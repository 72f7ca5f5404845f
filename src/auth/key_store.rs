//! The signing keys tokens are checked against, and keeping them current.
//!
//! In remote mode the keys come from the configured JWKS URL only (or the one the configured
//! issuer's discovery document names, looked up again whenever a fetch fails). They are fetched at start,
//! again every `max_key_age` in the background, and when a token names an unknown `kid`: at
//! most once per cooldown, with concurrent misses sharing one fetch. A failed fetch or an
//! unusable answer keeps the keys held. In local mode the key set is fixed.
//!
//! Installing a different key set empties the verified-token cache, under the key-set lock, so
//! that a token of a removed key stops working as soon as the removal is seen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use anyhow::{Context, bail};
use jsonwebtoken::DecodingKey;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::AuthError;
use super::cache::TokenCache;
use super::jwks::KeySet;

/// How long one JWKS fetch may take, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS accepted; real ones are a few kilobytes.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// The shortest gap between background fetches, so that a zero setting cannot make it spin.
const MIN_REFRESH_PERIOD: Duration = Duration::from_millis(100);

/// The key a token's `kid` names, and the generation of the key set it was found in.
pub(super) struct KnownKey {
    pub(super) decoding: DecodingKey,
    pub(super) generation: u64,
}

impl KnownKey {
    fn find(keys: &KeySet, kid: &str) -> Option<Self> {
        keys.get(kid).map(|decoding| KnownKey {
            decoding: decoding.clone(),
            generation: keys.generation(),
        })
    }
}

pub(super) struct KeyStore {
    current: RwLock<Arc<KeySet>>,
    /// Emptied whenever `current` changes.
    cache: Arc<TokenCache>,
    remote: Option<Remote>,
}

struct Remote {
    client: reqwest::Client,
    location: JwksLocation,
    cooldown: Duration,
    /// Held for the whole of a fetch, so fetches never overlap; holds when the last one started.
    last_fetch: Mutex<Option<Instant>>,
    /// Counts finished fetches: a miss that waited for the lock sees whether one happened
    /// meanwhile, and then uses its result instead of fetching again.
    fetches: AtomicU64,
}

/// Where the JWKS is published.
pub(super) enum JwksLocation {
    /// A configured URL.
    Fixed(String),
    /// The `jwks_uri` of the issuer's discovery document, remembered until a fetch fails.
    Discovered {
        issuer: String,
        resolved: std::sync::Mutex<Option<String>>,
    },
}

impl JwksLocation {
    pub(super) fn discovered(issuer: String) -> Self {
        Self::Discovered {
            issuer,
            resolved: std::sync::Mutex::new(None),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Fixed(url) => url.clone(),
            Self::Discovered { issuer, .. } => super::discovery::discovery_url(issuer),
        }
    }
}

impl KeyStore {
    /// A store with a fixed key set (local mode).
    pub(super) fn fixed(keys: KeySet, cache: Arc<TokenCache>) -> Arc<Self> {
        let store = KeyStore {
            current: RwLock::new(Arc::new(KeySet::empty())),
            cache,
            remote: None,
        };
        store.install(keys);
        Arc::new(store)
    }

    /// A store fed from a JWKS URL: tries a first fetch (a failure leaves it without keys, not
    /// in error) and starts the background refresh.
    pub(super) async fn start_remote(
        location: JwksLocation,
        cooldown: Duration,
        max_key_age: Duration,
        cache: Arc<TokenCache>,
    ) -> anyhow::Result<Arc<Self>> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .context("cannot build the HTTP client for the JWKS")?;
        let store = Arc::new(KeyStore {
            current: RwLock::new(Arc::new(KeySet::empty())),
            cache,
            remote: Some(Remote {
                client,
                location,
                cooldown,
                last_fetch: Mutex::new(None),
                fetches: AtomicU64::new(0),
            }),
        });
        store.refresh().await;
        let period = max_key_age.max(MIN_REFRESH_PERIOD);
        let retry = cooldown.clamp(MIN_REFRESH_PERIOD, period);
        tokio::spawn(refresh_periodically(Arc::downgrade(&store), period, retry));
        Ok(store)
    }

    /// The keys held now.
    pub(super) fn snapshot(&self) -> Arc<KeySet> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The key `kid` names, fetching the JWKS again if the held one lacks it and the cooldown
    /// allows.
    pub(super) async fn key_for(&self, kid: &str) -> Result<KnownKey, AuthError> {
        if let Some(key) = KnownKey::find(&self.snapshot(), kid) {
            return Ok(key);
        }
        let keys = self.refresh_after_miss().await;
        match KnownKey::find(&keys, kid) {
            Some(key) => Ok(key),
            None if keys.is_empty() => Err(AuthError::KeysUnavailable),
            None => Err(AuthError::InvalidToken("unknown signing key")),
        }
    }

    /// Fetches the JWKS now, whatever the cooldown (start and background refresh).
    async fn refresh(&self) {
        if let Some(remote) = &self.remote {
            let mut last_fetch = remote.last_fetch.lock().await;
            self.fetch_and_install(remote, &mut last_fetch).await;
        }
    }

    /// Fetches the JWKS for an unknown kid unless a fetch finished while we waited for our
    /// turn, or the last one is more recent than the cooldown; returns the keys held after.
    async fn refresh_after_miss(&self) -> Arc<KeySet> {
        if let Some(remote) = &self.remote {
            let seen = remote.fetches.load(Ordering::Acquire);
            let mut last_fetch = remote.last_fetch.lock().await;
            let fetched_meanwhile = remote.fetches.load(Ordering::Acquire) != seen;
            let cooling_down = last_fetch.is_some_and(|at| at.elapsed() < remote.cooldown);
            if !fetched_meanwhile && !cooling_down {
                self.fetch_and_install(remote, &mut last_fetch).await;
            }
        }
        self.snapshot()
    }

    async fn fetch_and_install(&self, remote: &Remote, last_fetch: &mut Option<Instant>) {
        *last_fetch = Some(Instant::now());
        let outcome = match remote
            .fetch()
            .await
            .and_then(|body| KeySet::from_jwks(&body))
        {
            Ok(keys) => {
                if self.install(keys) {
                    "installed"
                } else {
                    "unchanged"
                }
            }
            Err(error) => {
                tracing::warn!(
                    url = %remote.location.describe(),
                    error = format!("{error:#}"),
                    "cannot refresh the JWKS; keeping the keys held"
                );
                "failed"
            }
        };
        metrics::counter!(super::JWKS_REFRESHES, "outcome" => outcome).increment(1);
        remote.fetches.fetch_add(1, Ordering::Release);
    }

    /// Makes `keys` the current key set, unless it holds the same keys: a periodic refresh
    /// that changes nothing must not empty the token cache. Whether it installed them.
    fn install(&self, keys: KeySet) -> bool {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current.same_keys(&keys) {
            return false;
        }
        let generation = current.generation() + 1;
        tracing::info!(
            keys = keys.len(),
            generation,
            "installed a new signing key set"
        );
        *current = Arc::new(keys.with_generation(generation));
        self.cache.reset(generation);
        true
    }
}

/// Refreshes the keys every `period` for as long as the store is alive. While no keys are held
/// it tries every `retry` (the cooldown) instead, so that the service becomes ready without
/// waiting for a token to trigger a fetch.
async fn refresh_periodically(store: Weak<KeyStore>, period: Duration, retry: Duration) {
    loop {
        let delay = match store.upgrade() {
            Some(store) if store.snapshot().is_empty() => retry,
            Some(_) => period,
            None => return,
        };
        tokio::time::sleep(delay).await;
        match store.upgrade() {
            Some(store) => store.refresh().await,
            None => return,
        }
    }
}

impl Remote {
    /// The JWKS document, or why it could not be had.
    async fn fetch(&self) -> anyhow::Result<Vec<u8>> {
        let url = self.jwks_url().await?;
        let fetched = self.fetch_from(&url).await;
        if fetched.is_err()
            && let JwksLocation::Discovered { resolved, .. } = &self.location
        {
            *resolved.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        fetched
    }

    async fn jwks_url(&self) -> anyhow::Result<String> {
        match &self.location {
            JwksLocation::Fixed(url) => Ok(url.clone()),
            JwksLocation::Discovered { issuer, resolved } => {
                let known = resolved.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(url) = known {
                    return Ok(url);
                }
                let url = super::discovery::fetch(&self.client, issuer)
                    .await?
                    .jwks_uri;
                *resolved.lock().unwrap_or_else(|e| e.into_inner()) = Some(url.clone());
                Ok(url)
            }
        }
    }

    async fn fetch_from(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?
            .error_for_status()?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                bail!("the JWKS is larger than {MAX_JWKS_BYTES} bytes");
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
