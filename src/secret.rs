//! Values that must never be printed: passwords, tokens, `Authorization` header values.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value as Json;
use zeroize::Zeroize;

pub(crate) const REDACTED: &str = "<redacted>";

/// A password or token. `Debug` and `Display` print `<redacted>`; [`Secret::expose`] is the only
/// way to read it, so every place that sends a secret is easy to find.
///
/// ```
/// use registry_auth::Secret;
///
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
/// assert_eq!(s.expose(), "hunter2");
/// ```
///
/// # Wiped on drop
/// Clones share one buffer (cloning copies no secret). When the last clone is dropped, the
/// buffer is overwritten with zeroes (with the `zeroize` crate, whose writes the compiler may
/// not optimise away) before it is freed. [`Secret::new`] wipes the `String` it copies from.
/// [`Authorization`] values, the OAuth2 form bodies the machine builds, and the secrets read from
/// config files, credential helpers and token responses are `Secret`s or wiped the same way.
///
/// This is best-effort, and says nothing about copies the crate does not own:
/// - the caller's own buffers: the bytes of a config file, a helper's output or a token
///   response body passed in by reference, and whatever the caller's HTTP stack copies a header
///   value or body into;
/// - copies the caller makes of [`expose`](Secret::expose)'s answer (`to_string()`, `format!`);
/// - transient copies inside `serde_json` while it parses (its scratch buffer for strings with
///   escapes) and inside `base64` while it decodes, and earlier heap blocks a growing buffer
///   left behind; the parsed values the crate holds are wiped, the parsers' internals are not;
/// - memory the operating system swapped to disk or a core dump captured.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value. The `String` it is given is copied into the shared buffer and
    /// wiped.
    pub fn new(value: impl Into<String>) -> Self {
        let mut owned: String = value.into();
        let secret = Secret(Arc::from(owned.as_str()));
        owned.zeroize();
        secret
    }

    /// A secret from bytes that must be UTF-8, wiping them either way; `None` when they are not
    /// UTF-8.
    pub(crate) fn from_utf8_wiping(mut bytes: Vec<u8>) -> Option<Self> {
        let secret = core::str::from_utf8(&bytes)
            .ok()
            .map(|s| Secret(Arc::from(s)));
        bytes.zeroize();
        secret
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    /// Wipes the buffer when this is its last owner.
    fn drop(&mut self) {
        if let Some(value) = Arc::get_mut(&mut self.0) {
            value.zeroize();
        }
    }
}

/// Overwrites every string in a parsed JSON value (not the object keys) with zeroes: the parsed
/// copy of a config file, a helper's answer or a token response holds the secrets in it.
pub(crate) fn wipe_json(value: &mut Json) {
    let mut stack: Vec<&mut Json> = Vec::new();
    stack.push(value);
    while let Some(v) = stack.pop() {
        match v {
            Json::String(s) => s.zeroize(),
            Json::Array(items) => stack.extend(items.iter_mut()),
            Json::Object(members) => stack.extend(members.iter_mut().map(|(_, v)| v)),
            Json::Null | Json::Bool(_) | Json::Number(_) => {}
        }
    }
}

/// A parsed JSON value that is wiped (see [`wipe_json`]) when dropped, on every path out of a
/// parser.
pub(crate) struct WipedJson(pub(crate) Json);

impl Drop for WipedJson {
    fn drop(&mut self) {
        wipe_json(&mut self.0);
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The scheme of an [`Authorization`] value.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `Basic base64(user:password)`.
    Basic,
    /// `Bearer <token>`.
    Bearer,
}

/// A complete `Authorization` header value (`Bearer <token>` or `Basic <base64>`).
///
/// Built once per token or credential and shared: cloning it does not copy the value, which is
/// what keeps a request with a cached token free of allocations. Prints as `Bearer <redacted>`.
/// The value is a [`Secret`]: wiped when the last clone is dropped.
///
/// ```
/// use registry_auth::{AuthScheme, Authorization};
///
/// let a = Authorization::bearer("eyJhbGciOi.x.y").unwrap();
/// assert_eq!(a.scheme(), AuthScheme::Bearer);
/// assert_eq!(a.to_string(), "Bearer <redacted>");
/// assert_eq!(a.expose(), "Bearer eyJhbGciOi.x.y");
/// assert!(Authorization::bearer("two words").is_none());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    scheme: AuthScheme,
    value: Secret,
}

