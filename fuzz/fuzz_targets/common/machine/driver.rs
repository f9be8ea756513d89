//! Driving an `Authenticator` from the input as a caller would: its configuration, its first
//! credentials, the requests it starts, the steps of its clock, and `start` itself, which must
//! accept every request the harness's lists hold.

use std::time::Duration;

use libfuzzer_sys::arbitrary::Unstructured;
use registry_auth::challenge::ParserConfig;
use registry_auth::token::TokenLimits;
use registry_auth::{Action, Authenticator, Config, Error, Method, Scope};

use super::model::World;
use super::world::{credentials, Kind, BASES, DECLARED, KEYS, KINDS, METHODS, NAMES, ROUTES};
use crate::gen::{chance, flag, index, int, pick, text};

/// How the caller hands its request to `start`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// `Request::new` with the URL.
    Url,
    /// `Request::from_parts`, as a stack holding an `http::Uri` in pieces would.
    Parts,
    /// From an `http::Request`, whose `Authorization` header marks it caller-authorized.
    Http,
}

/// A request to start, as generated.
pub struct NewFlow {
    pub method: Method,
    pub url: String,
    pub name: usize,
    /// The URL is from the harness's lists, so `start` must accept it.
    pub valid: bool,
    pub scopes: Vec<Scope>,
    pub caller_auth: bool,
    pub build: Build,
}

pub fn gen_flow(u: &mut Unstructured<'_>) -> NewFlow {
    let (base, name) = *pick(u, &BASES);
    let (mut method, route) = *pick(u, &ROUTES);
    if chance(u, 1, 4) {
        method = *pick(u, &METHODS);
    }
    let mut url = format!("{base}{route}");
    let mut valid = true;
    if chance(u, 1, 16) {
        // A path of the input's: the machine must refuse or accept it, never panic.
        url = format!("{base}/v2/{}", text(u, 40));
        valid = false;
    }
    let scopes = (0..int(u, 0, 2))
        .filter_map(|_| Scope::parse(pick(u, &DECLARED)).ok())
        .collect();
    NewFlow {
        method,
        url,
        name,
        valid,
        scopes,
        caller_auth: chance(u, 1, 10),
        build: *pick(u, &[Build::Url, Build::Parts, Build::Http]),
    }
}

/// Splits an absolute URL as an `http::Uri` would hold it.
pub fn url_parts(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (scheme, &rest[..end], &rest[end..])
}

/// The configuration a run starts with, and what the oracle must know of it.
pub struct Setup {
    pub config: Config,
    pub stale_on_403_400: bool,
    pub margin: Duration,
    pub insecure: bool,
    pub max_redirects: u32,
    pub max_flows: usize,
    pub internal_allowed: Vec<usize>,
    /// How long a token request handed out may stay unanswered (`Config::fetch_timeout`).
    pub fetch_timeout: Duration,
}

pub fn gen_config(u: &mut Unstructured<'_>) -> Setup {
    let insecure = flag(u);
    let max_redirects = int(u, 0, 4) as u32;
    let mut max_flows = 1024;
    let mut margin = Duration::from_secs(10);
    let stale_on_403_400 = flag(u);
    let mut config = Config::default()
        .allow_insecure(insecure)
        .renew_token_on_403_400(stale_on_403_400)
        .password_grant(flag(u))
        .request_refresh_token(flag(u))
        .scopes_in_one_parameter(flag(u))
        .max_redirects(max_redirects);
    if chance(u, 1, 4) {
        margin = *pick(
            u,
            &[
                Duration::ZERO,
                Duration::from_secs(30),
                Duration::from_secs(3600),
                Duration::MAX,
            ],
        );
        config = config.refresh_margin(margin);
    }
    if chance(u, 1, 4) {
        config = config.max_cached_tokens(int(u, 0, 3) as usize);
    }
    if chance(u, 1, 8) {
        max_flows = int(u, 0, 3) as usize;
        config = config.max_flows(max_flows);
    }
    if chance(u, 1, 8) {
        let limits = TokenLimits::DEFAULT
            .max_body(int(u, 0, 300) as usize)
            .max_token(int(u, 0, 40) as usize);
        config = config.token_limits(limits);
    }
    if chance(u, 1, 8) {
        config = config.parser(ParserConfig::strict());
    }
    if chance(u, 1, 8) {
        config = config.client_id("fuzz client/1 &x=y");
    }
    let mut internal_allowed = Vec::new();
    if chance(u, 1, 4) {
        let name = index(u, NAMES.len());
        config = config.allow_internal_realms_for(pick(u, KEYS[name]));
        internal_allowed.push(name);
    }
    // A token request unanswered this long is presumed lost (invariant 8).
    let mut fetch_timeout = Duration::from_secs(60);
    if chance(u, 1, 8) {
        fetch_timeout = *pick(
            u,
            &[
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(30),
            ],
        );
        config = config.fetch_timeout(fetch_timeout);
    }
    // So few registries remembered that they are forgotten while flows come and go.
    if chance(u, 1, 8) {
        config = config.max_registries(int(u, 1, 3) as usize);
    }
    Setup {
        config,
        fetch_timeout,
        stale_on_403_400,
        margin,
        insecure,
        max_redirects,
        max_flows,
        internal_allowed,
    }
}

