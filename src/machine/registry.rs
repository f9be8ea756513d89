//! What the machine knows per registry origin, in a table with a cap, looked up by key.
//!
//! One entry per origin (scheme, host, port) the caller sent requests to: the last challenge
//! it answered with, and whether its realm refused an OAuth2 POST. Entries are found by their origin's canonical key (`scheme://host:port`, host
//! lower-cased, IP literals in canonical form), written into a reused buffer so that finding a
//! known registry does not allocate.
//!
//! # Bound
//! The table holds at most [`Config::max_registries`](super::Config::max_registries) entries
//! that no flow uses. When a new origin arrives at a full table, the least recently used entry
//! without a flow in progress is dropped, with its cached tokens (its credentials stay: they
//! are keyed by name, not by entry). Entries in use by flows are never
//! dropped, so the table is at most the cap plus the flows in progress.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::origin::{Origin, UrlParts};
use crate::registry_name::fold_docker_hub;

/// The index of a registry entry; valid while a flow or a cached token refers to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RegistryId(usize);

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
    /// The canonical origin key this entry is filed under.
    key: String,
    /// Flows in progress that refer to this entry.
    users: u32,
    /// When the entry was last used, in table uses.
    last_used: u64,
}

pub(super) struct Registries {
    entries: Vec<Option<Registry>>,
    free: Vec<usize>,
    by_key: BTreeMap<String, usize>,
    /// Reused to write the key of the origin looked up.
    scratch: String,
    uses: u64,
    cap: usize,
}

impl Registries {
    pub(super) fn new(cap: usize) -> Self {
        Registries {
            entries: Vec::new(),
            free: Vec::new(),
            by_key: BTreeMap::new(),
            scratch: String::new(),
            uses: 0,
            cap,
        }
    }

    /// The number of entries.
    pub(super) fn len(&self) -> usize {
        self.by_key.len()
    }

    pub(super) fn get(&self, id: RegistryId) -> Option<&Registry> {
        self.entries.get(id.0)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, id: RegistryId) -> Option<&mut Registry> {
        self.entries.get_mut(id.0)?.as_mut()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (RegistryId, &Registry)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (RegistryId(i), r)))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (RegistryId, &mut Registry)> + '_ {
        self.entries
            .iter_mut()
            .enumerate()
            .filter_map(|(i, r)| r.as_mut().map(|r| (RegistryId(i), r)))
    }

    /// The entry of a request's origin, made when it is new, and counted as used by one more
    /// flow until [`Registries::release`]. `evicted` is told which entry made room, so that
    /// what refers to it (cached tokens) goes with it.
    pub(super) fn acquire(
        &mut self,
        parts: &UrlParts<'_>,
        evicted: impl FnOnce(RegistryId),
    ) -> RegistryId {
        self.uses += 1;
        let mut key = core::mem::take(&mut self.scratch);
        parts.write_origin_key(&mut key);
        let id = match self.by_key.get(key.as_str()) {
            Some(&id) => {
                self.scratch = key;
                RegistryId(id)
            }
            None => {
                if self.len() >= self.cap {
                    if let Some(old) = self.evict() {
                        evicted(old);
                    }
                }
                let origin = parts.origin();
                let entry = Registry {
                    name: fold_docker_hub(origin.registry_name()),
                    origin,
                    last_challenge: None,
                    post_refused: false,
                    key: key.clone(),
                    users: 0,
                    last_used: 0,
                };
                let id = match self.free.pop() {
                    Some(id) => {
                        if let Some(slot) = self.entries.get_mut(id) {
                            *slot = Some(entry);
                        }
                        id
                    }
                    None => {
                        self.entries.push(Some(entry));
                        self.entries.len() - 1
                    }
                };
                self.by_key.insert(key.clone(), id);
                // The buffer stays for the next lookup, so that one does not allocate.
                self.scratch = key;
                RegistryId(id)
            }
        };
        let uses = self.uses;
        if let Some(r) = self.get_mut(id) {
            r.users = r.users.saturating_add(1);
            r.last_used = uses;
        }
        id
    }

    /// One flow fewer uses the entry.
    pub(super) fn release(&mut self, id: RegistryId) {
        if let Some(r) = self.get_mut(id) {
            r.users = r.users.saturating_sub(1);
        }
    }

    /// Drops the least recently used entry that no flow uses, if any.
    fn evict(&mut self) -> Option<RegistryId> {
        let (id, _) = self
            .iter()
            .filter(|(_, r)| r.users == 0)
            .min_by_key(|(_, r)| r.last_used)?;
        let entry = self.entries.get_mut(id.0)?.take()?;
        self.by_key.remove(&entry.key);
        self.free.push(id.0);
        Some(id)
    }
}
