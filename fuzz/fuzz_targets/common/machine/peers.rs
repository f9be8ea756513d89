//! Generated peers: the registry and its token endpoint answering the machine's requests,
//! half the time as a registry would (so deep states are reached within a few choices) and
//! otherwise with anything the input says, and their answers handed to the machine as a
//! driver on either of the crate's response types would.

use libfuzzer_sys::arbitrary::Unstructured;
use registry_auth::{Action, AuthScheme, Authorization, Response};
use serde_json::{json, Map, Value};

use super::world::all_secrets;
use crate::gen::{bytes, chance, flag, index, int, pick, pick_or_text, text};

/// A response of the registry or its token endpoint.
pub struct Peer {
    pub status: u16,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Vec<u8>,
    /// Secrets the body repeats.
    pub echoed: Vec<String>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let headers: Vec<(&str, String)> =
            self.headers.iter().map(|(n, v)| (*n, text(v))).collect();
        write!(f, "{} {headers:?} {:?}", self.status, text(&self.body))
    }
}

impl Peer {
    pub fn header_pairs(&self) -> Vec<(&str, &[u8])> {
        self.headers
            .iter()
            .map(|(n, v)| (*n, v.as_slice()))
            .collect()
    }
}

/// Statuses an arbitrary peer answers with (401 drawn more often).
pub const STATUSES: [u16; 16] = [
    200, 401, 301, 302, 303, 307, 308, 400, 403, 404, 405, 500, 201, 401, 401, 429,
];

/// Realms a challenge may name. The first four are realms a registry would really use
/// (https, public): coherent peers name only those.
pub const REALMS: [&str; 40] = [
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

/// `scope` parameters of challenges.
pub const SCOPES: [&str; 7] = [
    "repository:team/app:pull",
    "repository:team/app:pull,push repository:other:pull",
    "*",
    "registry:catalog:*",
    "repository:team/app:delete",
    "repository:team/app:pull repository:team/app:push",
    "repository:registry.example.com:5000/x:pull",
];

/// Redirect targets; coherent peers use the first four.
pub const LOCATIONS: [&str; 20] = [
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
        // Anything, a real registry's challenge among it (the seeds hold several).
        5 => bytes(u, 200),
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
        // Anything, a real token endpoint's answer among it (the seeds hold several).
        _ => bytes(u, 300),
    };
    Peer {
        status,
        headers,
        body,
        echoed,
    }
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
