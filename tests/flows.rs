//! Many flows on one authenticator: shared token fetches, failures, cancellation, misuse, and
//! secrets that must never print.

mod support;

use registry_auth::{
    Action, Authenticator, Config, Credentials, Error, Request, Response, UsageError,
};
use support::{describe, secs};

const URL_A: &str = "https://registry.example.com/v2/team/app/manifests/1";
const URL_B: &str = "https://registry.example.com/v2/team/app/blobs/sha256:00";
const CHALLENGE: &[u8] =
    br#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull""#;

fn challenged() -> Authenticator {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "s3cret"),
    );
    // Teach the authenticator the registry's challenge with one flow.
    let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
    assert!(matches!(auth.poll(id), Action::Send(_)));
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&h), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(id), Action::FetchToken(_)));
    auth.cancel(id);
    assert_eq!(auth.flows_in_progress(), 0);
    auth
}

fn token(t: &str) -> Vec<u8> {
    format!(r#"{{"token":"{t}","expires_in":300}}"#).into_bytes()
}

#[test]
fn concurrent_flows_share_one_token_fetch() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    let b = auth.start(Request::get(URL_B), secs(1)).unwrap();
    let fetch = auth.poll(a);
    assert!(matches!(fetch, Action::FetchToken(_)), "{fetch:?}");
    assert!(matches!(auth.poll(b), Action::Wait));
    assert!(
        matches!(auth.poll(b), Action::Wait),
        "wait repeats until the fetch ends"
    );
    let body = token("shared");
    auth.handle_token_response(a, Response::new(200).body(&body), secs(2))
        .unwrap();
    for id in [a, b] {
        match auth.poll(id) {
            Action::Send(s) => assert_eq!(s.authorization().unwrap().expose(), "Bearer shared"),
            other => panic!("{other:?}"),
        }
        auth.handle_response(id, Response::new(200), secs(2))
            .unwrap();
        assert!(matches!(auth.poll(id), Action::Done));
    }
    assert_eq!(auth.cached_tokens(), 1);
}

