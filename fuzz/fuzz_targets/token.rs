//! Token endpoint answers: `TokenResponse::parse` on arbitrary bytes and on JSON built from
//! the input, under small and large limits, and `ErrorBody::parse` on both.
//!
//! A parsed token must be safe to put in a header (visible ASCII, so no header injection) and
//! within the token limit, its lifetime at least the 60 s the token spec sets and never beyond
//! `MAX_EXPIRES_IN_SECS`; for built JSON the result must also be the one the docs describe
//! (`access_token` wins when usable, the error names the field at fault, a member read twice
//! refuses the body, `expires_in` read from numbers and numeric strings, and one too large to
//! represent, `1e400` included, counts as absent). Error bodies must print as one bounded line.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

#[path = "common/gen.rs"]
mod gen;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::token::{
    ErrorBody, TokenError, TokenLimits, TokenResponse, MAX_EXPIRES_IN_SECS,
};
use registry_auth::Authorization;
use serde_json::{json, Map, Value};

use gen::{assert_one_line, chance, flag, index, int, pick, text};

const BODY_LIMITS: [usize; 7] = [256 * 1024, 0, 1, 16, 64, 1024, usize::MAX];
const TOKEN_LIMITS: [usize; 7] = [64 * 1024, 0, 1, 3, 8, 64, usize::MAX];

/// Numbers written as raw text, which `serde_json::Value` cannot hold (or holds as a float),
/// and what `expires_in` must read from each.
const RAW_NUMBERS: [(&str, Option<u64>); 8] = [
    ("1e400", None),
    ("-1e400", None),
    ("18446744073709551616", None),
    ("18446744073709551615", None),
    ("4294967296", None),
    ("4294967295", Some(MAX_EXPIRES_IN_SECS)),
    ("4294967295.99", Some(MAX_EXPIRES_IN_SECS)),
    ("1e2", Some(100)),
];

/// Stands for a raw number in the JSON built, until the text replaces it.
const RAW_PLACEHOLDER: &str = "__raw_number__";

fuzz_target!(
    init: dict::use_dictionary("token"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let limits = TokenLimits::DEFAULT
        .max_body(*pick(&mut u, &BODY_LIMITS))
        .max_token(*pick(&mut u, &TOKEN_LIMITS));
    if flag(&mut u) {
        let (body, expected) = token_json(&mut u, &limits);
        let got = check_token(&body, &limits);
        if body.len() <= limits.get_max_body() {
            assert_eq!(got, expected, "{}", String::from_utf8_lossy(&body));
        }
        check_error_body(&error_json(&mut u));
    } else {
        let rest = u.take_rest();
        check_token(rest, &limits);
        check_error_body(rest);
    }
}

/// The properties every answer has; returns what the parser said, in the model's terms.
fn check_token(body: &[u8], limits: &TokenLimits) -> Expected {
    let parsed = TokenResponse::parse(body, limits);
    if body.len() > limits.get_max_body() {
        assert_eq!(
            parsed,
            Err(TokenError::BodyTooLarge {
                limit: limits.get_max_body()
            })
        );
    }
    let t = match parsed {
        Ok(t) => t,
        Err(e) => {
            assert_one_line("token error", &e.to_string());
            return Expected::Err(e);
        }
    };
    let token = t.token().expose();
    assert!(
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()),
        "token {token:?} cannot go in a header"
    );
    assert!(token.len() <= limits.get_max_token());
    assert!(Authorization::bearer(token).is_some());
    assert!(t.lifetime_secs() >= 60);
    assert!(t.lifetime_secs() <= MAX_EXPIRES_IN_SECS.max(60));
    assert_eq!(t.lifetime_secs(), t.expires_in().unwrap_or(60).max(60));
    if let Some(rt) = t.refresh_token() {
        assert!(!rt.is_empty() && rt.expose().len() <= limits.get_max_token());
    }
    assert!(t.issued_at().map_or(0, str::len) <= 64);
    // Debug redacts the token. `issued_at` and `expires_in` are shown, so look only outside
    // them; the rest is fixed text without a space-free run of 20 characters.
    let debug = format!("{t:?}")
        .replace(&format!("{:?}", t.issued_at()), "")
        .replace(&format!("{:?}", t.expires_in()), "");
    if token.len() >= 20 || token.starts_with("tok-") {
        assert!(!debug.contains(token), "debug shows the token: {debug}");
    }
    Expected::Ok {
        token: token.to_string(),
        expires_in: t.expires_in(),
        refresh: t.refresh_token().map(|r| r.expose().to_string()),
        issued_at: t.issued_at().map(str::to_string),
    }
}

