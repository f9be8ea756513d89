//! A response as the machine reads it: status, headers from any collection, body.

use core::fmt;

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
    pub(super) headers: H,
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