#[test]
fn a_failed_fetch_fails_its_waiters_and_is_not_cached() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    let b = auth.start(Request::get(URL_B), secs(1)).unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    assert!(matches!(auth.poll(b), Action::Wait));
    auth.handle_token_response(a, Response::new(401), secs(2))
        .unwrap();
    for id in [a, b] {
        match auth.poll(id) {
            Action::Failed(Error::CredentialsRejected { status: 401, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(auth.cached_tokens(), 0);
    // Nothing was cached: the next flow asks the realm again.
    let c = auth.start(Request::get(URL_A), secs(3)).unwrap();
    assert!(matches!(auth.poll(c), Action::FetchToken(_)));
}

#[test]
fn a_realm_refusing_an_anonymous_token_request_is_no_credentials_refusal() {
    // Explicitly anonymous credentials are no credentials: a 401 from the realm is the realm's
    // answer (a private image, say), not a refusal of credentials the caller could fix.
    let mut auth = challenged();
    auth.set_credentials("registry.example.com", Credentials::Anonymous);
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    match auth.poll(a) {
        Action::FetchToken(t) => assert!(t.authorization().is_none(), "{t:?}"),
        other => panic!("{other:?}"),
    }
    auth.handle_token_response(a, Response::new(401), secs(2))
        .unwrap();
    match auth.poll(a) {
        Action::Failed(Error::TokenEndpoint { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_fetch_lets_a_waiter_fetch_instead() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    let b = auth.start(Request::get(URL_B), secs(1)).unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    assert!(matches!(auth.poll(b), Action::Wait));
    auth.handle_send_failed(a, secs(2)).unwrap();
    assert!(matches!(auth.poll(a), Action::Failed(Error::SendFailed)));
    assert!(
        matches!(auth.poll(b), Action::FetchToken(_)),
        "the waiter leads now"
    );

    let c = auth.start(Request::get(URL_A), secs(3)).unwrap();
    assert!(matches!(auth.poll(c), Action::Wait));
    auth.cancel(b);
    assert!(
        matches!(auth.poll(c), Action::FetchToken(_)),
        "cancel releases the fetch too"
    );
}

#[test]
fn flows_needing_more_scope_do_not_wait_on_a_narrower_fetch() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    let push = auth
        .start(Request::new(registry_auth::Method::Put, URL_A), secs(1))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    assert!(matches!(auth.poll(push), Action::FetchToken(_)));
}

#[test]
fn misuse_is_a_usage_error_and_leaves_the_flow_intact() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    assert_eq!(
        auth.handle_response(a, Response::new(200), secs(1)),
        Err(UsageError::UnexpectedResponse),
        "nothing was sent yet"
    );
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    assert_eq!(
        auth.handle_response(a, Response::new(200), secs(1)),
        Err(UsageError::UnexpectedResponse),
        "the flow asked for a fetch, not a send"
    );
    // Polling twice gives the same action.
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    auth.cancel(a);
    assert_eq!(
        auth.handle_send_failed(a, secs(1)),
        Err(UsageError::UnknownFlow)
    );
    assert!(matches!(auth.poll(a), Action::Failed(Error::UnknownFlow)));
}

#[test]
fn a_handle_is_dead_after_done_even_when_its_slot_is_reused() {
    let mut auth = Authenticator::new(Config::default());
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    assert!(matches!(auth.poll(a), Action::Send(_)));
    auth.handle_response(a, Response::new(200), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Done));
    let b = auth.start(Request::get(URL_B), secs(0)).unwrap();
    assert_ne!(a, b);
    assert!(matches!(auth.poll(a), Action::Failed(Error::UnknownFlow)));
    assert!(matches!(auth.poll(b), Action::Send(_)));
}

#[test]
fn flows_in_progress_are_bounded() {
    let mut auth = Authenticator::new(Config::default().max_flows(2));
    auth.start(Request::get(URL_A), secs(0)).unwrap();
    auth.start(Request::get(URL_A), secs(0)).unwrap();
    assert!(matches!(
        auth.start(Request::get(URL_A), secs(0)),
        Err(Error::LimitExceeded(registry_auth::LimitKind::Flows))
    ));
}

#[test]
fn bad_request_urls_are_refused_at_start() {
    let mut auth = Authenticator::new(Config::default());
    for url in ["/v2/", "ftp://r/v2/", "https://u:p@r/v2/", "https://r:0x1/"] {
        assert!(
            matches!(
                auth.start(Request::get(url), secs(0)),
                Err(Error::InvalidUrl { .. })
            ),
            "{url}"
        );
    }
}

#[test]
fn secrets_never_print_in_actions_errors_or_debug() {
    let mut auth = Authenticator::new(Config::default().password_grant(true));
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "pa55word"),
    );
    let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&h), secs(0))
        .unwrap();
    let fetch = auth.poll(id);
    let shown = format!("{fetch:?}");
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    // The realm echoes the password in its error: the message scrubs it.
    let body = br#"{"error":"invalid_grant","error_description":"password pa55word is wrong"}"#;
    auth.handle_token_response(id, Response::new(400).body(body), secs(0))
        .unwrap();
    // POST refused with 400: falls back to GET with Basic.
    let get = auth.poll(id);
    assert!(
        !format!("{get:?}").contains("YWxpY2U6cGE1NXdvcmQ"),
        "{get:?}"
    );
    auth.handle_token_response(id, Response::new(403).body(body), secs(0))
        .unwrap();
    let failed = auth.poll(id);
    let Action::Failed(e) = &failed else {
        panic!("{failed:?}")
    };
    let (display, debug) = (e.to_string(), format!("{e:?}"));
    for s in [&display, &debug] {
        assert!(!s.contains("pa55word"), "{s}");
    }
    assert!(display.contains("<redacted>"), "{display}");
    // Tokens in sends are redacted too.
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::registry_token("reg-tok-123"),
    );
    let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let send = auth.poll(id);
    assert!(!format!("{send:?}").contains("reg-tok-123"));
    assert!(!describe(&send, "GET").is_empty());
    assert!(!format!("{auth:?}").contains("reg-tok-123"));
    assert!(!format!("{:?}", Credentials::identity_token("id-tok-456")).contains("id-tok-456"));
}

