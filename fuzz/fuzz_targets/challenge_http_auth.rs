//! The challenge parser against the `http-auth` crate's, a state machine written to the same
//! RFC by other hands: where both accept a header value they must read the same challenges,
//! in order, with the same schemes and the same parameters (names as written, values
//! unescaped).
//!
//! The two differ where the RFC leaves room, and only there (the property test in
//! `tests/challenge_props.rs` draws the same line with generated headers):
//! - `http-auth` takes no token68 challenge and no non-ASCII byte, and wants exactly one space
//!   after a scheme that has parameters: inputs it alone rejects are not compared;
//! - a value with no challenge in it (empty, or only commas and whitespace) is an empty list
//!   to `http-auth`, and an error to this parser (a 401 must carry a challenge).
//!
//! Anything else `http-auth` accepts, this parser must accept too: it follows RFC 9110 at
//! least as far. The parser runs without limits here, so that size never decides.
//!
//! Where both agree, the typed views (`bearer()`, `basic()`) must say what the documentation
//! makes of `http-auth`'s parameters: the scheme matched without regard to case, each known
//! parameter found by its name without regard to case, absent or once (twice is an error,
//! for the first such parameter in the view's order), and Bearer's `realm` required.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

use libfuzzer_sys::fuzz_target;
use registry_auth::challenge::{Challenge, Challenges, Limits, ParserConfig, ViewError};

/// A challenge list as both parsers can state it: scheme, then each parameter's name and
/// unescaped value.
type Flat = Vec<(String, Vec<(String, String)>)>;

fuzz_target!(
    init: dict::use_dictionary("challenge"),
    |data: &[u8]| {
        // `http-auth` reads text; a value that is not UTF-8 it could never accept.
        let Ok(header) = std::str::from_utf8(data) else {
            return;
        };
        let parser = ParserConfig::strict().limits(Limits::UNLIMITED);
        let ours = parser.parse(data);
        let theirs = http_auth::parse_challenges(header);
        match (&ours, &theirs) {
            (Ok(list), Ok(their_list)) => {
                let Some(ours) = flat(list) else {
                    return;
                };
                let theirs: Flat = their_list
                    .iter()
                    .map(|c| {
                        let params = c
                            .params
                            .iter()
                            .map(|(n, v)| ((*n).to_owned(), v.to_unescaped()))
                            .collect();
                        (c.scheme.to_owned(), params)
                    })
                    .collect();
                assert_eq!(ours, theirs, "the parsers read {header:?} differently");
                for (c, (scheme, params)) in list.iter().zip(&theirs) {
                    check_views(&c, scheme, params, header);
                }
            }
            (Err(e), Ok(their_list)) => assert!(
                their_list.is_empty(),
                "http-auth reads {their_list:?} in {header:?}, this parser fails: {e}"
            ),
            _ => {}
        }
    }
);

/// The list, unless a challenge holds what `http-auth` cannot state: a token68, or a value
/// that is not UTF-8.
fn flat(list: &Challenges<'_>) -> Option<Flat> {
    list.iter()
        .map(|c| {
            if c.token68().is_some() {
                return None;
            }
            let params = c
                .params()
                .map(|p| Some((p.name.to_owned(), p.value.to_str()?.into_owned())))
                .collect::<Option<Vec<_>>>()?;
            Some((c.scheme().to_owned(), params))
        })
        .collect()
}

/// Bearer's parameters, in the order the view reads them; Basic's.
const BEARER: [&str; 6] = [
    "realm",
    "service",
    "scope",
    "error",
    "error_description",
    "error_uri",
];
const BASIC: [&str; 2] = ["realm", "charset"];

/// What a view of `scheme` with `fields` must be, from `http-auth`'s parameters: each field's
/// value, or the error the documentation names.
fn view_model(
    scheme: &str,
    params: &[(String, String)],
    want: &'static str,
    fields: &[&'static str],
) -> Result<Vec<Option<String>>, ViewError> {
    if !scheme.eq_ignore_ascii_case(want) {
        return Err(ViewError::WrongScheme { expected: want });
    }
    let mut out = Vec::new();
    for field in fields {
        let mut found = params.iter().filter(|(n, _)| n.eq_ignore_ascii_case(field));
        let value = found.next().map(|(_, v)| v.clone());
        if found.next().is_some() {
            return Err(ViewError::DuplicateParam(field));
        }
        if want == "Bearer" && *field == "realm" && value.is_none() {
            return Err(ViewError::MissingParam("realm"));
        }
        out.push(value);
    }
    Ok(out)
}

fn check_views(c: &Challenge<'_, '_>, scheme: &str, params: &[(String, String)], header: &str) {
    let own = |v: Option<&str>| v.map(str::to_owned);
    let bearer = c.bearer().map(|b| {
        vec![
            Some(b.realm().to_owned()),
            own(b.service()),
            own(b.scope()),
            own(b.error()),
            own(b.error_description()),
            own(b.error_uri()),
        ]
    });
    assert_eq!(
        bearer,
        view_model(scheme, params, "Bearer", &BEARER),
        "bearer view of {header:?}"
    );
    let basic = c.basic().map(|b| vec![own(b.realm()), own(b.charset())]);
    assert_eq!(
        basic,
        view_model(scheme, params, "Basic", &BASIC),
        "basic view of {header:?}"
    );
}
