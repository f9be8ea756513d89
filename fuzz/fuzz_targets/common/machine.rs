//! What the two machine targets share: the registries and secrets of the fuzzed world, peers
//! generated from the input, and an oracle that checks every action against the design's
//! invariants (bounds, where `Authorization` and credentials may go, secrets never printed).
//!
//! The oracle is written from the documentation, not from the implementation: origins are
//! compared with an independent URL reading (WHATWG host rules), and a token request is
//! legitimate only if it goes to a realm that the flow's own registry named in a challenge.

// Each target uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use libfuzzer_sys::arbitrary::Unstructured;
use registry_auth::challenge::ParserConfig;
use registry_auth::machine::MAX_TOKEN_REQUESTS;
use registry_auth::token::{TokenLimits, TokenResponse};
use registry_auth::{
    Action, AuthScheme, Authenticator, Authorization, Config, Credentials, Error, Method,
    PolicyError, Response, Scope,
};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::gen::{bytes, chance, contains, flag, index, int, pick, pick_or_text, text};

// Origins and internal hosts, read independently of the crate.
#[path = "origin.rs"]
mod origin_oracle;
use origin_oracle::is_internal;
pub use origin_oracle::{origin, Origin};

// ---- the world: registries, credentials and their secrets ----------------------------------

/// Registry names as credentials are keyed (`host[:port]`, default port dropped).
pub const NAMES: [&str; 5] = [
    "registry.example.com",
    "127.0.0.1:5000",
    "registry.example.com:8443",
    "docker.io",
    "localhost:5000",
];

/// Spellings of each name that `set_credentials` must read as that name.
const KEYS: [&[&str]; 5] = [
    &[
        "registry.example.com",
        "https://registry.example.com/v2/",
        "REGISTRY.Example.com",
        "registry.example.com:443",
        "http://registry.example.com:80/",
    ],
    &["127.0.0.1:5000", "http://127.0.0.1:5000/v2/"],
    &[
        "registry.example.com:8443",
        "https://registry.example.com:8443",
    ],
    // Docker Hub's aliases all name the host its API is served from.
    &[
        "docker.io",
        "https://index.docker.io/v1/",
        "registry-1.docker.io",
        "registry.hub.docker.com",
    ],
    &["localhost:5000", "http://LOCALHOST:5000/v2/"],
];

/// Where requests go, and the name whose credentials apply. Two spellings of one origin, and
/// two origins (http and https) that share one name, so that both "same origin written
/// differently" and "same name, other origin" are exercised.
const BASES: [(&str, usize); 7] = [
    ("https://registry.example.com", 0),
    ("https://Registry.Example.COM:443", 0),
    ("http://registry.example.com", 0),
    ("http://127.0.0.1:5000", 1),
    ("https://registry.example.com:8443", 2),
    ("https://registry-1.docker.io", 3),
    // A development registry on a loopback name (its realms on 127.0.0.1 need the opt-in).
    ("http://localhost:5000", 4),
];

const ROUTES: [(Method, &str); 12] = [
    (Method::Get, "/v2/team/app/manifests/1"),
    (Method::Head, "/v2/team/app/blobs/sha256:00"),
    (Method::Put, "/v2/team/app/manifests/1"),
    (
        Method::Post,
        "/v2/team/app/blobs/uploads/?mount=sha256:00&from=other",
    ),
    (Method::Patch, "/v2/team/app/blobs/uploads/abc"),
    (Method::Delete, "/v2/team/app/manifests/sha256:00"),
    (Method::Get, "/v2/_catalog"),
    (Method::Get, "/v2/"),
    (Method::Get, "/v2/team/app/tags/list?n=10"),
    (Method::Options, "/v2/other/manifests/1"),
    (Method::Get, "/v2/a/b/c/blobs/sha256:01#frag"),
    (Method::Get, "/v2/team/./app/../app/manifests/1"),
];

const METHODS: [Method; 7] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Options,
];

const DECLARED: [&str; 4] = [
    "repository:team/app:pull",
    "repository:team/base:pull",
    "registry:catalog:*",
    "repository:team/app:pull,push",
];

pub const USER: &str = "alice";

/// Every secret contains `SECRET`, and none is a substring of another.
pub fn password(name: usize) -> String {
    format!("pw{name}-SECRET-x")
}
pub fn identity(name: usize) -> String {
    format!("id{name}-SECRET-x")
}
pub fn registry_token(name: usize) -> String {
    format!("rg{name}-SECRET-x")
}

fn all_secrets() -> Vec<String> {
    (0..NAMES.len())
        .flat_map(|n| [password(n), identity(n), registry_token(n)])
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Anonymous,
    Basic,
    Identity,
    IdentityWithUser,
    RegistryToken,
}

const KINDS: [Kind; 5] = [
    Kind::Anonymous,
    Kind::Basic,
    Kind::Identity,
    Kind::IdentityWithUser,
    Kind::RegistryToken,
];

fn credentials(kind: Kind, name: usize) -> Credentials {
    match kind {
        Kind::Anonymous => Credentials::Anonymous,
        Kind::Basic => Credentials::basic(USER, password(name)),
        Kind::Identity => Credentials::identity_token(identity(name)),
        Kind::IdentityWithUser => Credentials::identity_token_for(USER, identity(name)),
        Kind::RegistryToken => Credentials::registry_token(registry_token(name)),
    }
}

fn kind_secret(kind: Kind, name: usize) -> Option<String> {
    match kind {
        Kind::Anonymous => None,
        Kind::Basic => Some(password(name)),
        Kind::Identity | Kind::IdentityWithUser => Some(identity(name)),
        Kind::RegistryToken => Some(registry_token(name)),
    }
}

