//! The drive helpers and the wake-ups they rest on: `drive::run`, `drive::run_async`,
//! `FlowGuard`, `Authenticator::poll_woken` and `set_waker`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use registry_auth::drive::{self, AsyncTransport, DriveError, Exchange, FlowGuard, OwnedResponse};
use registry_auth::{Action, Authenticator, Config, Credentials, Error, FlowId, Request, Response};

const URL: &str = "https://registry.example.com/v2/team/app/manifests/1";
const CHALLENGE: &str =
    r#"Bearer realm="https://auth.example.com/token",service="registry.example.com""#;
const TOKEN: &str = "t0k3n-for-team-app";

/// A registry that wants a token, and its token endpoint, as one exchange function; counts
/// the token requests it answers.
#[derive(Default)]
struct Registry {
    token_requests: AtomicUsize,
}

impl Registry {
    fn answer(&self, x: &Exchange<'_>) -> OwnedResponse {
        let auth = x.authorization().map(|a| a.expose().to_string());
        if x.is_token_request() {
            self.token_requests.fetch_add(1, Ordering::SeqCst);
            let body = format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#);
            return OwnedResponse::new(200, vec![], body.into_bytes());
        }
        if auth.as_deref() == Some(&*format!("Bearer {TOKEN}")) {
            return OwnedResponse::new(200, vec![], format!("body of {}", x.url()).into_bytes());
        }
        let challenge = (
            "WWW-Authenticate".to_string(),
            CHALLENGE.as_bytes().to_vec(),
        );
        OwnedResponse::new(401, vec![challenge], b"{}".to_vec())
    }
}

#[test]
fn run_carries_a_flow_through_challenge_token_and_retry_to_the_answer() {
    let registry = Registry::default();
    let mut auth = Authenticator::new(Config::default());
    let seen = Mutex::new(Vec::new());
    let mut transport = |x: Exchange<'_>| {
        let line = format!("{} {} token={}", x.method(), x.url(), x.is_token_request());
        seen.lock().unwrap().push(line);
        Ok::<_, std::io::Error>(registry.answer(&x))
    };
    let answer = drive::run(&mut auth, Request::get(URL), &mut transport).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, format!("body of {URL}").as_bytes());
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1].starts_with("GET https://auth.example.com/token?"),
        "{lines:?}"
    );
    // The next request of the repository goes with the cached token: one exchange.
    let answer = drive::run(&mut auth, Request::get(URL), &mut transport).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(seen.lock().unwrap().len(), 4);
    assert_eq!(auth.flows_in_progress(), 0);
}

#[test]
fn each_exchange_says_what_it_is_and_how_much_of_the_answer_to_read() {
    let registry = Registry::default();
    let mut auth = Authenticator::new(Config::default());
    let seen = Mutex::new(Vec::new());
    let mut transport = |x: Exchange<'_>| {
        seen.lock().unwrap().push((
            x.send_request().is_some(),
            x.token_request().is_some(),
            x.keep_caller_authorization(),
            x.read_limit(200),
            x.read_limit(401),
        ));
        Ok::<_, std::io::Error>(registry.answer(&x))
    };
    drive::run(&mut auth, Request::get(URL), &mut transport).unwrap();
    let limit = Some(drive::ERROR_BODY_LIMIT);
    let token_limit = Some(Config::default().get_token_limits().read_limit());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (true, false, false, None, limit),
            (false, true, false, token_limit, token_limit),
            (true, false, false, None, limit),
        ]
    );
    // A request carrying the caller's own `Authorization` says to keep it.
    seen.lock().unwrap().clear();
    let mut own = |x: Exchange<'_>| {
        seen.lock().unwrap().push((
            x.send_request().is_some(),
            false,
            x.keep_caller_authorization(),
            None,
            None,
        ));
        Ok::<_, std::io::Error>(OwnedResponse::new(200, vec![], vec![]))
    };
    let request = Request::get(URL).caller_authorized(true);
    drive::run(&mut auth, request, &mut own).unwrap();
    assert_eq!(*seen.lock().unwrap(), [(true, false, true, None, None)]);
}

#[test]
fn run_returns_the_transport_error_and_leaves_no_flow_behind() {
    let mut auth = Authenticator::new(Config::default());
    let mut transport =
        |_: Exchange<'_>| Err::<OwnedResponse, _>(std::io::Error::other("connection refused"));
    let e = drive::run(&mut auth, Request::get(URL), &mut transport).unwrap_err();
    assert!(matches!(&e, DriveError::Transport(io) if io.to_string() == "connection refused"));
    assert_eq!(e.to_string(), "connection refused");
    assert_eq!(auth.flows_in_progress(), 0);
}

