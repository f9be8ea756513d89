//! Properties: valid references round-trip through `Display`; the reference and config parsers
//! are total (any input gives `Ok` or a typed error, never a panic).

use proptest::prelude::*;
use registry_auth::docker_config::DockerConfig;
use registry_auth::reference::{Reference, ReferenceErrorKind};

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn path_component() -> impl Strategy<Value = String> {
    let sep = prop_oneof![
        Just(".".to_string()),
        Just("_".to_string()),
        Just("__".to_string()),
        "-{1,3}",
    ];
    (
        "[a-z0-9]{1,6}",
        prop::collection::vec((sep, "[a-z0-9]{1,6}"), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (sep, alnum) in rest {
                s.push_str(&sep);
                s.push_str(&alnum);
            }
            s
        })
}

/// A registry other than Docker Hub: DNS labels with a `.` or a port, `localhost`, IPv6, or
/// a single label that is not all lowercase (distribution reads `Team/app` as registry `Team`).
fn registry() -> impl Strategy<Value = String> {
    let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?";
    let port = prop::option::of(1u16..);
    prop_oneof![
        (prop::collection::vec(label, 2..4), port.clone()).prop_map(|(labels, port)| {
            let host = labels.join(".");
            match port {
                Some(p) => format!("{host}:{p}"),
                None => host,
            }
        }),
        (label, 1u16..).prop_map(|(host, p)| format!("{host}:{p}")),
        port.clone().prop_map(|p| match p {
            Some(p) => format!("localhost:{p}"),
            None => "localhost".into(),
        }),
        ("[0-9a-f]{1,4}", port).prop_map(|(group, p)| match p {
            Some(p) => format!("[{group}::1]:{p}"),
            None => format!("[{group}::1]"),
        }),
        "[a-zA-Z0-9]{0,3}[A-Z]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?",
        "[lL][oO][cC][aA][lL][hH][oO][sS][tT]",
    ]
    .prop_filter("Docker Hub names normalise", |r| {
        !["docker.io", "index.docker.io", "registry-1.docker.io"]
            .iter()
            .any(|h| r.eq_ignore_ascii_case(h))
    })
}

fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"
}

/// A digest go-digest accepts: a registered algorithm and its length in lowercase hex.
fn digest() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}")),
        "[0-9a-f]{96}".prop_map(|h| format!("sha384:{h}")),
        "[0-9a-f]{128}".prop_map(|h| format!("sha512:{h}")),
    ]
}

/// A digest in the reference grammar whose algorithm go-digest does not register.
fn unsupported_digest() -> impl Strategy<Value = String> {
    let component = "[A-Za-z][A-Za-z0-9]{0,6}";
    let separator = prop_oneof![Just('+'), Just('.'), Just('_'), Just('-')];
    (
        component,
        prop::collection::vec((separator, component), 0..3),
        "[0-9a-fA-F]{32,140}",
    )
        .prop_map(|(first, rest, hex)| {
            let mut algorithm = first;
            for (sep, c) in rest {
                algorithm.push(sep);
                algorithm.push_str(&c);
            }
            format!("{algorithm}:{hex}")
        })
        .prop_filter("registered algorithms", |d| {
            !["sha256:", "sha384:", "sha512:"]
                .iter()
                .any(|a| d.starts_with(a))
        })
}

/// A registered algorithm with hex of the wrong length, or of the right length with an
/// uppercase digit.
fn malformed_registered_digest() -> impl Strategy<Value = String> {
    let algorithm = prop_oneof![
        Just(("sha256", 64)),
        Just(("sha384", 96)),
        Just(("sha512", 128)),
    ];
    let wrong_length = (algorithm.clone(), "[0-9a-f]{32,140}")
        .prop_filter("not the algorithm's length", |((_, n), hex)| {
            hex.len() != *n
        })
        .prop_map(|((algorithm, _), hex)| format!("{algorithm}:{hex}"));
    let uppercase = (
        algorithm,
        "[0-9a-f]{128}",
        any::<prop::sample::Index>(),
        "[A-F]",
    )
        .prop_map(|((algorithm, n), hex, at, upper)| {
            let mut hex = hex[..n].to_string();
            let i = at.index(n);
            hex.replace_range(i..=i, &upper);
            format!("{algorithm}:{hex}")
        });
    prop_oneof![wrong_length, uppercase]
}

