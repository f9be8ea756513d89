//! One HTTP exchange as the drive helpers hand it to a transport, and the response it gives
//! back.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::machine::{HeaderList, Method, Response, SendRequest, TokenRequest};
use crate::secret::Authorization;

/// How much of the body of a 401 or 403 answer to the caller's request the helpers want: the
/// registry's error message is in it (`{"errors":[...]}`), and this is plenty for one.
pub const ERROR_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, Copy)]
enum Kind<'a> {
    Send(&'a SendRequest),
    Token {
        request: &'a TokenRequest,
        read_limit: usize,
    },
}

/// One HTTP request for the transport to send, and how much of its answer to read: the
/// caller's own request ([`Action::Send`](crate::Action::Send)) or a token request of the
/// machine ([`Action::FetchToken`](crate::Action::FetchToken)).
///
/// A transport sends [`method`](Self::method) to [`url`](Self::url) with the
/// [`headers`](Self::headers) given here set, and:
/// - for the caller's request, its own other headers and **its body, on every send** (a
///   send after a 401 or a redirect sends the same request again); its own `Authorization`
///   header only when [`keep_caller_authorization`](Self::keep_caller_authorization) says so;
/// - for a token request, [`body`](Self::body) (an OAuth2 form) and nothing of the caller's.
///
/// It follows no redirect itself, and reads at most [`read_limit`](Self::read_limit) bytes
/// of the body when that says the machine needs it.
///
/// `Debug` shows the method, the URL and the scheme of `Authorization`, never its value.
#[derive(Clone, Copy)]
pub struct Exchange<'a> {
    kind: Kind<'a>,
}

impl<'a> Exchange<'a> {
    /// The caller's request, as `send` says to send it.
    pub fn send(send: &'a SendRequest) -> Self {
        Exchange {
            kind: Kind::Send(send),
        }
    }

    /// A token request; `read_limit` is how many bytes of its answer to read
    /// ([`TokenLimits::read_limit`](crate::token::TokenLimits::read_limit)).
    pub fn token(request: &'a TokenRequest, read_limit: usize) -> Self {
        Exchange {
            kind: Kind::Token {
                request,
                read_limit,
            },
        }
    }

    /// Whether this is a token request of the machine's (else the caller's own request).
    pub fn is_token_request(&self) -> bool {
        matches!(self.kind, Kind::Token { .. })
    }

