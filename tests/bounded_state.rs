//! Invariant 8, state: every per-origin table has a cap and an eviction rule, so a caller that
//! talks to an endless stream of registries holds a bounded amount of memory.

mod support;

use registry_auth::{Action, Authenticator, Config, Credentials, Request};
use support::{resp, run, secs, Canned};

/// One full Bearer round trip to `host`, whose challenge names a realm padded to about
/// `realm_len` bytes.
fn round_trip(auth: &mut Authenticator, host: &str, realm_len: usize) -> Vec<String> {
    let url = format!("https://{host}/v2/team/app/manifests/1");
    let realm = format!("https://auth.{host}/token?pad={}", "p".repeat(realm_len));
    let challenge = format!(r#"Bearer realm="{realm}",service="{host}""#);
    run(
        auth,
        Request::get(&url),
        &url,
        secs(1),
        vec![
            resp(401).challenge(&challenge),
            Canned::token("tok", 300),
            resp(200),
        ],
    )
}

#[test]
fn one_off_origins_do_not_grow_the_registry_table_past_its_cap() {
    // Before: one entry per origin ever started, each holding its 15 KB realm.
    let mut auth = Authenticator::new(Config::default().max_registries(100));
    for i in 0..2_000 {
        round_trip(&mut auth, &format!("r{i}.example.com"), 15_000);
        assert!(
            auth.known_registries() <= 100,
            "{i}: {}",
            auth.known_registries()
        );
    }
    assert_eq!(auth.known_registries(), 100);
    assert!(auth.cached_tokens() <= 64);
}

#[test]
fn the_default_cap_bounds_twenty_thousand_origins() {
    let mut auth = Authenticator::new(Config::default());
    for i in 0..20_000 {
        let url = format!("https://r{i}.example.com/v2/a/manifests/1");
        let id = auth.start(Request::get(&url), secs(1)).unwrap();
        auth.cancel(id);
    }
    assert!(
        auth.known_registries() <= 1024,
        "{}",
        auth.known_registries()
    );
}

#[test]
fn the_least_recently_used_origin_is_forgotten_first_and_relearns_with_a_401() {
    let mut auth = Authenticator::new(Config::default().max_registries(2));
    auth.set_credentials("a.example.com", Credentials::basic("alice", "pw-of-alice"));
    round_trip(&mut auth, "a.example.com", 0);
    round_trip(&mut auth, "b.example.com", 0);
    // a is used again (its cached token), so b is the least recently used when c arrives.
    let a_again = run(
        &mut auth,
        Request::get("https://a.example.com/v2/team/app/manifests/1"),
        "https://a.example.com/v2/team/app/manifests/1",
        secs(2),
        vec![resp(200)],
    );
    assert_eq!(
        a_again[0],
        "send GET https://a.example.com/v2/team/app/manifests/1 auth=Bearer tok"
    );
    round_trip(&mut auth, "c.example.com", 0);
    assert_eq!(auth.known_registries(), 2);
    // b was forgotten with its token: its next request starts over with a 401.
    let b = round_trip(&mut auth, "b.example.com", 0);
    assert_eq!(
        b[0],
        "send GET https://b.example.com/v2/team/app/manifests/1 auth=none"
    );
    assert_eq!(b.len(), 4, "{b:#?}");
    // a was forgotten in turn (c was used after it), but its credentials stay: its next token
    // request still carries them.
    let a = round_trip(&mut auth, "a.example.com", 0);
    assert!(
        a[1].ends_with("auth=Basic YWxpY2U6cHctb2YtYWxpY2U="),
        "{a:#?}"
    );
}

#[test]
fn an_origin_in_use_by_a_flow_is_never_forgotten() {
    let mut auth = Authenticator::new(Config::default().max_registries(1));
    let url = "https://busy.example.com/v2/team/app/manifests/1";
    let id = auth.start(Request::get(url), secs(1)).unwrap();
    let Action::Send(_) = auth.poll(id) else {
        panic!("first send")
    };
    let challenge = [(
        "WWW-Authenticate",
        &br#"Bearer realm="https://auth.busy.example.com/token",service="busy""#[..],
    )];
    auth.handle_response(
        id,
        registry_auth::Response::new(401).headers(&challenge),
        secs(1),
    )
    .unwrap();
    // Other origins come and go while the busy flow waits for its token.
    for i in 0..50 {
        round_trip(&mut auth, &format!("o{i}.example.com"), 0);
    }
    assert!(auth.known_registries() <= 2);
    let Action::FetchToken(req) = auth.poll(id) else {
        panic!("the busy flow still fetches")
    };
    assert!(req
        .url()
        .starts_with("https://auth.busy.example.com/token?service=busy"));
}
