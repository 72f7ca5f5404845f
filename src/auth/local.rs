//! The local identity provider, used when no external one is configured: an RSA key kept in a
//! file, published as a JWKS, and used to sign tokens for a role. Its tokens are verified like
//! any other, against the JWKS it publishes.
//!
//! The key file is an unencrypted PKCS#8 RSA private key in PEM (`-----BEGIN PRIVATE KEY-----`),
//! created 2048-bit with mode 0600 when missing; `openssl pkey -in FILE` reads it.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::Role;
use super::jwks::{rsa_signing_jwk, rsa_thumbprint};
use super::token::unix_now;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// Labels the HMAC that derives the web app's client secret from the signing key: every instance
/// that shares the key file agrees on the secret, and nothing else needs configuring.
const CLIENT_SECRET_LABEL: &[u8] = b"movie-manager local provider: web client secret v1";

/// The local provider's key, with its public JWK.
pub struct LocalIdentity {
    key_pair: RsaKeyPair,
    kid: String,
    jwk: Value,
    client_secret: String,
}

impl LocalIdentity {
    /// Loads the key file, or creates it with a new key if there is none. The file's directory
    /// must exist: creating it silently could hide a misconfigured path.
    pub(super) fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let key_pair = match fs::read_to_string(path) {
            Ok(pem) => parse_pem(&pem),
            Err(e) if e.kind() == io::ErrorKind::NotFound => create_key_file(path),
            Err(e) => Err(e.into()),
        }
        .with_context(|| format!("local signing key {}", path.display()))?;
        Ok(Self::from_key_pair(key_pair))
    }

    fn from_key_pair(key_pair: RsaKeyPair) -> Self {
        let public = key_pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero();
        let e = public.exponent().big_endian_without_leading_zero();
        let kid = rsa_thumbprint(n, e);
        let jwk = rsa_signing_jwk(&kid, n, e);
        let der = key_pair
            .as_der()
            .expect("a key pair that was parsed or generated encodes as DER");
        let mac = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, der.as_ref()),
            CLIENT_SECRET_LABEL,
        );
        let client_secret = URL_SAFE_NO_PAD.encode(mac.as_ref());
        LocalIdentity {
            key_pair,
            kid,
            jwk,
            client_secret,
        }
    }

    /// The secret of the web app's client of the local provider.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// A compact JWS of `claims`, signed with the key and naming its kid.
    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid });
        sign_rs256(&self.key_pair, &header, claims)
    }

    /// The JWKS document that publishes the key.
    pub(super) fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// A token for `role`, valid for `ttl` from now.
    pub fn issue(
        &self,
        issuer: &str,
        audience: &str,
        role: Role,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let now = unix_now();
        let permissions: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
        let claims = json!({
            "iss": issuer,
            "sub": format!("local|{}", role.as_str()),
            // Who, for people reading the history: the local provider knows roles, not people.
            "name": role.label(),
            "aud": audience,
            "iat": now,
            "exp": now.saturating_add(ttl.as_secs()),
            "permissions": permissions,
        });
        self.sign(&claims)
    }
}

/// A compact JWS: base64url(header).base64url(claims).base64url(RS256 signature). Signed with
/// aws-lc-rs directly because jsonwebtoken's aws-lc backend only signs from PKCS#1 DER.
pub(super) fn sign_rs256(
    key: &RsaKeyPair,
    header: &Value,
    claims: &Value,
) -> anyhow::Result<String> {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .map_err(|_| anyhow!("RSA signing failed"))?;
    Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

fn parse_pem(pem: &str) -> anyhow::Result<RsaKeyPair> {
    let body = pem
        .trim()
        .strip_prefix(PEM_BEGIN)
        .and_then(|rest| rest.strip_suffix(PEM_END))
        .ok_or_else(|| anyhow!("not a PEM PKCS#8 private key ({PEM_BEGIN})"))?;
    let base64: String = body.split_whitespace().collect();
    let der = STANDARD
        .decode(base64)
        .context("the PEM body is not base64")?;
    RsaKeyPair::from_pkcs8(&der).map_err(|e| anyhow!("not an RSA private key: {e}"))
}

fn to_pem(der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut pem = String::with_capacity(base64.len() + base64.len() / 64 + 64);
    pem.push_str(PEM_BEGIN);
    pem.push('\n');
    let mut rest = base64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

/// Generates a key and writes it to `path`. The key is written to a private temporary file,
/// then linked into place: a reader never sees a half-written file, and when two processes
/// race to create the key, the second one adopts the first one's key instead of replacing it.
fn create_key_file(path: &Path) -> anyhow::Result<RsaKeyPair> {
    let key_pair =
        RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| anyhow!("RSA key generation failed"))?;
    let der = key_pair
        .as_der()
        .map_err(|_| anyhow!("cannot encode the RSA key"))?;
    let temporary = temporary_path(path);
    write_private(&temporary, to_pem(der.as_ref()).as_bytes())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    let placed = place(&temporary, path);
    // The temporary name is ours alone: nothing else would remove it (after a rename it is gone).
    let _ = fs::remove_file(&temporary);
    match placed {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created a new local signing key");
            Ok(key_pair)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => parse_pem(&fs::read_to_string(path)?),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Puts the finished key file in place without replacing one another process created meanwhile.
fn place(temporary: &Path, path: &Path) -> io::Result<()> {
    match fs::hard_link(temporary, path) {
        // A filesystem without hard links: a rename is atomic too, it only cannot refuse to
        // replace a key created at the same moment.
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => fs::rename(temporary, path),
        linked => linked,
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    path.with_file_name(name)
}

/// Creates `path` (which must not exist) readable by its owner only, and writes `contents`.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
