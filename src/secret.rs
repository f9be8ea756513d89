//! Values that must never be printed: passwords, tokens, `Authorization` header values.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

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
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
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
    value: Arc<str>,
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
            value: Arc::from(value),
        })
    }

    /// `Basic base64(username:password)` (RFC 7617, UTF-8).
    pub fn basic(username: &str, password: &str) -> Self {
        use base64::Engine as _;
        let mut plain = String::with_capacity(username.len() + 1 + password.len());
        plain.push_str(username);
        plain.push(':');
        plain.push_str(password);
        let mut value = String::from("Basic ");
        base64::engine::general_purpose::STANDARD.encode_string(plain.as_bytes(), &mut value);
        Authorization {
            scheme: AuthScheme::Basic,
            value: Arc::from(value),
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The whole header value, secret included.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The credentials part of the value, without the scheme: what a server that echoes the
    /// header would repeat.
    pub(crate) fn credentials_part(&self) -> &str {
        self.value
            .split_once(' ')
            .map_or(&*self.value, |(_, credentials)| credentials)
    }

    /// The value as an `http` header value, marked sensitive so that HTTP/2 stacks keep it out
    /// of their compression tables and loggers that honour the flag skip it.
    #[cfg(feature = "http")]
    pub fn to_header_value(&self) -> http::HeaderValue {
        // Both constructors only admit visible ASCII, which every header value accepts; the
        // fallback keeps this total without a panic path.
        let mut v = http::HeaderValue::from_str(&self.value)
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
