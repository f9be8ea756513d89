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

/// The one-pass reading answers for every URL of the class its docs name (lower-case
/// scheme, a host name up to 253 bytes, a port of up to five digits, a path and query
/// without a fragment), the same as the general reading: every request on the cached-token
/// path takes it.
#[test]
fn common_registry_urls_are_read_in_one_pass() {
    let longest = alloc::format!("https://{}/v2/", "a".repeat(253));
    for url in [
        "https://registry.example.com/v2/team/app/manifests/1.0",
        "https://registry.example.com",
        "http://localhost:5000/v2/",
        "https://r.example:65535/v2/a/blobs/uploads/?digest=sha256%3Aab",
        "https://r.example?x=1",
        &longest,
    ] {
        let fast = UrlParts::parse_plain(url);
        assert!(fast.is_some(), "{url}");
        assert_eq!(
            fast.ok_or(UrlError::NotAbsolute),
            UrlParts::parse_general(url)
        );
    }
    // One byte over the DNS limit is refused, whichever reading sees it first.
    let too_long = alloc::format!("https://{}/v2/", "a".repeat(254));
    assert_eq!(UrlParts::parse(&too_long), Err(UrlError::InvalidHost));
    // A host made of delimiters only is no host.
    assert_eq!(UrlParts::parse("https://::"), Err(UrlError::InvalidHost));
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
        // A control byte is a bad character wherever it stands, in the host too.
        ("https://reg\tistry.example/v2/", UrlError::InvalidCharacter),
        ("https://x:80\n/", UrlError::InvalidCharacter),
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
    // A last label that starts with a digit but is not a number leaves a name, as the URL
    // standard's "ends in a number" check says.
    for name in ["cdn.4u", "1password", "registry.0xg"] {
        assert_eq!(parse_host(name), Ok(Host::Name(name.into())), "{name}");
    }
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
fn one_origin_hashes_and_matches_alike_however_it_is_spelt() {
    let parts = |u: &'static str| UrlParts::parse(u).unwrap();
    let same = [
        ("https://EXAMPLE.com:443/x", "https://example.com/y?q"),
        ("http://0x7f.1:5000/v2/", "http://127.0.0.1:5000/"),
        ("http://2130706433:5000/v2/", "http://127.0.0.1:5000/"),
        ("https://[0:0::1]/v2/", "https://[::1]:443/"),
        // Case differs in the last bytes of the name, past its last whole eight.
        (
            "https://registry.example.COM/",
            "https://registry.example.com/",
        ),
    ];
    for (a, b) in same {
        let (a, b) = (parts(a), parts(b));
        assert_eq!(a.origin_hash(), b.origin_hash());
        assert_eq!(a.origin_hash(), b.origin().key_hash());
        assert!(a.is_origin(&b.origin()) && b.is_origin(&a.origin()));
    }
    let differ = [
        ("https://example.com/", "http://example.com/"),
        ("https://example.com/", "https://example.com:8443/"),
        ("https://example.com/", "https://example.com./"),
        ("https://example.com/", "https://example.org/"),
        ("http://127.0.0.1/", "http://[::ffff:127.0.0.1]/"),
        // Only the scheme differs, or only the low byte of the port.
        ("https://example.com:8080/", "http://example.com:8080/"),
        ("http://localhost:5000/", "http://localhost:5001/"),
    ];
    for (a, b) in differ {
        let (a, b) = (parts(a), parts(b));
        assert_ne!(a.origin_hash(), b.origin_hash(), "{a:?} {b:?}");
        assert!(!a.is_origin(&b.origin()));
    }
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

mod properties {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The one-pass reading of common URLs agrees with the general one wherever it
        /// answers.
        #[test]
        fn the_fast_reading_agrees_with_the_general_one(
            scheme in prop::sample::select(vec!["https://", "http://", "HTTPS://", "ftp://"]),
            host in prop_oneof![
                4 => "[a-zA-Z][a-zA-Z0-9._-]{0,10}",
                1 => "[a-zA-Z0-9._@\\[\\]:-]{0,12}",
            ],
            port in prop::option::of("[0-9a]{0,6}"),
            path in "[a-z0-9/?#%{ .=&-]{0,16}",
        ) {
            let port = port.map(|p| alloc::format!(":{p}")).unwrap_or_default();
            let url = alloc::format!("{scheme}{host}{port}{path}");
            if let Some(fast) = UrlParts::parse_plain(&url) {
                prop_assert_eq!(Ok(fast), UrlParts::parse_general(&url), "{}", url);
            }
        }
    }
}
