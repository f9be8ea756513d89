//! The Sans-IO authentication machine: [`Authenticator`] and its flows.
//!
//! An `Authenticator` is long-lived: it holds the configuration, credentials per registry, the
//! token cache, what each registry's last challenge said (realm, service, scheme), and the
//! flows in progress. A flow is one caller request's life: send, maybe a 401, a token fetch, a
//! retry, done. Flows are small `Copy` handles ([`FlowId`]) into the authenticator, so many
//! requests can be in flight at once and share token fetches.
//!
//! Inputs are method calls (`start`, `handle_response`, `handle_fetch_response`,
//! `handle_send_failed`, `cancel`), each taking the caller's `now`; output is one flat
//! [`Action`] per [`Authenticator::poll`]. The machine never performs I/O, reads a clock,
//! spawns, or holds a request body.
//!
//! # Bounds
//! A flow emits at most `3 + max_redirects` [`Action::Send`]s (the first send, a retry after the
//! registry's first challenge, one more after a stale token, a widened scope or Harbor's Basic
//! answer, and one per redirect) and at most [`MAX_TOKEN_REQUESTS`] [`Action::Fetch`]es (two
//! token acquisitions, each a POST and its GET fallback), then `Done` or `Failed`.
//! [`Action::Wait`] is not counted: it repeats until the fetch it waits for ends.

mod clock;
mod config;
mod derive;
mod io;
mod policy;
mod registry;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::mem;

pub use config::Config;
pub use io::{Action, FlowId, Method, Now, Request, Response, SendRequest, TokenRequest};

use self::clock::Clock;
use self::derive::derive;
use self::io::{Form, Target};
use self::policy::{check_realm, check_registry};
use self::registry::{Known, Registries, RegistryId};
use crate::credentials::Credentials;
use crate::docker_config::normalise;
use crate::error::{Error, LimitKind, TextPass, UrlRole, UsageError};
use crate::origin::{parse_scheme, resolve, UrlError, UrlParts};
use crate::query::encode_into;
use crate::scope::{Scope, ScopeSet};
use crate::secret::{Authorization, Secret};
use crate::server_text::Scrubber;
use crate::token::{ErrorBody, TokenError, TokenResponse};

/// Sends a flow may make beyond its first, for authentication (see the module docs).
const MAX_AUTH_RETRIES: u8 = 2;
/// Token requests a flow may make: two acquisitions, each a POST and its GET fallback.
pub const MAX_TOKEN_REQUESTS: u8 = 4;
/// Scopes from a challenge that are not `type:name:actions` (Gitea sends `*`), kept verbatim.
const MAX_OPAQUE_SCOPES: usize = 8;

/// Credentials for one registry, with the header values built once.
struct CredEntry {
    creds: Credentials,
    basic: Option<Authorization>,
    bearer: Option<Authorization>,
}

struct CachedToken {
    id: u64,
    registry: RegistryId,
    scopes: ScopeSet,
    opaque: Vec<String>,
    auth: Authorization,
    expires_ms: u64,
}

/// A token request in progress; flows that need no more than `scopes` wait for it.
struct Fetch {
    id: u64,
    registry: RegistryId,
    /// The realm and service of the challenge the fetch answers; the registry's challenge may
    /// change while the fetch is out (another flow's 401), and the fallback GET must go where
    /// the POST went.
    realm: String,
    service: Option<String>,
    scopes: ScopeSet,
    opaque: Vec<String>,
    /// When the request handed out last is presumed lost (machine time, ms).
    deadline_ms: u64,
    /// Presumed lost: no flow waits for it any more, and none starts to.
    lost: bool,
    /// Flows waiting for it.
    waiters: Vec<FlowId>,
}

/// A secret a flow put on the wire.
#[derive(Clone)]
enum WireSecret {
    Header(Authorization),
    Value(Secret),
}