// ---- the oracle -------------------------------------------------------------------------

/// What the harness knows about one flow.
pub struct FlowInfo {
    pub url: String,
    origin: Origin,
    name: usize,
    method: Method,
    pub caller_auth: bool,
    /// Where the last Send went.
    target: Origin,
    sends: u32,
    fetches: u32,
    counted: u32,
    redirects_answered: u32,
    saw_303: bool,
    /// The token this flow's own last token request obtained.
    fetched: Option<String>,
    /// The bearer token the last Send carried.
    sent_bearer: Option<String>,
    /// The registry refused a bearer token of this flow (401, or 403/400 when those mean
    /// stale): after the first, the machine may give up without dropping the next.
    refusals: u32,
    /// Every secret this flow put on the wire, as sent (a Basic value's base64, a token, a
    /// form field's decoded value): its errors must never show one.
    wire: HashSet<String>,
}

impl FlowInfo {
    pub fn target_is_registry(&self) -> bool {
        self.target == self.origin
    }

    /// Records an `Authorization` the flow sent: its credentials part, and for Basic the
    /// password it encodes.
    fn note_wire_authorization(&mut self, a: &Authorization) {
        let value = a.expose();
        let Some((_, part)) = value.split_once(' ') else {
            return;
        };
        self.wire.insert(part.to_string());
        if a.scheme() == AuthScheme::Basic {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(part)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((_, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                self.wire.insert(password.to_string());
            }
        }
    }
}

/// The base64 part of `Authorization: Basic` for a user and password.
fn basic_part(user: &str, password: &str) -> String {
    let value = Authorization::basic(user, password);
    value.expose().trim_start_matches("Basic ").to_string()
}

/// A secret as the machine may send it: as is, percent-encoded with upper- and lower-case
/// hex digits, and form-encoded with `+` for a space.
fn encodings(secret: &str) -> Vec<String> {
    let mut upper = String::new();
    let mut plus = String::new();
    for b in secret.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            upper.push(char::from(b));
            plus.push(char::from(b));
        } else {
            let e = format!("%{b:02X}");
            upper.push_str(&e);
            plus.push_str(if b == b' ' { "+" } else { &e });
        }
    }
    let lower = upper.to_lowercase();
    let mut out = vec![secret.to_string(), upper, lower, plus];
    out.sort();
    out.dedup();
    out
}

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

pub struct World {
    pub insecure: bool,
    pub max_redirects: u32,
    /// Secrets a peer may know (they are in the input, or a generated body echoed them): the
    /// machine may repeat those where it repeats what a peer said.
    peer_knows: HashSet<String>,
    /// Realms named by each registry origin's own challenges.
    realms: HashMap<Origin, Vec<String>>,
    /// Tokens and refresh tokens that token endpoints issued for each registry origin.
    issued: HashMap<Origin, HashSet<String>>,
    issued_refresh: HashMap<Origin, HashSet<String>>,
    /// Credential kinds each name ever had, and how often its credentials were set.
    ever: [Vec<Kind>; NAMES.len()],
    current: [Kind; NAMES.len()],
    changes: [u32; NAMES.len()],
    secrets: Vec<String>,
    /// Invariant 6: when each token issued for an origin expires, by the caller's clock.
    expiry: HashMap<(Origin, String), u64>,
    /// The latest `now` the machine was given, in milliseconds (it ignores time going back).
    clock_ms: u64,
    margin_ms: u64,
    limits: TokenLimits,
    /// Expiry is only followed when the caller keeps to one kind of clock.
    pub track_expiry: bool,
    /// How many times each token was issued for an origin, and the tokens the registry
    /// refused when they were the only copy: a refused cached token is dropped, so only a new
    /// issue of the same value may be sent again (invariant 6).
    issues: HashMap<(Origin, String), u32>,
    refused: HashSet<(Origin, String)>,
    stale_on_403_400: bool,
    /// Names whose challenges may name internal realms (`Config::allow_internal_realms_for`).
    internal_allowed: Vec<usize>,
}

impl World {
    pub fn new(data: &[u8], setup: &Setup) -> Self {
        origin_oracle::self_check();
        let secrets = all_secrets();
        World {
            insecure: setup.insecure,
            max_redirects: setup.max_redirects,
            peer_knows: secrets
                .iter()
                .filter(|s| contains(data, s.as_bytes()))
                .cloned()
                .collect(),
            realms: HashMap::new(),
            issued: HashMap::new(),
            issued_refresh: HashMap::new(),
            ever: Default::default(),
            current: [Kind::Anonymous; NAMES.len()],
            changes: [0; NAMES.len()],
            secrets,
            expiry: HashMap::new(),
            clock_ms: 0,
            margin_ms: millis(setup.margin),
            limits: setup.config.get_token_limits(),
            track_expiry: true,
            issues: HashMap::new(),
            refused: HashSet::new(),
            stale_on_403_400: setup.stale_on_403_400,
            internal_allowed: setup.internal_allowed.clone(),
        }
    }

    /// Call with every `now` given to the machine.
    pub fn tick(&mut self, now: Duration) {
        self.clock_ms = self.clock_ms.max(millis(now));
    }

    pub fn bound(&self) -> u32 {
        3 + self.max_redirects + u32::from(MAX_TOKEN_REQUESTS) + 1
    }

    pub fn flow_info(&self, f: &NewFlow) -> FlowInfo {
        let origin = origin(&f.url).expect("the harness's bases are absolute");
        FlowInfo {
            url: f.url.clone(),
            target: origin.clone(),
            origin,
            name: f.name,
            method: f.method,
            caller_auth: f.caller_auth,
            sends: 0,
            fetches: 0,
            counted: 0,
            redirects_answered: 0,
            saw_303: false,
            fetched: None,
            sent_bearer: None,
            refusals: 0,
            wire: HashSet::new(),
        }
    }

