//! The conformance decisions of the parser, one test each: RFC 9110's empty lists, the comma
//! between a scheme and its parameters, parameters continuing on the next header line,
//! dangling `name=`, and default limits sized for legal large headers.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};

use super::*;

fn scheme_and_params(list: &Challenges<'_>) -> Vec<(String, Vec<(String, String)>)> {
    list.iter()
        .map(|c| {
            let params = c
                .params()
                .map(|p| (p.name.into(), p.value.to_str_lossy().into_owned()))
                .collect();
            (c.scheme().into(), params)
        })
        .collect()
}

fn one(scheme: &str, params: &[(&str, &str)]) -> Vec<(String, Vec<(String, String)>)> {
    let params = params.iter().map(|&(n, v)| (n.into(), v.into())).collect();
    vec![(scheme.into(), params)]
}

fn all_configs() -> [ParserConfig; 3] {
    [
        ParserConfig::default(),
        ParserConfig::strict(),
        ParserConfig::lenient(),
    ]
}

#[test]
fn an_empty_value_or_one_of_only_commas_and_whitespace_is_an_empty_list() {
    // `WWW-Authenticate = #challenge`: RFC 9110 lets the list be empty.
    for value in ["", " ", "\t", ",", " , ,\t, ", ",,,,"] {
        for config in all_configs() {
            let list = config.parse(value.as_bytes()).unwrap();
            assert!(list.is_empty() && list.skipped().is_empty(), "{value:?}");
            assert_eq!(list.to_header_bytes(), b"");
        }
    }
    let lines: [&[u8]; 3] = [b"", b" , ", b""];
    assert!(Challenges::parse_lines(lines).unwrap().is_empty());
}