impl WireSecret {
    /// The part a server could echo.
    fn text(&self) -> &str {
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
struct Wire {
    first: Option<WireSecret>,
    more: Vec<WireSecret>,
}

impl Wire {
    fn record(&mut self, secret: WireSecret) {
        if self.iter().any(|w| w.text() == secret.text()) {
            return;
        }
        match self.first {
            None => self.first = Some(secret),
            Some(_) => self.more.push(secret),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &WireSecret> {
        self.first.iter().chain(self.more.iter())
    }
}

/// What the last send of a flow carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    Nothing,
    Basic,
    Bearer { token: u64, fresh: bool },
    RegistryToken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    Get,
    PostRefresh,
    PostPassword,
}

enum State {
    /// Decide the next action at the next poll.
    Plan,
    AwaitSend(SendRequest),
    AwaitFetch {
        fetch: u64,
        request: TokenRequest,
        grant: Grant,
    },
    Waiting {
        fetch: u64,
    },
    Finished(Action),
}

struct Flow {
    registry: RegistryId,
    method: Method,
    /// The current target; a redirect changes it.
    url: String,
    /// Where the path starts in `url`, so routes are read without parsing the URL again.
    path_start: usize,
    redirected: bool,
    /// Whether the current target is on the registry's origin (a redirect may leave it).
    on_registry: bool,
    declared: Vec<Scope>,
    /// Scopes learned from challenges, and the union after widening.
    extra: ScopeSet,
    opaque: Vec<String>,
    caller_auth: bool,
    state: State,
    sent: Sent,
    /// Whether the pending Send or Fetch has been handed out by `poll`: a response is only
    /// accepted for a request the driver was asked to make.
    polled: bool,
    /// A token this flow fetched, used even if it is within the refresh margin.
    fresh: Option<u64>,
    sends: u32,
    token_requests: u8,
    auth_retries: u8,
    redirects: u32,
    stale_retried: bool,
    widened: bool,
    basic_fallback: bool,
    wire: Wire,
}

impl Flow {
    /// The path and query of the current target.
    fn route(&self) -> (&str, Option<&str>) {
        let pq = self.url.get(self.path_start..).unwrap_or("/");
        let pq = pq.split_once('#').map_or(pq, |(p, _)| p);
        match pq.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (pq, None),
        }
    }
}

struct Slot {
    generation: u32,
    flow: Option<Flow>,
    /// The URL buffer of the last flow in this slot, reused so a flow on the hot path does not
    /// allocate.
    spare: String,
}

/// The authentication state machine. See the [crate documentation](crate) for the driving loop.
pub struct Authenticator {
    config: Config,
    /// Keyed by registry name (`host[:port]`).
    creds: BTreeMap<String, CredEntry>,
    registries: Registries,
    tokens: Vec<CachedToken>,
    fetches: Vec<Fetch>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    next_id: u64,
    clock: Clock,
}

impl core::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Authenticator")
            .field("config", &self.config)
            .field("registries", &self.registries.len())
            .field("cached_tokens", &self.tokens.len())
            .field("fetches", &self.fetches.len())
            .field("flows", &self.live)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// A new authenticator with no credentials (anonymous everywhere).
    pub fn new(config: Config) -> Self {
        Authenticator {
            creds: BTreeMap::new(),
            registries: Registries::new(config.max_registries),
            tokens: Vec::new(),
            fetches: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            next_id: 1,
            clock: Clock::new(),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sets the credentials for a registry, named `host[:port]` (a scheme or path is ignored,
    /// as are default ports; Docker Hub's names `docker.io`, `index.docker.io` and
    /// `registry-1.docker.io` are one registry). They go only to that registry and to the realm
    /// its own challenge names.
    pub fn set_credentials(&mut self, registry: &str, creds: Credentials) {
        let key = normalise(registry);
        let basic = creds.basic_header(false);
        let bearer = match &creds {
            Credentials::RegistryToken(t) => Authorization::bearer(t.expose()),
            _ => None,
        };
        let entry = CredEntry {
            creds,
            basic,
            bearer,
        };
        self.creds.insert(key.clone(), entry);
        // Tokens obtained with other credentials must not serve these.
        self.forget_registry_state(&key);
    }

    /// Removes the credentials of a registry (it becomes anonymous).
    pub fn remove_credentials(&mut self, registry: &str) {
        let key = normalise(registry);
        self.creds.remove(&key);
        self.forget_registry_state(&key);
    }

    fn forget_registry_state(&mut self, name: &str) {
        let regs: Vec<RegistryId> = self
            .registries
            .iter()
            .filter(|(_, r)| r.name == name)
            .map(|(i, _)| i)
            .collect();
        self.tokens.retain(|t| !regs.contains(&t.registry));
        // A token request already out was made with the old credentials: its answer must not
        // serve the new ones (see `on_fetch_response`). Flows waiting on it plan again.
        let stale: Vec<u64> = self
            .fetches
            .iter()
            .filter(|f| regs.contains(&f.registry))
            .map(|f| f.id)
            .collect();
        for fetch in stale {
            self.end_fetch(fetch, None);
        }
        for (_, r) in self.registries.iter_mut().filter(|(i, _)| regs.contains(i)) {
            r.refresh_token = None;
            r.post_refused = false;
        }
    }

    /// Drops every cached token (credentials and registry knowledge stay).
    pub fn clear_tokens(&mut self) {
        self.tokens.clear();
    }

    /// The number of cached tokens.
    pub fn cached_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// The number of registry origins the machine remembers (at most
    /// [`Config::max_registries`] plus those of flows in progress).
    pub fn known_registries(&self) -> usize {
        self.registries.len()
    }

    /// The number of flows in progress.
    pub fn flows_in_progress(&self) -> usize {
        self.live
    }

    /// Starts a flow for one request of the caller.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] when the URL is not an absolute http(s) URL;
    /// [`Error::LimitExceeded`] when [`Config::max_flows`] flows are in progress.
    pub fn start<'r>(
        &mut self,
        request: impl Into<Request<'r>>,
        now: impl Into<Now>,
    ) -> Result<FlowId, Error> {
        let request = request.into();
        self.tick(now.into());
        if self.live >= self.config.max_flows {
            return Err(Error::LimitExceeded(LimitKind::Flows));
        }
        let parts = match request.target {
            Target::Url(u) => UrlParts::parse(u),
            Target::Parts {
                scheme,
                authority,
                path_and_query,
            } => parse_scheme(scheme)
                .and_then(|s| UrlParts::from_pieces(s, authority, path_and_query)),
        }
        .map_err(|error| Error::InvalidUrl {
            role: UrlRole::Request,
            error,
        })?;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len())
                    .map_err(|_| Error::LimitExceeded(LimitKind::Flows))?;
                self.slots.push(Slot {
                    generation: 0,
                    flow: None,
                    spare: String::new(),
                });
                i
            }
        };
        let slot = self
            .slots
            .get_mut(index as usize)
            .ok_or(Error::LimitExceeded(LimitKind::Flows))?;
        let tokens = &mut self.tokens;
        let registry = self
            .registries
            .acquire(&parts, |gone| tokens.retain(|t| t.registry != gone));
        let mut url = mem::take(&mut slot.spare);
        parts.write_to(&mut url);
        let path_start = url.len() - parts.path_and_query.len();
        slot.flow = Some(Flow {
            registry,
            method: request.method,
            url,
            path_start,
            redirected: false,
            on_registry: true,
            declared: request.scopes.to_vec(),
            extra: ScopeSet::new(),
            opaque: Vec::new(),
            caller_auth: request.caller_authorized,
            state: State::Plan,
            sent: Sent::Nothing,
            polled: false,
            fresh: None,
            sends: 0,
            token_requests: 0,
            auth_retries: 0,
            redirects: 0,
            stale_retried: false,
            widened: false,
            basic_fallback: false,
            wire: Wire::default(),
        });
        self.live += 1;
        Ok(FlowId {
            index,
            generation: slot.generation,
        })
    }

