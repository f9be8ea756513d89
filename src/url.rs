//! The little URL handling the machine needs: split a URL into origin and path, compare origins,
//! resolve a `Location`, classify IP-literal hosts, and percent-encode query values.
//!
//! A full URL crate would be a dependency of the no_std core for a few hundred lines of work;
//! this module accepts only absolute `http`/`https` URLs (anything else is refused), which is
//! all a registry client sends.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

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
    /// Whether the host is an IP literal in a range that must not receive credentials on a
    /// realm's say-so: loopback, private, link-local, unspecified, shared (CGNAT, where some
    /// clouds put their metadata service), site-local (CVE-class: SSRF to internal services
    /// through an attacker-chosen realm). An IPv4 address embedded in IPv6 (mapped,
    /// compatible, translated, NAT64, 6to4) is judged as that IPv4 address.
    pub(crate) fn is_internal_ip(&self) -> bool {
        match self {
            Host::Name(_) => false,
            Host::V4(a) => is_internal_v4(*a),
            Host::V6(a) => is_internal_v6(*a),
        }
    }
}

fn is_internal_v4(a: Ipv4Addr) -> bool {
    let [first, second, ..] = a.octets();
    a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || first == 0 // "this network"; Linux routes 0.0.0.0 to the host itself
        || (first == 100 && (second & 0xc0) == 64) // shared address space 100.64.0.0/10
}

fn is_internal_v6(a: Ipv6Addr) -> bool {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = a.segments();
    let low_v4 = || Ipv4Addr::from((u32::from(s6) << 16) | u32::from(s7));
    let embedded = match (s0, s1, s2, s3, s4, s5) {
        // ::a.b.c.d (compatible, deprecated) and ::ffff:a.b.c.d (mapped)
        (0, 0, 0, 0, 0, 0 | 0xffff) => Some(low_v4()),
        // ::ffff:0:a.b.c.d (translated)
        (0, 0, 0, 0, 0xffff, 0) => Some(low_v4()),
        // 64:ff9b::a.b.c.d (NAT64, RFC 6052)
        (0x64, 0xff9b, 0, 0, 0, 0) => Some(low_v4()),
        // 2002:AABB:CCDD::/48 (6to4)
        (0x2002, ..) => Some(Ipv4Addr::from((u32::from(s1) << 16) | u32::from(s2))),
        _ => None,
    };
    if let Some(v4) = embedded {
        // `::` and `::1` fall in the compatible range, where they read as 0.0.0.0 and 0.0.0.1:
        // both internal, as they are in IPv6.
        return is_internal_v4(v4);
    }
    a.is_loopback()
        || a.is_unspecified()
        || (s0 & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s0 & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s0 & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed internally)
        || (s0, s1, s2) == (0x64, 0xff9b, 1) // local-use NAT64 64:ff9b:1::/48
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

    pub(crate) fn path(&self) -> &'a str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query, |(p, _)| p)
    }

    pub(crate) fn query(&self) -> Option<&'a str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
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
/// addresses, so an attacker cannot hide a loopback address from the IP-literal rule behind a
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
    let room = 8 * (4 - init.len() as u32);
    if room < 64 && *last >= (1u64 << room) {
        return Err(UrlError::InvalidHost);
    }
    let mut addr: u64 = *last;
    for (i, &n) in init.iter().enumerate() {
        addr |= n << (8 * (3 - i as u32));
    }
    let addr = u32::try_from(addr).map_err(|_| UrlError::InvalidHost)?;
    Ok(Ipv4Addr::from(addr))
}

