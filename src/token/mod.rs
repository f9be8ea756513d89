//! The token endpoint's answers: token responses and error bodies.
//!
//! ```
//! use registry_auth::token::{TokenLimits, TokenResponse};
//!
//! let body = br#"{"token":"abc","access_token":"abc","expires_in":300,"issued_at":"2026-11-29T10:00:00Z"}"#;
//! let t = TokenResponse::parse(body, &TokenLimits::default())?;
//! assert_eq!(t.token().expose(), "abc");
//! assert_eq!(t.lifetime_secs(), 300);
//! # Ok::<(), registry_auth::token::TokenError>(())
//! ```

use alloc::string::{String, ToString};
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use zeroize::Zeroize;

use crate::secret::{is_header_safe_token, Secret};

/// The shortest lifetime a token is given: the token spec says 60 s when `expires_in` is absent,
/// and clients treat smaller values as 60 s too.
pub const MIN_LIFETIME_SECS: u64 = 60;

/// The longest `expires_in` believed, in seconds (2^32 - 1, about 136 years). A longer one, and
/// one too large for any number type (`18446744073709551616`, `1e400`), counts as absent, so the
/// token lives [`MIN_LIFETIME_SECS`]: no answer can give a token that never expires, and every
/// expiry the machine computes stays far from the edge of its clock.
pub const MAX_EXPIRES_IN_SECS: u64 = u32::MAX as u64;

/// Bounds on a token endpoint's answer.
///
/// Two settings, each with a builder method and a `get_` getter of the same name (as
/// [`Config`](crate::Config) names its own): `max_body`, the largest body accepted, and
/// `max_token`, the longest token. [`read_limit`](Self::read_limit) is what a driver reads of
/// a token response body: one byte more than `max_body`.
///
/// The defaults accept a 64 KiB token (JWTs with many claims get large) in a body that carries
/// it twice (Docker Hub sends `token` and `access_token`) next to a 64 KiB refresh token:
///
/// ```
/// use registry_auth::token::{TokenLimits, TokenResponse};
///
/// let jwt = "e".repeat(64 * 1024);
/// let body = format!(r#"{{"token":"{jwt}","access_token":"{jwt}","refresh_token":"{jwt}","expires_in":300}}"#);
/// let t = TokenResponse::parse(body.as_bytes(), &TokenLimits::DEFAULT)?;
/// assert_eq!(t.token().expose().len(), 64 * 1024);
/// assert_eq!(TokenLimits::DEFAULT.get_max_body(), 256 * 1024);
/// assert_eq!(TokenLimits::DEFAULT.read_limit(), 256 * 1024 + 1);
/// # Ok::<(), registry_auth::token::TokenError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLimits {
    pub(crate) max_body: usize,
    pub(crate) max_token: usize,
}

impl TokenLimits {
    /// 256 KiB of body and 64 KiB per token (or refresh token): real tokens are JWTs of one to
    /// four kilobytes, large ones reach tens of kilobytes, and the body may hold a token twice
    /// and a refresh token beside it.
    pub const DEFAULT: TokenLimits = TokenLimits {
        max_body: 256 * 1024,
        max_token: 64 * 1024,
    };

    /// The largest token response body accepted, in bytes; a longer one is refused with
    /// [`TokenError::BodyTooLarge`].
    #[must_use]
    pub const fn max_body(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// The longest token (or refresh token) accepted, in bytes.
    #[must_use]
    pub const fn max_token(mut self, n: usize) -> Self {
        self.max_token = n;
        self
    }

    /// See [`max_body`](Self::max_body).
    pub const fn get_max_body(&self) -> usize {
        self.max_body
    }

    /// See [`max_token`](Self::max_token).
    pub const fn get_max_token(&self) -> usize {
        self.max_token
    }

    /// How many bytes of a token response body a driver reads at most: `get_max_body() + 1`,
    /// so that a body too large is recognised as such rather than cut into invalid JSON.
    pub const fn read_limit(&self) -> usize {
        self.max_body.saturating_add(1)
    }
}

impl Default for TokenLimits {
    fn default() -> Self {
        TokenLimits::DEFAULT
    }
}

/// A token response that cannot be used, naming the field at fault.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// The body is longer than [`TokenLimits::max_body`].
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The body is not JSON, or not a JSON object.
    NotJson {
        /// serde_json's description, with line and column.
        reason: String,
    },
    /// Neither `token` nor `access_token` is present.
    MissingToken,
    /// A token field that is not a string.
    WrongType {
        /// The field.
        field: &'static str,
    },
    /// A token field that is an empty string.
    EmptyToken {
        /// The field.
        field: &'static str,
    },
    /// A token that holds spaces, control or non-ASCII characters, so it cannot be sent in a
    /// header without allowing header injection.
    UnsafeToken {
        /// The field.
        field: &'static str,
    },
    /// A token longer than [`TokenLimits::max_token`].
    TokenTooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A member the parser reads (`token`, `access_token`, `expires_in`, `issued_at`,
    /// `refresh_token`) appears more than once: which one the server meant is ambiguous, and
    /// JSON parsers disagree on which one wins.
    DuplicateField {
        /// The member.
        field: &'static str,
    },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::BodyTooLarge { limit } => {
                write!(f, "token response larger than {limit} bytes")
            }
            TokenError::NotJson { reason } => {
                write!(f, "token response is not a json object: {reason}")
            }
            TokenError::MissingToken => {
                f.write_str("token response has neither `token` nor `access_token`")
            }
            TokenError::WrongType { field } => {
                write!(f, "token response field `{field}` is not a string")
            }
            TokenError::EmptyToken { field } => {
                write!(f, "token response field `{field}` is empty")
            }
            TokenError::UnsafeToken { field } => write!(
                f,
                "token response field `{field}` holds characters a header cannot carry"
            ),
            TokenError::TokenTooLong { field, limit } => {
                write!(
                    f,
                    "token response field `{field}` is longer than {limit} bytes"
                )
            }
            TokenError::DuplicateField { field } => {
                write!(f, "token response has field `{field}` more than once")
            }
        }
    }
}

