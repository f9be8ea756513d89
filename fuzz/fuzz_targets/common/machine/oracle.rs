//! The oracle's checks of every action the machine hands out, stated from the design's
//! invariants: how many actions a flow may take (2), where `Authorization` and credentials may
//! go (3, 4), which tokens may be sent and until when (6), which realms may be asked and over
//! what (4, 9), and what the request the driver is told to send looks like. Errors follow the
//! secret rule of `errors.rs`.

use registry_auth::machine::MAX_TOKEN_REQUESTS;
use registry_auth::{Action, AuthScheme, Authenticator, Authorization, Method};

use super::model::{FlowInfo, World};
use super::origin::{is_internal, origin, Origin};
use super::world::{identity, password, registry_token, Kind, USER};

impl World {
    pub(super) fn assert_no_unknown_secret(&self, what: &str, s: &str) {
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
                f.realm = t.url().split('?').next().unwrap_or_default().to_string();
                if let Some(a) = t.authorization() {
                    f.note_wire_authorization(a);
                }
                if let Some(body) = t.body() {
                    // A secret field, decoded and as it went on the wire.
                    let body = String::from_utf8_lossy(body);
                    for (k, v) in parse_form(&body) {
                        if matches!(k.as_str(), "password" | "refresh_token") {
                            f.wire.insert(v);
                        }
                    }
                    for (k, raw) in body.split('&').filter_map(|kv| kv.split_once('=')) {
                        if matches!(k, "password" | "refresh_token") {
                            f.wire.insert(raw.to_string());
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
                    .get(&(f.name, f.realm.clone()))
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

/// The fields of an `application/x-www-form-urlencoded` body, decoded.
fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Percent-decoding written here, not borrowed: the crate encodes with `form_urlencoded`.
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
