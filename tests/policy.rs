//! Transcript tests of the realm and redirect policy (issue 9, "Policy and URLs"): internal
//! realms by name and by special-purpose range, the opt-in that allows them for one registry,
//! and `Location` fragments, which must never move the route a flow reads.

mod support;

use registry_auth::{Authenticator, Config, Credentials, Request};

use support::{resp, run, secs, Canned};

const REG: &str = "https://registry.example.com";
/// `Basic base64("alice:s3cret")`
const ALICE: &str = "Basic YWxpY2U6czNjcmV0";

fn alice() -> Credentials {
    Credentials::basic("alice", "s3cret")
}

fn get(auth: &mut Authenticator, url: &str, responses: Vec<Canned>) -> Vec<String> {
    run(auth, Request::get(url), url, secs(0), responses)
}

fn challenge(realm: &str, scope: &str) -> String {
    format!(r#"Bearer realm="{realm}",service="registry.example.com",scope="{scope}""#)
}

#[test]
fn realms_on_loopback_names_and_special_purpose_addresses_are_refused() {
    let realms = [
        "https://localhost/token",
        "https://LOCALHOST./token",
        "https://auth.localhost/token",
        "https://Registry.Dev.Localhost.:8443/token",
        "https://192.0.0.8/token",
        "https://198.18.0.1/token",
        "https://224.0.0.251/token",
        "https://255.255.255.255/token",
        "https://240.1.2.3/token",
        "https://192.0.2.10/token",
        "https://[100::1]/token",
        "https://[ff02::1]/token",
        "https://[2001:db8::1]/token",
        "https://[2001::1]/token",
        "https://[::ffff:198.18.0.1]/token",
    ];
    for realm in realms {
        let mut auth = Authenticator::new(Config::default());
        auth.set_credentials("registry.example.com", alice());
        let url = format!("{REG}/v2/a/manifests/1");
        let t = get(
            &mut auth,
            &url,
            vec![resp(401).challenge(&challenge(realm, "repository:a:pull"))],
        );
        assert_eq!(
            t,
            [
                format!("send GET {url} auth=none"),
                format!(
                    "failed: refused realm {realm}: internal host, not the host of registry \
                     registry.example.com; config allow_internal_realms_for(\"registry.example.com\") \
                     allows it"
                ),
            ],
            "{realm}"
        );
    }
}

/// A development registry on `http://localhost:5000` whose realm is spelled `127.0.0.1`.
fn dev_registry(config: Config) -> (Authenticator, String, Vec<Canned>) {
    let mut auth = Authenticator::new(config);
    auth.set_credentials("localhost:5000", alice());
    let url = "http://localhost:5000/v2/a/manifests/1".to_string();
    let peer = vec![
        resp(401).challenge(r#"Bearer realm="http://127.0.0.1:5000/token",service="dev""#),
        Canned::token("t1", 300),
        resp(200),
    ];
    (auth, url, peer)
}

#[test]
fn a_realm_on_another_spelling_of_loopback_is_refused_naming_the_setting() {
    let (mut auth, url, mut peer) = dev_registry(Config::default().allow_insecure(true));
    peer.truncate(1);
    let t = get(&mut auth, &url, peer);
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            "failed: refused realm http://127.0.0.1:5000/token: internal host, not the host of \
             registry localhost:5000; config allow_internal_realms_for(\"localhost:5000\") allows it"
                .to_string(),
        ]
    );
}

#[test]
fn the_opt_in_lets_a_development_registry_name_an_internal_realm() {
    let config = Config::default()
        .allow_insecure(true)
        .allow_internal_realms_for("localhost:5000");
    let (mut auth, url, peer) = dev_registry(config);
    let t = get(&mut auth, &url, peer);
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!(
                "fetch GET http://127.0.0.1:5000/token?service=dev&scope=repository%3Aa%3Apull&account=alice auth={ALICE}"
            ),
            format!("send GET {url} auth=Bearer t1"),
            "done".into(),
        ]
    );
}

#[test]
fn the_opt_in_covers_only_the_registry_it_names() {
    // Allowed for the development registry; a public registry naming the same internal realm
    // is still refused, before its credentials go anywhere.
    let config = Config::default().allow_internal_realms_for("localhost:5000");
    let mut auth = Authenticator::new(config);
    auth.set_credentials("registry.example.com", alice());
    let url = format!("{REG}/v2/a/manifests/1");
    let t = get(
        &mut auth,
        &url,
        vec![resp(401).challenge(&challenge(
            "https://127.0.0.1:5000/token",
            "repository:a:pull",
        ))],
    );
    assert_eq!(t.len(), 2, "{t:#?}");
    assert!(
        t[1].starts_with("failed: refused realm https://127.0.0.1:5000/token: internal host"),
        "{t:#?}"
    );
}

/// The peer of a flow for repository `a` that gets a token for `a`, then is redirected on the
/// registry's own origin to `location`, which names repository `b`.
fn redirected_to_b(location: &str) -> Vec<String> {
    let mut auth = Authenticator::new(Config::default());
    let url = format!("{REG}/v2/a/manifests/1");
    get(
        &mut auth,
        &url,
        vec![
            resp(401).challenge(&challenge(
                "https://auth.example.com/token",
                "repository:a:pull",
            )),
            Canned::token("ta", 300),
            resp(307).header("Location", location),
            Canned::token("tab", 300),
            resp(200),
        ],
    )
}

#[test]
fn a_fragment_in_a_location_does_not_shift_the_route_the_token_is_chosen_for() {
    for location in [
        "/v2/b/manifests/1#frag",
        "/v2/b/manifests/1#",
        "https://registry.example.com/v2/b/manifests/1#a/manifests/1",
        "../../b/manifests/1#x?y",
    ] {
        let t = redirected_to_b(location);
        let moved = format!("{REG}/v2/b/manifests/1");
        assert_eq!(
            t,
            [
                format!("send GET {REG}/v2/a/manifests/1 auth=none"),
                "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull auth=none".to_string(),
                format!("send GET {REG}/v2/a/manifests/1 auth=Bearer ta"),
                // The token for `a` is not re-sent to `b`: a token for `b` is fetched first,
                // and the fragment never reaches the request.
                "fetch GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull auth=none".to_string(),
                format!("send GET {moved} auth=Bearer tab"),
                "done".into(),
            ],
            "{location}"
        );
    }
}

#[test]
fn a_fragment_only_location_is_the_request_url_itself() {
    let mut auth = Authenticator::new(Config::default());
    let url = format!("{REG}/v2/a/manifests/1?x=1");
    let t = get(
        &mut auth,
        &url,
        vec![
            resp(307).header("Location", "#frag"),
            resp(307).header("Location", "#"),
            resp(200),
        ],
    );
    assert_eq!(
        t,
        [
            format!("send GET {url} auth=none"),
            format!("send GET {url} auth=none"),
            format!("send GET {url} auth=none"),
            "done".into(),
        ]
    );
}
