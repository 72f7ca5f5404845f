//! JSON Web Key Sets: reading the usable RSA signing keys out of a provider's JWKS document into
//! a [`KeySet`], and writing the JWK of the local provider's key. Whatever a JWKS holds besides
//! RS256 signing keys (EC keys, encryption keys, keys for other algorithms) is skipped, never an
//! error, because providers publish such keys next to the ones we use.

use std::collections::HashMap;

use anyhow::{Context, bail};
use aws_lc_rs::digest;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::{Value, json};

/// Base64url as JWKS publishers actually write it: padding is not allowed by RFC 7518 but some
/// providers add it anyway.
const LENIENT_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The modulus sizes the RS256 verifier accepts; a key outside them could never verify anything.
const MODULUS_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// The signing keys of one JWKS, by `kid`.
pub(super) struct KeySet {
    /// Increases each time the store installs a key set with different keys; the token cache
    /// uses it to tell which key set an entry was verified under.
    generation: u64,
    keys: HashMap<String, VerifyingKey>,
}

struct VerifyingKey {
    /// Big-endian, without leading zeros: compared to tell whether a refresh changed anything.
    n: Vec<u8>,
    e: Vec<u8>,
    decoding: DecodingKey,
}

impl KeySet {
    /// No keys: what a remote store holds until its first successful fetch.
    pub(super) fn empty() -> Self {
        KeySet {
            generation: 0,
            keys: HashMap::new(),
        }
    }

    /// The usable keys of a JWKS document; an error if it is not a JWKS or has none.
    pub(super) fn from_jwks(document: &[u8]) -> anyhow::Result<Self> {
        #[derive(Deserialize)]
        struct Document {
            keys: Vec<Value>,
        }

        let document: Document =
            serde_json::from_slice(document).context("the JWKS is not a JSON key set")?;
        let mut keys = HashMap::new();
        for jwk in document.keys {
            if let Some((kid, key)) = usable_key(jwk) {
                // The first of two keys with one kid wins, as a provider would mean it to.
                keys.entry(kid).or_insert(key);
            }
        }
        if keys.is_empty() {
            bail!("the JWKS holds no usable RS256 signing key");
        }
        Ok(KeySet {
            generation: 0,
            keys,
        })
    }

    pub(super) fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid).map(|key| &key.decoding)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    pub(super) fn with_generation(self, generation: u64) -> Self {
        KeySet { generation, ..self }
    }

    /// Whether both sets hold the same keys under the same kids.
    pub(super) fn same_keys(&self, other: &KeySet) -> bool {
        self.keys.len() == other.keys.len()
            && self.keys.iter().all(|(kid, key)| {
                other
                    .keys
                    .get(kid)
                    .is_some_and(|o| o.n == key.n && o.e == key.e)
            })
    }
}

/// One JWK as far as we read it; other members are ignored.
#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The kid and key of a JWK that can verify RS256 tokens, or `None`.
fn usable_key(jwk: Value) -> Option<(String, VerifyingKey)> {
    let jwk: RsaJwk = serde_json::from_value(jwk).ok()?;
    let for_rs256_signatures = jwk.kty == "RSA"
        && jwk.key_use.as_deref().is_none_or(|u| u == "sig")
        && jwk.alg.as_deref().is_none_or(|a| a == "RS256");
    if !for_rs256_signatures {
        return None;
    }
    // A token must name its key, so a key without a kid could never be chosen.
    let kid = jwk.kid?;
    let n = decode_unsigned(jwk.n.as_deref()?)?;
    let e = decode_unsigned(jwk.e.as_deref()?)?;
    if !MODULUS_BITS.contains(&bit_length(&n)) || !is_valid_public_key(&n, &e) {
        tracing::debug!(
            kid,
            "skipping an RSA key of the JWKS that cannot verify RS256"
        );
        return None;
    }
    let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
    Some((kid, VerifyingKey { n, e, decoding }))
}

/// A base64url big-endian integer, without the leading zeros some publishers add (the verifier
/// refuses them).
fn decode_unsigned(encoded: &str) -> Option<Vec<u8>> {
    let bytes = LENIENT_BASE64URL.decode(encoded).ok()?;
    let first = bytes.iter().position(|&b| b != 0)?;
    Some(bytes[first..].to_vec())
}

