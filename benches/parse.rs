//! `WWW-Authenticate` parsing: registry-auth against http-auth and www-authenticate, on the same
//! inputs in the same run, so that machine load affects all three alike.
//!
//! Two workloads. `parse/*` parses and counts parameters. `read/*` is what a client does with a
//! challenge: parse, then read every parameter value as text, unescaping where needed
//! (registry-auth's `Value::to_str` against http-auth's `ParamValue::to_unescaped`).
//!
//! Every routine parses, touches the result (counts the parameters) and `black_box`es it, so no
//! parser gets credit for work the optimiser could drop; the result is dropped inside the timed
//! routine, so parsers that allocate pay for freeing too. Before anything is timed, `checked`
//! proves that each parser accepts each input and sees the same number of parameters: a
//! benchmark that times an error path would flatter the parser that fails fastest.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
#[path = "shared/challenge.rs"]
mod shared;
use hyperx::header::{Header, Raw};
use registry_auth::challenge::{Challenges, Limits, ParseError, ParserConfig};
use shared::ok;
use www_authenticate::{RawChallenge, WwwAuthenticate};

/// One benchmark input and what every parser must make of it.
struct Input {
    name: &'static str,
    value: String,
    config: ParserConfig,
    params: usize,
    /// www-authenticate keeps challenges in a map keyed by scheme and cannot list them, so its
    /// parameters are counted by asking for each scheme the input holds.
    schemes: &'static [&'static str],
}

fn docker_hub() -> Input {
    Input {
        name: "a_docker_hub",
        value: shared::DOCKER_HUB.to_owned(),
        config: ParserConfig::strict(),
        params: 3,
        schemes: &["Bearer"],
    }
}

fn insufficient_scope() -> Input {
    Input {
        name: "b_insufficient_scope",
        value: shared::insufficient_scope(),
        config: ParserConfig::strict(),
        params: 5,
        schemes: &["Bearer", "Basic"],
    }
}

fn escapes() -> Input {
    let (value, params) = shared::escapes();
    Input {
        name: "c_escapes",
        value,
        config: ParserConfig::strict(),
        params,
        schemes: &["Bearer"],
    }
}

fn many_params() -> Input {
    let (value, params) = shared::many_params();
    Input {
        name: "d_64k_params",
        value,
        // More parameters than one challenge may carry by default; this input is about
        // throughput on a large header, not about what a client should accept.
        config: ParserConfig::strict().limits(Limits::UNLIMITED),
        params,
        schemes: &["Bearer"],
    }
}

fn count_ours(parsed: &Result<Challenges<'_>, ParseError>) -> usize {
    let params = ok("registry-auth", parsed)
        .iter()
        .map(|c| c.params().count())
        .sum();
    black_box(parsed);
    params
}

/// From bytes, as `http::HeaderValue::as_bytes` gives them (validated as UTF-8 by the parser).
fn ours(value: &[u8], config: &ParserConfig) -> usize {
    count_ours(&config.parse(value))
}

/// From text, as http-auth takes it: the same starting point as the other parsers.
fn ours_str(value: &str, config: &ParserConfig) -> usize {
    count_ours(&config.parse_str(value))
}

fn http_auth(value: &str) -> usize {
    let parsed = http_auth::parse_challenges(value);
    let params = ok("http-auth", &parsed)
        .iter()
        .map(|c| c.params.len())
        .sum();
    black_box(&parsed);
    params
}

fn www_authenticate(raw: &Raw, schemes: &[&str]) -> usize {
    let parsed = <WwwAuthenticate as Header>::parse_header(raw);
    let map = ok("www-authenticate", &parsed);
    let params = schemes
        .iter()
        .filter_map(|s| map.get_raw(s))
        .flatten()
        .map(|c| match c {
            RawChallenge::Fields(f) => f.len(),
            RawChallenge::Token68(_) => 0,
        })
        .sum();
    black_box(&parsed);
    params
}

/// The input, after proving that all three parsers accept it alike.
fn checked(input: Input) -> (Input, Raw) {
    let raw = Raw::from(input.value.as_bytes());
    let got = [
        ("registry-auth", ours(input.value.as_bytes(), &input.config)),
        ("registry-auth (str)", ours_str(&input.value, &input.config)),
        ("http-auth", http_auth(&input.value)),
        ("www-authenticate", www_authenticate(&raw, input.schemes)),
    ];
    for (parser, params) in got {
        assert_eq!(
            params, input.params,
            "{parser} read {params} params from {}, expected {}",
            input.name, input.params
        );
    }
    (input, raw)
}

fn parse(c: &mut Criterion) {
    for input in [docker_hub(), insufficient_scope(), escapes(), many_params()] {
        let (input, raw) = checked(input);
        let mut group = c.benchmark_group(format!("parse/{}", input.name));
        group.throughput(Throughput::Bytes(input.value.len() as u64));
        let bytes = input.value.as_bytes();
        group.bench_function("registry-auth", |b| {
            b.iter(|| ours(black_box(bytes), &input.config))
        });
        group.bench_function("registry-auth-str", |b| {
            b.iter(|| ours_str(black_box(&input.value), &input.config))
        });
        group.bench_function("http-auth", |b| {
            b.iter(|| http_auth(black_box(&input.value)))
        });
        group.bench_function("www-authenticate", |b| {
            b.iter(|| www_authenticate(black_box(&raw), input.schemes))
        });
        group.finish();
    }
}

fn read(c: &mut Criterion) {
    let (mixed, params) = shared::mixed_64k();
    let inputs = [
        (
            "a_docker_hub",
            shared::DOCKER_HUB.to_owned(),
            ParserConfig::strict(),
            3,
        ),
        (
            "b_64k_mixed",
            mixed,
            // Unlimited, so that the same bench runs on parsers with smaller default limits.
            ParserConfig::strict().limits(Limits::UNLIMITED),
            params,
        ),
    ];
    for (name, value, config, params) in inputs {
        // Both read the same text, and the parameter counts agree (see `checked`).
        assert_eq!(ours(value.as_bytes(), &config), params, "{name}");
        assert_eq!(http_auth(&value), params, "{name}");
        assert_eq!(
            shared::read_ours(value.as_bytes(), &config),
            shared::read_http_auth(&value),
            "{name}: the text read differs"
        );
        let mut group = c.benchmark_group(format!("read/{name}"));
        group.throughput(Throughput::Bytes(value.len() as u64));
        group.bench_function("registry-auth", |b| {
            b.iter(|| shared::read_ours(black_box(value.as_bytes()), &config))
        });
        group.bench_function("registry-auth-str", |b| {
            b.iter(|| shared::read_ours_str(black_box(&value), &config))
        });
        group.bench_function("http-auth", |b| {
            b.iter(|| shared::read_http_auth(black_box(&value)))
        });
        group.finish();
    }
}

criterion_group!(benches, parse, read);
criterion_main!(benches);
