//! `Reference::parse` on arbitrary text and on references built from grammar pieces.
//!
//! A parsed reference prints in a form that parses back to an equal reference (and prints the
//! same), names a registry, a repository and a tag or digest within the length limits, builds
//! the manifest URL and scopes the docs give, and that URL is one the machine accepts when its
//! host is one a URL can hold. Errors print as one line and repeat at most 120 characters.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

#[path = "common/gen.rs"]
mod gen;

use std::time::Duration;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::reference::{Reference, NAME_MAX_LEN, TAG_MAX_LEN};
use registry_auth::{Authenticator, Config, Request, Scope};

use gen::{assert_one_line, chance, flag, index, int, pick_or_text, text};

const DOMAINS: [&str; 13] = [
    "docker.io",
    "index.docker.io",
    "Registry-1.Docker.IO",
    "localhost",
    "localhost:5000",
    "r.example.com:5000",
    "[::1]:5000",
    "[fe80::1]",
    "1.2.3.4:80",
    "a-b.c",
    "A.B",
    "r.example.com:99999",
    "docker.io:443",
];

const COMPONENTS: [&str; 12] = [
    "a", "team", "app", "a.b", "a_b", "a__b", "a---b", "A", "-a", "library", "a.", "a._b",
];

const TAGS: [&str; 6] = ["latest", "v1.0", "_x", "-bad", "1.2-rc.3", ""];

fuzz_target!(
    init: dict::use_dictionary("reference"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let input = if flag(&mut u) {
        built(&mut u)
    } else {
        String::from_utf8_lossy(u.take_rest()).into_owned()
    };
    match Reference::parse(&input) {
        Ok(r) => check(&r),
        Err(e) => {
            assert_one_line("reference error", &e.to_string());
            assert!(e.input().chars().count() <= 123);
        }
    }
}

fn built(u: &mut Unstructured<'_>) -> String {
    let mut s = String::new();
    if flag(u) {
        s.push_str(&pick_or_text(u, &DOMAINS, 20));
        s.push('/');
    }
    let parts: Vec<String> = (0..int(u, 1, 4))
        .map(|_| pick_or_text(u, &COMPONENTS, 12))
        .collect();
    s.push_str(&parts.join("/"));
    if chance(u, 1, 16) {
        s.push_str(&"a".repeat(int(u, 200, 260) as usize));
    }
    if flag(u) {
        s.push(':');
        match index(u, 3) {
            0 => s.push_str(&"t".repeat(int(u, 120, 130) as usize)),
            _ => s.push_str(&pick_or_text(u, &TAGS, 12)),
        }
    }
    if flag(u) {
        s.push('@');
        let hex = "0123456789abcdef".repeat(8);
        let digest = match index(u, 8) {
            0 | 1 => format!("sha256:{}", &hex[..64]),
            2 => format!("sha512:{hex}"),
            3 => format!("sha256:{}", &hex[..63]),
            4 => format!("sha256:{}", hex[..64].to_ascii_uppercase()),
            5 => format!("md5+x.y:{}", &hex[..32]),
            6 => format!("sha384:{}", &hex[..96]),
            _ => text(u, 80),
        };
        s.push_str(&digest);
    }
    s
}

fn check(r: &Reference) {
    let shown = r.to_string();
    let again = Reference::parse(&shown)
        .unwrap_or_else(|e| panic!("{shown:?}, printed from {r:?}, does not parse: {e}"));
    assert_eq!(&again, r, "{shown:?}");
    assert_eq!(again.to_string(), shown);

    let (registry, repository) = (r.registry(), r.repository());
    assert!(!registry.is_empty() && !repository.is_empty());
    assert!(registry.len() + 1 + repository.len() <= NAME_MAX_LEN);
    assert!(r.tag().is_some() || r.digest().is_some());
    assert!(r.tag().map_or(0, str::len) <= TAG_MAX_LEN);
    if registry == "docker.io" {
        assert!(repository.contains('/'), "hub repository {repository:?}");
        assert_eq!(r.api_host(), "registry-1.docker.io");
    } else {
        assert_eq!(r.api_host(), registry);
    }

    let url = manifest_url(&r, "https");
    let what = r.digest().or(r.tag()).expect("tag or digest");
    assert_eq!(
        url,
        format!("https://{}/v2/{repository}/manifests/{what}", r.api_host())
    );
    assert!(url.bytes().all(|b| b.is_ascii_graphic()), "{url:?}");

    let pull = r.pull_scope();
    assert_eq!(pull.to_string(), format!("repository:{repository}:pull"));
    assert_eq!(Scope::parse(&pull.to_string()).ok(), Some(pull));
    let push = r.push_scope();
    assert_eq!(
        push.to_string(),
        format!("repository:{repository}:pull,push")
    );
    assert_eq!(Scope::parse(&push.to_string()).ok(), Some(push));

    // The reference grammar admits hosts the machine's URL reading refuses (`[abc]`, port
    // 99999 or 000080, five numeric labels); for the others, the machine must take the
    // manifest URL as a request.
    let host = r.api_host();
    let (name, port) = host.rsplit_once(':').unwrap_or((host, ""));
    let last_label = name.rsplit('.').next().unwrap_or("");
    let url_host = !host.starts_with('[')
        && (port.is_empty() || (port.len() <= 5 && port.parse::<u16>().is_ok()))
        && !last_label.starts_with(|c: char| c.is_ascii_digit());
    if url_host {
        let mut auth = Authenticator::new(Config::default());
        if let Err(e) = auth.start(Request::get(&url), Duration::ZERO) {
            panic!("the machine refuses {url:?}: {e}");
        }
    }
}

/// `<scheme>://<api host>/v2/<repository>/manifests/<digest or tag>`: where a client fetches
/// the manifest of a reference.
fn manifest_url(r: &Reference, scheme: &str) -> String {
    format!(
        "{scheme}://{}/v2/{}/manifests/{}",
        r.api_host(),
        r.repository(),
        r.manifest_reference()
    )
}
