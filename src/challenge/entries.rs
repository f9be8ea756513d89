//! The parsed form: a flat list of entries borrowed from the input, stored inline.
//!
//! A challenge list is stored as one sequence of entries (a scheme starts a challenge, then its
//! token68 or its parameters follow). Entries are `Copy` slices of the input, so a typical
//! response (up to eight entries: a Bearer challenge with six parameters and a Basic one) fits
//! in the inline array and parsing it allocates nothing. Longer lists spill to one `Vec`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// The value was quoted in the input.
pub(crate) const QUOTED: u8 = 1;
/// The raw value holds quoted-pairs (or folds) and must be processed to get its text.
pub(crate) const UNESCAPE: u8 = 2;
/// The raw value holds obs-folds (CRLF and whitespace), read as one space.
pub(crate) const FOLDED: u8 = 4;

/// A parameter value, borrowed from the header as received.
///
/// Quoted-pairs are unescaped only when asked for, by [`Value::bytes`] or [`Value::to_str`];
/// a value without them is returned borrowed, so reading values never copies in the common case.
///
/// ```
/// use registry_auth::challenge::Challenges;
///
/// let list = Challenges::parse(br#"Bearer realm="https://auth.example.com/token", x="a\"b""#).unwrap();
/// let c = list.iter().next().unwrap();
/// let realm = c.param("realm").unwrap();
/// assert!(realm.is_quoted());
/// assert_eq!(realm.to_str().unwrap(), "https://auth.example.com/token");
/// assert_eq!(c.param("X").unwrap().raw(), br#"a\"b"#);
/// assert_eq!(c.param("X").unwrap().to_str().unwrap(), "a\"b");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Value<'a> {
    raw: &'a [u8],
    flags: u8,
}

impl<'a> Value<'a> {
    pub(crate) const fn new(raw: &'a [u8], flags: u8) -> Self {
        Value { raw, flags }
    }

    /// The bytes as they appear in the header, without the quotes but with any backslashes.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the value was a quoted string.
    pub const fn is_quoted(&self) -> bool {
        self.flags & QUOTED != 0
    }

    /// Whether reading the value needs unescaping (it holds quoted-pairs or folded lines), and
    /// so [`Value::bytes`] returns an owned copy.
    pub const fn needs_unescape(&self) -> bool {
        self.flags & UNESCAPE != 0
    }

    /// The value's bytes, with quoted-pairs unescaped; borrowed unless there were any.
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        if !self.needs_unescape() {
            return Cow::Borrowed(self.raw);
        }
        let mut out = Vec::with_capacity(self.raw.len());
        self.for_each_byte(|b| out.push(b));
        Cow::Owned(out)
    }

    /// The value as text, when it is valid UTF-8 (values may carry obs-text bytes that are not).
    pub fn to_str(&self) -> Option<Cow<'a, str>> {
        match self.bytes() {
            Cow::Borrowed(b) => core::str::from_utf8(b).ok().map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
        }
    }

    /// The value as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        match self.bytes() {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        }
    }

    /// Whether the unescaped value equals `other`, without allocating.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        if !self.needs_unescape() {
            return self.raw == other;
        }
        let mut rest = other.iter();
        let mut same = true;
        self.for_each_byte(|b| same &= rest.next() == Some(&b));
        same && rest.next().is_none()
    }

    /// Whether the unescaped value equals `other`, ignoring ASCII case.
    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        if !self.needs_unescape() {
            return self.raw.eq_ignore_ascii_case(other.as_bytes());
        }
        let mut rest = other.bytes();
        let mut same = true;
        self.for_each_byte(|b| {
            same &= rest.next().is_some_and(|o| o.eq_ignore_ascii_case(&b));
        });
        same && rest.next().is_none()
    }

    /// Calls `f` with each byte of the unescaped value.
    fn for_each_byte(&self, mut f: impl FnMut(u8)) {
        let mut i = self.raw.iter();
        while let Some(&b) = i.next() {
            match b {
                b'\\' => {
                    if let Some(&escaped) = i.next() {
                        f(escaped);
                    }
                }
                // Only a fold gets here (the parser admits no other CR): CR LF and all the
                // whitespace after it are one SP (RFC 9112 section 5.2).
                b'\r' if self.flags & FOLDED != 0 => {
                    let _lf = i.next();
                    while i
                        .as_slice()
                        .first()
                        .is_some_and(|&b| b == b' ' || b == b'\t')
                    {
                        i.next();
                    }
                    f(b' ');
                }
                _ => f(b),
            }
        }
    }
}

