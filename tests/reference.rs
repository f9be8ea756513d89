//! Image references: grammar, Docker Hub normalisation, display, derived URLs and scopes.

use std::time::Duration;

use registry_auth::reference::{Reference, ReferenceErrorKind};
use registry_auth::{Authenticator, Config, Request};

const SHA256: &str = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";

/// 64 lowercase hex digits: an image ID when written alone.
const HEX64: &str = "b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";

fn sha384() -> String {
    format!("sha384:{}", "0123456789abcdef".repeat(6))
}

fn sha512() -> String {
    format!("sha512:{}", "ab".repeat(64))
}

/// (input, registry, repository, tag, digest, display)
type ValidCase<'a> = (
    String,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    String,
);

#[test]
fn valid_references_normalise_to_registry_repository_tag_and_digest() {
    let sha384 = sha384();
    let sha512 = sha512();
    let library_hex = format!("library/{HEX64}");
    let library_hex63 = format!("library/{}", &HEX64[..63]);
    let cases: Vec<ValidCase> = vec![
        (
            "alpine".into(),
            "docker.io",
            "library/alpine",
            Some("latest"),
            None,
            "docker.io/library/alpine:latest".into(),
        ),
        (
            "alpine:3.20".into(),
            "docker.io",
            "library/alpine",
            Some("3.20"),
            None,
            "docker.io/library/alpine:3.20".into(),
        ),
        (
            "bitnami/redis".into(),
            "docker.io",
            "bitnami/redis",
            Some("latest"),
            None,
            "docker.io/bitnami/redis:latest".into(),
        ),
        (
            "docker.io/alpine".into(),
            "docker.io",
            "library/alpine",
            Some("latest"),
            None,
            "docker.io/library/alpine:latest".into(),
        ),
        (
            "index.docker.io/alpine:edge".into(),
            "docker.io",
            "library/alpine",
            Some("edge"),
            None,
            "docker.io/library/alpine:edge".into(),
        ),
        (
            "registry-1.docker.io/library/alpine".into(),
            "docker.io",
            "library/alpine",
            Some("latest"),
            None,
            "docker.io/library/alpine:latest".into(),
        ),
        (
            "Docker.IO/alpine".into(),
            "docker.io",
            "library/alpine",
            Some("latest"),
            None,
            "docker.io/library/alpine:latest".into(),
        ),
        (
            format!("alpine@{SHA256}"),
            "docker.io",
            "library/alpine",
            None,
            Some(SHA256),
            format!("docker.io/library/alpine@{SHA256}"),
        ),
        (
            "localhost/app".into(),
            "localhost",
            "app",
            Some("latest"),
            None,
            "localhost/app:latest".into(),
        ),
        (
            "localhost:5000/team/app:1.0".into(),
            "localhost:5000",
            "team/app",
            Some("1.0"),
            None,
            "localhost:5000/team/app:1.0".into(),
        ),
        (
            format!("r.example.com:5000/a/b@{SHA256}"),
            "r.example.com:5000",
            "a/b",
            None,
            Some(SHA256),
            format!("r.example.com:5000/a/b@{SHA256}"),
        ),
        (
            format!("ghcr.io/x/y:t@{SHA256}"),
            "ghcr.io",
            "x/y",
            Some("t"),
            Some(SHA256),
            format!("ghcr.io/x/y:t@{SHA256}"),
        ),
        (
            format!("quay.io/a/b@{sha512}"),
            "quay.io",
            "a/b",
            None,
            Some(&sha512),
            format!("quay.io/a/b@{sha512}"),
        ),
        (
            "My-Registry.Example.COM/a".into(),
            "My-Registry.Example.COM",
            "a",
            Some("latest"),
            None,
            "My-Registry.Example.COM/a:latest".into(),
        ),
        (
            "192.168.1.10:5000/a:v".into(),
            "192.168.1.10:5000",
            "a",
            Some("v"),
            None,
            "192.168.1.10:5000/a:v".into(),
        ),
        (
            "[::1]:5000/a/b:v".into(),
            "[::1]:5000",
            "a/b",
            Some("v"),
            None,
            "[::1]:5000/a/b:v".into(),
        ),
        (
            "[fe80::1]/a".into(),
            "[fe80::1]",
            "a",
            Some("latest"),
            None,
            "[fe80::1]/a:latest".into(),
        ),
        (
            "a.b-c--d/e_f.g__h-i---j:_Tag.1-X".into(),
            "a.b-c--d",
            "e_f.g__h-i---j",
            Some("_Tag.1-X"),
            None,
            "a.b-c--d/e_f.g__h-i---j:_Tag.1-X".into(),
        ),
        // Without a `/`, a dotted name is a Docker Hub repository and `:5000` its tag.
        (
            "example.com:5000".into(),
            "docker.io",
            "library/example.com",
            Some("5000"),
            None,
            "docker.io/library/example.com:5000".into(),
        ),
        (
            "team/sub/app".into(),
            "docker.io",
            "team/sub/app",
            Some("latest"),
            None,
            "docker.io/team/sub/app:latest".into(),
        ),
        (
            format!("a/b@{sha384}"),
            "docker.io",
            "a/b",
            None,
            Some(&sha384),
            format!("docker.io/a/b@{sha384}"),
        ),
        // A first component that is not all lowercase is a registry host, as in
        // distribution's `splitDockerDomain`; it keeps its case.
        (
            "Team/app".into(),
            "Team",
            "app",
            Some("latest"),
            None,
            "Team/app:latest".into(),
        ),
        (
            "LOCALHOST/app".into(),
            "LOCALHOST",
            "app",
            Some("latest"),
            None,
            "LOCALHOST/app:latest".into(),
        ),
        (
            format!("myRegistry/team/app:V1@{SHA256}"),
            "myRegistry",
            "team/app",
            Some("V1"),
            Some(SHA256),
            format!("myRegistry/team/app:V1@{SHA256}"),
        ),
        (
            "A/b".into(),
            "A",
            "b",
            Some("latest"),
            None,
            "A/b:latest".into(),
        ),
        // 64 hex digits are refused only as the whole input.
        (
            format!("{HEX64}:v1"),
            "docker.io",
            &library_hex,
            Some("v1"),
            None,
            format!("docker.io/{library_hex}:v1"),
        ),
        (
            format!("{HEX64}@{SHA256}"),
            "docker.io",
            &library_hex,
            None,
            Some(SHA256),
            format!("docker.io/{library_hex}@{SHA256}"),
        ),
        (
            format!("library/{HEX64}"),
            "docker.io",
            &library_hex,
            Some("latest"),
            None,
            format!("docker.io/{library_hex}:latest"),
        ),
        (
            format!("docker.io/{HEX64}"),
            "docker.io",
            &library_hex,
            Some("latest"),
            None,
            format!("docker.io/{library_hex}:latest"),
        ),
        (
            HEX64[..63].into(),
            "docker.io",
            &library_hex63,
            Some("latest"),
            None,
            format!("docker.io/{library_hex63}:latest"),
        ),
    ];
    for (input, registry, repository, tag, digest, display) in &cases {
        let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.registry(), *registry, "{input}");
        assert_eq!(r.repository(), *repository, "{input}");
        assert_eq!(r.tag(), *tag, "{input}");
        assert_eq!(r.digest(), *digest, "{input}");
        assert_eq!(r.to_string(), *display, "{input}");
        assert_eq!(Reference::parse(&r.to_string()), Ok(r.clone()), "{input}");
        assert_eq!(input.parse::<Reference>(), Ok(r), "{input}");
    }
}

