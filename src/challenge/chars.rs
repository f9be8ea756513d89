//! Byte classes of RFC 9110 as one lookup table, and the scanner for quoted strings.
//!
//! A table lookup per byte keeps token scanning branch-light; quoted strings, which hold most of
//! the bytes of a real challenge (URLs, scopes), are scanned eight bytes at a time.

/// `tchar`: the characters of a token (RFC 9110 section 5.6.2).
pub(crate) const TCHAR: u8 = 1;
/// The characters of `token68` before its trailing `=` (RFC 9110 section 11.2).
pub(crate) const T68: u8 = 2;
/// `qdtext` and the characters a quoted-pair may escape, except HTAB, SP, `"` and `\`.
const QDTEXT: u8 = 4;
/// The characters the lax unquoted-value leniency admits: any visible byte but `,` and `"`.
pub(crate) const LAX: u8 = 8;

// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const fn build_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut class = 0u8;
        let alnum = c.is_ascii_alphanumeric();
        if alnum
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            )
        {
            class |= TCHAR;
        }
        if alnum || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/') {
            class |= T68;
        }
        let visible = c > 0x20 && c != 0x7f;
        if visible && c != b'"' && c != b'\\' {
            class |= QDTEXT;
        }
        if visible && c != b',' && c != b'"' {
            class |= LAX;
        }
        t[b] = class;
        b += 1;
    }
    t
}

static TABLE: [u8; 256] = build_table();

/// Whether byte `b` belongs to every class in `mask`.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // a u8 always indexes a 256-entry table
pub(crate) fn is(b: u8, mask: u8) -> bool {
    TABLE[b as usize] & mask == mask
}

/// Whether `b` is `tchar`.
#[inline(always)]
pub(crate) fn is_tchar(b: u8) -> bool {
    is(b, TCHAR)
}

/// Whether `b` may follow a backslash in a quoted-pair: HTAB, SP, VCHAR or obs-text.
#[inline(always)]
pub(crate) fn is_escapable(b: u8) -> bool {
    b == b'\t' || b == b' ' || b == b'"' || b == b'\\' || is(b, QDTEXT)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// A high bit set in each byte of `x` that is zero. The lowest flagged byte is exact: a borrow
/// only ever runs from a zero byte towards higher ones, so false flags sit above a true one.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// A high bit set in each byte of the word that ends the fast path of a quoted string: a
/// control byte (HTAB included, it is rare), DEL, `"` or `\`. Exact for the lowest such byte,
/// like [`zero_bytes`]; combined with `|` so a word costs no branch.
#[inline(always)]
fn special_bytes(x: u64) -> u64 {
    // Bytes below 0x20: subtracting 0x20 from each borrows into the high bit exactly for them,
    // once bytes with the high bit already set (obs-text) are masked out by `!x`.
    let below_space = x.wrapping_sub(LO * 0x20) & !x & HI;
    below_space
        | zero_bytes(x ^ (LO * u64::from(b'"')))
        | zero_bytes(x ^ (LO * u64::from(b'\\')))
        | zero_bytes(x ^ (LO * 0x7f))
}

#[cfg(test)]
fn is_plain_qd(b: u8) -> bool {
    b >= 0x20 && b != 0x7f && b != b'"' && b != b'\\'
}

/// The index of the first byte of `s` that is not plain quoted-string text (see
/// [`special_bytes`]), or `s.len()` when there is none.
#[inline]
pub(crate) fn find_quoted_special(s: &[u8]) -> usize {
    let mut i = 0;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = special_bytes(u64::from_le_bytes(word));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // The tail, padded with zero bytes: they are control bytes, so a match at or past the
    // tail's length means the tail itself is plain.
    let rest = chunks.remainder();
    let mut word = [0u8; 8];
    if let Some(head) = word.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    let at = (special_bytes(u64::from_le_bytes(word)).trailing_zeros() / 8) as usize;
    i + at.min(rest.len())
}

/// The length of the longest prefix of `s` whose bytes are all in `mask`.
#[inline(always)]
pub(crate) fn span(s: &[u8], mask: u8) -> usize {
    s.iter().position(|&b| !is(b, mask)).unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tchar_matches_rfc_9110() {
        let specials = b"!#$%&'*+-.^_`|~";
        for b in 0u8..=255 {
            let want = b.is_ascii_alphanumeric() || specials.contains(&b);
            assert_eq!(is_tchar(b), want, "byte {b:#04x}");
        }
    }

    #[test]
    fn token68_chars_match_rfc_9110() {
        for b in 0u8..=255 {
            let want = b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
            assert_eq!(is(b, T68), want, "byte {b:#04x}");
        }
    }

    #[test]
    fn quoted_scan_finds_first_special_at_every_position() {
        for len in 0..40 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f, 0x7f, b'\t'] {
                    let mut s = alloc::vec![b'a'; len];
                    if at < len {
                        s[at] = special;
                    }
                    // obs-text bytes are plain text and must not stop the scan.
                    if at > 0 {
                        s[0] = 0xc3;
                    }
                    assert_eq!(
                        find_quoted_special(&s),
                        at,
                        "len {len} at {at} byte {special}"
                    );
                }
            }
        }
    }

    #[test]
    fn quoted_scan_agrees_with_bytewise_scan_for_every_byte() {
        for b in 0u8..=255 {
            let mut s = [b'x'; 16];
            s[9] = b;
            let want = if is_plain_qd(b) { 16 } else { 9 };
            assert_eq!(find_quoted_special(&s), want, "byte {b:#04x}");
        }
    }
}
