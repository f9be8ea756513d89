//! Unit tests per grammar rule, and the table of challenges real registries send.

use super::*;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

type Flat = Vec<(String, Option<String>, Vec<(String, String)>)>;

fn flat(c: &Challenges<'_>) -> Flat {
    c.iter()
        .map(|c| {
            (
                c.scheme().to_string(),
                c.token68().map(String::from),
                c.params()
                    .map(|p| (p.name.to_string(), p.value.to_str_lossy().into_owned()))
                    .collect(),
            )
        })
        .collect()
}

fn strict(s: &str) -> Flat {
    flat(&Challenges::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}")))
}

fn lenient(s: &str) -> Flat {
    flat(
        &ParserConfig::lenient()
            .parse(s.as_bytes())
            .unwrap_or_else(|e| panic!("{s:?}: {e}")),
    )
}

fn err(s: &str) -> ParseError {
    Challenges::parse(s.as_bytes()).unwrap_err()
}

fn ch(scheme: &str, params: &[(&str, &str)]) -> (String, Option<String>, Vec<(String, String)>) {
    (
        scheme.into(),
        None,
        params
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn scheme_alone_is_a_challenge() {
    assert_eq!(strict("Negotiate"), vec![ch("Negotiate", &[])]);
}

#[test]
fn scheme_and_names_keep_their_case_and_match_without_it() {
    let list = Challenges::parse(b"BeArEr ReAlM=\"x\"").unwrap();
    let c = list.iter().next().unwrap();
    assert_eq!(c.scheme(), "BeArEr");
    assert!(c.is_scheme("bearer"));
    assert_eq!(c.params().next().unwrap().name, "ReAlM");
    assert_eq!(c.param("realm").unwrap().raw(), b"x");
    assert!(list.find("BEARER").is_some());
}

#[test]
fn token68_form() {
    let got = strict("Basic dXNlcjpwYXNz==, Negotiate abc");
    assert_eq!(got[0].1.as_deref(), Some("dXNlcjpwYXNz=="));
    assert_eq!(got[1].1.as_deref(), Some("abc"));
    assert!(got[0].2.is_empty());
}

#[test]
fn token68_takes_no_params() {
    assert_eq!(
        err("Basic abc, realm=\"x\"").kind(),
        ParseErrorKind::Expected(Expected::NoParamsAfterToken68)
    );
}

#[test]
fn param_values_may_be_tokens_or_quoted() {
    assert_eq!(
        strict("A a=b, c=\"d e\""),
        vec![ch("A", &[("a", "b"), ("c", "d e")])]
    );
}

#[test]
fn whitespace_around_equals_is_allowed() {
    assert_eq!(
        strict("A a = b , c =\t\"d\""),
        vec![ch("A", &[("a", "b"), ("c", "d")])]
    );
}

#[test]
fn quoted_pairs_are_unescaped_and_anything_may_be_escaped() {
    assert_eq!(
        strict(r#"A a="x\"y\\z\q""#),
        vec![ch("A", &[("a", r#"x"y\zq"#)])]
    );
}

#[test]
fn quoted_values_hold_commas_spaces_and_equals() {
    assert_eq!(
        strict(r#"Bearer scope="repository:a:pull,push repository:b:pull", x="a=b, c""#),
        vec![ch(
            "Bearer",
            &[
                ("scope", "repository:a:pull,push repository:b:pull"),
                ("x", "a=b, c")
            ]
        )]
    );
}

#[test]
fn empty_quoted_value_does_not_drop_later_params() {
    assert_eq!(
        strict(r#"Bearer empty="", realm="r", service="s""#),
        vec![ch(
            "Bearer",
            &[("empty", ""), ("realm", "r"), ("service", "s")]
        )]
    );
}

#[test]
fn empty_list_elements_and_surrounding_commas_are_allowed() {
    assert_eq!(
        strict(" , ,Basic realm=\"a\",, ,Bearer realm=\"b\" , , "),
        vec![
            ch("Basic", &[("realm", "a")]),
            ch("Bearer", &[("realm", "b")])
        ]
    );
}

#[test]
fn several_challenges_in_one_value() {
    assert_eq!(
        strict(r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#),
        vec![
            ch(
                "Newauth",
                &[
                    ("realm", "apps"),
                    ("type", "1"),
                    ("title", "Login to \"apps\"")
                ]
            ),
            ch("Basic", &[("realm", "simple")]),
        ]
    );
}

#[test]
fn several_values_form_one_list_and_params_continue_across_them() {
    let values: [&[u8]; 3] = [
        b"Basic realm=\"a\"",
        b"Bearer realm=\"b\"",
        b"service=\"s\"",
    ];
    let got = flat(&Challenges::parse_lines(values).unwrap());
    assert_eq!(
        got,
        vec![
            ch("Basic", &[("realm", "a")]),
            ch("Bearer", &[("realm", "b"), ("service", "s")])
        ]
    );
}

#[test]
fn quoted_string_may_not_span_values() {
    let values: [&[u8]; 2] = [b"Bearer realm=\"a", b"b\""];
    let e = Challenges::parse_lines(values).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::UnterminatedQuote);
    assert_eq!((e.value_index(), e.offset()), (0, 13));
}

#[test]
fn errors_carry_offset_and_expectation() {
    let cases: &[(&str, usize, ParseErrorKind)] = &[
        ("=x", 0, ParseErrorKind::Expected(Expected::AuthScheme)),
        (
            "realm=\"x\"",
            0,
            ParseErrorKind::Expected(Expected::AuthScheme),
        ),
        ("Bearer =", 8, ParseErrorKind::Expected(Expected::Value)),
        (
            "Bearer a=1, realm=",
            18,
            ParseErrorKind::Expected(Expected::Value),
        ),
        (
            "Bearer realm=\"x\" service=\"y\"",
            17,
            ParseErrorKind::Expected(Expected::CommaOrEnd),
        ),
        (
            "Bearer realm=https://x",
            18,
            ParseErrorKind::Expected(Expected::CommaOrEnd),
        ),
        ("Bearer realm=\"x", 13, ParseErrorKind::UnterminatedQuote),
        (
            "Bearer realm=\"a\u{1}\"",
            15,
            ParseErrorKind::InvalidByte(1),
        ),
        (
            "Bearer\"x\"",
            6,
            ParseErrorKind::Expected(Expected::CommaOrEnd),
        ),
        (
            "Bearer realm=\"x\\\u{7f}\"",
            16,
            ParseErrorKind::Expected(Expected::EscapedChar),
        ),
    ];
    for &(input, offset, kind) in cases {
        let e = err(input);
        assert_eq!((e.offset(), e.kind()), (offset, kind), "{input:?}: {e}");
    }
}

#[test]
fn bearer_realm_then_token_is_token68_then_garbage() {
    // `Bearer realm` alone is a token68 challenge; `realm "x"` is neither form.
    assert_eq!(strict("Bearer realm")[0].1.as_deref(), Some("realm"));
    assert_eq!(
        err("Bearer realm \"x\"").kind(),
        ParseErrorKind::Expected(Expected::Equals)
    );
}

#[test]
fn error_message_names_value_index_after_the_first() {
    let values: [&[u8]; 2] = [b"Basic", b"Bearer \"x\""];
    let e = Challenges::parse_lines(values).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected an auth-scheme or an auth-param at byte 7 of header value 2"
    );
}

#[test]
fn non_ascii_in_quoted_values_is_kept_as_bytes() {
    let list = Challenges::parse("Basic realm=\"Région\"".as_bytes()).unwrap();
    let v = list.iter().next().unwrap().param("realm").unwrap();
    assert_eq!(v.to_str().unwrap(), "Région");
    let latin1 = Challenges::parse(b"Basic realm=\"R\xe9gion\", charset=\"x\"").unwrap();
    let c = latin1.iter().next().unwrap();
    assert_eq!(c.param("realm").unwrap().bytes().as_ref(), b"R\xe9gion");
    assert!(c.param("realm").unwrap().to_str().is_none());
    assert_eq!(c.param("charset").unwrap().to_str().unwrap(), "x");
    assert_eq!(c.basic().unwrap_err(), ViewError::NotUtf8("realm"));
}

#[test]
fn values_without_escapes_are_borrowed() {
    let input = br#"Bearer realm="https://a/token", x="a\"b""#;
    let list = Challenges::parse(input).unwrap();
    let c = list.iter().next().unwrap();
    assert!(matches!(
        c.param("realm").unwrap().bytes(),
        alloc::borrow::Cow::Borrowed(_)
    ));
    assert!(matches!(
        c.param("x").unwrap().bytes(),
        alloc::borrow::Cow::Owned(_)
    ));
    // From text, and read as text: the same.
    let list = Challenges::parse_str(core::str::from_utf8(input).unwrap()).unwrap();
    let c = list.iter().next().unwrap();
    assert!(matches!(
        c.param("realm").unwrap().to_str(),
        Some(alloc::borrow::Cow::Borrowed("https://a/token"))
    ));
    assert!(matches!(
        c.param("x").unwrap().to_str(),
        Some(alloc::borrow::Cow::Owned(s)) if s == "a\"b"
    ));
}

#[test]
fn limits_are_enforced_with_their_own_error() {
    let cfg = ParserConfig::strict().limits(Limits::default().max_challenges(2));
    let e = cfg.parse(b"A, B, C").unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::Challenges));
    assert_eq!(e.offset(), 6);

    let cfg = ParserConfig::strict().limits(Limits::default().max_params(1));
    let e = cfg.parse(b"A a=1, b=2").unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::Params));

    let cfg = ParserConfig::lenient().limits(Limits::default().max_header_bytes(11));
    let values: [&[u8]; 2] = [b"Basic", b"Bear"];
    assert!(cfg.parse_lines(values).is_ok());
    let values: [&[u8]; 2] = [b"Basic", b"Bearer"];
    let e = cfg.parse_lines(values).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::HeaderBytes));
    assert_eq!((e.value_index(), e.offset()), (1, 4));
}

#[test]
fn skipped_challenges_count_towards_the_limit() {
    let cfg = ParserConfig::lenient().limits(Limits::default().max_challenges(2));
    let e = cfg.parse(b"A \"x\", B \"y\", C").unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::Challenges));
}

