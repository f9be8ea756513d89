//! How the machine's costs grow with what it holds: cached repositories, known registries,
//! flows in progress. Prints one table per curve, the time per operation (best of several
//! rounds, so load on a shared machine only ever slows a round down) and the heap bytes each
//! entry holds (a counting allocator).
//!
//! `cargo bench --bench scale` (add `-- --quick` for a short run).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use registry_auth::{Action, Authenticator, Config, FlowId, Request, Response};

/// Counts the bytes alive on the heap.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY (not ours to prove beyond this): every call is forwarded unchanged to the system
// allocator; the counter only observes sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

const NOW: Duration = Duration::from_secs(1_000);
/// A JWT-sized token, as registries issue them.
fn token_body(i: usize) -> Vec<u8> {
    format!(
        r#"{{"token":"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3MiOlt7InJlcG8iOiJ0ZWFtL3J7aX0ifV19.c2lnbmF0dXJlLXtpfQ-{i}","expires_in":3600}}"#
    )
    .into_bytes()
}

fn url(host: &str, repo: usize) -> String {
    format!("https://{host}/v2/team/r{repo}/manifests/latest")
}

fn challenge(host: &str) -> Vec<u8> {
    format!(r#"Bearer realm="https://auth.{host}/token",service="{host}""#).into_bytes()
}

/// Drives one flow to its end against a canned registry; returns whether it was `Done`.
fn drive(auth: &mut Authenticator, id: FlowId, host: &str, token: &[u8]) -> bool {
    let challenge = challenge(host);
    let headers = [("WWW-Authenticate", challenge.as_slice())];
    loop {
        match auth.poll(id) {
            Action::Send(s) if s.authorization().is_none() => auth
                .handle_response(id, Response::new(401).headers(&headers), NOW)
                .unwrap(),
            Action::Send(_) => auth.handle_response(id, Response::new(200), NOW).unwrap(),
            Action::FetchToken(_) => auth
                .handle_token_response(id, Response::new(200).body(token), NOW)
                .unwrap(),
            Action::Done => return true,
            other => panic!("{other:?}"),
        }
    }
}

fn get(auth: &mut Authenticator, host: &str, repo: usize) -> bool {
    let u = url(host, repo);
    let id = auth.start(Request::get(&u), NOW).unwrap();
    drive(auth, id, host, &token_body(repo))
}

/// The fastest of `rounds` rounds of `iters` calls, per call.
fn best(rounds: usize, iters: usize, mut f: impl FnMut(usize)) -> Duration {
    let mut best = Duration::MAX;
    let mut k = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..iters {
            f(k);
            k += 1;
        }
        best = best.min(t.elapsed() / iters as u32);
    }
    best
}

fn ns(d: Duration) -> String {
    format!("{:.0} ns", d.as_nanos() as f64)
}

/// A request with a cached token, with `n` repositories' tokens cached.
fn cached_repositories(quick: bool) {
    println!("\n## Cached-token request, by repositories cached (one registry)\n");
    println!("| repositories | time per request | heap per cached token |");
    println!("|---:|---:|---:|");
    let sizes: &[usize] = if quick {
        &[1, 100, 1_000]
    } else {
        &[1, 10, 100, 1_000, 10_000]
    };
    for &n in sizes {
        let config = Config::default().max_cached_tokens(n);
        let before = live();
        let mut auth = Authenticator::new(config);
        get(&mut auth, "registry.example.com", 0);
        let one = live();
        for repo in 1..n {
            assert!(get(&mut auth, "registry.example.com", repo));
        }
        let per_token = if n > 1 {
            (live() - one) / (n as isize - 1)
        } else {
            one - before
        };
        assert_eq!(auth.cached_tokens(), n);
        let urls: Vec<String> = (0..n).map(|r| url("registry.example.com", r)).collect();
        let t = best(if quick { 3 } else { 10 }, 2_000, |k| {
            let u = &urls[(k * 7919) % n];
            let id = auth.start(Request::get(black_box(u)), NOW).unwrap();
            let Action::Send(send) = auth.poll(id) else {
                panic!("cached")
            };
            black_box(send.authorization());
            auth.handle_response(id, Response::new(200), NOW).unwrap();
            let _ = black_box(auth.poll(id));
        });
        println!("| {n} | {} | {per_token} B |", ns(t));
    }
}

/// The first request to a new registry (401, token request, retry), with `n` registries
/// already known.
fn known_registries(quick: bool) {
    println!("\n## First request to a new registry, by registries known\n");
    println!("| registries known | time per first request | heap per registry |");
    println!("|---:|---:|---:|");
    let sizes: &[usize] = if quick {
        &[100, 1_000]
    } else {
        &[100, 1_000, 10_000]
    };
    let rounds = if quick { 3 } else { 8 };
    let iters = 200;
    for &n in sizes {
        let config = Config::default()
            .max_registries(n + rounds * iters + 1)
            .max_cached_tokens(n + rounds * iters + 1);
        let mut auth = Authenticator::new(config);
        let before = live();
        for r in 0..n {
            assert!(get(&mut auth, &format!("r{r}.example.com"), 0));
        }
        let per_registry = (live() - before) / n as isize;
        assert_eq!(auth.known_registries(), n);
        let hosts: Vec<String> = (0..rounds * iters)
            .map(|r| format!("new{r}.example.com"))
            .collect();
        let t = best(rounds, iters, |k| {
            black_box(get(&mut auth, &hosts[k], 0));
        });
        println!("| {n} | {} | {per_registry} B |", ns(t));
    }
}

/// `n` flows in progress at once, each through a whole cached request: cost per flow.
fn flows_in_progress(quick: bool) {
    println!("\n## Flows in progress at once (cached tokens, 100 repositories)\n");
    println!("| flows | time per flow | heap per live flow |");
    println!("|---:|---:|---:|");
    let sizes: &[usize] = if quick {
        &[100, 10_000]
    } else {
        &[100, 1_000, 10_000, 50_000]
    };
    for &n in sizes {
        let mut auth = Authenticator::new(Config::default().max_flows(n).max_cached_tokens(100));
        for repo in 0..100 {
            get(&mut auth, "registry.example.com", repo);
        }
        let urls: Vec<String> = (0..100).map(|r| url("registry.example.com", r)).collect();
        let mut ids = Vec::with_capacity(n);
        let mut per_flow = 0;
        let rounds = if quick { 2 } else { 5 };
        let t = best(rounds, 1, |_| {
            let before = live();
            for i in 0..n {
                let id = auth.start(Request::get(&urls[i % 100]), NOW).unwrap();
                let Action::Send(_) = auth.poll(id) else {
                    panic!("cached")
                };
                ids.push(id);
            }
            per_flow = per_flow.max((live() - before) / n as isize);
            for id in ids.drain(..) {
                auth.handle_response(id, Response::new(200), NOW).unwrap();
                let _ = black_box(auth.poll(id));
            }
        }) / n as u32;
        println!("| {n} | {} | {per_flow} B |", ns(t));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs this with no `--bench`: a quick pass that checks it works.
    let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    println!("# Scale curves{}", if quick { " (quick)" } else { "" });
    cached_repositories(quick);
    known_registries(quick);
    flows_in_progress(quick);
}