/// Whether a token may be sent as a header value: visible ASCII only, so that a hostile token
/// endpoint cannot inject a header line or smuggle spaces into the value.
pub(crate) fn is_header_safe_token(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic())
}

impl Authorization {
    /// `Bearer <token>`, or `None` when the token holds anything but visible ASCII.
    pub fn bearer(token: &str) -> Option<Self> {
        if !is_header_safe_token(token) {
            return None;
        }
        let mut value = String::with_capacity(7 + token.len());
        value.push_str("Bearer ");
        value.push_str(token);
        Some(Authorization {
            scheme: AuthScheme::Bearer,
            value: Secret::new(value),
        })
    }

    /// `Basic base64(username:password)` (RFC 7617, UTF-8).
    pub fn basic(username: &str, password: &str) -> Self {
        use base64::Engine as _;
        const PREFIX: &[u8] = b"Basic ";
        // Every buffer is sized once, so that no reallocation leaves a copy behind, and wiped.
        let mut plain = Vec::with_capacity(username.len() + 1 + password.len());
        plain.extend_from_slice(username.as_bytes());
        plain.push(b':');
        plain.extend_from_slice(password.as_bytes());
        let encoded = base64::encoded_len(plain.len(), true).unwrap_or(0);
        let mut value = alloc::vec![0u8; PREFIX.len() + encoded];
        let complete = match value.split_at_mut_checked(PREFIX.len()) {
            Some((prefix, rest)) => {
                prefix.copy_from_slice(PREFIX);
                base64::engine::general_purpose::STANDARD
                    .encode_slice(&plain, rest)
                    .ok()
                    == Some(encoded)
            }
            None => false,
        };
        plain.zeroize();
        if !complete {
            // Unreachable (the buffer has the encoded length): an empty value, never a panic
            // nor a part of the credentials.
            value.truncate(PREFIX.len());
        }
        Authorization {
            scheme: AuthScheme::Basic,
            // Base64 is ASCII: the fallback is unreachable and keeps this total.
            value: Secret::from_utf8_wiping(value).unwrap_or_else(|| Secret::new("Basic ")),
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The whole header value, secret included.
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// The credentials part of the value, without the scheme: what a server that echoes the
    /// header would repeat.
    pub(crate) fn credentials_part(&self) -> &str {
        let value = self.value.expose();
        value
            .split_once(' ')
            .map_or(value, |(_, credentials)| credentials)
    }

    /// The value as an `http` header value, marked sensitive so that HTTP/2 stacks keep it out
    /// of their compression tables and loggers that honour the flag skip it. The header value
    /// is a copy the caller owns: the crate cannot wipe it.
    #[cfg(feature = "http")]
    pub fn to_header_value(&self) -> http::HeaderValue {
        // Both constructors only admit visible ASCII, which every header value accepts; the
        // fallback keeps this total without a panic path.
        let mut v = http::HeaderValue::from_str(self.value.expose())
            .unwrap_or_else(|_| http::HeaderValue::from_static(""));
        v.set_sensitive(true);
        v
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            AuthScheme::Basic => write!(f, "Basic {REDACTED}"),
            AuthScheme::Bearer => write!(f, "Bearer {REDACTED}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn a_secret_prints_as_the_redaction_marker_and_reads_back_whole() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(s.expose(), "hunter2");
        assert!(!s.is_empty());
        assert!(Secret::new("").is_empty());
    }

    #[test]
    fn basic_is_rfc_7617_base64_of_user_colon_password() {
        let a = Authorization::basic("Aladdin", "open sesame");
        assert_eq!(a.expose(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(format!("{a:?}"), "Basic <redacted>");
    }

    #[test]
    fn bearer_refuses_values_that_could_break_a_header() {
        for bad in ["", "a b", "a\r\nX-Evil: 1", "a\tb", "é", "a\0"] {
            assert!(Authorization::bearer(bad).is_none(), "{bad:?}");
        }
        assert!(Authorization::bearer("abc.DEF-_~+/=").is_some());
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_value_is_marked_sensitive() {
        let v = Authorization::bearer("t").unwrap().to_header_value();
        assert!(v.is_sensitive());
        assert_eq!(v, "Bearer t");
    }
}
