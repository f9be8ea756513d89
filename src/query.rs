//! Query strings: percent-encoding a value of a token request's query, and reading a parameter
//! of the caller's request (a blob mount's `from`).
//!
//! The generic work is done by `percent-encoding` and `form_urlencoded` (servo's rust-url
//! project; `no_std` with `alloc`, MSRV 1.51, no dependency beyond each other), both with
//! default features off. A token request's POST body is encoded where it is built, with
//! `form_urlencoded::Serializer`: that is its media type.
//!
//! A GET query is not a form: its values are percent-encoded with every byte but RFC 3986's
//! unreserved characters escaped, so a space is `%20` (which every server reads as a space)
//! rather than the form encoding's `+` (which a server that parses the query by RFC 3986
//! alone reads as a plus).

use alloc::string::String;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value` percent-encoded for a query: every byte but the unreserved characters
/// becomes `%XX` (upper-case hex).
pub(crate) fn encode_into(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, NOT_UNRESERVED));
}

/// The value of the first query parameter called `name`, decoded (`%XX`, and `+` as a space,
/// as forms write it); a parameter without `=` has the empty value.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_bytes() {
        let mut s = String::from("scope=");
        encode_into(&mut s, "repository:a/b:pull,push é&=+ *~");
        assert_eq!(
            s,
            "scope=repository%3Aa%2Fb%3Apull%2Cpush%20%C3%A9%26%3D%2B%20%2A~"
        );
        let mut all = String::new();
        let ascii: String = (0u8..128).map(char::from).collect();
        encode_into(&mut all, &ascii);
        let kept: String = all.split('%').map(|p| p.get(2..).unwrap_or("")).collect();
        assert_eq!(
            kept,
            "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"
        );
    }

    #[test]
    fn query_parameters_are_found_by_name_and_decoded() {
        let q = "mount=sha256%3Aab&from=team%2Fsrc&x=a+b";
        assert_eq!(query_param(q, "from").as_deref(), Some("team/src"));
        assert_eq!(query_param(q, "mount").as_deref(), Some("sha256:ab"));
        assert_eq!(query_param(q, "x").as_deref(), Some("a b"));
        assert_eq!(query_param("a&b=1", "a").as_deref(), Some(""));
        assert_eq!(query_param("a=1&a=2", "a").as_deref(), Some("1"));
        assert_eq!(query_param("a=1", "b"), None);
        assert_eq!(query_param("", "a"), None);
        assert_eq!(query_param("%zz=%zz", "%zz").as_deref(), Some("%zz"));
    }
}