#[derive(Debug, PartialEq)]
enum Expected {
    Ok {
        token: String,
        expires_in: Option<u64>,
        refresh: Option<String>,
        issued_at: Option<String>,
    },
    Err(TokenError),
}

fn string_value(u: &mut Unstructured<'_>) -> Value {
    match index(u, 10) {
        0 | 1 => Value::String(format!("tok-{}", int(u, 0, 9999))),
        2 => json!(""),
        3 => json!("a b"),
        4 => json!("tok\r\nX-Injected: 1"),
        5 => json!("tök"),
        6 => Value::String("t".repeat(int(u, 1, 70) as usize)),
        7 => json!(null),
        8 => pick(u, &[json!(5), json!(true), json!([]), json!({"t": "x"})]).clone(),
        _ => Value::String(text(u, 40)),
    }
}

/// The documented reading of one token field.
fn model_field(
    v: Option<&Value>,
    field: &'static str,
    limits: &TokenLimits,
) -> Option<Result<String, TokenError>> {
    Some(match v? {
        Value::String(s) if s.is_empty() => Err(TokenError::EmptyToken { field }),
        Value::String(s) if s.len() > limits.get_max_token() => Err(TokenError::TokenTooLong {
            field,
            limit: limits.get_max_token(),
        }),
        Value::String(s) if !s.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(TokenError::UnsafeToken { field })
        }
        Value::String(s) => Ok(s.clone()),
        _ => Err(TokenError::WrongType { field }),
    })
}