#[test]
fn leniency_missing_commas() {
    let input = r#"Bearer realm="r" service="s"  scope="x""#;
    assert!(Challenges::parse(input.as_bytes()).is_err());
    let cfg = ParserConfig::strict().missing_commas(true);
    assert_eq!(
        flat(&cfg.parse(input.as_bytes()).unwrap()),
        vec![ch(
            "Bearer",
            &[("realm", "r"), ("service", "s"), ("scope", "x")]
        )]
    );
}

#[test]
fn leniency_lax_unquoted_values() {
    let input = "Bearer realm=https://auth.example.com/token?x=1,service=reg";
    let cfg = ParserConfig::strict().lax_unquoted_values(true);
    assert_eq!(
        flat(&cfg.parse(input.as_bytes()).unwrap()),
        vec![ch(
            "Bearer",
            &[
                ("realm", "https://auth.example.com/token?x=1"),
                ("service", "reg")
            ]
        )]
    );
}

#[test]
fn leniency_dangling_params() {
    let input = "Basic realm=, charset=UTF-8";
    assert!(Challenges::parse(input.as_bytes()).is_err());
    let cfg = ParserConfig::strict().dangling_params(true);
    assert_eq!(
        flat(&cfg.parse(input.as_bytes()).unwrap()),
        vec![ch("Basic", &[("charset", "UTF-8")])]
    );
}

