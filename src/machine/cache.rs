//! The token cache: tokens by registry, the credentials they were fetched with, and the
//! scopes they were asked for, until they expire.
//!
//! A token serves a request only on the registry it was fetched for, made with the same
//! credentials entry (or both anonymous), while it covers every scope the request needs and
//! outlives the refresh margin. Past [`Config::max_cached_tokens`](super::Config::max_cached_tokens)
//! the expired tokens go first, then the one expiring soonest.
//!
//! # Cost
//! Finding a token costs the same with ten thousand cached as with one: every token is filed
//! under each resource its scopes name (`repository:team/app`, `registry:catalog`), and under
//! its registry and credentials alone (for routes that need no scope), in a hash index; a
//! request looks only at the tokens filed under the resource its route names. The index is
//! hashed with a fixed seed: what a hostile registry can add to it is bounded (the scopes of a
//! challenge are capped, and so is the cache), so a crafted collision costs at most a scan of
//! that bound. Expiry order is kept in a heap, so making room does not scan either.

use alloc::collections::BinaryHeap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Reverse;

use hashbrown::HashTable;

use super::registry::RegistryId;
use super::registry_credentials::CredId;
use super::route_scopes::RouteScopes;
use crate::scope::{Scope, ScopeSet};
use crate::secret::Authorization;

/// A cached token's id; never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct TokenId(u64);

impl TokenId {
    fn slot(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }
}

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

impl Wanted<'_> {
    fn served_by(&self, t: &CachedToken) -> bool {
        t.registry == self.registry
            && t.cred == self.cred
            && t.expires_ms > self.usable_until
            && self.route.covered_by(&t.scopes)
            && t.scopes.covers_all(self.challenged)
            && self.declared.iter().all(|s| t.scopes.covers(s))
            && self.opaque.iter().all(|o| t.opaque.contains(o))
    }
}

/// The resource a token is filed under: `type` and `name` of one of its scopes, or both empty
/// for "any token of this registry and credentials".
#[derive(Clone, Copy)]
struct Key<'a> {
    registry: RegistryId,
    cred: Option<CredId>,
    resource_type: &'a str,
    name: &'a str,
}

impl Key<'_> {
    /// Every token of a registry, whatever its credentials (`*` is no scope type).
    fn registry(registry: RegistryId) -> Key<'static> {
        Key {
            registry,
            cred: None,
            resource_type: "*",
            name: "",
        }
    }

    fn hash(&self) -> u64 {
        use core::hash::{BuildHasher as _, Hash as _, Hasher as _};
        let mut h = foldhash::fast::FixedState::with_seed(0x746f_6b65_6e73).build_hasher();
        self.registry.hash(&mut h);
        self.cred.hash(&mut h);
        h.write(self.resource_type.as_bytes());
        h.write_u8(0xff);
        h.write(self.name.as_bytes());
        h.finish()
    }
}

/// Action bits, for the check of the common request (one resource, nothing asked beyond
/// its route) without a visit to the token itself.
const PULL: u8 = 1;
const PUSH: u8 = 2;
const DELETE: u8 = 4;
/// The literal `*` (the catalog needs it); `*` also grants every other action.
const ALL: u8 = 0x80;

fn action_bits(actions: &[&str]) -> u8 {
    actions.iter().fold(0, |bits, a| {
        bits | match *a {
            "pull" => PULL,
            "push" => PUSH,
            "delete" => DELETE,
            "*" => ALL,
            // An action the bits do not name: never granted by them.
            _ => 0x40,
        }
    })
}

/// One token as filed under a resource: enough to serve a request for that resource alone.
struct Entry {
    id: TokenId,
    expires_ms: u64,
    /// The actions the token's scope grants on the resource (`0xff` for `*`).
    granted: u8,
    auth: Authorization,
}

/// A resource type as filed: the common ones without a string to follow.
enum FiledType {
    Repository,
    Registry,
    Other(String),
}

impl FiledType {
    fn new(resource_type: &str) -> Self {
        match resource_type {
            "repository" => FiledType::Repository,
            "registry" => FiledType::Registry,
            other => FiledType::Other(other.into()),
        }
    }

