//! The oracle's own reading of where a URL points and whether its host is internal, written
//! from the documentation (design invariant 9, protocol.md, the crate's `internal_host` docs)
//! without the crate's code: URLs are parsed by the `url` crate (the WHATWG URL Standard, as
//! browsers read them: `0x7f.1` is 127.0.0.1), addresses are judged with the standard
//! library's `IpAddr` methods where they are stable, and the rest by a table of CIDR blocks
//! written as text, as the IANA registries list them. A mistake shared with the crate would
//! have to be made twice, in two different shapes.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Once;

use url::Url;

/// Scheme, host and port: what decides where a token or a credential may go.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower case; IPv4 dotted, IPv6 in brackets and canonical form.
    pub host: String,
    /// The default port filled in.
    pub port: u16,
}

/// The origin of an absolute `http`/`https` URL; `None` for anything else.
pub fn origin(url: &str) -> Option<Origin> {
    let parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(Origin {
        scheme: parsed.scheme().to_string(),
        host: parsed.host_str()?.to_string(),
        port: parsed.port_or_known_default()?,
    })
}

/// Names that mean loopback: RFC 6761 section 6.3 and the default hosts files of common
/// distributions.
const LOOPBACK_ALIASES: [&str; 7] = [
    "localhost.localdomain",
    "localhost4",
    "localhost4.localdomain4",
    "localhost6",
    "localhost6.localdomain6",
    "ip6-localhost",
    "ip6-loopback",
];

/// IPv4 blocks the standard library has no stable method for: the rest of the IANA IPv4
/// Special-Purpose Address Registry, and the reserved 240/4.
const V4_TABLE: [&str; 11] = [
    "0.0.0.0/8",
    "100.64.0.0/10",
    "192.0.0.0/24",
    "192.31.196.0/24",
    "192.52.193.0/24",
    "192.88.99.0/24",
    "192.175.48.0/24",
    "198.18.0.0/15",
    "240.0.0.0/4",
    // Also a stable method each; listed so the two readings check each other.
    "127.0.0.0/8",
    "169.254.0.0/16",
];

/// IPv6 blocks that carry an IPv4 address, and the bit where the 32 bits of it start.
const V6_CARRIERS: [(&str, u32); 4] = [
    ("::ffff:0:0:0/96", 96),
    ("64:ff9b::/96", 96),
    ("2002::/16", 16),
    ("::/96", 96),
];

/// The IANA IPv6 Special-Purpose Address Registry's blocks inside global unicast.
const V6_TABLE: [&str; 4] = [
    "2001::/23",
    "2001:db8::/32",
    "3fff::/20",
    "2620:4f:8000::/48",
];

/// A block written `address/length`.
fn cidr<A: std::str::FromStr>(block: &str) -> (A, u32) {
    let (net, len) = block.split_once('/').expect("a CIDR block");
    let net = net.parse().ok().expect("a network address");
    (net, len.parse().expect("a prefix length"))
}

fn in_v4_block(a: Ipv4Addr, block: &str) -> bool {
    let (net, len) = cidr::<Ipv4Addr>(block);
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(a) & mask == u32::from(net) & mask
}

fn in_v6_block(a: Ipv6Addr, block: &str) -> bool {
    let (net, len) = cidr::<Ipv6Addr>(block);
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(a) & mask == u128::from(net) & mask
}

pub fn is_internal_v4(a: Ipv4Addr) -> bool {
    a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_documentation()
        || a.is_multicast()
        || a.is_broadcast()
        || V4_TABLE.iter().any(|b| in_v4_block(a, b))
}

pub fn is_internal_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    for (block, at) in V6_CARRIERS {
        if in_v6_block(a, block) {
            let v4 = (u128::from(a) >> (128 - 32 - at)) as u32;
            return is_internal_v4(Ipv4Addr::from(v4));
        }
    }
    let global_unicast = in_v6_block(a, "2000::/3");
    a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || a.is_unique_local()
        || a.is_unicast_link_local()
        || !global_unicast
        || V6_TABLE.iter().any(|b| in_v6_block(a, b))
}

/// Whether a host as [`Origin`] holds it is internal.
pub fn is_internal(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse().is_ok_and(is_internal_v6);
    }
    if let Ok(v4) = host.parse() {
        return is_internal_v4(v4);
    }
    let name = host.to_ascii_lowercase();
    let name = name.trim_end_matches('.');
    name == "localhost" || name.ends_with(".localhost") || LOOPBACK_ALIASES.contains(&name)
}

/// The oracle checks itself on the examples the documentation gives, once per process.
pub fn self_check() {
    static ONCE: Once = Once::new();
    ONCE.call_once(check_examples);
}

fn check_examples() {
    let o = origin("HTTPS://Registry.Example.COM:443/v2/").expect("an origin");
    assert_eq!(
        (o.scheme.as_str(), o.host.as_str(), o.port),
        ("https", "registry.example.com", 443)
    );
    for host in ["0x7f.1", "2130706433", "127.1", "0177.0.0.1"] {
        let o = origin(&format!("http://{host}:5000/")).expect("an origin");
        assert_eq!(o.host, "127.0.0.1", "{host}");
    }
    for internal in [
        "localhost",
        "LOCALHOST.",
        "a.localhost",
        "127.0.0.1",
        "10.0.0.7",
        "169.254.169.254",
        "100.100.100.200",
        "192.0.0.8",
        "198.18.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:7f00:1::]",
        "[100::1]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[fd00::1]",
        "[fe80::1]",
        "[fec0::1]",
    ] {
        assert!(is_internal(internal), "{internal}");
    }
    for public in [
        "auth.example.com",
        "localhost.example.com",
        "8.8.8.8",
        "100.128.0.1",
        "[2606:4700::1111]",
        "[::8.8.8.8]",
        "[64:ff9b::808:808]",
        "[2002:808:808::1]",
    ] {
        assert!(!is_internal(public), "{public}");
    }
}
