//! Conversions from and to the `http` crate's request and response types.

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
