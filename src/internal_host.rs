//! Which hosts are internal: the names and addresses no public token realm lives on, so that a
//! registry's challenge cannot aim a token request (and the credentials it may carry) at a
//! service inside the caller's network (design invariant 9, protocol.md "Credentials and where
//! they may go").
//!
//! The realm policy ([`crate::machine`]'s `policy` module) refuses a realm on an internal host
//! unless the realm is on the registry's own host or the caller allowed it with
//! [`Config::allow_internal_realms_for`](crate::Config::allow_internal_realms_for).
//!
//! # Names
//! - `localhost` and every name under `.localhost`, in any case, with or without the trailing
//!   dot of a fully qualified name: RFC 6761 section 6.3 reserves them for loopback.
//! - The loopback aliases that the default `/etc/hosts` of common Linux distributions carry:
//!   `localhost.localdomain`, `localhost4`, `localhost4.localdomain4`, `localhost6`,
//!   `localhost6.localdomain6` (Fedora, RHEL), `ip6-localhost`, `ip6-loopback` (Debian, Ubuntu).
//!
//! Other names are judged by their spelling only: a public name whose DNS answer is a private
//! address is not caught here (the caller's connector sees the address). Names under `.local`
//! (mDNS), `home.arpa` and `.internal` are not refused: private registries live there with
//! their realms on sibling hosts, and refusing them would break working setups.
//!
//! # IPv4
//! Every block of the IANA IPv4 Special-Purpose Address Registry, plus multicast; an address in
//! any of them is internal. Blocks the registry marks globally reachable (the PCP and TURN
//! anycast addresses in 192.0.0.0/24, AS112, AMT) are refused too: no realm is served from a
//! protocol's anycast or sink address.
//!
//! | block | purpose | source |
//! |---|---|---|
//! | 0.0.0.0/8 | "this network" (Linux routes 0.0.0.0 to the host itself) | RFC 791 |
//! | 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 | private use | RFC 1918 |
//! | 100.64.0.0/10 | shared address space (CGNAT; some clouds' metadata services) | RFC 6598 |
//! | 127.0.0.0/8 | loopback | RFC 1122 |
//! | 169.254.0.0/16 | link local (cloud metadata at 169.254.169.254) | RFC 3927 |
//! | 192.0.0.0/24 | IETF protocol assignments | RFC 6890 |
//! | 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 | documentation | RFC 5737 |
//! | 192.31.196.0/24, 192.175.48.0/24 | AS112 | RFC 7535, RFC 7534 |
//! | 192.52.193.0/24 | AMT | RFC 7450 |
//! | 192.88.99.0/24 | deprecated 6to4 relay anycast | RFC 7526 |
//! | 198.18.0.0/15 | benchmarking | RFC 2544 |
//! | 224.0.0.0/4 | multicast (IANA multicast registry) | RFC 5771 |
//! | 240.0.0.0/4 | reserved; holds 255.255.255.255, the limited broadcast | RFC 1112, RFC 919 |
//!
//! # IPv6
//! An IPv4 address carried inside IPv6 is judged as that IPv4 address: IPv4-compatible
//! `::/96` (deprecated; `::` and `::1` read as 0.0.0.0 and 0.0.0.1, both internal),
//! IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` (RFC 2765), NAT64
//! `64:ff9b::/96` (RFC 6052) and 6to4 `2002::/16` (RFC 3056). Then:
//!
//! - Everything outside global unicast `2000::/3` is internal: the IANA IPv6 Address Space
//!   registry assigns no public unicast space elsewhere. This covers loopback `::1`,
//!   unspecified `::`, discard-only `100::/64` (RFC 6666), local-use NAT64 `64:ff9b:1::/48`
//!   (RFC 8215), SRv6 SIDs `5f00::/16` (RFC 9602), unique local `fc00::/7` (RFC 4193), link
//!   local `fe80::/10`, deprecated site local `fec0::/10` (RFC 3879) and multicast `ff00::/8`
//!   (RFC 4291).
//! - Inside `2000::/3`, the blocks of the IANA IPv6 Special-Purpose Address Registry:
//!   `2001::/23` IETF protocol assignments (RFC 2928; Teredo, benchmarking, ORCHIDv2 and the
//!   anycast addresses inside it included), `2001:db8::/32` and `3fff::/20` documentation
//!   (RFC 3849, RFC 9637), `2620:4f:8000::/48` AS112 (RFC 7534).