#[test]
fn invalid_references_fail_with_the_kind_at_fault() {
    use ReferenceErrorKind::*;
    let long_name = format!("r.example.com/{}", "a".repeat(250));
    let long_tag = format!("alpine:{}", "t".repeat(129));
    let cases: Vec<(String, ReferenceErrorKind)> = vec![
        ("".into(), Empty),
        ("Alpine".into(), UppercaseName),
        ("Alpine:3.20".into(), UppercaseName),
        ("team/App".into(), UppercaseName),
        // `Team` is the registry; the repository `App` is still uppercase.
        ("Team/App".into(), UppercaseName),
        ("LOCALHOST/App/x".into(), UppercaseName),
        ("r.example.com/Team/App".into(), UppercaseName),
        // An uppercase first component is read as a registry host, so it must be one.
        ("Team_x/app".into(), InvalidDomain),
        ("Team-/app".into(), InvalidDomain),
        ("Äpfel/app".into(), InvalidDomain),
        ("Team/".into(), InvalidName),
        (HEX64.into(), HexName),
        (":tag".into(), InvalidName),
        (format!("@{SHA256}"), InvalidName),
        ("a//b".into(), InvalidName),
        ("a/b/".into(), InvalidName),
        ("/a".into(), InvalidName),
        ("r.example.com/".into(), InvalidName),
        ("a-".into(), InvalidName),
        ("_a".into(), InvalidName),
        ("a..b".into(), InvalidName),
        ("a.-b".into(), InvalidName),
        ("a___b".into(), InvalidName),
        ("a b".into(), InvalidName),
        ("ä".into(), InvalidName),
        ("a/Ä".into(), InvalidName),
        ("-r.example.com/a".into(), InvalidDomain),
        ("r..example.com/a".into(), InvalidDomain),
        ("r.example.com:/a".into(), InvalidDomain),
        ("r.example.com:port/a".into(), InvalidDomain),
        ("r_x.example.com/a".into(), InvalidDomain),
        ("[::1/a".into(), InvalidDomain),
        ("[zz::1]:5000/a".into(), InvalidDomain),
        (long_name, NameTooLong),
        // 245 characters become 263 with `docker.io/library/` in front.
        ("a".repeat(245), NameTooLong),
        ("alpine:".into(), InvalidTag),
        ("alpine:-x".into(), InvalidTag),
        ("alpine:.x".into(), InvalidTag),
        ("alpine:a+b".into(), InvalidTag),
        (long_tag, InvalidTag),
        ("alpine@".into(), InvalidDigest),
        ("alpine@sha256".into(), InvalidDigest),
        ("alpine@sha256:abc".into(), InvalidDigest),
        (format!("alpine@sha256:{}", "a".repeat(63)), InvalidDigest),
        (format!("alpine@sha256:{}", "A".repeat(64)), InvalidDigest),
        (format!("alpine@sha512:{}", "a".repeat(64)), InvalidDigest),
        (format!("alpine@sha256:{}", "a".repeat(65)), InvalidDigest),
        (format!("alpine@sha384:{}", "a".repeat(64)), InvalidDigest),
        (format!("alpine@sha384:{}", "a".repeat(97)), InvalidDigest),
        (format!("alpine@sha384:{}", "A".repeat(96)), InvalidDigest),
        (format!("alpine@sha512:{}", "A".repeat(128)), InvalidDigest),
        (format!("alpine@md5:{}", "g".repeat(32)), InvalidDigest),
        (format!("alpine@md5:{}", "a".repeat(31)), InvalidDigest),
        (format!("alpine@1sha:{}", "a".repeat(32)), InvalidDigest),
        (format!("alpine@sha+:{}", "a".repeat(32)), InvalidDigest),
        (format!("alpine@{SHA256}@{SHA256}"), InvalidDigest),
        // Grammatical, but not an algorithm go-digest registers (names are case-sensitive).
        (format!("alpine@foo:{}", "a".repeat(32)), UnsupportedDigest),
        (format!("alpine@md5:{}", "a".repeat(32)), UnsupportedDigest),
        (
            format!("alpine@foo+bar.v1:{}", "A".repeat(32)),
            UnsupportedDigest,
        ),
        (
            format!("alpine@blake3:{}", "a".repeat(64)),
            UnsupportedDigest,
        ),
        (format!("alpine@SHA256:{HEX64}"), UnsupportedDigest),
        (
            format!("alpine@Sha512:{}", "ab".repeat(64)),
            UnsupportedDigest,
        ),
    ];
    for (input, kind) in &cases {
        match Reference::parse(input) {
            Ok(r) => panic!("{input:?} parsed as {r}"),
            Err(e) => assert_eq!(e.kind(), *kind, "{input:?}: {e}"),
        }
    }
}

