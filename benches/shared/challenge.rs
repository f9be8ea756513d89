//! Inputs and workloads that the challenge benchmarks (`parse`, `interleaved`) share.
#![allow(dead_code)] // each benchmark uses part of it

use std::hint::black_box;

use registry_auth::challenge::{Challenges, ParseError, ParserConfig};

/// Docker Hub's challenge for a manifest of `library/alpine`.
pub const DOCKER_HUB: &str = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;

/// A Bearer challenge answering an under-scoped token, and a Basic one: 5 parameters.
pub fn insufficient_scope() -> String {
    concat!(
        r#"Bearer realm="https://auth.example.com/token",service="registry.example.com","#,
        r#"scope="repository:library/hello:pull,push",error="insufficient_scope", "#,
        r#"Basic realm="registry""#,
    )
    .to_owned()
}

/// A Bearer challenge of about 300 bytes whose values are full of quoted-pairs (`\"`, `\\`),
/// and how many parameters it has.
pub fn escapes() -> (String, usize) {
    let mut value = String::from(r#"Bearer realm="https://a.example/t\"o\\k\"e\\n""#);
    let mut params = 1;
    // Names must differ: www-authenticate rejects a repeated parameter.
    while value.len() < 300 {
        let name = if params == 1 {
            "error_description".to_owned()
        } else {
            format!("d{params}")
        };
        value.push_str(&format!(
            r#",{name}="the \"quoted\" \\ text \"with\" many \\\" escapes""#
        ));
        params += 1;
    }
    (value, params)
}

/// One Bearer challenge of about 64 KiB: quoted URLs only, about 1,500 parameters.
pub fn many_params() -> (String, usize) {
    let mut value = String::from("Bearer ");
    let mut params = 0;
    loop {
        let sep = if params == 0 { "" } else { ", " };
        let param = format!(r#"{sep}p{params}="https://auth.example.com/token/{params}""#);
        if value.len() + param.len() > 64 * 1024 {
            break;
        }
        value.push_str(&param);
        params += 1;
    }
    (value, params)
}

/// A 64 KiB header of Bearer challenges that mixes quoted values, unquoted tokens and quoted
/// values with escapes, in ASCII (http-auth rejects anything else). One value in five holds
/// quoted-pairs.
pub fn mixed_64k() -> (String, usize) {
    let mut value = String::new();
    let mut params = 0;
    for n in 0.. {
        let sep = if n == 0 { "" } else { ", " };
        let challenge = format!(
            concat!(
                r#"{sep}Bearer realm="https://auth{n}.example.com/token",service=registry-{n}.example.com,"#,
                r#"scope="repository:team/app-{n}:pull,push",error=insufficient_scope,"#,
                r#"error_description="the \"quoted\" token {n} lacks \\ scope""#,
            ),
            sep = sep,
            n = n
        );
        if value.len() + challenge.len() > 64 * 1024 {
            break;
        }
        value.push_str(&challenge);
        params += 5;
    }
    (value, params)
}

/// The result, borrowed where it lies: moving it out of the `Result` would time a copy of the
/// parser's output type, which a caller that reads the result in place never pays.
pub fn ok<'r, T, E: std::fmt::Display>(parser: &str, r: &'r Result<T, E>) -> &'r T {
    r.as_ref().unwrap_or_else(|e| panic!("{parser}: {e}"))
}

fn read(parsed: &Result<Challenges<'_>, ParseError>) -> usize {
    let mut bytes = 0;
    for c in ok("registry-auth", parsed) {
        for p in c.params() {
            bytes += p.value.to_str().map_or(0, |s| black_box(s).len());
        }
    }
    black_box(parsed);
    bytes
}

/// The client's workload: parse, then read every parameter value as text, unescaped. Returns
/// the number of text bytes read.
pub fn read_ours(value: &[u8], config: &ParserConfig) -> usize {
    read(&config.parse(value))
}

/// [`read_ours`] from a `&str`, the starting point http-auth has.
pub fn read_ours_str(value: &str, config: &ParserConfig) -> usize {
    read(&config.parse_str(value))
}

/// The same workload with http-auth: `parse_challenges`, then `to_unescaped` of every value.
pub fn read_http_auth(value: &str) -> usize {
    let parsed = http_auth::parse_challenges(value);
    let mut bytes = 0;
    for c in ok("http-auth", &parsed) {
        for (_, v) in &c.params {
            bytes += black_box(v.to_unescaped()).len();
        }
    }
    black_box(&parsed);
    bytes
}
