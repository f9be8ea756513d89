//! Transcript tests: for each registry behaviour, the exact sequence of actions the machine
//! emits. A line is `send`/`fetch` with the method, URL and `Authorization` it asks for, then
//! `done` or `failed: <message>`.

mod support;

use registry_auth::{Authenticator, Config, Credentials, Method, Request, Scope};
use std::time::Duration;

use support::{resp, run, secs, Canned};

const HUB: &str = "https://registry-1.docker.io";
const HUB_CHALLENGE: &str =
    r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#;
const ALICE: &str = "Basic YWxpY2U6czNjcmV0";
/// `Basic base64("bob:pw")`
const BOB: &str = "Basic Ym9iOnB3";

fn hub_manifest(repo: &str) -> String {
    format!("{HUB}/v2/{repo}/manifests/latest")
}

fn reg_challenge(scope: &str) -> String {
    format!(
        r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="{scope}""#
    )
}

const REG: &str = "https://registry.example.com";

/// Drives a GET of `url` to its end (see [`run`]).
fn get(auth: &mut Authenticator, url: &str, at: Duration, responses: Vec<Canned>) -> Vec<String> {
    run(auth, Request::get(url), url, at, responses)
}

/// Drives a request with `method` to `url` to its end (see [`run`]).
fn request(
    auth: &mut Authenticator,
    method: Method,
    url: &str,
    at: Duration,
    responses: Vec<Canned>,
) -> Vec<String> {
    run(auth, Request::new(method, url), url, at, responses)
}

fn default_auth() -> Authenticator {
    Authenticator::new(Config::default())
}

/// The credentials [`ALICE`] encodes.
fn alice() -> Credentials {
    Credentials::basic("alice", "s3cret")
}

/// A default authenticator holding `credentials` for `registry`.
fn auth_with(registry: &str, credentials: Credentials) -> Authenticator {
    let mut auth = default_auth();
    auth.set_credentials(registry, credentials);
    auth
}

/// The peer's side of a full Bearer round trip: a 401 with `challenge`, a token `token`
/// valid for 300 s, then the registry's answer `status` to the retried request.
fn bearer_round_trip(challenge: &str, token: &str, status: u16) -> Vec<Canned> {
    vec![
        resp(401).challenge(challenge),
        Canned::token(token, 300),
        resp(status),
    ]
}

#[test]
fn anonymous_bearer_docker_hub_takes_scope_from_the_path() {
    let mut auth = default_auth();
    let url = hub_manifest("library/alpine");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        bearer_round_trip(HUB_CHALLENGE, "t1", 200),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn methods_map_to_actions_and_catalog_to_registry_scope() {
    // (method, path, the scope the token request must name, the registry's final status)
    let cases = [
        (
            Method::Get,
            "/v2/a/manifests/1",
            "repository%3Aa%3Apull",
            200,
        ),
        (
            Method::Head,
            "/v2/a/blobs/sha256:00",
            "repository%3Aa%3Apull",
            200,
        ),
        (
            Method::Post,
            "/v2/a/blobs/uploads/",
            "repository%3Aa%3Apull%2Cpush",
            202,
        ),
        (
            Method::Put,
            "/v2/a/manifests/1",
            "repository%3Aa%3Apull%2Cpush",
            201,
        ),
        (
            Method::Patch,
            "/v2/a/blobs/uploads/u",
            "repository%3Aa%3Apull%2Cpush",
            202,
        ),
        (
            Method::Delete,
            "/v2/a/manifests/sha256:00",
            "repository%3Aa%3Adelete",
            202,
        ),
        (Method::Get, "/v2/_catalog", "registry%3Acatalog%3A%2A", 200),
    ];
    for (method, path, scope, status) in cases {
        let mut auth = default_auth();
        let url = format!("{HUB}{path}");
        let t = request(
            &mut auth,
            method,
            &url,
            secs(0),
            bearer_round_trip(HUB_CHALLENGE, "t", status),
        );
        assert_eq!(
            t,
            [
                format!("send {method} {url} auth=none"),
                format!("fetch GET https://auth.docker.io/token?service=registry.docker.io&scope={scope} auth=none"),
                format!("send {method} {url} auth=Bearer t"),
                "done".into(),
            ],
            "{method} {path}"
        );
    }
}

#[test]
fn bearer_is_preferred_over_basic_and_unknown_schemes_are_ignored() {
    let mut auth = auth_with("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401)
                .challenge("Negotiate, Basic realm=\"reg\"")
                .challenge(&reg_challenge("repository:a:pull")),
            Canned::token("t1", 300),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&account=alice auth={ALICE}"),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn no_supported_scheme_names_what_was_offered() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![resp(401)
            .challenge("Negotiate")
            .challenge("Digest realm=\"x\", nonce=\"n\"")],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "failed: no supported challenge: registry offered Negotiate, Digest".into(),
        ]
    );
    let t = get(&mut auth, &url, secs(0), vec![resp(401)]);
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "failed: 401 without a www-authenticate challenge".into(),
        ]
    );
}

#[test]
fn unknown_scheme_next_to_basic_in_another_header_is_answered_with_basic() {
    let mut auth = auth_with("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401)
                .challenge("Negotiate")
                .challenge("Basic realm=\"reg\""),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("send GET {url} auth={ALICE}"),
            "done".into(),
        ]
    );
}

