//! Invariant 8, waits: a token request handed out and never answered is presumed lost after
//! `Config::fetch_timeout`, so no flow waits forever on a caller that gave up on another.

mod support;

use std::collections::VecDeque;
use std::time::Duration;

use registry_auth::{Action, Authenticator, Config, Now, Request, Response};
use support::{drive, resp, run, secs, Canned};

const URL: &str = "https://registry.example.com/v2/team/app/manifests/1";
const CHALLENGE: &str = r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull""#;
const FETCH: &str = "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ateam%2Fapp%3Apull auth=none";

/// An authenticator that has seen the registry's challenge once (so later flows fetch their
/// token before sending), with no token cached.
fn warmed(config: Config) -> Authenticator {
    let mut auth = Authenticator::new(config);
    let lines = run(
        &mut auth,
        Request::get(URL),
        URL,
        secs(0),
        vec![
            resp(401).challenge(CHALLENGE),
            Canned::token("first", 60),
            resp(200),
        ],
    );
    assert_eq!(lines.last().map(String::as_str), Some("done"));
    auth.clear_tokens();
    auth
}

/// Starts a flow and polls it once.
fn start(auth: &mut Authenticator, at: Duration) -> (registry_auth::FlowId, Action) {
    let id = auth.start(Request::get(URL), at).unwrap();
    let action = auth.poll(id);
    (id, action)
}

fn token_response(token: &str) -> Vec<u8> {
    format!(r#"{{"token":"{token}","expires_in":300}}"#).into_bytes()
}

#[test]
fn a_waiting_flow_takes_over_a_fetch_unanswered_past_the_timeout() {
    let mut auth = warmed(Config::default().fetch_timeout(secs(30)));
    let (a, first) = start(&mut auth, secs(100));
    assert!(matches!(first, Action::FetchToken(_)), "{first:?}");
    assert_eq!(
        auth.poll_timeout(),
        None,
        "a fetch nobody waits for sets no deadline"
    );
    // Flow A's caller never answers. B needs the same token and waits for A's fetch.
    let (b, second) = start(&mut auth, secs(101));
    assert!(matches!(second, Action::Wait), "{second:?}");
    assert_eq!(auth.poll_timeout(), Some(Now::Elapsed(secs(130))));
    auth.handle_timeout(secs(129));
    assert!(matches!(auth.poll(b), Action::Wait));
    auth.handle_timeout(secs(130));
    assert_eq!(auth.poll_timeout(), None, "nobody waits any more");
    let mut script: VecDeque<Canned> = vec![Canned::token("second", 300), resp(200)].into();
    let lines = drive(&mut auth, b, "GET", secs(131), &mut script);
    assert_eq!(
        lines,
        [
            FETCH,
            "send GET https://registry.example.com/v2/team/app/manifests/1 auth=Bearer second",
            "done",
        ]
    );
    // A's late answer is still accepted: A goes on with the token it fetched.
    let late = token_response("late");
    auth.handle_token_response(a, Response::new(200).body(&late), secs(140))
        .unwrap();
    let Action::Send(send) = auth.poll(a) else {
        panic!("A sends after its late answer")
    };
    assert_eq!(
        send.authorization().map(|x| x.expose()),
        Some("Bearer late")
    );
    auth.handle_response(a, Response::new(200), secs(140))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Done));
    assert_eq!(auth.flows_in_progress(), 0);
}

#[test]
fn a_flow_abandoned_mid_fetch_does_not_block_later_flows_for_good() {
    // The README's old loop returned with `?` between `poll` and reporting: the flow is never
    // answered nor cancelled. A caller running one flow at a time must not wait forever.
    let mut auth = warmed(Config::default());
    let (_leaked, first) = start(&mut auth, secs(100));
    assert!(matches!(first, Action::FetchToken(_)));
    // Within the timeout, a new flow waits (its fetch may still be answered)...
    let (c, waiting) = start(&mut auth, secs(110));
    assert!(matches!(waiting, Action::Wait));
    auth.cancel(c);
    // ... past it (default 60 s), a new flow fetches its own token at once.
    let (d, action) = start(&mut auth, secs(3600));
    let Action::FetchToken(req) = action else {
        panic!("expected a fetch, got {action:?}")
    };
    assert_eq!(format!("fetch GET {} auth=none", req.url()), FETCH);
    auth.cancel(d);
}

