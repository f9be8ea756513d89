//! Token requests in progress, and the flows that wait for them (single flight).
//!
//! A flow that needs a token another flow is already fetching, for no more than that fetch
//! asks, waits for it instead of fetching its own. A fetch handed out and not answered by
//! its deadline is presumed lost: its waiters are woken to fetch their own and no new flow
//! waits for it; a late answer is still taken by the flow that made it.

use alloc::string::String;
use alloc::vec::Vec;

use super::io::FlowId;
use super::registry::RegistryId;
use super::registry_credentials::CredId;
use crate::scope::ScopeSet;

/// A token request's id; never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FetchId(u64);

/// What a token request asks for, and with what.
pub(super) struct Fetch {
    pub(super) registry: RegistryId,
    /// The credentials it is made with (none: anonymous).
    pub(super) cred: Option<CredId>,
    /// The realm and service of the challenge the fetch answers; the registry's challenge may
    /// change while the fetch is out (another flow's 401), and the fallback GET must go where
    /// the POST went.
    pub(super) realm: String,
    pub(super) service: Option<String>,
    pub(super) scopes: ScopeSet,
    pub(super) opaque: Vec<String>,
}

/// A fetch in progress.
struct Pending {
    id: FetchId,
    fetch: Fetch,
    /// When the request handed out last is presumed lost (machine time, ms).
    deadline_ms: u64,
    /// Presumed lost: no flow waits for it any more, and none starts to.
    lost: bool,
    waiters: Vec<FlowId>,
}

pub(super) struct Fetches {
    fetches: Vec<Pending>,
    next_id: u64,
    /// No fetch is presumed lost before this (a lower bound: every input checks it, and only
    /// past it are the fetches scanned).
    earliest_deadline: u64,
}

impl Default for Fetches {
    fn default() -> Self {
        Fetches {
            fetches: Vec::new(),
            next_id: 0,
            earliest_deadline: u64::MAX,
        }
    }
}

impl Fetches {
    pub(super) fn len(&self) -> usize {
        self.fetches.len()
    }

    pub(super) fn start(&mut self, fetch: Fetch) -> FetchId {
        self.next_id += 1;
        let id = FetchId(self.next_id);
        self.fetches.push(Pending {
            id,
            fetch,
            deadline_ms: u64::MAX,
            lost: false,
            waiters: Vec::new(),
        });
        id
    }

    pub(super) fn get(&self, id: FetchId) -> Option<&Fetch> {
        self.fetches.iter().find(|f| f.id == id).map(|p| &p.fetch)
    }

    /// Whether a flow waiting for `id` still has something to wait for.
    pub(super) fn is_pending(&self, id: FetchId) -> bool {
        self.fetches.iter().any(|f| f.id == id && !f.lost)
    }

    /// A request of the fetch was handed out: it is presumed lost after `deadline_ms`.
    pub(super) fn arm(&mut self, id: FetchId, deadline_ms: u64) {
        if let Some(f) = self.fetches.iter_mut().find(|f| f.id == id) {
            f.deadline_ms = deadline_ms;
            self.earliest_deadline = self.earliest_deadline.min(deadline_ms);
        }
    }

    /// Makes `flow` wait for a pending fetch of the same registry and credentials that asks
    /// for everything in `scopes` and `opaque`; returns it, if there is one.
    pub(super) fn join(
        &mut self,
        flow: FlowId,
        registry: RegistryId,
        cred: Option<CredId>,
        scopes: &ScopeSet,
        opaque: &[String],
        now_ms: u64,
    ) -> Option<FetchId> {
        let f = self.fetches.iter_mut().find(|p| {
            let f = &p.fetch;
            f.registry == registry
                && f.cred == cred
                && !p.lost
                && p.deadline_ms > now_ms
                && f.scopes.covers_all(scopes)
                && opaque.iter().all(|o| f.opaque.contains(o))
        })?;
        f.waiters.push(flow);
        Some(f.id)
    }

    /// Ends a fetch; returns the flows that waited for it.
    pub(super) fn end(&mut self, id: FetchId) -> Vec<FlowId> {
        match self.fetches.iter().position(|f| f.id == id) {
            Some(at) => self.fetches.swap_remove(at).waiters,
            None => Vec::new(),
        }
    }

    /// The fetches made with credentials that were replaced or removed.
    pub(super) fn made_with(&self, cred: CredId) -> Vec<FetchId> {
        self.fetches
            .iter()
            .filter(|f| f.fetch.cred == Some(cred))
            .map(|f| f.id)
            .collect()
    }

    /// Whether a fetch may be past its deadline at `now_ms` (a cheap test for every input).
    #[inline]
    pub(super) fn may_expire(&self, now_ms: u64) -> bool {
        now_ms >= self.earliest_deadline
    }

    /// Presumes lost every fetch past its deadline; returns the flows that waited for them.
    pub(super) fn expire(&mut self, now_ms: u64) -> Vec<FlowId> {
        let mut woken = Vec::new();
        if now_ms < self.earliest_deadline {
            return woken;
        }
        let mut earliest = u64::MAX;
        for f in &mut self.fetches {
            if f.lost {
                continue;
            }
            if f.deadline_ms <= now_ms {
                f.lost = true;
                woken.append(&mut f.waiters);
            } else {
                earliest = earliest.min(f.deadline_ms);
            }
        }
        self.earliest_deadline = earliest;
        woken
    }

    /// The earliest deadline of a fetch that flows wait for.
    pub(super) fn next_deadline(&self) -> Option<u64> {
        self.fetches
            .iter()
            .filter(|f| !f.lost && !f.waiters.is_empty())
            .map(|f| f.deadline_ms)
            .min()
    }
}