#[test]
fn only_unknown_schemes_fail_naming_them_even_with_credentials() {
    let mut auth = auth_with("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![resp(401).challenge("Negotiate").challenge("NTLM")],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "failed: no supported challenge: registry offered Negotiate, NTLM".into(),
        ]
    );
}

#[test]
fn basic_challenge_is_answered_with_basic_to_the_registry_ecr_style() {
    let mut auth = auth_with("123.dkr.ecr.us-east-1.amazonaws.com", alice());
    let url = "https://123.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/1";
    let challenge =
        r#"Basic realm="https://123.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com""#;
    let t = get(
        &mut auth,
        url,
        secs(0),
        vec![resp(401).challenge(challenge), resp(200)],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("send GET {url} auth={ALICE}"),
            "done".into()
        ]
    );
    // The registry is now known to want Basic: later requests carry it at once.
    let t = get(&mut auth, url, secs(1), vec![resp(200)]);
    assert_eq!(t, [format!("send GET {url} auth={ALICE}"), "done".into()]);
}

#[test]
fn basic_challenge_without_credentials_fails_clearly() {
    let mut auth = default_auth();
    let url = "https://nexus.example.com/v2/app/manifests/1";
    let t = get(
        &mut auth,
        url,
        secs(0),
        vec![resp(401).challenge("BASIC realm=\"Sonatype Nexus Repository Manager\"")],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "failed: no credentials configured for nexus.example.com".into(),
        ]
    );
}