#[test]
fn run_returns_the_machines_error_when_it_ends_the_flow() {
    // An anonymous token that the registry refuses for scope: credentials are missing.
    let mut auth = Authenticator::new(Config::default());
    let mut transport = |x: Exchange<'_>| {
        Ok::<_, std::io::Error>(if x.is_token_request() {
            OwnedResponse::new(200, vec![], br#"{"token":"anon"}"#.to_vec())
        } else {
            let value = format!(
                r#"{CHALLENGE},scope="repository:team/app:pull",error="insufficient_scope""#
            );
            OwnedResponse::new(
                401,
                vec![("WWW-Authenticate".into(), value.into_bytes())],
                vec![],
            )
        })
    };
    let e = drive::run(&mut auth, Request::get(URL), &mut transport).unwrap_err();
    assert!(
        matches!(&e, DriveError::Auth(Error::CredentialsRequired { .. })),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "no credentials configured for registry.example.com; anonymous access to \
         \"repository:team/app:pull\" refused"
    );
}

#[test]
fn a_dropped_guard_cancels_its_flow_and_releases_its_token_request() {
    let mut auth = Authenticator::new(Config::default());
    let now = Duration::from_secs(10);
    let challenge = [("WWW-Authenticate", CHALLENGE)];
    let waiting;
    {
        let mut first = FlowGuard::start(&mut auth, Request::get(URL), now).unwrap();
        let _ = first.poll();
        first
            .handle_response(Response::new(401).headers(&challenge), now)
            .unwrap();
        assert!(matches!(first.poll(), Action::FetchToken(_)));
        // A second flow meets the fetch in progress and waits for it.
        let second = first
            .with(|a| a.start(Request::get(URL), now).ok())
            .unwrap();
        // The registry's challenge is known now: it does not send first.
        first.with(|a| assert!(matches!(a.poll(second), Action::Wait)));
        waiting = second;
        // `first` goes out of scope with its token request unanswered.
    }
    assert_eq!(auth.poll_woken(), Some(waiting));
    assert!(matches!(auth.poll(waiting), Action::FetchToken(_)));
    // A guard after Done cancels nothing (the handle is stale); `into_id` keeps a flow going.
    let guard = FlowGuard::start(&mut auth, Request::get(URL), now).unwrap();
    let id = guard.into_id();
    assert_eq!(auth.flows_in_progress(), 2);
    auth.cancel(id);
    auth.cancel(waiting);
    assert_eq!(auth.flows_in_progress(), 0);
}

/// Starts `n` flows for one repository: all meet the challenge, the first fetches the token,
/// the others wait for it. Returns the fetching flow and the waiting ones.
fn one_fetch_many_waiters(
    auth: &mut Authenticator,
    n: usize,
    now: Duration,
) -> (FlowId, Vec<FlowId>) {
    let challenge = [("WWW-Authenticate", CHALLENGE)];
    let ids: Vec<FlowId> = (0..n)
        .map(|_| auth.start(Request::get(URL), now).unwrap())
        .collect();
    // On a registry not heard from, all send before any hears the challenge; on a known one
    // they go straight to the token.
    let sent: Vec<FlowId> = ids
        .iter()
        .copied()
        .filter(|&id| matches!(auth.poll(id), Action::Send(_)))
        .collect();
    for id in sent {
        auth.handle_response(id, Response::new(401).headers(&challenge), now)
            .unwrap();
    }
    assert!(matches!(auth.poll(ids[0]), Action::FetchToken(_)));
    for &id in &ids[1..] {
        assert!(matches!(auth.poll(id), Action::Wait));
    }
    (ids[0], ids[1..].to_vec())
}

fn token_response() -> Response<'static> {
    Response::new(200).body(br#"{"token":"t0k3n-for-team-app","expires_in":300}"#)
}

#[test]
fn poll_woken_reports_each_released_flow_once_in_order() {
    let mut auth = Authenticator::new(Config::default());
    let now = Duration::from_secs(10);
    let (fetcher, waiters) = one_fetch_many_waiters(&mut auth, 4, now);
    assert_eq!(auth.poll_woken(), None, "nothing was released yet");
    auth.handle_token_response(fetcher, token_response(), now)
        .unwrap();
    let woken: Vec<FlowId> = std::iter::from_fn(|| auth.poll_woken()).collect();
    assert_eq!(woken, waiters);
    for id in waiters {
        assert!(matches!(auth.poll(id), Action::Send(s) if s.authorization().is_some()));
    }
}