#[cfg(feature = "http")]
#[test]
fn http_types_drive_the_machine_and_auth_headers_are_sensitive() {
    let mut auth = challenged();
    let req = http::Request::get(URL_A).body(()).unwrap();
    let id = auth.start(&req, std::time::Instant::now()).unwrap();
    let Action::FetchToken(fetch) = auth.poll(id) else {
        panic!()
    };
    let token_req = fetch.to_http().unwrap();
    assert!(token_req.headers()[http::header::AUTHORIZATION].is_sensitive());
    let resp = http::Response::builder().status(200).body(()).unwrap();
    let body = token("t1");
    let r = registry_auth::Response::from(&resp).body(&body);
    auth.handle_token_response(id, r, std::time::Instant::now())
        .unwrap();
    let Action::Send(send) = auth.poll(id) else {
        panic!()
    };
    let mut headers = http::HeaderMap::new();
    send.apply_to(&mut headers);
    assert!(headers[http::header::AUTHORIZATION].is_sensitive());
    assert_eq!(headers[http::header::AUTHORIZATION], "Bearer t1");
    auth.handle_response(id, &resp, std::time::Instant::now())
        .unwrap();
    assert!(matches!(auth.poll(id), Action::Done));

    // A request that carries its own Authorization is left alone.
    let own = http::Request::get(URL_A)
        .header(http::header::AUTHORIZATION, "Bearer mine")
        .body(())
        .unwrap();
    let id = auth.start(&own, std::time::Instant::now()).unwrap();
    let Action::Send(send) = auth.poll(id) else {
        panic!()
    };
    assert!(send.authorization().is_none());
}

#[test]
fn caller_authorization_is_kept_on_its_origin_and_dropped_after_leaving_it() {
    let mut auth = Authenticator::new(Config::default());
    let id = auth
        .start(Request::get(URL_A).caller_authorized(true), secs(0))
        .unwrap();
    let Action::Send(first) = auth.poll(id) else {
        panic!()
    };
    assert!(first.keep_caller_authorization() && first.authorization().is_none());
    let same = [("Location", &b"/v2/team/app/manifests/2"[..])];
    auth.handle_response(id, Response::new(307).headers(&same), secs(0))
        .unwrap();
    let Action::Send(second) = auth.poll(id) else {
        panic!()
    };
    assert!(second.keep_caller_authorization());
    let away = [("Location", &b"https://storage.example.net/blob"[..])];
    auth.handle_response(id, Response::new(307).headers(&away), secs(0))
        .unwrap();
    let Action::Send(third) = auth.poll(id) else {
        panic!()
    };
    assert!(!third.keep_caller_authorization() && third.authorization().is_none());
    #[cfg(feature = "http")]
    {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, "Bearer mine".parse().unwrap());
        second.apply_to(&mut headers);
        assert!(headers.contains_key(http::header::AUTHORIZATION));
        third.apply_to(&mut headers);
        assert!(!headers.contains_key(http::header::AUTHORIZATION));
    }
}

#[test]
fn an_authenticator_reads_back_its_configuration() {
    let auth =
        Authenticator::new(Config::default().fetch_timeout(std::time::Duration::from_secs(7)));
    assert_eq!(
        auth.config().get_fetch_timeout(),
        std::time::Duration::from_secs(7)
    );
    let limits = registry_auth::token::TokenLimits::default().max_token(4);
    let auth = Authenticator::new(Config::default().token_limits(limits));
    assert_eq!(auth.config().get_token_limits(), limits);
}

#[test]
fn the_configured_parser_and_token_limits_are_the_ones_used() {
    // A challenge only the lenient parser reads (the default): the strict one refuses it.
    let sloppy = r#"Bearer realm="https://auth.example.com/token" service="registry.example.com""#;
    let h = [("WWW-Authenticate", sloppy)];
    let first_401 = |config: Config| {
        let mut auth = Authenticator::new(config);
        let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
        let _ = auth.poll(id);
        auth.handle_response(id, Response::new(401).headers(&h), secs(0))
            .unwrap();
        auth.poll(id)
    };
    assert!(matches!(
        first_401(Config::default()),
        Action::FetchToken(_)
    ));
    let strict = Config::default().parser(registry_auth::challenge::ParserConfig::strict());
    assert!(matches!(first_401(strict), Action::Failed(_)));

    // A token longer than the configured limit is refused.
    let limits = registry_auth::token::TokenLimits::default().max_token(4);
    let mut auth = Authenticator::new(Config::default().token_limits(limits));
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(a);
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(a, Response::new(401).headers(&h), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    let long = token("longer-than-four");
    auth.handle_token_response(a, Response::new(200).body(&long), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Failed(_)));
}