#[test]
fn rejected_basic_credentials_end_the_flow_without_a_loop() {
    let mut auth = auth_with("nexus.example.com", alice());
    let url = "https://nexus.example.com/v2/app/manifests/1";
    let t = get(
        &mut auth,
        url,
        secs(0),
        vec![
            resp(401).challenge("Basic realm=\"nexus\""),
            resp(401)
                .challenge("Basic realm=\"nexus\"")
                .body(r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("send GET {url} auth={ALICE}"),
            "failed: credentials rejected by nexus.example.com: 401 UNAUTHORIZED: bad credentials"
                .into(),
        ]
    );
}

#[test]
fn identity_token_uses_oauth2_refresh_token_grant() {
    let mut auth = auth_with("registry.example.com", Credentials::identity_token("idtok"));
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(200).body(r#"{"access_token":"t1","expires_in":300}"#),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=idtok&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn password_grant_is_used_when_configured() {
    let mut auth = Authenticator::new(
        Config::default()
            .password_grant(true)
            .request_refresh_token(true),
    );
    auth.set_credentials("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(200).body(r#"{"access_token":"t1","refresh_token":"r1","expires_in":60}"#),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch POST https://auth.example.com/token auth=none body=grant_type=password&username=alice&password=s3cret&access_type=offline&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    // The refresh token is kept: the next token request (after expiry) refreshes with it.
    let t = get(
        &mut auth,
        &url,
        secs(120),
        vec![
            resp(200).body(r#"{"access_token":"t2","expires_in":60}"#),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=r1&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".to_string(),
            format!("send GET {url} auth=Bearer t2"),
            "done".into(),
        ]
    );
}

#[test]
fn refresh_token_from_a_get_response_is_kept_for_later_refreshes() {
    let mut auth = Authenticator::new(Config::default().request_refresh_token(true));
    auth.set_credentials("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(200).body(r#"{"token":"t1","refresh_token":"r1"}"#),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&account=alice&offline_token=true&client_id=registry-auth auth={ALICE}"),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    // Another repository needs a new token: asked for with the refresh token, not the password.
    let other = format!("{REG}/v2/b/manifests/1");
    let t = get(
        &mut auth,
        &other,
        secs(1),
        vec![resp(200).body(r#"{"access_token":"t2"}"#), resp(200)],
    );
    assert_eq!(
        t,
        [
            "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=r1&service=registry.example.com&client_id=registry-auth&scope=repository%3Ab%3Apull".to_string(),
            format!("send GET {other} auth=Bearer t2"),
            "done".into(),
        ]
    );
}

#[test]
fn post_falls_back_to_get_on_404_405_400_401_and_non_json() {
    for refusal in [
        resp(404),
        resp(405),
        resp(400),
        resp(401),
        resp(200).body("<html>not a token</html>"),
    ] {
        let mut auth = auth_with("registry.example.com", Credentials::identity_token("idtok"));
        let url = format!("{REG}/v2/a/manifests/1");
        let status = refusal.status;
        let t = get(
            &mut auth,
            &url,
            secs(0),
            vec![
                resp(401).challenge(&reg_challenge("repository:a:pull")),
                refusal,
                Canned::token("t1", 300),
                resp(200),
            ],
        );
        assert_eq!(
            t,
            [
                format!("send GET {url} auth=none"),
                "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=idtok&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".into(),
                "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=Basic PHRva2VuPjppZHRvaw==".into(),
                format!("send GET {url} auth=Bearer t1"),
                "done".into(),
            ],
            "{status}"
        );
        // The realm is remembered as GET-only.
        let other = format!("{REG}/v2/b/manifests/1");
        let t = get(
            &mut auth,
            &other,
            secs(1),
            vec![Canned::token("t2", 300), resp(200)],
        );
        assert_eq!(
            t,
            [
                "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ab%3Apull auth=Basic PHRva2VuPjppZHRvaw==".to_string(),
                format!("send GET {other} auth=Bearer t2"),
                "done".into(),
            ],
            "{status}"
        );
    }
}

#[test]
fn an_identity_token_with_its_user_name_names_that_user_on_the_get_fallback() {
    // Docker's config stores the user name beside an identity token: a realm that takes GET
    // only is sent that name as the Basic user and as the account.
    let mut auth = auth_with(
        "registry.example.com",
        Credentials::identity_token_for("alice", "idtok"),
    );
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(405),
            Canned::token("t1", 300),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=idtok&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".into(),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&account=alice auth=Basic YWxpY2U6aWR0b2s=".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn new_credentials_try_post_again_at_a_realm_that_refused_it() {
    // The realm took GET only from the old credentials; new ones may be of a kind it takes by
    // POST, so the first request with them tries POST again. Another registry's memory of a
    // refusal stays.
    let mut auth = auth_with("registry.example.com", Credentials::identity_token("idtok"));
    auth.set_credentials("other.example.com", Credentials::identity_token("idtok-o"));
    let url = format!("{REG}/v2/a/manifests/1");
    let other = "https://other.example.com/v2/a/manifests/1";
    let other_challenge = r#"Bearer realm="https://auth.example.com/token",service="other.example.com",scope="repository:a:pull""#;
    for (u, challenge) in [
        (url.as_str(), reg_challenge("repository:a:pull")),
        (other, other_challenge.to_string()),
    ] {
        let t = get(
            &mut auth,
            u,
            secs(0),
            vec![
                resp(401).challenge(&challenge),
                resp(405),
                Canned::token("t1", 1),
                resp(200),
            ],
        );
        assert_eq!(t.len(), 5, "{t:#?}");
    }
    auth.set_credentials(
        "registry.example.com",
        Credentials::identity_token("idtok-2"),
    );
    // The tokens have expired; the challenges are known, so each flow starts at the realm.
    let t = get(
        &mut auth,
        &url,
        secs(100),
        vec![Canned::token("t2", 300), resp(200)],
    );
    assert!(t[0].starts_with("fetch POST "), "{t:#?}");
    let t = get(
        &mut auth,
        other,
        secs(100),
        vec![Canned::token("t3", 300), resp(200)],
    );
    assert!(t[0].starts_with("fetch GET "), "{t:#?}");
}

#[test]
fn scopes_kept_verbatim_are_bounded_at_eight_per_flow() {
    // Scopes the crate cannot read (no `type:name:actions` shape) are passed back as sent,
    // but a hostile challenge cannot make a flow carry more than eight of them.
    let many: Vec<String> = (1..=12).map(|i| format!("o{i}")).collect();
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge(&many.join(" "))),
            Canned::token("t1", 300),
            resp(401).challenge(&format!(
                r#"{},error="insufficient_scope""#,
                reg_challenge("p1 p2 repository:a:pull")
            )),
            Canned::token("t2", 300),
            resp(200),
        ],
    );
    let verbatim = |line: &str| {
        line.split(['?', '&', ' '])
            .filter_map(|kv| kv.strip_prefix("scope="))
            .filter(|v| !v.contains("%3A"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(verbatim(&t[1]), many[..8], "{t:#?}");
    assert_eq!(verbatim(&t[3]), many[..8], "{t:#?}");
}

#[test]
fn a_basic_challenge_that_cannot_be_read_gets_no_password() {
    // Two realms: which one the password would be for is unclear, so it is not sent.
    let mut auth = auth_with("registry.example.com", Credentials::basic("alice", "pw"));
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![resp(401).challenge(r#"Basic realm="a", realm="b""#)],
    );
    assert_eq!(t.len(), 2, "{t:#?}");
    assert!(t[1].starts_with("failed: "), "{t:#?}");
    assert!(t.iter().all(|l| !l.contains("auth=Basic")), "{t:#?}");
}

#[test]
fn a_token_answered_with_basic_challenges_twice_ends_with_the_credentials_rejected() {
    // Harbor answers a token that lacks scope with a Basic challenge: one retry with Basic,
    // then the credentials are what the registry refuses (they are configured, not missing).
    let mut auth = auth_with("registry.example.com", Credentials::basic("alice", "pw"));
    let url = format!("{REG}/v2/a/manifests/1");
    let basic = r#"Basic realm="harbor""#;
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            Canned::token("t1", 300),
            resp(401).challenge(basic),
            resp(401).challenge(basic),
        ],
    );
    let last = t.last().unwrap();
    assert!(last.contains("rejected"), "{t:#?}");
    assert!(!last.contains("no credentials"), "{t:#?}");
}

#[test]
fn a_registry_that_moved_from_basic_to_bearer_is_followed_once() {
    let mut auth = auth_with("registry.example.com", Credentials::basic("alice", "pw"));
    let url = format!("{REG}/v2/a/manifests/1");
    let basic = r#"Basic realm="registry""#;
    // Known as Basic...
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![resp(401).challenge(basic), resp(200)],
    );
    assert_eq!(t.last().map(String::as_str), Some("done"), "{t:#?}");
    // ...it now asks for Bearer: the flow follows.
    let t = get(
        &mut auth,
        &url,
        secs(1),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            Canned::token("t1", 300),
            resp(200),
        ],
    );
    assert!(t[0].ends_with("auth=Basic YWxpY2U6cHc="), "{t:#?}");
    assert!(t[1].starts_with("fetch GET "), "{t:#?}");
    assert_eq!(t.last().map(String::as_str), Some("done"), "{t:#?}");

    // A registry that sends Basic after a token and Bearer after Basic is not followed
    // round again: the Basic it asked for was refused.
    let mut auth = auth_with("registry.example.com", Credentials::basic("alice", "pw"));
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            Canned::token("t1", 300),
            resp(401).challenge(basic),
            resp(401).challenge(&reg_challenge("repository:a:pull")),
        ],
    );
    assert!(t.last().unwrap().contains("credentials rejected"), "{t:#?}");
}

#[test]
fn post_never_falls_back_on_5xx() {
    let mut auth = auth_with("registry.example.com", Credentials::identity_token("idtok"));
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(503),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=idtok&service=registry.example.com&client_id=registry-auth&scope=repository%3Aa%3Apull".into(),
            "failed: token request to https://auth.example.com/token failed: 503 service unavailable".into(),
        ]
    );
}

