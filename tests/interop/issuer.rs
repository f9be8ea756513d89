//! The token issuer the registry trusts: the Docker token protocol's GET flow and its OAuth2
//! POST flow, signing ES256 JWTs the way distribution 2.8 verifies them.
//!
//! What distribution checks, and so what this issuer must get right (protocol.md):
//! - the key is found through the header's `x5c` chain, which must reach a certificate of the
//!   registry's `rootcertbundle`; a self-signed bundle certificate may be the leaf itself;
//! - the ES256 signature is the raw 64-byte `r||s` (ring's FIXED encoding), not DER;
//! - `iss` must be the configured issuer, `aud` the service as a JSON string (not an array);
//! - `exp` and `nbf` are checked with 60 s of leeway.
//!
//! Users: `alice` pushes and pulls `alice/*` and pulls `public/*`; `bob` pulls any repository;
//! anonymous pulls `public/*`; `admin` seeds images (pull and push everywhere). The catalog
//! (`registry:catalog:*`) is alice's. A partial grant is not an error, as with real token
//! servers: the token simply carries fewer actions and the registry says what is missing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse, Server};

pub const ALICE: (&str, &str) = ("alice", "alice-pw");
pub const BOB: (&str, &str) = ("bob", "bob-pw");
pub const ADMIN: (&str, &str) = ("admin", "admin-pw");
const USERS: [(&str, &str); 3] = [ALICE, BOB, ADMIN];

pub const SERVICE: &str = "interop-registry";
pub const ISSUER: &str = "interop-issuer";

/// What a token claims to live when nothing is switched on.
const LIFETIME_SECS: u64 = 300;
/// distribution accepts a token this long past its `exp` (and before its `nbf`).
pub const REGISTRY_LEEWAY_SECS: u64 = 60;
/// A short-lived token's `exp` lies this far in the past, so the registry's leeway leaves it
/// about two seconds of life while `expires_in` still promises 60.
const SHORT_LIVED_BACKDATE_SECS: u64 = 58;

/// One request the issuer received.
#[derive(Clone, Debug)]
pub struct TokenHit {
    pub method: String,
    /// `password` or `refresh_token` for a POST; `None` for a GET.
    pub grant: Option<String>,
    /// The authenticated user, `None` for anonymous or refused.
    pub user: Option<String>,
    /// Whether the request carried an `Authorization` header.
    pub authorization: bool,
    /// The user name of a Basic `Authorization` (`<token>` for an identity token).
    pub basic_username: Option<String>,
    pub account: Option<String>,
    pub service: Option<String>,
    pub client_id: Option<String>,
    /// Every scope asked for, one per entry.
    pub scopes: Vec<String>,
    /// Whether a refresh token was asked for (`access_type=offline`, `offline_token=true`).
    pub offline: bool,
    pub status: u16,
    /// The granted access, `type:name:actions` per entry.
    pub granted: Vec<String>,
    /// For a short-lived token: the moment the registry starts refusing it.
    pub refused_after: Option<SystemTime>,
}

struct Signer {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    cert_der: Vec<u8>,
    cert_pem: String,
}

impl Signer {
    fn new() -> Signer {
        let rng = SystemRandom::new();
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .expect("generate the issuer's P-256 key");
        let mut params =
            rcgen::CertificateParams::new(Vec::<String>::new()).expect("certificate parameters");
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "registry-auth interop token issuer",
        );
        let cert = params
            .self_signed(&key_pair)
            .expect("self-sign the issuer certificate");
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &key_pair.serialize_der(),
            &rng,
        )
        .expect("ring reads rcgen's PKCS#8 key");
        Signer {
            key,
            rng,
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
        }
    }

    fn jwt(&self, claims: &Value) -> String {
        let header = json!({
            "typ": "JWT",
            "alg": "ES256",
            "x5c": [STANDARD.encode(&self.cert_der)],
        });
        let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self
            .key
            .sign(&self.rng, out.as_bytes())
            .expect("ES256 signature");
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        out
    }

    fn random_hex(&self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        self.rng.fill(&mut buf).expect("system randomness");
        buf.iter().map(|b| format!("{b:02x}")).collect()
    }
}

struct State {
    signer: Signer,
    get_only: AtomicBool,
    short_lived: AtomicU32,
    hits: Mutex<Vec<TokenHit>>,
    /// Grants added by a test: (user, repository name prefix, action).
    extra_grants: Mutex<Vec<(String, String, String)>>,
    /// Refresh token -> the user it was issued to.
    refresh_tokens: Mutex<HashMap<String, String>>,
    serial: AtomicU64,
}

/// A running issuer; it stops when dropped.
pub struct Issuer {
    state: Arc<State>,
    server: Server,
}

impl Issuer {
    pub fn start() -> Issuer {
        let state = Arc::new(State {
            signer: Signer::new(),
            get_only: AtomicBool::new(false),
            short_lived: AtomicU32::new(0),
            hits: Mutex::new(Vec::new()),
            extra_grants: Mutex::new(Vec::new()),
            refresh_tokens: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
        });
        let handler_state = Arc::clone(&state);
        let server = Server::start(Arc::new(move |r: &HttpRequest| handle(&handler_state, r)))
            .expect("start the token issuer");
        Issuer { state, server }
    }