    /// Sets, replaces or removes the credentials of one name, as the input says.
    pub fn change_credentials(&mut self, u: &mut Unstructured<'_>, auth: &mut Authenticator) {
        let name = index(u, NAMES.len());
        let key = *pick(u, KEYS[name]);
        let kind = *pick(u, &KINDS);
        if kind == Kind::Anonymous && flag(u) {
            auth.remove_credentials(key);
        } else {
            auth.set_credentials(key, credentials(kind, name));
        }
        self.ever[name].push(kind);
        self.current[name] = kind;
        self.changes[name] += 1;
    }

    fn had(&self, name: usize, kinds: &[Kind]) -> bool {
        self.ever[name].iter().any(|k| kinds.contains(k))
    }

    /// The credential secrets the machine holds now, with the Basic values it makes of them.
    fn held_secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, kind) in self.current.iter().enumerate() {
            let Some(secret) = kind_secret(*kind, name) else {
                continue;
            };
            match kind {
                Kind::Basic => out.push(basic_part(USER, &secret)),
                Kind::Identity => out.push(basic_part("<token>", &secret)),
                Kind::IdentityWithUser => out.push(basic_part(USER, &secret)),
                _ => {}
            }
            out.push(secret);
        }
        out
    }

    fn unknown_to_peers(&self) -> impl Iterator<Item = &String> {
        self.secrets
            .iter()
            .filter(|s| !self.peer_knows.contains(*s))
    }

    fn assert_no_unknown_secret(&self, what: &str, s: &str) {
        for secret in self.unknown_to_peers() {
            assert!(!s.contains(secret.as_str()), "{what} holds {secret}: {s}");
        }
    }

    /// Checks one new action of a flow (a repeated poll of a pending action is not new).
    pub fn check(&mut self, f: &mut FlowInfo, action: &Action) {
        // An error may repeat what a peer said (normalised: `SECRE\0T` reads `SECRET`), so
        // it follows the rule of `check_error` instead.
        if !matches!(action, Action::Failed(_)) {
            let debug = format!("{action:?}");
            self.assert_no_unknown_secret("action debug", &debug);
        }
        match action {
            Action::Send(s) => {
                f.sends += 1;
                if let Some(a) = s.authorization() {
                    f.note_wire_authorization(a);
                }
                assert!(
                    f.sends <= 3 + self.max_redirects,
                    "more than 3 + max_redirects sends"
                );
                let target = match s.is_redirected().then(|| s.url()) {
                    Some(u) => {
                        assert!(f.redirects_answered > 0, "send url {u} without a redirect");
                        assert!(!u.contains('#'), "send url {u} keeps a fragment");
                        self.assert_no_unknown_secret("send url", u);
                        origin(u).unwrap_or_else(|| panic!("send to a non-http(s) url {u:?}"))
                    }
                    None => f.origin.clone(),
                };
                assert!(
                    s.method() == f.method || (f.saw_303 && s.method() == Method::Get),
                    "method {:?} for a {:?} request",
                    s.method(),
                    f.method
                );
                if f.caller_auth {
                    assert!(
                        s.authorization().is_none(),
                        "machine auth on caller-authorized"
                    );
                }
                if s.keep_caller_authorization() {
                    assert!(f.caller_auth, "keeps an authorization the caller never set");
                    assert_eq!(
                        target, f.origin,
                        "caller's authorization follows a redirect"
                    );
                }
                if let Some(a) = s.authorization() {
                    self.check_send_authorization(f, &target, a);
                }
                f.sent_bearer = s
                    .authorization()
                    .and_then(|a| a.expose().strip_prefix("Bearer "))
                    .map(String::from);
                f.target = target;
                check_apply_to(s);
            }
            Action::FetchToken(t) => {
                f.fetches += 1;
                if let Some(a) = t.authorization() {
                    f.note_wire_authorization(a);
                }
                if let Some(body) = t.body() {
                    for (k, v) in parse_form(&String::from_utf8_lossy(body)) {
                        if matches!(k.as_str(), "password" | "refresh_token") {
                            f.wire.insert(v);
                        }
                    }
                }
                assert!(
                    f.fetches <= u32::from(MAX_TOKEN_REQUESTS),
                    "more than MAX_TOKEN_REQUESTS fetches"
                );
                self.check_fetch(f, t);
            }
            Action::Failed(e) => self.check_error(f, e),
            Action::Wait => return,
            _ => {}
        }
        f.counted += 1;
        assert!(
            f.counted <= self.bound(),
            "flow of {} exceeded {} actions",
            f.url,
            self.bound()
        );
    }

    fn check_send_authorization(&self, f: &FlowInfo, target: &Origin, a: &Authorization) {
        // Invariants 3 and 4: only to the origin of the flow's request, whose credentials and
        // tokens they are.
        assert_eq!(
            *target, f.origin,
            "{a} sent to {target:?} for a request to {}",
            f.url
        );
        if f.origin.scheme == "http" {
            assert!(
                self.insecure,
                "{a} sent over plain http, insecure not allowed"
            );
        }
        let value = a.expose();
        match a.scheme() {
            AuthScheme::Bearer => {
                let token = value.strip_prefix("Bearer ").expect("bearer value");
                let issued = self
                    .issued
                    .get(&f.origin)
                    .is_some_and(|s| s.contains(token));
                let own =
                    token == registry_token(f.name) && self.had(f.name, &[Kind::RegistryToken]);
                assert!(
                    issued || own,
                    "bearer {token} was not issued for {:?} nor configured for it",
                    f.origin
                );
                let key = (f.origin.clone(), token.to_string());
                if !own && self.refused.contains(&key) {
                    assert!(
                        self.issues.get(&key).copied().unwrap_or(0) > 1,
                        "bearer {token} sent again after the registry refused it"
                    );
                }
                let expiry = self.expiry.get(&key);
                // Past a hundred million years the machine stops its clock (so that expiries
                // do not saturate); the harness's clock would then run ahead of it.
                let in_time = self.clock_ms < u64::MAX / 4;
                if let (false, true, true, Some(&expiry)) =
                    (own, self.track_expiry, in_time, expiry)
                {
                    // A cached token must outlive the refresh margin; one the flow just
                    // fetched may be inside the margin, but not expired.
                    let fresh = f.fetched.as_deref() == Some(token);
                    let needed = if fresh {
                        self.clock_ms
                    } else {
                        self.clock_ms.saturating_add(self.margin_ms)
                    };
                    assert!(
                        expiry > needed,
                        "bearer {token} (fetched by this flow: {fresh}) sent at {} ms, expires at \
                         {expiry} ms, margin {} ms",
                        self.clock_ms,
                        self.margin_ms
                    );
                }
            }
            AuthScheme::Basic => {
                assert!(
                    self.had(f.name, &[Kind::Basic])
                        && value == Authorization::basic(USER, &password(f.name)).expose(),
                    "basic {value} to {} is not its own credential",
                    f.url
                );
            }
            _ => panic!("unknown scheme {a}"),
        }
    }

    fn check_fetch(&self, f: &FlowInfo, t: &registry_auth::TokenRequest) {
        let url = t.url();
        self.assert_no_unknown_secret("token request url", url);
        let realm = origin(url).unwrap_or_else(|| panic!("token request to {url:?}"));
        // The realm policy (policy.rs): https, or http for an http registry when allowed.
        assert!(
            realm.scheme == "https"
                || (realm.scheme == "http" && f.origin.scheme == "http" && self.insecure),
            "token request to {url} for {}",
            f.url
        );
        assert!(
            !is_internal(&realm.host)
                || realm.host == f.origin.host
                || self.internal_allowed.contains(&f.name),
            "token request to internal {url} for {}",
            f.url
        );
        assert!(
            !url.contains('#'),
            "token request url {url} keeps a fragment"
        );
        // Invariant 4 (CVE-2020-15157): only to a realm the registry's own challenge named.
        let named = self.realms.get(&f.origin).is_some_and(|realms| {
            realms.iter().any(|r| {
                let r = r.split('#').next().unwrap_or(r);
                match t.method() {
                    Method::Post => url == r,
                    _ => {
                        url == r
                            || url
                                .strip_prefix(r)
                                .is_some_and(|rest| rest.starts_with(['?', '&']))
                    }
                }
            })
        });
        assert!(
            named,
            "token request to {url}, a realm no challenge of {:?} named",
            f.origin
        );
        // io.rs: "the machine only builds URLs from realms it validated, so this does not
        // happen in practice".
        if let Err(e) = t.to_http() {
            panic!("token request {url:?} does not convert to an http::Request: {e}");
        }
        if let Some(a) = t.authorization() {
            assert_eq!(t.method(), Method::Get, "authorization on a POST");
            assert_eq!(a.scheme(), AuthScheme::Basic, "token request with {a}");
            let v = a.expose();
            let n = f.name;
            let basic = self.had(n, &[Kind::Basic])
                && v == Authorization::basic(USER, &password(n)).expose();
            let id = self.had(n, &[Kind::Identity, Kind::IdentityWithUser])
                && (v == Authorization::basic("<token>", &identity(n)).expose()
                    || v == Authorization::basic(USER, &identity(n)).expose());
            assert!(basic || id, "token request for {} carries {v}", f.url);
        }
        match t.method() {
            Method::Post => {
                assert_eq!(t.content_type(), Some("application/x-www-form-urlencoded"));
                let body = t.body().expect("a POST has a body");
                let body = std::str::from_utf8(body).expect("form bodies are ASCII");
                self.check_form(f, body);
            }
            _ => assert!(t.body().is_none() && t.content_type().is_none()),
        }
    }

    fn check_form(&self, f: &FlowInfo, body: &str) {
        let n = f.name;
        let form = parse_form(body);
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match field("grant_type") {
            Some("password") => {
                assert_eq!(field("username"), Some(USER));
                assert!(
                    self.had(n, &[Kind::Basic]) && field("password") == Some(&password(n)),
                    "password grant for {} with {body}",
                    f.url
                );
            }
            Some("refresh_token") => {
                let rt = field("refresh_token").expect("refresh_token field");
                let own =
                    self.had(n, &[Kind::Identity, Kind::IdentityWithUser]) && rt == identity(n);
                let issued = self
                    .issued_refresh
                    .get(&f.origin)
                    .is_some_and(|s| s.contains(rt));
                assert!(
                    own || issued,
                    "refresh token {rt} for {} is neither its identity token nor issued to it",
                    f.url
                );
            }
            other => panic!("grant_type {other:?}"),
        }
    }

    fn check_error(&self, f: &FlowInfo, e: &Error) {
        assert!(
            !matches!(e, Error::UnknownFlow),
            "a live flow failed as unknown"
        );
        if let Error::Policy(PolicyError::InternalRealm {
            realm, registry, ..
        }) = e
        {
            // Refused only what the policy refuses, naming the flow's registry.
            assert_eq!(
                registry, NAMES[f.name],
                "internal realm refusal names {registry}"
            );
            if let Some(r) = origin(realm) {
                assert!(
                    is_internal(&r.host)
                        && r.host != f.origin.host
                        && !self.internal_allowed.contains(&f.name),
                    "realm {realm} refused as internal for {}",
                    f.url
                );
            }
        }
        let shown = e.to_string();
        crate::gen::assert_one_line("error", &shown);
        let debug = format!("{e:?}");
        // Invariant 5, the rule `server_text` states: an error handed out never shows a secret
        // the machine holds or the flow put on the wire, in any encoding it sends secrets in,
        // nor the start of one cut by a clip.
        for secret in self.held_secrets().iter().chain(f.wire.iter()) {
            for form in encodings(secret) {
                for text in [&shown, &debug] {
                    assert!(!text.contains(&form), "error shows {form} ({secret}): {text}");
                    for n in 4..form.len() {
                        let clipped = format!("{}...", &form[..n]);
                        assert!(
                            !text.contains(&clipped),
                            "error shows the start of {form}: {text}"
                        );
                    }
                }
            }
        }
    }

    /// Call before `handle_response` with what the caller's request got.
    pub fn on_send_response(&mut self, f: &mut FlowInfo, peer: &Peer) {
        self.note_headers(peer);
        let has_location = peer
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("location"));
        if matches!(peer.status, 301 | 302 | 303 | 307 | 308) && has_location {
            f.redirects_answered += 1;
            f.saw_303 |= peer.status == 303;
            return;
        }
        self.note_refusal(f, peer);
        if peer.status == 401 && !f.caller_auth && f.target_is_registry() {
            let values = peer
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
                .map(|(_, v)| v.as_slice());
            if let Ok(list) = ParserConfig::lenient().parse_lines(values) {
                let realms = self.realms.entry(f.origin.clone()).or_default();
                for c in list.iter() {
                    if let Ok(b) = c.bearer() {
                        realms.push(b.realm().to_string());
                    }
                }
            }
        }
    }

    /// Records a registry refusing a bearer token the machine must then drop: a 401 with a
    /// well-formed Bearer challenge (the machine reads a malformed one as no answer at all), or
    /// a 403/400 when configured to mean "stale".
    fn note_refusal(&mut self, f: &mut FlowInfo, peer: &Peer) {
        let Some(token) = f.sent_bearer.clone() else {
            return;
        };
        if f.caller_auth || !f.target_is_registry() || token == registry_token(f.name) {
            return;
        }
        let fresh = f.fetched.as_deref() == Some(token.as_str());
        let drops = match peer.status {
            401 => match clean_bearer_error(peer) {
                Some(e) if e == "insufficient_scope" => true,
                Some(_) => !fresh && f.refusals == 0,
                None => false,
            },
            403 | 400 => self.stale_on_403_400 && !fresh && f.refusals == 0,
            _ => false,
        };
        if matches!(peer.status, 401 | 403 | 400) {
            f.refusals += 1;
        }
        let key = (f.origin.clone(), token);
        if drops && self.issues.get(&key) == Some(&1) {
            self.refused.insert(key);
        }
    }

    /// Call before `handle_token_response` with what the token request got.
    pub fn on_fetch_response(&mut self, f: &mut FlowInfo, peer: &Peer) {
        self.note_headers(peer);
        if !(200..300).contains(&peer.status) {
            return;
        }
        if let Ok(t) = TokenResponse::parse(&peer.body, &self.limits) {
            let token = t.token().expose().to_string();
            let expiry = self
                .clock_ms
                .saturating_add(t.lifetime_secs().saturating_mul(1000));
            let key = (f.origin.clone(), token.clone());
            let e = self.expiry.entry(key.clone()).or_default();
            *e = (*e).max(expiry);
            if Authorization::bearer(&token).is_some() {
                *self.issues.entry(key).or_default() += 1;
            }
            f.fetched = Some(token);
        }
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&peer.body) else {
            return;
        };
        for (field, refresh) in [
            ("token", false),
            ("access_token", false),
            ("refresh_token", true),
        ] {
            if let Some(Value::String(s)) = obj.get(field) {
                let set = if refresh {
                    &mut self.issued_refresh
                } else {
                    &mut self.issued
                };
                set.entry(f.origin.clone()).or_default().insert(s.clone());
            }
        }
    }

    fn note_headers(&mut self, peer: &Peer) {
        for s in &peer.echoed {
            self.peer_knows.insert(s.clone());
        }
    }

    /// Secrets must not show in the authenticator's `Debug`.
    pub fn check_debug(&self, auth: &Authenticator) {
        let d = format!("{auth:?}");
        for s in &self.secrets {
            assert!(!d.contains(s.as_str()), "authenticator debug holds {s}");
        }
    }
}