#[test]
fn registry_token_is_sent_as_is_and_a_rejection_is_final() {
    let mut auth = auth_with(
        "registry.example.com",
        Credentials::registry_token("regtok"),
    );
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(&mut auth, &url, secs(0), vec![resp(200)]);
    assert_eq!(
        t,
        [format!("send GET {url} auth=Bearer regtok"), "done".into()]
    );
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![resp(401).challenge(&reg_challenge("repository:a:pull"))],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=Bearer regtok"),
            "failed: credentials rejected by registry.example.com: 401 unauthorized".into(),
        ]
    );
}

#[test]
fn harbor_basic_answer_to_an_under_scoped_token_retries_with_basic() {
    let mut auth = auth_with("harbor.example.com", alice());
    let url = "https://harbor.example.com/v2/lib/app/manifests/1";
    let t = request(
        &mut auth,
        Method::Put,
        url,
        secs(0),
        vec![
            resp(401).challenge(r#"Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:lib/app:pull,push""#),
            Canned::token("t1", 1800),
            resp(401).challenge("Basic realm=\"harbor\""),
            resp(201),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send PUT {url} auth=none"),
            format!("fetch GET https://harbor.example.com/service/token?service=harbor-registry&scope=repository%3Alib%2Fapp%3Apull%2Cpush&account=alice auth={ALICE}"),
            format!("send PUT {url} auth=Bearer t1"),
            format!("send PUT {url} auth={ALICE}"),
            "done".into(),
        ]
    );
}

#[test]
fn second_repository_is_authenticated_pre_emptively_without_a_401() {
    let mut auth = default_auth();
    let a = hub_manifest("library/alpine");
    get(
        &mut auth,
        &a,
        secs(0),
        bearer_round_trip(HUB_CHALLENGE, "t1", 200),
    );
    let b = hub_manifest("library/busybox");
    let t = get(
        &mut auth,
        &b,
        secs(1),
        vec![Canned::token("t2", 300), resp(200)],
    );
    assert_eq!(
        t,
        [
            "fetch GET https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull auth=none".to_string(),
            format!("send GET {b} auth=Bearer t2"),
            "done".into(),
        ]
    );
}

#[test]
fn cached_token_is_reused_while_it_covers_the_request_and_is_fresh() {
    let mut auth = Authenticator::new(Config::default().refresh_margin(secs(30)));
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(1000),
        bearer_round_trip(&reg_challenge("repository:a:pull"), "t1", 200),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    // A blob of the same repository: covered.
    let blob = format!("{REG}/v2/a/blobs/sha256:00");
    let t = get(&mut auth, &blob, secs(1100), vec![resp(200)]);
    assert_eq!(
        t,
        [format!("send GET {blob} auth=Bearer t1"), "done".into()]
    );
    // 269 s after issue the token has 31 s left: still used.
    let t = get(&mut auth, &url, secs(1269), vec![resp(200)]);
    assert_eq!(t, [format!("send GET {url} auth=Bearer t1"), "done".into()]);
    // 271 s after issue it is inside the 30 s margin: refreshed before sending.
    let t = get(
        &mut auth,
        &url,
        secs(1271),
        vec![Canned::token("t2", 300), resp(200)],
    );
    assert_eq!(
        t,
        [
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".to_string(),
            format!("send GET {url} auth=Bearer t2"),
            "done".into(),
        ]
    );
    // A push needs more than the pull token holds: a new token, without a 401.
    let t = request(
        &mut auth,
        Method::Put,
        &url,
        secs(1272),
        vec![Canned::token("t3", 300), resp(201)],
    );
    assert_eq!(
        t,
        [
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull%2Cpush auth=none".to_string(),
            format!("send PUT {url} auth=Bearer t3"),
            "done".into(),
        ]
    );
}

#[test]
fn short_or_missing_expires_in_counts_as_sixty_seconds() {
    let fetch = "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none";
    for first in [Canned::token("t1", 5), resp(200).body(r#"{"token":"t1"}"#)] {
        let mut auth = Authenticator::new(Config::default().refresh_margin(secs(0)));
        let url = format!("{REG}/v2/a/manifests/1");
        let body = String::from_utf8_lossy(&first.body).into_owned();
        let t = get(
            &mut auth,
            &url,
            secs(0),
            vec![
                resp(401).challenge(&reg_challenge("repository:a:pull")),
                first,
                resp(200),
            ],
        );
        assert_eq!(
            t,
            [
                format!("send GET {url} auth=none"),
                fetch.into(),
                format!("send GET {url} auth=Bearer t1"),
                "done".into(),
            ],
            "{body}"
        );
        let t = get(&mut auth, &url, secs(59), vec![resp(200)]);
        assert_eq!(
            t,
            [format!("send GET {url} auth=Bearer t1"), "done".into()],
            "{body}"
        );
        let t = get(
            &mut auth,
            &url,
            secs(60),
            vec![Canned::token("t2", 300), resp(200)],
        );
        assert_eq!(
            t,
            [
                fetch.into(),
                format!("send GET {url} auth=Bearer t2"),
                "done".into(),
            ],
            "{body}"
        );
    }
}

#[test]
fn a_401_on_a_cached_token_drops_it_and_fetches_once() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let c = reg_challenge("repository:a:pull");
    get(&mut auth, &url, secs(0), bearer_round_trip(&c, "t1", 200));
    let invalid = format!("{c},error=\"invalid_token\"");
    let t = get(
        &mut auth,
        &url,
        secs(10),
        bearer_round_trip(&invalid, "t2", 200),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=Bearer t1"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t2"),
            "done".into(),
        ]
    );
    // A second rejection of the fresh token is final.
    let t = get(
        &mut auth,
        &url,
        secs(11),
        vec![
            resp(401).challenge(&invalid),
            Canned::token("t3", 300),
            resp(401).challenge(&invalid),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=Bearer t2"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t3"),
            "failed: registry.example.com rejected a freshly issued token: invalid_token".into(),
        ]
    );
}