    fn is(&self, resource_type: &str) -> bool {
        match self {
            FiledType::Repository => resource_type == "repository",
            FiledType::Registry => resource_type == "registry",
            FiledType::Other(t) => t == resource_type,
        }
    }
}

/// The tokens filed under one key. Most keys file one token: it is kept inline.
struct Filed {
    hash: u64,
    registry: RegistryId,
    cred: Option<CredId>,
    resource_type: FiledType,
    name: String,
    first: Entry,
    more: Vec<Entry>,
}

impl Filed {
    fn is(&self, key: &Key<'_>) -> bool {
        self.registry == key.registry
            && self.cred == key.cred
            && self.resource_type.is(key.resource_type)
            && self.name == key.name
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        core::iter::once(&self.first).chain(self.more.iter())
    }

    /// Takes out the entry of `id`; `false` when none is left.
    fn remove(&mut self, id: TokenId) -> bool {
        if self.first.id == id {
            match self.more.pop() {
                Some(last) => self.first = last,
                None => return false,
            }
        } else if let Some(at) = self.more.iter().position(|e| e.id == id) {
            self.more.swap_remove(at);
        }
        true
    }
}

#[derive(Default)]
pub(super) struct TokenCache {
    /// Slot `id.slot()` holds the token `id`, or nothing.
    slots: Vec<Option<(TokenId, CachedToken)>>,
    free: Vec<u32>,
    serial: u32,
    len: usize,
    index: HashTable<Filed>,
    /// Tokens by expiry, soonest first; entries of tokens gone are skipped when met.
    by_expiry: BinaryHeap<Reverse<(u64, TokenId)>>,
}

impl TokenCache {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn clear(&mut self) {
        *self = TokenCache {
            serial: self.serial,
            ..TokenCache::default()
        };
    }

    pub(super) fn get(&self, id: TokenId) -> Option<&CachedToken> {
        match self.slots.get(id.slot())? {
            Some((i, t)) if *i == id => Some(t),
            _ => None,
        }
    }

    /// A token that serves what `wanted` describes, looking only at the tokens filed under
    /// the resource the route names. A request that needs that resource alone is answered
    /// from the index; anything more is checked against the token's whole scope.
    pub(super) fn find(&self, wanted: &Wanted<'_>) -> Option<(TokenId, &Authorization)> {
        let (resource_type, name, need, alone) = match wanted.route {
            RouteScopes::Repository {
                name,
                actions,
                mount_from,
            } => (
                "repository",
                *name,
                action_bits(actions),
                mount_from.is_none(),
            ),
            RouteScopes::Catalog => ("registry", "catalog", ALL, true),
            RouteScopes::Nothing => ("", "", 0, true),
        };
        let alone = alone
            && wanted.challenged.is_empty()
            && wanted.declared.is_empty()
            && wanted.opaque.is_empty();
        let key = Key {
            registry: wanted.registry,
            cred: wanted.cred,
            resource_type,
            name,
        };
        let filed = self.index.find(key.hash(), |f| f.is(&key))?;
        filed
            .entries()
            .filter(|e| e.expires_ms > wanted.usable_until)
            .find(|e| match alone {
                true => e.granted & need == need,
                false => self.get(e.id).is_some_and(|t| wanted.served_by(t)),
            })
            .map(|e| (e.id, &e.auth))
    }

    /// Caches a token, making room under `cap`; returns its id.
    pub(super) fn insert(&mut self, token: CachedToken, now_ms: u64, cap: usize) -> TokenId {
        // Expired tokens go first, then the ones expiring soonest.
        while let Some(Reverse((expires, id))) = self.by_expiry.peek().copied() {
            if self.get(id).is_none() {
                self.by_expiry.pop();
            } else if expires <= now_ms || self.len >= cap.max(1) {
                self.by_expiry.pop();
                self.remove(id);
            } else {
                break;
            }
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.serial = self.serial.wrapping_add(1);
        let id = TokenId((u64::from(self.serial) << 32) | u64::from(slot));
        self.by_expiry.push(Reverse((token.expires_ms, id)));
        self.file(id, &token);
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = Some((id, token));
        }
        self.len += 1;
        self.compact_heap();
        id
    }