/// `SendRequest::apply_to` sets exactly what the action says, marked sensitive.
fn check_apply_to(s: &registry_auth::SendRequest) {
    use http::header::AUTHORIZATION;
    let mut headers = http::HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        http::HeaderValue::from_static("Bearer caller"),
    );
    s.apply_to(&mut headers);
    let got = headers.get(AUTHORIZATION);
    match (s.keep_caller_authorization(), s.authorization()) {
        (true, None) => assert_eq!(got.map(|v| v.as_bytes()), Some(&b"Bearer caller"[..])),
        (true, Some(a)) => panic!("keeps the caller's authorization and sets {a}"),
        (false, Some(a)) => {
            let v = got.expect("authorization applied");
            assert!(v.is_sensitive());
            assert_eq!(v.as_bytes(), a.expose().as_bytes());
        }
        (false, None) => assert!(got.is_none(), "stale authorization left in place"),
    }
}

fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            // application/x-www-form-urlencoded writes a space as `+`.
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- configuration and initial credentials -----------------------------------------------

pub struct Setup {
    pub config: Config,
    pub stale_on_403_400: bool,
    pub margin: Duration,
    pub insecure: bool,
    pub max_redirects: u32,
    pub max_flows: usize,
    pub internal_allowed: Vec<usize>,
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
    Setup {
        config,
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
    for name in 0..NAMES.len() {
        let kind = *pick(u, &KINDS);
        if kind != Kind::Anonymous {
            let key = *pick(u, KEYS[name]);
            auth.set_credentials(key, credentials(kind, name));
            w.ever[name].push(kind);
            w.current[name] = kind;
            w.changes[name] = 1;
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

// ---- peers --------------------------------------------------------------------------------

/// A response of the registry or its token endpoint.
pub struct Peer {
    pub status: u16,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Vec<u8>,
    /// Secrets the body repeats.
    echoed: Vec<String>,
}

impl Peer {
    pub fn header_pairs(&self) -> Vec<(&str, &[u8])> {
        self.headers
            .iter()
            .map(|(n, v)| (*n, v.as_slice()))
            .collect()
    }
}

const STATUSES: [u16; 16] = [
    200, 401, 301, 302, 303, 307, 308, 400, 403, 404, 405, 500, 201, 401, 401, 429,
];

const REALMS: [&str; 40] = [
    "https://auth.example.com/token",
    "https://auth.example.com/token",
    "https://registry.example.com/token",
    "https://Registry.Example.com:443/token?x=1",
    "http://auth.example.com/token",
    "http://registry.example.com/token",
    "http://127.0.0.1:5001/token",
    "https://127.0.0.1:5001/token",
    "https://10.0.0.7/token",
    "https://[::1]/token",
    "https://[::ffff:127.0.0.1]/token",
    "https://0x7f.1/token",
    "https://2130706433/token",
    "https://169.254.169.254/latest",
    "ftp://auth.example.com/",
    "https://evil.example.org/token?x=1",
    "https://auth.example.com/token#frag",
    "//auth.example.com/token",
    "/token",
    "",
    "https://user:pw@auth.example.com/",
    "https://auth.example.com:99999/",
    // Characters an absolute URL may not hold unescaped, which `http::Uri` refuses.
    "https://auth.example.com/t\u{f6}ken",
    "https://auth.example.com/token?q={x}|<y>",
    "https://auth.example.com/to\\ken",
    // Internal by name or by special-purpose range (invariant 9).
    "http://localhost:5000/token",
    "http://127.0.0.1:5000/token",
    "http://LOCALHOST.:5001/token",
    "https://auth.localhost/token",
    "https://198.18.0.1/token",
    "https://224.0.0.1/token",
    "https://255.255.255.255/token",
    "https://192.0.0.8/token",
    "https://[ff02::1]/token",
    "https://[100::1]/token",
    "https://[2001:db8::1]/token",
    "https://[::ffff:c612:1]/token",
    // Public by the same rules, and the registry's own loopback name on another port.
    "https://1.1.1.1/token",
    "https://[2606:4700::1111]/token",
    "http://localhost:5001/token",
];

const SCOPES: [&str; 7] = [
    "repository:team/app:pull",
    "repository:team/app:pull,push repository:other:pull",
    "*",
    "registry:catalog:*",
    "repository:team/app:delete",
    "repository:team/app:pull repository:team/app:push",
    "repository:registry.example.com:5000/x:pull",
];

const LOCATIONS: [&str; 20] = [
    "/v2/team/app/blobs/sha256:00?moved",
    "https://registry.example.com/v2/team/app/manifests/2",
    "https://REGISTRY.example.com:443/v2/x",
    "https://storage.example.net/blob?sig=x",
    "http://registry.example.com/v2/team/app/manifests/1",
    "https://registry.example.com:8443/v2/x",
    "http://127.0.0.1:5000/v2/x",
    "http://0x7f.1:5000/v2/x",
    "http://2130706433:5000/v2/y",
    "//storage.example.net/x",
    "../../other/manifests/1",
    "?q=1",
    "",
    "https://user:pw@evil.example.org/",
    "ftp://x/",
    " https://registry.example.com/v2/ ",
    // Fragments never reach a request, nor move the route.
    "/v2/team/other/manifests/1#frag",
    "#frag",
    "https://registry.example.com/v2/x#/v2/team/app/manifests/1",
    "http://localhost:5000/v2/x",
];

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn gen_bearer(u: &mut Unstructured<'_>) -> String {
    let scheme = *pick(u, &["Bearer", "bearer", "BEARER"]);
    let mut params = Vec::new();
    if !chance(u, 1, 16) {
        params.push(format!("realm={}", quoted(&pick_or_text(u, &REALMS, 40))));
    }
    if flag(u) {
        let service = pick_or_text(u, &["registry.example.com", "registry.docker.io"], 20);
        params.push(format!("service={}", quoted(&service)));
    }
    if flag(u) {
        params.push(format!("scope={}", quoted(&pick_or_text(u, &SCOPES, 40))));
    }
    if flag(u) {
        let e = pick_or_text(
            u,
            &["insufficient_scope", "invalid_token", "invalid_request"],
            20,
        );
        params.push(format!("error={}", quoted(&e)));
    }
    if chance(u, 1, 4) {
        params.push(format!(
            "error_description={}",
            quoted(&pick_or_text(u, &["token expired"], 30))
        ));
    }
    format!("{scheme} {}", params.join(","))
}

fn gen_challenge(u: &mut Unstructured<'_>) -> Vec<u8> {
    match index(u, 7) {
        0 | 1 => gen_bearer(u).into_bytes(),
        2 => b"Basic realm=\"registry\"".to_vec(),
        3 => format!("Basic realm=\"r\", {}", gen_bearer(u)).into_bytes(),
        4 => b"Negotiate".to_vec(),
        5 => bytes(u, 80),
        _ => {
            // Unquoted realm, for the lenient parser's lax values.
            let realm = pick(u, &REALMS[..4]);
            format!("Bearer realm={realm},service=registry.example.com").into_bytes()
        }
    }
}

fn token_value(u: &mut Unstructured<'_>) -> Value {
    match index(u, 8) {
        0 | 1 => Value::String(format!("tok{}", int(u, 0, 255))),
        2 => json!("bad token"),
        3 => json!("tok\r\nX-Injected: 1"),
        4 => json!(""),
        5 => json!(5),
        6 => Value::String("x".repeat(int(u, 1, 100) as usize)),
        _ => Value::String(text(u, 30)),
    }
}

fn token_body(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut m = Map::new();
    let token = token_value(u);
    match index(u, 4) {
        0 => {
            m.insert("token".into(), token);
        }
        1 => {
            m.insert("access_token".into(), token);
        }
        2 => {
            m.insert("token".into(), token.clone());
            m.insert("access_token".into(), token);
        }
        _ => {
            m.insert("access_token".into(), token);
            m.insert("token".into(), token_value(u));
        }
    }
    let expires: Value = match index(u, 8) {
        0 => Value::Null,
        1 => json!(int(u, 0, 400)),
        2 => json!(3600),
        3 => json!(u64::MAX),
        4 => json!(-5),
        5 => json!("300"),
        6 => json!(1e300),
        _ => json!(59.9),
    };
    if !expires.is_null() {
        m.insert("expires_in".into(), expires);
    }
    if chance(u, 1, 3) {
        let rt = match index(u, 3) {
            0 => Value::String(format!("rt{}", int(u, 0, 255))),
            1 => json!(""),
            _ => Value::String(text(u, 20)),
        };
        m.insert("refresh_token".into(), rt);
    }
    if chance(u, 1, 4) {
        m.insert("issued_at".into(), json!("2026-11-29T10:00:00Z"));
    }
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// An error body, possibly repeating a secret as a careless server would.
fn error_body(u: &mut Unstructured<'_>, echoed: &mut Vec<String>) -> Vec<u8> {
    let mut message = pick_or_text(u, &["authentication required", ""], 40);
    if flag(u) {
        let s = pick(u, &all_secrets()).clone();
        message = format!("bad credential {s} for {message}");
        echoed.push(s);
    }
    let v = match index(u, 3) {
        0 => json!({"errors": [{"code": "UNAUTHORIZED", "message": message, "detail": null}]}),
        1 => json!({"errors": [{"code": "DENIED", "message": "no", "detail": {"why": message}}]}),
        _ => json!({"error": "invalid_grant", "error_description": message}),
    };
    serde_json::to_vec(&v).unwrap_or_default()
}

/// What the request being answered was, so that a peer can answer as a registry would.
#[derive(Clone, Copy)]
pub enum Asked {
    Send(Option<AuthScheme>),
    Fetch,
}

impl Asked {
    pub fn of(action: &Action) -> Asked {
        match action {
            Action::FetchToken(_) => Asked::Fetch,
            Action::Send(s) => Asked::Send(s.authorization().map(Authorization::scheme)),
            _ => Asked::Send(None),
        }
    }
}

/// A peer's answer: half the time one a registry and its token endpoint would give to that
/// request (so that deep states, a widened scope or a stale cached token, are reached within
/// a few choices), otherwise anything. Once the input runs out it is `200` with an empty
/// body (for a token request, a token), which ends every flow.
pub fn gen_peer(u: &mut Unstructured<'_>, asked: Asked) -> Peer {
    if chance(u, 1, 2) {
        return coherent_peer(u, asked);
    }
    arbitrary_peer(u, matches!(asked, Asked::Fetch))
}

fn simple(status: u16, headers: Vec<(&'static str, Vec<u8>)>, body: Vec<u8>) -> Peer {
    Peer {
        status,
        headers,
        body,
        echoed: Vec::new(),
    }
}

fn good_bearer(u: &mut Unstructured<'_>, error: &str) -> Vec<(&'static str, Vec<u8>)> {
    let realm = pick(u, &REALMS[..4]);
    let scope = pick(u, &SCOPES);
    let error = if error.is_empty() {
        String::new()
    } else {
        format!(",error=\"{error}\"")
    };
    let value = format!(
        "Bearer realm=\"{realm}\",service=\"registry.example.com\",scope=\"{scope}\"{error}"
    );
    vec![("WWW-Authenticate", value.into_bytes())]
}

fn basic_challenge() -> Vec<(&'static str, Vec<u8>)> {
    vec![("WWW-Authenticate", b"Basic realm=\"registry\"".to_vec())]
}

fn coherent_peer(u: &mut Unstructured<'_>, asked: Asked) -> Peer {
    let location =
        |u: &mut Unstructured<'_>| vec![("Location", pick(u, &LOCATIONS[..4]).as_bytes().to_vec())];
    match asked {
        Asked::Send(None) => match index(u, 5) {
            0 | 1 => simple(401, good_bearer(u, ""), Vec::new()),
            2 => simple(401, basic_challenge(), Vec::new()),
            3 => simple(200, Vec::new(), Vec::new()),
            _ => simple(307, location(u), Vec::new()),
        },
        Asked::Send(Some(AuthScheme::Bearer)) => match index(u, 8) {
            0 => simple(200, Vec::new(), Vec::new()),
            1 => simple(401, good_bearer(u, "insufficient_scope"), Vec::new()),
            2 => simple(401, good_bearer(u, "invalid_token"), Vec::new()),
            3 => simple(401, basic_challenge(), Vec::new()),
            4 => simple(403, Vec::new(), Vec::new()),
            5 => simple(400, Vec::new(), Vec::new()),
            6 => simple(302, location(u), Vec::new()),
            _ => simple(401, good_bearer(u, ""), Vec::new()),
        },
        Asked::Send(Some(_)) => match index(u, 3) {
            0 => simple(200, Vec::new(), Vec::new()),
            1 => simple(401, basic_challenge(), Vec::new()),
            _ => simple(401, good_bearer(u, ""), Vec::new()),
        },
        Asked::Fetch => {
            let n = int(u, 0, 255);
            let expires = *pick(u, &[300u64, 30, 3600, 0, 70]);
            let body = match index(u, 6) {
                0 | 1 => json!({"token": format!("tok{n}"), "expires_in": expires}),
                2 => json!({"access_token": format!("tok{n}"), "expires_in": expires,
                            "refresh_token": format!("rt{n}")}),
                3 => {
                    let status = *pick(u, &[400, 401, 404, 405, 403]);
                    let mut echoed = Vec::new();
                    let body = error_body(u, &mut echoed);
                    return Peer {
                        status,
                        headers: Vec::new(),
                        body,
                        echoed,
                    };
                }
                4 => json!({"token": format!("tok{n}"), "refresh_token": format!("rt{n}")}),
                _ => return simple(200, Vec::new(), b"<html>not json</html>".to_vec()),
            };
            simple(
                200,
                Vec::new(),
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
    }
}

fn arbitrary_peer(u: &mut Unstructured<'_>, fetch: bool) -> Peer {
    let i = index(u, STATUSES.len() + 1);
    let status = match STATUSES.get(i) {
        Some(s) => *s,
        None => int(u, 100, 599) as u16,
    };
    let mut headers = Vec::new();
    for _ in 0..int(u, 0, 3) {
        let name = *pick(u, &["WWW-Authenticate", "www-authenticate"]);
        headers.push((name, gen_challenge(u)));
    }
    if flag(u) {
        let name = *pick(u, &["Location", "location"]);
        let location = match index(u, 4) {
            0 => bytes(u, 60),
            _ => pick(u, &LOCATIONS).as_bytes().to_vec(),
        };
        headers.push((name, location));
    }
    let mut echoed = Vec::new();
    let kinds: [u8; 5] = if fetch {
        [0, 1, 2, 3, 0]
    } else {
        [1, 2, 3, 0, 1]
    };
    let body = match pick(u, &kinds) {
        0 => token_body(u),
        1 => Vec::new(),
        2 => error_body(u, &mut echoed),
        _ => bytes(u, 120),
    };
    Peer {
        status,
        headers,
        body,
        echoed,
    }
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

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The `error` of the response's only challenge, when that is a strictly valid Bearer
/// challenge naming one of the usable realms ("" for none).
fn clean_bearer_error(peer: &Peer) -> Option<String> {
    let mut values = peer
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"));
    let (_, value) = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let list = ParserConfig::strict().parse(value).ok()?;
    let mut challenges = list.iter();
    let bearer = challenges.next()?.bearer().ok()?;
    if challenges.next().is_some() || !REALMS[..4].contains(&bearer.realm()) {
        return None;
    }
    Some(bearer.error().unwrap_or("").to_string())
}

/// The request as an `http::Request`, when the `http` crate accepts its URL (it refuses a
/// fragment, for one).
fn http_request(nf: &NewFlow) -> Option<http::Request<()>> {
    let method = match nf.method {
        Method::Get => http::Method::GET,
        Method::Head => http::Method::HEAD,
        Method::Post => http::Method::POST,
        Method::Put => http::Method::PUT,
        Method::Patch => http::Method::PATCH,
        Method::Delete => http::Method::DELETE,
        _ => http::Method::from_bytes(b"PROPFIND").ok()?,
    };
    let mut b = http::Request::builder().method(method).uri(nf.url.as_str());
    if nf.caller_auth {
        b = b.header(http::header::AUTHORIZATION, "Bearer caller");
    }
    b.body(()).ok()
}

impl Peer {
    /// The answer as an `http::Response`, half the time (and when the `http` crate accepts its
    /// header values), for a driver on that crate to convert.
    pub fn http_response(&self, u: &mut Unstructured<'_>) -> Option<http::Response<()>> {
        if !flag(u) {
            return None;
        }
        let mut b = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            b = b.header(*name, http::HeaderValue::from_bytes(value).ok()?);
        }
        b.body(()).ok()
    }

    /// Hands `f` the answer as the machine takes it: converted from `http_response` when that
    /// gives one, built from status, headers and body otherwise.
    pub fn with_response<R>(
        &self,
        u: &mut Unstructured<'_>,
        f: impl FnOnce(Response<'_>) -> R,
    ) -> R {
        let held = self.http_response(u);
        let headers = self.header_pairs();
        // One header type for both arms: the converted response's map, read as pairs.
        let converted: Vec<(&str, &[u8])> = held
            .iter()
            .flat_map(|r| r.headers().iter())
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let response = match &held {
            Some(r) => Response::new(Response::from(r).status())
                .headers(&converted[..])
                .body(&self.body),
            None => Response::new(self.status)
                .headers(&headers[..])
                .body(&self.body),
        };
        f(response)
    }
}