#[test]
fn the_woken_queue_stays_bounded_when_nobody_drains_it() {
    let mut auth = Authenticator::new(Config::default());
    let mut now = Duration::from_secs(10);
    for round in 0..2_000u64 {
        // Each round: a fetch, three waiters released by its failure, every flow ended.
        auth.clear_tokens();
        now += Duration::from_secs(1);
        let (fetcher, waiters) = one_fetch_many_waiters(&mut auth, 4, now);
        auth.handle_send_failed(fetcher, now).unwrap();
        assert!(matches!(
            auth.poll(fetcher),
            Action::Failed(Error::SendFailed)
        ));
        for id in waiters {
            auth.cancel(id);
        }
        assert_eq!(auth.flows_in_progress(), 0, "round {round}");
    }
    // The flows it held ended: nothing is reported, and the queue held at most one entry per
    // slot (four) all along, which the allocation count below would show otherwise.
    assert_eq!(auth.poll_woken(), None);
    let (fetcher, waiters) = one_fetch_many_waiters(&mut auth, 4, now);
    auth.handle_send_failed(fetcher, now).unwrap();
    let woken: Vec<FlowId> = std::iter::from_fn(|| auth.poll_woken()).collect();
    assert_eq!(
        woken, waiters,
        "only flows in progress are reported, each once"
    );
}

/// Counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn set_waker_is_woken_once_when_the_wait_ends() {
    let mut auth = Authenticator::new(Config::default());
    let now = Duration::from_secs(10);
    let (fetcher, waiters) = one_fetch_many_waiters(&mut auth, 2, now);
    let count = Arc::new(Count::default());
    let waker = Waker::from(Arc::clone(&count));
    assert!(auth.set_waker(waiters[0], &waker));
    assert!(
        auth.set_waker(waiters[0], &waker),
        "a second call replaces the first"
    );
    auth.handle_token_response(fetcher, token_response(), now)
        .unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    let _ = auth.poll(fetcher);
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "woken once");
    auth.cancel(waiters[0]);
    assert!(
        !auth.set_waker(waiters[0], &waker),
        "an ended flow keeps no waker"
    );
}

#[test]
fn run_waits_out_a_token_request_an_abandoned_flow_left_unanswered() {
    let config = Config::default().fetch_timeout(Duration::from_millis(200));
    let mut auth = Authenticator::new(config);
    let registry = Registry::default();
    // An earlier flow, driven by hand, hands out a token request and is forgotten.
    let challenge = [("WWW-Authenticate", CHALLENGE)];
    let abandoned = auth.start(Request::get(URL), Instant::now()).unwrap();
    let _ = auth.poll(abandoned);
    auth.handle_response(
        abandoned,
        Response::new(401).headers(&challenge),
        Instant::now(),
    )
    .unwrap();
    assert!(matches!(auth.poll(abandoned), Action::FetchToken(_)));

    let started = Instant::now();
    let mut transport = |x: Exchange<'_>| Ok::<_, std::io::Error>(registry.answer(&x));
    let answer = drive::run(&mut auth, Request::get(URL), &mut transport).unwrap();
    assert_eq!(answer.status, 200);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(registry.token_requests.load(Ordering::SeqCst), 1);
}

#[test]
fn run_waits_for_a_token_request_in_progress_until_the_machine_presumes_it_lost() {
    // A blocking stack on a clock of its own: each wait moves the clock by what it was asked
    // to wait, so the wait the helper asks for is the one that ends the other flow's claim.
    struct Stack<'r> {
        registry: &'r Registry,
        clock: Duration,
        waits: Vec<Duration>,
    }
    impl drive::Transport for Stack<'_> {
        type Response = OwnedResponse;
        type Error = std::io::Error;
        fn exchange(&mut self, x: Exchange<'_>) -> Result<OwnedResponse, std::io::Error> {
            Ok(self.registry.answer(&x))
        }
        fn now(&mut self) -> registry_auth::Now {
            self.clock.into()
        }
        fn wait(&mut self, timeout: Duration) {
            self.waits.push(timeout);
            self.clock += timeout;
        }
    }
    let config = Config::default().fetch_timeout(Duration::from_secs(30));
    let mut auth = Authenticator::new(config);
    let registry = Registry::default();
    let challenge = [("WWW-Authenticate", CHALLENGE)];
    let at = Duration::from_secs(100);
    let abandoned = auth.start(Request::get(URL), at).unwrap();
    let _ = auth.poll(abandoned);
    auth.handle_response(abandoned, Response::new(401).headers(&challenge), at)
        .unwrap();
    assert!(matches!(auth.poll(abandoned), Action::FetchToken(_)));

    let mut stack = Stack {
        registry: &registry,
        clock: at + Duration::from_secs(10),
        waits: Vec::new(),
    };
    let answer = drive::run(&mut auth, Request::get(URL), &mut stack).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(stack.waits, [Duration::from_secs(20)]);
    assert_eq!(registry.token_requests.load(Ordering::SeqCst), 1);
}

