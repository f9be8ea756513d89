//! Docker `config.json` files built from the input, with every password and token holding
//! the marker `FUZZSECRET`, so that a target can assert the marker never prints.

// Each target uses a different subset of these helpers.
#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use libfuzzer_sys::arbitrary::Unstructured;
use serde_json::{json, Map, Value};

use crate::gen::{chance, flag, index, int, pick, pick_or_text};

pub const SECRET: &str = "FUZZSECRET";

/// Keys and registry names: Docker Hub under its aliases, default ports, schemes and paths,
/// case, IPv6, and Podman's keys for a namespace.
pub const NAMES: [&str; 23] = [
    "https://index.docker.io/v1/",
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "Docker.IO",
    "registry.example.com",
    "https://registry.example.com/v2/",
    "registry.example.com:443",
    "REGISTRY.example.com",
    "registry.example.com:8443",
    "localhost:5000",
    "http://localhost:5000/v2/",
    "[::1]:443",
    "[::1]",
    "http://r.example.com:80/",
    "ghcr.io",
    " ghcr.io ",
    "",
    "quay.io",
    "quay.io/org-a",
    "quay.io/org-a/app/",
    "Quay.io/org-b",
    "docker.io/library",
];

/// Repositories asked about with `lookup_repository`, beside the namespaces of the keys.
pub const REPOSITORIES: [&str; 7] = [
    "org-a/app",
    "org-a",
    "org-ab/app",
    "org-b/x/y",
    "library/alpine",
    "v2/x",
    "",
];

pub const HELPERS: [&str; 8] = [
    "desktop",
    "osxkeychain",
    "ecr-login",
    "",
    "bad/name",
    "a b",
    "x\ny",
    "..\\x",
];

/// Text of the input for a place that is not a secret: the marker there would be shown
/// legitimately, so it is defused.
pub fn clean(s: String) -> String {
    s.replace(SECRET, "fuzzsecret")
}

fn name(u: &mut Unstructured<'_>) -> String {
    clean(pick_or_text(u, &NAMES, 30))
}

fn field_name(u: &mut Unstructured<'_>, name: &'static str) -> String {
    // Go's encoding/json matches field names without regard to case.
    match index(u, 3) {
        0 | 1 => name.to_string(),
        _ => name.to_ascii_uppercase(),
    }
}

fn auth_value(u: &mut Unstructured<'_>) -> Value {
    let user = clean(pick_or_text(u, &["alice", "", "<token>", "a:b"], 12));
    let plain = format!("{user}:{SECRET}-auth:{}", int(u, 0, 99));
    match index(u, 9) {
        0 | 1 => Value::String(STANDARD.encode(&plain)),
        2 => Value::String(STANDARD_NO_PAD.encode(&plain)),
        3 => {
            let wrapped: Vec<String> = STANDARD
                .encode(&plain)
                .as_bytes()
                .chunks(8)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Value::String(wrapped.join("\n"))
        }
        4 => json!("not base64!"),
        5 => {
            let mut raw = vec![0xff, 0xfe, b':'];
            raw.extend_from_slice(SECRET.as_bytes());
            Value::String(STANDARD.encode(raw))
        }
        6 => Value::String(STANDARD.encode(format!("{SECRET}-without-colon"))),
        7 => json!(""),
        _ => pick(u, &[json!(5), json!(null)]).clone(),
    }
}

fn secret_value(u: &mut Unstructured<'_>, what: &str) -> Value {
    match index(u, 5) {
        0 | 1 => Value::String(format!("{SECRET}-{what}-{}", int(u, 0, 99))),
        2 => json!(""),
        3 => json!(null),
        _ => json!(7),
    }
}

fn auth_entry(u: &mut Unstructured<'_>) -> Value {
    match index(u, 10) {
        0 => return json!(null),
        1 => return json!("wrong"),
        _ => {}
    }
    let mut e = Map::new();
    if flag(u) {
        e.insert(field_name(u, "auth"), auth_value(u));
    }
    if flag(u) {
        let user = match index(u, 3) {
            0 => json!(5),
            _ => Value::String(clean(pick_or_text(u, &["alice", "", "<token>"], 12))),
        };
        e.insert(field_name(u, "username"), user);
    }
    for field in ["password", "identitytoken", "registrytoken"] {
        if flag(u) {
            e.insert(field_name(u, field), secret_value(u, field));
        }
    }
    if chance(u, 1, 4) {
        e.insert("email".into(), json!("alice@example.com"));
    }
    Value::Object(e)
}

fn helper_value(u: &mut Unstructured<'_>) -> Value {
    match index(u, 6) {
        0 => json!(null),
        1 => json!(5),
        _ => Value::String(clean(pick_or_text(u, &HELPERS, 16))),
    }
}

/// An object of up to `max` registry keys, each holding a `value`; its keys go to `keys`.
fn keyed(
    u: &mut Unstructured<'_>,
    max: u64,
    value: fn(&mut Unstructured<'_>) -> Value,
    keys: &mut Vec<String>,
) -> Value {
    let mut m = Map::new();
    for _ in 0..int(u, 0, max) {
        let key = name(u);
        m.insert(key.clone(), value(u));
        keys.push(key);
    }
    Value::Object(m)
}

/// A config file, and the registry keys it names.
pub fn config_json(u: &mut Unstructured<'_>) -> (Vec<u8>, Vec<String>) {
    let mut keys = Vec::new();
    let mut root = Map::new();
    if !chance(u, 1, 8) {
        let auths = match index(u, 10) {
            0 => json!(null),
            1 => json!([]),
            _ => keyed(u, 4, auth_entry, &mut keys),
        };
        root.insert(field_name(u, "auths"), auths);
    }
    if chance(u, 1, 3) {
        root.insert(field_name(u, "credsStore"), helper_value(u));
    }
    if chance(u, 1, 2) {
        let helpers = match index(u, 10) {
            0 => json!("wrong"),
            _ => keyed(u, 3, helper_value, &mut keys),
        };
        root.insert(field_name(u, "credHelpers"), helpers);
    }
    if chance(u, 1, 8) {
        root.insert("HttpHeaders".into(), json!({"User-Agent": "fuzz"}));
    }
    let bytes = if chance(u, 1, 4) {
        serde_json::to_vec_pretty(&Value::Object(root))
    } else {
        serde_json::to_vec(&Value::Object(root))
    };
    (bytes.unwrap_or_default(), keys)
}

/// How the docs say names compare: scheme and path dropped, host in lower case, default
/// ports dropped, Docker Hub's aliases folded.
pub fn normalise(name: &str) -> String {
    let host = host_part(name).to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, "443" | "80")) if !h.is_empty() => h.to_string(),
        _ => host,
    };
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        _ => host,
    }
}

pub fn host_part(name: &str) -> &str {
    let n = name.trim();
    let n = n.split_once("://").map_or(n, |(_, rest)| rest);
    n.split('/').next().unwrap_or(n)
}

/// The namespace of a key as the docs say Podman reads it: the path of a key without a scheme,
/// without its outer slashes.
pub fn namespace(name: &str) -> Option<String> {
    let n = name.trim();
    if n.contains("://") {
        return None;
    }
    let (_, path) = n.split_once('/')?;
    let path = path.trim_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

/// The key credentials are filed (and a resolver caches them) under: `registry[/namespace]`.
pub fn credential_key(name: &str) -> String {
    match namespace(name) {
        Some(ns) => format!("{}/{ns}", normalise(name)),
        None => normalise(name),
    }
}
