//! Interop with the real registry server: distribution 2.8 (`docker-registry`), started by each
//! test on a free loopback port, in token, htpasswd (Basic) and silly auth modes, with a token
//! issuer, and a storage host for blob redirects, run by the tests themselves.
//!
//! Every scenario counts what the servers received: the registry's requests from its access
//! log, the issuer's from its own record. Both are checked against the driver's record of
//! what it sent, request by request, before any count is asserted.
//!
//! Without `docker-registry` installed each test prints one `skipped:` line and passes, unless
//! the `CI` environment variable is set, when it fails. Run
//! `cargo test --test interop -- --nocapture round_trip` to print the round-trip table, which
//! is also written to `tests/interop/ROUND_TRIPS.md`.
//!
//! All servers here speak plain http on loopback, so every client allows insecure registries,
//! except in the test of that very rule.

#[path = "interop/cli.rs"]
mod cli;
#[path = "interop/driver.rs"]
mod driver;
#[path = "interop/env.rs"]
mod env;
#[path = "interop/files.rs"]
mod files;
#[path = "interop/http.rs"]
mod http;
#[path = "interop/image.rs"]
mod image;
#[path = "interop/issuer.rs"]
mod issuer;
#[path = "interop/registry.rs"]
mod registry;

use std::time::{Duration, SystemTime};

use registry_auth::{Config, Credentials, Error, Method, PolicyError};
use serde_json::Value;

use driver::{Call, Client, Exchange, Failure, Purpose};
use env::{path_on, Counts, Env, Mode, Row};
use image::Image;
use issuer::{ALICE, BOB};

const TABLE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/ROUND_TRIPS.md");

// ---- helpers ------------------------------------------------------------------------------

fn alice() -> Credentials {
    Credentials::basic(ALICE.0, ALICE.1)
}

fn bob() -> Credentials {
    Credentials::basic(BOB.0, BOB.1)
}

/// What a new authenticator sends to a token registry to pull a manifest and its 2 blobs: the
/// manifest GET without `Authorization` gets the one 401, then the manifest again and both
/// blobs go with the token.
const FIRST_PULL: [(&str, u16); 4] = [
    ("none", 401),
    ("bearer", 200),
    ("bearer", 200),
    ("bearer", 200),
];

/// The `Authorization` scheme and status of each request the driver sent to the registry.
fn sends(exchanges: &[Exchange], base: &str) -> Vec<(&'static str, u16)> {
    exchanges
        .iter()
        .filter(|e| e.purpose == Purpose::Caller && path_on(&e.url, base).is_some())
        .map(|e| (e.auth, e.status))
        .collect()
}

/// The flow's answer; a failure panics with the registry's log tail, which says why.
fn expect_ok<T>(what: &str, env: &Env, r: Result<T, Failure>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}\n{}", env.registry.log_tail()),
    }
}

fn expect_auth_error<T: std::fmt::Debug>(what: &str, r: Result<T, Failure>) -> Error {
    match r {
        Err(Failure::Auth(e)) => e,
        other => panic!("{what}: expected the machine to fail the flow, got {other:?}"),
    }
}

/// Runs `flow` on `client`: its result, what the servers received meanwhile and the exchanges
/// the client made (the two checked against each other, request by request).
fn measure<T>(
    env: &Env,
    client: &mut Client,
    flow: impl FnOnce(&mut Client) -> T,
) -> (T, Counts, Vec<Exchange>) {
    let mark = env.mark();
    let from = client.exchanges.len();
    let out = flow(client);
    let exchanges = client.exchanges[from..].to_vec();
    (out, env.since(&mark, &exchanges), exchanges)
}

/// A measured pull of `repo:v1` that must succeed; the first item is the number of blobs.
fn pull_ok(
    env: &Env,
    client: &mut Client,
    what: &str,
    repo: &str,
) -> (usize, Counts, Vec<Exchange>) {
    let base = env.url();
    measure(env, client, |c| {
        expect_ok(what, env, image::pull(c, &base, repo, "v1"))
    })
}

/// A measured pull of `repo:v1` that the machine must end with an error.
fn pull_refused(env: &Env, client: &mut Client, what: &str, repo: &str) -> (Error, Counts) {
    let base = env.url();
    let (e, counts, _) = measure(env, client, |c| {
        expect_auth_error(what, image::pull(c, &base, repo, "v1"))
    });
    (e, counts)
}

/// A scenario: it runs against the servers it is given and returns its rows of the table.
type Scenario = fn(&Env) -> Vec<Row>;

/// Runs `scenario` on fresh servers of `mode` (its rows are the table test's business).
fn on_fresh(mode: Mode, scenario: Scenario) {
    if let Some(env) = env::start(mode) {
        scenario(&env);
    }
}

// ---- scenarios ------------------------------------------------------------------------------
//
// Each scenario runs against the servers it is given and returns its rows of the round-trip
// table; its test runs it on fresh servers, and the table test runs them all in turn.