#[test]
fn insufficient_scope_widens_to_the_union_and_retries_once() {
    let mut auth = auth_with("registry.example.com", alice());
    let url = format!("{REG}/v2/dst/blobs/uploads/");
    // The caller did not say this POST mounts from `src`; the registry names it.
    let t = request(
        &mut auth,
        Method::Post,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:dst:pull,push")),
            Canned::token("t1", 300),
            resp(401).challenge(&format!(
                "{},error=\"insufficient_scope\"",
                reg_challenge("repository:dst:pull,push repository:src:pull")
            )),
            Canned::token("t2", 300),
            resp(202),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send POST {url} auth=none"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Adst%3Apull%2Cpush&account=alice auth={ALICE}"),
            format!("send POST {url} auth=Bearer t1"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Adst%3Apull%2Cpush&scope=repository%3Asrc%3Apull&account=alice auth={ALICE}"),
            format!("send POST {url} auth=Bearer t2"),
            "done".into(),
        ]
    );
}

#[test]
fn insufficient_scope_after_a_partial_grant_fails_after_one_retry_with_the_registry_message() {
    let mut auth = auth_with("registry.example.com", Credentials::basic("bob", "pw"));
    let url = format!("{REG}/v2/team/app/manifests/1");
    let c = reg_challenge("repository:team/app:pull,push");
    let t = request(
        &mut auth,
        Method::Put,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&c),
            Canned::token("pull-only", 300),
            resp(401)
                .challenge(&format!("{c},error=\"insufficient_scope\""))
                .body(r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send PUT {url} auth=none"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&account=bob auth={BOB}"),
            format!("send PUT {url} auth=Bearer pull-only"),
            "failed: insufficient scope at registry.example.com for \"repository:team/app:pull,push\": DENIED: requested access to the resource is denied".into(),
        ]
    );
}

#[test]
fn insufficient_scope_on_a_cached_token_widens_then_a_second_rejection_is_final() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        bearer_round_trip(&reg_challenge("repository:a:pull"), "t1", 200),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    let deny = format!(
        "{},error=\"insufficient_scope\"",
        reg_challenge("repository:a:pull repository:b:pull")
    );
    let t = get(
        &mut auth,
        &url,
        secs(1),
        vec![
            resp(401).challenge(&deny),
            Canned::token("t2", 300),
            resp(401).challenge(&deny).body(
                r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
            ),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=Bearer t1"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t2"),
            // Anonymous: what is missing is credentials, not scope.
            "failed: no credentials configured for registry.example.com; anonymous access to \"repository:a:pull repository:b:pull\" refused".into(),
        ]
    );
}

