//! The machine's hot path (a request to a registry with a cached, valid token) and a full
//! Docker Hub style flow with canned responses.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use registry_auth::{Action, Authenticator, Config, Request, Response};

const URL: &str = "https://registry-1.docker.io/v2/library/alpine/manifests/latest";
const CHALLENGE: &[u8] =
    br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#;
const TOKEN: &[u8] = br#"{"token":"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3MiOltdfQ.c2lnbmF0dXJl","expires_in":300}"#;

/// Runs one flow to its end against a canned Docker Hub; returns the number of actions.
fn flow(auth: &mut Authenticator, now: Duration) -> usize {
    let id = auth.start(Request::get(URL), now).unwrap();
    let challenge = [("WWW-Authenticate", CHALLENGE)];
    let mut n = 0;
    loop {
        n += 1;
        match auth.poll(id) {
            Action::Send(s) => {
                let r = if s.authorization().is_some() {
                    Response::new(200)
                } else {
                    Response::new(401).headers(&challenge[..])
                };
                auth.handle_response(id, r, now).unwrap();
            }
            Action::FetchToken(_) => {
                auth.handle_token_response(id, Response::new(200).body(TOKEN), now)
                    .unwrap();
            }
            Action::Done => return n,
            other => panic!("{other:?}"),
        }
    }
}

fn machine(c: &mut Criterion) {
    let now = Duration::from_secs(1000);
    let mut g = c.benchmark_group("machine");

    let mut warm = Authenticator::new(Config::default());
    assert_eq!(flow(&mut warm, now), 4, "401, fetch, send, done");
    assert_eq!(flow(&mut warm, now), 2, "cached: send, done");
    g.bench_function("cached-token request", |b| {
        b.iter(|| {
            let id = warm.start(Request::get(black_box(URL)), now).unwrap();
            let Action::Send(send) = warm.poll(id) else {
                unreachable!()
            };
            black_box(send.authorization());
            warm.handle_response(id, Response::new(200), now).unwrap();
            let done = warm.poll(id);
            debug_assert!(matches!(done, Action::Done));
            let _ = black_box(done);
        })
    });

    g.bench_function("full flow (401, token, retry)", |b| {
        b.iter_batched(
            || Authenticator::new(Config::default()),
            |mut auth| black_box(flow(&mut auth, now)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, machine);
criterion_main!(benches);