/// A fully written reference: registry, repository, and a tag, a digest or both.
fn written_reference() -> impl Strategy<Value = (String, String, Option<String>, Option<String>)> {
    (
        registry(),
        prop::collection::vec(path_component(), 1..4),
        prop::option::of(tag()),
        prop::option::of(digest()),
    )
        .prop_filter("a tag or a digest is written", |(_, _, t, d)| {
            t.is_some() || d.is_some()
        })
        .prop_map(|(registry, path, tag, digest)| (registry, path.join("/"), tag, digest))
}

fn render(
    registry: &str,
    repository: &str,
    tag: &Option<String>,
    digest: &Option<String>,
) -> String {
    let mut s = format!("{registry}/{repository}");
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest {
        s.push('@');
        s.push_str(d);
    }
    s
}

/// Inputs near the grammar: reference-like pieces glued in any order.
fn reference_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9]{0,5}",
            Just("/".to_string()),
            Just(":".to_string()),
            Just("@".to_string()),
            Just(".".to_string()),
            Just("-".to_string()),
            Just("__".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("sha256:".to_string()),
            Just("sha384:".to_string()),
            Just("SHA256:".to_string()),
            Just("docker.io".to_string()),
            Just("localhost".to_string()),
            "[0-9a-f]{60,66}",
            "[0-9a-f]{94,98}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// JSON-shaped configs: `auths` entries whose fields hold random JSON values.
fn config_like() -> impl Strategy<Value = String> {
    // Mostly strings, so that many configs parse and their look-ups run too.
    let scalar = prop_oneof![
        1 => Just("null".to_string()),
        1 => Just("true".to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        3 => ".{0,12}".prop_map(|s| serde_json::Value::String(s).to_string()),
        // base64-ish strings, some of them `user:pass`.
        2 => "[A-Za-z0-9+/=:\n]{0,16}".prop_map(|s| serde_json::Value::String(s).to_string()),
        6 => ("[a-z:]{0,6}", "[a-z:]{0,6}").prop_map(|(u, p)| {
            use base64::Engine as _;
            let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            serde_json::Value::String(b).to_string()
        }),
        1 => Just("{}".to_string()),
        1 => Just("[]".to_string()),
    ];
    let field = prop_oneof![
        Just("auth"),
        Just("Auth"),
        Just("username"),
        Just("password"),
        Just("identitytoken"),
        Just("registrytoken"),
        Just("email"),
        Just("other"),
    ];
    let entry = prop::collection::vec((field, scalar.clone()), 0..4).prop_map(|fields| {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    });
    let key = prop_oneof![
        Just("https://index.docker.io/v1/".to_string()),
        Just("docker.io".to_string()),
        "[a-zA-Z0-9.:/-]{0,20}",
    ];
    let entry_or_scalar = prop_oneof![3 => entry, 1 => scalar.clone()];
    (
        prop::collection::vec((key.clone(), entry_or_scalar), 0..4),
        prop::option::of(scalar.clone()),
        prop::collection::vec((key, scalar), 0..3),
    )
        .prop_map(|(auths, store, helpers)| {
            let auths: Vec<String> = auths
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k.clone())))
                .collect();
            let helpers: Vec<String> = helpers
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k.clone())))
                .collect();
            let mut s = format!(
                r#"{{"auths":{{{}}},"credHelpers":{{{}}}"#,
                auths.join(","),
                helpers.join(",")
            );
            if let Some(store) = store {
                s.push_str(&format!(r#","credsStore":{store}"#));
            }
            s.push('}');
            s
        })
}