#[test]
fn leniency_obs_fold() {
    let input = "Bearer realm=\"a\r\n\tb\",\r\n service=\"s\"";
    assert!(Challenges::parse(input.as_bytes()).is_err());
    let cfg = ParserConfig::strict().obs_fold(true);
    assert_eq!(
        flat(&cfg.parse(input.as_bytes()).unwrap()),
        vec![ch("Bearer", &[("realm", "a b"), ("service", "s")])]
    );
}

#[test]
fn recovery_keeps_challenges_around_a_broken_one() {
    let cfg = ParserConfig::strict().skip_malformed(true);
    let values: [&[u8]; 3] = [
        b"Basic realm=\"a\"",
        b"Negotiate x=\"unterminated",
        b"Bearer realm=\"b\", broken==, Digest realm=\"d\", nonce=\"n\"",
    ];
    let list = cfg.parse_lines(values).unwrap();
    assert_eq!(
        flat(&list),
        vec![
            ch("Basic", &[("realm", "a")]),
            ch("Digest", &[("realm", "d"), ("nonce", "n")])
        ]
    );
    assert_eq!(list.skipped().len(), 2);
    assert_eq!(list.skipped()[0].kind(), ParseErrorKind::UnterminatedQuote);
    assert_eq!(list.skipped()[1].value_index(), 2);
}

#[test]
fn recovery_drops_params_that_follow_a_broken_challenge_on_the_next_value() {
    let cfg = ParserConfig::strict().skip_malformed(true);
    let values: [&[u8]; 3] = [b"Broken a=\"x\" b", b"c=\"y\"", b"Bearer realm=\"r\""];
    let list = cfg.parse_lines(values).unwrap();
    assert_eq!(flat(&list), vec![ch("Bearer", &[("realm", "r")])]);
}

