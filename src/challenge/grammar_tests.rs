//! Each rule of the grammar on its own: what it reads, what it leaves, and how it fails.

use alloc::vec::Vec;

use super::*;
use crate::challenge::entries::{QUOTED, UNESCAPE};
use crate::challenge::Limit;

fn strict() -> Grammar {
    Grammar::default()
}

fn lenient() -> Grammar {
    Grammar {
        missing_commas: true,
        lax_unquoted_values: true,
        dangling_params: true,
        obs_fold: true,
        skip_malformed: true,
        clean: false,
    }
}

/// The fault of a failed parse, with whether it was a `cut` failure.
fn fault<T: core::fmt::Debug>(r: Res<'_, T>) -> (bool, usize, Option<ParseErrorKind>) {
    match r {
        Err(nom::Err::Error(f)) => (false, f.rest, f.kind),
        Err(nom::Err::Failure(f)) => (true, f.rest, f.kind),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn expected(what: Expected) -> Option<ParseErrorKind> {
    Some(ParseErrorKind::Expected(what))
}

fn raw(raw: &[u8], flags: u8) -> RawValue<'_> {
    RawValue { raw, flags }
}

#[test]
fn token_is_one_or_more_tchar() {
    assert_eq!(token(b"Bearer realm"), Ok((&b" realm"[..], &b"Bearer"[..])));
    assert_eq!(
        token(b"!#$%&'*+-.^_`|~09az"),
        Ok((&b""[..], &b"!#$%&'*+-.^_`|~09az"[..]))
    );
    assert_eq!(fault(token(b"\"x\"")), (false, 3, None));
    assert_eq!(fault(token(b"")), (false, 0, None));
}

#[test]
fn token68_takes_its_padding_and_no_more() {
    assert_eq!(
        token68(b"YWxh/+c2==, x"),
        Ok((&b", x"[..], &b"YWxh/+c2=="[..]))
    );
    assert_eq!(token68(b"a=b"), Ok((&b"b"[..], &b"a="[..])));
    assert!(token68(b"=abc").is_err());
}

#[test]
fn ows_reads_spaces_and_tabs_and_folds_only_when_lenient() {
    assert_eq!(strict().ows(b" \t x"), Ok((&b"x"[..], ())));
    assert_eq!(strict().ows(b"x"), Ok((&b"x"[..], ())));
    assert_eq!(strict().ows(b"\r\n x"), Ok((&b"\r\n x"[..], ())));
    assert_eq!(lenient().ows(b" \r\n\tx"), Ok((&b"x"[..], ())));
    assert_eq!(lenient().ows(b"\r\n \r\n x"), Ok((&b"x"[..], ())));
    // CRLF without whitespace after it is not a fold.
    assert_eq!(lenient().ows(b"\r\nx"), Ok((&b"\r\nx"[..], ())));
}

#[test]
fn equals_allows_whitespace_around_it() {
    assert_eq!(strict().equals(b" = x"), Ok((&b"x"[..], ())));
    assert_eq!(strict().equals(b"=\"x\""), Ok((&b"\"x\""[..], ())));
    assert_eq!(
        fault(strict().equals(b" x")),
        (false, 1, expected(Expected::Equals))
    );
}

#[test]
fn auth_param_takes_a_token_or_a_quoted_string() {
    let g = strict();
    let (rest, p) = g.auth_param(b"realm = \"a\\\"b\", x").unwrap();
    assert_eq!(rest, b", x");
    assert_eq!(p.name, b"realm");
    assert_eq!(p.value, Some(raw(b"a\\\"b", QUOTED | UNESCAPE)));
    let (_, p) = g.auth_param(b"charset=UTF-8").unwrap();
    assert_eq!(p.value, Some(raw(b"UTF-8", 0)));
    // Not cut: a challenge's first member may yet be a token68.
    assert_eq!(
        fault(g.auth_param(b"abc==")),
        (false, 1, expected(Expected::Value))
    );
}

#[test]
fn unquoted_values_are_tokens_unless_lax() {
    let (rest, p) = strict().auth_param(b"realm=https://x/y").unwrap();
    assert_eq!((rest, p.value), (&b"://x/y"[..], Some(raw(b"https", 0))));
    let (rest, p) = lenient().auth_param(b"realm=https://x/y?a=b, c").unwrap();
    assert_eq!(rest, b", c");
    assert_eq!(p.value, Some(raw(b"https://x/y?a=b", 0)));
    // A lax value may hold `=` but not start with one: `abc==` stays a token68's.
    assert!(lenient().auth_param(b"abc==").is_err());
}

#[test]
fn dangling_param_has_no_value_only_when_lenient() {
    let (rest, p) = lenient().auth_param(b"realm= , x").unwrap();
    assert_eq!((rest, p.name, p.value), (&b", x"[..], &b"realm"[..], None));
    assert_eq!(
        fault(strict().auth_param(b"realm=, x")),
        (false, 3, expected(Expected::Value))
    );
}

#[test]
fn element_reads_a_param_member_or_a_challenge() {
    let g = strict();
    let param = |name: &'static [u8], value| Element::Param(AuthParam { name, value });
    assert_eq!(
        g.element(b"service=\"s\", x"),
        Ok((&b", x"[..], param(b"service", Some(raw(b"s", QUOTED)))))
    );
    // BWS: `Bearer =x` is an auth-param named `Bearer`.
    assert_eq!(
        g.element(b"Bearer =x"),
        Ok((&b""[..], param(b"Bearer", Some(raw(b"x", 0)))))
    );
    assert_eq!(
        g.element(b"Basic, x"),
        Ok((&b", x"[..], Element::Challenge(b"Basic", Body::Bare)))
    );
    assert_eq!(
        g.element(b"Negotiate abc==, x"),
        Ok((
            &b", x"[..],
            Element::Challenge(b"Negotiate", Body::Token68(b"abc=="))
        ))
    );
    let first = AuthParam {
        name: b"realm",
        value: Some(raw(b"r", QUOTED)),
    };
    assert_eq!(
        g.element(b"Bearer  realm=\"r\""),
        Ok((
            &b""[..],
            Element::Challenge(b"Bearer", Body::Params(Some(first)))
        ))
    );
    // `1*SP` and then an empty member: the parameter list has begun.
    assert_eq!(
        g.element(b"Basic , x"),
        Ok((
            &b", x"[..],
            Element::Challenge(b"Basic", Body::Params(None))
        ))
    );
}

#[test]
fn element_commits_after_the_equals_sign_and_after_the_scheme_space() {
    let g = strict();
    // `name=` then nothing a value can be: a failure, not a bare challenge named `name`.
    assert_eq!(
        fault(g.element(b"realm=, x")),
        (true, 3, expected(Expected::Value))
    );
    assert_eq!(
        fault(g.element(b"Bearer \"x\"")),
        (true, 3, expected(Expected::SchemeOrParam))
    );
    // The token before `"` could be a token68 or a name: the name's reading is the furthest.
    assert_eq!(
        fault(g.element(b"Bearer realm \"x\"")),
        (true, 3, expected(Expected::Equals))
    );
    // Only the scheme space is 1*SP; a tab there ends the member.
    assert_eq!(
        g.element(b"Bearer\trealm=\"x\""),
        Ok((
            &b"\trealm=\"x\""[..],
            Element::Challenge(b"Bearer", Body::Bare)
        ))
    );
}

#[test]
fn dangling_token68_reads_as_a_dropped_param_only_before_another_param() {
    let g = lenient();
    assert_eq!(
        g.element(b"Basic realm="),
        Ok((
            &b""[..],
            Element::Challenge(b"Basic", Body::Token68(b"realm="))
        ))
    );
    assert_eq!(
        g.element(b"Basic realm=, Bearer"),
        Ok((
            &b", Bearer"[..],
            Element::Challenge(b"Basic", Body::Token68(b"realm="))
        ))
    );
    let dropped = AuthParam {
        name: b"realm",
        value: None,
    };
    assert_eq!(
        g.element(b"Basic realm=, , charset=x"),
        Ok((
            &b", , charset=x"[..],
            Element::Challenge(b"Basic", Body::Params(Some(dropped)))
        ))
    );
}

#[test]
fn separator_is_a_comma_or_the_end_and_whitespace_only_when_lenient() {
    assert_eq!(strict().separator(b" , x"), Ok((&b"x"[..], true)));
    assert_eq!(strict().separator(b"  "), Ok((&b""[..], false)));
    assert_eq!(
        fault(strict().separator(b" x")),
        (false, 1, expected(Expected::CommaOrEnd))
    );
    assert_eq!(lenient().separator(b" x"), Ok((&b"x"[..], true)));
    // Whitespace alone separates only when there is some, and a token follows.
    assert!(lenient().separator(b"x").is_err());
    assert!(lenient().separator(b" \"x\"").is_err());
}

/// The members `www_authenticate` hands over, each with the offset it starts at.
fn members(g: &Grammar, header: &[u8]) -> Result<Vec<(usize, Element<'static>)>, Fault> {
    let header: &'static [u8] = Vec::leak(header.to_vec());
    let mut out = Vec::new();
    let list = g
        .www_authenticate(|at, e| {
            out.push((header.len() - at.len(), e));
            Ok(())
        })
        .parse_complete(header);
    match list {
        Ok((rest, ())) => {
            assert!(rest.is_empty());
            Ok(out)
        }
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(f),
        Err(nom::Err::Incomplete(_)) => unreachable!("complete input"),
    }
}

#[test]
fn list_skips_empty_members_anywhere() {
    let got = members(&strict(), b", ,Basic,, a=b ,").unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], (3, Element::Challenge(b"Basic", Body::Bare)));
    assert!(matches!(got[1], (11, Element::Param(_))));
    assert!(members(&strict(), b"").unwrap().is_empty());
    assert!(members(&strict(), b", \t ,").unwrap().is_empty());
}