    /// The next thing to do for a flow. After `Done` or `Failed` the flow is over and its handle
    /// no longer valid. Polling again before reporting a response returns the same action.
    pub fn poll(&mut self, id: FlowId) -> Action {
        let Some(mut flow) = self.take(id) else {
            return Action::Failed(Error::UnknownFlow);
        };
        // At most Waiting -> Plan -> (a settled state): three turns.
        for _ in 0..4 {
            match &flow.state {
                State::Plan => self.plan(id, &mut flow),
                State::Waiting { fetch } => {
                    let fetch = *fetch;
                    // Waiters are woken when their fetch ends or is presumed lost; this check
                    // only keeps a flow from waiting on a fetch that is gone.
                    if self.fetches.iter().any(|f| f.id == fetch && !f.lost) {
                        self.put(id, flow);
                        return Action::Wait;
                    }
                    flow.state = State::Plan;
                }
                State::AwaitSend(req) => {
                    let action = Action::Send(req.clone());
                    flow.polled = true;
                    self.put(id, flow);
                    return action;
                }
                State::AwaitFetch { request, .. } => {
                    let action = Action::Fetch(request.clone());
                    flow.polled = true;
                    self.put(id, flow);
                    return action;
                }
                State::Finished(_) => break,
            }
        }
        let mut action = match mem::replace(&mut flow.state, State::Plan) {
            State::Finished(a) => a,
            // Unreachable by the loop's construction; failing is the total answer.
            _ => Action::Failed(Error::LimitExceeded(LimitKind::Actions)),
        };
        if let Action::Failed(e) = &mut action {
            // Secrets may have been learned since the error was made (it may be another
            // flow's, shared by a fetch this one waited for).
            if e.has_server_text() {
                e.clean_server_text(&mut self.scrubber(&flow), TextPass::HandedOut);
            }
        }
        self.release(id, flow);
        action
    }

    /// When the machine next wants to be told the time, if ever: the earliest moment a token
    /// request that other flows wait for is presumed lost (see [`Config::fetch_timeout`]).
    /// Call [`Authenticator::handle_timeout`] then, or give any other input; until then, only
    /// another flow's input can change a waiting flow's answer.
    pub fn poll_timeout(&self) -> Option<Now> {
        self.fetches
            .iter()
            .filter(|f| !f.lost && !f.waiters.is_empty())
            .map(|f| f.deadline_ms)
            .min()
            .map(|ms| self.clock.to_now(ms))
    }

    /// Tells the machine the time, with no other input: token requests unanswered past
    /// [`Config::fetch_timeout`] are presumed lost, and the flows that waited for them plan
    /// again (poll them).
    pub fn handle_timeout(&mut self, now: impl Into<Now>) {
        self.tick(now.into());
    }

    /// Every input passes the caller's time here: the clock moves, and fetches past their
    /// deadline are presumed lost.
    fn tick(&mut self, now: Now) {
        let now = self.clock.tick(now);
        let mut woken: Vec<FlowId> = Vec::new();
        for f in &mut self.fetches {
            if !f.lost && f.deadline_ms <= now {
                f.lost = true;
                woken.append(&mut f.waiters);
            }
        }
        for id in woken {
            self.wake(id, None);
        }
    }

