//! The secrets of a browser session. The cookie holds a random id; the database holds only a
//! hash of it, and the tokens sealed (AES-256-GCM) under a key derived from it: what the
//! database holds is of no use without the cookie. The CSRF token is derived from the id too.

use aws_lc_rs::aead::{AES_256_GCM, Aad, Nonce, RandomizedNonceKey};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A session's (or a browser's, before sign-in) random id, as the cookie carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId([u8; 32]);

const NONCE_LEN: usize = 12;

impl SessionId {
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source works");
        Self(bytes)
    }

    /// The id in a cookie value; `None` for anything that is not one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        bytes.try_into().ok().map(Self)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    fn derive(&self, label: &[u8]) -> hmac::Tag {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.0), label)
    }

    /// What the database knows the session by.
    pub fn lookup_key(&self) -> String {
        let mut context = digest::Context::new(&digest::SHA256);
        context.update(b"movie-manager web session id\0");
        context.update(&self.0);
        URL_SAFE_NO_PAD.encode(context.finish())
    }

    /// The session's CSRF token.
    pub fn csrf_token(&self) -> String {
        URL_SAFE_NO_PAD.encode(
            &self
                .derive(b"movie-manager web session: csrf token")
                .as_ref()[..24],
        )
    }

    fn sealing_key(&self) -> RandomizedNonceKey {
        let key = self.derive(b"movie-manager web session: sealing key");
        RandomizedNonceKey::new(&AES_256_GCM, key.as_ref()).expect("a 32-byte key suits AES-256")
    }

    /// `plaintext` encrypted and authenticated for this id (and bound to its lookup key).
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut in_out = plaintext.to_vec();
        let nonce = self
            .sealing_key()
            .seal_in_place_append_tag(Aad::from(self.lookup_key()), &mut in_out)
            .expect("sealing with a valid key works");
        let mut sealed = nonce.as_ref().to_vec();
        sealed.extend_from_slice(&in_out);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// What [`SessionId::seal`] sealed for this id; `None` if it was not, or was altered.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = self
            .sealing_key()
            .open_in_place(nonce, Aad::from(self.lookup_key()), &mut in_out)
            .ok()?;
        Some(plaintext.to_vec())
    }
}

/// A random token for `state` and `nonce`: 32 bytes, base64url.
pub fn random_token() -> String {
    SessionId::random().encode()
}

/// base64url(SHA-256(text)), for looking up a sign-in by its `state`.
pub fn digest_of(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_through_its_cookie_value() {
        let id = SessionId::random();
        assert!(SessionId::parse(&id.encode()) == Some(id.clone()));
        assert!(SessionId::parse("not-an-id").is_none());
        assert!(SessionId::parse("").is_none());
        assert_ne!(id.lookup_key(), id.encode());
    }

    #[test]
    fn sealed_data_opens_only_with_its_own_id() {
        let id = SessionId::random();
        let sealed = id.seal(b"tokens");
        assert_eq!(id.open(&sealed).as_deref(), Some(&b"tokens"[..]));
        assert_eq!(SessionId::random().open(&sealed), None);
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(id.open(&String::from_utf8(tampered).unwrap()), None);
    }

    #[test]
    fn each_session_has_its_own_csrf_token() {
        let id = SessionId::random();
        assert_eq!(id.csrf_token(), id.csrf_token());
        assert_ne!(id.csrf_token(), SessionId::random().csrf_token());
    }
}