    /// The caller's request as the machine wants it sent, when this is one.
    pub fn send_request(&self) -> Option<&'a SendRequest> {
        match self.kind {
            Kind::Send(s) => Some(s),
            Kind::Token { .. } => None,
        }
    }

    /// The token request, when this is one.
    pub fn token_request(&self) -> Option<&'a TokenRequest> {
        match self.kind {
            Kind::Token { request, .. } => Some(request),
            Kind::Send(_) => None,
        }
    }

    /// The method to send (for the caller's request, its own, or `GET` after a `303`).
    pub fn method(&self) -> Method {
        match self.kind {
            Kind::Send(s) => s.method(),
            Kind::Token { request, .. } => request.method(),
        }
    }

    /// The absolute URL to send to (a redirect may have changed the caller's).
    pub fn url(&self) -> &'a str {
        match self.kind {
            Kind::Send(s) => s.url(),
            Kind::Token { request, .. } => request.url(),
        }
    }

    /// The `Authorization` the machine sets, if any. When `None`, the request goes without
    /// one, unless [`keep_caller_authorization`](Self::keep_caller_authorization).
    pub fn authorization(&self) -> Option<&'a Authorization> {
        match self.kind {
            Kind::Send(s) => s.authorization(),
            Kind::Token { request, .. } => request.authorization(),
        }
    }

    /// Whether to send the caller's own `Authorization` header (a request started with
    /// [`Request::caller_authorized`](crate::Request::caller_authorized), still on its
    /// origin). Always `false` for a token request.
    pub fn keep_caller_authorization(&self) -> bool {
        match self.kind {
            Kind::Send(s) => s.keep_caller_authorization(),
            Kind::Token { .. } => false,
        }
    }

    /// The headers the machine sets, as names and values: `Authorization` when it sets one,
    /// and `Content-Type` for a token `POST`. The values are secrets: send them, never log
    /// them.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'a str)> {
        let content_type = self
            .token_request()
            .and_then(TokenRequest::content_type)
            .map(|ct| ("Content-Type", ct));
        self.authorization()
            .map(|a| ("Authorization", a.expose()))
            .into_iter()
            .chain(content_type)
    }

    /// The body of a token `POST` (a form holding a password or refresh token). `None` for
    /// the caller's request: send the caller's own body.
    pub fn body(&self) -> Option<&'a [u8]> {
        self.token_request().and_then(TokenRequest::body)
    }

    /// How much of the answer's body the machine needs, given its status: `Some(n)`, read at
    /// most `n` bytes and put them in the response; `None`, the machine does not look at the
    /// body, which is the caller's (stream it, read it whole, or drop it; it is the answer
    /// when the flow ends with this response).
    ///
    /// A token request's body is always needed, up to its limit; a 401 or 403 to the
    /// caller's request up to [`ERROR_BODY_LIMIT`], for the registry's message.
    pub fn read_limit(&self, status: u16) -> Option<usize> {
        match self.kind {
            Kind::Token { read_limit, .. } => Some(read_limit),
            Kind::Send(_) if matches!(status, 401 | 403) => Some(ERROR_BODY_LIMIT),
            Kind::Send(_) => None,
        }
    }

    /// Sets the machine's headers on an `http` header map: `Authorization` marked sensitive,
    /// or removed (the caller's own kept only when
    /// [`keep_caller_authorization`](Self::keep_caller_authorization)); `Content-Type` for a
    /// token `POST`.
    #[cfg(feature = "http")]
    pub fn apply_to(&self, headers: &mut http::HeaderMap) {
        match self.kind {
            Kind::Send(s) => s.apply_to(headers),
            Kind::Token { request, .. } => {
                headers.remove(http::header::AUTHORIZATION);
                if let Some(a) = request.authorization() {
                    headers.insert(http::header::AUTHORIZATION, a.to_header_value());
                }
                if let Some(ct) = request.content_type() {
                    headers.insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static(ct),
                    );
                }
            }
        }
    }
}

impl fmt::Debug for Exchange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("token_request", &self.is_token_request())
            .field("method", &self.method())
            .field("url", &self.url())
            .field("authorization", &self.authorization().map(|a| a.scheme()))
            .finish_non_exhaustive()
    }
}

/// A transport's response as the machine reads it. Implemented for [`OwnedResponse`] and,
/// with the `http` feature, `http::Response<B>` for any body `B: AsRef<[u8]>` (`Vec<u8>`,
/// `Bytes`, `String`); a response type of your own implements it in three lines:
///
/// ```
/// use registry_auth::drive::AsResponse;
/// use registry_auth::{HeaderList, Response};
///
/// struct Reply { status: u16, headers: Vec<(String, String)>, body: Vec<u8> }
///
/// impl AsResponse for Reply {
///     fn as_response(&self) -> Response<'_, impl HeaderList<'_>> {
///         Response::new(self.status).headers(&self.headers).body(&self.body)
///     }
/// }
/// ```
pub trait AsResponse {
    /// Status, headers and the body bytes read (what [`Exchange::read_limit`] asked for; any
    /// or none otherwise), borrowed.
    fn as_response(&self) -> Response<'_, impl HeaderList<'_>>;
}

/// A response read whole into owned buffers, as a hand-written HTTP stack has it.
///
/// `Debug` shows the status, the header names and the body's length (a token endpoint's body
/// is a token).
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OwnedResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order, as names and values.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, or as much of it as was read.
    pub body: Vec<u8>,
}

impl OwnedResponse {
    /// A response with this status, headers and body.
    pub fn new(status: u16, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) -> Self {
        OwnedResponse {
            status,
            headers,
            body,
        }
    }

    /// The first value of header `name` (compared ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

impl fmt::Debug for OwnedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedResponse")
            .field("status", &self.status)
            .field(
                "header_names",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl AsResponse for OwnedResponse {
    fn as_response(&self) -> Response<'_, impl HeaderList<'_>> {
        Response::new(self.status)
            .headers(&self.headers)
            .body(&self.body)
    }
}

#[cfg(feature = "http")]
impl<B: AsRef<[u8]>> AsResponse for http::Response<B> {
    fn as_response(&self) -> Response<'_, impl HeaderList<'_>> {
        Response::from(self).body(self.body().as_ref())
    }
}
