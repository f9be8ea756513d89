//! The parsed form: a flat list of entries borrowed from the input, stored inline.
//!
//! A challenge list is stored as one sequence of entries (a scheme starts a challenge, then its
//! token68 or its parameters follow). Entries are `Copy` slices of the input, so a typical
//! response (up to eight entries: a Bearer challenge with six parameters and a Basic one) fits
//! in the inline array and parsing it allocates nothing. Longer lists spill to one `Vec`.
//!
//! A header value that is valid UTF-8 (nearly all are) is checked once, when it is parsed, and
//! its values are kept as `&str` slices of it: reading one as text then costs nothing, and
//! unescaping one copies text without checking it again.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::hash::{Hash, Hasher};
use core::ops::Range;

/// The value was quoted in the input.
pub(crate) const QUOTED: u8 = 1;
/// The raw value holds quoted-pairs (or folds) and must be processed to get its text.
pub(crate) const UNESCAPE: u8 = 2;
/// The raw value holds obs-folds (CRLF and whitespace), read as one space.
pub(crate) const FOLDED: u8 = 4;

/// The bytes of a value as they appear in the header: as text when the header value was
/// valid UTF-8, as bytes otherwise.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Raw<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> Raw<'a> {
    const fn bytes(self) -> &'a [u8] {
        match self {
            Raw::Text(s) => s.as_bytes(),
            Raw::Bytes(b) => b,
        }
    }
}

impl Default for Raw<'_> {
    fn default() -> Self {
        Raw::Text("")
    }
}

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
#[derive(Clone, Copy, Default)]
pub struct Value<'a> {
    raw: Raw<'a>,
    flags: u8,
}

impl PartialEq for Value<'_> {
    /// The same raw bytes, quoted or not alike (whether the header value was text or not does
    /// not matter).
    fn eq(&self, other: &Self) -> bool {
        self.raw() == other.raw() && self.flags == other.flags
    }
}

impl Eq for Value<'_> {}

impl Hash for Value<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw().hash(state);
        self.flags.hash(state);
    }
}

/// Below this many bytes, a value is searched for backslashes 8 bytes a step without memchr,
/// whose set-up costs more than such a search.
const SHORT: usize = 128;

/// One step of reading a raw value: copy a range of it, or put one space for a fold.
enum Piece {
    Copy(Range<usize>),
    Space,
}

impl<'a> Value<'a> {
    /// A value from bytes not known to be text.
    #[cfg(test)]
    pub(crate) const fn new(raw: &'a [u8], flags: u8) -> Self {
        Value {
            raw: Raw::Bytes(raw),
            flags,
        }
    }

    pub(crate) const fn from_parts(raw: Raw<'a>, flags: u8) -> Self {
        Value { raw, flags }
    }