    /// The realm to configure in the registry.
    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.server.port())
    }

    /// The certificate the registry must trust (its `rootcertbundle`).
    pub fn cert_pem(&self) -> &str {
        &self.state.signer.cert_pem
    }

    /// Answer every POST with 405, as token servers that only know the GET flow do.
    pub fn set_get_only(&self, on: bool) {
        self.state.get_only.store(on, Ordering::SeqCst);
    }

    /// Make the next `n` tokens die at the registry about two seconds after issue, while their
    /// `expires_in` still claims 60 s.
    pub fn make_next_tokens_short_lived(&self, n: u32) {
        self.state.short_lived.store(n, Ordering::SeqCst);
    }

    /// From now on, `user` also holds `action` on repositories whose name starts with
    /// `prefix`, as when an administrator widens someone's rights.
    pub fn grant(&self, user: &str, prefix: &str, action: &str) {
        self.state.extra_grants.lock().expect("extra grants").push((
            user.into(),
            prefix.into(),
            action.into(),
        ));
    }

    /// A refresh token for `user`, as a `docker login` against an OAuth2 realm would keep.
    pub fn mint_refresh_token(&self, user: &str) -> String {
        mint_refresh(&self.state, user)
    }

    pub fn hits(&self) -> Vec<TokenHit> {
        self.state.hits.lock().expect("issuer hits").clone()
    }

    pub fn hit_count(&self) -> usize {
        self.state.hits.lock().expect("issuer hits").len()
    }
}

fn mint_refresh(state: &State, user: &str) -> String {
    let token = format!("rt-{}", state.signer.random_hex(24));
    state
        .refresh_tokens
        .lock()
        .expect("refresh tokens")
        .insert(token.clone(), user.to_string());
    token
}

/// What a request asked for, however it asked.
struct Ask {
    user: Option<String>,
    scopes: Vec<String>,
    offline: bool,
}

fn handle(state: &State, r: &HttpRequest) -> HttpResponse {
    let mut hit = TokenHit {
        method: r.method.clone(),
        grant: None,
        user: None,
        authorization: r.header("authorization").is_some(),
        basic_username: r
            .header("authorization")
            .and_then(decode_basic)
            .map(|(user, _)| user),
        account: None,
        service: None,
        client_id: None,
        scopes: Vec::new(),
        offline: false,
        status: 0,
        granted: Vec::new(),
        refused_after: None,
    };
    let response = respond(state, r, &mut hit);
    hit.status = response.status;
    state.hits.lock().expect("issuer hits").push(hit);
    response
}

fn respond(state: &State, r: &HttpRequest, hit: &mut TokenHit) -> HttpResponse {
    if r.path() != "/token" {
        return HttpResponse::new(404);
    }
    let ask = match r.method.as_str() {
        "GET" => get_ask(state, r, hit),
        "POST" if state.get_only.load(Ordering::SeqCst) => {
            return HttpResponse::json(405, &json!({"error": "unsupported_method"}))
                .header("Allow", "GET")
        }
        "POST" => post_ask(state, r, hit),
        _ => return HttpResponse::new(405).header("Allow", "GET, POST"),
    };
    let ask = match ask {
        Ok(a) => a,
        Err(response) => return response,
    };
    hit.user = ask.user.clone();
    hit.scopes = ask.scopes.clone();
    hit.offline = ask.offline;
    issue(state, &ask, hit)
}

fn get_ask(state: &State, r: &HttpRequest, hit: &mut TokenHit) -> Result<Ask, HttpResponse> {
    let query = r.query();
    let field = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    hit.account = field("account");
    hit.service = field("service");
    hit.client_id = field("client_id");
    let scopes = query
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').filter(|s| !s.is_empty()).map(String::from))
        .collect();
    let user = match r.header("authorization") {
        None => None,
        Some(value) => Some(basic_user(state, value).ok_or_else(unauthorized)?),
    };
    Ok(Ask {
        user,
        scopes,
        offline: field("offline_token").as_deref() == Some("true"),
    })
}

fn post_ask(state: &State, r: &HttpRequest, hit: &mut TokenHit) -> Result<Ask, HttpResponse> {
    let form_type = r.header("content-type").unwrap_or("");
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return Err(oauth_error(400, "invalid_request", "expected a form body"));
    }
    let form = r.form();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    hit.grant = field("grant_type");
    hit.service = field("service");
    hit.client_id = field("client_id");
    if hit.client_id.as_deref().unwrap_or("").is_empty() {
        return Err(oauth_error(400, "invalid_request", "client_id is required"));
    }
    let user = match hit.grant.as_deref() {
        Some("password") => {
            let (u, p) = (field("username"), field("password"));
            USERS
                .iter()
                .find(|(name, pass)| Some(*name) == u.as_deref() && Some(*pass) == p.as_deref())
                .map(|(name, _)| name.to_string())
        }
        Some("refresh_token") => field("refresh_token").and_then(|t| {
            state
                .refresh_tokens
                .lock()
                .expect("refresh tokens")
                .get(&t)
                .cloned()
        }),
        _ => return Err(oauth_error(400, "unsupported_grant_type", "")),
    };
    let user = user.ok_or_else(unauthorized)?;
    Ok(Ask {
        user: Some(user),
        scopes: field("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        offline: field("access_type").as_deref() == Some("offline"),
    })
}

