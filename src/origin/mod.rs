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
    /// See [`UrlParts::origin_hash`].
    #[cfg(test)]
    pub(crate) fn key_hash(&self) -> u64 {
        let host = match &self.host {
            Host::Name(n) => HostBytes::Name(n.as_bytes()),
            Host::V4(a) => HostBytes::V4(*a),
            Host::V6(a) => HostBytes::V6(*a),
        };
        hash_origin(self.scheme, self.port, host)
    }

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
    /// What the host is, read once.
    host_kind: HostKind,
    pub(crate) port: u16,
    /// Path and query, `/` when empty; the fragment is dropped.
    pub(crate) path_and_query: &'a str,
    /// Where the query's `?` is in `path_and_query` (its length when there is none).
    query_at: usize,
}

impl<'a> UrlParts<'a> {
    /// Splits an absolute `http`/`https` URL.
    pub(crate) fn parse(url: &'a str) -> Result<Self, UrlError> {
        match Self::parse_plain(url) {
            Some(parts) => Ok(parts),
            None => Self::parse_general(url),
        }
    }

    /// [`UrlParts::parse`] for every URL.
    fn parse_general(url: &'a str) -> Result<Self, UrlError> {
        let (scheme, rest) = split_scheme(url)?;
        // The authority ends at the first `/`, `?` or `#`.
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end).ok_or(UrlError::NotAbsolute)?;
        Self::from_pieces(scheme, authority, tail)
    }

    /// The common case in one pass over the bytes: a lower-case scheme, a host name (no IP
    /// literal, no user information) with an optional port, and a path and query without a
    /// fragment. Anything else, valid or not, is left to the general reading (`None`), which
    /// gives the same answer for what this one takes (a property test holds them to it).
    fn parse_plain(url: &'a str) -> Option<Self> {
        let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (Scheme::Https, rest)
        } else {
            (Scheme::Http, url.strip_prefix("http://")?)
        };
        let bytes = rest.as_bytes();
        // The host: host characters up to `:`, `/`, `?` or the end.
        let host_len = bytes
            .iter()
            .position(|&b| !in_set(&HOST_CHARS, b))
            .unwrap_or(bytes.len());
        if !matches!(bytes.get(host_len), None | Some(b':' | b'/' | b'?')) {
            return None;
        }
        // Where its last label starts.
        let label = bytes
            .get(..host_len)?
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        let (host, after_host) = rest.split_at_checked(host_len)?;
        // A last label that starts with a digit may make the host an IPv4 address; a trailing
        // dot moves the last label: both are the general reading's.
        let label_start = bytes.get(label).copied().unwrap_or(b'.');
        if host.is_empty() || host.len() > 253 || label_start.is_ascii_digit() || label >= host_len
        {
            return None;
        }
        let (port, path_and_query) = match after_host.strip_prefix(':') {
            Some(after_colon) => {
                let digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 || digits > 5 {
                    return None;
                }
                let (port, tail) = after_colon.split_at_checked(digits)?;
                (port.parse().ok()?, tail)
            }
            None => (scheme.default_port(), after_host),
        };
        if !path_and_query
            .bytes()
            .all(|b| in_set(&URI_CHARS_BUT_HASH, b))
        {
            return None;
        }
        let query_at = path_and_query
            .bytes()
            .position(|b| b == b'?')
            .unwrap_or(path_and_query.len());
        if !path_and_query.is_empty() && !path_and_query.starts_with(['/', '?']) {
            return None;
        }
        let (path_and_query, query_at) = match path_and_query {
            "" => ("/", 1),
            p => (p, query_at),
        };
        Some(UrlParts {
            scheme,
            host,
            host_kind: HostKind::Name,
            port,
            path_and_query,
            query_at,
        })
    }

    /// Builds the parts from a scheme, an authority and a path with query, as an `http::Uri`
    /// holds them.
    pub(crate) fn from_pieces(
        scheme: Scheme,
        authority: &'a str,
        path_and_query: &'a str,
    ) -> Result<Self, UrlError> {
        let mut user_info = false;
        for b in authority.bytes() {
            match b {
                b'@' => user_info = true,
                b' ' => return Err(UrlError::InvalidCharacter),
                _ if b.is_ascii_control() => return Err(UrlError::InvalidCharacter),
                _ => {}
            }
        }
        if user_info {
            return Err(UrlError::UserInfo);
        }
        // The path and query end at a fragment, which is never sent; what comes before must
        // be URI characters.
        let mut end = path_and_query.len();
        for (i, b) in path_and_query.bytes().enumerate() {
            if b == b'#' {
                end = i;
                break;
            }
            if !is_uri_char(b) {
                return Err(UrlError::InvalidCharacter);
            }
        }
        if !path_and_query
            .as_bytes()
            .get(end..)
            .unwrap_or_default()
            .iter()
            .all(|&b| is_uri_char(b))
        {
            return Err(UrlError::InvalidCharacter);
        }
        let (host, port) = split_port(authority)?;
        let port = port.unwrap_or(scheme.default_port());
        if host.is_empty() {
            return Err(UrlError::InvalidHost);
        }
        // Validate now so that later comparisons cannot fail.
        let host_kind = check_host(host)?;
        let path_and_query = match path_and_query.get(..end) {
            Some("") | None => "/",
            Some(p) => p,
        };
        let query_at = path_and_query.find('?').unwrap_or(path_and_query.len());
        Ok(UrlParts {
            scheme,
            host,
            host_kind,
            port,
            path_and_query,
            query_at,
        })
    }

    /// The path.
    pub(crate) fn path(&self) -> &'a str {
        self.path_and_query
            .get(..self.query_at)
            .unwrap_or(self.path_and_query)
    }

    /// The query, without its `?`.
    pub(crate) fn query(&self) -> Option<&'a str> {
        self.path_and_query.get(self.query_at + 1..)
    }

    pub(crate) fn origin(&self) -> Origin {
        let host = match self.host_kind {
            HostKind::Name => Host::Name(self.host.to_ascii_lowercase()),
            HostKind::V4(a) => Host::V4(a),
            HostKind::V6(a) => Host::V6(a),
        };
        Origin {
            scheme: self.scheme,
            host,
            port: self.port,
        }
    }

    /// The hash of the origin, the same for every spelling of it (and the same as
    /// [`Origin::key_hash`]), computed without allocating: what the registry table is keyed by.
    pub(crate) fn origin_hash(&self) -> u64 {
        match self.host_kind {
            HostKind::Name => hash_origin(
                self.scheme,
                self.port,
                HostBytes::Name(self.host.as_bytes()),
            ),
            HostKind::V4(a) => hash_origin(self.scheme, self.port, HostBytes::V4(a)),
            HostKind::V6(a) => hash_origin(self.scheme, self.port, HostBytes::V6(a)),
        }
    }

    /// Whether `origin` is this URL's origin.
    pub(crate) fn is_origin(&self, origin: &Origin) -> bool {
        self.scheme == origin.scheme
            && self.port == origin.port
            && match (&origin.host, self.host_kind) {
                (Host::Name(n), HostKind::Name) => n.eq_ignore_ascii_case(self.host),
                (Host::V4(a), HostKind::V4(b)) => *a == b,
                (Host::V6(a), HostKind::V6(b)) => *a == b,
                _ => false,
            }
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

/// A set of bytes as a lookup table: ASCII letters and digits, and `extra`.
#[allow(clippy::indexing_slicing)] // evaluated at compile time: an index out of bounds fails the build
const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        set[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

#[allow(clippy::indexing_slicing)] // a u8 always indexes a 256-entry table
fn in_set(set: &[bool; 256], b: u8) -> bool {
    set[usize::from(b)]
}

/// The characters RFC 3986 allows in a path and query (percent-encoded bytes stand for the rest).
/// Realms and `Location`s come from the peer; refusing anything else keeps every URL the machine
/// emits acceptable to HTTP stacks (`http::Uri` rejects `{`, `|`, `<` and non-ASCII bytes).
static URI_CHARS: [bool; 256] = byte_set(b"-._~:/?#[]@!$&'()*+,;=%");
/// The same without `#`, which starts a fragment.
static URI_CHARS_BUT_HASH: [bool; 256] = byte_set(b"-._~:/?[]@!$&'()*+,;=%");
/// The characters of a host name this crate accepts.
static HOST_CHARS: [bool; 256] = byte_set(b"-._");

fn is_uri_char(b: u8) -> bool {
    in_set(&URI_CHARS, b)
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

/// Splits `scheme://` off an absolute URL; `http` and `https` in lower case, the common case,
/// without a search.
fn split_scheme(url: &str) -> Result<(Scheme, &str), UrlError> {
    if let Some(rest) = url.strip_prefix("https://") {
        return Ok((Scheme::Https, rest));
    }
    if let Some(rest) = url.strip_prefix("http://") {
        return Ok((Scheme::Http, rest));
    }
    let colon = url.find(':').ok_or(UrlError::NotAbsolute)?;
    let scheme = url.get(..colon).ok_or(UrlError::NotAbsolute)?;
    let rest = url
        .get(colon + 1..)
        .and_then(|r| r.strip_prefix("//"))
        .ok_or(UrlError::NotAbsolute)?;
    Ok((parse_scheme(scheme)?, rest))
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

/// The host as [`check_host`] reads it.
#[cfg(test)]
pub(crate) fn parse_host(host: &str) -> Result<Host, UrlError> {
    Ok(match check_host(host)? {
        HostKind::V6(a) => Host::V6(a),
        HostKind::V4(a) => Host::V4(a),
        HostKind::Name => Host::Name(host.to_ascii_lowercase()),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostKind {
    Name,
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// A host as hashed: a name's lower-case bytes, or an address.
enum HostBytes<'a> {
    Name(&'a [u8]),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// Hashes an origin. Registries are the caller's own origins, so a fixed seed is enough here.
///
/// A name is hashed without regard to case, eight bytes at a time: setting bit `0x20` of every
/// byte lower-cases ASCII letters and maps the other host characters (digits, `-`, `.`, `_`)
/// to distinct values, so two names hash alike when they are equal ignoring case.
fn hash_origin(scheme: Scheme, port: u16, host: HostBytes<'_>) -> u64 {
    use core::hash::{BuildHasher as _, Hasher as _};
    let mut h = foldhash::fast::FixedState::with_seed(0x7265_6769_7374_7279).build_hasher();
    let kind = match host {
        HostBytes::Name(_) => 0u8,
        HostBytes::V4(_) => 4,
        HostBytes::V6(_) => 6,
    };
    h.write_u8(scheme as u8);
    h.write_u16(port);
    h.write_u8(kind);
    match host {
        HostBytes::Name(n) => {
            let mut chunks = n.chunks_exact(8);
            for c in &mut chunks {
                let mut word = [0u8; 8];
                word.copy_from_slice(c);
                h.write_u64(u64::from_le_bytes(word) | 0x2020_2020_2020_2020);
            }
            let mut tail = [0u8; 8];
            for (d, s) in tail.iter_mut().zip(chunks.remainder()) {
                *d = s | 0x20;
            }
            h.write_u64(u64::from_le_bytes(tail));
            h.write_usize(n.len());
        }
        HostBytes::V4(a) => h.write_u32(u32::from(a)),
        HostBytes::V6(a) => h.write_u128(u128::from(a)),
    }
    h.finish()
}

/// Reads a host as a URL parser of a browser or of the `url` crate would: IPv6 in brackets,
/// IPv4 including the numeric forms (`0x7f.1`, `2130706433`) that those parsers also read as
/// addresses, so an attacker cannot hide a loopback address from the internal-host rule behind a
/// spelling. Without allocating: the hot path reads every request's URL.
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
    if !host.bytes().all(|b| in_set(&HOST_CHARS, b)) {
        return Err(UrlError::InvalidHost);
    }
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default();
    // Only a name whose last label is a number is read as an IPv4 address.
    if last.bytes().next().is_some_and(|b| b.is_ascii_digit()) && is_ipv4_number(last) {
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
mod tests;
