//! Writing challenges back as a header value that parses to the same list.
//!
//! Parameter values are always written quoted, escaping only `"` and `\`: every byte a parsed
//! value can hold is legal qdtext otherwise (folds are rendered as the single space they mean),
//! so the output parses strictly to an equal list.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{Challenge, Challenges};

fn write_challenge(c: &Challenge<'_, '_>, out: &mut Vec<u8>) {
    out.extend_from_slice(c.scheme().as_bytes());
    if let Some(t) = c.token68() {
        out.push(b' ');
        out.extend_from_slice(t.as_bytes());
        return;
    }
    for (n, p) in c.params().enumerate() {
        out.extend_from_slice(if n == 0 { b" " } else { b", " });
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(b"=\"");
        for &b in p.value.bytes().iter() {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    }
}

impl Challenges<'_> {
    /// Appends the list as one header value to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for (n, c) in self.iter().enumerate() {
            if n > 0 {
                out.extend_from_slice(b", ");
            }
            write_challenge(&c, out);
        }
    }

    /// The list as one header value, byte exact (values may hold non-UTF-8 obs-text).
    ///
    /// ```
    /// use registry_auth::challenge::Challenges;
    ///
    /// let list = Challenges::parse(br#"BASIC realm=registry , Bearer realm="a\"b""#).unwrap();
    /// assert_eq!(list.to_header_bytes(), br#"BASIC realm="registry", Bearer realm="a\"b""#);
    /// assert_eq!(Challenges::parse(&list.to_header_bytes()).unwrap(), list);
    /// ```
    pub fn to_header_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

impl fmt::Display for Challenges<'_> {
    /// The header value of [`Challenges::to_header_bytes`]; bytes that are not UTF-8 are shown
    /// as U+FFFD, so use `to_header_bytes` to send the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_header_bytes()))
    }
}

impl fmt::Display for Challenge<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        write_challenge(self, &mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}