impl core::error::Error for TokenError {}

/// A usable token response.
///
/// `Debug` redacts the token and the refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResponse {
    token: Secret,
    expires_in: Option<u64>,
    issued_at: Option<String>,
    refresh_token: Option<Secret>,
}

/// The members of a token response the parser reads, in [`Members::raw`]'s order.
const MEMBERS: [&str; 5] = [
    "token",
    "access_token",
    "expires_in",
    "issued_at",
    "refresh_token",
];
const TOKEN: usize = 0;
const ACCESS_TOKEN: usize = 1;
const EXPIRES_IN: usize = 2;
const ISSUED_AT: usize = 3;
const REFRESH_TOKEN: usize = 4;

/// The raw JSON text of each member read (by exact name), and the first one seen twice.
///
/// Raw text, not parsed values: serde_json refuses a number it cannot represent (`1e400`) while
/// parsing, which would lose the whole body over an optional member; read raw, such a member is
/// interpreted (or ignored) on its own. Members the parser does not read are skipped without
/// being built.
struct Members<'a> {
    raw: [Option<&'a RawValue>; 5],
    duplicate: Option<&'static str>,
}

/// Reads a member name into its index in [`MEMBERS`], `None` for any other name.
struct MemberName;

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for MemberName {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(MEMBERS.iter().position(|m| *m == name))
    }
}

/// Reads the top-level object into [`Members`]. Anything else is refused with a message that
/// never repeats the value (serde's default messages would quote a top-level string).
struct MembersVisitor;