    /// The text of a value that needs no unescaping, when the header value was text.
    pub(crate) const fn as_text(&self) -> Option<&'a str> {
        match self.raw {
            Raw::Text(s) if !self.needs_unescape() => Some(s),
            _ => None,
        }
    }

    /// The bytes as they appear in the header, without the quotes but with any backslashes.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw.bytes()
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
        let raw = self.raw();
        if !self.needs_unescape() {
            return Cow::Borrowed(raw);
        }
        let mut out = Vec::with_capacity(raw.len());
        self.pieces(|piece| match piece {
            Piece::Copy(r) => out.extend_from_slice(raw.get(r).unwrap_or_default()),
            Piece::Space => out.push(b' '),
        });
        Cow::Owned(out)
    }

    /// The value as text, when it is valid UTF-8 (values may carry obs-text bytes that are not).
    ///
    /// Borrowed unless the value needs unescaping. A value of a header that was valid UTF-8 is
    /// not checked again.
    #[inline]
    pub fn to_str(&self) -> Option<Cow<'a, str>> {
        match self.raw {
            Raw::Text(s) if !self.needs_unescape() => Some(Cow::Borrowed(s)),
            _ => self.unescaped_text(),
        }
    }

    /// [`Value::to_str`] of a value that needs unescaping or was not text.
    fn unescaped_text(&self) -> Option<Cow<'a, str>> {
        match self.raw {
            Raw::Text(s) => {
                let mut out = String::with_capacity(s.len());
                // Pieces start and end next to ASCII bytes (`\`, CR, LF, SP, HTAB), which are
                // character boundaries, so every `get` succeeds.
                self.pieces(|piece| match piece {
                    Piece::Copy(r) => out.push_str(s.get(r).unwrap_or_default()),
                    Piece::Space => out.push(' '),
                });
                Some(Cow::Owned(out))
            }
            Raw::Bytes(_) => match self.bytes() {
                Cow::Borrowed(b) => core::str::from_utf8(b).ok().map(Cow::Borrowed),
                Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
            },
        }
    }

    /// The value as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        if let Some(s) = self.to_str() {
            return s;
        }
        match self.bytes() {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        }
    }

    /// Whether the unescaped value equals `other`, without allocating.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        self.eq_by(other, |a, b| a == b)
    }

    /// Whether the unescaped value equals `other`, ignoring ASCII case.
    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        self.eq_by(other.as_bytes(), <[u8]>::eq_ignore_ascii_case)
    }

    fn eq_by(&self, other: &[u8], same: impl Fn(&[u8], &[u8]) -> bool) -> bool {
        let raw = self.raw();
        if !self.needs_unescape() {
            return same(raw, other);
        }
        let mut rest = other;
        let mut equal = true;
        self.pieces(|piece| {
            let part = match piece {
                Piece::Copy(r) => raw.get(r).unwrap_or_default(),
                Piece::Space => b" ",
            };
            match rest.split_at_checked(part.len()) {
                Some((head, tail)) if equal && same(head, part) => rest = tail,
                _ => equal = false,
            }
        });
        equal && rest.is_empty()
    }

    /// Calls `f` with the pieces the unescaped value is made of, in order. Unescaping a
    /// quoted-pair drops its backslash, so the pieces are the runs between such backslashes,
    /// found a word at a time by memchr; an obs-fold (CR LF and the whitespace after it) is one
    /// space (RFC 9112 section 5.2).
    fn pieces(&self, mut f: impl FnMut(Piece)) {
        let raw = self.raw();
        let folded = self.flags & FOLDED != 0;
        let mut start = 0;
        let mut from = 0;
        loop {
            let rest = raw.get(from..).unwrap_or_default();
            let found = match (folded, raw.len() < SHORT) {
                (false, true) => crate::challenge::chars::find2_short(rest, b'\\', b'\\'),
                (false, false) => memchr::memchr(b'\\', rest),
                (true, _) => memchr::memchr2(b'\\', b'\r', rest),
            };
            let Some(at) = found.map(|k| from + k) else {
                f(Piece::Copy(start..raw.len()));
                return;
            };
            f(Piece::Copy(start..at));
            if raw.get(at) == Some(&b'\\') {
                // The escaped byte is the start of the next run, whatever it is.
                start = at + 1;
                from = at + 2;
            } else {
                // The parser admits a CR in a value only as the start of a fold.
                let blanks = raw
                    .get(at + 2..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                f(Piece::Space);
                start = at + 2 + blanks;
                from = start;
            }
            if from > raw.len() {
                // A backslash ends the value: the parser never produces one, but the reading
                // stays total.
                f(Piece::Copy(start.min(raw.len())..raw.len()));
                return;
            }
        }
    }
}

impl core::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.to_str_lossy(), f)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Kind {
    Scheme,
    Token68,
    Param,
}

/// The value part of an entry: its bytes as text or as bytes, with the entry's kind and the
/// value's flags beside the variant tag. Kept in one enum so that tag, kind and flags share a
/// word and an entry is 40 bytes rather than 48: the inline entries are set up and copied
/// with every parse.
#[derive(Clone, Copy, Debug)]
enum Slot<'a> {
    Text(&'a str, Kind, u8),
    Bytes(&'a [u8], Kind, u8),
}

/// One item of the flat list: a scheme, a token68 or a parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) name: &'a str,
    slot: Slot<'a>,
}

impl Default for Entry<'_> {
    fn default() -> Self {
        Entry::scheme("")
    }
}

impl<'a> Entry<'a> {
    pub(crate) const fn scheme(name: &'a str) -> Self {
        Entry {
            name,
            slot: Slot::Text("", Kind::Scheme, 0),
        }
    }

    /// `t` holds only token68 characters (ASCII), checked by the parser.
    pub(crate) const fn token68(t: &'a str) -> Self {
        Entry {
            name: "",
            slot: Slot::Text(t, Kind::Token68, 0),
        }
    }