/// Pulling a manifest and its N blobs from one repository, with a new authenticator: the first
/// manifest GET goes without `Authorization` and gets the one 401, one token request follows,
/// then the manifest (again) and the N blobs go with the token: N + 1 requests with auth.
/// A second repository on the same registry: the machine remembers the registry's challenge
/// and fetches the token before sending, so no 401. The first repository again, within the
/// token's lifetime: the cached token serves it, no token request.
fn pulls(env: &Env) -> Vec<Row> {
    env.seed("public/src", "v1", &Image::new("public/src"));
    env.seed("public/hello", "v1", &Image::new("public/hello"));
    let base = env.url();
    let mut client = env.client(Credentials::Anonymous);
    let mut rows = Vec::new();

    let (blobs, counts, exchanges) = pull_ok(env, &mut client, "anonymous pull", "public/src");
    assert_eq!(blobs, 2, "config and one layer");
    assert_eq!(sends(&exchanges, &base), FIRST_PULL);
    assert_eq!(counts.registry.len(), 1 + blobs + 1);
    assert_eq!(counts.unauthorized(), 1);
    assert_eq!(counts.token_gets(), 1);
    let t = &counts.tokens[0];
    assert!(
        !t.authorization && t.user.is_none(),
        "anonymous token request"
    );
    assert_eq!(t.service.as_deref(), Some(issuer::SERVICE));
    assert_eq!(t.scopes, ["repository:public/src:pull"]);
    rows.push(counts.row(
        "anonymous pull of a public image (manifest + 2 blobs), new authenticator",
        "200",
    ));

    let (_, counts, exchanges) = pull_ok(env, &mut client, "second repository", "public/hello");
    assert_eq!(sends(&exchanges, &base), [("bearer", 200); 3]);
    assert_eq!(counts.unauthorized(), 0);
    assert_eq!(counts.tokens.len(), 1);
    assert_eq!(counts.tokens[0].scopes, ["repository:public/hello:pull"]);
    rows.push(counts.row(
        "pull of a second repository, same authenticator",
        "200, no 401",
    ));

    let (_, counts, exchanges) = pull_ok(env, &mut client, "repeated pull", "public/src");
    assert_eq!(sends(&exchanges, &base), [("bearer", 200); 3]);
    assert_eq!(counts.tokens.len(), 0);
    rows.push(counts.row(
        "the first repository again, within the token lifetime",
        "200, cached token",
    ));
    rows
}

#[test]
fn anonymous_pulls_cost_one_challenge_per_registry_and_one_token_per_repository() {
    on_fresh(Mode::Token, pulls);
}

/// Alice's credentials go to the realm as Basic, never to the registry, which sees only the
/// token; and the token's scope is what lets her read her private repository.
fn authenticated_pull(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    let base = env.url();
    let mut client = env.client(alice());
    let what = "alice pulls her repository";
    let (_, counts, exchanges) = pull_ok(env, &mut client, what, "alice/app");
    assert_eq!(sends(&exchanges, &base), FIRST_PULL);
    assert_eq!(counts.tokens.len(), 1);
    let t = &counts.tokens[0];
    assert_eq!(
        (t.method.as_str(), t.user.as_deref()),
        ("GET", Some("alice"))
    );
    assert_eq!(t.account.as_deref(), Some("alice"));
    assert_eq!(t.granted, ["repository:alice/app:pull"]);
    let row = counts.row("authenticated pull (alice, private repository)", "200");

    // The same pull without credentials gets a token with nothing in it, and the registry's
    // refusal of that fresh token ends the flow (no second token request), with an error
    // that says what is missing: credentials, not scope.
    let mut anonymous = env.client(Credentials::Anonymous);
    let what = "anonymous pull of a private repository";
    let (e, counts) = pull_refused(env, &mut anonymous, what, "alice/app");
    assert!(
        matches!(&e, Error::CredentialsRequired { registry, scope: Some(scope), .. }
            if registry == &env.host() && scope == "repository:alice/app:pull"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "no credentials configured for {}; anonymous access to \"repository:alice/app:pull\" \
             refused",
            env.host()
        )
    );
    assert_eq!((counts.registry.len(), counts.tokens.len()), (2, 1));
    vec![
        row,
        counts.row(
            "anonymous pull of a private repository",
            "`CredentialsRequired` (the anonymous token granted nothing)",
        ),
    ]
}

#[test]
fn authenticated_pull_sends_credentials_only_to_the_realm() {
    on_fresh(Mode::Token, authenticated_pull);
}

