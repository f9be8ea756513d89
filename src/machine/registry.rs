//! What the machine knows per registry origin, in a table with a cap, looked up by key.
//!
//! One entry per origin (scheme, host, port) the caller sent requests to: the last challenge
//! it answered with, and whether its realm refused an OAuth2 POST. Entries are found through a
//! hash of the origin computed from the request's URL as written (host lower-cased on the
//! fly, IP literals as addresses), so finding a known registry neither allocates nor scans.
//!
//! # Bound
//! The table holds at most [`Config::max_registries`](super::Config::max_registries) entries
//! that no flow uses. When a new origin arrives at a full table, the least recently used entry
//! without a flow in progress is dropped, with its cached tokens (its credentials stay: they
//! are keyed by name, not by entry). Entries in use by flows are never dropped, so the table
//! is at most the cap plus the flows in progress. Entries no flow uses sit in a list from
//! least to most recently used, so finding the one to drop costs the same at any size.

use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashTable;

use crate::origin::{Origin, UrlParts};
use crate::registry_name::fold_docker_hub;

/// The index of a registry entry; valid while a flow or a cached token refers to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct RegistryId(u32);

impl RegistryId {
    /// No entry: what a flow slot that never held a flow refers to.
    pub(super) const NONE: RegistryId = RegistryId(NONE);

    #[cfg(test)]
    pub(super) fn for_test(n: u32) -> Self {
        RegistryId(n)
    }
}

/// What a registry's last challenge said, to authenticate later requests before sending them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum LastChallenge {
    Bearer {
        realm: String,
        service: Option<String>,
    },
    Basic,
}

pub(super) struct Registry {
    pub(super) origin: Origin,
    /// `host[:port]`, the key of credentials.
    pub(super) name: String,
    pub(super) last_challenge: Option<LastChallenge>,
    /// The realm answered an OAuth2 POST with a status that means "use GET".
    pub(super) post_refused: bool,
    /// The hash of `origin` the index files this entry under.
    hash: u64,
    /// Flows in progress that refer to this entry.
    users: u32,
    /// Neighbours in the list of entries no flow uses (`NONE` at the ends).
    older: u32,
    newer: u32,
}

const NONE: u32 = u32::MAX;

pub(super) struct Registries {
    entries: Vec<Option<Registry>>,
    free: Vec<u32>,
    index: HashTable<u32>,
    /// The least and the most recently used entries that no flow uses.
    oldest: u32,
    newest: u32,
    cap: usize,
}

impl Registries {
    pub(super) fn new(cap: usize) -> Self {
        Registries {
            entries: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            oldest: NONE,
            newest: NONE,
            cap,
        }
    }

    /// The number of entries.
    pub(super) fn len(&self) -> usize {
        self.index.len()
    }

    pub(super) fn get(&self, id: RegistryId) -> Option<&Registry> {
        self.entries.get(id.0 as usize)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, id: RegistryId) -> Option<&mut Registry> {
        self.entry_mut(id.0)
    }

    fn entry_mut(&mut self, index: u32) -> Option<&mut Registry> {
        self.entries.get_mut(index as usize)?.as_mut()
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (RegistryId, &mut Registry)> + '_ {
        self.entries
            .iter_mut()
            .enumerate()
            .filter_map(|(i, r)| Some((RegistryId(u32::try_from(i).ok()?), r.as_mut()?)))
    }

    /// The entry of a request's origin, made when it is new, and counted as used by one more
    /// flow until [`Registries::release`]. `evicted` is told which entry made room, so that
    /// what refers to it (cached tokens) goes with it. `None` only past `u32::MAX` entries.
    pub(super) fn acquire(
        &mut self,
        parts: &UrlParts<'_>,
        evicted: impl FnOnce(RegistryId),
    ) -> Option<RegistryId> {
        let hash = parts.origin_hash();
        let entries = &self.entries;
        let found = self.index.find(hash, |&i| {
            entries
                .get(i as usize)
                .and_then(Option::as_ref)
                .is_some_and(|r| parts.is_origin(&r.origin))
        });
        let id = match found {
            Some(&i) => i,
            None => {
                if self.len() >= self.cap {
                    if let Some(old) = self.evict() {
                        evicted(old);
                    }
                }
                self.insert(parts, hash)?
            }
        };
        let entry = self.entry_mut(id)?;
        entry.users = entry.users.saturating_add(1);
        if entry.users == 1 {
            self.unlink(id);
        }
        Some(RegistryId(id))
    }