#[test]
fn longest_name_is_255_bytes_after_normalisation() {
    let at_limit = format!("r.example.com/{}", "a".repeat(255 - 14));
    assert!(Reference::parse(&at_limit).is_ok());
    assert_eq!(
        Reference::parse(&format!("{at_limit}a"))
            .unwrap_err()
            .kind(),
        ReferenceErrorKind::NameTooLong
    );
    let tag_at_limit = format!("a:{}", "t".repeat(128));
    assert!(Reference::parse(&tag_at_limit).is_ok());
}

#[test]
fn error_messages_are_one_line_name_the_input_and_clip_it() {
    let e = Reference::parse("Team/App").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"invalid image reference "Team/App": repository name must be lowercase"#
    );
    let e = Reference::parse("a\nb").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"invalid image reference "a\nb": invalid repository name"#
    );
    let long = "A".repeat(1000);
    let e = Reference::parse(&long).unwrap_err();
    assert_eq!(e.input().len(), 123);
    assert!(e.input().ends_with("..."));
    assert!(!e.to_string().contains('\n'));
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().starts_with("invalid image reference"));

    let e = Reference::parse(HEX64).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "invalid image reference \"{HEX64}\": a 64-character hexadecimal string is an \
             image id, not a repository name"
        )
    );
    let e = Reference::parse(&format!("alpine@SHA256:{HEX64}")).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "invalid image reference \"alpine@SHA256:{HEX64}\": unsupported digest algorithm \
             (expected sha256, sha384 or sha512)"
        )
    );
    let e = Reference::parse(&format!("alpine@sha384:{HEX64}")).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("invalid image reference \"alpine@sha384:{HEX64}\": invalid digest")
    );
}