#[test]
fn recovery_with_nothing_left_returns_the_first_error() {
    let cfg = ParserConfig::strict().skip_malformed(true);
    // `Bearer =` is an auth-param named "Bearer" (BWS before `=`) with no value.
    let e = cfg.parse(b"Bearer =, Basic =").unwrap_err();
    assert_eq!(
        (e.offset(), e.kind()),
        (8, ParseErrorKind::Expected(Expected::Value))
    );
}

/// A lenient parse of `values`: the challenges kept, and where each skipped one failed
/// (value index, byte offset, kind).
fn recovered(values: &[&[u8]]) -> (Flat, Vec<(usize, usize, ParseErrorKind)>) {
    let list = ParserConfig::lenient()
        .parse_lines(values.iter().copied())
        .unwrap_or_else(|e| panic!("{values:?}: {e}"));
    let skipped = list
        .skipped()
        .iter()
        .map(|e| (e.value_index(), e.offset(), e.kind()))
        .collect();
    (flat(&list), skipped)
}

#[test]
fn recovery_after_a_bad_byte_in_a_quoted_string_keeps_the_next_challenge_on_the_line() {
    // The input, the scheme of the challenge after the broken one, and where that one broke.
    let cases: &[(&[u8], &str, usize, ParseErrorKind)] = &[
        (
            b"Negotiate x=\"a\x01b\", Basic realm=\"r\"",
            "Basic",
            14,
            ParseErrorKind::InvalidByte(0x01),
        ),
        (
            b"Negotiate x=\"a\x7fb\", Bearer realm=\"r\"",
            "Bearer",
            14,
            ParseErrorKind::InvalidByte(0x7f),
        ),
        // An invalid quoted-pair: the backslash still takes the next byte along, so the quote
        // after `b` closes the string.
        (
            b"Negotiate x=\"a\\\x01b\", Basic realm=\"r\"",
            "Basic",
            15,
            ParseErrorKind::Expected(Expected::EscapedChar),
        ),
    ];
    for &(input, scheme, offset, kind) in cases {
        let (got, skipped) = recovered(&[input]);
        assert_eq!(got, vec![ch(scheme, &[("realm", "r")])], "{input:?}");
        assert_eq!(skipped, vec![(0, offset, kind)], "{input:?}");
        // Strict parsing is unchanged: the same fault, as an error.
        let e = Challenges::parse(input).unwrap_err();
        assert_eq!((e.value_index(), e.offset(), e.kind()), (0, offset, kind));
    }
}

#[test]
fn recovery_does_not_split_a_quoted_string_at_a_comma_after_the_bad_byte() {
    let (got, skipped) = recovered(&[b"Negotiate x=\"a\x01,b=c\", Bearer realm=\"r\""]);
    assert_eq!(got, vec![ch("Bearer", &[("realm", "r")])], "no phantom `b`");
    assert_eq!(skipped, vec![(0, 14, ParseErrorKind::InvalidByte(0x01))]);
}

#[test]
fn recovery_drops_the_params_after_a_bad_quoted_value_up_to_the_next_challenge() {
    let (got, skipped) = recovered(&[
        b"Basic realm=\"a\", Bearer realm=\"r\", scope=\"x\x00y,z\", service=\"s\", Digest realm=\"d\"",
    ]);
    assert_eq!(
        got,
        vec![
            ch("Basic", &[("realm", "a")]),
            ch("Digest", &[("realm", "d")])
        ]
    );
    assert_eq!(skipped, vec![(0, 43, ParseErrorKind::InvalidByte(0))]);
}

#[test]
fn recovery_from_an_unterminated_quoted_string_runs_to_the_end_of_the_value() {
    // The quote opened after `x=` holds the bad byte and, as quoted strings do, the comma and
    // `Bearer realm=` after it; the quote after `r` then opens a string the value never closes.
    let first: &[u8] = b"Basic realm=\"ok\", Negotiate x=\"a\x01b, Bearer realm=\"r\"";
    let (got, skipped) = recovered(&[first]);
    assert_eq!(got, vec![ch("Basic", &[("realm", "ok")])]);
    assert_eq!(skipped, vec![(0, 32, ParseErrorKind::InvalidByte(0x01))]);

    // The string does not run on into the next value, which starts as a list element; its
    // leading parameter still belongs to the dropped challenge.
    let (got, skipped) = recovered(&[first, b"service=\"x\", Bearer realm=\"s\""]);
    assert_eq!(
        got,
        vec![
            ch("Basic", &[("realm", "ok")]),
            ch("Bearer", &[("realm", "s")])
        ]
    );
    assert_eq!(skipped, vec![(0, 32, ParseErrorKind::InvalidByte(0x01))]);

    // With no bad byte, only the missing closing quote.
    let (got, skipped) = recovered(&[b"Negotiate x=\"a, b", b"Bearer realm=\"s\""]);
    assert_eq!(got, vec![ch("Bearer", &[("realm", "s")])]);
    assert_eq!(skipped, vec![(0, 12, ParseErrorKind::UnterminatedQuote)]);
}

