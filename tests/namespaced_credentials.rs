//! Credentials per namespace of a registry (Podman's `auth.json` keys): a request uses the
//! credentials of the longest namespace that prefixes its repository, else its registry's,
//! and tokens fetched with one set never serve requests made with another.

mod support;

use registry_auth::{Authenticator, Config, Credentials, Request};
use support::{resp, run, secs, Canned};

const QUAY_CHALLENGE: &str = r#"Bearer realm="https://quay.io/v2/auth",service="quay.io""#;

fn manifest(repo: &str) -> String {
    format!("https://quay.io/v2/{repo}/manifests/1")
}

fn get(auth: &mut Authenticator, repo: &str, responses: Vec<Canned>) -> Vec<String> {
    let url = manifest(repo);
    run(auth, Request::get(&url), &url, secs(1), responses)
}

fn basic_of(user: &str, pw: &str) -> String {
    registry_auth::Authorization::basic(user, pw)
        .expose()
        .to_string()
}

fn quay() -> Authenticator {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("quay.io", Credentials::basic("whole", "pw-whole"));
    auth.set_credentials("quay.io/org-a", Credentials::basic("robot-a", "pw-a"));
    auth.set_credentials(
        "quay.io/org-a/special",
        Credentials::basic("robot-s", "pw-s"),
    );
    auth
}