#[test]
fn usage_errors_say_what_the_caller_did_wrong() {
    assert_eq!(UsageError::UnknownFlow.to_string(), "unknown flow");
    assert_eq!(
        UsageError::UnexpectedResponse.to_string(),
        "response reported for a request the flow did not ask to send"
    );
}

#[test]
fn a_response_is_accepted_only_for_a_request_the_flow_handed_out() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::identity_token("idtok"));
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    assert!(matches!(auth.poll(a), Action::Send(_)));
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(a, Response::new(401).headers(&h), secs(0))
        .unwrap();
    assert!(
        matches!(auth.poll(a), Action::FetchToken(f) if f.method() == registry_auth::Method::Post)
    );
    // The POST is refused: the GET fallback is pending but not yet handed out.
    auth.handle_token_response(a, Response::new(405), secs(0))
        .unwrap();
    let token = token("t");
    assert_eq!(
        auth.handle_token_response(a, Response::new(200).body(&token), secs(0)),
        Err(UsageError::UnexpectedResponse)
    );
    assert_eq!(
        auth.handle_send_failed(a, secs(0)),
        Err(UsageError::UnexpectedResponse)
    );
    assert!(
        matches!(auth.poll(a), Action::FetchToken(f) if f.method() == registry_auth::Method::Get)
    );
    auth.handle_token_response(a, Response::new(200).body(&token), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Send(s) if s.authorization().is_some()));
}

#[test]
fn the_get_fallback_goes_to_the_realm_of_the_post_even_if_the_registry_changed_its_challenge() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::identity_token("idtok"));
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let b = auth.start(Request::get(URL_B), secs(0)).unwrap();
    assert!(matches!(auth.poll(a), Action::Send(_)));
    assert!(matches!(auth.poll(b), Action::Send(_)));
    let bearer = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(a, Response::new(401).headers(&bearer), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    // Meanwhile another flow hears a Basic challenge from the same registry.
    let basic = [("WWW-Authenticate", &b"Basic realm=\"registry\""[..])];
    auth.handle_response(b, Response::new(401).headers(&basic), secs(0))
        .unwrap();
    let _ = auth.poll(b);
    auth.handle_token_response(a, Response::new(405), secs(0))
        .unwrap();
    match auth.poll(a) {
        Action::FetchToken(f) => assert!(
            f.url().starts_with("https://auth.example.com/token?"),
            "{f:?}"
        ),
        other => panic!("{other:?}"),
    }
}

/// Runs one flow on `auth` to its end: the registry answers `first`, the realm answers
/// `fetched`, then the registry answers `second`; returns the final action.
fn one_flow(auth: &mut Authenticator, first: &[u8], fetched: &[u8], second: &[u8]) -> Action {
    let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&h).body(first), secs(0))
        .unwrap();
    let _ = auth.poll(id);
    auth.handle_token_response(id, Response::new(200).body(fetched), secs(0))
        .unwrap();
    let _ = auth.poll(id);
    auth.handle_response(id, Response::new(401).headers(&h).body(second), secs(0))
        .unwrap();
    auth.poll(id)
}

#[test]
fn issued_tokens_and_basic_values_echoed_by_a_server_are_scrubbed() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "s3cret"),
    );
    let basic = "YWxpY2U6czNjcmV0"; // base64("alice:s3cret")
    let echo = format!(
        r#"{{"errors":[{{"code":"UNAUTHORIZED","message":"bad token eyJ-issued-1 from Basic {basic}"}}]}}"#
    );
    let failed = one_flow(&mut auth, b"", &token("eyJ-issued-1"), echo.as_bytes());
    let Action::Failed(e) = &failed else {
        panic!("{failed:?}")
    };
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains("eyJ-issued-1"), "{shown}");
        assert!(!shown.contains(basic), "{shown}");
    }
    assert!(
        e.to_string()
            .contains("bad token <redacted> from Basic <redacted>"),
        "{e}"
    );
}