#[test]
fn render_round_trips() {
    let inputs = [
        r#"Bearer realm="https://a/t",service="s",scope="repository:x:pull""#,
        r#"Basic realm=simple, Negotiate abc==, A"#,
        r#"X a="q\"u\\o\te", b="""#,
    ];
    for input in inputs {
        let list = Challenges::parse(input.as_bytes()).unwrap();
        let rendered = list.to_header_bytes();
        let again = Challenges::parse(&rendered).unwrap();
        assert_eq!(list, again, "{input}");
        assert_eq!(list.to_string(), String::from_utf8(rendered).unwrap());
    }
}

#[test]
fn render_of_lenient_parse_is_strictly_valid() {
    let input = "Bearer realm=https://x/\\y service=\"a\r\n b\"";
    let list = ParserConfig::lenient().parse(input.as_bytes()).unwrap();
    let rendered = list.to_header_bytes();
    let again = Challenges::parse(&rendered).unwrap();
    assert_eq!(list, again);
    assert_eq!(
        flat(&again),
        vec![ch(
            "Bearer",
            &[("realm", "https://x/\\y"), ("service", "a b")]
        )]
    );
}

#[test]
fn debug_output_lists_challenges() {
    let list = Challenges::parse(b"Basic realm=\"a\"").unwrap();
    let s = alloc::format!("{list:?}");
    assert!(s.contains("Basic") && s.contains("realm"), "{s}");
}

