//! Docker `config.json` / Podman `auth.json`: entry forms, registry matching, precedence,
//! errors that never show a secret.

use base64::Engine as _;
use registry_auth::docker_config::{
    DockerConfig, DockerConfigErrorKind, Lookup, DOCKER_HUB_SERVER,
};
use registry_auth::{Credentials, Secret};

/// A secret no message or `Debug` output may contain.
const SECRET: &str = "Zebra-Quartz-7731-secret";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn b64_unpadded(s: &str) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(s)
}

fn config(json: &str) -> DockerConfig {
    DockerConfig::parse(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn basic(user: &str, pass: &str) -> Lookup {
    Lookup::Credentials(Credentials::basic(user, pass))
}

fn helper(program: &str, server_url: &str) -> Lookup {
    Lookup::Helper {
        program: program.into(),
        server_url: server_url.into(),
    }
}

#[test]
fn each_auths_entry_form_gives_its_credentials() {
    let cases: Vec<(String, Lookup)> = vec![
        (
            format!(r#"{{"auth":"{}"}}"#, b64("alice:pw")),
            basic("alice", "pw"),
        ),
        (
            // "alice:p" encodes to a padded value; without its `=` it must still decode.
            format!(r#"{{"auth":"{}"}}"#, b64_unpadded("alice:p")),
            basic("alice", "p"),
        ),
        (
            format!(r#"{{"auth":"{}"}}"#, b64("alice:pass:with:colons")),
            basic("alice", "pass:with:colons"),
        ),
        (
            format!(r#"{{"auth":"{}"}}"#, b64("alice:")),
            basic("alice", ""),
        ),
        (
            format!(r#"{{"auth":"{}\n"}}"#, b64("alice:pw")),
            basic("alice", "pw"),
        ),
        (
            // `base64` without `-w0` breaks long lines; Go's decoder skips the breaks.
            {
                let encoded = b64("alice:a-password-long-enough");
                let (head, tail) = encoded.split_at(12);
                format!(r#"{{"auth":"{head}\r\n{tail}\n"}}"#)
            },
            basic("alice", "a-password-long-enough"),
        ),
        (
            r#"{"username":"bob","password":"pw2"}"#.into(),
            basic("bob", "pw2"),
        ),
        (
            // A user name alone is a user with an empty password.
            r#"{"username":"frank"}"#.into(),
            basic("frank", ""),
        ),
        (
            // `auth` wins over username/password, as in the Docker CLI.
            format!(
                r#"{{"auth":"{}","username":"bob","password":"pw2"}}"#,
                b64("alice:pw")
            ),
            basic("alice", "pw"),
        ),
        (
            // An empty `auth` is absent.
            r#"{"auth":"","username":"bob","password":"pw2"}"#.into(),
            basic("bob", "pw2"),
        ),
        (
            r#"{"identitytoken":"refresh-1"}"#.into(),
            Lookup::Credentials(Credentials::identity_token("refresh-1")),
        ),
        (
            format!(
                r#"{{"auth":"{}","identitytoken":"refresh-1"}}"#,
                b64("alice:pw")
            ),
            Lookup::Credentials(Credentials::IdentityToken {
                username: Some("alice".into()),
                token: Secret::new("refresh-1"),
            }),
        ),
        (
            r#"{"username":"carol","password":"pw","identitytoken":"refresh-2"}"#.into(),
            Lookup::Credentials(Credentials::IdentityToken {
                username: Some("carol".into()),
                token: Secret::new("refresh-2"),
            }),
        ),
        (
            r#"{"registrytoken":"bearer-1"}"#.into(),
            Lookup::Credentials(Credentials::registry_token("bearer-1")),
        ),
        (
            r#"{"registrytoken":"bearer-1","identitytoken":"refresh-1","username":"u","password":"p"}"#
                .into(),
            Lookup::Credentials(Credentials::registry_token("bearer-1")),
        ),
        (r#"{}"#.into(), Lookup::Anonymous),
        ("null".into(), Lookup::Anonymous),
        (r#"{"email":"a@example.com"}"#.into(), Lookup::Anonymous),
        (
            r#"{"auth":null,"username":null,"identitytoken":""}"#.into(),
            Lookup::Anonymous,
        ),
        (
            // Go's encoding/json matches field names without regard to case.
            r#"{"Username":"dave","PASSWORD":"pw"}"#.into(),
            basic("dave", "pw"),
        ),
        (
            r#"{"username":"eve","password":"pw","email":42,"serveraddress":"x","future":{"a":[1]}}"#
                .into(),
            basic("eve", "pw"),
        ),
    ];
    for (entry, want) in cases {
        let json = format!(r#"{{"auths":{{"r.example.com":{entry}}}}}"#);
        assert_eq!(config(&json).lookup("r.example.com"), want, "{entry}");
    }
}

#[test]
fn registry_names_match_across_scheme_path_case_and_default_ports() {
    let c = config(
        r#"{"auths":{
            "https://R.Example.com/v1/": {"username":"a","password":"1"},
            "http://plain.example.com:80": {"username":"b","password":"2"},
            "tls.example.com:443": {"username":"c","password":"3"},
            "localhost:5000": {"username":"d","password":"4"},
            "alt.example.com:8443": {"username":"e","password":"5"}
        }}"#,
    );
    let cases = [
        ("r.example.com", basic("a", "1")),
        ("R.EXAMPLE.COM", basic("a", "1")),
        ("https://r.example.com", basic("a", "1")),
        ("r.example.com:443", basic("a", "1")),
        ("plain.example.com", basic("b", "2")),
        ("plain.example.com:80", basic("b", "2")),
        ("tls.example.com", basic("c", "3")),
        ("localhost:5000", basic("d", "4")),
        ("localhost", Lookup::Anonymous),
        ("localhost:5001", Lookup::Anonymous),
        ("alt.example.com:8443", basic("e", "5")),
        ("alt.example.com", Lookup::Anonymous),
        ("alt.example.com:8", Lookup::Anonymous),
        ("other.example.com", Lookup::Anonymous),
        ("example.com", Lookup::Anonymous),
    ];
    for (registry, want) in cases {
        assert_eq!(c.lookup(registry), want, "{registry}");
    }
}

#[test]
fn docker_hub_aliases_all_find_the_hub_entry_whatever_its_key() {
    let hub_names = [
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://index.docker.io/v1/",
        "https://registry-1.docker.io/v2/",
        "Docker.IO",
    ];
    for key in [
        DOCKER_HUB_SERVER,
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://docker.io",
    ] {
        let c = config(&format!(
            r#"{{"auths":{{"{key}":{{"auth":"{}"}}}}}}"#,
            b64("hubuser:hubpw")
        ));
        for name in hub_names {
            assert_eq!(
                c.lookup(name),
                basic("hubuser", "hubpw"),
                "key {key}, name {name}"
            );
        }
        assert_eq!(
            c.lookup("docker.example.com"),
            Lookup::Anonymous,
            "key {key}"
        );
    }
}

#[test]
fn among_keys_naming_one_registry_the_exact_spelling_then_the_hub_server_key_wins() {
    let c = config(&format!(
        r#"{{"auths":{{
            "docker.io": {{"username":"short","password":"1"}},
            "{DOCKER_HUB_SERVER}": {{"username":"login","password":"2"}},
            "r.example.com": {{"username":"plain","password":"3"}},
            "https://r.example.com": {{"username":"scheme","password":"4"}}
        }}}}"#
    ));
    assert_eq!(c.lookup("docker.io"), basic("short", "1"));
    assert_eq!(c.lookup("registry-1.docker.io"), basic("login", "2"));
    assert_eq!(c.lookup(DOCKER_HUB_SERVER), basic("login", "2"));
    assert_eq!(c.lookup("r.example.com"), basic("plain", "3"));
    assert_eq!(c.lookup("https://r.example.com"), basic("scheme", "4"));
    assert_eq!(c.lookup("R.example.com"), basic("plain", "3"));
}

#[test]
fn cred_helpers_win_over_creds_store_which_wins_over_auths() {
    let c = config(&format!(
        r#"{{
            "auths": {{
                "gcr.io": {{"auth":"{a}"}},
                "r.example.com": {{"auth":"{a}"}},
                "https://index.docker.io/v1/": {{}}
            }},
            "credsStore": "desktop",
            "credHelpers": {{ "https://GCR.io": "gcloud", "docker.io": "hub" }}
        }}"#,
        a = b64("u:p")
    ));
    assert_eq!(
        c.lookup("gcr.io"),
        helper("docker-credential-gcloud", "GCR.io")
    );
    assert_eq!(
        c.lookup("r.example.com"),
        helper("docker-credential-desktop", "r.example.com")
    );
    // The store is asked about the registry as the caller wrote it, as `docker login` stored
    // it: a normalised name would miss an entry saved under `R.example.com:443`.
    assert_eq!(
        c.lookup("R.example.com:443"),
        helper("docker-credential-desktop", "R.example.com:443")
    );
    assert_eq!(
        c.lookup("https://R.example.com:443/v2/"),
        helper("docker-credential-desktop", "R.example.com:443")
    );
    assert_eq!(
        c.lookup("never-logged-in.example.com"),
        helper("docker-credential-desktop", "never-logged-in.example.com")
    );
    assert_eq!(
        c.lookup("registry-1.docker.io"),
        helper("docker-credential-hub", DOCKER_HUB_SERVER)
    );
    assert_eq!(c.creds_store(), Some("desktop"));
    assert_eq!(
        c.cred_helpers().collect::<Vec<_>>(),
        [("docker.io", "hub"), ("https://GCR.io", "gcloud")]
    );
}

#[test]
fn creds_store_gives_docker_hub_its_v1_server_url() {
    let c = config(r#"{"auths":{"https://index.docker.io/v1/":{}},"credsStore":"osxkeychain"}"#);
    for name in [
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "registry.hub.docker.com",
    ] {
        assert_eq!(
            c.lookup(name),
            helper("docker-credential-osxkeychain", DOCKER_HUB_SERVER)
        );
    }
}

#[test]
fn cred_helper_server_url_is_the_host_and_port_as_written() {
    let c = config(r#"{"credHelpers":{"https://Registry.Example.com:443/v2/":"ecr-login"}}"#);
    assert_eq!(
        c.lookup("registry.example.com"),
        helper("docker-credential-ecr-login", "Registry.Example.com:443")
    );
}

#[test]
fn empty_store_and_helper_names_count_as_unset() {
    let c = config(&format!(
        r#"{{"auths":{{"r.example.com":{{"auth":"{}"}}}},"credsStore":"","credHelpers":{{"r.example.com":""}}}}"#,
        b64("u:p")
    ));
    assert_eq!(c.lookup("r.example.com"), basic("u", "p"));
    assert_eq!(c.creds_store(), None);
    // So does a null helper.
    let c = config(&format!(
        r#"{{"auths":{{"r.example.com":{{"auth":"{}"}}}},"credHelpers":{{"r.example.com":null}}}}"#,
        b64("u:p")
    ));
    assert_eq!(c.lookup("r.example.com"), basic("u", "p"));
}

#[test]
fn an_empty_or_missing_config_is_anonymous_everywhere() {
    for json in [
        "{}",
        r#"{"auths":{}}"#,
        r#"{"auths":null,"credHelpers":null}"#,
    ] {
        assert_eq!(
            config(json).lookup("docker.io"),
            Lookup::Anonymous,
            "{json}"
        );
    }
    assert_eq!(DockerConfig::default().lookup("ghcr.io"), Lookup::Anonymous);
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let c = config(
        r#"{"psFormat":"table","proxies":{"default":{}},"plugins":[1,2],"currentContext":"x",
            "auths":{"r.example.com":{"username":"u","password":"p","x":{"y":null}}},"HttpHeaders":{"a":"b"}}"#,
    );
    assert_eq!(c.lookup("r.example.com"), basic("u", "p"));
    assert_eq!(c.auth_keys().collect::<Vec<_>>(), ["r.example.com"]);
}

#[test]
fn errors_name_the_registry_key_and_field_but_never_the_secret() {
    let cases: Vec<(String, Option<&str>, &str, DockerConfigErrorKind)> = vec![
        (
            format!(r#"{{"auths":{{"r.example.com":{{"auth":"{SECRET}!!"}}}}}}"#),
            Some("r.example.com"),
            "auth",
            DockerConfigErrorKind::BadBase64,
        ),
        (
            format!(
                r#"{{"auths":{{"r.example.com":{{"auth":"{}"}}}}}}"#,
                b64(SECRET)
            ),
            Some("r.example.com"),
            "auth",
            DockerConfigErrorKind::MissingColon,
        ),
        (
            format!(
                r#"{{"auths":{{"r.example.com":{{"auth":"{}"}}}}}}"#,
                base64::engine::general_purpose::STANDARD.encode(b"user:\xff\xfe")
            ),
            Some("r.example.com"),
            "auth",
            DockerConfigErrorKind::NotUtf8,
        ),
        (
            format!(r#"{{"auths":{{"r.example.com":{{"password":["{SECRET}"]}}}}}}"#),
            Some("r.example.com"),
            "password",
            DockerConfigErrorKind::WrongType { expected: "string" },
        ),
        (
            format!(r#"{{"auths":{{"ghcr.io":{{"identitytoken":{{"t":"{SECRET}"}}}}}}}}"#),
            Some("ghcr.io"),
            "identitytoken",
            DockerConfigErrorKind::WrongType { expected: "string" },
        ),
        (
            r#"{"auths":{"ghcr.io":{"registrytoken":7}}}"#.into(),
            Some("ghcr.io"),
            "registrytoken",
            DockerConfigErrorKind::WrongType { expected: "string" },
        ),
        (
            format!(r#"{{"auths":{{"ghcr.io":"{SECRET}"}}}}"#),
            Some("ghcr.io"),
            "auths",
            DockerConfigErrorKind::WrongType { expected: "object" },
        ),
        (
            r#"{"auths":[]}"#.into(),
            None,
            "auths",
            DockerConfigErrorKind::WrongType { expected: "object" },
        ),
        (
            r#"{"credsStore":true}"#.into(),
            None,
            "credsStore",
            DockerConfigErrorKind::WrongType { expected: "string" },
        ),
        (
            r#"{"credsStore":"../../tmp/evil"}"#.into(),
            None,
            "credsStore",
            DockerConfigErrorKind::BadHelperName,
        ),
        (
            r#"{"credHelpers":{"gcr.io":"gcloud --flag"}}"#.into(),
            Some("gcr.io"),
            "credHelpers",
            DockerConfigErrorKind::BadHelperName,
        ),
        (
            r#"{"credHelpers":{"gcr.io":1}}"#.into(),
            Some("gcr.io"),
            "credHelpers",
            DockerConfigErrorKind::WrongType { expected: "string" },
        ),
    ];
    for (json, key, field, kind) in cases {
        let e = DockerConfig::parse(json.as_bytes()).expect_err(&json);
        assert_eq!(
            (e.key(), e.field(), e.kind()),
            (key, field, &kind),
            "{json}"
        );
        let shown = e.to_string();
        assert!(shown.contains(field), "{shown}");
        if let Some(key) = key {
            assert!(shown.contains(&format!("{key:?}")), "{shown}");
        }
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(&b64(SECRET)), "{shown}");
        assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
        assert!(!shown.contains('\n'), "{shown}");
    }
}

#[test]
fn not_json_errors_carry_serde_json_s_position_and_no_input() {
    for bytes in [
        format!(r#"{{"auths":{{"r":{{"password":"{SECRET}"}}"#).into_bytes(),
        SECRET.as_bytes().to_vec(),
        b"\xff\xfe".to_vec(),
        b"".to_vec(),
        b"[]".to_vec(),
        format!(r#""{SECRET}""#).into_bytes(),
    ] {
        let e = DockerConfig::parse(&bytes).unwrap_err();
        assert!(
            matches!(e.kind(), DockerConfigErrorKind::NotJson { .. }),
            "{e}"
        );
        assert_eq!((e.key(), e.field()), (None, "config"));
        let shown = e.to_string();
        assert!(
            shown.starts_with("docker config is not a json object: "),
            "{shown}"
        );
        assert!(!shown.contains(SECRET), "{shown}");
    }
    let e = DockerConfig::parse(b"{\n  \"auths\": {,\n}").unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn debug_output_never_shows_passwords_or_tokens() {
    let c = config(&format!(
        r#"{{"auths":{{
            "a.example.com": {{"auth":"{}"}},
            "b.example.com": {{"username":"u","password":"{SECRET}"}},
            "c.example.com": {{"identitytoken":"{SECRET}"}},
            "d.example.com": {{"registrytoken":"{SECRET}"}}
        }}}}"#,
        b64(&format!("u:{SECRET}"))
    ));
    let shown = format!("{c:?} {c:#?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("<redacted>"));
    for r in [
        "a.example.com",
        "b.example.com",
        "c.example.com",
        "d.example.com",
    ] {
        assert!(!format!("{:?}", c.lookup(r)).contains(SECRET));
    }
}