    fn insert(&mut self, parts: &UrlParts<'_>, hash: u64) -> Option<u32> {
        let origin = parts.origin();
        let entry = Registry {
            name: fold_docker_hub(origin.registry_name()),
            origin,
            last_challenge: None,
            post_refused: false,
            hash,
            users: 0,
            older: NONE,
            newer: NONE,
        };
        let id = match self.free.pop() {
            Some(id) => {
                if let Some(slot) = self.entries.get_mut(id as usize) {
                    *slot = Some(entry);
                }
                id
            }
            None => {
                let id = u32::try_from(self.entries.len())
                    .ok()
                    .filter(|&i| i != NONE)?;
                self.entries.push(Some(entry));
                id
            }
        };
        let entries = &self.entries;
        let rehash = |&i: &u32| {
            entries
                .get(i as usize)
                .and_then(Option::as_ref)
                .map_or(0, |r| r.hash)
        };
        self.index.insert_unique(hash, id, rehash);
        // Not used by a flow yet: it joins the list as the most recent.
        self.link_newest(id);
        Some(id)
    }

    /// One flow fewer uses the entry; with none left it becomes the most recently used of the
    /// entries that may be dropped.
    pub(super) fn release(&mut self, id: RegistryId) {
        if let Some(r) = self.get_mut(id) {
            r.users = r.users.saturating_sub(1);
            if r.users == 0 {
                self.link_newest(id.0);
            }
        }
    }

    /// Drops the least recently used entry that no flow uses, if any.
    fn evict(&mut self) -> Option<RegistryId> {
        let id = self.oldest;
        self.unlink(id);
        let entry = self.entries.get_mut(id as usize)?.take()?;
        if let Ok(found) = self.index.find_entry(entry.hash, |&i| i == id) {
            found.remove();
        }
        self.free.push(id);
        Some(RegistryId(id))
    }

    fn link_newest(&mut self, id: u32) {
        let previous = self.newest;
        if let Some(r) = self.entry_mut(id) {
            r.older = previous;
            r.newer = NONE;
        }
        match self.entry_mut(previous) {
            Some(p) => p.newer = id,
            None => self.oldest = id,
        }
        self.newest = id;
    }

    fn unlink(&mut self, id: u32) {
        let Some(r) = self.entry_mut(id) else {
            return;
        };
        let (older, newer) = (r.older, r.newer);
        r.older = NONE;
        r.newer = NONE;
        if let Some(o) = self.entry_mut(older) {
            o.newer = newer;
        } else if self.oldest == id {
            self.oldest = newer;
        }
        if let Some(n) = self.entry_mut(newer) {
            n.older = older;
        } else if self.newest == id {
            self.newest = older;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acquire(t: &mut Registries, url: &str) -> (RegistryId, Option<RegistryId>) {
        let parts = UrlParts::parse(url).unwrap();
        let mut gone = None;
        let id = t.acquire(&parts, |g| gone = Some(g)).unwrap();
        (id, gone)
    }

    #[test]
    fn one_entry_per_origin_however_it_is_spelt() {
        let mut t = Registries::new(10);
        let (a, _) = acquire(&mut t, "https://R.example.com/v2/");
        let (b, _) = acquire(&mut t, "https://r.example.com:443/v2/x");
        let (c, _) = acquire(&mut t, "http://r.example.com/v2/");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(a).map(|r| r.name.as_str()), Some("r.example.com"));
    }

    #[test]
    fn the_least_recently_released_idle_entry_goes_first_and_busy_ones_never() {
        let mut t = Registries::new(2);
        let (a, _) = acquire(&mut t, "https://a.example/");
        let (b, _) = acquire(&mut t, "https://b.example/");
        t.release(b);
        t.release(a);
        // b is the oldest idle entry: c evicts it.
        let (_, gone) = acquire(&mut t, "https://c.example/");
        assert_eq!(gone, Some(b));
        // a is idle, c is busy: d evicts a.
        let (_, gone) = acquire(&mut t, "https://d.example/");
        assert_eq!(gone, Some(a));
        // Both entries are busy now: the table grows past its cap instead.
        let (_, gone) = acquire(&mut t, "https://e.example/");
        assert_eq!(gone, None);
        assert_eq!(t.len(), 3);
        // A reacquired entry keeps its id.
        let (e, _) = acquire(&mut t, "https://e.example/x");
        assert_eq!(t.get(e).map(|r| r.name.as_str()), Some("e.example"));
    }
}
