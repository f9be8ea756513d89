//! What the machine asks the caller to send: its request with an `Authorization`, or a
//! token request of the machine's own.

use alloc::string::String;
use alloc::sync::Arc;
#[cfg(feature = "http")]
use alloc::vec::Vec;
use core::fmt;

use super::Method;
use crate::secret::{Authorization, Secret};

/// The caller's request, as the machine wants it sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRequest {
    pub(crate) method: Method,
    /// Shared with the flow, whose buffer it is: the next flow in the slot reuses it once this
    /// is dropped, so a request with a cached token allocates nothing.
    pub(crate) url: Arc<String>,
    pub(crate) redirected: bool,
    pub(crate) authorization: Option<Authorization>,
    pub(crate) keep_caller_authorization: bool,
}

impl SendRequest {
    /// The `Authorization` value to set; `None` means send no `Authorization` header at all
    /// (remove one the request may carry from an earlier attempt), unless
    /// [`SendRequest::keep_caller_authorization`] says to keep the caller's own.
    pub fn authorization(&self) -> Option<&Authorization> {
        self.authorization.as_ref()
    }

    /// Whether to send the `Authorization` header the caller set itself
    /// ([`Request::caller_authorized`](crate::Request::caller_authorized)). False once a redirect leaves the request's origin: the
    /// caller's credential must not follow it there either.
    pub fn keep_caller_authorization(&self) -> bool {
        self.keep_caller_authorization
    }

    /// The URL to send to: the request's own (normalised: default port and fragment left
    /// out), or where a redirect pointed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether a redirect changed the URL from the request's own.
    pub fn is_redirected(&self) -> bool {
        self.redirected
    }

    /// The method to use: the request's own, or `GET` after a `303 See Other`.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Sets (or removes) `Authorization` on an `http` header map, marked sensitive; leaves the
    /// caller's own in place when [`SendRequest::keep_caller_authorization`] says so.
    #[cfg(feature = "http")]
    pub fn apply_to(&self, headers: &mut http::HeaderMap) {
        if self.keep_caller_authorization {
            return;
        }
        match &self.authorization {
            Some(a) => {
                headers.insert(http::header::AUTHORIZATION, a.to_header_value());
            }
            None => {
                headers.remove(http::header::AUTHORIZATION);
            }
        }
    }
}

/// A form body that may carry a password or a refresh token; `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Form(pub(crate) Secret);

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted form>")
    }
}

/// A request of the machine's own: a token request to a realm (`GET` with query parameters,
/// or an OAuth2 `POST` form).
///
/// `Debug` redacts the `Authorization` value and the form body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) authorization: Option<Authorization>,
    pub(crate) form: Option<Form>,
}

impl TokenRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `Authorization` header to send, if any.
    pub fn authorization(&self) -> Option<&Authorization> {
        self.authorization.as_ref()
    }

    /// `application/x-www-form-urlencoded` for a `POST`.
    pub fn content_type(&self) -> Option<&'static str> {
        self.form
            .as_ref()
            .map(|_| "application/x-www-form-urlencoded")
    }

    /// The body of a `POST` (it holds a password or refresh token: send it, never log it).
    pub fn body(&self) -> Option<&[u8]> {
        self.form.as_ref().map(|f| f.0.expose().as_bytes())
    }

    /// The request as an `http::Request`, `Authorization` marked sensitive.
    ///
    /// # Errors
    /// When the URL is not one `http` accepts (the machine only builds URLs from realms it
    /// validated, so this does not happen in practice).
    #[cfg(feature = "http")]
    pub fn to_http(&self) -> Result<http::Request<Vec<u8>>, http::Error> {
        let method = http::Method::from(self.method);
        let mut b = http::Request::builder().method(method).uri(&self.url);
        if let Some(a) = &self.authorization {
            b = b.header(http::header::AUTHORIZATION, a.to_header_value());
        }
        if let Some(ct) = self.content_type() {
            b = b.header(http::header::CONTENT_TYPE, ct);
        }
        b.body(self.body().map(<[u8]>::to_vec).unwrap_or_default())
    }
}