#[test]
fn the_default_timeout_is_well_under_ten_minutes() {
    let mut auth = warmed(Config::default());
    let (_a, _) = start(&mut auth, secs(0));
    let (_b, wait) = start(&mut auth, secs(0));
    assert!(matches!(wait, Action::Wait));
    let Some(Now::Elapsed(deadline)) = auth.poll_timeout() else {
        panic!("a waiting flow has a deadline")
    };
    assert!(deadline > secs(0) && deadline <= secs(120), "{deadline:?}");
}

#[test]
fn a_late_failure_of_a_lost_fetch_fails_only_its_own_flow() {
    let mut auth = warmed(Config::default().fetch_timeout(secs(5)));
    let (a, _) = start(&mut auth, secs(100));
    let (b, wait) = start(&mut auth, secs(100));
    assert!(matches!(wait, Action::Wait));
    auth.handle_timeout(secs(106));
    let Action::FetchToken(_) = auth.poll(b) else {
        panic!("B takes over")
    };
    // A's realm finally answers with an error: A fails, B's own fetch is untouched.
    auth.handle_token_response(a, Response::new(503), secs(107))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Failed(_)));
    let Action::FetchToken(_) = auth.poll(b) else {
        panic!("B still fetches")
    };
    let token = token_response("bee");
    auth.handle_token_response(b, Response::new(200).body(&token), secs(108))
        .unwrap();
    assert!(matches!(auth.poll(b), Action::Send(_)));
}

#[cfg(feature = "std")]
#[test]
fn deadlines_come_back_in_the_callers_kind_of_clock() {
    let t0 = std::time::Instant::now();
    let mut auth = Authenticator::new(Config::default().fetch_timeout(secs(30)));
    let id = auth.start(Request::get(URL), t0).unwrap();
    assert!(matches!(auth.poll(id), Action::Send(_)));
    let h = [("WWW-Authenticate", CHALLENGE.as_bytes())];
    auth.handle_response(id, Response::new(401).headers(&h), t0)
        .unwrap();
    assert!(matches!(auth.poll(id), Action::FetchToken(_)));
    let other = auth.start(Request::get(URL), t0).unwrap();
    assert!(matches!(auth.poll(other), Action::Wait));
    assert_eq!(auth.poll_timeout(), Some(Now::Instant(t0 + secs(30))));
}

#[test]
fn with_no_fetch_timeout_a_flow_never_waits_on_another_flows_token_request() {
    // A zero timeout presumes every token request lost at once: nobody waits for one.
    let mut auth = warmed(Config::default().fetch_timeout(Duration::ZERO));
    let (_, first) = start(&mut auth, secs(100));
    assert!(matches!(first, Action::FetchToken(_)), "{first:?}");
    let (_, second) = start(&mut auth, secs(100));
    assert!(matches!(second, Action::FetchToken(_)), "{second:?}");
}

#[test]
fn the_time_until_a_deadline_is_counted_on_either_clock_and_never_below_zero() {
    let (a, b) = (Now::from(secs(10)), Now::from(secs(25)));
    assert_eq!(a.duration_until(b), secs(15));
    assert_eq!(b.duration_until(a), Duration::ZERO);
    let t0 = std::time::Instant::now();
    let (c, d) = (Now::from(t0), Now::from(t0 + secs(7)));
    assert_eq!(c.duration_until(d), secs(7));
    assert_eq!(d.duration_until(c), Duration::ZERO);
    // The two kinds cannot be compared: no time.
    assert_eq!(a.duration_until(d), Duration::ZERO);
}