#[test]
fn an_exchange_gives_the_headers_and_body_to_send_and_sets_them_on_a_header_map() {
    // A password grant: the token request is a POST form, the retry carries the token.
    let mut auth = Authenticator::new(Config::default().password_grant(true));
    auth.set_credentials("registry.example.com", Credentials::basic("alice", "pw-1"));
    let registry = Registry::default();
    let seen = Mutex::new(Vec::new());
    let mut transport = |x: Exchange<'_>| {
        let headers: Vec<(String, String)> = x
            .headers()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let mut map = http::HeaderMap::new();
        map.insert(
            http::header::AUTHORIZATION,
            "Basic callers-own".parse().unwrap(),
        );
        x.apply_to(&mut map);
        let applied: Vec<(String, String)> = map
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let body = x.body().map(|b| String::from_utf8(b.to_vec()).unwrap());
        let shown = format!("{x:?}");
        seen.lock()
            .unwrap()
            .push((headers, applied, body, shown, x.read_limit(401)));
        Ok::<_, std::io::Error>(registry.answer(&x))
    };
    drive::run(&mut auth, Request::get(URL), &mut transport).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 3);
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    // The first send: nothing to set, and the caller's header removed.
    assert_eq!(seen[0].0, []);
    assert_eq!(seen[0].1, []);
    assert_eq!(seen[0].2, None);
    // The token POST: a form body and its content type, and no Authorization.
    let form = "application/x-www-form-urlencoded";
    assert_eq!(seen[1].0, [pair("Content-Type", form)]);
    assert_eq!(seen[1].1, [pair("content-type", form)]);
    let body = seen[1].2.as_deref().unwrap();
    assert!(
        body.starts_with("grant_type=password&username=alice&password=pw-1"),
        "{body}"
    );
    // The retry: the token, set on the map in place of the caller's.
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(seen[2].0, [pair("Authorization", &bearer)]);
    assert_eq!(seen[2].1, [pair("authorization", &bearer)]);
    assert_eq!(seen[2].2, None);
    // Debug names the request and the scheme, never the secret; a registry's error body is
    // read up to 64 KiB.
    assert_eq!(
        seen[2].3,
        format!(
            "Exchange {{ token_request: false, method: Get, url: {URL:?}, \
             authorization: Some(Bearer), .. }}"
        )
    );
    assert!(!seen[1].3.contains("pw-1") && seen[1].3.contains("token_request: true"));
    assert_eq!(seen[0].4, Some(64 * 1024));
}

#[test]
fn an_owned_response_finds_headers_without_case_and_shows_no_values() {
    let r = OwnedResponse::new(
        401,
        vec![
            ("WWW-Authenticate".into(), b"Bearer first".to_vec()),
            ("www-authenticate".into(), b"Basic second".to_vec()),
            ("Set-Cookie".into(), b"secret-cookie".to_vec()),
        ],
        b"{}".to_vec(),
    );
    assert_eq!(r.header("www-AUTHENTICATE"), Some(&b"Bearer first"[..]));
    assert_eq!(r.header("Location"), None);
    assert_eq!(
        format!("{r:?}"),
        r#"OwnedResponse { status: 401, header_names: ["WWW-Authenticate", "www-authenticate", "Set-Cookie"], body_len: 2 }"#
    );
}

