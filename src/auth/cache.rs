//! The verified-token cache: a token that passed every check maps to its [`Principal`] until it
//! expires, so repeated requests with one token cost a hash lookup instead of an RSA
//! verification. Entries are keyed by the SHA-256 of the token (bounded memory whatever the
//! token's size, and no credentials kept in memory) and tagged with the key-set generation they
//! were verified under, so that a key-set change empties the cache and a verification that
//! raced with the change cannot put an entry back.

use std::collections::HashMap;
use std::sync::RwLock;

use aws_lc_rs::digest;

use super::Principal;

/// The most entries kept; past that, expired entries are dropped, or everything if none are.
const CAPACITY: usize = 10_000;

/// The SHA-256 of a token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct TokenDigest([u8; 32]);

impl TokenDigest {
    pub(super) fn of(token: &str) -> Self {
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
        TokenDigest(bytes)
    }
}

struct Entry {
    principal: Principal,
    /// Unix time (seconds) after which the token is expired, leeway included.
    valid_until: u64,
}

#[derive(Default)]
struct State {
    generation: u64,
    entries: HashMap<TokenDigest, Entry>,
}

#[derive(Default)]
pub(super) struct TokenCache {
    state: RwLock<State>,
}

impl TokenCache {
    /// The principal of a token verified earlier, if it is still within its validity at `now`.
    pub(super) fn get(&self, token: &TokenDigest, now: u64) -> Option<Principal> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state
            .entries
            .get(token)
            .filter(|entry| now <= entry.valid_until)
            .map(|entry| entry.principal.clone())
    }

    /// Remembers a token verified with the key set of `generation`; ignored if the key set has
    /// changed since.
    pub(super) fn insert(
        &self,
        generation: u64,
        token: TokenDigest,
        principal: Principal,
        valid_until: u64,
        now: u64,
    ) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.generation != generation {
            return;
        }
        if state.entries.len() >= CAPACITY {
            state.entries.retain(|_, entry| now <= entry.valid_until);
            if state.entries.len() >= CAPACITY {
                state.entries.clear();
            }
        }
        state.entries.insert(
            token,
            Entry {
                principal,
                valid_until,
            },
        );
    }

    /// Forgets every entry: the key set is now the one of `generation`.
    pub(super) fn reset(&self, generation: u64) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.generation = generation;
        state.entries = HashMap::new();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(subject: &str) -> Principal {
        Principal::new(subject, [super::super::Permission::GetActors])
    }

    #[test]
    fn an_entry_is_served_until_its_validity_ends() {
        let cache = TokenCache::default();
        let token = TokenDigest::of("a.b.c");
        cache.insert(0, token, principal("alice"), 1_000, 900);
        assert_eq!(cache.get(&token, 1_000), Some(principal("alice")));
        assert_eq!(cache.get(&token, 1_001), None);
        assert_eq!(cache.get(&TokenDigest::of("a.b.d"), 900), None);
    }

    #[test]
    fn a_reset_forgets_every_entry() {
        let cache = TokenCache::default();
        let token = TokenDigest::of("a.b.c");
        cache.insert(0, token, principal("alice"), 1_000, 900);
        cache.reset(1);
        assert_eq!(cache.get(&token, 900), None);
    }

    #[test]
    fn an_entry_verified_under_an_older_key_set_is_not_kept() {
        let cache = TokenCache::default();
        cache.reset(2);
        let token = TokenDigest::of("a.b.c");
        cache.insert(1, token, principal("alice"), 1_000, 900);
        assert_eq!(cache.get(&token, 900), None);
        cache.insert(2, token, principal("alice"), 1_000, 900);
        assert_eq!(cache.get(&token, 900), Some(principal("alice")));
    }

    #[test]
    fn a_full_cache_drops_its_expired_entries() {
        let cache = TokenCache::default();
        for i in 0..CAPACITY {
            let valid_until = if i % 2 == 0 { 100 } else { 1_000 };
            cache.insert(
                0,
                TokenDigest::of(&i.to_string()),
                principal("x"),
                valid_until,
                50,
            );
        }
        cache.insert(0, TokenDigest::of("new"), principal("x"), 1_000, 500);
        assert_eq!(cache.len(), CAPACITY / 2 + 1);
        assert!(cache.get(&TokenDigest::of("1"), 500).is_some());
    }

    #[test]
    fn a_full_cache_of_live_entries_starts_over() {
        let cache = TokenCache::default();
        for i in 0..CAPACITY {
            cache.insert(
                0,
                TokenDigest::of(&i.to_string()),
                principal("x"),
                1_000,
                50,
            );
        }
        cache.insert(0, TokenDigest::of("new"), principal("x"), 1_000, 50);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&TokenDigest::of("new"), 50).is_some());
    }
}