/// The user behind `Basic user:pass`: a password, or a refresh token (Docker sends an identity
/// token as the password of `<token>` when the realm only takes GET).
fn basic_user(state: &State, value: &str) -> Option<String> {
    let (user, pass) = decode_basic(value)?;
    let (user, pass) = (user.as_str(), pass.as_str());
    if USERS.iter().any(|&(u, p)| u == user && p == pass) {
        return Some(user.to_string());
    }
    let owner = state
        .refresh_tokens
        .lock()
        .expect("refresh tokens")
        .get(pass)
        .cloned()?;
    (user == "<token>" || user == owner).then_some(owner)
}

/// `Basic base64(user:pass)` as `(user, pass)`.
fn decode_basic(value: &str) -> Option<(String, String)> {
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

fn unauthorized() -> HttpResponse {
    HttpResponse::json(
        401,
        &json!({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let mut body = json!({ "error": error });
    if !description.is_empty() {
        body["error_description"] = json!(description);
    }
    HttpResponse::json(status, &body)
}

/// The actions `user` holds on a resource.
fn allowed(state: &State, user: Option<&str>, kind: &str, name: &str) -> Vec<String> {
    let mut held: Vec<String> = standing(user, kind, name)
        .iter()
        .map(|a| a.to_string())
        .collect();
    let extra = state.extra_grants.lock().expect("extra grants");
    for (u, prefix, action) in extra.iter() {
        if Some(u.as_str()) == user && kind == "repository" && name.starts_with(prefix.as_str()) {
            held.push(action.clone());
        }
    }
    held
}

fn standing(user: Option<&str>, kind: &str, name: &str) -> &'static [&'static str] {
    match (user, kind) {
        (Some("admin"), "repository") => &["pull", "push"],
        (Some("alice"), "registry") if name == "catalog" => &["*"],
        (Some("alice"), "repository") if name.starts_with("alice/") => &["pull", "push"],
        (Some("bob"), "repository") => &["pull"],
        (_, "repository") if name.starts_with("public/") => &["pull"],
        _ => &[],
    }
}

/// `type:name:actions`, the name possibly holding `:` (a registry host with a port).
fn split_scope(scope: &str) -> Option<(&str, &str, Vec<&str>)> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    Some((
        kind,
        name,
        actions.split(',').filter(|a| !a.is_empty()).collect(),
    ))
}

fn issue(state: &State, ask: &Ask, hit: &mut TokenHit) -> HttpResponse {
    let user = ask.user.as_deref();
    let mut access = Vec::new();
    for scope in &ask.scopes {
        let Some((kind, name, wanted)) = split_scope(scope) else {
            continue;
        };
        let held = allowed(state, user, kind, name);
        let holds = |a: &str| held.iter().any(|h| h == a);
        // `*` held grants any action asked for; `*` asked for needs `*` held (the catalog).
        let granted: Vec<&str> = wanted
            .into_iter()
            .filter(|a| holds("*") || holds(a))
            .collect();
        if !granted.is_empty() {
            hit.granted
                .push(format!("{kind}:{name}:{}", granted.join(",")));
            access.push(json!({"type": kind, "name": name, "actions": granted}));
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let short = state
        .short_lived
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let (exp, nbf, expires_in) = if short {
        let exp = now - SHORT_LIVED_BACKDATE_SECS;
        hit.refused_after = Some(UNIX_EPOCH + Duration::from_secs(exp + REGISTRY_LEEWAY_SECS));
        (exp, exp - 60, 60)
    } else {
        (now + LIFETIME_SECS, now - 1, LIFETIME_SECS)
    };
    let serial = state.serial.fetch_add(1, Ordering::SeqCst);
    let claims = json!({
        "iss": ISSUER,
        "sub": user.unwrap_or(""),
        "aud": SERVICE,
        "exp": exp,
        "nbf": nbf,
        "iat": now,
        "jti": format!("{serial}-{}", state.signer.random_hex(8)),
        "access": access,
    });
    let token = state.signer.jwt(&claims);
    let mut body = json!({
        "token": token,
        "access_token": token,
        "expires_in": expires_in,
        "issued_at": rfc3339(now),
    });
    if ask.offline {
        if let Some(u) = user {
            body["refresh_token"] = json!(mint_refresh(state, u));
        }
    }
    HttpResponse::json(200, &body)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, without a date crate.
fn rfc3339(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).expect("days fit");
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01, counting in 400-year eras from 0000-03-01 so
    // that the leap day ends each year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[test]
fn rfc3339_dates_are_civil_dates() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
}
