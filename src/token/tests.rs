use super::*;
use crate::server_text::Scrubber;
use alloc::format;

fn parse(b: &str) -> Result<TokenResponse, TokenError> {
    TokenResponse::parse(b.as_bytes(), &TokenLimits::default())
}

#[test]
fn access_token_wins_when_both_differ() {
    assert_eq!(
        parse(r#"{"token":"a","access_token":"b"}"#)
            .unwrap()
            .token()
            .expose(),
        "b"
    );
    assert_eq!(parse(r#"{"token":"a"}"#).unwrap().token().expose(), "a");
    assert_eq!(
        parse(r#"{"access_token":"b"}"#).unwrap().token().expose(),
        "b"
    );
    assert_eq!(
        parse(r#"{"token":"a","access_token":7}"#)
            .unwrap()
            .token()
            .expose(),
        "a"
    );
}

#[test]
fn lifetime_is_at_least_sixty_seconds() {
    assert_eq!(parse(r#"{"token":"a"}"#).unwrap().lifetime_secs(), 60);
    assert_eq!(
        parse(r#"{"token":"a","expires_in":5}"#)
            .unwrap()
            .lifetime_secs(),
        60
    );
    assert_eq!(
        parse(r#"{"token":"a","expires_in":3600}"#)
            .unwrap()
            .lifetime_secs(),
        3600
    );
    assert_eq!(
        parse(r#"{"token":"a","expires_in":-5}"#)
            .unwrap()
            .lifetime_secs(),
        60
    );
}

#[test]
fn optional_fields_of_the_wrong_type_are_ignored() {
    let t = parse(r#"{"token":"a","expires_in":"300","issued_at":5,"refresh_token":[]}"#).unwrap();
    assert_eq!(t.expires_in(), Some(300));
    assert_eq!(t.issued_at(), None);
    assert_eq!(t.refresh_token(), None);
    let t = parse(r#"{"token":"a","expires_in":{"x":1},"issued_at":"not a date"}"#).unwrap();
    assert_eq!(t.lifetime_secs(), 60);
    assert_eq!(t.issued_at(), Some("not a date"));
}

#[test]
fn unusable_tokens_are_errors_naming_the_field() {
    let cases = [
        ("{}", TokenError::MissingToken),
        (r#"{"token":""}"#, TokenError::EmptyToken { field: "token" }),
        (r#"{"token":5}"#, TokenError::WrongType { field: "token" }),
        (
            r#"{"access_token":"a b"}"#,
            TokenError::UnsafeToken {
                field: "access_token",
            },
        ),
        (
            r#"{"token":"a\r\nX-Injected: 1"}"#,
            TokenError::UnsafeToken { field: "token" },
        ),
    ];
    for (body, want) in cases {
        assert_eq!(parse(body).unwrap_err(), want, "{body}");
    }
    assert!(matches!(parse("<html>"), Err(TokenError::NotJson { .. })));
    assert!(matches!(parse("[1]"), Err(TokenError::NotJson { .. })));
}

#[test]
fn size_limits_apply_to_body_and_token() {
    let limits = TokenLimits::default().max_body(10);
    assert_eq!(
        TokenResponse::parse(br#"{"token":"abcdef"}"#, &limits).unwrap_err(),
        TokenError::BodyTooLarge { limit: 10 }
    );
    let limits = TokenLimits::default().max_token(3);
    assert_eq!(
        TokenResponse::parse(br#"{"token":"abcd"}"#, &limits).unwrap_err(),
        TokenError::TokenTooLong {
            field: "token",
            limit: 3
        }
    );
}

#[test]
fn a_member_the_parser_reads_twice_refuses_the_body() {
    for (body, field) in [
        (r#"{"token":"a","token":"b"}"#, "token"),
        (r#"{"token":"a","token":"a"}"#, "token"),
        (
            r#"{"access_token":"a","token":"x","access_token":"b"}"#,
            "access_token",
        ),
        (
            r#"{"token":"a","expires_in":300,"expires_in":3600}"#,
            "expires_in",
        ),
        (
            r#"{"token":"a","refresh_token":"r","refresh_token":"s"}"#,
            "refresh_token",
        ),
        (
            r#"{"token":"a","issued_at":"x","issued_at":"y"}"#,
            "issued_at",
        ),
        // Escaped names are the same name.
        (r#"{"token":"a","\u0074oken":"b"}"#, "token"),
        // Refused even when the duplicate would be ignored or is of the wrong type.
        (r#"{"token":"a","token":null}"#, "token"),
    ] {
        assert_eq!(
            parse(body).unwrap_err(),
            TokenError::DuplicateField { field },
            "{body}"
        );
    }
    // Members the parser does not read may repeat; names differing in case are others.
    let t = parse(r#"{"token":"a","scope":"x","scope":"y","Token":"b"}"#).unwrap();
    assert_eq!(t.token().expose(), "a");
    assert_eq!(
        parse(r#"{"token":"a","token":"b"}"#)
            .unwrap_err()
            .to_string(),
        "token response has field `token` more than once"
    );
}

#[test]
fn an_expires_in_too_large_to_represent_counts_as_absent() {
    for value in [
        "18446744073709551616",
        "18446744073709551615",
        "99999999999999999999999999999",
        "1e400",
        "1E400",
        "1e300",
        "4294967296",
        "4294967295.5e1",
        r#""18446744073709551616""#,
        r#""4294967296""#,
    ] {
        let t = parse(&format!(r#"{{"token":"a","expires_in":{value}}}"#))
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!((t.expires_in(), t.lifetime_secs()), (None, 60), "{value}");
    }
    for (value, secs) in [
        ("4294967295", MAX_EXPIRES_IN_SECS),
        ("4294967295.9", MAX_EXPIRES_IN_SECS),
        ("3.6e3", 3600),
        ("300.7", 300),
        ("-0.0", 0),
        (r#"" 300 ""#, 300),
    ] {
        let t = parse(&format!(r#"{{"token":"a","expires_in":{value}}}"#)).unwrap();
        assert_eq!(t.expires_in(), Some(secs), "{value}");
    }
    // A number serde_json cannot represent elsewhere in the body is skipped, not fatal.
    let t = parse(r#"{"token":"a","other":1e400,"issued_at":1e400}"#).unwrap();
    assert_eq!((t.token().expose(), t.issued_at()), ("a", None));
    assert_eq!(
        parse(r#"{"token":1e400}"#).unwrap_err(),
        TokenError::WrongType { field: "token" }
    );
}

#[test]
fn default_limits_take_a_64_kib_token_sent_twice_with_a_refresh_token() {
    let jwt = "e".repeat(64 * 1024);
    let body = format!(
        r#"{{"token":"{jwt}","access_token":"{jwt}","refresh_token":"{jwt}","expires_in":300,"issued_at":"2026-11-29T10:00:00Z","scope":"repository:a:pull"}}"#
    );
    let t = parse(&body).unwrap();
    assert_eq!(t.token().expose().len(), 64 * 1024);
    assert_eq!(t.refresh_token().map(|r| r.expose().len()), Some(64 * 1024));
    // The cap is documented and holds one byte further.
    let long = "e".repeat(64 * 1024 + 1);
    assert_eq!(
        parse(&format!(r#"{{"token":"{long}"}}"#)).unwrap_err(),
        TokenError::TokenTooLong {
            field: "token",
            limit: 64 * 1024
        }
    );
    let padded = format!(r#"{{"token":"a","pad":"{}"}}"#, "p".repeat(256 * 1024));
    assert_eq!(
        parse(&padded).unwrap_err(),
        TokenError::BodyTooLarge { limit: 256 * 1024 }
    );
}

#[test]
fn a_top_level_that_is_not_an_object_is_not_quoted() {
    for body in [
        r#""hunter22""#,
        "[1]",
        "true",
        "null",
        "5",
        "1e400",
        r#"{"token":"a"} x"#,
    ] {
        let e = parse(body).unwrap_err();
        assert!(matches!(e, TokenError::NotJson { .. }), "{body}: {e:?}");
        assert!(!e.to_string().contains("hunter22"), "{e}");
    }
}

#[test]
fn debug_redacts_tokens() {
    let t = parse(r#"{"token":"sekrit-token","refresh_token":"sekrit-refresh"}"#).unwrap();
    let s = format!("{t:?}");
    assert!(!s.contains("sekrit"), "{s}");
}

#[test]
fn error_bodies_are_clipped_and_scrubbed() {
    let long = "x".repeat(1000);
    let body = format!(r#"{{"errors":[{{"code":"DENIED","message":"{long}"}}]}}"#);
    let e = ErrorBody::parse(body.as_bytes());
    assert!(e.to_string().len() < 260);
    let mut e = ErrorBody::parse_raw(
        br#"{"error":"invalid_grant","error_description":"bad password hunter22"}"#,
    );
    let mut scrubber = Scrubber::default();
    scrubber.add("hunter22");
    e.clean(&mut scrubber);
    assert_eq!(e.to_string(), "invalid_grant: bad password <redacted>");
    assert!(ErrorBody::parse(b"not json").is_empty());
}

#[test]
fn a_structured_detail_is_shown_eight_levels_deep_then_elided() {
    let detail_of = |detail: &str| {
        let body = format!(r#"{{"errors":[{{"code":"X","message":"m","detail":{detail}}}]}}"#);
        ErrorBody::parse(body.as_bytes()).errors[0]
            .detail
            .clone()
            .unwrap()
    };
    let arrays = format!("{}1{}", "[".repeat(9), "]".repeat(9));
    assert_eq!(
        detail_of(&arrays),
        format!("{}...{}", "[".repeat(8), "]".repeat(8))
    );
    let objects = format!("{}1{}", r#"{"a":"#.repeat(9), "}".repeat(9));
    assert_eq!(
        detail_of(&objects),
        format!("{}...{}", r#"{"a":"#.repeat(8), "}".repeat(8))
    );
    // Seven containers around a value are shown whole.
    let shallow = format!(r#"{}{{"a":true}}{}"#, r#"{"a":["#.repeat(3), "]}".repeat(3));
    assert_eq!(detail_of(&shallow), shallow);
    let wide = r#"{"a":[1,"x",null],"b":{"c":false,"d":2}}"#;
    assert_eq!(detail_of(wide), wide);
}

#[test]
fn limits_read_back_as_set_and_a_driver_reads_one_byte_past_the_body_limit() {
    let limits = TokenLimits::default().max_body(1000).max_token(300);
    assert_eq!((limits.get_max_body(), limits.get_max_token()), (1000, 300));
    // One byte more than allowed tells a body too large from one cut to fit.
    assert_eq!(limits.read_limit(), 1001);
}

#[test]
fn a_body_of_exactly_the_limit_is_read() {
    let body = br#"{"token":"abc"}"#;
    let limits = TokenLimits::default().max_body(body.len());
    assert!(TokenResponse::parse(body, &limits).is_ok());
    let limits = TokenLimits::default().max_body(body.len() - 1);
    assert!(matches!(
        TokenResponse::parse(body, &limits),
        Err(TokenError::BodyTooLarge { .. })
    ));
}

#[test]
fn an_empty_or_oversized_refresh_token_is_dropped_and_the_access_token_kept() {
    let limits = TokenLimits::default().max_token(8);
    for refresh in ["", "123456789"] {
        let body = format!(r#"{{"token":"abc","refresh_token":"{refresh}"}}"#);
        let t = TokenResponse::parse(body.as_bytes(), &limits).unwrap();
        assert_eq!(t.token().expose(), "abc");
        assert!(t.refresh_token().is_none(), "{refresh:?}");
    }
    let body = r#"{"token":"abc","refresh_token":"12345678"}"#;
    let t = TokenResponse::parse(body.as_bytes(), &limits).unwrap();
    assert_eq!(t.refresh_token().map(|r| r.expose()), Some("12345678"));
}

#[test]
fn an_error_body_is_read_up_to_the_default_body_limit_and_not_past_it() {
    let limit = TokenLimits::DEFAULT.get_max_body();
    let json = br#"{"error":"invalid_grant"}"#;
    let mut body = json.to_vec();
    body.resize(limit, b' ');
    assert_eq!(
        ErrorBody::parse(&body).error.as_deref(),
        Some("invalid_grant")
    );
    body.push(b' ');
    assert!(ErrorBody::parse(&body).is_empty());
}