/// Challenges real registries send (protocol.md), each with the reading a client needs.
#[test]
fn real_registry_challenges() {
    struct Case {
        who: &'static str,
        header: &'static str,
        scheme: &'static str,
        realm: Option<&'static str>,
        service: Option<&'static str>,
        scopes: &'static [&'static str],
        error: Option<&'static str>,
    }
    let cases = [
        Case {
            who: "Docker Hub /v2/",
            header: r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#,
            scheme: "bearer",
            realm: Some("https://auth.docker.io/token"),
            service: Some("registry.docker.io"),
            scopes: &[],
            error: None,
        },
        Case {
            who: "Docker Hub manifest",
            header: r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
            scheme: "bearer",
            realm: Some("https://auth.docker.io/token"),
            service: Some("registry.docker.io"),
            scopes: &["repository:library/alpine:pull"],
            error: None,
        },
        Case {
            who: "GHCR",
            header: r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull""#,
            scheme: "bearer",
            realm: Some("https://ghcr.io/token"),
            service: Some("ghcr.io"),
            scopes: &["repository:user/image:pull"],
            error: None,
        },
        Case {
            who: "Quay without scope",
            header: r#"Bearer realm="https://quay.io/v2/auth",service="quay.io""#,
            scheme: "bearer",
            realm: Some("https://quay.io/v2/auth"),
            service: Some("quay.io"),
            scopes: &[],
            error: None,
        },
        Case {
            who: "GCR without service",
            header: r#"Bearer realm="https://gcr.io/v2/token""#,
            scheme: "bearer",
            realm: Some("https://gcr.io/v2/token"),
            service: None,
            scopes: &[],
            error: None,
        },
        Case {
            who: "Artifact Registry",
            header: r#"Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:proj/repo/img:pull""#,
            scheme: "bearer",
            realm: Some("https://us-docker.pkg.dev/v2/token"),
            service: Some("us-docker.pkg.dev"),
            scopes: &["repository:proj/repo/img:pull"],
            error: None,
        },
        Case {
            who: "ECR private",
            header: r#"Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com""#,
            scheme: "basic",
            realm: Some("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/"),
            service: Some("ecr.amazonaws.com"),
            scopes: &[],
            error: None,
        },
        Case {
            who: "ACR malformed token",
            header: r#"Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",error="malformed_token""#,
            scheme: "bearer",
            realm: Some("https://myreg.azurecr.io/oauth2/token"),
            service: Some("myreg.azurecr.io"),
            scopes: &[],
            error: Some("malformed_token"),
        },
        Case {
            who: "Harbor answer to an under-scoped token",
            header: r#"Basic realm="harbor""#,
            scheme: "basic",
            realm: Some("harbor"),
            service: None,
            scopes: &[],
            error: None,
        },
        Case {
            who: "Harbor bearer",
            header: r#"Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/nginx:pull""#,
            scheme: "bearer",
            realm: Some("https://harbor.example.com/service/token"),
            service: Some("harbor-registry"),
            scopes: &["repository:library/nginx:pull"],
            error: None,
        },
        Case {
            who: "Nexus in capitals",
            header: r#"BASIC realm="Sonatype Nexus Repository Manager""#,
            scheme: "basic",
            realm: Some("Sonatype Nexus Repository Manager"),
            service: None,
            scopes: &[],
            error: None,
        },
        Case {
            who: "Gitea with scope *",
            header: r#"Bearer realm="https://gitea.example.com/v2/token",service="container_registry",scope="*""#,
            scheme: "bearer",
            realm: Some("https://gitea.example.com/v2/token"),
            service: Some("container_registry"),
            scopes: &["*"],
            error: None,
        },
        Case {
            who: "zot with an empty name",
            header: r#"Bearer realm="https://zot.example.com/auth/token",service="zot",scope="repository::pull""#,
            scheme: "bearer",
            realm: Some("https://zot.example.com/auth/token"),
            service: Some("zot"),
            scopes: &["repository::pull"],
            error: None,
        },
        Case {
            who: "Artifactory",
            header: r#"Bearer realm="https://acme.jfrog.io/artifactory/api/docker/docker/v2/token",service="acme.jfrog.io""#,
            scheme: "bearer",
            realm: Some("https://acme.jfrog.io/artifactory/api/docker/docker/v2/token"),
            service: Some("acme.jfrog.io"),
            scopes: &[],
            error: None,
        },
        Case {
            who: "reference registry insufficient_scope",
            header: r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/hello:pull,push repository:src:pull",error="insufficient_scope""#,
            scheme: "bearer",
            realm: Some("https://auth.example.com/token"),
            service: Some("registry.example.com"),
            scopes: &["repository:library/hello:pull,push", "repository:src:pull"],
            error: Some("insufficient_scope"),
        },
    ];
    for case in cases {
        let list = Challenges::parse(case.header.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", case.who));
        assert_eq!(list.len(), 1, "{}", case.who);
        let c = list.iter().next().unwrap();
        assert!(c.is_scheme(case.scheme), "{}", case.who);
        if case.scheme == "bearer" {
            let b = c.bearer().unwrap();
            assert_eq!(Some(b.realm()), case.realm, "{}", case.who);
            assert_eq!(b.service(), case.service, "{}", case.who);
            assert_eq!(b.scopes().collect::<Vec<_>>(), case.scopes, "{}", case.who);
            assert_eq!(b.error(), case.error, "{}", case.who);
        } else {
            let b = c.basic().unwrap();
            assert_eq!(b.realm(), case.realm, "{}", case.who);
            assert_eq!(
                c.param("service").and_then(|v| v.to_str()).as_deref(),
                case.service
            );
        }
    }
}

#[test]
fn unquoted_realm_and_combined_schemes_seen_in_the_wild() {
    assert_eq!(
        strict("Basic realm=localhost, Bearer realm=\"https://r/t\""),
        vec![
            ch("Basic", &[("realm", "localhost")]),
            ch("Bearer", &[("realm", "https://r/t")])
        ]
    );
    let values: [&[u8]; 2] = [b"Negotiate", b"Basic realm=\"corp\""];
    assert_eq!(Challenges::parse_lines(values).unwrap().len(), 2);
    assert_eq!(
        lenient("Bearer realm=https://auth.example.com/token,service=registry.example.com"),
        vec![ch(
            "Bearer",
            &[
                ("realm", "https://auth.example.com/token"),
                ("service", "registry.example.com")
            ]
        )]
    );
}