    /// Reports the response to the caller's request (after an [`Action::Send`]). The body is
    /// optional: when given for a 401, errors quote the registry's message.
    ///
    /// # Errors
    /// [`UsageError`] when the flow is unknown or did not ask to send.
    pub fn handle_response<'r>(
        &mut self,
        id: FlowId,
        response: impl Into<Response<'r>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let response = response.into();
        self.input(
            id,
            now.into(),
            |flow| flow.polled && matches!(flow.state, State::AwaitSend(_)),
            |auth, flow| auth.on_response(flow, &response),
        )
    }

    /// Reports the response to the machine's own request (after an [`Action::Fetch`]), with its
    /// body (read at most [`TokenLimits::body_bytes`](crate::token::TokenLimits::body_bytes)
    /// plus one bytes).
    ///
    /// # Errors
    /// [`UsageError`] when the flow is unknown or did not ask to fetch.
    pub fn handle_fetch_response<'r>(
        &mut self,
        id: FlowId,
        response: impl Into<Response<'r>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let response = response.into();
        let awaits_fetch =
            |flow: &Flow| flow.polled && matches!(flow.state, State::AwaitFetch { .. });
        self.input(id, now.into(), awaits_fetch, |auth, flow| {
            auth.on_fetch_response(flow, &response)
        })
    }

    /// Feeds one input to a flow that is in a state that `accepts` it.
    fn input(
        &mut self,
        id: FlowId,
        now: Now,
        accepts: impl FnOnce(&Flow) -> bool,
        handle: impl FnOnce(&mut Self, &mut Flow),
    ) -> Result<(), UsageError> {
        self.tick(now);
        let mut flow = self.take(id).ok_or(UsageError::UnknownFlow)?;
        let result = if accepts(&flow) {
            handle(self, &mut flow);
            Ok(())
        } else {
            Err(UsageError::UnexpectedResponse)
        };
        self.put(id, flow);
        result
    }

    /// Reports that the request of the last [`Action::Send`] or [`Action::Fetch`] could not be
    /// sent (connection refused, timeout). The flow fails with [`Error::SendFailed`]; flows
    /// waiting for its token fetch try their own. Retrying is the caller's decision: start a
    /// new flow.
    ///
    /// # Errors
    /// [`UsageError`] when the flow is unknown or had nothing in flight.
    pub fn handle_send_failed(
        &mut self,
        id: FlowId,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        self.tick(now.into());
        let mut flow = self.take(id).ok_or(UsageError::UnknownFlow)?;
        let result = match &flow.state {
            _ if !flow.polled => Err(UsageError::UnexpectedResponse),
            State::AwaitFetch { fetch, .. } => {
                let fetch = *fetch;
                self.end_fetch(fetch, None);
                flow.state = State::Finished(Action::Failed(Error::SendFailed));
                Ok(())
            }
            State::AwaitSend(_) => {
                flow.state = State::Finished(Action::Failed(Error::SendFailed));
                Ok(())
            }
            _ => Err(UsageError::UnexpectedResponse),
        };
        self.put(id, flow);
        result
    }

    /// Abandons a flow (the caller gave up on the request). A token fetch it was making is
    /// released, so flows waiting for it fetch their own.
    pub fn cancel(&mut self, id: FlowId) {
        if let Some(flow) = self.take(id) {
            if let State::AwaitFetch { fetch, .. } = flow.state {
                self.end_fetch(fetch, None);
            }
            self.release(id, flow);
        }
    }

    fn take(&mut self, id: FlowId) -> Option<Flow> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.flow.take()
    }

    fn put(&mut self, id: FlowId, flow: Flow) {
        if let Some(slot) = self.slots.get_mut(id.index as usize) {
            slot.flow = Some(flow);
        }
    }

    fn release(&mut self, id: FlowId, flow: Flow) {
        self.registries.release(flow.registry);
        if let Some(slot) = self.slots.get_mut(id.index as usize) {
            slot.spare = flow.url;
            slot.spare.clear();
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(id.index);
            self.live = self.live.saturating_sub(1);
        }
    }

    fn cred(&self, registry: RegistryId) -> Option<&CredEntry> {
        self.creds.get(&self.registries.get(registry)?.name)
    }

    fn registry_name(&self, registry: RegistryId) -> String {
        self.registries
            .get(registry)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn fail(&self, flow: &mut Flow, error: Error) {
        flow.state = State::Finished(Action::Failed(self.cleaned(flow, error)));
    }

    /// The error with its server text through the pipeline: normalised, scrubbed of every
    /// secret the machine holds and the flow sent, clipped.
    fn cleaned(&self, flow: &Flow, mut error: Error) -> Error {
        if error.has_server_text() {
            error.clean_server_text(&mut self.scrubber(flow), TextPass::Made);
        }
        error
    }

    /// Everything secret a server could echo to this flow: every credential the machine holds
    /// and the Basic values made of them, every refresh token, every cached token, and every
    /// secret the flow itself put on the wire (which the cache may have dropped since).
    fn scrubber(&self, flow: &Flow) -> Scrubber {
        let mut s = Scrubber::default();
        for c in self.creds.values() {
            for secret in c.creds.secrets() {
                s.add(secret.expose());
            }
            // A registry token is itself the secret; the Basic value is base64 of the user
            // and password (or, for an identity token, of `<token>` and the token).
            match &c.basic {
                Some(basic) => s.add(basic.credentials_part()),
                None => {
                    if let Some(basic) = c.creds.basic_header(true) {
                        s.add(basic.credentials_part());
                    }
                }
            }
        }
        for (_, r) in self.registries.iter() {
            if let Some(rt) = &r.refresh_token {
                s.add(rt.expose());
            }
        }
        for t in &self.tokens {
            s.add(t.auth.credentials_part());
        }
        for w in flow.wire.iter() {
            s.add(w.text());
        }
        s
    }

    /// Wakes a flow waiting for a fetch that ended: it plans again, or fails as the fetch did.
    fn wake(&mut self, id: FlowId, error: Option<&Error>) {
        let Some(slot) = self.slots.get_mut(id.index as usize) else {
            return;
        };
        if slot.generation != id.generation {
            return;
        }
        if let Some(flow) = &mut slot.flow {
            if matches!(flow.state, State::Waiting { .. }) {
                flow.state = match error {
                    Some(e) => State::Finished(Action::Failed(e.clone())),
                    None => State::Plan,
                };
            }
        }
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    // ---- deciding what to send -------------------------------------------------------------

    fn send(&self, flow: &mut Flow, authorization: Option<Authorization>, sent: Sent) {
        flow.sends += 1;
        if flow.sends > self.config.max_redirects.saturating_add(3) {
            return self.fail(flow, Error::LimitExceeded(LimitKind::Actions));
        }
        if let Some(a) = &authorization {
            flow.wire.record(WireSecret::Header(a.clone()));
        }
        if sent == Sent::Basic {
            self.record_credentials(flow);
        }
        flow.sent = sent;
        flow.polled = false;
        flow.state = State::AwaitSend(SendRequest {
            method: flow.method,
            url: flow.redirected.then(|| flow.url.clone()),
            authorization,
            keep_caller_authorization: flow.caller_auth && flow.on_registry,
        });
    }

    /// Records the secrets of the flow's registry's credentials as sent by the flow.
    fn record_credentials(&self, flow: &mut Flow) {
        if let Some(c) = self.cred(flow.registry) {
            for secret in c.creds.secrets() {
                flow.wire.record(WireSecret::Value(secret.clone()));
            }
        }
    }

    fn plan(&mut self, id: FlowId, flow: &mut Flow) {
        if flow.caller_auth || !flow.on_registry {
            return self.send(flow, None, Sent::Nothing);
        }
        let insecure = self.config.allow_insecure;
        let Some(reg) = self.registries.get(flow.registry) else {
            return self.fail(flow, Error::UnknownFlow);
        };
        let registry_ok = check_registry(&reg.origin, insecure);
        let (known_basic, known_none) =
            (matches!(reg.known, Some(Known::Basic)), reg.known.is_none());
        let cred = self.cred(flow.registry);
        if let Some(bearer) = cred.and_then(|c| c.bearer.clone()) {
            return match registry_ok {
                Ok(()) => self.send(flow, Some(bearer), Sent::RegistryToken),
                Err(e) => self.fail(flow, e),
            };
        }
        let basic = cred.and_then(|c| c.basic.clone());
        let use_basic = flow.basic_fallback || known_basic;
        if use_basic || known_none {
            return match basic.filter(|_| use_basic) {
                Some(h) => match registry_ok {
                    Ok(()) => self.send(flow, Some(h), Sent::Basic),
                    Err(e) => self.fail(flow, e),
                },
                None => self.send(flow, None, Sent::Nothing),
            };
        }
        // The registry asked for Bearer tokens.
        if let Err(e) = registry_ok {
            return self.fail(flow, e);
        }
        let now = self.clock.now_ms();
        // A token this flow fetched is used even inside the refresh margin (a margin longer
        // than the token's life would otherwise refetch forever), but never once expired, and
        // not for a route it was not asked for (a same-origin redirect to another repository).
        if let Some(t) = flow.fresh.and_then(|id| {
            let (path, query) = flow.route();
            let derived = derive(flow.method, path, query);
            self.tokens
                .iter()
                .find(|t| t.id == id && t.expires_ms > now && derived.covered_by(&t.scopes))
        }) {
            let (auth, token) = (t.auth.clone(), t.id);
            return self.send(flow, Some(auth), Sent::Bearer { token, fresh: true });
        }
        if let Some((auth, token)) = self.find_token(flow, now) {
            return self.send(
                flow,
                Some(auth),
                Sent::Bearer {
                    token,
                    fresh: false,
                },
            );
        }
        let need = self.need(flow);
        if let Some(f) = self.fetches.iter_mut().find(|f| {
            f.registry == flow.registry
                && !f.lost
                && f.deadline_ms > now
                && f.scopes.covers_all(&need)
                && flow.opaque.iter().all(|o| f.opaque.contains(o))
        }) {
            f.waiters.push(id);
            flow.state = State::Waiting { fetch: f.id };
            return;
        }
        self.start_fetch(flow, need);
    }

    /// A cached, unexpired token of the flow's registry that covers what the flow needs.
    fn find_token(&self, flow: &Flow, now: u64) -> Option<(Authorization, u64)> {
        let margin = u64::try_from(self.config.refresh_margin.as_millis()).unwrap_or(u64::MAX);
        let fresh_until = now.saturating_add(margin);
        let (path, query) = flow.route();
        let derived = derive(flow.method, path, query);
        self.tokens
            .iter()
            .filter(|t| t.registry == flow.registry && t.expires_ms > fresh_until)
            .find(|t| {
                derived.covered_by(&t.scopes)
                    && t.scopes.covers_all(&flow.extra)
                    && flow.declared.iter().all(|s| t.scopes.covers(s))
                    && flow.opaque.iter().all(|o| t.opaque.contains(o))
            })
            .map(|t| (t.auth.clone(), t.id))
    }

    /// Everything the flow needs: derived from its route, declared by the caller, named by
    /// challenges (and widened).
    fn need(&self, flow: &Flow) -> ScopeSet {
        let mut set = flow.extra.clone();
        let (path, query) = flow.route();
        derive(flow.method, path, query).add_to(&mut set);
        set.extend(flow.declared.iter().cloned());
        set
    }

    fn start_fetch(&mut self, flow: &mut Flow, scopes: ScopeSet) {
        let Some(Known::Bearer { realm, service }) = self
            .registries
            .get(flow.registry)
            .and_then(|r| r.known.clone())
        else {
            return self.fail(flow, Error::UnknownFlow);
        };
        let grant = self.choose_grant(flow.registry);
        let fetch = Fetch {
            id: self.next_id(),
            registry: flow.registry,
            realm,
            service,
            scopes,
            opaque: flow.opaque.clone(),
            deadline_ms: u64::MAX,
            lost: false,
            waiters: Vec::new(),
        };
        match self.token_request(&fetch, grant) {
            Ok(request) => {
                let id = fetch.id;
                self.fetches.push(fetch);
                self.await_fetch(flow, id, request, grant);
            }
            Err(e) => self.fail(flow, e),
        }
    }

    fn await_fetch(&mut self, flow: &mut Flow, fetch: u64, request: TokenRequest, grant: Grant) {
        flow.token_requests += 1;
        if flow.token_requests > MAX_TOKEN_REQUESTS {
            self.end_fetch(fetch, None);
            return self.fail(flow, Error::LimitExceeded(LimitKind::Actions));
        }
        let timeout = u64::try_from(self.config.fetch_timeout.as_millis()).unwrap_or(u64::MAX);
        let deadline = self.clock.now_ms().saturating_add(timeout);
        if let Some(f) = self.fetches.iter_mut().find(|f| f.id == fetch) {
            f.deadline_ms = deadline;
        }
        if let Some(a) = request.authorization() {
            flow.wire.record(WireSecret::Header(a.clone()));
        }
        self.record_credentials(flow);
        if grant == Grant::PostRefresh {
            if let Some(rt) = self
                .registries
                .get(flow.registry)
                .and_then(|r| r.refresh_token.clone())
            {
                flow.wire.record(WireSecret::Value(rt));
            }
        }
        flow.polled = false;
        flow.state = State::AwaitFetch {
            fetch,
            request,
            grant,
        };
    }

    fn choose_grant(&self, registry: usize) -> Grant {
        let Some(reg) = self.registries.get(registry) else {
            return Grant::Get;
        };
        if reg.post_refused {
            return Grant::Get;
        }
        match self.cred(registry).map(|c| &c.creds) {
            _ if reg.refresh_token.is_some() => Grant::PostRefresh,
            Some(Credentials::IdentityToken { .. }) => Grant::PostRefresh,
            Some(Credentials::Basic { .. }) if self.config.password_grant => Grant::PostPassword,
            _ => Grant::Get,
        }
    }

    /// Builds the token request of a fetch.
    fn token_request(&self, fetch: &Fetch, grant: Grant) -> Result<TokenRequest, Error> {
        let registry = fetch.registry;
        let (realm, service, scopes, opaque) =
            (&fetch.realm, &fetch.service, &fetch.scopes, &fetch.opaque);
        let reg = self.registries.get(registry).ok_or(Error::UnknownFlow)?;
        check_realm(realm, &reg.origin, &self.config)?;
        let creds = self.cred(registry).map(|c| &c.creds);
        let scope_items = scopes
            .iter()
            .map(|s| s.to_string())
            .chain(opaque.iter().cloned());
        let mut fields: Vec<(&str, String)> = Vec::new();
        let mut authorization = None;
        match grant {
            Grant::Get => {
                if let Some(s) = service {
                    fields.push(("service", s.clone()));
                }
                if self.config.one_scope_param {
                    let joined: Vec<String> = scope_items.collect();
                    if !joined.is_empty() {
                        fields.push(("scope", joined.join(" ")));
                    }
                } else {
                    fields.extend(scope_items.map(|s| ("scope", s)));
                }
                if let Some(c) = creds {
                    authorization = c.basic_header(true);
                    if let Some(user) = c.username().filter(|_| authorization.is_some()) {
                        fields.push(("account", user.into()));
                    }
                    if self.config.request_refresh_token && authorization.is_some() {
                        fields.push(("offline_token", "true".into()));
                        fields.push(("client_id", self.config.client_id.clone()));
                    }
                }
                let mut url = String::with_capacity(realm.len() + 64);
                url.push_str(realm.split_once('#').map_or(realm.as_str(), |(r, _)| r));
                let mut sep = if url.contains('?') { '&' } else { '?' };
                for (k, v) in &fields {
                    url.push(sep);
                    sep = '&';
                    url.push_str(k);
                    url.push('=');
                    encode_into(&mut url, v);
                }
                Ok(TokenRequest {
                    method: Method::Get,
                    url,
                    authorization,
                    form: None,
                })
            }
            Grant::PostRefresh | Grant::PostPassword => {
                let mut form: Vec<(&str, &str)> = Vec::new();
                let scope: Vec<String> = scope_items.collect();
                let scope = scope.join(" ");
                match (grant, creds) {
                    (Grant::PostPassword, Some(Credentials::Basic { username, password })) => {
                        form.push(("grant_type", "password"));
                        form.push(("username", username));
                        form.push(("password", password.expose()));
                        if self.config.request_refresh_token {
                            form.push(("access_type", "offline"));
                        }
                    }
                    _ => {
                        let token = reg
                            .refresh_token
                            .as_ref()
                            .or(match creds {
                                Some(Credentials::IdentityToken { token, .. }) => Some(token),
                                _ => None,
                            })
                            .ok_or(Error::UnknownFlow)?;
                        form.push(("grant_type", "refresh_token"));
                        form.push(("refresh_token", token.expose()));
                    }
                }
                if let Some(s) = service {
                    form.push(("service", s));
                }
                form.push(("client_id", &self.config.client_id));
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&form)
                    .finish();
                Ok(TokenRequest {
                    method: Method::Post,
                    url: realm
                        .split_once('#')
                        .map_or(realm.as_str(), |(r, _)| r)
                        .into(),
                    authorization: None,
                    form: Some(Form(Secret::new(body))),
                })
            }
        }
    }

    /// Ends a token fetch: on success waiters re-plan (and find the token in the cache); on a
    /// definite failure they fail the same way; when `error` is `None` after a send failure or
    /// cancel, they re-plan and one of them fetches.
    fn end_fetch(&mut self, fetch: u64, error: Option<Error>) {
        let Some(at) = self.fetches.iter().position(|f| f.id == fetch) else {
            return;
        };
        let ended = self.fetches.swap_remove(at);
        for id in ended.waiters {
            self.wake(id, error.as_ref());
        }
    }

    // ---- reading responses -----------------------------------------------------------------

    fn on_fetch_response(&mut self, flow: &mut Flow, response: &Response<'_>) {
        let State::AwaitFetch { fetch, grant, .. } = flow.state else {
            return;
        };
        let Some(at) = self.fetches.iter().position(|f| f.id == fetch) else {
            // The registry's credentials changed while this request was out: its answer speaks
            // for credentials that no longer apply, so it is neither cached nor used.
            flow.state = State::Plan;
            return;
        };
        let status = response.status;
        let ok = (200..300).contains(&status);
        let parsed = ok.then(|| TokenResponse::parse(response.body, &self.config.token_limits));
        let post = grant != Grant::Get;
        let not_json = matches!(parsed, Some(Err(TokenError::NotJson { .. })));
        if post && (matches!(status, 400 | 401 | 404 | 405) || not_json) {
            if let Some(r) = self.registries.get_mut(flow.registry) {
                r.post_refused = true;
            }
            let request = match self.fetches.get(at) {
                Some(f) => self.token_request(f, Grant::Get),
                None => Err(Error::UnknownFlow),
            };
            return match request {
                Ok(request) => self.await_fetch(flow, fetch, request, Grant::Get),
                Err(e) => self.fail_fetch(flow, fetch, e),
            };
        }
        // Only an error names the realm: no copy of it on the way to a token.
        let realm = |this: &Self| {
            this.fetches
                .get(at)
                .map(|f| f.realm.clone())
                .unwrap_or_default()
        };
        let error = match parsed {
            Some(Ok(t)) => return self.accept_token(flow, fetch, &t),
            Some(Err(error)) => Error::MalformedToken {
                realm: realm(self),
                error,
            },
            None => {
                let body = ErrorBody::parse_raw(response.body);
                let anonymous = self
                    .cred(flow.registry)
                    .map_or(true, |c| c.creds.is_anonymous())
                    && self
                        .registries
                        .get(flow.registry)
                        .map_or(true, |r| r.refresh_token.is_none());
                if matches!(status, 401 | 403) && !anonymous {
                    Error::CredentialsRejected {
                        by: realm(self),
                        status,
                        body,
                    }
                } else {
                    Error::TokenEndpoint {
                        realm: realm(self),
                        status,
                        body,
                    }
                }
            }
        };
        // A refresh token the realm refused is dead; the next attempt uses the credentials.
        // (The flow sent it: it stays in the flow's record, and the error is scrubbed of it.)
        if grant == Grant::PostRefresh {
            if let Some(r) = self.registries.get_mut(flow.registry) {
                r.refresh_token = None;
            }
        }
        self.fail_fetch(flow, fetch, error);
    }

    /// Fails the flow that made a fetch, and the flows that waited for it, the same way.
    fn fail_fetch(&mut self, flow: &mut Flow, fetch: u64, error: Error) {
        let error = self.cleaned(flow, error);
        self.end_fetch(fetch, Some(error.clone()));
        flow.state = State::Finished(Action::Failed(error));
    }

    fn accept_token(&mut self, flow: &mut Flow, fetch: u64, t: &TokenResponse) {
        let Some(auth) = Authorization::bearer(t.token().expose()) else {
            let error = Error::MalformedToken {
                realm: String::new(),
                error: TokenError::UnsafeToken { field: "token" },
            };
            return self.fail_fetch(flow, fetch, error);
        };
        let now = self.clock.now_ms();
        let (scopes, opaque) = self
            .fetches
            .iter()
            .find(|f| f.id == fetch)
            .map(|f| (f.scopes.clone(), f.opaque.clone()))
            .unwrap_or_default();
        if let Some(rt) = t.refresh_token() {
            if let Some(r) = self.registries.get_mut(flow.registry) {
                r.refresh_token = Some(rt.clone());
            }
        }
        let id = self.next_id();
        self.tokens.retain(|c| c.expires_ms > now);
        while self.tokens.len() >= self.config.max_cached_tokens {
            let soonest = self
                .tokens
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| c.expires_ms)
                .map(|(i, _)| i);
            match soonest {
                Some(i) => {
                    self.tokens.swap_remove(i);
                }
                None => break,
            }
        }
        self.tokens.push(CachedToken {
            id,
            registry: flow.registry,
            scopes,
            opaque,
            auth,
            expires_ms: now.saturating_add(t.lifetime_secs().saturating_mul(1000)),
        });
        self.end_fetch(fetch, None);
        flow.fresh = Some(id);
        flow.state = State::Plan;
    }

    fn retry(flow: &mut Flow) {
        flow.auth_retries += 1;
        flow.state = if flow.auth_retries > MAX_AUTH_RETRIES {
            State::Finished(Action::Failed(Error::LimitExceeded(LimitKind::Actions)))
        } else {
            State::Plan
        };
    }

    fn on_response(&mut self, flow: &mut Flow, response: &Response<'_>) {
        let status = response.status;
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = response.first("location") {
                return self.redirect(flow, status, location);
            }
        }
        if flow.caller_auth || !flow.on_registry {
            flow.state = State::Finished(Action::Done);
            return;
        }
        match (status, flow.sent) {
            (401, _) => self.on_unauthorized(flow, response),
            (
                403 | 400,
                Sent::Bearer {
                    token,
                    fresh: false,
                },
            ) if self.config.stale_on_403_400 && !flow.stale_retried => {
                self.tokens.retain(|t| t.id != token);
                flow.stale_retried = true;
                Self::retry(flow);
            }
            _ => flow.state = State::Finished(Action::Done),
        }
    }

    fn redirect(&mut self, flow: &mut Flow, status: u16, location: &[u8]) {
        if flow.redirects >= self.config.max_redirects {
            return self.fail(flow, Error::LimitExceeded(LimitKind::Redirects));
        }
        let target = core::str::from_utf8(location)
            .map_err(|_| UrlError::InvalidCharacter)
            .and_then(|l| resolve(&flow.url, l))
            .and_then(|u| {
                UrlParts::parse(&u)
                    .map(|p| (p.origin(), u.len() - p.path_and_query.len(), u.clone()))
            });
        let (origin, path_start, url) = match target {
            Ok(t) => t,
            Err(error) => {
                return self.fail(
                    flow,
                    Error::InvalidUrl {
                        role: UrlRole::Location,
                        error,
                    },
                )
            }
        };
        flow.redirects += 1;
        flow.on_registry = self
            .registries
            .get(flow.registry)
            .is_some_and(|r| r.origin == origin);
        flow.url = url;
        flow.path_start = path_start;
        flow.redirected = true;
        if status == 303 && flow.method != Method::Head {
            flow.method = Method::Get;
        }
        flow.sent = Sent::Nothing;
        flow.state = State::Plan;
    }

    fn on_unauthorized(&mut self, flow: &mut Flow, response: &Response<'_>) {
        let chosen = match self
            .config
            .parser
            .parse_lines(response.values("www-authenticate"))
        {
            Ok(list) => choose_challenge(&list),
            Err(e) => Err(Error::Challenge(e)),
        };
        let chosen = match chosen {
            Ok(c) => c,
            Err(e) => return self.fail(flow, e),
        };
        let mut body = ErrorBody::parse_raw(response.body);
        let registry = self.registry_name(flow.registry);
        let has_basic = self.cred(flow.registry).is_some_and(|c| c.basic.is_some());
        match chosen {
            Chosen::Basic => match flow.sent {
                // Harbor answers a token that lacks scope with a Basic challenge.
                Sent::Bearer { .. } if has_basic && !flow.basic_fallback => {
                    flow.basic_fallback = true;
                    Self::retry(flow);
                }
                Sent::Bearer { .. } if !has_basic => {
                    self.fail(flow, Error::CredentialsRequired { registry });
                }
                Sent::Nothing if has_basic => {
                    if let Some(r) = self.registries.get_mut(flow.registry) {
                        r.known = Some(Known::Basic);
                    }
                    Self::retry(flow);
                }
                Sent::Nothing => {
                    if let Some(r) = self.registries.get_mut(flow.registry) {
                        r.known = Some(Known::Basic);
                    }
                    self.fail(flow, Error::CredentialsRequired { registry });
                }
                _ => self.fail(
                    flow,
                    Error::CredentialsRejected {
                        by: registry,
                        status: 401,
                        body,
                    },
                ),
            },
            Chosen::Bearer {
                realm,
                service,
                scopes,
                error,
                description,
            } => {
                let Some(reg) = self.registries.get_mut(flow.registry) else {
                    return self.fail(flow, Error::UnknownFlow);
                };
                if let Err(e) = check_realm(&realm, &reg.origin, &self.config) {
                    return self.fail(flow, e);
                }
                let known = Known::Bearer { realm, service };
                if reg.known.as_ref() != Some(&known) {
                    reg.known = Some(known);
                }
                if body.is_empty() {
                    body = ErrorBody::from_challenge(error.clone(), description);
                }
                let mut named = ScopeSet::new();
                let mut opaque = Vec::new();
                for s in &scopes {
                    match Scope::parse(s) {
                        Ok(scope) => named.insert(scope),
                        Err(_) if opaque.len() < MAX_OPAQUE_SCOPES => opaque.push(s.clone()),
                        Err(_) => {}
                    }
                }
                self.on_bearer_challenge(flow, named, opaque, error.as_deref(), body, registry);
            }
        }
    }

    fn on_bearer_challenge(
        &mut self,
        flow: &mut Flow,
        named: ScopeSet,
        opaque: Vec<String>,
        error: Option<&str>,
        body: ErrorBody,
        registry: String,
    ) {
        let add_opaque = |flow: &mut Flow, items: &[String]| {
            for o in items {
                if !flow.opaque.contains(o) && flow.opaque.len() < MAX_OPAQUE_SCOPES {
                    flow.opaque.push(o.clone());
                }
            }
        };
        match flow.sent {
            Sent::Nothing => {
                flow.extra.extend_from(&named);
                add_opaque(flow, &opaque);
                Self::retry(flow);
            }
            Sent::Basic if !flow.basic_fallback => {
                // The registry moved from Basic to Bearer since we last heard from it.
                flow.extra.extend_from(&named);
                add_opaque(flow, &opaque);
                Self::retry(flow);
            }
            Sent::Basic | Sent::RegistryToken => self.fail(
                flow,
                Error::CredentialsRejected {
                    by: registry,
                    status: 401,
                    body,
                },
            ),
            Sent::Bearer { token, fresh } if error == Some("insufficient_scope") => {
                let (held, held_opaque) = self
                    .tokens
                    .iter()
                    .find(|t| t.id == token)
                    .map(|t| (t.scopes.clone(), t.opaque.clone()))
                    .unwrap_or_default();
                let mut wanted = self.need(flow);
                wanted.extend_from(&named);
                let widened = held.union(&wanted);
                let nothing_new =
                    held.covers_all(&widened) && opaque.iter().all(|o| held_opaque.contains(o));
                // The cache records the scopes a token was asked for; the realm may have granted
                // less. A token refused for scope it was asked for lies about what it holds:
                // never send it again.
                self.tokens.retain(|t| t.id != token);
                if flow.widened || (fresh && nothing_new) {
                    let mut scope = widened.to_string();
                    for o in &opaque {
                        scope.push(' ');
                        scope.push_str(o);
                    }
                    return self.fail(
                        flow,
                        Error::InsufficientScope {
                            registry,
                            scope,
                            body,
                        },
                    );
                }
                flow.extra = widened;
                add_opaque(flow, &held_opaque);
                add_opaque(flow, &opaque);
                flow.widened = true;
                flow.fresh = None;
                Self::retry(flow);
            }
            Sent::Bearer { token, fresh } => {
                if fresh || flow.stale_retried {
                    return self.fail(flow, Error::TokenRejected { registry, body });
                }
                // A cached token went stale (expired early, revoked): drop it, fetch once more.
                self.tokens.retain(|t| t.id != token);
                flow.stale_retried = true;
                flow.extra.extend_from(&named);
                add_opaque(flow, &opaque);
                Self::retry(flow);
            }
        }
    }
}