#[test]
fn a_short_password_echoed_by_a_server_drops_the_whole_message() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials("registry.example.com", Credentials::basic("al", "pw1"));
    let echo = br#"{"errors":[{"code":"UNAUTHORIZED","message":"password pw1 is wrong"}]}"#;
    let failed = one_flow(&mut auth, b"", &token("issued-2"), echo);
    let Action::Failed(e) = &failed else {
        panic!("{failed:?}")
    };
    let shown = e.to_string();
    assert!(!shown.contains("pw1"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn a_challenge_description_is_clipped_and_scrubbed() {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "s3cret"),
    );
    let id = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(id, Response::new(401).headers(&h), secs(0))
        .unwrap();
    let _ = auth.poll(id);
    auth.handle_token_response(id, Response::new(200).body(&token("tok-abc-9")), secs(0))
        .unwrap();
    let _ = auth.poll(id);
    let long = "x".repeat(3000);
    let rejected = format!(
        r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",error="invalid_token",error_description="token tok-abc-9 is bad {long}""#
    );
    let h = [("WWW-Authenticate", rejected.as_bytes())];
    auth.handle_response(id, Response::new(401).headers(&h), secs(0))
        .unwrap();
    let failed = auth.poll(id);
    let Action::Failed(e) = &failed else {
        panic!("{failed:?}")
    };
    let shown = e.to_string();
    assert!(!shown.contains("tok-abc-9"), "{shown}");
    assert!(shown.contains("token <redacted> is bad"), "{shown}");
    assert!(shown.len() < 400, "{} bytes: {shown}", shown.len());
}

/// Starts a GET of `url` with Basic credentials set under `name`, answers it with a Basic
/// challenge, and returns what the machine does next.
fn after_basic_challenge(name: &str, url: &str) -> Action {
    let mut auth = Authenticator::new(Config::default());
    auth.set_credentials(name, Credentials::basic("alice", "s3cret"));
    let id = auth.start(Request::get(url), secs(0)).unwrap();
    let _ = auth.poll(id);
    let h = [("WWW-Authenticate", &b"Basic realm=\"r\""[..])];
    auth.handle_response(id, Response::new(401).headers(&h), secs(0))
        .unwrap();
    auth.poll(id)
}

