//! Properties of the machine over arbitrary peers: whatever the registry and its realm answer,
//! and however the clock moves, every flow ends within its bound, `Authorization` only goes to
//! the origin whose flow obtained it, and credentials only go where the policy allows.

use std::time::Duration;

use proptest::prelude::*;
use registry_auth::{
    machine::MAX_TOKEN_REQUESTS, Action, Authenticator, Config, Credentials, FlowId, Method,
    Request, Response,
};

const PASSWORD: &str = "pw-SECRET-1";
const IDENTITY: &str = "id-SECRET-2";
const REGTOKEN: &str = "reg-SECRET-3";
/// `Basic base64("alice:pw-SECRET-1")`
const ALICE_BASIC: &str = "Basic YWxpY2U6cHctU0VDUkVULTE=";
const MAX_REDIRECTS: u32 = 2;

#[derive(Clone, Debug)]
struct Peer {
    status: u16,
    challenges: Vec<String>,
    location: Option<String>,
    body: String,
}

fn realm() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://auth.example.com/token".to_string()),
        Just("https://auth.example.com/token".to_string()),
        Just("https://auth.example.com/token".to_string()),
        Just("https://registry.example.com/token".to_string()),
        Just("http://auth.example.com/token".to_string()),
        Just("http://127.0.0.1:5001/token".to_string()),
        Just("https://10.0.0.7/token".to_string()),
        Just("https://[::1]/token".to_string()),
        Just("ftp://auth.example.com/".to_string()),
        Just("https://evil.example.org/token?x=1".to_string()),
        "[a-z:/.]{0,20}",
    ]
}

fn challenge() -> impl Strategy<Value = String> {
    let scope = prop_oneof![
        Just(String::new()),
        Just(",scope=\"repository:team/app:pull\"".to_string()),
        Just(",scope=\"repository:team/app:pull,push repository:other:pull\"".to_string()),
        Just(",scope=\"*\"".to_string()),
    ];
    let error = prop_oneof![
        Just(String::new()),
        Just(",error=\"insufficient_scope\"".to_string()),
        Just(",error=\"invalid_token\"".to_string()),
    ];
    prop_oneof![
        4 => (realm(), scope, error).prop_map(|(r, s, e)| format!(
            "Bearer realm=\"{r}\",service=\"registry.example.com\"{s}{e}"
        )),
        2 => Just("Basic realm=\"registry\"".to_string()),
        1 => Just("Negotiate".to_string()),
        1 => "[ -~]{0,30}",
    ]
}

