//! A noise-resistant cross-check of `benches/parse.rs` on a shared machine: the parsers take
//! turns in short rounds, and each keeps its fastest round. Neighbours' load slows rounds down
//! but never speeds them up, so the minimum is the least disturbed measurement of each, taken
//! in the same seconds as the others'.
//!
//! `cargo bench --bench interleaved`

use std::hint::black_box;
use std::time::Instant;

use registry_auth::challenge::{Limits, ParserConfig};

const DOCKER_HUB: &str = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;

fn many_params() -> String {
    let mut value = String::from("Bearer ");
    for n in 0.. {
        let sep = if n == 0 { "" } else { ", " };
        let param = format!(r#"{sep}p{n}="https://auth.example.com/token/{n}""#);
        if value.len() + param.len() > 64 * 1024 {
            break;
        }
        value.push_str(&param);
    }
    value
}

type Parser = fn(&str) -> usize;

fn ours(v: &str) -> usize {
    let config = ParserConfig::strict().limits(Limits::UNLIMITED);
    let parsed = config.parse(black_box(v.as_bytes()));
    let n = parsed
        .as_ref()
        .map_or(0, |c| c.iter().map(|c| c.params().count()).sum());
    black_box(&parsed);
    n
}

fn ours_str(v: &str) -> usize {
    let config = ParserConfig::strict().limits(Limits::UNLIMITED);
    let parsed = config.parse_str(black_box(v));
    let n = parsed
        .as_ref()
        .map_or(0, |c| c.iter().map(|c| c.params().count()).sum());
    black_box(&parsed);
    n
}

fn http_auth(v: &str) -> usize {
    let parsed = http_auth::parse_challenges(black_box(v));
    let n = parsed
        .as_ref()
        .map_or(0, |c| c.iter().map(|c| c.params.len()).sum());
    black_box(&parsed);
    n
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and then one short round checks that the parsers agree, without timing anything.
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 40 } else { 1 };
    let big = many_params();
    let inputs: [(&str, &str, usize); 2] =
        [("docker hub", DOCKER_HUB, 50_000), ("64 KiB", &big, 100)];
    let parsers: [(&str, Parser); 3] = [
        ("registry-auth", ours),
        ("registry-auth (str)", ours_str),
        ("http-auth", http_auth),
    ];
    for (name, input, iters) in inputs {
        let iters = if measuring { iters } else { 1 };
        let expected = ours(input);
        let mut best = [f64::MAX; 3];
        for _ in 0..rounds {
            for (i, (_, parse)) in parsers.iter().enumerate() {
                let start = Instant::now();
                for _ in 0..iters {
                    assert_eq!(parse(input), expected);
                }
                let per = start.elapsed().as_nanos() as f64 / iters as f64;
                best[i] = best[i].min(per);
            }
        }
        if !measuring {
            continue;
        }
        println!(
            "{name} ({} bytes, {expected} params), fastest of {rounds} rounds:",
            input.len()
        );
        for (i, (parser, _)) in parsers.iter().enumerate() {
            println!(
                "  {parser:<20} {:>10.1} ns   {:>5.2}x faster than http-auth",
                best[i],
                best[2] / best[i]
            );
        }
    }
}
