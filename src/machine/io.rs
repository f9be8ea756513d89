//! What goes into the machine (the caller's request, responses, the time) and what comes out
//! (actions). These are the no_std core's own small types; with the `http` feature they convert
//! from and to the `http` crate's.

use alloc::string::String;
use alloc::sync::Arc;
#[cfg(feature = "http")]
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::error::Error;
use crate::scope::Scope;
use crate::secret::{Authorization, Secret};

/// An HTTP method, as far as authentication cares.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// Any other method; it needs the `pull` action like `GET`.
    Other,
}

impl Method {
    /// The method's name (`OTHER` for [`Method::Other`]).
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }

    /// Parses a method name (case-sensitive, as HTTP methods are).
    pub fn from_name(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the caller's request goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    Url(&'a str),
    Parts {
        scheme: &'a str,
        authority: &'a str,
        path_and_query: &'a str,
    },
}

/// The head of a request the caller wants to send: method, URL, and the scopes it needs beyond
/// what the URL implies. The machine never sees the body.
///
/// ```
/// use registry_auth::{Method, Request, Scope};
///
/// let plain = Request::get("https://registry.example.com/v2/team/app/manifests/1.0");
/// let mount_scopes = [Scope::repository("team/base", ["pull"]).unwrap()];
/// let mount = Request::new(Method::Post, "https://registry.example.com/v2/team/app/blobs/uploads/")
///     .scopes(&mount_scopes);
/// # let _ = (plain, mount);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub(crate) method: Method,
    pub(crate) target: Target<'a>,
    pub(crate) scopes: &'a [Scope],
    pub(crate) caller_authorized: bool,
}

impl<'a> Request<'a> {
    /// A request with this method to this absolute URL.
    pub fn new(method: Method, url: &'a str) -> Self {
        Request {
            method,
            target: Target::Url(url),
            scopes: &[],
            caller_authorized: false,
        }
    }

    /// A request whose URL a stack holds in pieces (as `http::Uri` does): scheme (`https`),
    /// authority (`host[:port]`) and path with query (`/v2/...`).
    pub fn from_parts(
        method: Method,
        scheme: &'a str,
        authority: &'a str,
        path_and_query: &'a str,
    ) -> Self {
        Request {
            method,
            target: Target::Parts {
                scheme,
                authority,
                path_and_query,
            },
            scopes: &[],
            caller_authorized: false,
        }
    }

    /// A `GET` request.
    pub fn get(url: &'a str) -> Self {
        Request::new(Method::Get, url)
    }

    /// A `HEAD` request.
    pub fn head(url: &'a str) -> Self {
        Request::new(Method::Head, url)
    }

    /// Scopes the request needs in addition to those its method and path imply (the machine
    /// derives `pull`, `push`, `delete`, the catalog, and `pull` on a mount's source itself).
    #[must_use]
    pub fn scopes(mut self, scopes: &'a [Scope]) -> Self {
        self.scopes = scopes;
        self
    }

    /// The caller set its own `Authorization` header: the machine adds none and passes every
    /// response through.
    #[must_use]
    pub fn caller_authorized(mut self, yes: bool) -> Self {
        self.caller_authorized = yes;
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }
}

#[derive(Clone, Copy, Debug)]
enum Headers<'a> {
    Pairs(&'a [(&'a str, &'a [u8])]),
    #[cfg(feature = "http")]
    Map(&'a http::HeaderMap),
}

/// The head of a response (status and headers), and optionally its body when the machine
/// needs it: always for its own token requests, and optionally for the caller's 401s so that
/// errors can quote the registry's message.
///
/// ```
/// use registry_auth::Response;
///
/// let r = Response::new(401).headers(&[(
///     "WWW-Authenticate",
///     b"Bearer realm=\"https://auth.example.com/token\"",
/// )]);
/// assert_eq!(r.status(), 401);
/// ```
///
/// `Debug` shows the status, the header names and the body's length: a token endpoint's body
/// is a token.
#[derive(Clone, Copy)]
pub struct Response<'a> {
    pub(crate) status: u16,
    headers: Headers<'a>,
    pub(crate) body: &'a [u8],
}

impl<'a> Response<'a> {
    /// A response with this status, no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Headers::Pairs(&[]),
            body: &[],
        }
    }

    /// The response's headers as name/value pairs (names compared ignoring case).
    #[must_use]
    pub fn headers(mut self, headers: &'a [(&'a str, &'a [u8])]) -> Self {
        self.headers = Headers::Pairs(headers);
        self
    }

    /// The response body (or its first bytes, up to the configured cap).
    #[must_use]
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every value of header `name`, in order.
    pub(crate) fn values(&self, name: &'a str) -> HeaderValues<'a> {
        match self.headers {
            Headers::Pairs(p) => HeaderValues::Pairs { rest: p, name },
            #[cfg(feature = "http")]
            Headers::Map(m) => HeaderValues::Map(m.get_all(name).iter()),
        }
    }

    pub(crate) fn first(&self, name: &'a str) -> Option<&'a [u8]> {
        self.values(name).next()
    }
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'h>(Headers<'h>);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                match self.0 {
                    Headers::Pairs(pairs) => list.entries(pairs.iter().map(|(n, _)| n)),
                    #[cfg(feature = "http")]
                    Headers::Map(map) => list.entries(map.keys()),
                };
                list.finish()
            }
        }
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("header_names", &Names(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Iterator over the values of one header.
pub(crate) enum HeaderValues<'a> {
    Pairs {
        rest: &'a [(&'a str, &'a [u8])],
        name: &'a str,
    },
    #[cfg(feature = "http")]
    Map(http::header::ValueIter<'a, http::HeaderValue>),
}

impl<'a> Iterator for HeaderValues<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            HeaderValues::Pairs { rest, name } => loop {
                let ((n, v), tail) = rest.split_first()?;
                *rest = tail;
                if n.eq_ignore_ascii_case(name) {
                    return Some(v);
                }
            },
            #[cfg(feature = "http")]
            HeaderValues::Map(it) => it.next().map(http::HeaderValue::as_bytes),
        }
    }
}

