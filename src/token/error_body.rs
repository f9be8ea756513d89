//! What a server said when it refused: a registry's `errors[]` or OAuth2's `error` and
//! `error_description`, kept as text for errors.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value as Json;

use super::TokenLimits;
use crate::server_text::Scrubber;

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

/// How deep a structured `detail` is shown.
const MAX_DETAIL_DEPTH: usize = 8;

/// Writes a structured `detail` as text, in JSON's shape but with strings as they are, not
/// escaped: an escape (`\u0000`) would split a secret in two where the server text pipeline
/// cannot see it, while the character itself is dropped there and the secret found whole.
fn render_detail(out: &mut String, value: &Json, depth: usize) {
    use core::fmt::Write as _;
    if depth == 0 {
        out.push_str("...");
        return;
    }
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::String(s) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_detail(out, item, depth - 1);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(k);
                out.push_str("\":");
                render_detail(out, v, depth - 1);
            }
            out.push('}');
        }
    }
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
                    Some(other) => {
                        let mut text = String::new();
                        render_detail(&mut text, other, MAX_DETAIL_DEPTH);
                        Some(text)
                    }
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
