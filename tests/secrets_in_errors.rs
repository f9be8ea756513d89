//! Invariant 5, server text: an error never shows a secret the machine holds or the flow put
//! on the wire, in any encoding, nor any part of one that a clip left behind; and the server
//! text is normalised before it is scrubbed, so control bytes cannot hide a secret.

mod support;

use std::collections::VecDeque;

use registry_auth::{Action, Authenticator, Config, Credentials, Request, Response};
use support::{drive, resp, run, secs, Canned};

const REG: &str = "https://registry.example.com";
const REALM_CHALLENGE: &str =
    r#"Bearer realm="https://auth.example.com/token",service="registry.example.com""#;

fn manifest(repo: &str) -> String {
    format!("{REG}/v2/{repo}/manifests/1")
}

/// Drives a GET of the registry's `team/app` manifest through `responses`, and returns the
/// message the flow fails with.
fn failed_get(auth: &mut Authenticator, responses: Vec<Canned>) -> String {
    let url = manifest("team/app");
    let lines = run(auth, Request::get(&url), &url, secs(1), responses);
    failure(&lines).to_string()
}

/// The message of the flow's last line, which must be a failure.
fn failure(lines: &[String]) -> &str {
    let last = lines.last().expect("a transcript");
    last.strip_prefix("failed: ")
        .unwrap_or_else(|| panic!("the flow should fail: {lines:#?}"))
}

/// Every prefix of `secret` at least `min` bytes long that `shown` holds.
fn prefixes_shown(shown: &str, secret: &str, min: usize) -> Vec<String> {
    (min..=secret.len())
        .map(|n| &secret[..n])
        .filter(|p| shown.contains(p))
        .map(String::from)
        .collect()
}

fn json_error(description: &str) -> String {
    serde_json::json!({ "error": "invalid_grant", "error_description": description }).to_string()
}

#[test]
fn a_secret_echoed_past_the_clip_point_leaves_no_prefix() {
    // Before: text was clipped to 200 characters first, then scrubbed, so a 40-character
    // password after 160 characters of filler printed 39 of its characters.
    let password = "Zq7-Lk2-Wm9-Rr4-Pp1-Xx8-Nn3-Bb6-Cc5-Dd0!";
    assert_eq!(password.len(), 40);
    for filler in [150, 160, 170, 185, 199] {
        let mut auth = Authenticator::new(Config::default());
        auth.set_credentials(
            "registry.example.com",
            Credentials::basic("alice", password),
        );
        let body = json_error(&format!("{}{password} was wrong", "f".repeat(filler)));
        let shown = failed_get(
            &mut auth,
            vec![resp(401).challenge(REALM_CHALLENGE), resp(401).body(&body)],
        );
        assert!(
            prefixes_shown(&shown, password, 3).is_empty(),
            "filler {filler}: {shown}"
        );
    }
}

#[test]
fn a_control_byte_inside_another_registrys_secret_does_not_hide_it() {
    // The fuzz finding machine-secret-in-error.bin: a realm's `error_description` held a
    // registry token of another registry, split by a NUL byte. The text lost the NUL after
    // (or without) scrubbing, and the token came out whole.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "other.example.com",
        Credentials::registry_token("rg3-SECRET-x"),
    );
    let body = json_error("MMMMMM\u{fffd}7\u{fffd}rg3-SECRE\u{0}T-x-%..");
    let shown = failed_get(
        &mut auth,
        vec![resp(401).challenge(REALM_CHALLENGE), resp(400).body(&body)],
    );
    assert_eq!(
        shown,
        "token request to https://auth.example.com/token failed: 400 invalid_grant: \
         MMMMMM\u{fffd}7\u{fffd}<redacted>-%.."
    );
}

