//! Where a URL points: its origin (scheme, host, port), compared the way invariants 3 and 4
//! need, with hosts read as URL parsers read them, and `Location` values resolved against the
//! request they answer.
//!
//! The machine holds only absolute `http`/`https` URLs without user information (anything else
//! is refused), which is all a registry client sends. What is domain logic stays here: splitting
//! a URL into its origin and route, comparing origins after normalisation, reading numeric IPv4
//! hosts the WHATWG way (`0x7f.1` is 127.0.0.1, so a spelling cannot hide an address from the
//! realm policy). Which hosts are internal is [`internal_host`](crate::internal_host)'s job.
//!
//! # Libraries for the generic parts
//! Chosen for a `no_std` + `alloc` core with MSRV 1.81, measured with `cargo tree` and clean
//! builds (2 cores) before adoption:
//!
//! - **`iri-string`** 0.7 (`default-features = false`, `alloc` and `memchr`) resolves a
//!   `Location` per RFC 3986 section 5 ([`resolve`]). MSRV 1.60; its only dependency is
//!   `memchr`, which the crate already has; about 1.8 s of clean build; MIT OR Apache-2.0 like
//!   this crate.
//! - **`fluent-uri`** 0.4 was the other RFC 3986 resolver considered and is not used: `no_std`
//!   and MSRV 1.68 fit, but it depends on `ref-cast`, whose derive macro brings `syn`, `quote`
//!   and `proc-macro2` into a core that has no proc macro today (about 4.1 s of clean build,
//!   against 6.3 s for this whole crate without default features).
//! - **`url`** 2.5 (WHATWG) is not used: without default features it still builds `idna` and
//!   the ICU4X normaliser (about 8 s clean, some 30 crates) to read host names this crate
//!   refuses anyway (only ASCII letters, digits, `-`, `.`, `_`).
//! - Percent-encoding and query parameters live in [`query`](crate::query), over
//!   `percent-encoding` and `form_urlencoded`.

use alloc::string::String;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use iri_string::types::{UriAbsoluteStr, UriReferenceStr};

use crate::internal_host;

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Why a URL was refused.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// Not an absolute URL (`scheme://host...`).
    NotAbsolute,
    /// A scheme other than `http` or `https`.
    UnsupportedScheme,
    /// User information (`user:password@`) in the URL: credentials never travel in URLs.
    UserInfo,
    /// An empty or malformed host.
    InvalidHost,
    /// A port that is not a number below 65536.
    InvalidPort,
    /// Spaces, control characters, or characters a URI may not hold unencoded.
    InvalidCharacter,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::NotAbsolute => "not an absolute url",
            UrlError::UnsupportedScheme => "scheme is not http or https",
            UrlError::UserInfo => "url carries user information",
            UrlError::InvalidHost => "invalid host",
            UrlError::InvalidPort => "invalid port",
            UrlError::InvalidCharacter => "url holds characters a uri may not carry unencoded",
        })
    }
}