fn lookups_never_panic(config: &DockerConfig) {
    for r in [
        "docker.io",
        "https://index.docker.io/v1/",
        "localhost:5000",
        "",
        ":",
        "[::1]:443",
    ] {
        let _ = config.lookup(r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn written_references_parse_to_their_parts_and_render_unchanged(
        (registry, repository, tag, digest) in written_reference()
    ) {
        let input = render(&registry, &repository, &tag, &digest);
        let r = Reference::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r.registry(), registry.as_str());
        prop_assert_eq!(r.repository(), repository.as_str());
        prop_assert_eq!(r.tag(), tag.as_deref());
        prop_assert_eq!(r.digest(), digest.as_deref());
        prop_assert_eq!(r.to_string(), input);
        let scope = r.pull_scope();
        prop_assert_eq!(scope.name(), repository.as_str());
    }

    #[test]
    fn short_docker_hub_references_normalise_and_render_to_a_fixed_point(
        path in prop::collection::vec(path_component(), 1..3),
        tag in prop::option::of(tag()),
        digest in prop::option::of(digest()),
    ) {
        // A dotted first component (or `localhost`) would be read as a registry.
        prop_assume!(path.len() == 1 || !(path[0].contains('.') || path[0] == "localhost"));
        let input = render("docker.io", &path.join("/"), &tag, &digest);
        let input = input.trim_start_matches("docker.io/");
        let r = Reference::parse(input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r.registry(), "docker.io");
        prop_assert!(r.repository().contains('/'));
        prop_assert!(r.tag().is_some() || r.digest().is_some());
        let again = Reference::parse(&r.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again.to_string(), r.to_string());
        prop_assert_eq!(again, r);
    }

    #[test]
    fn an_uppercase_first_component_is_the_registry(
        first in "[a-z0-9]{0,3}[A-Z][a-zA-Z0-9]{0,4}",
        path in prop::collection::vec(path_component(), 1..3),
        tag in prop::option::of(tag()),
    ) {
        let repository = path.join("/");
        let input = render(&first, &repository, &tag, &None);
        let r = Reference::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r.registry(), first.as_str());
        prop_assert_eq!(r.api_host(), first.as_str());
        prop_assert_eq!(r.repository(), repository.as_str());
        let shown_tag = tag.as_deref().unwrap_or("latest");
        prop_assert_eq!(
            manifest_url(&r, "https"),
            format!("https://{first}/v2/{repository}/manifests/{shown_tag}")
        );
        prop_assert_eq!(Reference::parse(&r.to_string()), Ok(r));
    }

    #[test]
    fn unsupported_digest_algorithms_are_refused(
        path in prop::collection::vec(path_component(), 1..3),
        digest in unsupported_digest(),
    ) {
        let input = format!("{}@{digest}", path.join("/"));
        let kind = Reference::parse(&input).map(|r| r.to_string()).map_err(|e| e.kind());
        prop_assert_eq!(kind, Err(ReferenceErrorKind::UnsupportedDigest));
    }

    #[test]
    fn registered_digests_of_the_wrong_length_or_case_are_invalid(
        path in prop::collection::vec(path_component(), 1..3),
        digest in malformed_registered_digest(),
    ) {
        let input = format!("{}@{digest}", path.join("/"));
        let kind = Reference::parse(&input).map(|r| r.to_string()).map_err(|e| e.kind());
        prop_assert_eq!(kind, Err(ReferenceErrorKind::InvalidDigest));
    }

    #[test]
    fn sixty_four_hex_digits_are_refused_alone_and_accepted_with_context(
        hex in "[0-9a-f]{64}",
        tag in tag(),
    ) {
        let kind = Reference::parse(&hex).map(|r| r.to_string()).map_err(|e| e.kind());
        prop_assert_eq!(kind, Err(ReferenceErrorKind::HexName));
        let repository = format!("library/{hex}");
        for input in [format!("{hex}:{tag}"), format!("docker.io/{hex}"), repository.clone()] {
            let r = Reference::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(r.repository(), repository.as_str());
            prop_assert_eq!(Reference::parse(&r.to_string()), Ok(r));
        }
    }

    #[test]
    fn reference_parse_is_total_and_accepted_references_round_trip(s in reference_like()) {
        if let Ok(r) = Reference::parse(&s) {
            prop_assert_eq!(Reference::parse(&r.to_string()), Ok(r.clone()));
            let _ = (manifest_url(&r, "https"), r.push_scope());
        }
    }

    #[test]
    fn reference_parse_never_panics_on_any_string(s in any::<String>()) {
        if let Ok(r) = Reference::parse(&s) {
            prop_assert_eq!(Reference::parse(&r.to_string()), Ok(r));
        }
    }

    #[test]
    fn reference_parse_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&b);
        let _ = Reference::parse(&s);
        if let Err(e) = Reference::parse(&s) {
            prop_assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn config_parse_never_panics_on_json_shaped_input(s in config_like()) {
        if let Ok(config) = DockerConfig::parse(s.as_bytes()) {
            lookups_never_panic(&config);
        }
    }

    #[test]
    fn config_parse_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(config) = DockerConfig::parse(&b) {
            lookups_never_panic(&config);
        }
        let lossy = String::from_utf8_lossy(&b);
        let _ = DockerConfig::parse(lossy.as_bytes());
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
