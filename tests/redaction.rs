//! No `Debug` or `Display` of a public type shows a secret, in any encoding.
//!
//! Every public type that holds secret bytes (or may hold them: a response body, a helper's
//! output) is built here with one known marker secret in it and formatted with `{:?}`, `{:#?}`
//! and `{}` where it has `Display`. The marker must appear in none of the texts: not whole, not
//! any 8-byte stretch of it, not percent- or form-encoded, not in base64 (standard or URL-safe,
//! padded or not, alone or as the `user:password` of a Basic value), not as the list of byte
//! values that a derived `Debug` of a `Vec<u8>` prints, not in hex.
//!
//! The list is kept complete by [`every_public_type_is_classified`]: it reads every `pub`
//! struct, enum, trait and type alias in `src/` and fails on one that is neither in
//! [`HOLDS_SECRETS`] (and so formatted by a test below) nor in [`NO_SECRETS`] with the reason it
//! cannot hold one. A new public type has to be sorted into one of the two lists.

use std::path::Path;

use base64::Engine as _;
use registry_auth::cred_helper::{CredentialResolver, Resolution};
use registry_auth::docker_config::DockerConfig;
use registry_auth::drive::{DriveError, Exchange, FlowGuard, OwnedResponse};
use registry_auth::token::{TokenLimits, TokenResponse};
use registry_auth::{
    Action, Authenticator, Authorization, Config, Credentials, FlowId, Request, Response, Secret,
    TokenRequest,
};

/// The secret: visible ASCII (so it is also a valid token) with characters that percent- and
/// base64-encoding change.
const MARKER: &str = "Mk7-p@ss/w0rd!Zq9+xyzzy";
const USER: &str = "alice";

/// Public types that hold secret bytes or may hold them, each formatted by a test below.
const HOLDS_SECRETS: &[&str] = &[
    // The secret types themselves.
    "Secret",
    "Authorization",
    "Credentials",
    // Token endpoint answers and the machine's own requests (Basic value, POST form).
    "TokenResponse",
    "TokenRequest",
    "SendRequest",
    "Action",
    "Authenticator",
    // A response may be a token endpoint's answer: its body is a token.
    "Response",
    "OwnedResponse",
    // The drive helpers: an exchange carries the Authorization value and a token POST form;
    // a guard holds the authenticator; a drive error holds an `Error`.
    "Exchange",
    "FlowGuard",
    "DriveError",
    // Errors built from input that holds a secret (token bodies, config files, helper output,
    // a realm that echoes the password).
    "Error",
    "TokenError",
    "DockerConfigError",
    "HelperError",
    "HostError",
    // Config files and credential helpers.
    "DockerConfig",
    "LoadedConfig",
    "Lookup",
    // An answer with the key it was found under: `Keyed<Lookup>`, `Keyed<Resolution>`,
    // `Keyed<Credentials>`.
    "Keyed",
    "Resolution",
    "CredentialResolver",
    "HelperOutput",
];