#[test]
fn every_encoding_the_realm_was_sent_is_scrubbed() {
    // The realm echoes the OAuth2 form it was sent, percent-encoded, and the Basic value of a
    // GET, and the password with `+` for its space.
    let password = "p@ss w0rd!";
    let basic = "YWxpY2U6cEBzcyB3MHJkIQ=="; // base64("alice:p@ss w0rd!")
    for echo in [
        "grant_type=password&username=alice&password=p%40ss%20w0rd%21&client_id=x",
        "password=p%40ss+w0rd%21",
        "lower hex p%40ss%20w0rd%21",
        "header Basic YWxpY2U6cEBzcyB3MHJkIQ==",
        "query YWxpY2U6cEBzcyB3MHJkIQ%3D%3D",
    ] {
        let mut auth = Authenticator::new(Config::default().password_grant(true));
        auth.set_credentials(
            "registry.example.com",
            Credentials::basic("alice", password),
        );
        let shown = failed_get(
            &mut auth,
            vec![
                resp(401).challenge(REALM_CHALLENGE),
                resp(403).body(&json_error(echo)),
            ],
        );
        for form in [password, "p%40ss", "p@ss", basic, "YWxpY2U6cEBz"] {
            assert!(!shown.contains(form), "{echo:?} shows {form:?}: {shown}");
        }
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}

/// Drives a flow to its `Send` with the cached token, then lets `meanwhile` act on the
/// authenticator before the registry's 401 echoes the token.
fn token_echoed_after(meanwhile: impl FnOnce(&mut Authenticator)) -> String {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "s3cret-pw"),
    );
    let url = manifest("team/app");
    // Warm the cache.
    let lines = run(
        &mut auth,
        Request::get(&url),
        &url,
        secs(1),
        vec![
            resp(401).challenge(REALM_CHALLENGE),
            Canned::token("tok-ABCDEFGH-1234", 300),
            resp(200),
        ],
    );
    assert_eq!(lines.last().map(String::as_str), Some("done"));
    let id = auth.start(Request::get(&url), secs(2)).unwrap();
    let Action::Send(send) = auth.poll(id) else {
        panic!("a cached token is sent at once")
    };
    assert_eq!(
        send.authorization().map(|a| a.expose()),
        Some("Bearer tok-ABCDEFGH-1234")
    );
    meanwhile(&mut auth);
    // The registry refuses the token and quotes it; the fresh token it gets next is refused
    // too, so the flow fails with the registry's words.
    let body = r#"{"errors":[{"code":"UNAUTHORIZED","message":"token tok-ABCDEFGH-1234 and Basic YWxpY2U6czNjcmV0LXB3 and s3cret-pw refused"}]}"#;
    let challenge = format!("{REALM_CHALLENGE},error=\"invalid_token\"");
    let h = [("WWW-Authenticate", challenge.as_bytes())];
    auth.handle_response(
        id,
        Response::new(401).headers(&h).body(body.as_bytes()),
        secs(2),
    )
    .unwrap();
    let mut script: VecDeque<Canned> = vec![
        Canned::token("tok-SECOND-5678", 300),
        resp(401).challenge(&challenge).body(body),
    ]
    .into();
    let lines = drive(&mut auth, id, "GET", secs(2), &mut script);
    assert!(script.is_empty(), "{lines:#?}");
    failure(&lines).to_string()
}

#[test]
fn a_token_the_cache_dropped_while_its_request_was_out_is_still_scrubbed() {
    // The flow sent the cached token; alice's password and Basic value were sent by an
    // earlier flow, so they are scrubbed only while the machine still holds them.
    let alice = ["YWxpY2U6czNjcmV0LXB3", "s3cret-pw"];
    type Change = fn(&mut Authenticator);
    let changes: [(&str, Change, bool); 4] = [
        ("nothing", |_| {}, true),
        ("clear_tokens", |a| a.clear_tokens(), true),
        (
            "set_credentials",
            |a| {
                a.set_credentials(
                    "registry.example.com",
                    Credentials::basic("bob", "other-pw"),
                )
            },
            false,
        ),
        (
            "remove_credentials",
            |a| a.remove_credentials("registry.example.com"),
            false,
        ),
    ];
    for (what, change, alice_held) in changes {
        let shown = token_echoed_after(change);
        assert!(!shown.contains("tok-ABCD"), "after {what}: {shown}");
        assert!(
            shown.contains("token <redacted> and"),
            "after {what}: {shown}"
        );
        if alice_held {
            for secret in alice {
                assert!(!shown.contains(secret), "after {what}: {shown}");
            }
        }
    }
}

