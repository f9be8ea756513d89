//! One caller request's flow, and the slot table that holds the flows in progress.
//!
//! A flow is found by its [`FlowId`]: a slot index and the slot's generation, so a handle of
//! a finished flow never reaches the flow that reuses its slot. Slots keep the URL buffer of
//! their last flow, so that a flow on the cached-token path does not allocate.
//!
//! The table also keeps the woken queue: the waiting flows a finished token fetch released,
//! for [`Authenticator::poll_woken`](crate::Authenticator::poll_woken), and the waker a
//! waiting flow's driver left. A slot is in the queue at most once, so the queue never holds
//! more entries than there are slots, however long nobody drains it.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::task::Waker;

use super::cache::TokenId;
use super::fetches::FetchId;
use super::io::{Action, FlowId, Method, SendRequest, TokenRequest};
use super::registry::RegistryId;
use super::token_request::Grant;
use crate::scope::{Scope, ScopeSet};
use crate::secret::{Authorization, Secret};

/// Where a flow stands.
pub(super) enum State {
    /// Decide the next action at the next poll.
    Plan,
    AwaitSend(SendRequest),
    AwaitFetch {
        fetch: FetchId,
        request: TokenRequest,
        grant: Grant,
    },
    Waiting {
        fetch: FetchId,
    },
    Finished(Action),
}

/// What the last send of a flow carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SentAuth {
    Nothing,
    Basic,
    Bearer {
        token: TokenId,
        /// The flow fetched this token itself (it was not found in the cache).
        fetched_by_flow: bool,
    },
    RegistryToken,
}

/// Where the flow's request goes now; a redirect changes it.
pub(super) struct Target {
    /// Shared with the `SendRequest`s handed out (see [`Flows::reserve`]).
    pub(super) url: Arc<String>,
    /// Where the path starts in `url`, so routes are read without parsing the URL again.
    pub(super) path_start: usize,
    pub(super) redirected: bool,
    /// Whether the target is on the registry's origin (a redirect may leave it).
    pub(super) on_registry: bool,
}

impl Target {
    /// The path and query (targets are stored without fragments; one is cut here anyway).
    pub(super) fn route(&self) -> (&str, Option<&str>) {
        let pq = self.url.get(self.path_start..).unwrap_or("/");
        let pq = pq.split_once('#').map_or(pq, |(p, _)| p);
        match pq.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (pq, None),
        }
    }
}

/// The scopes a flow asks for beyond what its route implies.
#[derive(Default)]
pub(super) struct AskedScopes {
    /// Declared by the caller when starting the flow.
    pub(super) declared: Vec<Scope>,
    /// Named by the registry's challenges, and the union after widening.
    pub(super) challenged: ScopeSet,
    /// Named by challenges, not of the `type:name:actions` form (Gitea's `*`), verbatim.
    pub(super) opaque: Vec<String>,
}

/// How many of each thing a flow has done, against the bounds of the module docs.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) sends: u32,
    pub(super) token_requests: u8,
    pub(super) redirects: u32,
    /// Sends beyond the first made to authenticate.
    pub(super) auth_retries: u8,
}

/// Which one-time recoveries a flow has used.
#[derive(Default)]
pub(super) struct Recoveries {
    /// A cached token was refused as stale and dropped.
    pub(super) stale_token: bool,
    /// The scope was widened after `insufficient_scope`.
    pub(super) widened: bool,
    /// Harbor answered a token with a Basic challenge: Basic is sent from then on.
    pub(super) basic_fallback: bool,
}

/// A secret a flow put on the wire.
#[derive(Clone)]
pub(super) enum WireSecret {
    Header(Authorization),
    Value(Secret),
}

impl WireSecret {
    /// The part a server could echo.
    pub(super) fn text(&self) -> &str {
        match self {
            WireSecret::Header(a) => a.credentials_part(),
            WireSecret::Value(s) => s.expose(),
        }
    }
}

/// Every secret a flow put on the wire, kept to scrub them from its errors whatever the cache
/// and the credentials do meanwhile. The first is kept inline, so a request with a cached
/// token records it without allocating.
#[derive(Default)]
pub(super) struct Wire {
    first: Option<WireSecret>,
    more: Vec<WireSecret>,
}