impl core::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.to_str_lossy(), f)
    }
}

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Kind {
    #[default]
    Scheme,
    Token68,
    Param,
}

/// One item of the flat list: a scheme, a token68 or a parameter. The value's parts are stored
/// unpacked beside the kind, so an entry is 40 bytes rather than 48: the whole list is copied
/// when a parse returns, and that copy shows in the profile of a typical challenge.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) name: &'a str,
    raw: &'a [u8],
    pub(crate) kind: Kind,
    flags: u8,
}

impl<'a> Entry<'a> {
    pub(crate) fn scheme(name: &'a str) -> Self {
        Entry {
            kind: Kind::Scheme,
            name,
            raw: &[],
            flags: 0,
        }
    }

    /// `t` holds only token68 characters (ASCII), checked by the parser.
    pub(crate) fn token68(t: &'a [u8]) -> Self {
        Entry {
            kind: Kind::Token68,
            name: "",
            raw: t,
            flags: 0,
        }
    }

    pub(crate) fn param(name: &'a str, value: Value<'a>) -> Self {
        Entry {
            kind: Kind::Param,
            name,
            raw: value.raw,
            flags: value.flags,
        }
    }

    /// The token68 or parameter value.
    pub(crate) fn value(&self) -> Value<'a> {
        Value::new(self.raw, self.flags)
    }
}

/// How many entries live inline before the list spills to the heap.
const INLINE: usize = 8;

/// A vector of entries that stores its first [`INLINE`] items without allocating.
#[derive(Clone, Default)]
pub(crate) struct EntryList<'a> {
    inline: [Entry<'a>; INLINE],
    len: usize,
    heap: Vec<Entry<'a>>,
}

impl<'a> EntryList<'a> {
    #[inline]
    pub(crate) fn push(&mut self, e: Entry<'a>) {
        if self.heap.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.len) {
                *slot = e;
                self.len += 1;
                return;
            }
            self.heap.reserve(INLINE * 2);
            self.heap.extend_from_slice(&self.inline);
        }
        self.heap.push(e);
        self.len += 1;
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[Entry<'a>] {
        if self.heap.is_empty() {
            self.inline.get(..self.len).unwrap_or_default()
        } else {
            &self.heap
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            if !self.heap.is_empty() {
                self.heap.truncate(len);
                if self.heap.len() <= INLINE {
                    // Back to inline storage so that `as_slice` has one source of truth.
                    for (slot, e) in self.inline.iter_mut().zip(self.heap.iter()) {
                        *slot = *e;
                    }
                    self.heap.clear();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_spills_to_heap_and_truncates_back() {
        let mut l = EntryList::default();
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for n in names {
            l.push(Entry::scheme(n));
        }
        let got: Vec<&str> = l.as_slice().iter().map(|e| e.name).collect();
        assert_eq!(got, names);
        l.truncate(3);
        let got: Vec<&str> = l.as_slice().iter().map(|e| e.name).collect();
        assert_eq!(got, ["a", "b", "c"]);
        l.push(Entry::scheme("z"));
        assert_eq!(l.as_slice().len(), 4);
        assert_eq!(l.as_slice()[3].name, "z");
    }

    #[test]
    fn value_equality_sees_unescaped_bytes() {
        let v = Value::new(br#"insufficient\_scope"#, QUOTED | UNESCAPE);
        assert!(v.eq_bytes(b"insufficient_scope"));
        assert!(!v.eq_bytes(b"insufficient_scop"));
        assert!(!v.eq_bytes(b"insufficient_scopes"));
        assert!(v.eq_ignore_ascii_case("INSUFFICIENT_SCOPE"));
        assert!(!v.eq_ignore_ascii_case("INSUFFICIENT_SCOPEX"));
    }
}
