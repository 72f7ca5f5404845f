//! Tokens made by the tests themselves: RS256 with a test key, and the malformed kinds an
//! attacker might send (unsigned, HMAC with the public key as secret).

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA key of the test identity provider.
#[derive(Clone)]
pub struct TestKey {
    pair: std::sync::Arc<RsaKeyPair>,
    pub kid: String,
}

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
        Self {
            pair: std::sync::Arc::new(pair),
            kid: kid.to_owned(),
        }
    }

    /// One key for the whole test run: generating RSA keys is slow.
    pub fn shared() -> Self {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(|| TestKey::generate("test-key-1")).clone()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": b64(public.modulus().big_endian_without_leading_zero()),
            "e": b64(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// The public key's DER, which an attacker would use as an HMAC secret.
    pub fn public_der(&self) -> Vec<u8> {
        self.pair
            .public_key()
            .as_der()
            .expect("a DER public key")
            .as_ref()
            .to_vec()
    }

    /// An RS256 token with the usual header.
    pub fn sign_claims(&self, claims: &Value) -> String {
        self.sign(
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    /// An RS256 signature over any header and claims.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("a signature");
        format!("{input}.{}", b64(&signature))
    }
}

/// `alg: none`: no signature at all.
pub fn unsigned(claims: &Value, kid: &str) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// HS256 with `secret` as the HMAC key (the classic key-confusion attack uses the public key).
pub fn hs256(claims: &Value, kid: &str, secret: &[u8]) -> String {
    use aws_lc_rs::hmac;
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}