    /// The keys a token is filed under: its registry whatever the credentials (to forget a
    /// registry), its registry and credentials (for routes that need no scope), and each
    /// resource its scopes name.
    fn keys(t: &CachedToken) -> impl Iterator<Item = Key<'_>> {
        let registry = Key::registry(t.registry);
        let any = Key {
            registry: t.registry,
            cred: t.cred,
            resource_type: "",
            name: "",
        };
        [registry, any]
            .into_iter()
            .chain(t.scopes.iter().map(|s| Key {
                registry: t.registry,
                cred: t.cred,
                resource_type: s.resource_type(),
                name: s.name(),
            }))
    }

    fn file(&mut self, id: TokenId, t: &CachedToken) {
        for key in Self::keys(t) {
            let granted = t
                .scopes
                .iter()
                // As `ScopeSet::covers_parts` reads a route's need: the scope without a class.
                .filter(|s| {
                    s.class().is_none()
                        && s.resource_type() == key.resource_type
                        && s.name() == key.name
                })
                .map(|s| {
                    let actions = s.actions();
                    if actions.is_all() {
                        0xff
                    } else {
                        let names: Vec<&str> = actions.iter().collect();
                        action_bits(&names)
                    }
                })
                .fold(0, |a, b| a | b);
            let entry = Entry {
                id,
                expires_ms: t.expires_ms,
                granted,
                auth: t.auth.clone(),
            };
            let hash = key.hash();
            match self.index.find_mut(hash, |f| f.is(&key)) {
                Some(f) => f.more.push(entry),
                None => {
                    let filed = Filed {
                        hash,
                        registry: key.registry,
                        cred: key.cred,
                        resource_type: FiledType::new(key.resource_type),
                        name: key.name.into(),
                        first: entry,
                        more: Vec::new(),
                    };
                    self.index.insert_unique(hash, filed, |f| f.hash);
                }
            }
        }
    }

    fn unfile(&mut self, id: TokenId, t: &CachedToken) {
        for key in Self::keys(t) {
            if let Ok(mut entry) = self.index.find_entry(key.hash(), |f| f.is(&key)) {
                if !entry.get_mut().remove(id) {
                    entry.remove();
                }
            }
        }
    }

    /// Rebuilds the expiry heap when most of it is entries of tokens gone.
    fn compact_heap(&mut self) {
        if self.by_expiry.len() > 2 * self.len + 32 {
            let slots = &self.slots;
            self.by_expiry.retain(
                |Reverse((_, id))| matches!(slots.get(id.slot()), Some(Some((i, _))) if i == id),
            );
        }
    }

    pub(super) fn remove(&mut self, id: TokenId) {
        let Some(slot) = self.slots.get_mut(id.slot()) else {
            return;
        };
        let Some((_, token)) = slot.take_if(|(i, _)| *i == id) else {
            return;
        };
        self.unfile(id, &token);
        if let Ok(s) = u32::try_from(id.slot()) {
            self.free.push(s);
        }
        self.len -= 1;
    }

    /// Removes every token `drop` selects (a scan: for changes the caller makes, not requests).
    fn remove_where(&mut self, drop: impl Fn(&CachedToken) -> bool) {
        let gone: Vec<TokenId> = self
            .slots
            .iter()
            .flatten()
            .filter(|(_, t)| drop(t))
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.remove(id);
        }
        self.compact_heap();
    }

    /// Drops the tokens of a registry entry that is forgotten.
    pub(super) fn remove_registry(&mut self, registry: RegistryId) {
        let key = Key::registry(registry);
        let ids: Vec<TokenId> = self
            .index
            .find(key.hash(), |f| f.is(&key))
            .map(|f| f.entries().map(|e| e.id).collect())
            .unwrap_or_default();
        for id in ids {
            self.remove(id);
        }
    }

    /// Drops the tokens fetched with credentials that were replaced or removed.
    pub(super) fn remove_cred(&mut self, cred: CredId) {
        self.remove_where(|t| t.cred == Some(cred));
    }

    /// Every cached `Authorization`, to scrub server text of.
    pub(super) fn authorizations(&self) -> impl Iterator<Item = &Authorization> {
        self.slots.iter().flatten().map(|(_, t)| &t.auth)
    }
}

#[cfg(test)]
mod tests;