fn bit_length(unsigned: &[u8]) -> usize {
    unsigned
        .first()
        .map_or(0, |&top| unsigned.len() * 8 - top.leading_zeros() as usize)
}

fn is_valid_public_key(n: &[u8], e: &[u8]) -> bool {
    RsaPublicKeyComponents { n, e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .is_ok()
}

/// The public JWK of an RSA key for RS256 signatures.
pub(super) fn rsa_signing_jwk(kid: &str, n: &[u8], e: &[u8]) -> Value {
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(n),
        "e": URL_SAFE_NO_PAD.encode(e),
    })
}

/// The RFC 7638 thumbprint of an RSA public key: base64url(SHA-256) of its required members
/// in lexicographic order, without whitespace. It depends on the key alone, which makes it a
/// kid that is stable across restarts.
pub(super) fn rsa_thumbprint(n: &[u8], e: &[u8]) -> String {
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(e),
        URL_SAFE_NO_PAD.encode(n)
    );
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A syntactically fine 2048-bit modulus (odd, top bit set).
    fn modulus() -> String {
        let mut n = vec![0xC5; 256];
        n[255] = 0x01;
        URL_SAFE_NO_PAD.encode(n)
    }

    fn rsa_jwk(kid: &str) -> Value {
        json!({"kty": "RSA", "kid": kid, "n": modulus(), "e": "AQAB"})
    }

    fn kids(document: Value) -> anyhow::Result<Vec<String>> {
        let set = KeySet::from_jwks(document.to_string().as_bytes())?;
        let mut kids: Vec<String> = set.keys.into_keys().collect();
        kids.sort();
        Ok(kids)
    }

    #[test]
    fn only_rsa_keys_for_rs256_signatures_are_kept() {
        let mut enc = rsa_jwk("enc");
        enc["use"] = json!("enc");
        let mut rs512 = rsa_jwk("rs512");
        rs512["alg"] = json!("RS512");
        let mut sig = rsa_jwk("sig");
        sig["use"] = json!("sig");
        sig["alg"] = json!("RS256");
        let mut no_kid = rsa_jwk("x");
        no_kid.as_object_mut().map(|o| o.remove("kid"));
        let ec = json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"});
        let mut short = rsa_jwk("short");
        short["n"] = json!(URL_SAFE_NO_PAD.encode([0xC5; 128]));
        let document =
            json!({"keys": [rsa_jwk("plain"), enc, rs512, sig, no_kid, ec, short, "junk"]});
        assert_eq!(kids(document).unwrap(), ["plain", "sig"]);
    }

    #[test]
    fn a_jwks_without_usable_keys_is_an_error() {
        assert!(kids(json!({"keys": []})).is_err());
        assert!(kids(json!({"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]})).is_err());
        assert!(kids(json!({"nokeys": true})).is_err());
        assert!(KeySet::from_jwks(b"<html>").is_err());
    }

    #[test]
    fn leading_zeros_and_padding_in_the_modulus_are_tolerated() {
        let mut padded = vec![0];
        padded.extend(URL_SAFE_NO_PAD.decode(modulus()).unwrap());
        let mut jwk = rsa_jwk("zero");
        jwk["n"] = json!(base64::engine::general_purpose::URL_SAFE.encode(padded));
        let set = KeySet::from_jwks(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
        assert_eq!(set.keys["zero"].n.len(), 256);
    }

    #[test]
    fn key_sets_compare_by_kid_and_key() {
        let parse =
            |keys: Value| KeySet::from_jwks(json!({"keys": keys}).to_string().as_bytes()).unwrap();
        let one = parse(json!([rsa_jwk("a")]));
        assert!(one.same_keys(&parse(json!([rsa_jwk("a")]))));
        assert!(!one.same_keys(&parse(json!([rsa_jwk("b")]))));
        assert!(!one.same_keys(&parse(json!([rsa_jwk("a"), rsa_jwk("b")]))));
        let mut other_exponent = rsa_jwk("a");
        other_exponent["e"] = json!("Aw");
        assert!(!one.same_keys(&parse(json!([other_exponent]))));
    }

    #[test]
    fn the_thumbprint_is_the_one_of_rfc_7638() {
        // The example of RFC 7638, section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let n = URL_SAFE_NO_PAD.decode(n).unwrap();
        assert_eq!(
            rsa_thumbprint(&n, &[1, 0, 1]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
