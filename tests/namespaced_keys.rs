//! Podman-style `auth.json` keys that name a namespace (`quay.io/org-a`): for an image, the
//! most specific key that prefixes its repository on `/` boundaries wins, then the bare
//! registry, as containers-auth.json(5) describes with its examples (the key strings below).

use registry_auth::cred_helper::{CredentialResolver, Resolution};
use registry_auth::docker_config::{DockerConfig, Lookup};
use registry_auth::{Credentials, Reference};

fn config(json: &str) -> DockerConfig {
    DockerConfig::parse(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// An `auths` entry for user `user` with password `pw`.
fn entry(key: &str, user: &str) -> String {
    format!(r#""{key}":{{"username":"{user}","password":"pw"}}"#)
}

fn auths(entries: &[(&str, &str)]) -> DockerConfig {
    let body: Vec<String> = entries.iter().map(|(k, u)| entry(k, u)).collect();
    config(&format!(r#"{{"auths":{{{}}}}}"#, body.join(",")))
}

/// The key that answered and the user name it holds (`None`: anonymous).
fn found(config: &DockerConfig, image: &str) -> (String, Option<String>) {
    let r = Reference::parse(image).unwrap();
    let (key, lookup) = config
        .lookup_repository(r.registry(), r.repository())
        .into_parts();
    let user = match lookup {
        Lookup::Credentials(c) => c.username().map(str::to_owned),
        Lookup::Anonymous => None,
        other => panic!("{image}: {other:?}"),
    };
    (key, user)
}

fn is(key: &str, user: &str) -> (String, Option<String>) {
    (key.to_owned(), Some(user.to_owned()))
}

#[test]
fn keys_are_tried_from_the_whole_repository_up_to_the_registry() {
    // The man page's order for `my-registry.local/namespace/user/image:latest`; each key is
    // removed in turn, so the next one down must answer.
    let keys = [
        "my-registry.local/namespace/user/image",
        "my-registry.local/namespace/user",
        "my-registry.local/namespace",
        "my-registry.local",
    ];
    for first in 0..keys.len() {
        let entries: Vec<(&str, &str)> = keys[first..]
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, ["u0", "u1", "u2", "u3"][first + i]))
            .collect();
        let c = auths(&entries);
        assert_eq!(
            found(&c, "my-registry.local/namespace/user/image:latest"),
            is(keys[first], ["u0", "u1", "u2", "u3"][first]),
            "keys from {}",
            keys[first]
        );
    }
}

#[test]
fn the_man_page_example_file_serves_each_repository_from_its_most_specific_key() {
    let c = auths(&[
        ("my-registry.local/foo/bar/image", "image"),
        ("my-registry.local/foo", "foo"),
        ("my-registry.local", "registry"),
    ]);
    let cases = [
        (
            "my-registry.local/foo/bar/image",
            is("my-registry.local/foo/bar/image", "image"),
        ),
        (
            "my-registry.local/foo/bar/image:v2",
            is("my-registry.local/foo/bar/image", "image"),
        ),
        (
            "my-registry.local/foo/bar/image/sub",
            is("my-registry.local/foo/bar/image", "image"),
        ),
        (
            "my-registry.local/foo/bar/other",
            is("my-registry.local/foo", "foo"),
        ),
        (
            "my-registry.local/foo/bar",
            is("my-registry.local/foo", "foo"),
        ),
        ("my-registry.local/foo", is("my-registry.local/foo", "foo")),
        // Prefixes count on `/` boundaries only.
        (
            "my-registry.local/foobar/image",
            is("my-registry.local", "registry"),
        ),
        (
            "my-registry.local/foo/bar/imagery",
            is("my-registry.local/foo", "foo"),
        ),
        (
            "my-registry.local/other/image",
            is("my-registry.local", "registry"),
        ),
    ];
    for (image, want) in cases {
        assert_eq!(found(&c, image), want, "{image}");
    }
}

#[test]
fn namespaces_of_one_registry_no_longer_collapse_into_the_first() {
    // Issue 9: `quay.io/org-a` and `quay.io/org-b` used to be one registry, the first winning.
    let c = auths(&[("quay.io/org-a", "a"), ("quay.io/org-b", "b")]);
    assert_eq!(found(&c, "quay.io/org-a/app"), is("quay.io/org-a", "a"));
    assert_eq!(found(&c, "quay.io/org-b/app"), is("quay.io/org-b", "b"));
    assert_eq!(found(&c, "quay.io/org-c/app"), ("quay.io".into(), None));
    // Without a repository no namespace can be chosen: neither key answers for the registry.
    assert_eq!(c.lookup("quay.io"), Lookup::Anonymous);
    assert_eq!(c.lookup("https://quay.io/v2/"), Lookup::Anonymous);
}

#[test]
fn registry_spellings_and_docker_hub_names_find_namespaced_keys() {
    let c = auths(&[
        ("Quay.IO/org-a", "a"),
        ("docker.io/library", "hub-library"),
        ("index.docker.io/team", "hub-team"),
        ("localhost:5000/dev/", "dev"),
    ]);
    assert_eq!(found(&c, "quay.io/org-a/app"), is("quay.io/org-a", "a"));
    assert_eq!(found(&c, "alpine"), is("docker.io/library", "hub-library"));
    assert_eq!(
        found(&c, "docker.io/library/alpine"),
        is("docker.io/library", "hub-library")
    );
    assert_eq!(
        found(&c, "registry-1.docker.io/team/app"),
        is("docker.io/team", "hub-team")
    );
    assert_eq!(
        found(&c, "localhost:5000/dev/app"),
        is("localhost:5000/dev", "dev")
    );
    let direct = c.lookup_repository("QUAY.io:443", "/org-a/app/");
    assert_eq!(direct.key(), "quay.io/org-a");
}

#[test]
fn a_key_with_a_scheme_is_a_url_and_names_the_registry_alone() {
    // `https://index.docker.io/v1/` is how `docker login` keys Docker Hub: `v1` is no namespace.
    let c = auths(&[
        ("https://index.docker.io/v1/", "hub"),
        ("https://quay.io/org-a", "q"),
    ]);
    assert_eq!(found(&c, "alpine"), is("docker.io", "hub"));
    assert_eq!(found(&c, "v1/thing"), is("docker.io", "hub"));
    assert_eq!(found(&c, "quay.io/org-b/app"), is("quay.io", "q"));
    assert_eq!(
        c.lookup("quay.io"),
        Lookup::Credentials(Credentials::basic("q", "pw"))
    );
}

#[test]
fn credential_helpers_answer_for_the_whole_registry_first() {
    let c = config(&format!(
        r#"{{"auths":{{{}}},"credHelpers":{{"quay.io":"quay"}}}}"#,
        entry("quay.io/org-a", "a")
    ));
    let f = c.lookup_repository("quay.io", "org-a/app");
    assert_eq!(f.key(), "quay.io");
    assert!(
        matches!(f.value(), Lookup::Helper { program, .. } if program == "docker-credential-quay")
    );
    let c = config(&format!(
        r#"{{"auths":{{{}}},"credsStore":"desktop"}}"#,
        entry("quay.io/org-a", "a")
    ));
    assert!(matches!(
        c.lookup_repository("quay.io", "org-a/app").value(),
        Lookup::Helper { .. }
    ));
}

#[test]
fn entries_without_credentials_are_passed_over() {
    let c = config(&format!(
        r#"{{"auths":{{"quay.io/org-a":{{}},{}}}}}"#,
        entry("quay.io", "bare")
    ));
    assert_eq!(found(&c, "quay.io/org-a/app"), is("quay.io", "bare"));
}

#[test]
fn layered_files_are_asked_in_order_each_as_a_whole() {
    // As Podman reads its files: the first file with any answer for the image gives it.
    let upper = auths(&[("quay.io", "upper-bare")]);
    let lower = auths(&[("quay.io/org-a", "lower-ns"), ("ghcr.io/o", "lower-ghcr")]);
    let both = upper.with_fallback(lower);
    assert_eq!(
        found(&both, "quay.io/org-a/app"),
        is("quay.io", "upper-bare")
    );
    assert_eq!(found(&both, "ghcr.io/o/app"), is("ghcr.io/o", "lower-ghcr"));
    assert_eq!(found(&both, "ghcr.io/p/app"), ("ghcr.io".into(), None));
}

#[test]
fn the_resolver_caches_per_key_and_forgets_one_namespace() {
    let c = auths(&[("quay.io/org-a", "a"), ("quay.io", "bare")]);
    let mut r = CredentialResolver::new(c);
    let a = r.resolve_repository("quay.io", "org-a/app");
    assert_eq!(a.key(), "quay.io/org-a");
    assert_eq!(a.value(), &Resolution::Ready(Credentials::basic("a", "pw")));
    let b = r.resolve_repository("quay.io", "org-b/app");
    assert_eq!(b.key(), "quay.io");
    assert_eq!(
        b.value(),
        &Resolution::Ready(Credentials::basic("bare", "pw"))
    );
    assert_eq!(
        r.resolve("quay.io"),
        Resolution::Ready(Credentials::basic("bare", "pw"))
    );
    r.forget("quay.io/org-a");
    assert_eq!(
        r.resolve_repository("quay.io", "org-a/x").key(),
        "quay.io/org-a"
    );

    // Helpers answer per registry: the answer is cached under the registry's key, whatever
    // repository asked.
    let mut r = CredentialResolver::new(config(r#"{"credsStore":"desktop"}"#));
    let found = r.resolve_repository("quay.io", "org-a/app");
    assert_eq!(found.key(), "quay.io");
    let Resolution::RunHelper(request) = found.value() else {
        panic!("{found:?}")
    };
    assert_eq!(request.registry(), "quay.io");
    r.handle_output(request, Some(0), br#"{"Username":"h","Secret":"s"}"#, b"")
        .unwrap();
    let again = r.resolve_repository("quay.io", "org-b/other");
    assert_eq!(
        again.value(),
        &Resolution::Ready(Credentials::basic("h", "s"))
    );
}

#[test]
fn of_two_keys_naming_the_same_namespace_the_first_in_sorted_order_answers() {
    // Host names ignore case, so both keys name `quay.io/org`; `QUAY.IO/org` sorts first.
    // The file's order does not matter.
    for entries in [
        [("quay.io/org", "lower"), ("QUAY.IO/org", "upper")],
        [("QUAY.IO/org", "upper"), ("quay.io/org", "lower")],
    ] {
        let c = auths(&entries);
        assert_eq!(found(&c, "quay.io/org/app:1").1.as_deref(), Some("upper"));
    }
}