#[test]
fn each_repository_gets_the_credentials_of_its_longest_namespace() {
    let mut auth = quay();
    let cases = [
        ("org-a/app", "robot-a", "pw-a"),
        ("org-a/special", "robot-s", "pw-s"),
        ("org-a/special/sub", "robot-s", "pw-s"),
        ("org-b/app", "whole", "pw-whole"),
        ("org-ab/app", "whole", "pw-whole"),
    ];
    for (i, (repo, user, pw)) in cases.into_iter().enumerate() {
        let token = format!("tok{i}");
        let first = i == 0;
        let mut responses = Vec::new();
        if first {
            responses.push(resp(401).challenge(QUAY_CHALLENGE));
        }
        responses.push(Canned::token(&token, 300));
        responses.push(resp(200));
        let lines = get(&mut auth, repo, responses);
        let fetch = &lines[usize::from(first)];
        assert!(
            fetch.contains(&format!("account={user} auth={}", basic_of(user, pw))),
            "{repo}: {lines:#?}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("done"), "{repo}");
    }
}

#[test]
fn a_token_fetched_with_one_namespaces_credentials_never_serves_another() {
    let mut auth = quay();
    // A catalog-wide token fetched for org-a's request, asked with org-a's credentials.
    let url = manifest("org-a/app");
    let lines = run(
        &mut auth,
        Request::get(&url)
            .scopes(&[registry_auth::Scope::parse("repository:org-b/app:pull").unwrap()]),
        &url,
        secs(1),
        vec![
            resp(401).challenge(QUAY_CHALLENGE),
            Canned::token("org-a-token", 300),
            resp(200),
        ],
    );
    assert!(
        lines[1].contains("scope=repository%3Aorg-b%2Fapp%3Apull"),
        "{lines:#?}"
    );
    // The token's scope covers org-b/app, but it was fetched with org-a's credentials: org-b's
    // request fetches its own with the registry's.
    let lines = get(
        &mut auth,
        "org-b/app",
        vec![Canned::token("whole-token", 300), resp(200)],
    );
    assert!(
        lines[0].contains(&basic_of("whole", "pw-whole")),
        "{lines:#?}"
    );
    assert!(lines[1].ends_with("auth=Bearer whole-token"), "{lines:#?}");
}

#[test]
fn replacing_a_namespaces_credentials_drops_only_its_tokens() {
    let mut auth = quay();
    get(
        &mut auth,
        "org-a/app",
        vec![
            resp(401).challenge(QUAY_CHALLENGE),
            Canned::token("a1", 300),
            resp(200),
        ],
    );
    get(
        &mut auth,
        "org-b/app",
        vec![Canned::token("w1", 300), resp(200)],
    );
    assert_eq!(auth.cached_tokens(), 2);
    auth.set_credentials("quay.io/org-a", Credentials::basic("robot-a", "pw-a2"));
    assert_eq!(auth.cached_tokens(), 1);
    // org-b still uses its cached token; org-a fetches with the new password.
    let b = get(&mut auth, "org-b/app", vec![resp(200)]);
    assert!(b[0].ends_with("auth=Bearer w1"), "{b:#?}");
    let a = get(
        &mut auth,
        "org-a/app",
        vec![Canned::token("a2", 300), resp(200)],
    );
    assert!(a[0].contains(&basic_of("robot-a", "pw-a2")), "{a:#?}");
    // Removing the namespace's credentials falls back to the registry's.
    auth.remove_credentials("quay.io/org-a");
    let a = get(
        &mut auth,
        "org-a/app",
        vec![Canned::token("w2", 300), resp(200)],
    );
    assert!(a[0].contains(&basic_of("whole", "pw-whole")), "{a:#?}");
}

#[test]
fn setting_the_same_credentials_again_keeps_their_tokens() {
    // A client that re-reads its configuration before each request sets the same
    // credentials again and again: that must not cost a token request each time.
    let mut auth = quay();
    get(
        &mut auth,
        "org-a/app",
        vec![
            resp(401).challenge(QUAY_CHALLENGE),
            Canned::token("a1", 300),
            resp(200),
        ],
    );
    get(
        &mut auth,
        "org-b/app",
        vec![Canned::token("w1", 300), resp(200)],
    );
    // Another spelling of the same key, the same secrets.
    auth.set_credentials("Quay.io:443/org-a/", Credentials::basic("robot-a", "pw-a"));
    auth.set_credentials(
        "https://quay.io/v1/",
        Credentials::basic("whole", "pw-whole"),
    );
    assert_eq!(auth.cached_tokens(), 2);
    let a = get(&mut auth, "org-a/app", vec![resp(200)]);
    assert!(a[0].ends_with("auth=Bearer a1"), "{a:#?}");
    // The same user with another password is other credentials.
    auth.set_credentials("quay.io", Credentials::basic("whole", "pw-whole2"));
    assert_eq!(auth.cached_tokens(), 1);
}

#[test]
fn removing_one_entry_of_a_registry_keeps_the_others() {
    // The registry's own entry goes; its namespaces' stay.
    let mut auth = quay();
    auth.remove_credentials("quay.io");
    let a = get(
        &mut auth,
        "org-a/app",
        vec![
            resp(401).challenge(QUAY_CHALLENGE),
            Canned::token("a1", 300),
            resp(200),
        ],
    );
    assert!(a[1].contains(&basic_of("robot-a", "pw-a")), "{a:#?}");
    // A namespace's entry goes; the registry's own stays.
    let mut auth = quay();
    auth.remove_credentials("quay.io/org-a/special");
    auth.remove_credentials("quay.io/org-a");
    let b = get(
        &mut auth,
        "org-a/app",
        vec![
            resp(401).challenge(QUAY_CHALLENGE),
            Canned::token("w1", 300),
            resp(200),
        ],
    );
    assert!(b[1].contains(&basic_of("whole", "pw-whole")), "{b:#?}");
}

#[test]
fn a_basic_registry_sends_each_namespace_its_own_basic_value() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("r.example.com/team-a", Credentials::basic("a", "pw-a"));
    auth.set_credentials("r.example.com", Credentials::basic("w", "pw-w"));
    let url = "https://r.example.com/v2/team-a/app/manifests/1";
    let lines = run(
        &mut auth,
        Request::get(url),
        url,
        secs(1),
        vec![resp(401).challenge(r#"Basic realm="r""#), resp(200)],
    );
    assert!(lines[1].ends_with(&basic_of("a", "pw-a")), "{lines:#?}");
    let url = "https://r.example.com/v2/team-b/app/manifests/1";
    let lines = run(&mut auth, Request::get(url), url, secs(1), vec![resp(200)]);
    assert!(lines[0].ends_with(&basic_of("w", "pw-w")), "{lines:#?}");
}