/// The time, as the caller's monotonic clock tells it. The machine never reads a clock.
///
/// Pass either the time elapsed since any fixed point of your choosing (`Duration`), or, with
/// the `std` feature, a `std::time::Instant`. Use one kind for the life of an
/// [`Authenticator`](crate::Authenticator). Time that goes backwards is read as no time passing.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Now {
    /// Time since a fixed point chosen by the caller.
    Elapsed(Duration),
    /// An instant of the standard library's monotonic clock.
    #[cfg(feature = "std")]
    Instant(std::time::Instant),
}

impl From<Duration> for Now {
    fn from(d: Duration) -> Self {
        Now::Elapsed(d)
    }
}

#[cfg(feature = "std")]
impl From<std::time::Instant> for Now {
    fn from(i: std::time::Instant) -> Self {
        Now::Instant(i)
    }
}

/// A handle on one request's authentication flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// What the driver must do next for a flow. See the crate documentation for the loop.
#[must_use]
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum Action {
    /// Send the caller's request with this `Authorization` (or none), then report the response
    /// with [`Authenticator::handle_response`](crate::Authenticator::handle_response).
    Send(SendRequest),
    /// Send this request of the machine's own (a token request), then report the response and
    /// its body with [`Authenticator::handle_fetch_response`](crate::Authenticator::handle_fetch_response).
    Fetch(TokenRequest),
    /// Another flow is fetching the token this one needs: poll again after any other flow's
    /// input (or on any schedule: polling is cheap). A caller that runs one flow at a time
    /// sees `Wait` only if it left an earlier flow's token request unanswered.
    ///
    /// A wait always ends: when the other flow's fetch is answered, fails or is cancelled,
    /// and at the latest when the fetch goes unanswered past
    /// [`Config::fetch_timeout`](crate::Config::fetch_timeout) (the other flow's caller may
    /// have given up without telling the machine). The machine learns the time from inputs;
    /// with nothing else to report, call
    /// [`Authenticator::handle_timeout`](crate::Authenticator::handle_timeout) at
    /// [`Authenticator::poll_timeout`](crate::Authenticator::poll_timeout), then poll.
    Wait,
    /// The last response to the caller's request is its answer. The flow is over.
    Done,
    /// The flow failed. The flow is over.
    Failed(Error),
}

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
    /// ([`Request::caller_authorized`]). False once a redirect leaves the request's origin: the
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
        let method = match self.method {
            Method::Post => http::Method::POST,
            _ => http::Method::GET,
        };
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

#[cfg(feature = "http")]
mod http_conv {
    use super::*;

    impl<'a> From<&'a http::request::Parts> for Request<'a> {
        /// The request head of an `http` request. A caller-set `Authorization` header makes the
        /// machine stand aside ([`Request::caller_authorized`]).
        fn from(p: &'a http::request::Parts) -> Self {
            from_http(&p.method, &p.uri, &p.headers)
        }
    }

    impl<'a, B> From<&'a http::Request<B>> for Request<'a> {
        fn from(r: &'a http::Request<B>) -> Self {
            from_http(r.method(), r.uri(), r.headers())
        }
    }

    fn from_http<'a>(
        method: &http::Method,
        uri: &'a http::Uri,
        headers: &http::HeaderMap,
    ) -> Request<'a> {
        Request {
            method: Method::from_name(method.as_str()),
            target: Target::Parts {
                scheme: uri.scheme_str().unwrap_or(""),
                authority: uri.authority().map_or("", http::uri::Authority::as_str),
                path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
            },
            scopes: &[],
            caller_authorized: headers.contains_key(http::header::AUTHORIZATION),
        }
    }

    impl<'a> From<&'a http::response::Parts> for Response<'a> {
        fn from(p: &'a http::response::Parts) -> Self {
            Response {
                status: p.status.as_u16(),
                headers: Headers::Map(&p.headers),
                body: &[],
            }
        }
    }

    impl<'a, B> From<&'a http::Response<B>> for Response<'a> {
        /// Status and headers; add the body with [`Response::body`] when the machine needs it.
        fn from(r: &'a http::Response<B>) -> Self {
            Response {
                status: r.status().as_u16(),
                headers: Headers::Map(r.headers()),
                body: &[],
            }
        }
    }

    impl From<&http::Method> for Method {
        fn from(m: &http::Method) -> Self {
            Method::from_name(m.as_str())
        }
    }
}
