//! The fuzzed world's fixtures: the registries, how their credentials are keyed, the requests
//! a caller makes to them, and the secrets each holds.
//!
//! Every secret contains `SECRET` and none is a substring of another, so that the oracle can
//! look for each one in anything the machine hands out.

use registry_auth::{Authorization, Credentials, Method};

/// Registry names as credentials are keyed (`host[:port]`, default port dropped).
pub const NAMES: [&str; 5] = [
    "registry.example.com",
    "127.0.0.1:5000",
    "registry.example.com:8443",
    "docker.io",
    "localhost:5000",
];

/// Spellings of each name that `set_credentials` must read as that name.
pub const KEYS: [&[&str]; 5] = [
    &[
        "registry.example.com",
        "https://registry.example.com/v2/",
        "REGISTRY.Example.com",
        "registry.example.com:443",
        "http://registry.example.com:80/",
    ],
    &["127.0.0.1:5000", "http://127.0.0.1:5000/v2/"],
    &[
        "registry.example.com:8443",
        "https://registry.example.com:8443",
    ],
    // Docker Hub's aliases all name the host its API is served from.
    &[
        "docker.io",
        "https://index.docker.io/v1/",
        "registry-1.docker.io",
        "registry.hub.docker.com",
    ],
    &["localhost:5000", "http://LOCALHOST:5000/v2/"],
];

/// Where requests go, and the name whose credentials apply. Two spellings of one origin, and
/// two origins (http and https) that share one name, so that both "same origin written
/// differently" and "same name, other origin" are exercised.
pub const BASES: [(&str, usize); 7] = [
    ("https://registry.example.com", 0),
    ("https://Registry.Example.COM:443", 0),
    ("http://registry.example.com", 0),
    ("http://127.0.0.1:5000", 1),
    ("https://registry.example.com:8443", 2),
    ("https://registry-1.docker.io", 3),
    // A development registry on a loopback name (its realms on 127.0.0.1 need the opt-in).
    ("http://localhost:5000", 4),
];

pub const ROUTES: [(Method, &str); 12] = [
    (Method::Get, "/v2/team/app/manifests/1"),
    (Method::Head, "/v2/team/app/blobs/sha256:00"),
    (Method::Put, "/v2/team/app/manifests/1"),
    (
        Method::Post,
        "/v2/team/app/blobs/uploads/?mount=sha256:00&from=other",
    ),
    (Method::Patch, "/v2/team/app/blobs/uploads/abc"),
    (Method::Delete, "/v2/team/app/manifests/sha256:00"),
    (Method::Get, "/v2/_catalog"),
    (Method::Get, "/v2/"),
    (Method::Get, "/v2/team/app/tags/list?n=10"),
    (Method::Options, "/v2/other/manifests/1"),
    (Method::Get, "/v2/a/b/c/blobs/sha256:01#frag"),
    (Method::Get, "/v2/team/./app/../app/manifests/1"),
];

pub const METHODS: [Method; 7] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Options,
];

pub const DECLARED: [&str; 4] = [
    "repository:team/app:pull",
    "repository:team/base:pull",
    "registry:catalog:*",
    "repository:team/app:pull,push",
];

pub const USER: &str = "alice";

/// Every secret contains `SECRET`, and none is a substring of another.
pub fn password(name: usize) -> String {
    format!("pw{name}-SECRET-x")
}
pub fn identity(name: usize) -> String {
    format!("id{name}-SECRET-x")
}
pub fn registry_token(name: usize) -> String {
    format!("rg{name}-SECRET-x")
}

pub fn all_secrets() -> Vec<String> {
    (0..NAMES.len())
        .flat_map(|n| [password(n), identity(n), registry_token(n)])
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Anonymous,
    Basic,
    Identity,
    IdentityWithUser,
    RegistryToken,
}

pub const KINDS: [Kind; 5] = [
    Kind::Anonymous,
    Kind::Basic,
    Kind::Identity,
    Kind::IdentityWithUser,
    Kind::RegistryToken,
];

pub fn credentials(kind: Kind, name: usize) -> Credentials {
    match kind {
        Kind::Anonymous => Credentials::Anonymous,
        Kind::Basic => Credentials::basic(USER, password(name)),
        Kind::Identity => Credentials::identity_token(identity(name)),
        Kind::IdentityWithUser => Credentials::identity_token_for(USER, identity(name)),
        Kind::RegistryToken => Credentials::registry_token(registry_token(name)),
    }
}

pub fn kind_secret(kind: Kind, name: usize) -> Option<String> {
    match kind {
        Kind::Anonymous => None,
        Kind::Basic => Some(password(name)),
        Kind::Identity | Kind::IdentityWithUser => Some(identity(name)),
        Kind::RegistryToken => Some(registry_token(name)),
    }
}

/// The base64 part of `Authorization: Basic` for a user and password.
pub fn basic_part(user: &str, password: &str) -> String {
    let value = Authorization::basic(user, password);
    value.expose().trim_start_matches("Basic ").to_string()
}