#[test]
fn a_comma_between_a_bare_scheme_and_an_auth_param_is_a_strict_error() {
    let err = Challenges::parse(br#"Basic, realm="foo""#).unwrap_err();
    assert_eq!(
        (err.offset(), err.kind()),
        (
            7,
            ParseErrorKind::Expected(Expected::NoParamsAfterBareScheme)
        )
    );
    assert_eq!(
        err.to_string(),
        "unexpected auth-param after a bare auth-scheme at byte 7"
    );
    // Whatever the whitespace: the scheme is bare when no space follows it directly.
    assert!(Challenges::parse(br#"Basic ,realm="foo""#).is_ok());
    assert!(Challenges::parse(br#"Basic,realm="foo""#).is_err());
    assert!(Challenges::parse(br#"Basic ,, realm="foo""#).is_ok());
    assert!(Challenges::parse(br#"Basic, , realm="foo""#).is_err());
}

#[test]
fn a_space_after_the_scheme_starts_its_parameter_list_even_if_the_first_member_is_empty() {
    // `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, and `#auth-param` may
    // begin with an empty element: `Basic , realm="foo"` is Basic with a realm.
    let list = Challenges::parse(br#"Basic , realm="foo""#).unwrap();
    assert_eq!(scheme_and_params(&list), one("Basic", &[("realm", "foo")]));
}

#[test]
fn the_lenient_preset_attaches_params_after_a_comma_to_the_bare_scheme_before_them() {
    let header = br#"Basic, realm="foo", Bearer realm="https://auth.example.com""#;
    let list = ParserConfig::lenient().parse(header).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list.find("basic").unwrap().basic().unwrap().realm(),
        Some("foo")
    );
    assert!(list.skipped().is_empty());
    // Only that switch does it; without it, recovery drops the broken challenge.
    let skipping = ParserConfig::lenient().comma_after_scheme(false);
    let list = skipping.parse(header).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list.skipped()[0].offset(), 7);
}

#[test]
fn header_lines_mean_what_they_mean_joined_with_commas() {
    // A parameter list continues on the next line...
    let lines: [&[u8]; 2] = [br#"Bearer realm="a""#, br#"service="b", scope="c""#];
    let list = Challenges::parse_lines(lines).unwrap();
    let bearer = list.iter().next().unwrap().bearer().unwrap();
    assert_eq!((bearer.service(), bearer.scope()), (Some("b"), Some("c")));
    // ... and a bare scheme's line followed by a line of parameters is `Basic, realm="foo"`:
    // an error where that is one, attached where the leniency attaches it.
    let lines: [&[u8]; 2] = [b"Basic", br#"realm="foo""#];
    let err = Challenges::parse_lines(lines).unwrap_err();
    assert_eq!((err.value_index(), err.offset()), (1, 0));
    assert_eq!(
        err.kind(),
        ParseErrorKind::Expected(Expected::NoParamsAfterBareScheme)
    );
    let list = ParserConfig::lenient().parse_lines(lines).unwrap();
    assert_eq!(scheme_and_params(&list), one("Basic", &[("realm", "foo")]));
    // A line's value is trimmed as an HTTP parser trims it: `Basic ` is a bare `Basic`.
    let lines: [&[u8]; 2] = [b"Basic ", br#"realm="foo""#];
    assert!(Challenges::parse_lines(lines).is_err());
    // A quoted string does not run on into the next line.
    let lines: [&[u8]; 2] = [br#"Bearer realm="a"#, br#"b""#];
    let err = Challenges::parse_lines(lines).unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::UnterminatedQuote);
}

#[test]
fn a_dangling_name_equals_is_a_strict_error_and_dropped_when_lenient() {
    let header = br#"Bearer realm="https://auth.example.com", service=, scope="s""#;
    let err = Challenges::parse(header).unwrap_err();
    assert_eq!(
        (err.offset(), err.kind()),
        (49, ParseErrorKind::Expected(Expected::Value))
    );
    let list = ParserConfig::lenient().parse(header).unwrap();
    assert_eq!(
        scheme_and_params(&list),
        one(
            "Bearer",
            &[("realm", "https://auth.example.com"), ("scope", "s")]
        )
    );
    assert!(list.skipped().is_empty());
    // At the end of the value too.
    let list = ParserConfig::lenient()
        .parse(b"Basic charset=UTF-8, realm=")
        .unwrap();
    assert_eq!(
        scheme_and_params(&list),
        one("Basic", &[("charset", "UTF-8")])
    );
    assert!(Challenges::parse(b"Basic charset=UTF-8, realm=").is_err());
}

#[test]
fn a_dangling_first_param_is_dropped_when_lenient_but_a_lone_one_stays_a_token68() {
    let header = b"Basic realm=, charset=UTF-8";
    assert_eq!(
        Challenges::parse(header).unwrap_err().kind(),
        ParseErrorKind::Expected(Expected::NoParamsAfterToken68)
    );
    let list = ParserConfig::lenient().parse(header).unwrap();
    assert_eq!(
        scheme_and_params(&list),
        one("Basic", &[("charset", "UTF-8")])
    );
    // `realm=` alone is a valid token68, and leniencies do not change what is valid.
    for config in all_configs() {
        let list = config.parse(b"Basic realm=").unwrap();
        assert_eq!(list.iter().next().unwrap().token68(), Some("realm="));
    }
}

/// `n` copies of `unit` joined by `sep`.
fn repeat(unit: impl Fn(usize) -> String, sep: &str, n: usize) -> String {
    (0..n).map(unit).collect::<Vec<_>>().join(sep)
}

#[test]
fn default_limits_admit_the_large_headers_browsers_and_proxies_pass() {
    let realm = format!(
        r#"Bearer realm="https://auth.example.com/{}""#,
        "r".repeat(64 * 1024)
    );
    let token68 = format!("Negotiate {}==", "Y".repeat(32 * 1024));
    let params = format!(
        "Bearer {}",
        repeat(|n| format!(r#"p{n}="v{n}""#), ", ", 1000)
    );
    let challenges = repeat(|n| format!(r#"S{n} realm="r{n}""#), ", ", 500);
    for config in all_configs() {
        let list = config.parse(realm.as_bytes()).unwrap();
        let bearer = list.iter().next().unwrap().bearer().unwrap();
        assert_eq!(bearer.realm().len(), 64 * 1024 + 25);
        let list = config.parse(token68.as_bytes()).unwrap();
        assert_eq!(
            list.iter().next().unwrap().token68().map(str::len),
            Some(32 * 1024 + 2)
        );
        let list = config.parse(params.as_bytes()).unwrap();
        assert_eq!(list.iter().next().unwrap().params().count(), 1000);
        let list = config.parse(challenges.as_bytes()).unwrap();
        assert_eq!(list.len(), 500);
    }
}

#[test]
fn each_default_limit_still_gives_its_own_error() {
    let limits = Limits::default();
    let too_long = format!(r#"Bearer realm="{}""#, "r".repeat(limits.header_bytes()));
    let too_many_params = format!(
        "Bearer {}",
        repeat(|n| format!("p{n}=v"), ",", limits.params() + 1)
    );
    let too_many_challenges = repeat(|n| format!("S{n}"), ",", limits.challenges() + 1);
    let cases = [
        (too_long, Limit::HeaderBytes),
        (too_many_params, Limit::Params),
        (too_many_challenges, Limit::Challenges),
    ];
    for (header, limit) in cases {
        for config in all_configs() {
            let err = config.parse(header.as_bytes()).unwrap_err();
            assert_eq!(err.kind(), ParseErrorKind::LimitExceeded(limit));
        }
    }
}