/// A monolithic push of a config blob, a layer blob and an OCI manifest: the first upload POST
/// gets the 401 naming `pull,push`; every later request rides on that one token.
fn push(env: &Env) -> Vec<Row> {
    let base = env.url();
    let image = Image::new("alice/new");
    let mut client = env.client(alice());
    let ((), counts, exchanges) = measure(env, &mut client, |c| {
        let pushed = image::push(c, &base, "alice/new", "v1", &image);
        expect_ok("alice pushes", env, pushed)
    });
    let statuses: Vec<(&str, u16)> = counts
        .registry
        .iter()
        .map(|h| (h.method.as_str(), h.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("POST", 401),
            ("POST", 202),
            ("PUT", 201),
            ("POST", 202),
            ("PUT", 201),
            ("PUT", 201),
        ]
    );
    assert!(sends(&exchanges, &base)
        .iter()
        .skip(1)
        .all(|(auth, _)| *auth == "bearer"));
    let challenge = exchanges[0].challenge.as_deref().unwrap_or("");
    assert!(
        challenge.contains(r#"scope="repository:alice/new:pull,push""#)
            || challenge.contains(r#"scope="repository:alice/new:push,pull""#),
        "{challenge}"
    );
    assert_eq!(counts.tokens.len(), 1);
    assert_eq!(counts.tokens[0].granted, ["repository:alice/new:pull,push"]);

    // What was pushed is there, byte for byte, for someone else to pull.
    let mut reader = env.client(bob());
    let url = format!("{base}/v2/alice/new/manifests/v1");
    let reply = expect_ok(
        "bob pulls the pushed manifest",
        env,
        reader.call(&Call::get(&url).header("Accept", image::OCI_MANIFEST)),
    );
    assert_eq!((reply.status, reply.body), (200, image.manifest.clone()));
    vec![counts.row(
        "push: 2 blobs (POST + PUT each) and the manifest (alice)",
        "201s",
    )]
}

#[test]
fn push_with_pull_push_scope_uploads_blobs_and_manifest() {
    on_fresh(Mode::Token, push);
}

/// A cross-repository mount needs `pull,push` on the target and `pull` on the source; the
/// registry names both in one challenge, and one token with both makes it a 201.
fn mount(env: &Env) -> Vec<Row> {
    let source = Image::new("public/src");
    env.seed("public/src", "v1", &source);
    let base = env.url();
    let mut client = env.client(alice());
    let (reply, counts, exchanges) = measure(env, &mut client, |c| {
        let digest = &source.layer.digest;
        let mounted = image::mount(c, &base, "alice/dst", "public/src", digest);
        expect_ok("mount", env, mounted)
    });
    assert_eq!(
        reply.status,
        201,
        "201 is a mount, 202 an ordinary upload: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(sends(&exchanges, &base), [("none", 401), ("bearer", 201)]);
    let challenge = exchanges[0].challenge.as_deref().unwrap_or("");
    assert!(
        challenge.contains("repository:alice/dst:")
            && challenge.contains("repository:public/src:pull"),
        "one challenge names both repositories: {challenge}"
    );
    let mut scopes = counts.tokens[0].scopes.clone();
    scopes.sort();
    assert_eq!(
        scopes,
        [
            "repository:alice/dst:pull,push",
            "repository:public/src:pull"
        ]
    );
    assert_eq!(
        counts.tokens[0].granted.len(),
        2,
        "alice holds both: {:?}",
        counts.tokens[0].granted
    );
    let row = counts.row(
        "cross-repository mount from `public/src` into `alice/dst` (alice)",
        "201",
    );

    // The blob is now alice/dst's, and the token already covers reading it.
    let blob = format!("{base}/v2/alice/dst/blobs/{}", source.layer.digest);
    let (reply, counts, _) = measure(env, &mut client, |c| {
        expect_ok("blob HEAD", env, c.call(&Call::new(Method::Head, &blob)))
    });
    assert_eq!(reply.status, 200);
    assert_eq!((counts.unauthorized(), counts.tokens.len()), (0, 0));
    vec![row]
}

#[test]
fn cross_repository_mount_needs_pull_on_the_source_and_answers_201() {
    on_fresh(Mode::Token, mount);
}

/// Bob may only pull. His push gets a token without `push` (a partial grant, not an error);
/// the registry answers `insufficient_scope` to that fresh token, and the flow ends there:
/// one retry with a token, one token request, no loop.
fn pull_only_push(env: &Env) -> Vec<Row> {
    let base = env.url();
    let mut client = env.client(bob());
    let (e, counts, exchanges) = measure(env, &mut client, |c| {
        let pushed = image::push(c, &base, "bob/app", "v1", &Image::new("bob/app"));
        expect_auth_error("bob pushes", pushed)
    });
    match &e {
        Error::InsufficientScope {
            scope, registry, ..
        } => {
            assert_eq!(scope, "repository:bob/app:pull,push");
            assert_eq!(registry, &env.host());
        }
        other => panic!("expected InsufficientScope, got {other:?}"),
    }
    assert!(
        e.to_string().starts_with("insufficient scope at "),
        "a clear message: {e}"
    );
    assert_eq!(sends(&exchanges, &base), [("none", 401), ("bearer", 401)]);
    let refusal = exchanges
        .iter()
        .rev()
        .find(|e| e.purpose == Purpose::Caller)
        .and_then(|e| e.challenge.as_deref())
        .unwrap_or("");
    assert!(
        refusal.contains(r#"error="insufficient_scope""#),
        "{refusal}"
    );
    assert_eq!(counts.tokens.len(), 1);
    assert_eq!(counts.tokens[0].granted, ["repository:bob/app:pull"]);
    vec![counts.row(
        "push by a pull-only user (bob)",
        "`InsufficientScope` after one retry",
    )]
}

#[test]
fn pull_only_user_pushing_gets_insufficient_scope_after_exactly_one_retry() {
    on_fresh(Mode::Token, pull_only_push);
}

/// Rights change: after bob's push was refused, an administrator lets him push to `bob/*`. His
/// next push must ask the realm again: the cached token was refused for exactly that scope,
/// so sending it again can only be refused again.
#[test]
fn push_after_an_insufficient_scope_refusal_asks_the_realm_again() {
    let Some(env) = env::start(Mode::Token) else {
        return;
    };
    let base = env.url();
    let image = Image::new("bob/app");
    let mut client = env.client(bob());
    let refused = image::push(&mut client, &base, "bob/app", "v1", &image);
    assert!(matches!(
        refused,
        Err(Failure::Auth(Error::InsufficientScope { .. }))
    ));
    env.issuer().grant("bob", "bob/", "push");
    let (pushed, counts, exchanges) = measure(&env, &mut client, |c| {
        image::push(c, &base, "bob/app", "v1", &image)
    });
    assert!(
        pushed.is_ok(),
        "{pushed:?}: token requests {}, registry saw {:?}",
        counts.tokens.len(),
        sends(&exchanges, &base)
    );
    assert_eq!(counts.tokens.len(), 1);
}

/// A wrong password is the realm's 401: the flow ends with the realm's own message, after one
/// token request, and the password appears nowhere in the error.
fn wrong_password(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    let mut client = env.client(Credentials::basic("alice", "not-alice-pw"));
    let (e, counts) = pull_refused(env, &mut client, "wrong password", "alice/app");
    match &e {
        Error::CredentialsRejected { by, status, body } => {
            assert_eq!(by, &env.issuer().realm());
            assert_eq!(*status, 401);
            assert_eq!(body.errors.len(), 1);
            assert_eq!(body.errors[0].code, "UNAUTHORIZED");
            assert_eq!(body.errors[0].message, "authentication required");
        }
        other => panic!("expected CredentialsRejected, got {other:?}"),
    }
    let message = e.to_string();
    assert_eq!(
        message,
        format!(
            "credentials rejected by {}: 401 UNAUTHORIZED: authentication required",
            env.issuer().realm()
        )
    );
    assert!(!message.contains("not-alice-pw"));
    assert_eq!((counts.registry.len(), counts.unauthorized()), (1, 1));
    assert_eq!(counts.tokens.len(), 1);
    assert_eq!(counts.tokens[0].status, 401);
    vec![counts.row(
        "wrong password",
        "`CredentialsRejected` by the realm, no retry",
    )]
}

#[test]
fn wrong_password_is_rejected_by_the_realm_after_one_token_request() {
    on_fresh(Mode::Token, wrong_password);
}

/// `docker login` against an OAuth2 realm: a password grant with `access_type=offline`, whose
/// refresh token is what a config's `identitytoken` holds.
fn login_for_refresh_token(env: &Env) -> String {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let form = format!(
        "grant_type=password&username={}&password={}&service={}&client_id=interop-login&access_type=offline",
        ALICE.0,
        ALICE.1,
        issuer::SERVICE
    );
    let mut response = agent
        .post(&env.issuer().realm())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form.as_bytes())
        .expect("login POST");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.body_mut().read_to_vec().expect("login response");
    let body: Value = serde_json::from_slice(&bytes).expect("login response JSON");
    body["refresh_token"]
        .as_str()
        .expect("a refresh token for access_type=offline")
        .to_string()
}

/// An identity token is exchanged through the OAuth2 `refresh_token` grant: one POST, no
/// `Authorization` header, the token in the form.
fn identity_token_post(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    let refresh = login_for_refresh_token(env);
    let mut client = env.client(Credentials::identity_token(refresh));
    let (_, counts, _) = pull_ok(env, &mut client, "identity-token pull", "alice/app");
    assert_eq!((counts.registry.len(), counts.unauthorized()), (4, 1));
    assert_eq!((counts.token_posts(), counts.token_gets()), (1, 0));
    let t = &counts.tokens[0];
    assert_eq!(t.grant.as_deref(), Some("refresh_token"));
    assert_eq!(t.user.as_deref(), Some("alice"));
    assert!(
        !t.authorization,
        "the refresh token travels in the form only"
    );
    assert_eq!(t.client_id.as_deref(), Some("registry-auth"));
    assert_eq!(t.service.as_deref(), Some(issuer::SERVICE));
    assert_eq!(t.scopes, ["repository:alice/app:pull"]);
    vec![counts.row("identity token (OAuth2 `refresh_token` grant, POST)", "200")]
}

#[test]
fn identity_token_logs_in_with_one_oauth2_refresh_grant() {
    on_fresh(Mode::Token, identity_token_post);
}

/// A realm that only knows the GET flow answers the POST with 405: the machine falls back to
/// GET with the identity token as Basic `<token>` credentials, and remembers the refusal, so
/// the next repository's token costs one GET.
fn identity_token_get_fallback(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    env.seed("public/src", "v1", &Image::new("public/src"));
    let refresh = env.issuer().mint_refresh_token("alice");
    env.issuer().set_get_only(true);
    let base = env.url();
    let mut client = env.client(Credentials::identity_token(refresh));
    let (first, counts, _) = measure(env, &mut client, |c| {
        image::pull(c, &base, "alice/app", "v1")
    });
    let (second, later, _) = measure(env, &mut client, |c| {
        image::pull(c, &base, "public/src", "v1")
    });
    env.issuer().set_get_only(false);
    expect_ok("identity token against a GET-only realm", env, first);
    expect_ok("the next repository", env, second);

    let kinds: Vec<(&str, u16)> = counts
        .tokens
        .iter()
        .map(|t| (t.method.as_str(), t.status))
        .collect();
    assert_eq!(kinds, [("POST", 405), ("GET", 200)]);
    assert_eq!(counts.tokens[1].user.as_deref(), Some("alice"));
    assert_eq!(
        counts.tokens[1].basic_username.as_deref(),
        Some("<token>"),
        "Docker's user name for an identity token sent as Basic"
    );
    let later_kinds: Vec<&str> = later.tokens.iter().map(|t| t.method.as_str()).collect();
    assert_eq!(later_kinds, ["GET"], "the POST refusal is remembered");
    vec![
        counts.row("identity token, GET-only realm (POST 405, then GET)", "200"),
        later.row(
            "identity token, GET-only realm, next repository",
            "200, GET only",
        ),
    ]
}

#[test]
fn identity_token_falls_back_to_get_when_the_realm_refuses_post() {
    on_fresh(Mode::Token, identity_token_get_fallback);
}

/// With the password grant and offline access configured, the first token request trades the
/// password for a refresh token, and later ones use the refresh token instead of the password.
fn password_grant(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    env.seed("public/src", "v1", &Image::new("public/src"));
    let base = env.url();
    let config = Config::default()
        .allow_insecure(true)
        .password_grant(true)
        .request_refresh_token(true);
    let mut client = env.client_with(config, alice());
    let ((), counts, _) = measure(env, &mut client, |c| {
        let first = image::pull(c, &base, "alice/app", "v1");
        expect_ok("password grant", env, first);
        let second = image::pull(c, &base, "public/src", "v1");
        expect_ok("refresh grant", env, second);
    });
    let grants: Vec<(Option<&str>, bool)> = counts
        .tokens
        .iter()
        .map(|t| (t.grant.as_deref(), t.offline))
        .collect();
    assert_eq!(
        grants,
        [(Some("password"), true), (Some("refresh_token"), false)]
    );
    assert!(counts
        .tokens
        .iter()
        .all(|t| t.user.as_deref() == Some("alice")));
    assert_eq!(counts.unauthorized(), 1);
    vec![counts.row(
        "password grant with offline access, then a second repository",
        "200 (POST password, POST refresh_token)",
    )]
}

#[test]
fn refresh_token_from_the_password_grant_replaces_the_password() {
    on_fresh(Mode::Token, password_grant);
}

/// A token whose `expires_in` promises 60 s but which the registry already refuses (its `exp`
/// is past the registry's leeway): the 401 `invalid_token` on the cached token drops it, one
/// new token is fetched, the request is retried once, and the new token serves the blobs.
fn stale_token(env: &Env) -> Vec<Row> {
    env.seed("alice/app", "v1", &Image::new("alice/app"));
    let base = env.url();
    let mut client = env.client(alice());
    env.issuer().make_next_tokens_short_lived(1);
    let what = "pull while the short-lived token is still good";
    let (_, first, _) = pull_ok(env, &mut client, what, "alice/app");
    let refused_after = first.tokens[0]
        .refused_after
        .expect("the first token is short-lived");
    // The machine still holds the token as good for about 50 s; only the registry's clock
    // says otherwise.
    if let Ok(wait) = refused_after.duration_since(SystemTime::now()) {
        std::thread::sleep(wait + Duration::from_millis(300));
    }
    let what = "pull after the registry stopped accepting the token";
    let (_, counts, exchanges) = pull_ok(env, &mut client, what, "alice/app");
    assert_eq!(
        sends(&exchanges, &base),
        [
            ("bearer", 401),
            ("bearer", 200),
            ("bearer", 200),
            ("bearer", 200)
        ]
    );
    let refusal = exchanges[0].challenge.as_deref().unwrap_or("");
    assert!(refusal.contains(r#"error="invalid_token""#), "{refusal}");
    assert_eq!(counts.tokens.len(), 1);
    assert!(counts.tokens[0].refused_after.is_none(), "a long-lived one");
    vec![counts.row(
        "pull again, same authenticator, after the registry stopped accepting its token",
        "200 after one new token",
    )]
}

#[test]
fn token_the_registry_rejects_as_expired_is_dropped_and_replaced_once() {
    on_fresh(Mode::Token, stale_token);
}

/// A Basic-only registry: the first request learns the challenge, every later one carries
/// Basic credentials before being asked; no token requests at all.
fn basic_only(env: &Env) -> Vec<Row> {
    let base = env.url();
    let image = Image::new("basic/app");
    let mut client = env.client(alice());
    let ((), pushed, exchanges) = measure(env, &mut client, |c| {
        let result = image::push(c, &base, "alice/app", "v1", &image);
        expect_ok("push to a Basic registry", env, result)
    });
    let schemes = sends(&exchanges, &base);
    assert_eq!(schemes[0], ("none", 401));
    assert!(schemes[1..].iter().all(|(a, s)| *a == "basic" && *s != 401));
    assert_eq!(pushed.registry.len(), 6);
    assert!(exchanges[0]
        .challenge
        .as_deref()
        .is_some_and(|c| c.starts_with("Basic ")));

    let what = "pull from a Basic registry";
    let (_, pulled, exchanges) = pull_ok(env, &mut client, what, "alice/app");
    assert_eq!(sends(&exchanges, &base), [("basic", 200); 3]);

    // Without credentials the Basic challenge cannot be answered; with bad ones the registry
    // itself refuses them, once.
    let mut anonymous = env.client(Credentials::Anonymous);
    let e = expect_auth_error(
        "anonymous",
        image::pull(&mut anonymous, &base, "alice/app", "v1"),
    );
    assert!(
        matches!(&e, Error::CredentialsRequired { registry, scope: None, .. } if registry == &env.host()),
        "{e:?}"
    );
    let mut wrong = env.client(Credentials::basic("bob", "wrong"));
    let (e, rejected) = pull_refused(env, &mut wrong, "wrong Basic password", "alice/app");
    assert!(
        matches!(&e, Error::CredentialsRejected { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(
        rejected.registry.len(),
        2,
        "the 401 challenge, then one try"
    );
    vec![
        pushed.row(
            "Basic-only registry (htpasswd): push 2 blobs + manifest",
            "201s",
        ),
        pulled.row(
            "Basic-only registry: pull, same authenticator",
            "200, Basic sent up front",
        ),
        rejected.row(
            "Basic-only registry: wrong password",
            "`CredentialsRejected` by the registry",
        ),
    ]
}

#[test]
fn basic_only_registry_gets_credentials_after_its_first_challenge() {
    on_fresh(Mode::Htpasswd, basic_only);
}

/// `auth: silly` challenges like a token registry and accepts any `Authorization`: the machine
/// goes through the realm all the same, and a push and a pull work.
fn silly(env: &Env) -> Vec<Row> {
    let base = env.url();
    let image = Image::new("silly/app");
    let mut pusher = env.client(alice());
    expect_ok(
        "push to a silly registry",
        env,
        image::push(&mut pusher, &base, "alice/app", "v1", &image),
    );
    let mut client = env.client(Credentials::Anonymous);
    let what = "pull from a silly registry";
    let (_, counts, exchanges) = pull_ok(env, &mut client, what, "alice/app");
    assert_eq!(sends(&exchanges, &base), FIRST_PULL);
    assert_eq!(counts.tokens.len(), 1);
    vec![counts.row("`auth: silly` registry: anonymous pull", "200")]
}

#[test]
fn silly_registry_accepts_the_token_its_challenge_leads_to() {
    on_fresh(Mode::Silly, silly);
}

/// distribution's `redirect` storage middleware answers blob GETs with 307 to the storage
/// host, on another origin in either mode: `localhost` on another port (another host name and
/// port than the registry's `127.0.0.1`), or `127.0.0.1` on another port (the registry's own
/// host: the port alone makes it another origin, oras-go GHSA-vh4v-2xq2-g5cg). The machine
/// follows it without the registry's token, and the storage host serves the blob. (The
/// middleware keeps only the scheme and host of its `baseurl`: the storage path follows the
/// port directly.)
fn redirect(env: &Env) -> Vec<Row> {
    let scenario = match env.mode() {
        Mode::TokenRedirect => {
            "pull with both blobs redirected to a storage host (+2 requests there)"
        }
        Mode::TokenRedirectSameHost => {
            "pull with both blobs redirected to another port of the registry's host \
             (+2 requests there)"
        }
        other => panic!("{other:?} does not redirect blob downloads"),
    };
    let image = Image::new("alice/app");
    env.seed("alice/app", "v1", &image);
    let base = env.url();
    let storage = env.storage_url();
    let host = env.mode().storage_host().unwrap_or_default();
    assert!(storage.starts_with(&format!("http://{host}:")), "{storage}");
    assert_ne!(storage, base, "the storage host is another origin");
    let mut client = env.client(alice());
    let what = "pull through redirects";
    let (blobs, counts, exchanges) = pull_ok(env, &mut client, what, "alice/app");
    assert_eq!(blobs, 2, "config and layer, digests checked");
    assert_eq!(
        sends(&exchanges, &base),
        [
            ("none", 401),
            ("bearer", 200),
            ("bearer", 307),
            ("bearer", 307)
        ]
    );
    assert_eq!(
        (
            counts.registry.len(),
            counts.unauthorized(),
            counts.tokens.len()
        ),
        (4, 1, 1)
    );
    let off_registry: Vec<(&str, u16)> = exchanges
        .iter()
        .filter(|e| path_on(&e.url, &storage).is_some())
        .map(|e| (e.auth, e.status))
        .collect();
    assert_eq!(off_registry, [("none", 200), ("none", 200)]);
    // Nothing went anywhere but the registry, the storage host and the realm.
    for e in &exchanges {
        let on_registry = path_on(&e.url, &base).is_some();
        let on_storage = path_on(&e.url, &storage).is_some();
        match e.purpose {
            Purpose::Caller => assert!(on_registry != on_storage, "{e:?}"),
            Purpose::Token => assert!(!on_registry && !on_storage, "{e:?}"),
        }
    }
    let served = env.files().hits();
    assert_eq!(served.len(), 2);
    for (hit, blob) in served.iter().zip(image.blobs()) {
        assert_eq!((hit.method.as_str(), hit.status), ("GET", 200));
        assert_eq!(hit.authorization, None, "{hit:?}");
        let hex = blob.digest.trim_start_matches("sha256:");
        assert_eq!(
            hit.path,
            format!("/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2])
        );
    }
    vec![counts.row(scenario, "200 from storage, no `Authorization` there")]
}

#[test]
fn blob_redirect_to_another_origin_carries_no_authorization() {
    on_fresh(Mode::TokenRedirect, redirect);
}

#[test]
fn blob_redirect_to_another_port_of_the_registry_host_carries_no_authorization() {
    on_fresh(Mode::TokenRedirectSameHost, redirect);
}

/// The registry is plain http and names a plain-http realm on another port: by default the
/// machine refuses to follow it (one registry request, no token request); allowing insecure
/// registries lets the same pull through.
fn insecure_realm(env: &Env) -> Vec<Row> {
    env.seed("public/src", "v1", &Image::new("public/src"));
    let base = env.url();
    let mut strict = Client::new(Config::default());
    let what = "pull with insecure registries not allowed";
    let (e, counts) = pull_refused(env, &mut strict, what, "public/src");
    match &e {
        Error::Policy(PolicyError::InsecureRealm { realm }) => {
            assert_eq!(realm, &env.issuer().realm());
        }
        other => panic!("expected Policy(InsecureRealm), got {other:?}"),
    }
    assert_eq!((counts.registry.len(), counts.tokens.len()), (1, 0));

    let mut allowed = Client::new(Config::default().allow_insecure(true));
    expect_ok(
        "the same pull with insecure registries allowed",
        env,
        image::pull(&mut allowed, &base, "public/src", "v1"),
    );
    vec![counts.row(
        "plain-http realm, insecure not allowed",
        "`Policy(InsecureRealm)`",
    )]
}

#[test]
fn plain_http_realm_is_refused_unless_insecure_registries_are_allowed() {
    on_fresh(Mode::Token, insecure_realm);
}

/// The catalog is `registry:catalog:*`: the machine asks for the literal `*`, which only a
/// user holding it gets (alice), and the registry accepts nothing less.
#[test]
fn catalog_needs_the_literal_star_action() {
    let Some(env) = env::start(Mode::Token) else {
        return;
    };
    env.seed("public/src", "v1", &Image::new("public/src"));
    let url = format!("{}/v2/_catalog", env.url());
    let mut client = env.client(alice());
    let (reply, counts, _) = measure(&env, &mut client, |c| {
        expect_ok("alice lists the catalog", &env, c.call(&Call::get(&url)))
    });
    assert_eq!(reply.status, 200);
    let body: Value = serde_json::from_slice(&reply.body).expect("catalog JSON");
    assert_eq!(body["repositories"][0], "public/src");
    assert_eq!(counts.tokens[0].scopes, ["registry:catalog:*"]);

    let mut other = env.client(bob());
    let e = expect_auth_error("bob lists the catalog", other.call(&Call::get(&url)));
    assert!(
        matches!(&e, Error::InsufficientScope { scope, .. } if scope == "registry:catalog:*"),
        "{e:?}"
    );
}

/// The `fetch` example, run as a user runs it: a public manifest and blob through one
/// authenticator (one 401, one token request), and its `--trace` shows only schemes.
#[test]
fn fetch_cli_pulls_from_the_real_registry_with_one_challenge() {
    let Some(env) = env::start(Mode::Token) else {
        return;
    };
    let image = Image::new("public/src");
    env.seed("public/src", "v1", &image);
    let manifest = format!("{}/v2/public/src/manifests/v1", env.url());
    let blob = format!("{}/v2/public/src/blobs/{}", env.url(), image.layer.digest);
    let (registry_before, tokens_before) =
        (env.registry.access_log().len(), env.issuer().hit_count());
    let run = cli::fetch(&["--insecure", "--trace", &manifest, &blob], "");
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "200 {} {manifest}\n200 {} {blob}\n",
            image.manifest.len(),
            image.layer.bytes.len()
        )
    );
    let trace: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(trace.len(), 8, "{}", run.stderr);
    assert_eq!(trace[0], format!("> GET {manifest} auth=none"));
    assert_eq!(trace[1], "< 401");
    assert!(trace[2].starts_with(&format!("> GET {}?", env.issuer().realm())));
    assert_eq!(trace[4], format!("> GET {manifest} auth=bearer"));
    assert_eq!(trace[6], format!("> GET {blob} auth=bearer"));
    let logged = env.registry.access_log().len() - registry_before;
    let fetched = env.issuer().hit_count() - tokens_before;
    assert_eq!((logged, fetched), (3, 1));
}

/// And without `--insecure` it refuses the plain-http realm, saying why, before any token
/// request.
#[test]
fn fetch_cli_refuses_a_plain_http_realm_without_insecure() {
    let Some(env) = env::start(Mode::Token) else {
        return;
    };
    env.seed("public/src", "v1", &Image::new("public/src"));
    let manifest = format!("{}/v2/public/src/manifests/v1", env.url());
    let before = env.issuer().hit_count();
    let run = cli::fetch(&[&manifest], "");
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: {manifest}: refused realm {}: plain http realms need a plain http \
             registry and insecure registries allowed",
            env.issuer().realm()
        )
    );
    assert_eq!(env.issuer().hit_count(), before);
}

/// `examples/custom-stack.rs`, the client a new user writes over `TcpStream` and httparse
/// with about ten lines of crate glue, against the real registry: alice's private manifest
/// and blob with her password (one 401, one token request), then a public manifest
/// anonymously.
#[test]
fn custom_stack_example_pulls_from_the_real_registry() {
    let Some(env) = env::start(Mode::Token) else {
        return;
    };
    let private = Image::new("alice/app");
    env.seed("alice/app", "v1", &private);
    let public = Image::new("public/src");
    env.seed("public/src", "v1", &public);
    let manifest = format!("{}/v2/alice/app/manifests/v1", env.url());
    let blob = format!("{}/v2/alice/app/blobs/{}", env.url(), private.layer.digest);
    let (registry_before, tokens_before) =
        (env.registry.access_log().len(), env.issuer().hit_count());
    let run = cli::example(
        "custom-stack",
        &["--user", ALICE.0, &manifest, &blob],
        &format!("{}\n", ALICE.1),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "200 {} {manifest}\n200 {} {blob}\n",
            private.manifest.len(),
            private.layer.bytes.len()
        )
    );
    let logged = env.registry.access_log().len() - registry_before;
    let fetched = env.issuer().hit_count() - tokens_before;
    assert_eq!(
        (logged, fetched),
        (3, 1),
        "one 401, one token, then both with it"
    );
    assert!(!run.stderr.contains(ALICE.1) && !run.stdout.contains(ALICE.1));

    let public_manifest = format!("{}/v2/public/src/manifests/v1", env.url());
    let run = cli::example("custom-stack", &[&public_manifest], "");
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!("200 {} {public_manifest}\n", public.manifest.len())
    );

    // Without credentials the private repository is refused, and the error says why.
    let run = cli::example("custom-stack", &[&manifest], "");
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {manifest}: no credentials configured for {}; anonymous access to",
            env.host()
        )),
        "{}",
        run.stderr
    );
}