#[test]
fn credentials_do_not_reach_another_port_of_their_host() {
    for url in [
        "https://registry.example.com:80/v2/team/app/manifests/1",
        "https://registry.example.com:5000/v2/team/app/manifests/1",
    ] {
        let end = after_basic_challenge("registry.example.com", url);
        assert!(
            matches!(end, Action::Failed(Error::CredentialsRequired { .. })),
            "{url}: {end:?}"
        );
    }
    // The same registry on its scheme's default port, written either way, gets them.
    for url in [
        "https://registry.example.com/v2/team/app/manifests/1",
        "https://registry.example.com:443/v2/team/app/manifests/1",
    ] {
        match after_basic_challenge("registry.example.com:443", url) {
            Action::Send(s) => assert!(s.authorization().unwrap().expose().starts_with("Basic ")),
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn a_token_fetched_with_credentials_since_removed_is_neither_cached_nor_used() {
    let mut auth = challenged();
    let a = auth.start(Request::get(URL_A), secs(1)).unwrap();
    let b = auth.start(Request::get(URL_B), secs(1)).unwrap();
    let Action::FetchToken(first) = auth.poll(a) else {
        panic!("a fetches")
    };
    assert!(first
        .authorization()
        .unwrap()
        .expose()
        .starts_with("Basic "));
    assert!(matches!(auth.poll(b), Action::Wait));
    // The user logs out while the token request is out.
    auth.remove_credentials("registry.example.com");
    // The waiter does not wait on a fetch made with the old credentials: it fetches anew,
    // anonymously.
    match auth.poll(b) {
        Action::FetchToken(f) => assert!(f.authorization().is_none(), "{f:?}"),
        other => panic!("{other:?}"),
    }
    // The old answer arrives: not cached, not sent; flow a waits for b's anonymous fetch.
    auth.handle_token_response(a, Response::new(200).body(&token("alice-private")), secs(2))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Wait));
    assert_eq!(auth.cached_tokens(), 0);
    auth.handle_token_response(b, Response::new(200).body(&token("anon")), secs(2))
        .unwrap();
    for id in [a, b] {
        match auth.poll(id) {
            Action::Send(s) => assert_eq!(s.authorization().unwrap().expose(), "Bearer anon"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(auth.cached_tokens(), 1);
}

#[test]
fn a_same_origin_redirect_to_another_repository_fetches_its_token_first() {
    let mut auth = challenged();
    let id = auth.start(Request::get(URL_B), secs(1)).unwrap();
    let Action::FetchToken(first) = auth.poll(id) else {
        panic!("fetch")
    };
    assert!(
        first.url().contains("repository%3Ateam%2Fapp%3Apull"),
        "{}",
        first.url()
    );
    auth.handle_token_response(id, Response::new(200).body(&token("for-app")), secs(1))
        .unwrap();
    let Action::Send(s) = auth.poll(id) else {
        panic!("send")
    };
    assert_eq!(s.authorization().unwrap().expose(), "Bearer for-app");
    let moved = [("Location", &b"/v2/team/other/blobs/sha256:00"[..])];
    auth.handle_response(id, Response::new(307).headers(&moved), secs(1))
        .unwrap();
    // The token was asked for team/app only: team/other gets its own before any send.
    let Action::FetchToken(second) = auth.poll(id) else {
        panic!("a fetch for the new repository")
    };
    assert!(second.url().contains("team%2Fother"), "{}", second.url());
    auth.handle_token_response(id, Response::new(200).body(&token("for-other")), secs(1))
        .unwrap();
    match auth.poll(id) {
        Action::Send(s) => {
            assert_eq!(s.authorization().unwrap().expose(), "Bearer for-other");
            assert_eq!(
                s.url(),
                "https://registry.example.com/v2/team/other/blobs/sha256:00"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_token_the_flow_fetched_is_not_sent_again_once_it_has_expired() {
    // The flow's own token lives 300 s; the registry redirects the request just as it expires,
    // so the flow asks for a new one instead of sending the old one again.
    let mut auth = Authenticator::new(Config::default());
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(a);
    let h = [("WWW-Authenticate", CHALLENGE)];
    auth.handle_response(a, Response::new(401).headers(&h), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::FetchToken(_)));
    auth.handle_token_response(a, Response::new(200).body(&token("t1")), secs(0))
        .unwrap();
    assert!(matches!(auth.poll(a), Action::Send(s) if s.authorization().is_some()));
    let moved = [("Location", "/v2/team/app/manifests/2")];
    auth.handle_response(a, Response::new(307).headers(&moved), secs(300))
        .unwrap();
    let next = auth.poll(a);
    assert!(matches!(next, Action::FetchToken(_)), "{next:?}");
}

#[test]
fn a_redirect_keeps_the_method_unless_it_is_a_303_to_anything_but_head() {
    let method_after = |request: Request<'_>, status: u16| {
        let mut auth = Authenticator::new(Config::default());
        let a = auth.start(request, secs(0)).unwrap();
        let _ = auth.poll(a);
        let moved = [("Location", "/v2/team/app/manifests/2")];
        auth.handle_response(a, Response::new(status).headers(&moved), secs(0))
            .unwrap();
        match auth.poll(a) {
            Action::Send(s) => s.method(),
            other => panic!("{other:?}"),
        }
    };
    use registry_auth::Method;
    assert_eq!(method_after(Request::put(URL_A), 307), Method::Put);
    assert_eq!(method_after(Request::put(URL_A), 303), Method::Get);
    assert_eq!(method_after(Request::head(URL_A), 303), Method::Head);
    assert_eq!(method_after(Request::get(URL_A), 301), Method::Get);
}

#[test]
fn a_redirect_to_a_location_that_is_not_a_url_ends_the_flow() {
    let mut auth = Authenticator::new(Config::default());
    let a = auth.start(Request::get(URL_A), secs(0)).unwrap();
    let _ = auth.poll(a);
    let moved: [(&str, &[u8]); 1] = [("Location", b"/v2/\xff\xfe")];
    auth.handle_response(a, Response::new(307).headers(&moved), secs(0))
        .unwrap();
    let next = auth.poll(a);
    assert!(
        matches!(
            &next,
            Action::Failed(registry_auth::Error::InvalidUrl {
                role: registry_auth::UrlRole::Location,
                ..
            })
        ),
        "{next:?}"
    );
}