/// The host part of an origin, normalised: names lower-cased, IPv4 in dotted form, IPv6 without
/// brackets in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Host {
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Host {
    /// Whether no public realm lives on this host: loopback, private, link-local and the other
    /// special-purpose addresses (an IPv4 address carried in IPv6 judged as that address), and
    /// the names reserved for loopback. See [`internal_host`] for the list and its sources.
    pub(crate) fn is_internal(&self) -> bool {
        match self {
            Host::Name(n) => internal_host::is_loopback_name(n),
            Host::V4(a) => internal_host::is_internal_v4(*a),
            Host::V6(a) => internal_host::is_internal_v6(*a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// Scheme, host and port: what decides where a token or a credential may go.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    pub(crate) host: Host,
    pub(crate) port: u16,
}

impl Origin {
    /// `host[:port]` with the default port left out: how registries are named in
    /// credentials and configuration.
    pub(crate) fn registry_name(&self) -> String {
        if self.port == self.scheme.default_port() {
            alloc::format!("{}", self.host)
        } else {
            alloc::format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// An absolute URL split into its parts, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub(crate) scheme: Scheme,
    /// The host as written (brackets kept for IPv6).
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    /// Path and query, `/` when empty; the fragment is dropped.
    pub(crate) path_and_query: &'a str,
}

impl<'a> UrlParts<'a> {
    /// Splits an absolute `http`/`https` URL.
    pub(crate) fn parse(url: &'a str) -> Result<Self, UrlError> {
        let colon = url.find(':').ok_or(UrlError::NotAbsolute)?;
        let (scheme, rest) = (
            url.get(..colon).ok_or(UrlError::NotAbsolute)?,
            url.get(colon + 1..)
                .and_then(|r| r.strip_prefix("//"))
                .ok_or(UrlError::NotAbsolute)?,
        );
        let scheme = parse_scheme(scheme)?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end).ok_or(UrlError::NotAbsolute)?;
        Self::from_pieces(scheme, authority, tail)
    }

    /// Builds the parts from a scheme, an authority and a path with query, as an `http::Uri`
    /// holds them.
    pub(crate) fn from_pieces(
        scheme: Scheme,
        authority: &'a str,
        path_and_query: &'a str,
    ) -> Result<Self, UrlError> {
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let bad = |b: &u8| b.is_ascii_control() || *b == b' ';
        if authority.as_bytes().iter().any(bad) || !path_and_query.bytes().all(is_uri_char) {
            return Err(UrlError::InvalidCharacter);
        }
        let (host, port) = split_port(authority)?;
        let port = port.unwrap_or(scheme.default_port());
        if host.is_empty() {
            return Err(UrlError::InvalidHost);
        }
        // Validate now so that later comparisons cannot fail.
        check_host(host)?;
        let path_and_query = path_and_query
            .split_once('#')
            .map_or(path_and_query, |(p, _)| p);
        let path_and_query = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        Ok(UrlParts {
            scheme,
            host,
            port,
            path_and_query,
        })
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin {
            scheme: self.scheme,
            // Validated in `from_pieces`.
            host: parse_host(self.host).unwrap_or(Host::Name(String::new())),
            port: self.port,
        }
    }

    /// Writes the origin's canonical key, `scheme://host:port` with the host lower-cased and an
    /// IP literal in canonical form, into `out` (cleared first): two URLs of one origin write
    /// the same key, without allocating once `out` has grown.
    pub(crate) fn write_origin_key(&self, out: &mut String) {
        use core::fmt::Write as _;
        out.clear();
        out.push_str(self.scheme.as_str());
        out.push_str("://");
        let _ = match check_host(self.host) {
            Ok(HostKind::V4(a)) => write!(out, "{a}"),
            Ok(HostKind::V6(a)) => write!(out, "[{a}]"),
            Ok(HostKind::Name) | Err(_) => {
                out.extend(self.host.chars().map(|c| c.to_ascii_lowercase()));
                Ok(())
            }
        };
        let _ = write!(out, ":{}", self.port);
    }

    /// Writes `scheme://host[:port]path?query` into `out` (cleared first).
    pub(crate) fn write_to(&self, out: &mut String) {
        out.clear();
        out.push_str(self.scheme.as_str());
        out.push_str("://");
        out.push_str(self.host);
        if self.port != self.scheme.default_port() {
            use core::fmt::Write as _;
            let _ = write!(out, ":{}", self.port);
        }
        out.push_str(self.path_and_query);
    }
}

/// The characters RFC 3986 allows in a path and query (percent-encoded bytes stand for the rest).
/// Realms and `Location`s come from the peer; refusing anything else keeps every URL the machine
/// emits acceptable to HTTP stacks (`http::Uri` rejects `{`, `|`, `<` and non-ASCII bytes).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

pub(crate) fn parse_scheme(s: &str) -> Result<Scheme, UrlError> {
    if s.eq_ignore_ascii_case("https") {
        Ok(Scheme::Https)
    } else if s.eq_ignore_ascii_case("http") {
        Ok(Scheme::Http)
    } else if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        Err(UrlError::UnsupportedScheme)
    } else {
        Err(UrlError::NotAbsolute)
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let close = rest.find(']').ok_or(UrlError::InvalidHost)?;
        let after = rest.get(close + 1..).unwrap_or_default();
        let host = authority.get(..close + 2).ok_or(UrlError::InvalidHost)?;
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(UrlError::InvalidHost),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| UrlError::InvalidPort)?)
        }
        Some(_) => return Err(UrlError::InvalidPort),
    };
    Ok((host, port))
}