#[test]
fn a_refresh_token_the_realm_refused_is_scrubbed_from_the_error() {
    // The refused refresh token is dropped from the registry's state at once; the error that
    // reports the refusal still scrubs it, because the flow sent it.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::identity_token("idt-0123456789"),
    );
    let body = json_error("refresh_token=idt-0123456789 is revoked");
    let shown = failed_get(
        &mut auth,
        vec![resp(401).challenge(REALM_CHALLENGE), resp(403).body(&body)],
    );
    assert!(!shown.contains("idt-0123"), "{shown}");
    assert!(
        shown.contains("refresh_token=<redacted> is revoked"),
        "{shown}"
    );
}

#[test]
fn no_invisible_character_of_unicode_hides_a_secret() {
    // A fuzz finding of the machine target: the normaliser dropped most of Unicode's
    // default-ignorable code points but not the shorthand format controls (U+1BCA0..U+1BCA3)
    // nor the musical symbol formatting characters (U+1D173..U+1D17A), which also render as
    // nothing, so `pw0-SECRE\u{1d173}T-x` read as the password and was not scrubbed.
    for invisible in [
        '\u{ad}',
        '\u{200b}',
        '\u{2064}',
        '\u{feff}',
        '\u{1bca0}',
        '\u{1bca3}',
        '\u{1d173}',
        '\u{1d17a}',
        '\u{e0001}',
    ] {
        let mut auth = Authenticator::new(Config::default());
        auth.set_credentials(
            "registry.example.com",
            Credentials::basic("alice", "pw0-SECRET-x"),
        );
        let body = json_error(&format!("bad password pw0-SECRE{invisible}T-x"));
        let shown = failed_get(
            &mut auth,
            vec![resp(401).challenge(REALM_CHALLENGE), resp(401).body(&body)],
        );
        let read: String = shown.chars().filter(|c| *c != invisible).collect();
        assert!(!read.contains("SECRET"), "{invisible:?}: {shown}");
        assert!(
            shown.ends_with("bad password <redacted>"),
            "{invisible:?}: {shown}"
        );
    }
}

#[test]
fn a_structured_detail_is_shown_without_json_escapes_that_would_split_a_secret() {
    // The fuzz finding machine_misuse-secret-start-in-detail: a `detail` object, rendered as
    // JSON, turned a NUL inside an echoed password into `\u0000`, which no normalising drops.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw4-SECRET-x"),
    );
    let body = r#"{"errors":[{"code":"DENIED","message":"no","detail":{"sent":["pw4-SECRE\u0000T-x",{"n":1}]}}]}"#;
    let url = manifest("team/app");
    let id = auth.start(Request::get(&url), secs(1)).unwrap();
    let mut script: VecDeque<Canned> =
        vec![resp(401).challenge(REALM_CHALLENGE), resp(403).body(body)].into();
    let error = loop {
        match auth.poll(id) {
            Action::Failed(e) => break e,
            action => {
                let r = script.pop_front().expect("a response for every request");
                let h: Vec<(&str, &[u8])> = r
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_slice()))
                    .collect();
                let response = Response::new(r.status).headers(&h).body(&r.body);
                match action {
                    Action::Send(_) => auth.handle_response(id, response, secs(1)).unwrap(),
                    _ => auth.handle_token_response(id, response, secs(1)).unwrap(),
                }
            }
        }
    };
    let shown = format!("{error:?}");
    assert!(!shown.contains("pw4-SECRE"), "{shown}");
    assert!(
        shown.contains(r#"{\"sent\":[\"<redacted>\",{\"n\":1}]}"#),
        "{shown}"
    );
}

