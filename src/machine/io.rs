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

/// An HTTP method: every method of RFC 9110 section 9, and `PATCH` (RFC 5789).
///
/// The list is complete for HTTP, so a driver never has to guess the name to send:
/// [`Method::as_str`] is always the method's own. Extension methods (WebDAV's `PROPFIND`, ...)
/// have no registry use; a request converted from `http` with one fails to start with
/// [`Error::UnsupportedMethod`].
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
    /// `OPTIONS`; it needs the `pull` action like `GET`.
    Options,
    /// `TRACE`; it needs the `pull` action like `GET`.
    Trace,
    /// `CONNECT`; it needs the `pull` action like `GET`.
    Connect,
}

impl Method {
    /// Every method, in the order of the enum.
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
        Method::Trace,
        Method::Connect,
    ];

    /// The method's name, as it goes on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Connect => "CONNECT",
        }
    }

    /// Parses a method name (case-sensitive, as HTTP methods are); `None` for an extension
    /// method.
    ///
    /// ```
    /// use registry_auth::Method;
    /// assert_eq!(Method::from_name("PATCH"), Some(Method::Patch));
    /// assert_eq!(Method::from_name("get"), None);
    /// assert!(Method::ALL.iter().all(|m| Method::from_name(m.as_str()) == Some(*m)));
    /// ```
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
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
/// use registry_auth::{Request, Scope};
///
/// let plain = Request::get("https://registry.example.com/v2/team/app/manifests/1.0");
/// let mount_scopes = [Scope::repository("team/base", ["pull"]).unwrap()];
/// let mount = Request::post("https://registry.example.com/v2/team/app/blobs/uploads/")
///     .scopes(&mount_scopes);
/// # let _ = (plain, mount);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The method, or the name of an extension method (which cannot start a flow).
    pub(crate) method: Result<Method, &'a str>,
    pub(crate) target: Target<'a>,
    pub(crate) scopes: &'a [Scope],
    pub(crate) caller_authorized: bool,
}

impl<'a> Request<'a> {
    /// A request with this method to this absolute URL.
    pub fn new(method: Method, url: &'a str) -> Self {
        Request {
            method: Ok(method),
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
            method: Ok(method),
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

    /// A `POST` request (a blob upload or mount): it needs `pull,push`.
    pub fn post(url: &'a str) -> Self {
        Request::new(Method::Post, url)
    }

    /// A `PUT` request (a manifest, the end of a blob upload): it needs `pull,push`.
    pub fn put(url: &'a str) -> Self {
        Request::new(Method::Put, url)
    }

    /// A `PATCH` request (a chunk of a blob upload): it needs `pull,push`.
    pub fn patch(url: &'a str) -> Self {
        Request::new(Method::Patch, url)
    }

    /// A `DELETE` request: it needs `delete`.
    pub fn delete(url: &'a str) -> Self {
        Request::new(Method::Delete, url)
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

    /// The method; `None` for an `http` request with an extension method, which
    /// [`Authenticator::start`](crate::Authenticator::start) refuses.
    pub fn method(&self) -> Option<Method> {
        self.method.ok()
    }
}

/// One response header as a name and a value: `(&str, &[u8])` and `(&str, &str)` pairs (also
/// behind a reference, as a slice of them yields), `&(String, Vec<u8>)`, `(&HeaderName,
/// &HeaderValue)` as an `http::HeaderMap` yields, or a type of your own.
///
/// Implemented for `(&N, &V)` and `&(N, V)` where `N: AsRef<str>` and `V: AsRef<[u8]>`.
pub trait HeaderPair<'a> {
    /// The name (compared ignoring ASCII case) and the value.
    fn name_value(self) -> (&'a str, &'a [u8]);
}

impl<'a, N, V> HeaderPair<'a> for (&'a N, &'a V)
where
    N: AsRef<str> + ?Sized,
    V: AsRef<[u8]> + ?Sized,
{
    fn name_value(self) -> (&'a str, &'a [u8]) {
        (self.0.as_ref(), self.1.as_ref())
    }
}

impl<'a, N, V> HeaderPair<'a> for &'a (N, V)
where
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    fn name_value(self) -> (&'a str, &'a [u8]) {
        (self.0.as_ref(), self.1.as_ref())
    }
}

/// The headers of a [`Response`]: anything that can be iterated more than once (it is cloned
/// for each look-up, so pass a reference to a collection, or a cheap iterator) and yields
/// [`HeaderPair`]s. Nothing is copied: `&[(&str, &[u8])]`, `&Vec<(String, Vec<u8>)>`,
/// `&http::HeaderMap`, or an iterator such as
/// `parsed.headers.iter().map(|h| (h.name, h.value))` over httparse's headers.
///
/// Implemented for every such type; there is nothing to implement.
pub trait HeaderList<'a>: IntoIterator<Item: HeaderPair<'a>> + Clone {}

impl<'a, H> HeaderList<'a> for H
where
    H: IntoIterator + Clone,
    H::Item: HeaderPair<'a>,
{
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
///
/// // Owned headers, as a hand-written stack keeps them: borrowed, not copied.
/// let owned: Vec<(String, Vec<u8>)> = vec![("Location".into(), b"/v2/".to_vec())];
/// let r = Response::new(307).headers(&owned);
/// # let _ = r;
/// ```
///
/// `Debug` shows the status, the header names and the body's length: a token endpoint's body
/// is a token.
#[derive(Clone, Copy)]
pub struct Response<'a, H = &'a [(&'a str, &'a [u8])]> {
    pub(crate) status: u16,
    headers: H,
    pub(crate) body: &'a [u8],
}

impl<'a> Response<'a> {
    /// A response with this status, no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: &[],
            body: &[],
        }
    }
}