/// The challenge a flow answers, copied out of the response.
enum Chosen {
    Bearer {
        realm: String,
        service: Option<String>,
        scopes: Vec<String>,
        error: Option<String>,
        description: Option<String>,
    },
    Basic,
}

/// Bearer first (tokens are scoped and short-lived), then Basic; other schemes are ignored.
fn choose_challenge(list: &crate::challenge::Challenges<'_>) -> Result<Chosen, Error> {
    let mut bearer_error = None;
    for c in list.iter().filter(|c| c.is_scheme("bearer")) {
        match c.bearer() {
            Ok(b) => {
                return Ok(Chosen::Bearer {
                    realm: b.realm().into(),
                    service: b.service().map(Into::into),
                    scopes: b.scopes().map(Into::into).collect(),
                    error: b.error().map(Into::into),
                    description: b.error_description().map(Into::into),
                })
            }
            Err(e) => {
                bearer_error.get_or_insert(e);
            }
        }
    }
    if list
        .iter()
        .any(|c| c.is_scheme("basic") && c.basic().is_ok())
    {
        return Ok(Chosen::Basic);
    }
    if let Some(e) = bearer_error {
        return Err(Error::BearerChallenge(e));
    }
    Err(Error::NoUsableChallenge {
        offered: list.iter().map(|c| c.scheme().into()).collect(),
    })
}

#[cfg(test)]
mod tests;