use core::net::{Ipv4Addr, Ipv6Addr};

/// `localhost`, and the aliases common hosts files map to loopback (lower case, no final dot).
const LOOPBACK_NAMES: [&str; 8] = [
    "localhost",
    "localhost.localdomain",
    "localhost4",
    "localhost4.localdomain4",
    "localhost6",
    "localhost6.localdomain6",
    "ip6-localhost",
    "ip6-loopback",
];

/// Whether a host name (lower case, as [`Host`](crate::origin) holds it) names loopback.
pub(crate) fn is_loopback_name(name: &str) -> bool {
    // `localhost.` is the fully qualified spelling; more dots name nothing else.
    let name = name.trim_end_matches('.');
    LOOPBACK_NAMES.contains(&name) || name.ends_with(".localhost")
}

/// IPv4 blocks (first address, prefix length): see the module docs for their sources.
const V4_BLOCKS: [([u8; 4], u32); 18] = [
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 31, 196, 0], 24),
    ([192, 52, 193, 0], 24),
    ([192, 88, 99, 0], 24),
    ([192, 168, 0, 0], 16),
    ([192, 175, 48, 0], 24),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

/// IPv6 special-purpose blocks inside global unicast `2000::/3` (first address as segments,
/// prefix length): see the module docs for their sources.
const V6_BLOCKS: [([u16; 3], u32); 4] = [
    ([0x2001, 0, 0], 23),
    ([0x2001, 0x0db8, 0], 32),
    ([0x3fff, 0, 0], 20),
    ([0x2620, 0x004f, 0x8000], 48),
];

/// Whether the top `len` bits of `a` and `b` agree.
fn same_prefix(a: u128, b: u128, len: u32) -> bool {
    // `checked_shr` is `None` for a shift by 128, when no bit is compared.
    (a ^ b).checked_shr(128 - len).unwrap_or(0) == 0
}

/// Whether an IPv4 address is internal (module docs, "IPv4").
pub(crate) fn is_internal_v4(a: Ipv4Addr) -> bool {
    let a = u32::from(a);
    V4_BLOCKS.iter().any(|&(first, len)| {
        let first = u32::from_be_bytes(first);
        same_prefix(u128::from(a) << 96, u128::from(first) << 96, len)
    })
}

/// The IPv4 address an IPv6 address carries in one of the forms that mean "this IPv4 host".
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = a.segments();
    let low = || Ipv4Addr::from((u32::from(s6) << 16) | u32::from(s7));
    match (s0, s1, s2, s3, s4, s5) {
        // ::a.b.c.d (compatible, deprecated) and ::ffff:a.b.c.d (mapped)
        (0, 0, 0, 0, 0, 0 | 0xffff) => Some(low()),
        // ::ffff:0:a.b.c.d (translated)
        (0, 0, 0, 0, 0xffff, 0) => Some(low()),
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
        (0x64, 0xff9b, 0, 0, 0, 0) => Some(low()),
        // 2002:AABB:CCDD::/48 (6to4)
        (0x2002, ..) => Some(Ipv4Addr::from((u32::from(s1) << 16) | u32::from(s2))),
        _ => None,
    }
}