#[test]
fn an_uppercase_first_component_is_a_registry_host_kept_as_written() {
    let r = Reference::parse("Team/app:1.0").unwrap();
    assert_eq!(r.registry(), "Team");
    assert_eq!(r.api_host(), "Team");
    assert_eq!(r.repository(), "app");
    assert_eq!(
        manifest_url(&r, "https"),
        "https://Team/v2/app/manifests/1.0"
    );
    assert_eq!(r.pull_scope().to_string(), "repository:app:pull");
    assert_eq!(r.to_string(), "Team/app:1.0");
    assert_eq!(Reference::parse(&r.to_string()), Ok(r.clone()));
    // Not Docker Hub, not `localhost`: no `library/` prefix, and the host is not Hub's.
    let r = Reference::parse("LOCALHOST/app").unwrap();
    assert_eq!(
        manifest_url(&r, "http"),
        "http://LOCALHOST/v2/app/manifests/latest"
    );
    // Hosts compare without regard to case once they are URLs: the machine takes these.
    for url in [
        "https://Team/v2/app/manifests/1.0",
        "http://LOCALHOST/v2/app/manifests/latest",
    ] {
        let mut auth = Authenticator::new(Config::default());
        if let Err(e) = auth.start(Request::get(url), Duration::ZERO) {
            panic!("the machine refuses {url:?}: {e}");
        }
    }
}

#[test]
fn docker_hub_api_host_is_registry_1() {
    assert_eq!(
        Reference::parse("alpine").unwrap().api_host(),
        "registry-1.docker.io"
    );
    assert_eq!(
        Reference::parse("registry-1.docker.io/a/b")
            .unwrap()
            .api_host(),
        "registry-1.docker.io"
    );
    assert_eq!(
        Reference::parse("ghcr.io/a/b").unwrap().api_host(),
        "ghcr.io"
    );
}

#[test]
fn manifest_url_names_the_digest_when_there_is_one_else_the_tag() {
    let r = Reference::parse("alpine:3.20").unwrap();
    assert_eq!(
        manifest_url(&r, "https"),
        "https://registry-1.docker.io/v2/library/alpine/manifests/3.20"
    );
    let r = Reference::parse(&format!("ghcr.io/x/y:t@{SHA256}")).unwrap();
    assert_eq!(
        manifest_url(&r, "https"),
        format!("https://ghcr.io/v2/x/y/manifests/{SHA256}")
    );
    let r = Reference::parse("localhost:5000/a").unwrap();
    assert_eq!(
        manifest_url(&r, "http"),
        "http://localhost:5000/v2/a/manifests/latest"
    );
}

#[test]
fn scopes_name_the_repository_without_the_registry() {
    let r = Reference::parse("localhost:5000/team/app:1").unwrap();
    assert_eq!(r.pull_scope().to_string(), "repository:team/app:pull");
    assert_eq!(r.push_scope().to_string(), "repository:team/app:pull,push");
    let r = Reference::parse("alpine").unwrap();
    assert_eq!(r.pull_scope().to_string(), "repository:library/alpine:pull");
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