/// A token body built from the input, and what parsing it must give.
fn token_json(u: &mut Unstructured<'_>, limits: &TokenLimits) -> (Vec<u8>, Expected) {
    let mut m = Map::new();
    for field in ["token", "access_token"] {
        if flag(u) {
            m.insert(field.into(), string_value(u));
        }
    }
    let mut expires_in = None;
    let mut raw_number = None;
    match index(u, 10) {
        0 => {}
        1 => {
            let n = int(u, 0, u64::MAX);
            m.insert("expires_in".into(), json!(n));
            expires_in = Some(n).filter(|n| *n <= MAX_EXPIRES_IN_SECS);
        }
        2 => {
            m.insert("expires_in".into(), json!(-(int(u, 1, 1000) as i64)));
        }
        3 => {
            let f = int(u, 0, 1 << 20) as f64 / 7.0;
            m.insert("expires_in".into(), json!(f));
            expires_in = Some(f as u64);
        }
        4 => {
            let n = int(u, 0, 100_000);
            m.insert("expires_in".into(), json!(format!(" {n} ")));
            expires_in = Some(n);
        }
        5 => {
            m.insert("expires_in".into(), json!("soon"));
        }
        6 => {
            m.insert("expires_in".into(), json!(1e300));
        }
        7 => {
            m.insert("expires_in".into(), json!(-0.0));
            expires_in = Some(0);
        }
        8 => {
            let (text, secs) = *pick(u, &RAW_NUMBERS);
            m.insert("expires_in".into(), json!(RAW_PLACEHOLDER));
            raw_number = Some(text);
            expires_in = secs;
        }
        _ => {
            m.insert("expires_in".into(), json!(null));
        }
    }
    if flag(u) {
        m.insert("refresh_token".into(), string_value(u));
    }
    if flag(u) {
        m.insert("issued_at".into(), string_value(u));
    }
    if chance(u, 1, 4) {
        // Fields whose names differ only in case are not the token: the endpoint's JSON is
        // read by exact name.
        m.insert("Token".into(), json!("other"));
    }
    let mut body = serde_json::to_vec(&Value::Object(m.clone())).unwrap_or_default();
    if let Some(text) = raw_number {
        let placeholder = format!("\"{RAW_PLACEHOLDER}\"");
        body = String::from_utf8_lossy(&body)
            .replacen(&placeholder, text, 1)
            .into_bytes();
    }
    // A member the parser reads, written a second time (before the first): the body is
    // ambiguous and refused, whatever either value holds.
    let read_members = [
        "token",
        "access_token",
        "expires_in",
        "issued_at",
        "refresh_token",
    ];
    let present: Vec<&'static str> = read_members
        .into_iter()
        .filter(|f| m.contains_key(*f))
        .collect();
    let duplicate = if !present.is_empty() && chance(u, 1, 6) {
        let field = *pick(u, &present);
        let mut dup = format!("{{\"{field}\":");
        dup.push_str(&serde_json::to_string(&string_value(u)).unwrap_or_default());
        dup.push(',');
        body.splice(0..1, dup.into_bytes());
        Some(field)
    } else {
        None
    };
    if chance(u, 1, 8) {
        body.splice(0..0, b" \n\t".iter().copied());
        body.extend_from_slice(b"\r\n");
    }
    let token = match (
        model_field(m.get("access_token"), "access_token", limits),
        model_field(m.get("token"), "token", limits),
    ) {
        (Some(Ok(t)), _) | (_, Some(Ok(t))) => Ok(t),
        (Some(Err(e)), _) | (None, Some(Err(e))) => Err(e),
        (None, None) => Err(TokenError::MissingToken),
    };
    let expected = match token {
        _ if duplicate.is_some() => Expected::Err(TokenError::DuplicateField {
            field: duplicate.unwrap_or_default(),
        }),
        Err(e) => Expected::Err(e),
        Ok(token) => Expected::Ok {
            token,
            expires_in,
            refresh: match m.get("refresh_token") {
                Some(Value::String(s)) if !s.is_empty() && s.len() <= limits.get_max_token() => {
                    Some(s.clone())
                }
                _ => None,
            },
            issued_at: match m.get("issued_at") {
                Some(Value::String(s)) if s.len() <= 64 => Some(s.clone()),
                _ => None,
            },
        },
    };
    (body, expected)
}

fn error_json(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut m = Map::new();
    if flag(u) {
        let entries: Vec<Value> = (0..int(u, 0, 6))
            .map(|_| {
                if chance(u, 1, 8) {
                    return string_value(u);
                }
                let mut e = Map::new();
                for field in ["code", "message", "detail"] {
                    if flag(u) {
                        let v = if chance(u, 1, 4) {
                            Value::String(format!(
                                "line one\nline two\r\u{1b}[31m{}",
                                "x".repeat(300)
                            ))
                        } else {
                            string_value(u)
                        };
                        e.insert(field.into(), v);
                    }
                }
                Value::Object(e)
            })
            .collect();
        m.insert("errors".into(), Value::Array(entries));
    }
    for field in ["error", "error_description"] {
        if flag(u) {
            m.insert(field.into(), string_value(u));
        }
    }
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

fn check_error_body(body: &[u8]) {
    let e = ErrorBody::parse(body);
    assert!(e.errors.len() <= 4, "{} entries kept", e.errors.len());
    let shown = e.to_string();
    assert!(
        !shown.chars().any(char::is_control),
        "error body is not one clean line: {shown:?}"
    );
    // Four entries of code and message and the OAuth pair, each cut to 200 characters.
    assert!(
        shown.chars().count() <= 6 * 2 * 203 + 64,
        "{} chars",
        shown.chars().count()
    );
    if e.is_empty() {
        assert!(shown.is_empty());
    }
}
