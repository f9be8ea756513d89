//! A refresh token goes back only to the realm that issued it (fuzz finding
//! machine-refresh-token-across-origins: two origins of one registry name, each naming its own
//! realm, shared the refresh token one realm issued).

mod support;

use registry_auth::{Authenticator, Config, Credentials, Request};
use support::{resp, run, secs, Canned};

#[test]
fn a_refresh_token_is_sent_only_to_the_realm_that_issued_it() {
    let config = Config::default()
        .allow_insecure(true)
        .request_refresh_token(true);
    let mut auth = Authenticator::new(config);
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-alice"),
    );
    // The https origin's realm issues a refresh token.
    let https = "https://registry.example.com/v2/team/app/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(https),
        https,
        secs(1),
        vec![
            resp(401).challenge(r#"Bearer realm="https://auth-a.example.com/token",service="r""#),
            resp(200).body(r#"{"token":"t1","expires_in":300,"refresh_token":"rt-from-a"}"#),
            resp(200),
        ],
    );
    assert!(
        lines[1].starts_with("fetch GET https://auth-a.example.com/token?"),
        "{lines:#?}"
    );
    // The plain-http origin of the same name names another realm: it gets the password, not
    // the refresh token realm A issued.
    let http = "http://registry.example.com/v2/team/app/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(http),
        http,
        secs(2),
        vec![
            resp(401).challenge(r#"Bearer realm="http://auth-b.example.com/token",service="r""#),
            Canned::token("t2", 300),
            resp(200),
        ],
    );
    assert!(
        lines[1].starts_with("fetch GET http://auth-b.example.com/token?"),
        "{lines:#?}"
    );
    assert!(!lines[1].contains("rt-from-a"), "{lines:#?}");
    // Realm A still gets its refresh token back.
    let other = "https://registry.example.com/v2/team/other/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(other),
        other,
        secs(3),
        vec![Canned::token("t3", 300), resp(200)],
    );
    assert!(
        lines[0].starts_with("fetch POST https://auth-a.example.com/token")
            && lines[0].contains("refresh_token=rt-from-a"),
        "{lines:#?}"
    );
}

#[test]
fn another_origin_of_the_name_naming_the_same_realm_sends_it_back_there() {
    // The other half of the rule (a fuzz campaign's finding, the oracle's mistake: it kept
    // refresh tokens per origin): the refresh token belongs to the credentials and the realm,
    // so `https://r` gets back the one `http://r` obtained from the realm both name.
    let config = Config::default()
        .allow_insecure(true)
        .request_refresh_token(true);
    let mut auth = Authenticator::new(config);
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-alice"),
    );
    let challenge = r#"Bearer realm="https://registry.example.com/token",service="r""#;
    let http = "http://registry.example.com/v2/team/app/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(http),
        http,
        secs(1),
        vec![
            resp(401).challenge(challenge),
            resp(200).body(r#"{"token":"t1","refresh_token":"rt-shared-realm"}"#),
            resp(200),
        ],
    );
    assert!(
        lines[1].starts_with("fetch GET https://registry.example.com/token?"),
        "{lines:#?}"
    );
    let https = "https://registry.example.com/v2/team/app/manifests/1";
    let lines = run(
        &mut auth,
        Request::post(https),
        https,
        secs(2),
        vec![
            resp(401).challenge(challenge),
            Canned::token("t2", 300),
            resp(200),
        ],
    );
    assert!(
        lines[1].starts_with("fetch POST https://registry.example.com/token")
            && lines[1].contains("refresh_token=rt-shared-realm"),
        "{lines:#?}"
    );
}