/// Credentials for each name, set once before any flow.
pub fn initial_credentials(u: &mut Unstructured<'_>, w: &mut World, auth: &mut Authenticator) {
    for (name, keys) in KEYS.iter().enumerate() {
        let kind = *pick(u, &KINDS);
        if kind != Kind::Anonymous {
            let key = *pick(u, keys);
            auth.set_credentials(key, credentials(kind, name));
            w.note_credentials(name, kind);
        }
    }
}

/// The start of a run: a configuration from the input, the model of the world it sets up,
/// and an `Authenticator` holding the initial credentials; last, the configured flow bound.
pub fn begin(data: &[u8]) -> (Unstructured<'_>, World, Authenticator, usize) {
    let mut u = Unstructured::new(data);
    let setup = gen_config(&mut u);
    let mut w = World::new(data, &setup);
    let mut auth = Authenticator::new(setup.config);
    initial_credentials(&mut u, &mut w, &mut auth);
    (u, w, auth, setup.max_flows)
}

/// A step of the caller's clock: forward by little or much, or backwards.
pub fn clock_step(u: &mut Unstructured<'_>, now: Duration) -> Duration {
    // Saturating: once a huge step reached the end of time, it stays there.
    let step = match index(u, 5) {
        0 => Duration::from_secs(int(u, 0, 400)),
        1 => Duration::from_millis(int(u, 0, 20_000)),
        2 => Duration::from_secs(int(u, 0, u64::MAX)),
        3 => return Duration::from_secs(int(u, 0, now.as_secs())),
        _ => Duration::from_secs(int(u, 50, 70)),
    };
    now.saturating_add(step)
}

/// Whether two polls gave the same action ("polling again before reporting a response
/// returns the same action").
pub fn same_action(a: &Action, b: &Action) -> bool {
    match (a, b) {
        (Action::Send(x), Action::Send(y)) => x == y,
        (Action::FetchToken(x), Action::FetchToken(y)) => x == y,
        (Action::Wait, Action::Wait) | (Action::Done, Action::Done) => true,
        (Action::Failed(x), Action::Failed(y)) => x == y,
        _ => false,
    }
}

/// Starts a generated flow; `Ok(None)` when the machine refused it for a documented reason.
pub fn start(
    auth: &mut Authenticator,
    nf: &NewFlow,
    max_flows: usize,
    now: registry_auth::Now,
) -> Option<registry_auth::FlowId> {
    use registry_auth::{LimitKind, Request, UrlRole};
    let held = (nf.build == Build::Http)
        .then(|| http_request(nf))
        .flatten();
    let request = match (&held, nf.build) {
        (Some(r), _) => Request::from(r),
        (None, Build::Parts) => {
            let (scheme, authority, path) = url_parts(&nf.url);
            Request::from_parts(nf.method, scheme, authority, path)
        }
        (None, _) => Request::new(nf.method, &nf.url),
    };
    let request = request.scopes(&nf.scopes);
    // An `http::Request` says it is caller-authorized by its own header.
    let request = if held.is_some() {
        request
    } else {
        request.caller_authorized(nf.caller_auth)
    };
    let live = auth.flows_in_progress();
    match auth.start(request, now) {
        Ok(id) => {
            assert!(live < max_flows, "started a flow beyond max_flows");
            Some(id)
        }
        Err(Error::LimitExceeded(LimitKind::Flows)) if live >= max_flows => None,
        Err(Error::InvalidUrl {
            role: UrlRole::Request,
            ..
        }) if !nf.valid => None,
        Err(e) => panic!("start({}) failed: {e}", nf.url),
    }
}

/// The request as an `http::Request`, when the `http` crate accepts its URL (it refuses a
/// fragment, for one).
fn http_request(nf: &NewFlow) -> Option<http::Request<()>> {
    let method = http::Method::from_bytes(nf.method.as_str().as_bytes()).ok()?;
    let mut b = http::Request::builder().method(method).uri(nf.url.as_str());
    if nf.caller_auth {
        b = b.header(http::header::AUTHORIZATION, "Bearer caller");
    }
    b.body(()).ok()
}