#[test]
fn a_blocking_run_waiting_on_another_threads_token_request_is_woken_when_it_ends() {
    // Thread one's token request takes 300 ms; thread two meets it in progress and waits.
    // The machine's wake unparks thread two at once, long before the 30-second claim ends.
    let auth = Mutex::new(Authenticator::new(
        Config::default().fetch_timeout(Duration::from_secs(30)),
    ));
    let registry = Registry::default();
    let (fetching, fetch_started) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let one = s.spawn(|| {
            let fetching = fetching;
            let mut transport = |x: Exchange<'_>| {
                if x.is_token_request() {
                    fetching.send(()).unwrap();
                    std::thread::sleep(Duration::from_millis(300));
                }
                Ok::<_, std::io::Error>(registry.answer(&x))
            };
            drive::run(&auth, Request::get(URL), &mut transport).unwrap()
        });
        fetch_started.recv().unwrap();
        let started = Instant::now();
        let mut transport = |x: Exchange<'_>| Ok::<_, std::io::Error>(registry.answer(&x));
        let two = drive::run(&auth, Request::get(URL), &mut transport).unwrap();
        let waited = started.elapsed();
        assert_eq!((one.join().unwrap().status, two.status), (200, 200));
        assert!(waited < Duration::from_secs(10), "{waited:?}");
    });
    assert_eq!(registry.token_requests.load(Ordering::SeqCst), 1);
}

#[test]
fn a_drive_error_gives_the_error_it_wraps_as_its_source() {
    use std::error::Error as _;
    let e: DriveError<std::io::Error> = DriveError::Transport(std::io::Error::other("refused"));
    let source = e.source().unwrap();
    assert_eq!(source.to_string(), "refused");
    assert!(source.downcast_ref::<std::io::Error>().is_some());
    let e: DriveError<std::io::Error> = DriveError::Auth(Error::SendFailed);
    assert!(e.source().unwrap().downcast_ref::<Error>().is_some());
}

/// An async registry client over the same fake registry: token requests take a while, so
/// that concurrent flows meet the fetch in progress.
struct Slow {
    registry: Arc<Registry>,
}

impl AsyncTransport for Slow {
    type Response = OwnedResponse;
    type Error = std::io::Error;

    async fn exchange(&mut self, x: Exchange<'_>) -> Result<OwnedResponse, std::io::Error> {
        if x.is_token_request() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        } else {
            tokio::task::yield_now().await;
        }
        Ok(self.registry.answer(&x))
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn run_async_tasks_sharing_a_mutex_share_one_token_fetch_and_wake_without_delay() {
    let runtime = runtime();
    let registry = Arc::new(Registry::default());
    let auth = Arc::new(Mutex::new(Authenticator::new(Config::default())));
    let started = Instant::now();
    let statuses = runtime.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let auth = Arc::clone(&auth);
                let mut transport = Slow {
                    registry: Arc::clone(&registry),
                };
                // `tokio::spawn` wants a `Send` future: the helper's is, over a `Send`
                // transport.
                tokio::spawn(async move {
                    let url =
                        format!("https://registry.example.com/v2/team/app/blobs/sha256:{n:064x}");
                    drive::run_async(&auth, Request::get(&url), &mut transport)
                        .await
                        .map(|r| r.status)
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap().unwrap());
        }
        statuses
    });
    assert_eq!(statuses, [200; 8]);
    assert_eq!(registry.token_requests.load(Ordering::SeqCst), 1);
    // The waiting tasks were woken when the fetch ended (100 ms), not by a timeout (60 s).
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let auth = auth.lock().unwrap();
    assert_eq!(auth.flows_in_progress(), 0);
    assert_eq!(auth.cached_tokens(), 1);
}

#[test]
fn dropping_a_run_async_future_cancels_its_flow() {
    let runtime = runtime();
    let registry = Arc::new(Registry::default());
    let auth = Arc::new(Mutex::new(Authenticator::new(Config::default())));
    runtime.block_on(async {
        let mut transport = Slow {
            registry: Arc::clone(&registry),
        };
        // Time out in the middle of the token request.
        let run = drive::run_async(&auth, Request::get(URL), &mut transport);
        let out = tokio::time::timeout(Duration::from_millis(50), run).await;
        assert!(out.is_err(), "the token request takes 100 ms");
    });
    let mut auth = auth.lock().unwrap();
    assert_eq!(auth.flows_in_progress(), 0);
    // Its token request was released: the next flow fetches its own, it does not wait.
    let id = auth.start(Request::get(URL), Instant::now()).unwrap();
    assert!(matches!(auth.poll(id), Action::FetchToken(_)));
    let _ = Credentials::Anonymous;
}