impl Wire {
    pub(super) fn record(&mut self, secret: WireSecret) {
        if self.iter().any(|w| w.text() == secret.text()) {
            return;
        }
        match self.first {
            None => self.first = Some(secret),
            Some(_) => self.more.push(secret),
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &WireSecret> {
        self.first.iter().chain(self.more.iter())
    }
}

pub(super) struct Flow {
    pub(super) registry: RegistryId,
    pub(super) method: Method,
    pub(super) target: Target,
    pub(super) asked: AskedScopes,
    /// The caller set its own `Authorization`: the machine adds none.
    pub(super) caller_auth: bool,
    pub(super) state: State,
    pub(super) sent: SentAuth,
    /// Whether the pending Send or Fetch has been handed out by `poll`: a response is only
    /// accepted for a request the driver was asked to make.
    pub(super) handed_out: bool,
    /// The token this flow fetched, used even if it is within the refresh margin.
    pub(super) fetched_token: Option<TokenId>,
    pub(super) counts: Counts,
    pub(super) recoveries: Recoveries,
    pub(super) wire: Wire,
}

impl Flow {
    pub(super) fn new(registry: RegistryId, method: Method, target: Target) -> Self {
        Flow {
            registry,
            method,
            target,
            asked: AskedScopes::default(),
            caller_auth: false,
            state: State::Plan,
            sent: SentAuth::Nothing,
            handed_out: false,
            fetched_token: None,
            counts: Counts::default(),
            recoveries: Recoveries::default(),
            wire: Wire::default(),
        }
    }

    pub(super) fn finish(&mut self, action: Action) {
        self.state = State::Finished(action);
    }
}

struct Slot {
    generation: u32,
    flow: Option<Flow>,
    /// The URL buffer of the last flow in this slot, reused so a flow on the hot path does not
    /// allocate (when the caller has dropped the `SendRequest`s that shared it).
    spare: Option<Arc<String>>,
    /// The flow in this slot was released from a wait and not reported yet.
    woken: bool,
    /// The slot's index is in the woken queue (it stays there after its flow ends, until
    /// drained, so that a slot is never queued twice).
    queued: bool,
    /// What to wake when this slot's waiting flow is released.
    waker: Option<Waker>,
}

/// The flows in progress.
#[derive(Default)]
pub(super) struct Flows {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    /// Slots whose flow a fetch released from waiting, oldest first; each at most once.
    woken: VecDeque<u32>,
}

impl Flows {
    /// The number of flows in progress.
    pub(super) fn live(&self) -> usize {
        self.live
    }

    /// A slot for a new flow and the URL buffer to build its target in (reused when no
    /// `SendRequest` still shares it); `None` when no slot index is left.
    pub(super) fn reserve(&mut self) -> Option<(u32, Arc<String>)> {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len()).ok()?;
                self.slots.push(Slot {
                    generation: 0,
                    flow: None,
                    spare: None,
                    woken: false,
                    queued: false,
                    waker: None,
                });
                i
            }
        };
        let spare = self
            .slots
            .get_mut(index as usize)
            .and_then(|s| s.spare.take());
        let buffer = match spare {
            Some(mut shared) => match Arc::get_mut(&mut shared) {
                Some(buffer) => {
                    buffer.clear();
                    shared
                }
                None => Arc::default(),
            },
            None => Arc::default(),
        };
        Some((index, buffer))
    }

    /// Puts a new flow in a reserved slot.
    pub(super) fn insert(&mut self, index: u32, flow: Flow) -> FlowId {
        let generation = match self.slots.get_mut(index as usize) {
            Some(slot) => {
                slot.flow = Some(flow);
                slot.generation
            }
            None => 0,
        };
        self.live += 1;
        FlowId { index, generation }
    }

    /// Takes a flow out of its slot to work on it (put it back with [`Flows::put`]).
    pub(super) fn take(&mut self, id: FlowId) -> Option<Flow> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.flow.take()
    }

    pub(super) fn put(&mut self, id: FlowId, flow: Flow) {
        if let Some(slot) = self.slots.get_mut(id.index as usize) {
            slot.flow = Some(flow);
        }
    }

    /// The flow of a handle, in its slot.
    pub(super) fn get_mut(&mut self, id: FlowId) -> Option<&mut Flow> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.flow.as_mut()
    }

    /// Ends a taken flow: its slot is free for the next, with its URL buffer.
    pub(super) fn release(&mut self, id: FlowId, flow: Flow) {
        if let Some(slot) = self.slots.get_mut(id.index as usize) {
            slot.spare = Some(flow.target.url);
            slot.generation = slot.generation.wrapping_add(1);
            slot.woken = false;
            slot.waker = None;
            self.free.push(id.index);
            self.live = self.live.saturating_sub(1);
        }
    }

    /// Records that a waiting flow was released: it is queued for
    /// [`Flows::pop_woken`] (once), and the waker left for it, if any, is handed back to be
    /// woken.
    pub(super) fn mark_woken(&mut self, id: FlowId) -> Option<Waker> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.woken = true;
        if !slot.queued {
            slot.queued = true;
            self.woken.push_back(id.index);
        }
        slot.waker.take()
    }

    /// The next flow released from a wait and not reported yet.
    pub(super) fn pop_woken(&mut self) -> Option<FlowId> {
        while let Some(index) = self.woken.pop_front() {
            let Some(slot) = self.slots.get_mut(index as usize) else {
                continue;
            };
            slot.queued = false;
            if slot.woken && slot.flow.is_some() {
                slot.woken = false;
                return Some(FlowId {
                    index,
                    generation: slot.generation,
                });
            }
        }
        None
    }

    /// Leaves a waker for a flow, replacing any other; `false` when the flow is unknown.
    pub(super) fn set_waker(&mut self, id: FlowId, waker: &Waker) -> bool {
        let Some(slot) = self.slots.get_mut(id.index as usize) else {
            return false;
        };
        if slot.generation != id.generation || slot.flow.is_none() {
            return false;
        }
        match &slot.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
        true
    }
}