/// Public types that cannot hold a secret, and why.
const NO_SECRETS: &[(&str, &str)] = &[
    // The challenge parser reads `WWW-Authenticate`, which carries no credential of ours.
    ("Challenges", "challenge header text"),
    ("Challenge", "challenge header text"),
    ("Iter", "iterator over challenges"),
    ("Param", "challenge parameter"),
    ("Params", "challenge parameters"),
    ("Value", "challenge parameter value"),
    ("Bearer", "typed view of a challenge"),
    ("Basic", "typed view of a challenge"),
    ("ViewError", "names a challenge parameter"),
    ("ParseError", "offset into challenge text"),
    ("ParseErrorKind", "kind of a challenge parse error"),
    ("Expected", "what the challenge grammar expected"),
    ("Limit", "which challenge limit"),
    ("Limits", "challenge parser limits"),
    ("ParserConfig", "challenge parser switches"),
    // Names, scopes, URLs: a URL with user information is refused (`UrlError::UserInfo`).
    ("UrlError", "kind of URL error"),
    ("Reference", "image reference"),
    ("ReferenceError", "image reference text"),
    ("ReferenceErrorKind", "kind of reference error"),
    ("Scope", "resource scope"),
    ("ScopeSet", "resource scopes"),
    ("ScopeError", "scope text"),
    ("ScopeErrorKind", "kind of scope error"),
    ("Actions", "scope actions"),
    // Machine inputs and settings.
    ("Method", "HTTP method"),
    (
        "Request",
        "the caller's URL (user information refused) and scopes",
    ),
    ("Now", "a time"),
    ("FlowId", "a handle"),
    ("Config", "settings; `client_id` is a public name"),
    ("AuthScheme", "Basic or Bearer"),
    ("TokenLimits", "numbers"),
    ("UrlRole", "which URL a policy error is about"),
    ("LimitKind", "which limit"),
    (
        "PolicyError",
        "which invariant refused; URLs carry no user information",
    ),
    ("UsageError", "a misuse of the API"),
    // Traits: what they hold is the implementing type's, formatted where it is ours.
    ("HeaderList", "a trait over header collections"),
    ("HeaderPair", "a trait over header pairs"),
    ("Access", "a trait: access to an authenticator"),
    ("AsResponse", "a trait: a transport's response type"),
    ("Transport", "a trait: the caller's HTTP stack"),
    ("AsyncTransport", "a trait: the caller's HTTP stack"),
    // Server text, scrubbed by the machine before it reaches an `Error` (formatted above).
    (
        "ErrorBody",
        "server text as the server sent it; the machine scrubs it into `Error`",
    ),
    (
        "ErrorEntry",
        "server text as the server sent it; the machine scrubs it into `Error`",
    ),
    // Credential helper plumbing and config names.
    ("HelperRequest", "program name and server URL"),
    ("HelperErrorKind", "formatted through `HelperError`"),
    ("HelperRunner", "timeout and PATH"),
    (
        "DockerConfigErrorKind",
        "formatted through `DockerConfigError`",
    ),
];

/// The texts the marker may not appear in: every encoding of it a bug could print.
fn forbidden() -> Vec<String> {
    let mut out = Vec::new();
    let bytes = MARKER.as_bytes();
    for window in bytes.windows(8) {
        out.push(String::from_utf8(window.to_vec()).unwrap());
        // A derived `Debug` of bytes: `[77, 107, ...]`, compared without whitespace.
        out.push(
            window
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push(window.iter().map(|b| format!("{b:02x}")).collect());
    }
    let percent = |upper: bool| -> String {
        MARKER
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    };
    out.push(percent(true));
    out.push(percent(false));
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in engines {
        for plain in [MARKER.to_string(), format!("{USER}:{MARKER}")] {
            let encoded = engine.encode(plain);
            // The last characters depend on what follows; the first 12 do not.
            out.push(encoded.chars().take(12).collect());
        }
    }
    out
}

/// Formats `value` every way it can be, and checks that no text shows the marker.
#[track_caller]
fn assert_hidden_debug(what: &str, value: &impl std::fmt::Debug) {
    check(what, &format!("{value:?}"));
    check(what, &format!("{value:#?}"));
}

#[track_caller]
fn assert_hidden(what: &str, value: &(impl std::fmt::Debug + std::fmt::Display)) {
    assert_hidden_debug(what, value);
    check(what, &value.to_string());
}

#[track_caller]
fn check(what: &str, shown: &str) {
    let compact: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    for f in forbidden() {
        assert!(
            !shown.contains(&f) && !compact.contains(&f),
            "{what} shows the secret as {f:?}: {shown}"
        );
    }
}

#[test]
fn the_forbidden_forms_do_find_the_marker() {
    // Without this a check that can never fire would pass everything.
    let bytes = MARKER.as_bytes().to_vec();
    for shown in [
        MARKER.to_string(),
        format!("{bytes:?}"),
        format!("{bytes:#?}"),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{MARKER}"))
        ),
        "password=Mk7-p%40ss%2Fw0rd%21Zq9%2Bxyzzy".to_string(),
        format!("prefix {}", &MARKER[..10]),
    ] {
        let compact: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            forbidden()
                .iter()
                .any(|f| shown.contains(f) || compact.contains(f)),
            "{shown}"
        );
    }
}

#[test]
fn secrets_and_authorization_values_print_redacted() {
    assert_hidden("Secret", &Secret::new(MARKER));
    assert_hidden("Authorization::basic", &Authorization::basic(USER, MARKER));
    assert_hidden(
        "Authorization::bearer",
        &Authorization::bearer(MARKER).unwrap(),
    );
    for creds in [
        Credentials::basic(USER, MARKER),
        Credentials::identity_token(MARKER),
        Credentials::identity_token_for(USER, MARKER),
        Credentials::registry_token(MARKER),
    ] {
        assert_hidden_debug("Credentials", &creds);
    }
}