impl<'a, H: HeaderList<'a>> Response<'a, H> {
    /// The response's headers (see [`HeaderList`] for what is accepted).
    #[must_use]
    pub fn headers<L: HeaderList<'a>>(self, headers: L) -> Response<'a, L> {
        Response {
            status: self.status,
            headers,
            body: self.body,
        }
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

    /// Every value of header `name` (compared ignoring ASCII case), in order.
    ///
    /// ```
    /// use registry_auth::Response;
    ///
    /// let headers = [("WWW-Authenticate", "Basic realm=a"), ("www-authenticate", "Bearer realm=b")];
    /// let r = Response::new(401).headers(&headers);
    /// assert_eq!(r.values("WWW-Authenticate").count(), 2);
    /// ```
    pub fn values<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + 'n
    where
        H: 'n,
        'a: 'n,
    {
        self.headers
            .clone()
            .into_iter()
            .map(HeaderPair::name_value)
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The view the machine reads, its headers behind one reference whatever their type.
    pub(crate) fn view(&self) -> ResponseView<'_, 'a> {
        ResponseView {
            status: self.status,
            headers: &self.headers,
            body: self.body,
        }
    }
}

impl<'a, H: HeaderList<'a>> fmt::Debug for Response<'a, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<H>(H);
        impl<'a, H: HeaderList<'a>> fmt::Debug for Names<H> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.clone().into_iter().map(|p| p.name_value().0))
                    .finish()
            }
        }
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("header_names", &Names(self.headers.clone()))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Header look-up behind a reference: what lets the machine read a [`Response`] of any
/// [`HeaderList`] without being generic over it.
pub(crate) trait HeaderLookup<'a> {
    /// The first header named `name` at or after position `from`: its position and value.
    fn find(&self, name: &str, from: usize) -> Option<(usize, &'a [u8])>;
}

impl<'a, H: HeaderList<'a>> HeaderLookup<'a> for H {
    fn find(&self, name: &str, from: usize) -> Option<(usize, &'a [u8])> {
        self.clone()
            .into_iter()
            .enumerate()
            .skip(from)
            .map(|(i, p)| (i, p.name_value()))
            .find(|(_, (n, _))| n.eq_ignore_ascii_case(name))
            .map(|(i, (_, v))| (i, v))
    }
}

/// A [`Response`] as the machine reads it: `'r` is the borrow of the response, `'a` the
/// borrow of what its headers and body point into.
#[derive(Clone, Copy)]
pub(crate) struct ResponseView<'r, 'a> {
    pub(crate) status: u16,
    headers: &'r (dyn HeaderLookup<'a> + 'r),
    pub(crate) body: &'a [u8],
}

impl<'r, 'a> ResponseView<'r, 'a> {
    /// Every value of header `name`, in order.
    pub(crate) fn values<'n>(&self, name: &'n str) -> HeaderValues<'r, 'a, 'n> {
        HeaderValues {
            headers: self.headers,
            name,
            next: 0,
        }
    }

    pub(crate) fn first(&self, name: &str) -> Option<&'a [u8]> {
        self.headers.find(name, 0).map(|(_, v)| v)
    }
}

/// Iterator over the values of one header.
pub(crate) struct HeaderValues<'r, 'a, 'n> {
    headers: &'r (dyn HeaderLookup<'a> + 'r),
    name: &'n str,
    next: usize,
}