fn location() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/v2/team/app/blobs/sha256:00?moved".to_string()),
        Just("https://registry.example.com/v2/team/app/manifests/2".to_string()),
        Just("https://storage.example.net/blob?sig=x".to_string()),
        Just("http://registry.example.com/v2/team/app/manifests/1".to_string()),
        Just("https://registry.example.com:8443/v2/x".to_string()),
        "[ -~]{0,20}",
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1000, 0u64..400)
            .prop_map(|(n, e)| format!(r#"{{"token":"tok{n}","expires_in":{e}}}"#)),
        (0u32..1000)
            .prop_map(|n| format!(r#"{{"access_token":"tok{n}","refresh_token":"rt{n}"}}"#)),
        Just(r#"{"errors":[{"code":"DENIED","message":"no"}]}"#.to_string()),
        Just(r#"{"token":"bad token"}"#.to_string()),
        "[ -~]{0,20}",
    ]
}

fn peer() -> impl Strategy<Value = Peer> {
    let status = prop_oneof![
        Just(200u16),
        Just(201),
        Just(301),
        Just(302),
        Just(303),
        Just(307),
        Just(308),
        Just(400),
        Just(401),
        Just(401),
        Just(401),
        Just(403),
        Just(404),
        Just(405),
        Just(500),
        Just(503),
    ];
    (
        status,
        proptest::collection::vec(challenge(), 0..3),
        proptest::option::of(location()),
        body(),
    )
        .prop_map(|(status, challenges, location, body)| Peer {
            status,
            challenges,
            location,
            body,
        })
}

/// A registry that plays along for one flow: a 401 with a usable challenge (mostly Bearer),
/// the realm's token, a success or a redirect (then a success), and one more peer for the
/// `done` that `drive` answers too.
/// Arbitrary peers alone rarely line up like this, and then hardly any realm-issued token
/// reaches the checks.
fn cooperative() -> impl Strategy<Value = Vec<Peer>> {
    let peer = |status, challenge: Option<String>, body: String| Peer {
        status,
        challenges: challenge.into_iter().collect(),
        location: None,
        body,
    };
    let realm = prop_oneof![
        3 => Just("https://auth.example.com/token"),
        1 => Just("http://127.0.0.1:5001/token"),
    ];
    let then = prop_oneof![
        2 => Just(None),
        1 => Just(Some("/v2/team/app/blobs/sha256:00?moved")),
        1 => Just(Some("https://storage.example.net/blob?sig=x")),
    ];
    let bearer = (realm, 0u32..1000, then).prop_map(move |(realm, n, then)| {
        let answer = match then {
            Some(to) => Peer {
                status: 307,
                challenges: vec![],
                location: Some(to.into()),
                body: String::new(),
            },
            None => peer(200, None, String::new()),
        };
        vec![
            peer(
                401,
                Some(format!(
                    "Bearer realm=\"{realm}\",service=\"registry.example.com\""
                )),
                String::new(),
            ),
            peer(
                200,
                None,
                format!(r#"{{"token":"tok{n}","expires_in":300}}"#),
            ),
            answer,
            peer(200, None, String::new()),
            peer(200, None, String::new()),
        ]
    });
    let basic = Just(vec![
        peer(401, Some("Basic realm=\"registry\"".into()), String::new()),
        peer(200, None, String::new()),
        peer(200, None, String::new()),
    ]);
    prop_oneof![4 => bearer, 1 => basic]
}

/// The peers of one case: arbitrary ones, with cooperative stretches among them.
fn peers() -> impl Strategy<Value = Vec<Peer>> {
    let segment = prop_oneof![
        1 => peer().prop_map(|p| vec![p]),
        1 => cooperative(),
    ];
    proptest::collection::vec(segment, 0..24).prop_map(|s| s.into_iter().flatten().collect())
}

fn creds() -> impl Strategy<Value = Credentials> {
    prop_oneof![
        1 => Just(Credentials::Anonymous),
        3 => Just(Credentials::basic("alice", PASSWORD)),
        2 => Just(Credentials::identity_token(IDENTITY)),
        1 => Just(Credentials::registry_token(REGTOKEN)),
    ]
}

fn request() -> impl Strategy<Value = (Method, String)> {
    let registry = prop_oneof![
        2 => Just("https://registry.example.com"),
        1 => Just("http://127.0.0.1:5000"),
    ];
    let route = prop_oneof![
        Just((Method::Get, "/v2/team/app/manifests/1")),
        Just((Method::Head, "/v2/team/app/blobs/sha256:00")),
        Just((Method::Put, "/v2/team/app/manifests/1")),
        Just((
            Method::Post,
            "/v2/team/app/blobs/uploads/?mount=sha256:00&from=other"
        )),
        Just((Method::Delete, "/v2/team/app/manifests/sha256:00")),
        Just((Method::Get, "/v2/_catalog")),
        Just((Method::Get, "/v2/")),
    ];
    (registry, route).prop_map(|(r, (m, p))| (m, format!("{r}{p}")))
}

/// Scheme, host and port.
type Origin = (String, String, u16);

/// Scheme, host and port of an absolute URL, default ports filled in.
fn origin(url: &str) -> Origin {
    let (scheme, rest) = url.split_once("://").expect("absolute url");
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            (&authority[..i], authority[i + 1..].parse().ok())
        }
        _ => (authority, None),
    };
    let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
    (scheme, host.to_ascii_lowercase(), port)
}

fn is_internal(host: &str) -> bool {
    host.starts_with("10.")
        || host.starts_with("127.")
        || host.starts_with("192.168.")
        || host.starts_with("169.254.")
        || host == "[::1]"
}

/// Every token a realm issued, with the registry origin whose flow fetched it. The same value
/// may be issued in flows for two registries (the generators reuse names), so a token can have
/// more than one origin.
#[derive(Default, Debug)]
struct Issued(Vec<(String, Origin)>);

impl Issued {
    /// Writes down a 2xx token response to a token request of a flow for `registry`.
    fn record(&mut self, body: &str, registry: Origin) {
        if let Some(t) = issued_token(body) {
            if !self.issued_for(&t, &registry) {
                self.0.push((t, registry));
            }
        }
    }

    /// Whether a realm issued `token` in a flow for `registry`.
    fn issued_for(&self, token: &str, registry: &Origin) -> bool {
        self.0.iter().any(|(t, o)| t == token && o == registry)
    }

    /// Whether a token issued for another origin, and never for `registry`, is on record: a
    /// Bearer send to `registry` is then a chance to leak it.
    fn holds_foreign(&self, registry: &Origin) -> bool {
        self.0
            .iter()
            .any(|(t, o)| o != registry && !self.issued_for(t, registry))
    }
}

/// Checks one action against the invariants; returns whether it counts toward the bound.
fn check(action: &Action, start_url: &str, insecure: bool, issued: &Issued) -> bool {
    let reg = origin(start_url);
    match action {
        Action::Send(s) => {
            let target = s.url();
            if let Some(a) = s.authorization() {
                let value = a.expose();
                // Invariant 3: Authorization only to the flow's registry origin.
                assert_eq!(origin(target), reg, "authorization {a} sent to {target}");
                if reg.0 == "http" {
                    assert!(insecure, "authorization over plain http without insecure");
                }
                if let Some(tok) = value.strip_prefix("Bearer ") {
                    // A realm's token goes only to the origin whose flow fetched it.
                    let to = origin(target);
                    assert!(
                        tok == REGTOKEN || issued.issued_for(tok, &to),
                        "bearer token {tok} sent to {to:?} was not issued for it; issued: {issued:?}"
                    );
                } else {
                    assert_eq!(value, ALICE_BASIC);
                }
            }
            true
        }
        Action::FetchToken(f) => {
            let carries_secret = f.authorization().is_some()
                || f.body()
                    .is_some_and(|b| String::from_utf8_lossy(b).contains("SECRET"));
            let realm = origin(f.url());
            // Invariant 4 and the realm policy apply to every token request; credentials
            // make it matter.
            assert!(
                realm.0 == "https" || (realm.0 == "http" && reg.0 == "http" && insecure),
                "token request to {} (secret: {carries_secret}) for registry {start_url}",
                f.url()
            );
            assert!(
                !is_internal(&realm.1) || realm.1 == reg.1,
                "internal realm {}",
                f.url()
            );
            true
        }
        Action::Wait => false,
        Action::Done | Action::Failed(_) => true,
        _ => true,
    }
}

/// The token a response body would issue, to know which bearer values are legitimate.
fn issued_token(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("access_token")
        .or_else(|| v.get("token"))
        .and_then(|t| t.as_str())
        .map(String::from)
}

/// The peers' script, the clock, and what the realms issued so far, per registry origin.
struct World {
    insecure: bool,
    peers: std::vec::IntoIter<Peer>,
    steps: std::vec::IntoIter<u64>,
    now: Duration,
    issued: Issued,
}

fn drive(
    auth: &mut Authenticator,
    id: FlowId,
    url: &str,
    w: &mut World,
    cov: &mut Coverage,
) -> u32 {
    let World {
        insecure,
        peers,
        steps,
        now,
        issued,
    } = w;
    let insecure = *insecure;
    let registry = origin(url);
    let bound = 3 + MAX_REDIRECTS + u32::from(MAX_TOKEN_REQUESTS) + 1;
    let mut counted = 0;
    loop {
        let action = auth.poll(id);
        if check(&action, url, insecure, issued) {
            counted += 1;
        }
        assert!(counted <= bound, "flow exceeded {bound} actions");
        match &action {
            Action::Send(s) => {
                let auth = s
                    .authorization()
                    .map(|a| a.expose().to_string())
                    .unwrap_or_default();
                cov.bearer_sends += u32::from(auth.starts_with("Bearer "));
                cov.basic_sends += u32::from(auth.starts_with("Basic "));
                if let Some(tok) = auth.strip_prefix("Bearer ") {
                    // A realm's token checked against its origin, per registry, and how often
                    // another registry's token was on record to leak.
                    if tok != REGTOKEN {
                        let to = origin(s.url());
                        if to.0 == "https" {
                            cov.issued_bearer_sends_https += 1;
                        } else {
                            cov.issued_bearer_sends_http += 1;
                        }
                        cov.bearer_sends_with_foreign_token_on_record +=
                            u32::from(issued.holds_foreign(&to));
                    }
                }
                cov.redirects_followed += u32::from(s.is_redirected());
            }
            Action::FetchToken(f) => {
                let secret = f.authorization().is_some()
                    || f.body()
                        .is_some_and(|b| String::from_utf8_lossy(b).contains("SECRET"));
                cov.secret_fetches += u32::from(secret);
            }
            _ => {}
        }
        *now += Duration::from_secs(steps.next().unwrap_or(0));
        let p = peers.next().unwrap_or(Peer {
            status: 200,
            challenges: vec![],
            location: None,
            body: String::new(),
        });
        let mut headers: Vec<(&str, &[u8])> = p
            .challenges
            .iter()
            .map(|c| ("WWW-Authenticate", c.as_bytes()))
            .collect();
        if let Some(l) = &p.location {
            headers.push(("Location", l.as_bytes()));
        }
        let r = Response::new(p.status)
            .headers(&headers)
            .body(p.body.as_bytes());
        match action {
            Action::Send(_) => auth.handle_response(id, r, *now).expect("send response"),
            Action::FetchToken(_) => {
                if (200..300).contains(&p.status) {
                    issued.record(&p.body, registry.clone());
                }
                auth.handle_token_response(id, r, *now)
                    .expect("fetch response")
            }
            Action::Wait => return counted,
            _ => return counted,
        }
    }
}

/// What the generated cases exercised, so the properties cannot pass vacuously.
#[derive(Default, Debug)]
struct Coverage {
    cases: u32,
    bearer_sends: u32,
    basic_sends: u32,
    secret_fetches: u32,
    redirects_followed: u32,
    /// Bearer sends of a realm-issued token to the https registry and to the plain-http one.
    issued_bearer_sends_https: u32,
    issued_bearer_sends_http: u32,
    /// Bearer sends made while a token issued only for the other registry was on record.
    bearer_sends_with_foreign_token_on_record: u32,
}

#[test]
fn flows_end_within_bound_and_secrets_go_only_where_allowed() {
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let strategy = (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        creds(),
        proptest::collection::vec(request(), 1..8),
        peers(),
        proptest::collection::vec(0u64..400, 0..24),
    );
    let coverage = std::cell::RefCell::new(Coverage::default());
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 768,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    runner
        .run(
            &strategy,
            |(insecure, stale, password_grant, refresh, creds, requests, peers, steps)| {
                let config = Config::default()
                    .allow_insecure(insecure)
                    .renew_token_on_403_400(stale)
                    .password_grant(password_grant)
                    .request_refresh_token(refresh)
                    .max_redirects(MAX_REDIRECTS);
                let mut auth = Authenticator::new(config);
                auth.set_credentials("registry.example.com", creds.clone());
                auth.set_credentials("127.0.0.1:5000", creds);
                let mut world = World {
                    insecure,
                    peers: peers.into_iter(),
                    steps: steps.into_iter(),
                    now: Duration::ZERO,
                    issued: Issued::default(),
                };
                let mut cov = coverage.borrow_mut();
                cov.cases += 1;
                for (method, url) in requests {
                    let id = auth
                        .start(Request::new(method, &url), world.now)
                        .expect("valid url");
                    drive(&mut auth, id, &url, &mut world, &mut cov);
                    prop_assert_eq!(auth.flows_in_progress(), 0);
                }
                Ok(())
            },
        )
        .unwrap();
    let cov = coverage.into_inner();
    eprintln!("{cov:?}");
    // Each kind of event must occur in a fair share of cases, or the generators are broken.
    assert!(cov.bearer_sends > cov.cases / 10, "{cov:?}");
    assert!(cov.basic_sends > cov.cases / 100, "{cov:?}");
    assert!(cov.secret_fetches > cov.cases / 20, "{cov:?}");
    assert!(cov.redirects_followed > cov.cases / 20, "{cov:?}");
    // The per-origin check met both registries, and tokens of the other one were on record.
    assert!(cov.issued_bearer_sends_https > cov.cases / 5, "{cov:?}");
    assert!(cov.issued_bearer_sends_http > cov.cases / 20, "{cov:?}");
    assert!(
        cov.bearer_sends_with_foreign_token_on_record > cov.cases / 100,
        "{cov:?}"
    );
}

#[test]
fn the_issued_record_tells_registries_apart() {
    // Two registries sharing one realm, each flow issued its own token: each token is on record
    // for its registry only, so `check` would refuse it at the other one (a shared list of
    // issued tokens would not).
    let a = "https://registry.example.com/v2/team/app/manifests/1";
    let b = "http://127.0.0.1:5000/v2/team/app/manifests/1";
    let challenge =
        "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\"";
    let peer = |status, challenges: &[&str], body: &str| Peer {
        status,
        challenges: challenges.iter().map(|c| c.to_string()).collect(),
        location: None,
        body: body.into(),
    };
    let mut auth = Authenticator::new(Config::default().allow_insecure(true));
    let mut world = World {
        insecure: true,
        // `drive` takes one peer per action, the final `done` included.
        peers: vec![
            peer(401, &[challenge], ""),
            peer(200, &[], r#"{"token":"tok-a"}"#),
            peer(200, &[], ""),
            peer(200, &[], ""),
            peer(401, &[challenge], ""),
            peer(200, &[], r#"{"token":"tok-b"}"#),
            peer(200, &[], ""),
            peer(200, &[], ""),
        ]
        .into_iter(),
        steps: Vec::new().into_iter(),
        now: Duration::ZERO,
        issued: Issued::default(),
    };
    let mut cov = Coverage::default();
    for url in [a, b] {
        let id = auth.start(Request::get(url), world.now).unwrap();
        drive(&mut auth, id, url, &mut world, &mut cov);
    }
    let (oa, ob) = (origin(a), origin(b));
    assert!(world.issued.issued_for("tok-a", &oa));
    assert!(world.issued.issued_for("tok-b", &ob));
    assert!(!world.issued.issued_for("tok-a", &ob));
    assert!(!world.issued.issued_for("tok-b", &oa));
    assert!(world.issued.holds_foreign(&ob));
    assert_eq!(cov.issued_bearer_sends_https, 1, "{cov:?}");
    assert_eq!(cov.issued_bearer_sends_http, 1, "{cov:?}");
    assert_eq!(cov.bearer_sends_with_foreign_token_on_record, 1, "{cov:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_flows_end_and_waiters_never_exceed_their_bound(
        creds in creds(),
        peers in peers(),
        order in proptest::collection::vec(0usize..3, 1..60),
    ) {
        let mut auth = Authenticator::new(Config::default().max_redirects(MAX_REDIRECTS));
        auth.set_credentials("registry.example.com", creds);
        let urls = [
            "https://registry.example.com/v2/team/app/manifests/1",
            "https://registry.example.com/v2/team/app/blobs/sha256:00",
            "https://registry.example.com/v2/team/app/blobs/sha256:01",
        ];
        let ids: Vec<FlowId> = urls
            .iter()
            .map(|u| auth.start(Request::get(u), Duration::ZERO).unwrap())
            .collect();
        let mut peers = peers.into_iter();
        let mut issued = Issued::default();
        let mut now = Duration::ZERO;
        let mut done = [false; 3];
        let mut counts = [0u32; 3];
        let bound = 3 + MAX_REDIRECTS + u32::from(MAX_TOKEN_REQUESTS) + 1;
        // Interleave single steps of the three flows in an arbitrary order, then finish them.
        for i in order.into_iter().chain((0..200).map(|n| n % 3)) {
            if done.iter().all(|d| *d) {
                break;
            }
            let Some(idx) = (0..3).map(|k| (i + k) % 3).find(|k| !done[*k]) else { break };
            let (id, url) = (ids[idx], urls[idx]);
            let action = auth.poll(id);
            if check(&action, url, false, &issued) {
                counts[idx] += 1;
            }
            prop_assert!(counts[idx] <= bound);
            let p = peers.next().unwrap_or(Peer { status: 200, challenges: vec![], location: None, body: r#"{"token":"late"}"#.into() });
            let headers: Vec<(&str, &[u8])> = p.challenges.iter().map(|c| ("WWW-Authenticate", c.as_bytes())).collect();
            let r = Response::new(p.status).headers(&headers).body(p.body.as_bytes());
            now += Duration::from_secs(1);
            match action {
                Action::Send(_) => auth.handle_response(id, r, now).unwrap(),
                Action::FetchToken(_) => {
                    if (200..300).contains(&p.status) {
                        issued.record(&p.body, origin(url));
                    }
                    auth.handle_token_response(id, r, now).unwrap()
                }
                Action::Wait => {}
                _ => done[idx] = true,
            }
        }
        prop_assert!(done.iter().all(|d| *d), "flows still running: {:?}", done);
        prop_assert_eq!(auth.flows_in_progress(), 0);
    }
}