// ---- the round-trip table -------------------------------------------------------------------

/// Every scenario above, in turn, on one token registry (plus two redirecting ones, a silly
/// and a Basic one), into the table the README quotes. The counts are asserted by the scenarios; the file
/// is rewritten only when they change, so a clean checkout stays clean.
#[test]
fn round_trip_table_is_written_from_what_the_servers_counted() {
    let plan: [(Mode, &[Scenario]); 5] = [
        (
            Mode::Token,
            &[
                pulls,
                authenticated_pull,
                push,
                mount,
                pull_only_push,
                wrong_password,
                identity_token_post,
                identity_token_get_fallback,
                password_grant,
                stale_token,
                insecure_realm,
            ],
        ),
        (Mode::TokenRedirect, &[redirect]),
        (Mode::TokenRedirectSameHost, &[redirect]),
        (Mode::Silly, &[silly]),
        (Mode::Htpasswd, &[basic_only]),
    ];
    let mut rows = Vec::new();
    for (mode, scenarios) in plan {
        let Some(env) = env::start(mode) else {
            return;
        };
        for scenario in scenarios {
            rows.extend(scenario(&env));
        }
    }

    let document = format!(
        "# Round trips against the reference registry\n\n\
         Written by `cargo test --test interop round_trip -- --nocapture`, against distribution\n\
         2.8 (`docker-registry`) and the tests' token issuer. *Registry requests* are all the\n\
         requests the registry logged (its access log, checked against the client's own\n\
         record), 401s included; *token requests* are all the requests the token issuer\n\
         received. Each scenario starts with a new authenticator unless it says otherwise.\n\n\
         {}",
        env::table(&rows)
    );
    println!("{document}");
    let committed = std::fs::read_to_string(TABLE_PATH).unwrap_or_default();
    if committed != document {
        std::fs::write(TABLE_PATH, &document).expect("write ROUND_TRIPS.md");
    }
}
