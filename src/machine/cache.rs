//! The token cache: tokens by registry, the credentials they were fetched with, and the
//! scopes they were asked for, until they expire.
//!
//! A token serves a request only on the registry it was fetched for, made with the same
//! credentials entry (or both anonymous), while it covers every scope the request needs and
//! outlives the refresh margin. Past [`Config::max_cached_tokens`](super::Config::max_cached_tokens)
//! the expired tokens go first, then the one expiring soonest.

use alloc::string::String;
use alloc::vec::Vec;

use super::registry::RegistryId;
use super::registry_credentials::CredId;
use super::route_scopes::RouteScopes;
use crate::scope::{Scope, ScopeSet};
use crate::secret::Authorization;

/// A cached token's id; never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TokenId(u64);

/// A token and what it was fetched for.
pub(super) struct CachedToken {
    pub(super) registry: RegistryId,
    pub(super) cred: Option<CredId>,
    /// The scopes it was asked for (the realm may have granted less).
    pub(super) scopes: ScopeSet,
    pub(super) opaque: Vec<String>,
    pub(super) auth: Authorization,
    pub(super) expires_ms: u64,
}

/// What a request needs of a cached token.
pub(super) struct Wanted<'a> {
    pub(super) registry: RegistryId,
    pub(super) cred: Option<CredId>,
    pub(super) route: &'a RouteScopes<'a>,
    pub(super) challenged: &'a ScopeSet,
    pub(super) declared: &'a [Scope],
    pub(super) opaque: &'a [String],
    /// The token must expire after this (machine time, ms).
    pub(super) usable_until: u64,
}

#[derive(Default)]
pub(super) struct TokenCache {
    tokens: Vec<(TokenId, CachedToken)>,
    next_id: u64,
}

impl TokenCache {
    pub(super) fn len(&self) -> usize {
        self.tokens.len()
    }

    pub(super) fn clear(&mut self) {
        self.tokens.clear();
    }

    pub(super) fn get(&self, id: TokenId) -> Option<&CachedToken> {
        self.tokens.iter().find(|(i, _)| *i == id).map(|(_, t)| t)
    }

    /// A token that serves what `wanted` describes.
    pub(super) fn find(&self, wanted: &Wanted<'_>) -> Option<(TokenId, &CachedToken)> {
        self.tokens.iter().map(|(i, t)| (*i, t)).find(|(_, t)| {
            t.registry == wanted.registry
                && t.cred == wanted.cred
                && t.expires_ms > wanted.usable_until
                && wanted.route.covered_by(&t.scopes)
                && t.scopes.covers_all(wanted.challenged)
                && wanted.declared.iter().all(|s| t.scopes.covers(s))
                && wanted.opaque.iter().all(|o| t.opaque.contains(o))
        })
    }

    /// Caches a token, making room under `cap`; returns its id.
    pub(super) fn insert(&mut self, token: CachedToken, now_ms: u64, cap: usize) -> TokenId {
        self.tokens.retain(|(_, c)| c.expires_ms > now_ms);
        while self.tokens.len() >= cap.max(1) {
            let soonest = self
                .tokens
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, c))| c.expires_ms)
                .map(|(i, _)| i);
            match soonest {
                Some(i) => {
                    self.tokens.swap_remove(i);
                }
                None => break,
            }
        }
        self.next_id += 1;
        let id = TokenId(self.next_id);
        self.tokens.push((id, token));
        id
    }

    pub(super) fn remove(&mut self, id: TokenId) {
        self.tokens.retain(|(i, _)| *i != id);
    }

    /// Drops the tokens of a registry entry that is forgotten.
    pub(super) fn remove_registry(&mut self, registry: RegistryId) {
        self.tokens.retain(|(_, t)| t.registry != registry);
    }

    /// Drops the tokens fetched with credentials that were replaced or removed.
    pub(super) fn remove_cred(&mut self, cred: CredId) {
        self.tokens.retain(|(_, t)| t.cred != Some(cred));
    }

    /// Every cached `Authorization`, to scrub server text of.
    pub(super) fn authorizations(&self) -> impl Iterator<Item = &Authorization> {
        self.tokens.iter().map(|(_, t)| &t.auth)
    }
}
