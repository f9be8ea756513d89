//! Workloads for the instruction-count gate (`benches/instructions.sh`): each case sets up its
//! state, then runs its measured step a given number of times. The gate runs a case twice
//! under callgrind, with 0 and with N steps; the difference over N is the instructions one
//! step costs, whatever the set-up cost. Instruction counts do not depend on the load of a
//! shared machine, so a growth is a change in the code.
//!
//! `instructions CASE STEPS` (no arguments: every case once, as `cargo test --benches` does).

use std::hint::black_box;
use std::time::Duration;

use registry_auth::challenge::Challenges;
use registry_auth::{Action, Authenticator, Config, FlowId, Request, Response};

const NOW: Duration = Duration::from_secs(1_000);
const HUB_URL: &str = "https://registry-1.docker.io/v2/library/alpine/manifests/latest";
const HUB_CHALLENGE: &[u8] = br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;
const TOKEN: &[u8] = br#"{"token":"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3MiOltdfQ.c2lnbmF0dXJl","expires_in":3600}"#;

/// The most steps a case with a per-step set-up takes.
const MAX_STEPS: usize = 2_000;

/// The cases, in the order the gate reports them.
const CASES: [&str; 5] = [
    "parse_docker_hub",
    "cached_request",
    "full_flow",
    "cached_request_10k_repositories",
    "first_request_10k_registries",
];

/// Drives one flow to its end against a canned registry.
fn drive(auth: &mut Authenticator, id: FlowId, challenge: &[u8]) {
    let headers = [("WWW-Authenticate", challenge)];
    loop {
        match auth.poll(id) {
            Action::Send(s) if s.authorization().is_none() => auth
                .handle_response(id, Response::new(401).headers(&headers), NOW)
                .unwrap(),
            Action::Send(_) => auth.handle_response(id, Response::new(200), NOW).unwrap(),
            Action::FetchToken(_) => auth
                .handle_token_response(id, Response::new(200).body(TOKEN), NOW)
                .unwrap(),
            Action::Done => return,
            other => panic!("{other:?}"),
        }
    }
}

fn get(auth: &mut Authenticator, url: &str, challenge: &[u8]) {
    let id = auth.start(Request::get(url), NOW).unwrap();
    drive(auth, id, challenge);
}

fn cached_step(auth: &mut Authenticator, url: &str) {
    let id = auth.start(Request::get(black_box(url)), NOW).unwrap();
    let Action::Send(send) = auth.poll(id) else {
        panic!("a cached token is sent at once")
    };
    black_box(send.authorization());
    auth.handle_response(id, Response::new(200), NOW).unwrap();
    let _ = black_box(auth.poll(id));
}

fn repo_url(i: usize) -> String {
    format!("https://registry.example.com/v2/team/r{i}/manifests/latest")
}

const REG_CHALLENGE: &[u8] =
    br#"Bearer realm="https://auth.example.com/token",service="registry.example.com""#;

fn run(case: &str, steps: usize) {
    match case {
        "parse_docker_hub" => {
            for _ in 0..steps {
                let list = Challenges::parse(black_box(HUB_CHALLENGE)).unwrap();
                black_box(list.iter().map(|c| c.params().count()).sum::<usize>());
            }
        }
        "cached_request" => {
            let mut auth = Authenticator::new(Config::default());
            get(&mut auth, HUB_URL, HUB_CHALLENGE);
            for _ in 0..steps {
                cached_step(&mut auth, HUB_URL);
            }
        }
        "full_flow" => {
            for _ in 0..steps {
                let mut auth = Authenticator::new(Config::default());
                get(&mut auth, black_box(HUB_URL), HUB_CHALLENGE);
            }
        }
        "cached_request_10k_repositories" => {
            let n = 10_000;
            let mut auth = Authenticator::new(Config::default().max_cached_tokens(n));
            let urls: Vec<String> = (0..n).map(repo_url).collect();
            for u in &urls {
                get(&mut auth, u, REG_CHALLENGE);
            }
            for k in 0..steps {
                cached_step(&mut auth, &urls[(k * 7919) % n]);
            }
        }
        "first_request_10k_registries" => {
            // The same set-up whatever `steps` is, so that only the steps differ.
            assert!(steps <= MAX_STEPS);
            let n = 10_000;
            let config = Config::default()
                .max_registries(n + MAX_STEPS)
                .max_cached_tokens(n + MAX_STEPS);
            let mut auth = Authenticator::new(config);
            let known: Vec<(String, Vec<u8>)> = (0..n + MAX_STEPS)
                .map(|r| {
                    let host = format!("r{r}.example.com");
                    let challenge =
                        format!(r#"Bearer realm="https://auth.{host}/token",service="{host}""#);
                    (
                        format!("https://{host}/v2/a/manifests/1"),
                        challenge.into_bytes(),
                    )
                })
                .collect();
            for (u, c) in &known[..n] {
                get(&mut auth, u, c);
            }
            for (u, c) in &known[n..n + steps] {
                get(&mut auth, u, c);
            }
        }
        other => panic!("unknown case {other}; cases: {CASES:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [case, steps] => run(case, steps.parse().expect("STEPS is a number")),
        _ => {
            for case in CASES {
                run(case, 1);
            }
            println!("cases: {}", CASES.join(" "));
        }
    }
}
