//! Registry names: how credentials, configuration files and image references name a registry,
//! and Docker Hub's aliases.
//!
//! A registry name is `host[:port]`, host in lower case, the default ports `:443` and `:80`
//! left out (a name carries no scheme to tell them apart, as Docker reads names), and Docker
//! Hub's aliases folded into `docker.io`. Credential keys may add a namespace, as Podman's
//! `auth.json` does: `quay.io/org-a` serves the repositories under `org-a`. Every module that
//! compares registry names (the machine, `docker_config`, `cred_helper`, `reference`) uses
//! this one.

use alloc::borrow::ToOwned;
use alloc::string::String;

/// Docker Hub's registry name.
pub(crate) const DOCKER_HUB: &str = "docker.io";
/// The host Docker Hub's registry API is served from.
pub(crate) const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// Docker Hub's names: `docker.io` and the hosts that serve or used to serve its API.
const DOCKER_HUB_ALIASES: [&str; 4] = [
    DOCKER_HUB,
    "index.docker.io",
    DOCKER_HUB_API,
    "registry.hub.docker.com",
];

/// Whether `host` is one of Docker Hub's names, in any case.
pub(crate) fn is_docker_hub(host: &str) -> bool {
    DOCKER_HUB_ALIASES
        .iter()
        .any(|h| host.eq_ignore_ascii_case(h))
}

/// The `host[:port]` of a key or registry name as written: scheme and path removed.
pub(crate) fn host_part(name: &str) -> &str {
    let n = name.trim();
    let n = n.split_once("://").map_or(n, |(_, rest)| rest);
    n.split('/').next().unwrap_or(n)
}

/// The namespace a key names below its registry, as Podman reads keys: the path of a key
/// written without a scheme (`quay.io/org-a/` gives `org-a`). A key with a scheme is a URL in
/// Docker's style (`https://index.docker.io/v1/`), whose path names an API version, not a
/// namespace.
pub(crate) fn namespace_part(key: &str) -> Option<&str> {
    let key = key.trim();
    if key.contains("://") {
        return None;
    }
    let (_, path) = key.split_once('/')?;
    Some(path.trim_matches('/')).filter(|p| !p.is_empty())
}

/// Whether `namespace` is `repository` or one of its parents, on `/` boundaries: `org-a`
/// covers `org-a` and `org-a/app`, not `org-ab`.
pub(crate) fn covers(namespace: &str, repository: &str) -> bool {
    match repository.strip_prefix(namespace) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// The key credentials are filed under: the registry's name (see [`normalise`]), then `/` and
/// the namespace when there is one.
pub(crate) fn filed_key(registry: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => {
            let mut key = String::with_capacity(registry.len() + 1 + ns.len());
            key.push_str(registry);
            key.push('/');
            key.push_str(ns);
            key
        }
        None => registry.to_owned(),
    }
}

/// The key a caller's name for credentials stands for: `registry[/namespace]` as
/// [`Keyed::key`](crate::docker_config::Keyed::key) gives it, for any spelling of the registry. A scheme marks a URL, whose path
/// is ignored.
pub(crate) fn credential_key(name: &str) -> String {
    filed_key(&normalise(name), namespace_part(name))
}

/// The name registries are compared by (and resolver caches keyed by): host in lowercase,
/// default port dropped, Docker Hub's aliases folded into `docker.io`.
///
/// A name carries no scheme to tell the ports apart, so `:443` and `:80` are both dropped, as
/// Docker does; the machine keys a request's origin with [`fold_docker_hub`] alone, on a name
/// that already lacks only the port that is the default for the request's scheme.
pub(crate) fn normalise(name: &str) -> String {
    let host = host_part(name).to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, "443" | "80")) if !h.is_empty() => h.to_owned(),
        _ => host,
    };
    fold_docker_hub(host)
}

/// Docker Hub's aliases folded into `docker.io`, anything else kept: the key of an origin
/// written as `host[:port]` (lower-case host, only its scheme's default port left out), so that
/// `https://r:80` is not the registry `r` and does not get `r`'s credentials.
pub(crate) fn fold_docker_hub(host: String) -> String {
    if is_docker_hub(&host) {
        String::from(DOCKER_HUB)
    } else {
        host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_drops_scheme_path_case_default_ports_and_hub_aliases() {
        for (input, want) in [
            ("https://index.docker.io/v1/", "docker.io"),
            ("Registry-1.Docker.IO", "docker.io"),
            ("http://R.example.com:80/v2/", "r.example.com"),
            ("r.example.com:443", "r.example.com"),
            ("r.example.com:8443", "r.example.com:8443"),
            ("[::1]:443", "[::1]"),
            ("[::443]", "[::443]"),
            ("localhost:5000", "localhost:5000"),
            // A default port with no host before it names nothing: it is kept, never
            // dropped to the empty name.
            (":443", ":443"),
            ("https://:80/v2/", ":80"),
        ] {
            assert_eq!(normalise(input), want, "{input}");
        }
    }

    #[test]
    fn registry_keys_drop_scheme_path_case_and_default_ports() {
        assert_eq!(
            normalise("https://Registry.Example.com/v2/"),
            "registry.example.com"
        );
        assert_eq!(
            normalise("registry.example.com:443"),
            "registry.example.com"
        );
        assert_eq!(normalise("http://127.0.0.1:80"), "127.0.0.1");
        assert_eq!(
            normalise("registry.example.com:4443"),
            "registry.example.com:4443"
        );
        for hub in [
            "docker.io",
            "https://index.docker.io/v1/",
            "registry-1.docker.io",
            "registry.hub.docker.com",
            "Registry.Hub.Docker.com",
        ] {
            assert_eq!(normalise(hub), DOCKER_HUB);
            assert!(is_docker_hub(host_part(hub)), "{hub}");
        }
        assert!(!is_docker_hub("hub.docker.com"));
    }

    #[test]
    fn credential_keys_keep_a_namespace_unless_the_key_is_a_url() {
        assert_eq!(credential_key("Quay.io:443/org-a/"), "quay.io/org-a");
        assert_eq!(credential_key("quay.io/org-a/app"), "quay.io/org-a/app");
        assert_eq!(credential_key("https://quay.io/v1/"), "quay.io");
        assert_eq!(
            credential_key("index.docker.io/library"),
            "docker.io/library"
        );
        assert!(covers("org-a", "org-a/app") && covers("org-a", "org-a"));
        assert!(!covers("org-a", "org-ab/app"));
    }
}