/// Whether a URI reference starts with a scheme (RFC 3986 section 4.2: a colon before any `/`,
/// `?` or `#`, after letters, digits, `+`, `-`, `.` that start with a letter), which makes it
/// absolute. `next?u=https://x/` is relative: its `://` is in the query.
fn has_scheme(reference: &str) -> bool {
    let Some(end) = reference.find([':', '/', '?', '#']) else {
        return false;
    };
    let (scheme, rest) = reference.split_at(end);
    rest.starts_with(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Resolves a `Location` value against the URL of the request that got it (RFC 3986 section 5).
pub(crate) fn resolve(base: &str, location: &str) -> Result<String, UrlError> {
    let location = location.trim();
    if has_scheme(location) {
        UrlParts::parse(location)?;
        return Ok(location.into());
    }
    let b = UrlParts::parse(base)?;
    let mut out = String::new();
    if let Some(rest) = location.strip_prefix("//") {
        out.push_str(b.scheme.as_str());
        out.push_str("://");
        out.push_str(rest);
        UrlParts::parse(&out)?;
        return Ok(out);
    }
    UrlParts {
        path_and_query: "",
        ..b
    }
    .write_to(&mut out);
    let (loc_path, loc_query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    let merged: Cow<'_, str> = if loc_path.starts_with('/') {
        Cow::Borrowed(loc_path)
    } else if loc_path.is_empty() {
        Cow::Borrowed(b.path())
    } else {
        let base_path = b.path();
        let dir = base_path.rsplit_once('/').map_or("", |(d, _)| d);
        Cow::Owned(alloc::format!("{dir}/{loc_path}"))
    };
    out.push_str(&remove_dot_segments(&merged));
    if let Some(q) = loc_query {
        out.push('?');
        out.push_str(q);
    } else if loc_path.is_empty() {
        if let Some(q) = b.query() {
            out.push('?');
            out.push_str(q);
        }
    }
    UrlParts::parse(&out)?;
    Ok(out)
}

fn remove_dot_segments(path: &str) -> String {
    let mut segs: Vec<&str> = Vec::new();
    let trailing = path.ends_with("/.") || path.ends_with("/..");
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segs {
        out.push('/');
        out.push_str(s);
    }
    if trailing || out.is_empty() {
        out.push('/');
    }
    out
}

/// Appends `value` percent-encoded for a query or a form body: every byte but the unreserved
/// characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`.
pub(crate) fn encode_into(out: &mut String, value: &str) {
    let hex = |n: u8| char::from_digit(u32::from(n), 16).map_or('0', |c| c.to_ascii_uppercase());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 0xf));
        }
    }
}

/// Decodes `%XX` sequences (and `+` as a space, as forms do); invalid sequences stay as they are.
pub(crate) fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&c| char::from(c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of query parameter `name` in `query`, decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| decode(v))
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
        assert_eq!(u.path(), "/v2/a/manifests/b");
        assert_eq!(u.query(), Some("x=1"));
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
        // A host whose last label is a number must be an address, as the URL standard says.
        assert!(parse_host("v1.2").is_err());
        assert_eq!(
            parse_host("v1.example"),
            Ok(Host::Name("v1.example".into()))
        );
    }

    #[test]
    fn internal_ip_ranges_are_recognised() {
        for h in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "[::1]",
            "[::]",
            "[fe80::1]",
            "[fd00::1]",
            "[::ffff:127.0.0.1]",
            "0.1.2.3",
            "100.64.0.1",
            "100.100.100.200",
            // IPv4 embedded in IPv6, every way a resolver or a NAT64 gateway reads it.
            "[::127.0.0.1]",
            "[::a00:1]",
            "[::ffff:0:a00:1]",
            "[64:ff9b::a9fe:a9fe]",
            "[64:ff9b:1::1]",
            "[2002:7f00:1::]",
            "[2002:a9fe:a9fe::1]",
            "[fec0::1]",
        ] {
            assert!(parse_host(h).unwrap().is_internal_ip(), "{h}");
        }
        for h in [
            "8.8.8.8",
            "100.128.0.1",
            "[2001:db8::1]",
            "[::8.8.8.8]",
            "[64:ff9b::808:808]",
            "[2002:808:808::1]",
            "[2606:4700::1111]",
            "localhost",
            "auth.docker.io",
        ] {
            assert!(!parse_host(h).unwrap().is_internal_ip(), "{h}");
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
            ("HTTPS://cdn.example/b", "HTTPS://cdn.example/b"),
        ];
        for (loc, want) in cases {
            assert_eq!(resolve(base, loc).unwrap(), want, "{loc}");
        }
        assert!(resolve(base, "javascript://x").is_err());
        assert!(resolve(base, "mailto:a@b").is_err());
        assert!(resolve(base, "ftp://cdn.example/b").is_err());
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_bytes() {
        let mut s = String::new();
        encode_into(&mut s, "repository:a/b:pull,push é&=+ ");
        assert_eq!(s, "repository%3Aa%2Fb%3Apull%2Cpush%20%C3%A9%26%3D%2B%20");
        assert_eq!(decode(&s), "repository:a/b:pull,push é&=+ ");
        assert_eq!(
            query_param("mount=sha256%3Aab&from=team%2Fsrc", "from").as_deref(),
            Some("team/src")
        );
        assert_eq!(query_param("a&b=1", "a").as_deref(), Some(""));
        assert_eq!(query_param("a=1", "b"), None);
    }
}
