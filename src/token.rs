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
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value as Json;

use crate::secret::{is_header_safe_token, Secret};
use crate::server_text::Scrubber;

/// The shortest lifetime a token is given: the token spec says 60 s when `expires_in` is absent,
/// and clients treat smaller values as 60 s too.
pub const MIN_LIFETIME_SECS: u64 = 60;

/// Bounds on a token endpoint's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLimits {
    pub(crate) max_body: usize,
    pub(crate) max_token: usize,
}

impl TokenLimits {
    /// 64 KiB of body and 16 KiB of token: real tokens are JWTs of one to four kilobytes.
    pub const DEFAULT: TokenLimits = TokenLimits {
        max_body: 64 * 1024,
        max_token: 16 * 1024,
    };

    /// The most body bytes read; a driver should stop reading after this many plus one.
    #[must_use]
    pub const fn max_body(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// The longest token (or refresh token) accepted.
    #[must_use]
    pub const fn max_token(mut self, n: usize) -> Self {
        self.max_token = n;
        self
    }

    /// See [`TokenLimits::max_body`].
    pub const fn body_bytes(&self) -> usize {
        self.max_body
    }

    /// How many bytes a driver should read of a token response: one more than the limit, so
    /// that an oversized body is recognised as such rather than cut into invalid JSON.
    pub const fn read_bytes(&self) -> usize {
        self.max_body.saturating_add(1)
    }

    /// See [`TokenLimits::max_token`].
    pub const fn token_bytes(&self) -> usize {
        self.max_token
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

fn token_field(
    obj: &serde_json::Map<String, Json>,
    field: &'static str,
    limits: &TokenLimits,
) -> Option<Result<Secret, TokenError>> {
    let v = obj.get(field)?;
    Some(match v {
        Json::String(s) if s.is_empty() => Err(TokenError::EmptyToken { field }),
        Json::String(s) if s.len() > limits.max_token => Err(TokenError::TokenTooLong {
            field,
            limit: limits.max_token,
        }),
        Json::String(s) if !is_header_safe_token(s) => Err(TokenError::UnsafeToken { field }),
        Json::String(s) => Ok(Secret::new(s.as_str())),
        _ => Err(TokenError::WrongType { field }),
    })
}

impl TokenResponse {
    /// Parses a token endpoint's JSON body.
    ///
    /// `access_token` wins over `token` when both are present and usable (OAuth2 replies carry
    /// only `access_token`; Docker Hub sends both). Optional fields of the wrong type are
    /// ignored: a string `expires_in` that holds a number is read, anything else counts as
    /// absent.
    ///
    /// # Errors
    /// [`TokenError`] naming the field at fault.
    pub fn parse(body: &[u8], limits: &TokenLimits) -> Result<Self, TokenError> {
        if body.len() > limits.max_body {
            return Err(TokenError::BodyTooLarge {
                limit: limits.max_body,
            });
        }
        let json: Json = serde_json::from_slice(body).map_err(|e| TokenError::NotJson {
            reason: e.to_string(),
        })?;
        let Json::Object(obj) = json else {
            return Err(TokenError::NotJson {
                reason: "not an object".into(),
            });
        };
        let token = match (
            token_field(&obj, "access_token", limits),
            token_field(&obj, "token", limits),
        ) {
            (Some(Ok(t)), _) => t,
            (_, Some(Ok(t))) => t,
            (Some(Err(e)), _) | (None, Some(Err(e))) => return Err(e),
            (None, None) => return Err(TokenError::MissingToken),
        };
        let expires_in = match obj.get("expires_in") {
            Some(Json::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
            Some(Json::String(s)) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        let issued_at = match obj.get("issued_at") {
            Some(Json::String(s)) if s.len() <= 64 => Some(s.clone()),
            _ => None,
        };
        let refresh_token = match obj.get("refresh_token") {
            Some(Json::String(s)) if !s.is_empty() && s.len() <= limits.max_token => {
                Some(Secret::new(s.as_str()))
            }
            _ => None,
        };
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

    /// `expires_in` as sent, when it was a usable number.
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

/// The most error entries kept from a server's error body.
const MAX_ENTRIES: usize = 4;

/// One entry of a registry error body (`{"errors":[{"code","message","detail"}]}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorEntry {
    /// `UNAUTHORIZED`, `DENIED`, `NAME_UNKNOWN`, ...
    pub code: String,
    /// The human-readable message.
    pub message: String,
    /// `detail`, as compact JSON, when present.
    pub detail: Option<String>,
}

/// What a server said when it refused: the registry's `errors[]` and the OAuth2 `error` and
/// `error_description`, each text normalised and cut to a few hundred characters (control
/// characters dropped, whitespace runs made one space). In errors of the
/// [`Authenticator`](crate::Authenticator), every secret the machine holds or the flow sent is
/// cut out before the text is clipped.
///
/// ```
/// use registry_auth::token::ErrorBody;
///
/// let e = ErrorBody::parse(br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}"#);
/// assert_eq!(e.to_string(), "UNAUTHORIZED: authentication required");
/// let e = ErrorBody::parse(br#"{"error":"invalid_grant","error_description":"refresh token expired"}"#);
/// assert_eq!(e.to_string(), "invalid_grant: refresh token expired");
/// assert_eq!(e.error.as_deref(), Some("invalid_grant"));
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// The registry-style entries.
    pub errors: Vec<ErrorEntry>,
    /// OAuth2 `error`, or the challenge's `error`.
    pub error: Option<String>,
    /// OAuth2 `error_description`, or the challenge's.
    pub error_description: Option<String>,
}

impl ErrorBody {
    /// Reads whatever error information a body holds; anything unreadable gives an empty body.
    pub fn parse(body: &[u8]) -> Self {
        let mut out = Self::parse_raw(body);
        out.clean(&mut Scrubber::default());
        out
    }

    /// The texts as the server sent them, to be [cleaned](Self::clean) before anyone sees
    /// them. Bounded by the token body limit.
    pub(crate) fn parse_raw(body: &[u8]) -> Self {
        let mut out = ErrorBody::default();
        if body.len() > TokenLimits::DEFAULT.max_body {
            return out;
        }
        let Ok(Json::Object(obj)) = serde_json::from_slice::<Json>(body) else {
            return out;
        };
        if let Some(Json::Array(errors)) = obj.get("errors") {
            for e in errors.iter().take(MAX_ENTRIES) {
                let text = |k: &str| match e.get(k) {
                    Some(Json::String(s)) => s.clone(),
                    _ => String::new(),
                };
                let detail = match e.get("detail") {
                    None | Some(Json::Null) => None,
                    Some(Json::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                };
                out.errors.push(ErrorEntry {
                    code: text("code"),
                    message: text("message"),
                    detail,
                });
            }
        }
        if let Some(Json::String(s)) = obj.get("error") {
            out.error = Some(s.clone());
        }
        if let Some(Json::String(s)) = obj.get("error_description") {
            out.error_description = Some(s.clone());
        }
        out
    }

    /// A body made of a challenge's `error` and `error_description`, as sent.
    pub(crate) fn from_challenge(error: Option<String>, description: Option<String>) -> Self {
        ErrorBody {
            errors: Vec::new(),
            error,
            error_description: description,
        }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.error.is_none() && self.error_description.is_none()
    }

    fn texts(&mut self) -> impl Iterator<Item = &mut String> {
        self.errors
            .iter_mut()
            .flat_map(|e| {
                [Some(&mut e.code), Some(&mut e.message), e.detail.as_mut()]
                    .into_iter()
                    .flatten()
            })
            .chain(self.error.as_mut())
            .chain(self.error_description.as_mut())
    }

    /// Runs every text through the server-text pipeline (normalise, scrub, clip).
    pub(crate) fn clean(&mut self, scrubber: &mut Scrubber) {
        for t in self.texts() {
            *t = scrubber.clean(t);
        }
    }

    /// Scrubs texts that were cleaned before of secrets learned since.
    pub(crate) fn rescrub(&mut self, scrubber: &mut Scrubber) {
        for t in self.texts() {
            scrubber.rescrub(t);
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let s = if first { "" } else { "; " };
            first = false;
            f.write_str(s)
        };
        for e in &self.errors {
            sep(f)?;
            match (e.code.is_empty(), e.message.is_empty()) {
                (false, false) => write!(f, "{}: {}", e.code, e.message)?,
                (false, true) => f.write_str(&e.code)?,
                (true, _) => f.write_str(&e.message)?,
            }
        }
        match (&self.error, &self.error_description) {
            (Some(e), Some(d)) => {
                sep(f)?;
                write!(f, "{e}: {d}")?;
            }
            (Some(e), None) => {
                sep(f)?;
                f.write_str(e)?;
            }
            (None, Some(d)) => {
                sep(f)?;
                f.write_str(d)?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let t =
            parse(r#"{"token":"a","expires_in":"300","issued_at":5,"refresh_token":[]}"#).unwrap();
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
}