fn token_body() -> String {
    format!(
        r#"{{"token":"{MARKER}","access_token":"{MARKER}","refresh_token":"{MARKER}","expires_in":300}}"#
    )
}

#[test]
fn token_responses_and_their_errors_print_redacted() {
    let t = TokenResponse::parse(token_body().as_bytes(), &TokenLimits::default()).unwrap();
    assert_hidden_debug("TokenResponse", &t);
    // Unusable tokens: the error names the field, never the value.
    for body in [
        format!(r#"{{"token":"{MARKER} with a space"}}"#),
        format!(r#"{{"token":"{MARKER}","token":"{MARKER}x"}}"#),
        format!(r#"{{"token":"{MARKER}""#),
        format!(r#""{MARKER}""#),
        format!(r#"{{"token":["{MARKER}"]}}"#),
    ] {
        let e = TokenResponse::parse(body.as_bytes(), &TokenLimits::default()).unwrap_err();
        assert_hidden("TokenError", &e);
    }
    let limits = TokenLimits::default().max_token(4);
    let e = TokenResponse::parse(token_body().as_bytes(), &limits).unwrap_err();
    assert_hidden("TokenError", &e);
}

const URL: &str = "https://registry.example.com/v2/team/app/manifests/1";
const CHALLENGE: &[u8] = br#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull""#;

fn at() -> std::time::Duration {
    std::time::Duration::from_secs(1000)
}

/// Starts a flow and answers its first send with a Bearer challenge: the next action is the
/// token request.
fn to_token_request(auth: &mut Authenticator) -> (FlowId, TokenRequest) {
    let id = auth.start(Request::get(URL), at()).unwrap();
    let send = auth.poll(id);
    assert_hidden_debug("Action::Send", &send);
    assert!(matches!(send, Action::Send(_)), "{send:?}");
    let headers = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&headers), at())
        .unwrap();
    match auth.poll(id) {
        Action::FetchToken(req) => {
            assert_hidden_debug("Action::FetchToken", &Action::FetchToken(req.clone()));
            (id, req)
        }
        other => panic!("expected a token request, got {other:?}"),
    }
}

#[test]
fn machine_requests_actions_and_state_print_redacted() {
    // GET with Basic credentials to the realm, then the token on the retried request.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::basic(USER, MARKER));
    let (id, req) = to_token_request(&mut auth);
    assert!(format!("{auth:?}").contains("fetches: 1"), "{auth:?}");
    assert!(req.authorization().is_some());
    assert_hidden_debug("TokenRequest (GET, Basic)", &req);
    let body = token_body();
    let response = Response::new(200).body(body.as_bytes());
    assert_hidden_debug("Response (token body)", &response);
    // A response's headers show by name, which says what came back, never by value.
    let cookie = format!("session={MARKER}");
    let headers = [
        ("Set-Cookie", cookie.as_bytes()),
        ("WWW-Authenticate", CHALLENGE),
    ];
    let with_headers = Response::new(401).headers(&headers);
    let shown = format!("{with_headers:?}");
    assert!(
        shown.contains(r#"["Set-Cookie", "WWW-Authenticate"]"#),
        "{shown}"
    );
    assert_hidden_debug("Response (headers)", &with_headers);
    auth.handle_token_response(id, response, at()).unwrap();
    match auth.poll(id) {
        Action::Send(send) => {
            assert_eq!(
                send.authorization().unwrap().expose(),
                format!("Bearer {MARKER}")
            );
            assert_hidden_debug("SendRequest (Bearer)", &send);
            assert_hidden_debug("Action::Send (Bearer)", &Action::Send(send.clone()));
        }
        other => panic!("expected a send, got {other:?}"),
    }
    assert_hidden_debug("Authenticator (credentials and a cached token)", &auth);
    // What it shows instead: how much it holds.
    let shown = format!("{auth:?}");
    for part in [
        "Authenticator {",
        "registries: 1",
        "cached_tokens: 1",
        "fetches: 0",
    ] {
        assert!(shown.contains(part), "{shown}");
    }

    // The drive helpers' types: an exchange for a token request and for a send, an owned
    // token response, a guard over the authenticator, an error of the drive.
    let (id, req) = {
        let mut auth = Authenticator::new(Config::default().password_grant(true));
        auth.set_credentials("registry.example.com", Credentials::basic(USER, MARKER));
        to_token_request(&mut auth)
    };
    let _ = id;
    assert_hidden_debug("Exchange (token POST)", &Exchange::token(&req, 10));
    let owned = OwnedResponse::new(
        200,
        vec![("X-Token".into(), MARKER.into())],
        token_body().into(),
    );
    assert_hidden_debug("OwnedResponse (token body)", &owned);
    let guard = FlowGuard::start(&mut auth, Request::get(URL), at()).unwrap();
    assert_hidden_debug("FlowGuard", &guard);
    drop(guard);
    let e: DriveError<std::io::Error> = DriveError::Transport(std::io::Error::other("refused"));
    assert_hidden("DriveError", &e);

    // OAuth2 POST forms: a password grant and a refresh-token grant.
    let mut auth = Authenticator::new(Config::default().password_grant(true));
    auth.set_credentials("registry.example.com", Credentials::basic(USER, MARKER));
    let (_, req) = to_token_request(&mut auth);
    assert!(req.body().is_some());
    assert_hidden_debug("TokenRequest (password form)", &req);

    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::identity_token(MARKER));
    let (_, req) = to_token_request(&mut auth);
    assert!(req.body().is_some());
    assert_hidden_debug("TokenRequest (refresh-token form)", &req);
}

#[test]
fn a_realm_that_echoes_the_password_gives_an_error_without_it() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::basic(USER, MARKER));
    let (id, _) = to_token_request(&mut auth);
    let body =
        format!(r#"{{"error":"invalid_grant","error_description":"wrong password {MARKER}"}}"#);
    auth.handle_token_response(id, Response::new(401).body(body.as_bytes()), at())
        .unwrap();
    match auth.poll(id) {
        Action::Failed(e) => {
            assert_hidden("Error", &e);
            assert_hidden_debug("Action::Failed", &Action::Failed(e));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn config_json() -> String {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{MARKER}"));
    format!(
        r#"{{"auths":{{
            "a.example.com":{{"auth":"{auth}"}},
            "b.example.com":{{"username":"{USER}","password":"{MARKER}"}},
            "c.example.com":{{"identitytoken":"{MARKER}"}},
            "d.example.com":{{"registrytoken":"{MARKER}"}},
            "quay.io/org-a":{{"auth":"{auth}"}}
        }},"credHelpers":{{"e.example.com":"secretive"}}}}"#
    )
}

#[test]
fn docker_configs_lookups_and_their_errors_print_redacted() {
    let config = DockerConfig::parse(config_json().as_bytes()).unwrap();
    assert_hidden_debug("DockerConfig", &config);
    for registry in [
        "a.example.com",
        "b.example.com",
        "c.example.com",
        "d.example.com",
    ] {
        assert_hidden_debug("Lookup", &config.lookup(registry));
        assert_hidden_debug(
            "Keyed<Lookup>",
            &config.lookup_repository(registry, "team/app"),
        );
    }
    let namespaced = config.lookup_repository("quay.io", "org-a/app");
    assert_eq!(namespaced.key(), "quay.io/org-a");
    assert_hidden_debug("Keyed<Lookup> (namespaced)", &namespaced);
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{MARKER}"));
    for bad in [
        format!(r#"{{"auths":{{"r":{{"auth":"{MARKER}"}}}}}}"#),
        format!(
            r#"{{"auths":{{"r":{{"auth":"{}"}}}}}}"#,
            base64::engine::general_purpose::STANDARD.encode(MARKER)
        ),
        format!(r#"{{"auths":{{"r":{{"password":["{MARKER}"]}}}}}}"#),
        format!(r#"{{"auths":{{"r":"{MARKER}"}}}}"#),
        format!(r#"{{"auths":{{"r":{{"auth":"{auth}"}}}}"#),
    ] {
        let e = DockerConfig::parse(bad.as_bytes()).unwrap_err();
        assert_hidden("DockerConfigError", &e);
    }
}

#[test]
fn credential_resolution_and_helper_errors_print_redacted() {
    let config = DockerConfig::parse(config_json().as_bytes()).unwrap();
    let mut resolver = CredentialResolver::new(config);
    let ready = resolver.resolve("b.example.com");
    assert_hidden_debug("Resolution::Ready", &ready);
    let keyed = resolver.resolve_repository("quay.io", "org-a/app");
    assert!(matches!(keyed.value(), Resolution::Ready(c) if !c.is_anonymous()));
    assert_hidden_debug("Keyed<Resolution>", &keyed);
    let Resolution::RunHelper(request) = resolver.resolve("e.example.com") else {
        panic!("expected a helper run")
    };
    let answer =
        format!(r#"{{"ServerURL":"e.example.com","Username":"{USER}","Secret":"{MARKER}"}}"#);
    let creds = resolver
        .handle_output(&request, Some(0), answer.as_bytes(), b"")
        .unwrap();
    assert_eq!(creds, Credentials::basic(USER, MARKER));
    assert_hidden_debug("CredentialResolver (cached helper answer)", &resolver);
    // Failed runs: the error never quotes standard output.
    for (exit, stdout) in [
        (Some(1), answer.clone()),
        (Some(0), format!("{answer} trailing")),
        (
            Some(0),
            format!(r#"{{"Username":"{USER}","Secret":["{MARKER}"]}}"#),
        ),
        (None, answer.clone()),
    ] {
        let e = resolver
            .handle_output(&request, exit, stdout.as_bytes(), b"")
            .unwrap_err();
        assert_hidden("HelperError", &e);
    }
}

#[cfg(all(feature = "host", unix))]
#[test]
fn helper_output_loaded_configs_and_host_errors_print_redacted() {
    use registry_auth::host::{load_config_from, HelperRunner};
    use std::os::unix::fs::PermissionsExt;

    let dir = std::env::temp_dir().join(format!("registry-auth-redaction-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("docker-credential-secretive");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >/dev/null\nprintf '%s' '{{\"Username\":\"{USER}\",\"Secret\":\"{MARKER}\"}}'\necho '{MARKER}' >&2\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    let config = DockerConfig::parse(config_json().as_bytes()).unwrap();
    let mut resolver = CredentialResolver::new(config);
    let Resolution::RunHelper(request) = resolver.resolve("e.example.com") else {
        panic!("expected a helper run")
    };
    let runner = HelperRunner::new(std::time::Duration::from_secs(10)).with_path(&dir);
    let keyed = registry_auth::host::resolve_repository_with(
        &mut CredentialResolver::new(DockerConfig::parse(config_json().as_bytes()).unwrap()),
        &runner,
        "e.example.com",
        "team/app",
    )
    .unwrap();
    assert_eq!(keyed.value(), &Credentials::basic(USER, MARKER));
    assert_hidden_debug("Keyed<Credentials>", &keyed);
    let out = runner.run(&request).unwrap();
    assert!(out
        .stdout
        .windows(MARKER.len())
        .any(|w| w == MARKER.as_bytes()));
    assert_hidden_debug("HelperOutput", &out);

    let good = dir.join("auth.json");
    std::fs::write(&good, config_json()).unwrap();
    let loaded = load_config_from([good]).unwrap();
    assert_hidden_debug("LoadedConfig", &loaded);

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        format!(r#"{{"auths":{{"r":{{"auth":"{MARKER}"}}}}}}"#),
    )
    .unwrap();
    let e = load_config_from([bad]).unwrap_err();
    assert_hidden("HostError", &e);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every `pub struct`, `pub enum`, `pub trait` and `pub type` declared in `src/`.
fn public_types() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let line = line.trim_start();
                    for kw in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
                        if let Some(rest) = line.strip_prefix(kw) {
                            let name: String = rest
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            out.push(name);
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_public_type_is_classified() {
    let found = public_types();
    let classified =
        |name: &str| HOLDS_SECRETS.contains(&name) || NO_SECRETS.iter().any(|(n, _)| *n == name);
    let unsorted: Vec<&String> = found.iter().filter(|n| !classified(n)).collect();
    assert!(
        unsorted.is_empty(),
        "public types neither formatted in this test nor listed as unable to hold a secret: \
         {unsorted:?}; add each to HOLDS_SECRETS (and format it in a test) or to NO_SECRETS"
    );
    let stale: Vec<&str> = HOLDS_SECRETS
        .iter()
        .copied()
        .chain(NO_SECRETS.iter().map(|(n, _)| *n))
        .filter(|n| !found.iter().any(|f| f == n))
        .collect();
    assert!(stale.is_empty(), "listed but no longer in src/: {stale:?}");
    assert!(
        HOLDS_SECRETS
            .iter()
            .all(|n| !NO_SECRETS.iter().any(|(m, _)| m == n)),
        "a type is in both lists"
    );
}