#[test]
fn a_secret_learned_after_the_error_was_made_is_cut_when_it_is_handed_out() {
    // The realm's answer echoes text that is no secret yet; before the caller polls, it sets
    // credentials (for another registry) whose password is that text. What is handed out is
    // scrubbed against what the machine holds then.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-alice-1"),
    );
    let url = manifest("team/app");
    let id = auth.start(Request::get(&url), secs(1)).unwrap();
    assert!(matches!(auth.poll(id), Action::Send(_)));
    let h = [("WWW-Authenticate", REALM_CHALLENGE.as_bytes())];
    auth.handle_response(id, Response::new(401).headers(&h[..]), secs(1))
        .unwrap();
    assert!(matches!(auth.poll(id), Action::FetchToken(_)));
    let body = json_error("denied; try pw-learned-later-7");
    auth.handle_token_response(id, Response::new(403).body(body.as_bytes()), secs(1))
        .unwrap();
    auth.set_credentials(
        "other.example.com",
        Credentials::basic("bob", "pw-learned-later-7"),
    );
    match auth.poll(id) {
        Action::Failed(e) => {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("pw-learned"), "{shown}");
            assert!(shown.contains("denied; try <redacted>"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_malformed_token_error_does_not_show_a_secret_in_the_realm_it_names() {
    // The realm is server text too: a registry that echoes a password into the realm it names
    // (the realm then has it anyway) must not get it printed with a `MalformedToken` error.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-echo-secret-9"),
    );
    let shown = failed_get(
        &mut auth,
        vec![
            resp(401).challenge(
                r#"Bearer realm="https://auth.example.com/token/pw-echo-secret-9",service="r""#,
            ),
            resp(200).body("<html>not json</html>"),
        ],
    );
    assert!(shown.contains("not a json object"), "{shown}");
    assert!(!shown.contains("pw-echo"), "{shown}");
    assert!(
        shown.contains("https://auth.example.com/token/<redacted>"),
        "{shown}"
    );
}

#[test]
fn every_error_that_names_server_text_shows_it_scrubbed() {
    // Each kind of error that quotes what a server wrote or chose (a realm, a scope, the
    // schemes offered) must not show a secret the server echoed into it. Each case: the
    // responses, and what the message says in place of the secret.
    const PW: &str = "pw-echo-secret-9";
    let realm_with_pw = format!(
        r#"Bearer realm="https://auth.example.com/token/{PW}",service="registry.example.com""#
    );
    let insufficient =
        format!(r#"{REALM_CHALLENGE},scope="repository:team/app:{PW}",error="insufficient_scope""#);
    let cases: Vec<(&str, Vec<Canned>, &str)> = vec![
        (
            "TokenEndpoint: the realm answers 500",
            vec![resp(401).challenge(&realm_with_pw), resp(500)],
            "https://auth.example.com/token/<redacted>",
        ),
        (
            "CredentialsRejected: the realm refuses the password",
            vec![resp(401).challenge(&realm_with_pw), resp(401)],
            "https://auth.example.com/token/<redacted>",
        ),
        (
            "InsufficientScope: the token does not grant the scope",
            vec![
                resp(401).challenge(REALM_CHALLENGE),
                Canned::token("t-1", 300),
                resp(401).challenge(&insufficient),
                Canned::token("t-2", 300),
                resp(401).challenge(&insufficient),
            ],
            "repository:team/app:pull,<redacted>",
        ),
        (
            "NoUsableChallenge: the registry offers a scheme named like the password",
            vec![resp(401).challenge(&format!("{PW} realm=x"))],
            "<redacted>",
        ),
        (
            "Policy: a realm of another scheme",
            vec![resp(401).challenge(&format!(r#"Bearer realm="ftp://auth.example.com/{PW}""#))],
            "ftp://auth.example.com/<redacted>",
        ),
    ];
    for (what, responses, redacted) in cases {
        let mut auth = Authenticator::new(Config::default());
        auth.set_credentials("registry.example.com", Credentials::basic("alice", PW));
        let shown = failed_get(&mut auth, responses);
        assert!(!shown.contains("pw-echo"), "{what}: {shown}");
        assert!(shown.contains(redacted), "{what}: {shown}");
    }

    // Anonymous: the secret is the anonymous token, echoed into the scope of the refusal.
    let anon_insufficient = format!(
        r#"{REALM_CHALLENGE},scope="repository:team/app:tok-anon-secret-7",error="insufficient_scope""#
    );
    let mut auth = Authenticator::new(Config::default());
    let shown = failed_get(
        &mut auth,
        vec![
            resp(401).challenge(REALM_CHALLENGE),
            Canned::token("tok-anon-secret-7", 300),
            resp(401).challenge(&anon_insufficient),
            Canned::token("tok-anon-secret-7", 300),
            resp(401).challenge(&anon_insufficient),
        ],
    );
    assert!(shown.contains("no credentials configured"), "{shown}");
    assert!(!shown.contains("tok-anon"), "{shown}");
    assert!(
        shown.contains("repository:team/app:pull,<redacted>"),
        "{shown}"
    );
}

#[test]
fn an_error_body_the_driver_reads_is_scrubbed_of_what_the_machine_holds() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-read-secret-3"),
    );
    let body = br#"{"errors":[{"code":"DENIED","message":"wrong pw-read-secret-3"}]}"#;
    let read = auth.read_error_body(body);
    assert_eq!(read.errors.len(), 1);
    assert_eq!(read.to_string(), "DENIED: wrong <redacted>");
}

#[test]
fn a_token_another_flow_cached_is_scrubbed_from_this_flows_error() {
    // Flow one caches a token for `team/app`; flow two, for another repository, never sends
    // it, yet a realm that echoes it in an error must not get it printed.
    let mut auth = Authenticator::new(Config::default());
    let url = manifest("team/app");
    let challenge = |repo: &str| format!(r#"{REALM_CHALLENGE},scope="repository:{repo}:pull""#);
    let lines = run(
        &mut auth,
        Request::get(&url),
        &url,
        secs(1),
        vec![
            resp(401).challenge(&challenge("team/app")),
            Canned::token("tok-cached-secret-5", 300),
            resp(200),
        ],
    );
    assert_eq!(lines.last().map(String::as_str), Some("done"));
    let other = manifest("team/other");
    let lines = run(
        &mut auth,
        Request::get(&other),
        &other,
        secs(2),
        // The registry's challenge is known: the flow starts at the realm.
        vec![resp(400).body(&json_error("token tok-cached-secret-5 is for team/app"))],
    );
    let shown = failure(&lines);
    assert!(!shown.contains("tok-cached"), "{shown}");
    assert!(
        shown.contains("token <redacted> is for team/app"),
        "{shown}"
    );
}

#[test]
fn every_secret_a_flow_sent_is_scrubbed_after_the_machine_forgets_them_all() {
    // One flow sends the password (Basic, to the realm), then the token it got. Both are
    // forgotten by the machine before the registry answers quoting them: the flow's own
    // record of what it sent, every secret of it, is what scrubs them.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-wire-secret-1"),
    );
    let url = manifest("team/app");
    let id = auth.start(Request::get(&url), secs(1)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", REALM_CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&h), secs(1))
        .unwrap();
    assert!(matches!(auth.poll(id), Action::FetchToken(_)));
    let body = br#"{"token":"tok-wire-secret-2","expires_in":300}"#;
    auth.handle_token_response(id, Response::new(200).body(body), secs(1))
        .unwrap();
    assert!(matches!(auth.poll(id), Action::Send(_)));
    auth.clear_tokens();
    auth.remove_credentials("registry.example.com");
    // The registry refuses the freshly issued token, quoting both.
    let challenge = format!("{REALM_CHALLENGE},error=\"invalid_token\"");
    let h = [("WWW-Authenticate", challenge.as_str())];
    let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"tok-wire-secret-2 of pw-wire-secret-1 is not valid"}]}"#;
    auth.handle_response(id, Response::new(401).headers(&h).body(body), secs(1))
        .unwrap();
    let Action::Failed(e) = auth.poll(id) else {
        panic!("a freshly issued token refused ends the flow")
    };
    let shown = e.to_string();
    assert!(!shown.contains("wire-secret"), "{shown}");
    assert!(shown.contains("<redacted> of <redacted>"), "{shown}");
}

#[test]
fn a_password_sent_as_basic_to_the_registry_is_scrubbed_after_its_credentials_are_removed() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-basic-secret-4"),
    );
    let url = manifest("team/app");
    let id = auth.start(Request::get(&url), secs(1)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", r#"Basic realm="registry""#)];
    auth.handle_response(id, Response::new(401).headers(&h), secs(1))
        .unwrap();
    let Action::Send(send) = auth.poll(id) else {
        panic!("the password goes to the registry")
    };
    assert!(send.authorization().is_some());
    auth.remove_credentials("registry.example.com");
    let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"pw-basic-secret-4 is wrong"}]}"#;
    auth.handle_response(id, Response::new(401).headers(&h).body(body), secs(1))
        .unwrap();
    let Action::Failed(e) = auth.poll(id) else {
        panic!("refused credentials end the flow")
    };
    let shown = e.to_string();
    assert!(!shown.contains("pw-basic"), "{shown}");
    assert!(shown.contains("<redacted> is wrong"), "{shown}");
}
