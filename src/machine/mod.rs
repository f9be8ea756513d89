//! The Sans-IO authentication machine: [`Authenticator`] and its flows.
//!
//! An `Authenticator` is long-lived: it holds the configuration, credentials per registry, the
//! token cache, what each registry's last challenge said (realm, service, scheme), and the
//! flows in progress. A flow is one caller request's life: send, maybe a 401, a token fetch, a
//! retry, done. Flows are small `Copy` handles ([`FlowId`]) into the authenticator, so many
//! requests can be in flight at once and share token fetches.
//!
//! Inputs are method calls (`start`, `handle_response`, `handle_token_response`,
//! `handle_send_failed`, `handle_timeout`, `cancel`), each taking the caller's `now`; output
//! is one flat [`Action`] per [`Authenticator::poll`]. The machine never performs I/O, reads
//! a clock, spawns, or holds a request body.
//!
//! # Bounds
//! A flow emits at most `3 + max_redirects` [`Action::Send`]s (the first send, a retry after the
//! registry's first challenge, one more after a stale token, a widened scope or Harbor's Basic
//! answer, and one per redirect) and at most [`MAX_TOKEN_REQUESTS`] [`Action::FetchToken`]s (two
//! token acquisitions, each a POST and its GET fallback), then `Done` or `Failed`.
//! [`Action::Wait`] is not counted: it repeats until the fetch it waits for ends, at the
//! latest [`Config::fetch_timeout`] after that fetch was handed out.
//!
//! # Where things are
//! - `plan`: what a flow sends next; `token_request`: building token requests;
//! - `respond` and `challenge_answer`: the registry's answers; `fetch_response`: the token
//!   endpoint's;
//! - `flow`: a flow's state and the slot table; `fetches`: token requests in progress and
//!   their waiters; `cache`: the token cache; `registry`: what is known per origin;
//!   `registry_credentials`: credentials per registry and namespace;
//! - `policy`: where credentials may go; `scrub`: which secrets errors are scrubbed of;
//!   `route_scopes`: the scopes a route implies; `clock`: the caller's time;
//! - `config`, `io`: the public configuration and the request, response and action types.

mod cache;
mod challenge_answer;
mod clock;
mod config;
mod fetch_response;
mod fetches;
mod flow;
mod io;
mod plan;
mod policy;
mod registry;
mod registry_credentials;
mod respond;
mod route_scopes;
mod scrub;
mod token_request;

use alloc::boxed::Box;
use alloc::string::String;
use core::mem;

pub use config::Config;
pub use io::{
    Action, FlowId, HeaderList, HeaderPair, Method, Now, Request, Response, SendRequest,
    TokenRequest,
};

use self::cache::TokenCache;
use self::clock::Clock;
use self::fetches::Fetches;
use self::flow::{Flow, Flows, State};
use self::io::Target as RequestTarget;
use self::registry::{Registries, RegistryId};
use self::registry_credentials::RegistryCredentials;
use crate::credentials::Credentials;
use crate::error::{Error, LimitKind, UrlRole, UsageError};
use crate::origin::{parse_scheme, UrlParts};

/// Sends a flow may make beyond its first, for authentication (see the module docs).
const MAX_AUTH_RETRIES: u8 = 2;
/// Token requests a flow may make: two acquisitions, each a POST and its GET fallback.
pub const MAX_TOKEN_REQUESTS: u8 = 4;

/// The authentication state machine. See the [crate documentation](crate) for the driving loop.
pub struct Authenticator {
    config: Config,
    creds: RegistryCredentials,
    registries: Registries,
    tokens: TokenCache,
    fetches: Fetches,
    flows: Flows,
    clock: Clock,
}