    pub(crate) const fn param(name: &'a str, value: Value<'a>) -> Self {
        let slot = match value.raw {
            Raw::Text(t) => Slot::Text(t, Kind::Param, value.flags),
            Raw::Bytes(b) => Slot::Bytes(b, Kind::Param, value.flags),
        };
        Entry { name, slot }
    }

    pub(crate) const fn kind(&self) -> Kind {
        match self.slot {
            Slot::Text(_, kind, _) | Slot::Bytes(_, kind, _) => kind,
        }
    }

    /// The token68 or parameter value.
    pub(crate) const fn value(&self) -> Value<'a> {
        match self.slot {
            Slot::Text(t, _, flags) => Value::from_parts(Raw::Text(t), flags),
            Slot::Bytes(b, _, flags) => Value::from_parts(Raw::Bytes(b), flags),
        }
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
            self.spill();
        }
        self.heap.push(e);
        self.len += 1;
    }

    /// Moves the inline entries to the heap, once they are full.
    #[cold]
    #[inline(never)]
    fn spill(&mut self) {
        self.heap.reserve(INLINE * 2);
        self.heap.extend_from_slice(&self.inline);
    }

    /// Makes room for `additional` more entries at once, when they would not fit inline: a
    /// long header then fills one allocation instead of doubling into it.
    pub(crate) fn reserve(&mut self, additional: usize) {
        if self.heap.is_empty() {
            if self.len + additional <= INLINE {
                return;
            }
            self.heap.reserve(self.len + additional);
            self.heap
                .extend_from_slice(self.inline.get(..self.len).unwrap_or_default());
        } else {
            self.heap.reserve(additional);
        }
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
    fn values_hash_by_what_they_compare() {
        use core::hash::BuildHasher as _;
        let state = std::hash::RandomState::new();
        let hash_with = |v: &Value<'_>| state.hash_one(v);
        let a = Value::new(b"abc", 0);
        assert_eq!(hash_with(&a), hash_with(&Value::new(b"abc", 0)));
        assert_ne!(hash_with(&a), hash_with(&Value::new(b"abd", 0)));
        assert_ne!(hash_with(&a), hash_with(&Value::new(b"abc", 1)));
    }

    #[test]
    fn only_a_value_without_escapes_lends_its_text() {
        let plain = Value::from_parts(Raw::Text("abc"), QUOTED);
        assert_eq!(plain.as_text(), Some("abc"));
        let escaped = Value::from_parts(Raw::Text(r#"a\"b"#), QUOTED | UNESCAPE);
        assert_eq!(escaped.as_text(), None);
        assert_eq!(Value::new(b"abc", 0).as_text(), None);
    }

    #[test]
    fn a_value_shows_as_the_text_it_means() {
        let v = Value::from_parts(Raw::Text(r#"a\"b"#), QUOTED | UNESCAPE);
        assert_eq!(alloc::format!("{v:?}"), r#""a\"b""#);
    }

    #[test]
    fn a_reserved_list_fills_one_allocation() {
        // What the parser reserves from the header's length is taken at once, so a long
        // header does not double its way up.
        let mut l = EntryList::default();
        l.reserve(40);
        let room = l.heap.capacity();
        assert!(room >= 40, "{room}");
        for _ in 0..40 {
            l.push(Entry::scheme("a"));
        }
        assert_eq!(l.heap.capacity(), room);
        assert_eq!(l.as_slice().len(), 40);

        // Entries already inline count towards the room asked for.
        let mut l = EntryList::default();
        for _ in 0..5 {
            l.push(Entry::scheme("b"));
        }
        l.reserve(20);
        assert!(l.heap.capacity() >= 25, "{}", l.heap.capacity());
        assert_eq!(l.as_slice().len(), 5);

        // Spilling makes room for twice the inline entries in one step.
        let mut l = EntryList::default();
        for _ in 0..INLINE {
            l.push(Entry::scheme("c"));
        }
        l.spill();
        assert!(l.heap.capacity() >= 2 * INLINE, "{}", l.heap.capacity());
    }

    #[test]
    fn an_entry_is_five_words() {
        assert_eq!(core::mem::size_of::<Entry<'_>>(), 40);
    }

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