#[test]
fn list_stops_at_the_first_fault_or_hands_over_a_malformed_member() {
    let err = members(&strict(), b"A a=\"x\" b, C").unwrap_err();
    assert_eq!((err.rest, err.kind), (4, expected(Expected::CommaOrEnd)));
    let skipping = Grammar {
        skip_malformed: true,
        ..strict()
    };
    let got = members(&skipping, b"A a=\"x\" b, C").unwrap();
    assert!(matches!(
        got[0],
        (0, Element::Malformed { challenge: true, fault }) if fault.rest == 4
    ));
    assert_eq!(got[1], (11, Element::Challenge(b"C", Body::Bare)));
    // An auth-param member that fails is not a challenge of its own.
    let got = members(&skipping, b"a=\"x\x01\", C").unwrap();
    assert!(matches!(
        got[0],
        (
            0,
            Element::Malformed {
                challenge: false,
                ..
            }
        )
    ));
}

#[test]
fn list_errors_from_the_receiver_end_the_list() {
    let mut seen = 0;
    let g = strict();
    let stop = Fault::at(b"", ParseErrorKind::LimitExceeded(Limit::Params));
    let r = g
        .www_authenticate(|_, _| {
            seen += 1;
            Err(nom::Err::Failure(stop))
        })
        .parse_complete(b"A, B, C");
    assert_eq!(r, Err(nom::Err::Failure(stop)));
    assert_eq!(seen, 1);
}

#[test]
fn or_prefers_the_alternative_that_read_furthest_then_the_one_that_names_its_expectation() {
    let at = |rest, kind| Fault { rest, kind };
    let named = expected(Expected::Equals);
    assert_eq!(at(3, None).or(at(5, named)), at(3, None));
    assert_eq!(at(5, named).or(at(3, None)), at(3, None));
    assert_eq!(at(3, named).or(at(3, None)), at(3, named));
    assert_eq!(at(3, None).or(at(3, named)), at(3, named));
    let other = expected(Expected::Value);
    assert_eq!(at(3, named).or(at(3, other)), at(3, other));
}