impl core::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Authenticator")
            .field("config", &self.config)
            .field("registries", &self.registries.len())
            .field("cached_tokens", &self.tokens.len())
            .field("fetches", &self.fetches.len())
            .field("flows", &self.flows.live())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// A new authenticator with no credentials (anonymous everywhere).
    pub fn new(config: Config) -> Self {
        Authenticator {
            creds: RegistryCredentials::default(),
            registries: Registries::new(config.max_registries),
            tokens: TokenCache::default(),
            fetches: Fetches::default(),
            flows: Flows::default(),
            clock: Clock::new(),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sets the credentials for a registry, or for a namespace of one.
    ///
    /// `registry` is named `host[:port]` (a scheme or a path after a scheme is ignored, as
    /// are default ports; Docker Hub's names `docker.io`, `index.docker.io` and
    /// `registry-1.docker.io` are one registry), or `host[:port]/namespace` as Podman keys
    /// `auth.json` (what [`Keyed::key`](crate::docker_config::Keyed::key) gives): a request
    /// uses the credentials of the longest namespace that prefixes its repository on `/`
    /// boundaries, else those of its registry. Credentials go only to that registry and to
    /// the realm its own challenge names.
    ///
    /// Tokens fetched with the credentials these replace are dropped, and token requests made
    /// with them are ignored when they are answered. Setting the credentials an entry already
    /// holds changes nothing (a client that re-reads its configuration before each request
    /// keeps its tokens).
    ///
    /// ```
    /// use registry_auth::{Authenticator, Config, Credentials};
    ///
    /// let mut auth = Authenticator::new(Config::default());
    /// auth.set_credentials("quay.io", Credentials::basic("robot", "pw-for-the-rest"));
    /// auth.set_credentials("quay.io/org-a", Credentials::basic("org-a+robot", "pw-for-org-a"));
    /// // `quay.io/org-a/app` uses org-a's credentials, `quay.io/org-b/app` the registry's.
    /// ```
    pub fn set_credentials(&mut self, registry: &str, creds: Credentials) {
        if self.creds.holds(registry, &creds) {
            return;
        }
        let (name, replaced) = self.creds.set(registry, creds);
        self.forget_credentials_state(&name, replaced);
    }

    /// Removes the credentials set for a registry or a namespace (see
    /// [`set_credentials`](Self::set_credentials)); requests they served use the next less
    /// specific credentials, or none.
    pub fn remove_credentials(&mut self, registry: &str) {
        let (name, removed) = self.creds.remove(registry);
        self.forget_credentials_state(&name, removed);
    }

    /// Drops what was obtained with credentials that are gone: their tokens, and the answers
    /// to token requests still out (flows waiting on those plan again).
    fn forget_credentials_state(&mut self, name: &str, gone: Option<registry_credentials::CredId>) {
        if let Some(cred) = gone {
            self.tokens.remove_cred(cred);
            for fetch in self.fetches.made_with(cred) {
                self.end_fetch(fetch, None);
            }
        }
        // New credentials may be of a kind the realm takes by POST.
        for (_, r) in self.registries.iter_mut().filter(|(_, r)| r.name == name) {
            r.post_refused = false;
        }
    }

    /// Drops every cached token (credentials and registry knowledge stay).
    pub fn clear_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Reads a registry's error body the way the machine reads those it quotes in errors:
    /// its `errors[]` (or OAuth2 `error`), each text normalised, scrubbed of every secret
    /// this authenticator holds (credentials, the Basic values made of them, refresh tokens,
    /// cached tokens) and clipped. For a driver that reports a final 4xx or 5xx answer, which
    /// is the caller's and not an [`Error`].
    ///
    /// ```
    /// use registry_auth::{Authenticator, Config, Credentials};
    ///
    /// let mut auth = Authenticator::new(Config::default());
    /// auth.set_credentials("registry.example.com", Credentials::basic("alice", "s3cret-pw"));
    /// let body = br#"{"errors":[{"code":"DENIED","message":"bad password s3cret-pw"}]}"#;
    /// assert_eq!(auth.read_error_body(body).to_string(), "DENIED: bad password <redacted>");
    /// ```
    pub fn read_error_body(&self, body: &[u8]) -> crate::token::ErrorBody {
        let mut parsed = crate::token::ErrorBody::parse_raw(body);
        parsed.clean(&mut self.machine_scrubber());
        parsed
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
        self.flows.live()
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
        let method = request.method.map_err(|name| Error::UnsupportedMethod {
            method: String::from(name),
        })?;
        if self.flows.live() >= self.config.max_flows {
            return Err(Error::LimitExceeded(LimitKind::Flows));
        }
        let parts = match request.target {
            RequestTarget::Url(u) => UrlParts::parse(u),
            RequestTarget::Parts {
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
        let tokens = &mut self.tokens;
        let registry = self
            .registries
            .acquire(&parts, |gone| tokens.remove_registry(gone))
            .ok_or(Error::LimitExceeded(LimitKind::Flows))?;
        let Some((index, mut flow)) = self.flows.reserve() else {
            self.registries.release(registry);
            return Err(Error::LimitExceeded(LimitKind::Flows));
        };
        flow.start(registry, method, &parts);
        flow.asked.declared.extend_from_slice(request.scopes);
        flow.caller_auth = request.caller_authorized;
        Ok(self.flows.insert(index, flow))
    }

    /// The next thing to do for a flow. After `Done` or `Failed` the flow is over and its handle
    /// no longer valid. Polling again before reporting a response returns the same action.
    pub fn poll(&mut self, id: FlowId) -> Action {
        let Some(mut flow) = self.flows.take(id) else {
            return Action::Failed(Error::UnknownFlow);
        };
        // At most Waiting -> Plan -> (a settled state): three turns.
        for _ in 0..4 {
            match &flow.state {
                State::Plan => self.plan(id, &mut flow),
                State::Waiting { fetch } => {
                    // Waiters are woken when their fetch ends or is presumed lost; this check
                    // only keeps a flow from waiting on a fetch that is gone.
                    if self.fetches.is_pending(*fetch) {
                        self.flows.put(id, flow);
                        return Action::Wait;
                    }
                    flow.state = State::Plan;
                }
                State::AwaitSend(req) => {
                    let action = Action::Send(req.clone());
                    flow.handed_out = true;
                    self.flows.put(id, flow);
                    return action;
                }
                State::AwaitFetch { request, .. } => {
                    let action = Action::FetchToken(request.clone());
                    flow.handed_out = true;
                    self.flows.put(id, flow);
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
        self.rescrubbed(&flow, &mut action);
        self.release(id, flow);
        action
    }

    /// When the machine next wants to be told the time, if ever: the earliest moment a token
    /// request that other flows wait for is presumed lost (see [`Config::fetch_timeout`]).
    /// Call [`Authenticator::handle_timeout`] then, or give any other input; until then, only
    /// another flow's input can change a waiting flow's answer.
    pub fn poll_timeout(&self) -> Option<Now> {
        self.fetches.next_deadline().map(|ms| self.clock.to_now(ms))
    }

    /// The next flow a finished token fetch released from [`Action::Wait`], oldest first:
    /// poll it. Like quinn-proto's event polling, call it after every input (and drain it);
    /// a flow is reported once per wait that ends, whatever ended it (the fetch answered,
    /// failed, cancelled, presumed lost, or the credentials it was made with changed).
    ///
    /// The queue holds each flow at most once and forgets flows that end, so it never grows
    /// past the number of flows in progress, however long nobody drains it; a driver that
    /// only wakes tasks through [`set_waker`](Self::set_waker) may ignore it.
    ///
    /// A caller that runs one flow at a time never sees `Wait`, and so nothing here, unless it
    /// abandoned an earlier flow that had a token request out.
    ///
    /// ```
    /// use core::time::Duration;
    /// use registry_auth::{Action, Authenticator, Config, Request, Response};
    ///
    /// let mut auth = Authenticator::new(Config::default());
    /// let url = "https://registry.example.com/v2/team/app/manifests/1";
    /// let challenge = [("WWW-Authenticate", r#"Bearer realm="https://auth.example.com/token""#)];
    /// let now = Duration::from_secs(1);
    /// // Two flows for one repository: both meet the challenge, one fetches the token.
    /// let (a, b) = (auth.start(Request::get(url), now)?, auth.start(Request::get(url), now)?);
    /// assert!(matches!((auth.poll(a), auth.poll(b)), (Action::Send(_), Action::Send(_))));
    /// for id in [a, b] {
    ///     auth.handle_response(id, Response::new(401).headers(&challenge), now)?;
    /// }
    /// assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    /// assert!(matches!(auth.poll(b), Action::Wait));
    /// assert_eq!(auth.poll_woken(), None);
    ///
    /// let token = Response::new(200).body(br#"{"token":"t0k3n"}"#);
    /// auth.handle_token_response(a, token, now)?;
    /// assert_eq!(auth.poll_woken(), Some(b)); // b can go on: it finds the token
    /// assert_eq!(auth.poll_woken(), None);
    /// assert!(matches!(auth.poll(b), Action::Send(s) if s.authorization().is_some()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn poll_woken(&mut self) -> Option<FlowId> {
        self.flows.pop_woken()
    }

    /// Leaves a waker for a flow that [`poll`](Self::poll) answered [`Action::Wait`]: the
    /// machine wakes it (once, with `Waker::wake`, from inside the input that ends the wait)
    /// when the flow stops waiting, the only call the machine ever makes out. For async
    /// drivers that share one authenticator between tasks: call it under the same lock as
    /// the `poll` that answered `Wait`, so that no wake-up falls between the two.
    /// [`drive::run_async`](crate::drive::run_async) does this.
    ///
    /// A later call replaces the waker; it is dropped when the flow ends. Returns `false`
    /// (and keeps nothing) when the flow is unknown.
    pub fn set_waker(&mut self, id: FlowId, waker: &core::task::Waker) -> bool {
        self.flows.set_waker(id, waker)
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
        if self.fetches.may_expire(now) {
            for id in self.fetches.expire(now) {
                self.wake(id, None);
            }
        }
    }

    /// Reports the response to the caller's request (after an [`Action::Send`]). The body is
    /// optional: when given for a 401, errors quote the registry's message.
    ///
    /// # Errors
    /// [`UsageError`] when the flow is unknown or did not ask to send.
    pub fn handle_response<'r, H: HeaderList<'r>>(
        &mut self,
        id: FlowId,
        response: impl Into<Response<'r, H>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let response = response.into();
        let view = response.view();
        self.input(
            id,
            now.into(),
            |flow| flow.handed_out && matches!(flow.state, State::AwaitSend(_)),
            |auth, flow| auth.on_response(flow, &view),
        )
    }

    /// Reports the response to the machine's own token request (after an
    /// [`Action::FetchToken`]), with its body: read at most
    /// [`TokenLimits::read_limit`](crate::token::TokenLimits::read_limit) bytes of it
    /// (`Config::get_token_limits().read_limit()`), one more than the largest body accepted,
    /// so that a body too large is told from one that fits.
    ///
    /// # Errors
    /// [`UsageError`] when the flow is unknown or did not ask to fetch a token.
    pub fn handle_token_response<'r, H: HeaderList<'r>>(
        &mut self,
        id: FlowId,
        response: impl Into<Response<'r, H>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let response = response.into();
        let view = response.view();
        let awaits_fetch =
            |flow: &Flow| flow.handed_out && matches!(flow.state, State::AwaitFetch { .. });
        self.input(id, now.into(), awaits_fetch, |auth, flow| {
            auth.on_fetch_response(flow, &view)
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
        let mut flow = self.flows.take(id).ok_or(UsageError::UnknownFlow)?;
        let result = if accepts(&flow) {
            handle(self, &mut flow);
            Ok(())
        } else {
            Err(UsageError::UnexpectedResponse)
        };
        self.flows.put(id, flow);
        result
    }

    /// Reports that the request of the last [`Action::Send`] or [`Action::FetchToken`] could not be
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
        let mut flow = self.flows.take(id).ok_or(UsageError::UnknownFlow)?;
        let result = match &flow.state {
            _ if !flow.handed_out => Err(UsageError::UnexpectedResponse),
            State::AwaitFetch { fetch, .. } => {
                let fetch = *fetch;
                self.end_fetch(fetch, None);
                flow.finish(Action::Failed(Error::SendFailed));
                Ok(())
            }
            State::AwaitSend(_) => {
                flow.finish(Action::Failed(Error::SendFailed));
                Ok(())
            }
            _ => Err(UsageError::UnexpectedResponse),
        };
        self.flows.put(id, flow);
        result
    }

    /// Abandons a flow (the caller gave up on the request). A token fetch it was making is
    /// released, so flows waiting for it fetch their own.
    pub fn cancel(&mut self, id: FlowId) {
        if let Some(flow) = self.flows.take(id) {
            if let State::AwaitFetch { fetch, .. } = flow.state {
                self.end_fetch(fetch, None);
            }
            self.release(id, flow);
        }
    }

    fn release(&mut self, id: FlowId, flow: Box<Flow>) {
        self.registries.release(flow.registry);
        self.flows.release(id, flow);
    }

    fn registry_name(&self, registry: RegistryId) -> String {
        self.registries
            .get(registry)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }
}