#[test]
fn caller_declared_and_mount_scopes_are_requested_up_front() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/dst/blobs/uploads/?mount=sha256%3Aab&from=team%2Fsrc");
    let extra = [Scope::repository("dst", ["delete"]).unwrap()];
    let t = run(
        &mut auth,
        Request::new(Method::Post, &url).scopes(&extra),
        &url,
        secs(0),
        bearer_round_trip(&reg_challenge("repository:dst:pull,push"), "t1", 201),
    );
    assert_eq!(
        t,
        [
            format!("send POST {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Adst%3Adelete%2Cpull%2Cpush&scope=repository%3Ateam%2Fsrc%3Apull auth=none".into(),
            format!("send POST {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn one_scope_parameter_switch_joins_scopes_with_spaces() {
    let mut auth = Authenticator::new(Config::default().scopes_in_one_parameter(true));
    let url = format!("{REG}/v2/dst/blobs/uploads/?mount=sha256%3Aab&from=src");
    let t = request(
        &mut auth,
        Method::Post,
        &url,
        secs(0),
        bearer_round_trip(&reg_challenge("repository:dst:pull,push"), "t1", 201),
    );
    assert_eq!(
        t,
        [
            format!("send POST {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Adst%3Apull%2Cpush%20repository%3Asrc%3Apull auth=none".into(),
            format!("send POST {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn stale_on_403_switch_refreshes_once_and_is_off_by_default() {
    let url = "https://123.dkr.ecr.us-east-1.amazonaws.com/v2/a/manifests/1";
    let c = r#"Bearer realm="https://123.dkr.ecr.us-east-1.amazonaws.com/token",service="ecr""#;
    let fetch = "fetch GET https://123.dkr.ecr.us-east-1.amazonaws.com/token?service=ecr&scope=repository%3Aa%3Apull auth=none";
    // ECR answers a stale token with 403, ECR Public with 400.
    for status in [403, 400] {
        for switch in [false, true] {
            let mut auth = Authenticator::new(Config::default().renew_token_on_403_400(switch));
            let t = get(&mut auth, url, secs(0), bearer_round_trip(c, "t1", 200));
            assert_eq!(
                t,
                [
                    format!("send GET {url} auth=none"),
                    fetch.into(),
                    format!("send GET {url} auth=Bearer t1"),
                    "done".into(),
                ]
            );
            if switch {
                // The cached token is dropped, a new one fetched, the request retried once.
                let t = get(
                    &mut auth,
                    url,
                    secs(1),
                    vec![resp(status), Canned::token("t2", 300), resp(200)],
                );
                assert_eq!(
                    t,
                    [
                        format!("send GET {url} auth=Bearer t1"),
                        fetch.into(),
                        format!("send GET {url} auth=Bearer t2"),
                        "done".into(),
                    ],
                    "{status} with the switch on"
                );
            } else {
                // Off: the status is the registry's answer, handed to the caller as it is.
                let t = get(&mut auth, url, secs(1), vec![resp(status)]);
                assert_eq!(
                    t,
                    [format!("send GET {url} auth=Bearer t1"), "done".into()],
                    "{status} with the switch off"
                );
            }
        }
    }
}

#[test]
fn redirects_keep_authorization_only_on_the_same_origin() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/blobs/sha256:00");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            Canned::token("t1", 300),
            resp(307).header("Location", "/v2/a/blobs/sha256:00?moved=1"),
            resp(307).header("Location", "https://storage.example.net/blob?sig=abc"),
            resp(302).header("Location", "https://registry.example.com:8443/x"),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t1"),
            format!("send GET {REG}/v2/a/blobs/sha256:00?moved=1 auth=Bearer t1"),
            "send GET https://storage.example.net/blob?sig=abc auth=none".into(),
            // Another port is another origin.
            "send GET https://registry.example.com:8443/x auth=none".into(),
            "done".into(),
        ]
    );
}

#[test]
fn redirects_are_bounded() {
    let mut auth = Authenticator::new(Config::default().max_redirects(2));
    let url = format!("{REG}/v2/a/blobs/sha256:00");
    let loc = |n: u8| resp(302).header("Location", &format!("/hop{n}"));
    let t = get(&mut auth, &url, secs(0), vec![loc(1), loc(2), loc(3)]);
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("send GET {REG}/hop1 auth=none"),
            format!("send GET {REG}/hop2 auth=none"),
            "failed: too many redirects".into(),
        ]
    );
}

#[test]
fn see_other_turns_into_get() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/blobs/uploads/");
    let t = request(
        &mut auth,
        Method::Post,
        &url,
        secs(0),
        vec![resp(303).header("Location", "/status"), resp(200)],
    );
    assert_eq!(
        t,
        [
            format!("send POST {url} auth=none"),
            format!("send GET {REG}/status auth=none"),
            "done".into(),
        ]
    );
}

#[test]
fn realm_policy_refusals_name_the_rule() {
    let cases = [
        (REG, r#"Bearer realm="http://auth.example.com/token""#, "failed: refused realm http://auth.example.com/token: plain http realms need a plain http registry and insecure registries allowed"),
        (REG, r#"Bearer realm="file:///etc/passwd""#, "failed: refused realm file:///etc/passwd: only http and https realms are allowed"),
        (REG, r#"Bearer realm="https://169.254.169.254/latest/meta-data""#, "failed: refused realm https://169.254.169.254/latest/meta-data: internal host, not the host of registry registry.example.com; config allow_internal_realms_for(\"registry.example.com\") allows it"),
        ("http://127.0.0.1:5000", r#"Bearer realm="http://127.0.0.1:5001/token""#, "failed: refused realm http://127.0.0.1:5001/token: plain http realms need a plain http registry and insecure registries allowed"),
        (REG, r#"Bearer realm="https://user:pw@auth.example.com/""#, "failed: invalid realm: url carries user information"),
        (REG, r#"Bearer service="x""#, "failed: unusable challenge: bearer challenge has no `realm` parameter"),
    ];
    for (registry, challenge, want) in cases {
        let mut auth = auth_with(registry, alice());
        let url = format!("{registry}/v2/a/manifests/1");
        let t = get(
            &mut auth,
            &url,
            secs(0),
            vec![resp(401).challenge(challenge)],
        );
        assert_eq!(
            t,
            [format!("send GET {url} auth=none"), want.to_string()],
            "{challenge}"
        );
    }
}

#[test]
fn insecure_mode_allows_http_registry_and_realm_on_its_host() {
    let mut auth = Authenticator::new(Config::default().allow_insecure(true));
    auth.set_credentials("127.0.0.1:5000", alice());
    let url = "http://127.0.0.1:5000/v2/a/manifests/1";
    let t = get(
        &mut auth,
        url,
        secs(0),
        bearer_round_trip(
            r#"Bearer realm="http://127.0.0.1:5001/token",service="reg""#,
            "t1",
            200,
        ),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("fetch GET http://127.0.0.1:5001/token?service=reg&scope=repository%3Aa%3Apull&account=alice auth={ALICE}"),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn credentials_go_only_to_their_registry() {
    let mut auth = auth_with("registry.example.com", alice());
    // Another registry, anonymous, whose challenge names the first registry's realm: its
    // token request carries neither the credentials nor an `account`.
    let url = "https://evil.example.org/v2/a/manifests/1";
    let t = get(
        &mut auth,
        url,
        secs(0),
        bearer_round_trip(&reg_challenge("repository:a:pull"), "t1", 200),
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    // A Basic challenge from it gets no credentials either.
    let b = "https://evil.example.org/v2/b/manifests/1";
    let t = get(
        &mut auth,
        b,
        secs(0),
        vec![
            Canned::token("t2", 300),
            resp(401).challenge("Basic realm=\"x\""),
        ],
    );
    assert_eq!(
        t,
        [
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ab%3Apull auth=none".to_string(),
            format!("send GET {b} auth=Bearer t2"),
            "failed: no credentials configured for evil.example.org".into(),
        ]
    );
}

#[test]
fn token_endpoint_rejection_quotes_the_realm_and_its_message() {
    let mut auth = auth_with("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(401).body(
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            ),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&account=alice auth={ALICE}"),
            "failed: credentials rejected by https://auth.example.com/token: 401 UNAUTHORIZED: authentication required".into(),
        ]
    );
}

#[test]
fn malformed_token_response_names_the_field() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&reg_challenge("repository:a:pull")),
            resp(200).body(r#"{"token":"a b"}"#),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".into(),
            "failed: bad token from https://auth.example.com/token: token response field `token` holds characters a header cannot carry".into(),
        ]
    );
}

#[test]
fn caller_authorization_is_left_alone() {
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let t = run(
        &mut auth,
        Request::get(&url).caller_authorized(true),
        &url,
        secs(0),
        vec![resp(401).challenge(&reg_challenge("repository:a:pull"))],
    );
    assert_eq!(t, [format!("send GET {url} auth=none"), "done".into()]);
}

#[test]
fn challenges_seen_in_the_wild_drive_the_same_flow() {
    // Registries that omit scope or service, send `*` or an empty name, or use unquoted values.
    let cases = [
        (r#"Bearer realm="https://gcr.io/v2/token""#, "https://gcr.io/v2/token?scope=repository%3Aa%3Apull"),
        (r#"Bearer realm="https://g.example/v2/token",service="container_registry",scope="*""#, "https://g.example/v2/token?service=container_registry&scope=repository%3Aa%3Apull&scope=%2A"),
        (r#"Bearer realm="https://z.example/auth/token",service="zot",scope="repository::pull""#, "https://z.example/auth/token?service=zot&scope=repository%3A%3Apull&scope=repository%3Aa%3Apull"),
        ("Bearer realm=https://q.example/v2/auth,service=quay.io", "https://q.example/v2/auth?service=quay.io&scope=repository%3Aa%3Apull"),
    ];
    for (challenge, fetch) in cases {
        let mut auth = default_auth();
        let url = format!("{REG}/v2/a/manifests/1");
        let t = get(
            &mut auth,
            &url,
            secs(0),
            bearer_round_trip(challenge, "t", 200),
        );
        assert_eq!(
            t,
            [
                format!("send GET {url} auth=none"),
                format!("fetch GET {fetch} auth=none"),
                format!("send GET {url} auth=Bearer t"),
                "done".into(),
            ],
            "{challenge}"
        );
    }
}

#[test]
fn the_longest_flow_reaches_the_documented_bound_and_stops() {
    // Cached token, a same-origin redirect, a stale-token 401, then an insufficient_scope 401
    // naming more scope, then a final rejection: 3 + max_redirects sends, then `failed`.
    let mut auth = Authenticator::new(Config::default().max_redirects(1));
    auth.set_credentials("registry.example.com", Credentials::identity_token("idtok"));
    let url = format!("{REG}/v2/a/manifests/1");
    let c = reg_challenge("repository:a:pull");
    let t = get(
        &mut auth,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&c),
            resp(200).body(r#"{"access_token":"t1"}"#),
            resp(200),
        ],
    );
    let post = |scope: &str| {
        format!("fetch POST https://auth.example.com/token auth=none body=grant_type=refresh_token&refresh_token=idtok&service=registry.example.com&client_id=registry-auth&scope={scope}")
    };
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            post("repository%3Aa%3Apull"),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
    let wider = format!(
        "{},error=\"insufficient_scope\"",
        reg_challenge("repository:a:pull repository:b:pull")
    );
    let t = get(
        &mut auth,
        &url,
        secs(1),
        vec![
            resp(307).header("Location", "/v2/a/manifests/2"),
            resp(401).challenge(&format!("{c},error=\"invalid_token\"")),
            resp(405),
            Canned::token("t2", 300),
            resp(401).challenge(&wider),
            Canned::token("t3", 300),
            resp(401).challenge(&wider),
        ],
    );
    let moved = format!("{REG}/v2/a/manifests/2");
    let get_with_identity = "auth=Basic PHRva2VuPjppZHRvaw==";
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=Bearer t1"),
            format!("send GET {moved} auth=Bearer t1"),
            post("repository%3Aa%3Apull"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull {get_with_identity}"),
            format!("send GET {moved} auth=Bearer t2"),
            format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull {get_with_identity}"),
            format!("send GET {moved} auth=Bearer t3"),
            "failed: insufficient scope at registry.example.com for \"repository:a:pull repository:b:pull\": insufficient_scope".into(),
        ]
    );
    let sends = t.iter().filter(|l| l.starts_with("send ")).count();
    let fetches = t.iter().filter(|l| l.starts_with("fetch ")).count();
    assert_eq!(sends, 3 + 1, "{t:#?}");
    assert_eq!(fetches, 3, "{t:#?}");
    assert!(fetches <= usize::from(registry_auth::machine::MAX_TOKEN_REQUESTS));
}

#[test]
fn docker_hub_credentials_set_under_any_of_its_names_reach_its_api_host() {
    for name in [
        "docker.io",
        "index.docker.io",
        "https://index.docker.io/v1/",
    ] {
        let mut auth = auth_with(name, alice());
        let url = hub_manifest("alice/private");
        let t = get(
            &mut auth,
            &url,
            secs(0),
            bearer_round_trip(HUB_CHALLENGE, "t1", 200),
        );
        assert_eq!(
            t,
            [
                format!("send GET {url} auth=none"),
                format!("fetch GET https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aalice%2Fprivate%3Apull&account=alice auth={ALICE}"),
                format!("send GET {url} auth=Bearer t1"),
                "done".into(),
            ],
            "{name}"
        );
    }
}

#[test]
fn a_token_refused_for_scope_it_was_asked_for_is_never_sent_again() {
    // The realm granted less than asked (pull only), the registry refused a push with it. The
    // next push must ask the realm again rather than reuse the cached token.
    let mut auth = auth_with("registry.example.com", Credentials::basic("bob", "pw"));
    let url = format!("{REG}/v2/team/app/manifests/1");
    let c = reg_challenge("repository:team/app:pull,push");
    let deny = format!("{c},error=\"insufficient_scope\"");
    let t = request(
        &mut auth,
        Method::Put,
        &url,
        secs(0),
        vec![
            resp(401).challenge(&c),
            Canned::token("partial", 300),
            resp(401).challenge(&deny),
        ],
    );
    let fetch = format!("fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&account=bob auth={BOB}");
    assert_eq!(
        t,
        [
            format!("send PUT {url} auth=none"),
            fetch.clone(),
            format!("send PUT {url} auth=Bearer partial"),
            "failed: insufficient scope at registry.example.com for \"repository:team/app:pull,push\": insufficient_scope".into(),
        ]
    );
    let t = request(
        &mut auth,
        Method::Put,
        &url,
        secs(1),
        vec![Canned::token("full", 300), resp(201)],
    );
    assert_eq!(
        t,
        [
            fetch,
            format!("send PUT {url} auth=Bearer full"),
            "done".into()
        ]
    );
}

#[test]
fn a_scope_the_challenge_repeats_verbatim_is_asked_for_once() {
    // Scopes the crate cannot read (`*`) are passed on as they are, each once however often
    // challenges name it.
    let mut auth = default_auth();
    let url = format!("{REG}/v2/a/manifests/1");
    let challenge = r#"Bearer realm="https://g.example/v2/token",service="c",scope="* *""#;
    let t = get(
        &mut auth,
        &url,
        secs(0),
        bearer_round_trip(challenge, "t", 200),
    );
    assert_eq!(
        t[1],
        "fetch GET https://g.example/v2/token?service=c&scope=repository%3Aa%3Apull&scope=%2A auth=none",
        "{t:#?}"
    );
}

#[test]
fn a_plain_http_registry_asking_for_basic_gets_no_password_without_allow_insecure() {
    let mut auth = default_auth();
    auth.set_credentials("registry.example.com", alice());
    let url = "http://registry.example.com/v2/a/manifests/1";
    let t = run(
        &mut auth,
        Request::get(url),
        url,
        secs(0),
        vec![resp(401).challenge(r#"Basic realm="r""#)],
    );
    assert_eq!(t.len(), 2, "{t:#?}");
    assert_eq!(t[0], format!("send GET {url} auth=none"));
    assert!(
        t[1].starts_with("failed: refused to send credentials to http://registry.example.com"),
        "{t:#?}"
    );
}