/// Whether an IPv6 address is internal (module docs, "IPv6").
pub(crate) fn is_internal_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(a) {
        return is_internal_v4(v4);
    }
    let bits = u128::from(a);
    let global_unicast = same_prefix(bits, 0x2000 << 112, 3);
    !global_unicast
        || V6_BLOCKS.iter().any(|&([s0, s1, s2], len)| {
            let first = (u128::from(s0) << 112) | (u128::from(s1) << 96) | (u128::from(s2) << 80);
            same_prefix(bits, first, len)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> bool {
        is_internal_v4(s.parse().unwrap())
    }

    fn v6(s: &str) -> bool {
        is_internal_v6(s.parse().unwrap())
    }

    #[test]
    fn loopback_names_are_internal_in_any_spelling() {
        for name in [
            "localhost",
            "localhost.",
            "a.localhost",
            "registry.dev.localhost.",
            "localhost..",
            "localhost.localdomain",
            "localhost6.localdomain6.",
            "ip6-localhost",
            "ip6-loopback",
        ] {
            assert!(is_loopback_name(name), "{name}");
        }
        for name in [
            "localhost.example.com",
            "notlocalhost",
            "xlocalhost",
            "localhostx",
            "localhost-1",
            "registry.local",
            "auth.corp.internal",
            "ip6-localhost.example",
            "localhos",
        ] {
            assert!(!is_loopback_name(name), "{name}");
        }
    }

    /// Each block's first and last address are internal, and the addresses just outside it
    /// are not (unless a neighbouring block holds them).
    #[test]
    fn ipv4_special_purpose_blocks_have_exact_edges() {
        let inside = [
            ("0.0.0.0", "0.255.255.255"),
            ("10.0.0.0", "10.255.255.255"),
            ("100.64.0.0", "100.127.255.255"),
            ("127.0.0.0", "127.255.255.255"),
            ("169.254.0.0", "169.254.255.255"),
            ("172.16.0.0", "172.31.255.255"),
            ("192.0.0.0", "192.0.0.255"),
            ("192.0.2.0", "192.0.2.255"),
            ("192.31.196.0", "192.31.196.255"),
            ("192.52.193.0", "192.52.193.255"),
            ("192.88.99.0", "192.88.99.255"),
            ("192.168.0.0", "192.168.255.255"),
            ("192.175.48.0", "192.175.48.255"),
            ("198.18.0.0", "198.19.255.255"),
            ("198.51.100.0", "198.51.100.255"),
            ("203.0.113.0", "203.0.113.255"),
            ("224.0.0.0", "239.255.255.255"),
            ("240.0.0.0", "255.255.255.255"),
        ];
        for (first, last) in inside {
            assert!(v4(first) && v4(last), "{first} - {last}");
        }
        for outside in [
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "191.255.255.255",
            "192.0.1.0",
            "192.0.3.0",
            "192.31.195.255",
            "192.31.197.0",
            "192.52.192.255",
            "192.52.194.0",
            "192.88.98.255",
            "192.88.100.0",
            "192.167.255.255",
            "192.169.0.0",
            "192.175.47.255",
            "192.175.49.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "8.8.8.8",
        ] {
            assert!(!v4(outside), "{outside}");
        }
    }

    #[test]
    fn ipv6_outside_global_unicast_and_special_blocks_are_internal() {
        for a in [
            "::1",
            "::",
            "100::",
            "100::ffff:ffff:ffff:ffff",
            "64:ff9b:1::1",
            "5f00::1",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "1fff:ffff::1",
            "4000::1",
            // 2001::/23, first and last address, Teredo and the anycast addresses in it
            "2001::",
            "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:1::1",
            "2001:2::1",
            "2001:20::1",
            "2001:db8::",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            "3fff::",
            "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2620:4f:8000::",
            "2620:4f:8000:ffff:ffff:ffff:ffff:ffff",
        ] {
            assert!(v6(a), "{a}");
        }
        for a in [
            "2000::",
            "2001:200::1",
            "2001:db7:ffff::1",
            "2001:db9::",
            "3ffe:ffff::1",
            "3fff:1000::",
            "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2620:4f:7fff:ffff::1",
            "2620:4f:8001::",
            "2606:4700::1111",
            "2a00:1450:4001:82a::200e",
        ] {
            assert!(!v6(a), "{a}");
        }
    }

    #[test]
    fn ipv4_carried_in_ipv6_is_judged_as_ipv4() {
        let carriers = ["::{}", "::ffff:{}", "::ffff:0:{}", "64:ff9b::{}"];
        for carrier in carriers {
            for (inner, internal) in [
                ("127.0.0.1", true),
                ("10.1.2.3", true),
                ("169.254.169.254", true),
                ("198.18.0.1", true),
                ("224.0.0.1", true),
                ("8.8.8.8", false),
                ("1.1.1.1", false),
            ] {
                let a = carrier.replace("{}", inner);
                assert_eq!(v6(&a), internal, "{a}");
            }
        }
        // 6to4 carries the IPv4 address in segments 1 and 2.
        assert!(v6("2002:7f00:1::"));
        assert!(v6("2002:a9fe:a9fe::1"));
        assert!(v6("2002:c612:1::1"));
        assert!(!v6("2002:808:808::1"));
        assert!(!v6("2002:808:808:ffff::1"));
        // Near the carriers, not in them: outside global unicast, so internal all the same.
        assert!(v6("64:ff9b::1:808:808"));
        assert!(v6("::1:0:0:1"));
    }
}