fn not_an_object<E: de::Error>() -> E {
    E::custom("not an object")
}

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
        let mut members = Members {
            raw: [None; 5],
            duplicate: None,
        };
        while let Some(index) = map.next_key_seed(MemberName)? {
            match index.and_then(|i| Some((members.raw.get_mut(i)?, MEMBERS.get(i)?))) {
                Some((slot, name)) => {
                    let raw: &'de RawValue = map.next_value()?;
                    if slot.is_some() {
                        members.duplicate.get_or_insert(name);
                    } else {
                        *slot = Some(raw);
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(members)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Members<'de>, E> {
        Err(not_an_object())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Members<'de>, A::Error> {
        Err(not_an_object())
    }
}

impl<'a> Members<'a> {
    fn read(body: &'a [u8]) -> Result<Self, TokenError> {
        let not_json = |e: serde_json::Error| TokenError::NotJson {
            reason: e.to_string(),
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        let members = de.deserialize_any(MembersVisitor).map_err(not_json)?;
        de.end().map_err(not_json)?;
        Ok(members)
    }

    fn get(&self, index: usize) -> Option<&'a RawValue> {
        self.raw.get(index).copied().flatten()
    }
}

/// A JSON string member's value, `None` when the member is anything else.
fn string(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(raw.get()).ok()
}

/// Checks a token member and keeps it as a secret. Every copy read is wiped.
fn token_field(
    raw: Option<&RawValue>,
    field: &'static str,
    limits: &TokenLimits,
) -> Option<Result<Secret, TokenError>> {
    let Some(mut s) = string(raw?) else {
        return Some(Err(TokenError::WrongType { field }));
    };
    let checked = if s.is_empty() {
        Err(TokenError::EmptyToken { field })
    } else if s.len() > limits.max_token {
        Err(TokenError::TokenTooLong {
            field,
            limit: limits.max_token,
        })
    } else if !is_header_safe_token(&s) {
        Err(TokenError::UnsafeToken { field })
    } else {
        Ok(Secret::new(core::mem::take(&mut s)))
    };
    s.zeroize();
    Some(checked)
}

/// `expires_in` in whole seconds: a non-negative number (a fraction is cut off) or a string
/// holding a whole number, at most [`MAX_EXPIRES_IN_SECS`]; anything else is absent.
fn expires_in(raw: &RawValue) -> Option<u64> {
    let text = raw.get();
    let secs = match text.as_bytes().first() {
        Some(b'"') => string(raw)?.trim().parse::<u64>().ok()?,
        Some(b'-' | b'0'..=b'9') => match text.parse::<u64>() {
            Ok(n) => n,
            // A fraction, an exponent, a negative number or an integer beyond u64. The float
            // reading of a number too large for f64 (`1e400`) is infinite, and the comparison
            // drops it with the other values beyond the bound.
            Err(_) => {
                let f: f64 = text.parse().ok()?;
                if !(0.0..MAX_EXPIRES_IN_SECS as f64 + 1.0).contains(&f) {
                    return None;
                }
                f as u64
            }
        },
        _ => return None,
    };
    Some(secs).filter(|s| *s <= MAX_EXPIRES_IN_SECS)
}

impl TokenResponse {
    /// Parses a token endpoint's JSON body.
    ///
    /// `access_token` wins over `token` when both are present and usable (OAuth2 replies carry
    /// only `access_token`; Docker Hub sends both). Members are matched by exact name; one the
    /// parser reads that appears twice refuses the body ([`TokenError::DuplicateField`]).
    /// Optional fields of the wrong type are ignored: a string `expires_in` that holds a number
    /// is read, anything else counts as absent, and so does an `expires_in` above
    /// [`MAX_EXPIRES_IN_SECS`] (or too large for any number type), which gives the token the
    /// 60 s an absent one has rather than a lifetime without end.
    ///
    /// ```
    /// use registry_auth::token::{TokenError, TokenLimits, TokenResponse};
    ///
    /// let limits = TokenLimits::default();
    /// let t = TokenResponse::parse(br#"{"token":"t","expires_in":18446744073709551616}"#, &limits)?;
    /// assert_eq!((t.expires_in(), t.lifetime_secs()), (None, 60));
    /// let t = TokenResponse::parse(br#"{"token":"t","expires_in":1e400}"#, &limits)?;
    /// assert_eq!((t.expires_in(), t.lifetime_secs()), (None, 60));
    /// assert_eq!(
    ///     TokenResponse::parse(br#"{"token":"a","token":"b"}"#, &limits),
    ///     Err(TokenError::DuplicateField { field: "token" })
    /// );
    /// # Ok::<(), TokenError>(())
    /// ```
    ///
    /// The parsed copies of the tokens are wiped once read (see [`Secret`]); `body` is the
    /// caller's to wipe.
    ///
    /// # Errors
    /// [`TokenError`] naming the field at fault.
    pub fn parse(body: &[u8], limits: &TokenLimits) -> Result<Self, TokenError> {
        if body.len() > limits.max_body {
            return Err(TokenError::BodyTooLarge {
                limit: limits.max_body,
            });
        }
        let members = Members::read(body)?;
        if let Some(field) = members.duplicate {
            return Err(TokenError::DuplicateField { field });
        }
        let token = match (
            token_field(members.get(ACCESS_TOKEN), "access_token", limits),
            token_field(members.get(TOKEN), "token", limits),
        ) {
            (Some(Ok(t)), _) => t,
            (_, Some(Ok(t))) => t,
            (Some(Err(e)), _) | (None, Some(Err(e))) => return Err(e),
            (None, None) => return Err(TokenError::MissingToken),
        };
        let expires_in = members.get(EXPIRES_IN).and_then(expires_in);
        let issued_at = members
            .get(ISSUED_AT)
            .and_then(string)
            .filter(|s| s.len() <= 64);
        let refresh_token = members
            .get(REFRESH_TOKEN)
            .and_then(string)
            .and_then(|mut s| {
                let kept = (!s.is_empty() && s.len() <= limits.max_token)
                    .then(|| Secret::new(core::mem::take(&mut s)));
                s.zeroize();
                kept
            });
        Ok(TokenResponse {
            token,
            expires_in,
            issued_at,
            refresh_token,
        })
    }

    /// The token.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// `expires_in` as sent, when it was a usable number of at most [`MAX_EXPIRES_IN_SECS`].
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// The lifetime to count from the local arrival time: `expires_in`, at least 60 s.
    pub fn lifetime_secs(&self) -> u64 {
        self.expires_in
            .unwrap_or(MIN_LIFETIME_SECS)
            .max(MIN_LIFETIME_SECS)
    }

    /// `issued_at` as sent. Informational only: it is the server's clock, which may be skewed,
    /// so expiry counts from the local time the response arrived.
    pub fn issued_at(&self) -> Option<&str> {
        self.issued_at.as_deref()
    }

    /// A refresh token, for later OAuth2 `refresh_token` grants.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }
}

mod error_body;

pub use error_body::{ErrorBody, ErrorEntry};

#[cfg(test)]
mod tests;
