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

#[test]
fn a_refresh_token_the_realm_refused_is_not_offered_again() {
    let config = Config::default().request_refresh_token(true);
    let mut auth = Authenticator::new(config);
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pw-alice"),
    );
    let first = "https://registry.example.com/v2/team/app/manifests/1";
    run(
        &mut auth,
        Request::get(first),
        first,
        secs(1),
        vec![
            resp(401).challenge(r#"Bearer realm="https://auth.example.com/token",service="r""#),
            resp(200).body(r#"{"token":"t1","expires_in":300,"refresh_token":"rt-dead"}"#),
            resp(200),
        ],
    );
    // The realm refuses the refresh token with 403 (revoked; a 400 or 401 would say it does
    // not take POST at all): the flow fails, and the dead refresh token is never offered
    // again, the credentials are used instead.
    let second = "https://registry.example.com/v2/team/second/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(second),
        second,
        secs(2),
        vec![resp(403)],
    );
    assert!(
        lines[0].starts_with("fetch POST") && lines[0].contains("refresh_token=rt-dead"),
        "{lines:#?}"
    );
    assert!(lines[1].starts_with("failed: "), "{lines:#?}");
    let third = "https://registry.example.com/v2/team/third/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(third),
        third,
        secs(3),
        vec![Canned::token("t3", 300), resp(200)],
    );
    assert!(
        lines[0].starts_with("fetch GET https://auth.example.com/token?"),
        "{lines:#?}"
    );
}

/// Anonymous credentials for `registry.example.com`, filed before `other.example.com`'s, which
/// hold a refresh token its realm issued.
fn anonymous_beside_a_refresh_token() -> Authenticator {
    let mut auth = Authenticator::new(Config::default().request_refresh_token(true));
    auth.set_credentials("registry.example.com", Credentials::Anonymous);
    auth.set_credentials("other.example.com", Credentials::basic("bob", "pw-bob"));
    let url = "https://other.example.com/v2/team/app/manifests/1";
    run(
        &mut auth,
        Request::get(url),
        url,
        secs(1),
        vec![
            resp(401).challenge(r#"Bearer realm="https://auth.example.com/token",service="o""#),
            resp(200).body(r#"{"token":"t-bob","expires_in":300,"refresh_token":"rt-bob"}"#),
            resp(200),
        ],
    );
    auth
}

/// A pull refused for scope with the token this flow just fetched: what the caller is told.
fn refused_for_scope(auth: &mut Authenticator, token_body: &str) -> String {
    let url = "https://registry.example.com/v2/team/app/manifests/1";
    let challenge = r#"Bearer realm="https://auth.example.com/token",service="r",scope="repository:team/app:pull""#;
    let refused = format!(r#"{challenge},error="insufficient_scope""#);
    let lines = run(
        auth,
        Request::get(url),
        url,
        secs(2),
        vec![
            resp(401).challenge(challenge),
            resp(200).body(token_body),
            resp(401).challenge(&refused),
        ],
    );
    lines.last().cloned().unwrap_or_default()
}

#[test]
fn anonymous_credentials_refused_for_scope_are_told_credentials_are_needed() {
    // Another entry's refresh token does not make these credentials any less anonymous.
    let mut auth = anonymous_beside_a_refresh_token();
    let last = refused_for_scope(&mut auth, r#"{"token":"t-anon","expires_in":300}"#);
    assert!(
        last.starts_with("failed: no credentials configured for registry.example.com"),
        "{last}"
    );
}

#[test]
fn anonymous_credentials_with_a_refresh_token_of_their_own_are_refused_for_scope() {
    // A realm that gave the anonymous requester a refresh token knows who it is: more
    // credentials are not the remedy the error names, more scope is.
    let mut auth = anonymous_beside_a_refresh_token();
    let last = refused_for_scope(
        &mut auth,
        r#"{"token":"t-anon","expires_in":300,"refresh_token":"rt-anon"}"#,
    );
    assert!(last.starts_with("failed: "), "{last}");
    assert!(!last.contains("no credentials configured"), "{last}");
}