/// Parses a host as a URL parser of a browser or of the `url` crate would: IPv6 in brackets,
/// IPv4 including the numeric forms (`0x7f.1`, `2130706433`) that those parsers also read as
/// addresses, so an attacker cannot hide a loopback address from the internal-host rule behind a
/// spelling.
pub(crate) fn parse_host(host: &str) -> Result<Host, UrlError> {
    Ok(match check_host(host)? {
        HostKind::V6(a) => Host::V6(a),
        HostKind::V4(a) => Host::V4(a),
        HostKind::Name => Host::Name(host.to_ascii_lowercase()),
    })
}

enum HostKind {
    Name,
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// Validates a host without allocating (the hot path checks every request's URL).
fn check_host(host: &str) -> Result<HostKind, UrlError> {
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(UrlError::InvalidHost)?;
        return inner
            .parse::<Ipv6Addr>()
            .map(HostKind::V6)
            .map_err(|_| UrlError::InvalidHost);
    }
    if host.is_empty() || host.len() > 253 {
        return Err(UrlError::InvalidHost);
    }
    let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_';
    if !host.bytes().all(ok) {
        return Err(UrlError::InvalidHost);
    }
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default();
    if is_ipv4_number(last) {
        return parse_ipv4_whatwg(host).map(HostKind::V4);
    }
    Ok(HostKind::Name)
}

fn is_ipv4_number(s: &str) -> bool {
    !s.is_empty() && {
        let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
        match hex {
            Some(h) => h.bytes().all(|b| b.is_ascii_hexdigit()),
            None => s.bytes().all(|b| b.is_ascii_digit()),
        }
    }
}

fn parse_ipv4_number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() {
            return Some(0);
        }
        return (h.len() <= 16).then(|| u64::from_str_radix(h, 16).ok())?;
    }
    if s.len() > 1 && s.starts_with('0') {
        return (s.len() <= 22).then(|| u64::from_str_radix(s.get(1..)?, 8).ok())?;
    }
    (s.len() <= 20).then(|| s.parse::<u64>().ok())?
}

/// The WHATWG IPv4 parser: up to four parts, each decimal, octal or hex; the last part fills
/// the remaining bytes.
fn parse_ipv4_whatwg(host: &str) -> Result<Ipv4Addr, UrlError> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut nums = [0u64; 4];
    let mut count = 0;
    for p in host.split('.') {
        let slot = nums.get_mut(count).ok_or(UrlError::InvalidHost)?;
        *slot = parse_ipv4_number(p).ok_or(UrlError::InvalidHost)?;
        count += 1;
    }
    let (last, init) = nums
        .get(..count)
        .and_then(<[u64]>::split_last)
        .ok_or(UrlError::InvalidHost)?;
    if init.iter().any(|&n| n > 255) {
        return Err(UrlError::InvalidHost);
    }
    // At most three parts before the last: it fills 8 to 32 bits.
    let room = 8 * (4 - init.len() as u32);
    if *last >> room != 0 {
        return Err(UrlError::InvalidHost);
    }
    let mut addr: u64 = *last;
    for (i, &n) in init.iter().enumerate() {
        addr |= n << (8 * (3 - i as u32));
    }
    let addr = u32::try_from(addr).map_err(|_| UrlError::InvalidHost)?;
    Ok(Ipv4Addr::from(addr))
}

