//! The oracle's model of the world: what it knows of each flow and of the peers (the realms
//! each registry named, the tokens each realm issued and when they expire, the tokens a
//! registry refused, the secrets each flow put on the wire and each peer may know), updated
//! from every credential change and every response, before the machine sees it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::Engine as _;
use libfuzzer_sys::arbitrary::Unstructured;
use registry_auth::challenge::ParserConfig;
use registry_auth::machine::MAX_TOKEN_REQUESTS;
use registry_auth::token::{TokenLimits, TokenResponse};
use registry_auth::{AuthScheme, Authenticator, Authorization, Method};
use serde_json::Value;

use super::driver::{NewFlow, Setup};
use super::origin::{self, origin, Origin};
use super::peers::{Peer, REALMS};
use super::world::{
    all_secrets, basic_part, credentials, kind_secret, registry_token, Kind, KEYS, KINDS, NAMES,
    USER,
};
use crate::gen::{contains, flag, index, pick};

/// What the harness knows about one flow.
pub struct FlowInfo {
    pub url: String,
    pub(super) origin: Origin,
    pub(super) name: usize,
    pub(super) method: Method,
    pub caller_auth: bool,
    /// Where the last Send went.
    pub(super) target: Origin,
    pub(super) sends: u32,
    pub(super) fetches: u32,
    pub(super) counted: u32,
    pub(super) redirects_answered: u32,
    pub(super) saw_303: bool,
    /// The token this flow's own last token request obtained.
    pub(super) fetched: Option<String>,
    /// The bearer token the last Send carried.
    pub(super) sent_bearer: Option<String>,
    /// The registry refused a bearer token of this flow (401, or 403/400 when those mean
    /// stale): after the first, the machine may give up without dropping the next.
    pub(super) refusals: u32,
    /// Every secret this flow put on the wire, as sent (a Basic value's base64, a token, a
    /// form field's decoded value): its errors must never show one.
    pub(super) wire: HashSet<String>,
    /// The realm (token URL without its query) of this flow's last token request.
    pub(super) realm: String,
}

impl FlowInfo {
    pub fn target_is_registry(&self) -> bool {
        self.target == self.origin
    }

    /// Records an `Authorization` the flow sent: its credentials part, and for Basic the
    /// password it encodes.
    pub(super) fn note_wire_authorization(&mut self, a: &Authorization) {
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

/// What the oracle knows of the world a run set up, and of what happened in it so far.
pub struct World {
    pub insecure: bool,
    pub max_redirects: u32,
    /// Secrets a peer may know (they are in the input, or a generated body echoed them): the
    /// machine may repeat those where it repeats what a peer said.
    pub(super) peer_knows: HashSet<String>,
    /// Realms named by each registry origin's own challenges.
    pub(super) realms: HashMap<Origin, Vec<String>>,
    /// Tokens and refresh tokens that token endpoints issued for each registry origin.
    pub(super) issued: HashMap<Origin, HashSet<String>>,
    /// Refresh tokens by the registry name whose credentials obtained them and the realm that
    /// issued them: the machine sends one back only to that realm for those credentials,
    /// from any origin of the name (`http://r` and `https://r` share `r`'s credentials).
    pub(super) issued_refresh: HashMap<(usize, String), HashSet<String>>,
    /// Credential kinds each name ever had, and the kind it has now.
    pub(super) ever: [Vec<Kind>; NAMES.len()],
    pub(super) current: [Kind; NAMES.len()],
    pub(super) secrets: Vec<String>,
    /// Invariant 6: when each token issued for an origin expires, by the caller's clock.
    pub(super) expiry: HashMap<(Origin, String), u64>,
    /// The latest `now` the machine was given, in milliseconds (it ignores time going back).
    pub(super) clock_ms: u64,
    pub(super) margin_ms: u64,
    pub(super) limits: TokenLimits,
    /// Expiry is only followed when the caller keeps to one kind of clock.
    pub track_expiry: bool,
    /// How many times each token was issued for an origin, and the tokens the registry
    /// refused when they were the only copy: a refused cached token is dropped, so only a new
    /// issue of the same value may be sent again (invariant 6).
    pub(super) issues: HashMap<(Origin, String), u32>,
    pub(super) refused: HashSet<(Origin, String)>,
    pub(super) stale_on_403_400: bool,
    /// Names whose challenges may name internal realms (`Config::allow_internal_realms_for`).
    pub(super) internal_allowed: Vec<usize>,
    /// `Config::fetch_timeout`: after this, a token request nobody answers is presumed lost.
    pub fetch_timeout: Duration,
}

impl World {
    pub fn new(data: &[u8], setup: &Setup) -> Self {
        origin::self_check();
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
            fetch_timeout: setup.fetch_timeout,
        }
    }

    /// Call with every `now` given to the machine.
    pub fn tick(&mut self, now: Duration) {
        self.clock_ms = self.clock_ms.max(millis(now));
    }

    /// The latest `now` the machine was given (it ignores time going back).
    pub fn latest(&self) -> Duration {
        Duration::from_millis(self.clock_ms)
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
            realm: String::new(),
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
        self.note_credentials(name, kind);
    }

    /// Records that the credentials of `name` are now of `kind`.
    pub fn note_credentials(&mut self, name: usize, kind: Kind) {
        self.ever[name].push(kind);
        self.current[name] = kind;
    }

    pub(super) fn had(&self, name: usize, kinds: &[Kind]) -> bool {
        self.ever[name].iter().any(|k| kinds.contains(k))
    }

    /// The credential secrets the machine holds now, with the Basic values it makes of them.
    pub(super) fn held_secrets(&self) -> Vec<String> {
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

    pub(super) fn unknown_to_peers(&self) -> impl Iterator<Item = &String> {
        self.secrets
            .iter()
            .filter(|s| !self.peer_knows.contains(*s))
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
    pub(super) fn note_refusal(&mut self, f: &mut FlowInfo, peer: &Peer) {
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
        // Read as the crate reads a body: a member it does not read may hold bytes that are not
        // UTF-8 (serde_json skips such a member unchecked), and the token is still issued.
        let body = String::from_utf8_lossy(&peer.body);
        let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(&body) else {
            return;
        };
        for (field, refresh) in [
            ("token", false),
            ("access_token", false),
            ("refresh_token", true),
        ] {
            if let Some(Value::String(s)) = obj.get(field) {
                if refresh {
                    self.issued_refresh
                        .entry((f.name, f.realm.clone()))
                        .or_default()
                        .insert(s.clone());
                } else {
                    self.issued
                        .entry(f.origin.clone())
                        .or_default()
                        .insert(s.clone());
                }
            }
        }
    }

    pub(super) fn note_headers(&mut self, peer: &Peer) {
        for s in &peer.echoed {
            self.peer_knows.insert(s.clone());
        }
    }
}

/// The `error` of the response's only challenge, when that is a strictly valid Bearer
/// challenge naming one of the usable realms ("" for none).
pub(super) fn clean_bearer_error(peer: &Peer) -> Option<String> {
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

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