#[test]
fn bearer_view_rules() {
    let list = Challenges::parse(b"Bearer realm=\"a\", REALM=\"b\"").unwrap();
    assert_eq!(
        list.iter().next().unwrap().bearer().unwrap_err(),
        ViewError::DuplicateParam("realm")
    );
    let list = Challenges::parse(b"Basic realm=\"a\"").unwrap();
    assert_eq!(
        list.iter().next().unwrap().bearer().unwrap_err(),
        ViewError::WrongScheme { expected: "Bearer" }
    );
    let list = Challenges::parse(b"Bearer abc").unwrap();
    assert_eq!(
        list.iter().next().unwrap().bearer().unwrap_err(),
        ViewError::UnexpectedToken68
    );
    let list =
        Challenges::parse(br#"Bearer realm="r", error_description="bad \"token\"", error_uri="u""#)
            .unwrap();
    let b = list.iter().next().unwrap().bearer().unwrap();
    assert_eq!(b.error_description(), Some("bad \"token\""));
    assert_eq!(b.error_uri(), Some("u"));
    let list = Challenges::parse(br#"Bearer realm="r",scope="repository:a:pull *""#).unwrap();
    let parsed: Vec<_> = list
        .iter()
        .next()
        .unwrap()
        .bearer()
        .unwrap()
        .parsed_scopes()
        .collect();
    assert!(parsed[0].is_ok() && parsed[1].is_err());
}

#[test]
fn basic_view_reads_charset() {
    let list = Challenges::parse(br#"Basic realm="r", charset="UTF-8""#).unwrap();
    let b = list.iter().next().unwrap().basic().unwrap();
    assert_eq!((b.realm(), b.charset()), (Some("r"), Some("UTF-8")));
    let list = Challenges::parse(b"Basic").unwrap();
    assert_eq!(list.iter().next().unwrap().basic().unwrap().realm(), None);
}

#[test]
fn rendering_separates_parameters_and_challenges_with_a_comma_and_a_space() {
    let list =
        Challenges::parse(br#"Bearer realm="r",service=s,scope="a\"b", Basic realm=x"#).unwrap();
    assert_eq!(
        list.to_header_bytes(),
        br#"Bearer realm="r", service="s", scope="a\"b", Basic realm="x""#
    );
}

#[test]
fn values_are_equal_when_their_bytes_and_their_quoting_are() {
    let quoted = Challenges::parse(br#"A x="a""#).unwrap();
    let again = Challenges::parse(br#"A x="a""#).unwrap();
    let bare = Challenges::parse(b"A x=a").unwrap();
    fn value<'a>(l: &'a Challenges<'_>) -> Value<'a> {
        l.iter().next().unwrap().param("x").unwrap()
    }
    assert_eq!(value(&quoted), value(&again));
    assert_ne!(value(&quoted), value(&bare));
}

#[test]
fn every_entry_point_reads_the_same_list() {
    let text = r#"Bearer realm="https://auth.example.com/token",service="r", Basic realm=x"#;
    let from_bytes = Challenges::parse(text.as_bytes()).unwrap();
    assert_eq!(flat(&from_bytes).len(), 2);
    assert_eq!(Challenges::parse_str(text).unwrap(), from_bytes);
    for config in [ParserConfig::strict(), ParserConfig::lenient()] {
        assert_eq!(config.parse_str(text).unwrap(), from_bytes);
        assert_eq!(config.parse(text.as_bytes()).unwrap(), from_bytes);
    }
    #[cfg(feature = "http")]
    {
        let mut headers = http::HeaderMap::new();
        for line in [
            r#"Bearer realm="https://auth.example.com/token""#,
            "service=r",
        ] {
            headers.append(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(line),
            );
        }
        headers.append(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Basic realm=x"),
        );
        let read = Challenges::from_headers(&headers, &ParserConfig::strict()).unwrap();
        assert_eq!(read, from_bytes);
    }
}

#[test]
fn lists_are_equal_only_with_the_same_challenges_in_the_same_order() {
    let parse = |s| Challenges::parse_str(s).unwrap();
    // Values compare unescaped; schemes and names exactly.
    assert_eq!(parse(r#"Basic realm="a""#), parse("Basic realm=a"));
    assert_eq!(parse(r#"Basic realm="\a""#), parse("Basic realm=a"));
    for (one, other) in [
        ("Basic realm=a", "Basic realm=b"),
        ("Basic realm=a", "Basic Realm=a"),
        ("Basic realm=a", "basic realm=a"),
        ("Basic realm=a", "Basic realm=a, x=y"),
        ("Basic realm=a, x=y", "Basic realm=a"),
        ("Basic abc=", "Basic abd="),
        ("Basic abc=", "Basic"),
    ] {
        assert_ne!(parse(one), parse(other), "{one} against {other}");
    }
    // A list is not equal to its own first challenge, nor the other way round.
    assert_ne!(parse("Basic realm=a, Bearer"), parse("Basic realm=a"));
    assert_ne!(parse("Basic realm=a"), parse("Basic realm=a, Bearer"));
    assert_ne!(parse("Basic, Bearer"), parse("Bearer, Basic"));
}

#[test]
fn a_value_tells_whether_it_was_quoted_and_whether_it_held_escapes() {
    let list = Challenges::parse_str(r#"Bearer a="x", b=x, c="x\"y", d="""#).unwrap();
    let c = list.iter().next().unwrap();
    let quoted = |n| c.param(n).unwrap().is_quoted();
    let escaped = |n| c.param(n).unwrap().needs_unescape();
    assert_eq!(["a", "b", "c", "d"].map(quoted), [true, false, true, true]);
    assert_eq!(
        ["a", "b", "c", "d"].map(escaped),
        [false, false, true, false]
    );
    // An escaped value compares piece by piece with what it means.
    let v = c.param("c").unwrap();
    assert!(v.eq_bytes(b"x\"y"));
    assert!(v.eq_ignore_ascii_case("X\"Y"));
    for other in [&b"z\"y"[..], b"x\"z", b"x\"", b"x\"yy", b"x\\\"y"] {
        assert!(!v.eq_bytes(other), "{other:?}");
    }
}

#[test]
fn values_of_a_line_that_is_text_are_kept_as_text() {
    // A UTF-8 line is checked once; its values are slices of that text, not checked again.
    let line = r#"Bearer realm="https://a/token",service=r"#;
    for list in [
        Challenges::parse(line.as_bytes()).unwrap(),
        Challenges::parse_str(line).unwrap(),
    ] {
        let c = list.iter().next().unwrap();
        assert_eq!(c.param("realm").unwrap().as_text(), Some("https://a/token"));
        assert_eq!(c.param("service").unwrap().as_text(), Some("r"));
    }
    let bytes = Challenges::parse(b"Bearer realm=\"caf\xe9\"").unwrap();
    let realm = bytes.iter().next().unwrap().param("realm").unwrap();
    assert_eq!(realm.as_text(), None);
    assert_eq!(realm.raw(), b"caf\xe9");
}

#[test]
fn limit_errors_point_at_what_went_over() {
    let cfg = ParserConfig::strict().limits(Limits::default().max_params(2));
    let e = cfg.parse(b"Bearer a=1, b=2, cc=3").unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::Params));
    assert_eq!(e.offset(), 17, "{e}");

    // Each value after the first counts the ", " that joins it to the one before.
    let three: [&[u8]; 3] = [b"A", b"B", b"C"];
    let bytes = |n| ParserConfig::strict().limits(Limits::default().max_header_bytes(n));
    assert!(bytes(7).parse_lines(three).is_ok());
    let e = bytes(6).parse_lines(three).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::HeaderBytes));
    assert_eq!(e.value_index(), 2);
}

#[test]
fn skipped_and_kept_challenges_count_together_towards_the_limit() {
    let input = br#"A, B "y", C "z""#;
    let limited = |n| ParserConfig::lenient().limits(Limits::default().max_challenges(n));
    let e = limited(2).parse(input).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LimitExceeded(Limit::Challenges));
    let read = limited(3).parse(input).unwrap();
    assert_eq!((read.len(), read.skipped().len()), (1, 2));
}

#[test]
fn a_fold_after_whitespace_is_refused_unless_folds_are_allowed() {
    let input = b"Basic realm=a, \r\n Bearer";
    assert!(Challenges::parse(input).is_err());
    let read = ParserConfig::strict().obs_fold(true).parse(input).unwrap();
    assert_eq!(strict_schemes(&read), ["Basic", "Bearer"]);
}

fn strict_schemes<'l>(list: &'l Challenges<'_>) -> Vec<&'l str> {
    list.iter().map(|c| c.scheme()).collect()
}

#[test]
fn view_errors_say_what_is_wrong_and_name_the_parameter() {
    use alloc::format;
    let shown = [
        ViewError::WrongScheme { expected: "Bearer" },
        ViewError::MissingParam("realm"),
        ViewError::DuplicateParam("service"),
        ViewError::NotUtf8("scope"),
        ViewError::UnexpectedToken68,
    ]
    .map(|e| format!("{e}"));
    assert_eq!(
        shown,
        [
            "not a Bearer challenge",
            "bearer challenge has no `realm` parameter",
            "challenge repeats the `service` parameter",
            "challenge parameter `scope` is not valid utf-8",
            "challenge has a token68, not parameters",
        ]
    );
}
