//! The caller's request as the machine reads it: method, URL, scopes.

use core::fmt;

use crate::scope::Scope;

/// An HTTP method: every method of RFC 9110 section 9, and `PATCH` (RFC 5789).
///
/// The list is complete for HTTP, so a driver never has to guess the name to send:
/// [`Method::as_str`] is always the method's own. Extension methods (WebDAV's `PROPFIND`, ...)
/// have no registry use; a request converted from `http` with one fails to start with
/// [`Error::UnsupportedMethod`](crate::Error::UnsupportedMethod).
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
