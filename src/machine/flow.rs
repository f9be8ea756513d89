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

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::task::Waker;

use super::cache::TokenId;
use super::fetches::FetchId;
use super::io::{Action, FlowId, Method, SendRequest, TokenRequest};
use super::registry::RegistryId;
use super::route_scopes::{Route, RouteScopes};
use super::token_request::Grant;
use crate::origin::UrlParts;
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
    /// Shared with the `SendRequest`s handed out, and reused by the next flow of the slot
    /// once they are dropped.
    pub(super) url: Arc<String>,
    /// Where the path starts in `url`.
    pub(super) path_start: usize,
    /// The route, read once per URL.
    route: Route,
    pub(super) redirected: bool,
    /// Whether the target is on the registry's origin (a redirect may leave it).
    pub(super) on_registry: bool,
}

impl Target {
    /// A target for `parts`, written into `url`'s buffer (reused when nothing else shares it).
    pub(super) fn write(url: &mut Arc<String>, parts: &UrlParts<'_>) -> usize {
        if Arc::get_mut(url).is_none() {
            *url = Arc::default();
        }
        let buffer = Arc::make_mut(url);
        parts.write_to(buffer);
        buffer.len() - parts.path_and_query.len()
    }

    /// Points the target at `url`, whose path starts at `path_start` and whose route was
    /// read as `route`.
    pub(super) fn set(&mut self, url: Arc<String>, path_start: usize, route: Route) {
        self.route = route;
        self.url = url;
        self.path_start = path_start;
    }

    /// The scopes the route implies.
    pub(super) fn scopes(&self) -> RouteScopes<'_> {
        self.route.scopes(&self.url)
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

    /// Forgets every secret (a flow that ended must not keep them alive).
    fn clear(&mut self) {
        self.first = None;
        self.more.clear();
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
    /// A flow for a slot that never held one.
    fn empty() -> Self {
        Flow {
            registry: RegistryId::NONE,
            method: Method::Get,
            target: Target {
                url: Arc::default(),
                path_start: 0,
                route: Route::default(),
                redirected: false,
                on_registry: true,
            },
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

    /// Makes the flow (of a reused slot) a new flow of `method` to `parts` on `registry`,
    /// keeping its buffers.
    pub(super) fn start(&mut self, registry: RegistryId, method: Method, parts: &UrlParts<'_>) {
        let path_start = Target::write(&mut self.target.url, parts);
        self.target.route = Route::read(method, parts, path_start);
        self.target.path_start = path_start;
        self.target.redirected = false;
        self.target.on_registry = true;
        self.registry = registry;
        self.method = method;
        self.asked.declared.clear();
        self.asked.challenged.clear();
        self.asked.opaque.clear();
        self.caller_auth = false;
        self.state = State::Plan;
        self.sent = SentAuth::Nothing;
        self.handed_out = false;
        self.fetched_token = None;
        self.counts = Counts::default();
        self.recoveries = Recoveries::default();
        self.wire.clear();
    }

    pub(super) fn finish(&mut self, action: Action) {
        self.state = State::Finished(action);
    }
}

struct Slot {
    generation: u32,
    /// A flow is in progress in the slot.
    busy: bool,
    /// The flow, boxed so that taking it out to work on it moves a pointer; kept when the
    /// flow ends, with its buffers, for the next flow of the slot.
    flow: Option<Box<Flow>>,
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

    /// A free slot and the flow to fill in (the slot's last one, or a new one); `None` when
    /// no slot index is left.
    pub(super) fn reserve(&mut self) -> Option<(u32, Box<Flow>)> {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len()).ok()?;
                self.slots.push(Slot {
                    generation: 0,
                    busy: false,
                    flow: None,
                    woken: false,
                    queued: false,
                    waker: None,
                });
                i
            }
        };
        let flow = self
            .slots
            .get_mut(index as usize)
            .and_then(|s| s.flow.take())
            .unwrap_or_else(|| Box::new(Flow::empty()));
        Some((index, flow))
    }

    /// Puts a new flow in a reserved slot.
    pub(super) fn insert(&mut self, index: u32, flow: Box<Flow>) -> FlowId {
        let generation = match self.slots.get_mut(index as usize) {
            Some(slot) => {
                slot.flow = Some(flow);
                slot.busy = true;
                slot.generation
            }
            None => 0,
        };
        self.live += 1;
        FlowId { index, generation }
    }

    fn slot(&mut self, id: FlowId) -> Option<&mut Slot> {
        self.slots
            .get_mut(id.index as usize)
            .filter(|s| s.busy && s.generation == id.generation)
    }

    /// Takes a flow out of its slot to work on it (put it back with [`Flows::put`]).
    pub(super) fn take(&mut self, id: FlowId) -> Option<Box<Flow>> {
        self.slot(id)?.flow.take()
    }

    pub(super) fn put(&mut self, id: FlowId, flow: Box<Flow>) {
        if let Some(slot) = self.slot(id) {
            slot.flow = Some(flow);
        }
    }

    /// The flow of a handle, in its slot.
    pub(super) fn get_mut(&mut self, id: FlowId) -> Option<&mut Flow> {
        self.slot(id)?.flow.as_deref_mut()
    }

    /// Ends a taken flow: its slot is free for the next, which reuses its buffers. What the
    /// flow held of secrets and of the caller's request goes now.
    pub(super) fn release(&mut self, id: FlowId, mut flow: Box<Flow>) {
        if let Some(slot) = self.slot(id) {
            flow.state = State::Plan;
            flow.wire.clear();
            slot.flow = Some(flow);
            slot.busy = false;
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
        let slot = self.slot(id)?;
        slot.woken = true;
        let queue = !slot.queued;
        slot.queued = true;
        let waker = slot.waker.take();
        if queue {
            self.woken.push_back(id.index);
        }
        waker
    }

    /// The next flow released from a wait and not reported yet.
    pub(super) fn pop_woken(&mut self) -> Option<FlowId> {
        while let Some(index) = self.woken.pop_front() {
            let Some(slot) = self.slots.get_mut(index as usize) else {
                continue;
            };
            slot.queued = false;
            if slot.woken && slot.busy {
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
        let Some(slot) = self.slot(id) else {
            return false;
        };
        match &slot.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
        true
    }
}