/// Resolves a `Location` value against the URL of the request that got it (RFC 3986 section
/// 5.2, by `iri-string`), and returns the target as the machine holds every URL: absolute
/// `http`/`https`, without a fragment, in the form [`UrlParts::write_to`] writes (lower-case
/// scheme, default port left out, `/` for an empty path and query), so that the route is a
/// suffix of it.
///
/// A fragment is never sent (RFC 9110 section 7.1), and a URL holding one would shift where the
/// machine reads the route: it is dropped here, before anything reads the route. A fragment-only
/// `Location` (`#frag`) is the request's own URL.
///
/// `Location` is trimmed of surrounding white space first. A base that is not RFC 3986 syntax
/// (a request path with `[`, say, which [`UrlParts`] lets through) cannot anchor a relative
/// reference: that is refused as [`UrlError::InvalidCharacter`].
pub(crate) fn resolve(base: &str, location: &str) -> Result<String, UrlError> {
    let location = location.trim();
    let reference = UriReferenceStr::new(location).map_err(|_| {
        // Name what is wrong as precisely as the absolute-URL reader can.
        match UrlParts::parse(location) {
            Err(e) if e != UrlError::NotAbsolute => e,
            _ => UrlError::InvalidCharacter,
        }
    })?;
    let base = UriAbsoluteStr::new(base).map_err(|_| UrlError::InvalidCharacter)?;
    let mut target = String::with_capacity(base.len() + location.len());
    fmt::Write::write_fmt(
        &mut target,
        format_args!("{}", reference.resolve_against(base)),
    )
    .map_err(|_| UrlError::InvalidCharacter)?;
    if let Some(hash) = target.find('#') {
        target.truncate(hash);
    }
    let mut out = String::with_capacity(target.len() + 1);
    UrlParts::parse(&target)?.write_to(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn splits_absolute_urls_and_fills_default_ports() {
        let u = UrlParts::parse("HTTPS://Registry.Example.com/v2/a/manifests/b?x=1#frag").unwrap();
        assert_eq!(u.scheme, Scheme::Https);
        assert_eq!(u.port, 443);
        assert_eq!(u.path_and_query, "/v2/a/manifests/b?x=1");
        assert_eq!(u.origin().to_string(), "https://registry.example.com");
        let u = UrlParts::parse("http://127.0.0.1:5000").unwrap();
        assert_eq!((u.port, u.path_and_query), (5000, "/"));
        assert_eq!(u.origin().registry_name(), "127.0.0.1:5000");
        let u = UrlParts::parse("https://[::1]:8443/v2/").unwrap();
        assert_eq!(u.origin().to_string(), "https://[::1]:8443");
    }

    #[test]
    fn refuses_what_a_registry_url_never_is() {
        let cases = [
            ("registry.example.com/v2/", UrlError::NotAbsolute),
            ("ftp://x/", UrlError::UnsupportedScheme),
            ("file:///etc/passwd", UrlError::UnsupportedScheme),
            ("https://user:pw@x/", UrlError::UserInfo),
            ("https:///v2/", UrlError::InvalidHost),
            ("https://x:99999/", UrlError::InvalidPort),
            ("https://x:8a/", UrlError::InvalidPort),
            ("https://x y/", UrlError::InvalidCharacter),
            ("https://x/a\r\nb", UrlError::InvalidCharacter),
            ("https://x/t?q={x}|<y>", UrlError::InvalidCharacter),
            ("https://x/é", UrlError::InvalidCharacter),
            ("https://ex%41mple/", UrlError::InvalidHost),
            ("https://[::1/", UrlError::InvalidHost),
            ("https://[::1]x/", UrlError::InvalidHost),
            ("https://[::1]:x/", UrlError::InvalidPort),
            // `u16::from_str` takes a sign; a URL port does not.
            ("https://x:+443/", UrlError::InvalidPort),
            ("https://x:000443/", UrlError::InvalidPort),
            ("://x/", UrlError::NotAbsolute),
            ("ht tp://x/", UrlError::NotAbsolute),
            ("h\u{e9}://x/", UrlError::NotAbsolute),
            ("git+ssh://x/", UrlError::UnsupportedScheme),
        ];
        for (url, e) in cases {
            assert_eq!(UrlParts::parse(url), Err(e), "{url}");
        }
    }

    #[test]
    fn numeric_hosts_are_read_as_ipv4_the_way_url_parsers_read_them() {
        for h in [
            "127.0.0.1",
            "0x7f.0.0.1",
            "2130706433",
            "0177.1",
            "127.1",
            "0x7f000001",
        ] {
            assert_eq!(parse_host(h), Ok(Host::V4(Ipv4Addr::LOCALHOST)), "{h}");
        }
        assert!(parse_host("1.2.3.256").is_err());
        assert!(parse_host("4294967296").is_err());
        assert_eq!(
            parse_host("Example.COM"),
            Ok(Host::Name("example.com".into()))
        );
        // The four-part form, and the last part filling the bytes the others leave.
        assert_eq!(
            parse_host("1.2.3.255"),
            Ok(Host::V4(Ipv4Addr::new(1, 2, 3, 255)))
        );
        assert_eq!(
            parse_host("1.2.65535"),
            Ok(Host::V4(Ipv4Addr::new(1, 2, 255, 255)))
        );
        assert!(parse_host("1.2.65536").is_err());
        assert_eq!(
            parse_host("1.16777215"),
            Ok(Host::V4(Ipv4Addr::new(1, 255, 255, 255)))
        );
        assert!(parse_host("1.16777216").is_err());
        assert_eq!(parse_host("4294967295"), Ok(Host::V4(Ipv4Addr::BROADCAST)));
        assert!(parse_host("1.2.3.4.5").is_err());
        // Names: not empty, at most 253 bytes.
        assert!(parse_host("").is_err());
        let longest = "a".repeat(253);
        assert_eq!(parse_host(&longest), Ok(Host::Name(longest.clone())));
        assert!(parse_host(&alloc::format!("{longest}a")).is_err());
        // A host whose last label is a number must be an address, as the URL standard says.
        assert!(parse_host("v1.2").is_err());
        assert_eq!(
            parse_host("v1.example"),
            Ok(Host::Name("v1.example".into()))
        );
    }

    #[test]
    fn url_errors_say_what_is_wrong_in_one_lower_case_line() {
        let all = [
            (UrlError::NotAbsolute, "not an absolute url"),
            (UrlError::UnsupportedScheme, "scheme is not http or https"),
            (UrlError::UserInfo, "url carries user information"),
            (UrlError::InvalidHost, "invalid host"),
            (UrlError::InvalidPort, "invalid port"),
            (
                UrlError::InvalidCharacter,
                "url holds characters a uri may not carry unencoded",
            ),
        ];
        for (e, shown) in all {
            assert_eq!(e.to_string(), shown);
        }
    }

    #[test]
    fn origins_compare_after_normalisation() {
        let a = UrlParts::parse("https://EXAMPLE.com:443/x")
            .unwrap()
            .origin();
        let b = UrlParts::parse("https://example.com/y").unwrap().origin();
        let c = UrlParts::parse("http://example.com/y").unwrap().origin();
        let d = UrlParts::parse("https://example.com:8443/y")
            .unwrap()
            .origin();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn one_origin_writes_one_key_however_it_is_spelt() {
        let key = |u: &str| {
            let mut k = String::from("left over");
            UrlParts::parse(u).unwrap().write_origin_key(&mut k);
            k
        };
        assert_eq!(key("https://EXAMPLE.com:443/x"), "https://example.com:443");
        assert_eq!(key("https://example.com/y?q"), "https://example.com:443");
        assert_eq!(key("http://example.com/y"), "http://example.com:80");
        assert_eq!(key("https://example.com:8443/"), "https://example.com:8443");
        assert_eq!(key("http://0x7f.1:5000/v2/"), "http://127.0.0.1:5000");
        assert_eq!(key("http://2130706433:5000/v2/"), "http://127.0.0.1:5000");
        assert_eq!(key("https://[0:0::1]/v2/"), "https://[::1]:443");
        assert_ne!(key("https://example.com/"), key("https://example.com./"));
    }

    #[test]
    fn locations_resolve_against_the_request_url() {
        let base = "https://r.example/v2/a/blobs/sha256:1?x=1";
        let cases = [
            (
                "https://cdn.example/blob?sig=abc",
                "https://cdn.example/blob?sig=abc",
            ),
            ("//cdn.example/b", "https://cdn.example/b"),
            ("/v2/b/blobs/c", "https://r.example/v2/b/blobs/c"),
            ("other", "https://r.example/v2/a/blobs/other"),
            ("../../b/x?q", "https://r.example/v2/b/x?q"),
            ("?y=2", "https://r.example/v2/a/blobs/sha256:1?y=2"),
            // A `://` in the query or the path does not make a reference absolute.
            (
                "next?u=https://x.example/",
                "https://r.example/v2/a/blobs/next?u=https://x.example/",
            ),
            (
                "/v2/b/blobs/c?from=http://x",
                "https://r.example/v2/b/blobs/c?from=http://x",
            ),
            // The target is written as every URL the machine holds: lower-case scheme, no
            // default port, `/` for an empty path.
            ("HTTPS://cdn.example/b", "https://cdn.example/b"),
            ("https://cdn.example:443", "https://cdn.example/"),
            ("http://cdn.example:8080?q", "http://cdn.example:8080?q"),
            (" /v2/c ", "https://r.example/v2/c"),
        ];
        for (loc, want) in cases {
            assert_eq!(resolve(base, loc).unwrap(), want, "{loc}");
        }
        assert_eq!(
            resolve(base, "javascript://x"),
            Err(UrlError::UnsupportedScheme)
        );
        // Not `scheme://`: read as a missing scheme, as `localhost:5000/v2/` is.
        assert_eq!(resolve(base, "mailto:a@b"), Err(UrlError::NotAbsolute));
        assert_eq!(
            resolve(base, "ftp://cdn.example/b"),
            Err(UrlError::UnsupportedScheme)
        );
        assert_eq!(resolve(base, "https://[::1/"), Err(UrlError::InvalidHost));
        assert_eq!(resolve(base, "https://u:p@x/"), Err(UrlError::UserInfo));
        assert_eq!(
            resolve(base, "https://x:99999/"),
            Err(UrlError::InvalidPort)
        );
        for bad in ["/a b", "/t\u{e9}", "/t?q={x}", "/a%zz", "/a\r\nb"] {
            assert_eq!(resolve(base, bad), Err(UrlError::InvalidCharacter), "{bad}");
        }
        // A request path that is not RFC 3986 syntax anchors no relative reference.
        assert_eq!(
            resolve("https://r.example/a[1]", "b"),
            Err(UrlError::InvalidCharacter)
        );
    }

    #[test]
    fn fragments_never_reach_the_target() {
        let base = "https://r.example/v2/a/manifests/1?x=1";
        let cases = [
            // RFC 3986 section 5.2.2: an empty path keeps the base's path and query.
            ("#frag", "https://r.example/v2/a/manifests/1?x=1"),
            ("", "https://r.example/v2/a/manifests/1?x=1"),
            ("?y#frag", "https://r.example/v2/a/manifests/1?y"),
            (
                "/v2/b/manifests/1#frag",
                "https://r.example/v2/b/manifests/1",
            ),
            ("2#f?g", "https://r.example/v2/a/manifests/2"),
            (
                "https://r.example/v2/b/manifests/1#x/../../c",
                "https://r.example/v2/b/manifests/1",
            ),
        ];
        for (loc, want) in cases {
            let got = resolve(base, loc).unwrap();
            assert_eq!(got, want, "{loc}");
            // The route is a suffix of the target, as `UrlParts` reads it.
            let parts = UrlParts::parse(&got).unwrap();
            assert!(got.ends_with(parts.path_and_query), "{loc}");
        }
    }

    /// RFC 3986 section 5.4, every example whose target is an `http` URL; fragments are
    /// dropped from the expected targets, since the machine never keeps one.
    #[test]
    fn rfc_3986_reference_resolution_examples() {
        let base = "http://a/b/c/d;p?q";
        let cases = [
            // 5.4.1 normal examples
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            ("g?y#s", "http://a/b/c/g?y"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("g;x?y#s", "http://a/b/c/g;x?y"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            // 5.4.2 abnormal examples
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g?y/../x", "http://a/b/c/g?y/../x"),
            ("g#s/./x", "http://a/b/c/g"),
            ("g#s/../x", "http://a/b/c/g"),
            // Strict parsers read `http:g` as an absolute URL without an authority.
            ("http:g", ""),
        ];
        for (reference, want) in cases {
            match resolve(base, reference) {
                Ok(got) => assert_eq!(got, want, "{reference}"),
                Err(e) => assert!(want.is_empty(), "{reference}: {e}"),
            }
        }
        // 5.4.1: `g:h` has another scheme and no authority, which the machine refuses.
        assert_eq!(resolve(base, "g:h"), Err(UrlError::NotAbsolute));
    }
}