impl<'a> Iterator for HeaderValues<'_, 'a, '_> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (at, value) = self.headers.find(self.name, self.next)?;
        self.next = at.saturating_add(1);
        Some(value)
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

impl Now {
    /// How long from `self` to `later`: zero when `later` is not later, or is of the other
    /// kind (an `Instant` and a `Duration` cannot be compared). What a driver sleeps before
    /// [`Authenticator::handle_timeout`](crate::Authenticator::handle_timeout):
    /// `now.duration_until(auth.poll_timeout()?)`.
    ///
    /// ```
    /// use core::time::Duration;
    /// use registry_auth::Now;
    ///
    /// let (a, b) = (Now::from(Duration::from_secs(1)), Now::from(Duration::from_secs(4)));
    /// assert_eq!(a.duration_until(b), Duration::from_secs(3));
    /// assert_eq!(b.duration_until(a), Duration::ZERO);
    /// ```
    pub fn duration_until(&self, later: Now) -> Duration {
        match (*self, later) {
            (Now::Elapsed(a), Now::Elapsed(b)) => b.saturating_sub(a),
            #[cfg(feature = "std")]
            (Now::Instant(a), Now::Instant(b)) => b.saturating_duration_since(a),
            #[cfg(feature = "std")]
            _ => Duration::ZERO,
        }
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
    /// Fetch a token: send this request of the machine's own to the token endpoint, then
    /// report the response and its body with
    /// [`Authenticator::handle_token_response`](crate::Authenticator::handle_token_response).
    FetchToken(TokenRequest),
    /// Another flow is fetching the token this one needs: poll this flow again when that
    /// fetch ends. The flow is reported once by
    /// [`Authenticator::poll_woken`](crate::Authenticator::poll_woken) then, and the waker
    /// given to [`Authenticator::set_waker`](crate::Authenticator::set_waker), if any, is
    /// woken. Polling early is harmless: it answers `Wait` again.
    ///
    /// Only flows that run at the same time wait for each other. **A caller that runs one
    /// flow at a time never sees `Wait`**, unless it abandoned an earlier flow that had a
    /// token request out (dropped it without answering it or calling
    /// [`Authenticator::cancel`](crate::Authenticator::cancel)).
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

#[cfg(feature = "http")]
mod http_conv {
    use super::*;
    use alloc::string::ToString;

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
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &http::HeaderMap,
    ) -> Request<'a> {
        let name = method.as_str();
        Request {
            method: Method::from_name(name).ok_or(name),
            target: Target::Parts {
                scheme: uri.scheme_str().unwrap_or(""),
                authority: uri.authority().map_or("", http::uri::Authority::as_str),
                path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
            },
            scopes: &[],
            caller_authorized: headers.contains_key(http::header::AUTHORIZATION),
        }
    }

    impl<'a> From<&'a http::response::Parts> for Response<'a, &'a http::HeaderMap> {
        /// Status and headers; add the body with [`Response::body`] when the machine needs it.
        fn from(p: &'a http::response::Parts) -> Self {
            Response {
                status: p.status.as_u16(),
                headers: &p.headers,
                body: &[],
            }
        }
    }

    impl<'a, B> From<&'a http::Response<B>> for Response<'a, &'a http::HeaderMap> {
        /// Status and headers; add the body with [`Response::body`] when the machine needs it.
        fn from(r: &'a http::Response<B>) -> Self {
            Response {
                status: r.status().as_u16(),
                headers: r.headers(),
                body: &[],
            }
        }
    }

    impl TryFrom<&http::Method> for Method {
        type Error = Error;

        /// The method; [`Error::UnsupportedMethod`] for an extension method.
        fn try_from(m: &http::Method) -> Result<Self, Error> {
            Method::from_name(m.as_str()).ok_or_else(|| Error::UnsupportedMethod {
                method: m.as_str().to_string(),
            })
        }
    }

    impl From<Method> for http::Method {
        fn from(m: Method) -> Self {
            match m {
                Method::Get => http::Method::GET,
                Method::Head => http::Method::HEAD,
                Method::Post => http::Method::POST,
                Method::Put => http::Method::PUT,
                Method::Patch => http::Method::PATCH,
                Method::Delete => http::Method::DELETE,
                Method::Options => http::Method::OPTIONS,
                Method::Trace => http::Method::TRACE,
                Method::Connect => http::Method::CONNECT,
            }
        }
    }
}
