//! Byte classes of RFC 9110 as one lookup table, for the grammar's `take_while` rules.

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

/// Whether `b` is `qdtext` (HTAB, SP, VCHAR but `"` and `\\`, obs-text).
#[inline(always)]
pub(crate) fn is_qdtext(b: u8) -> bool {
    b == b'\t' || b == b' ' || is(b, QDTEXT)
}

/// Whether `b` may be part of a token68 before its `=` padding.
#[inline(always)]
pub(crate) fn is_token68(b: u8) -> bool {
    is(b, T68)
}

/// Whether `b` may be part of an unquoted value under the lax leniency.
#[inline(always)]
pub(crate) fn is_lax(b: u8) -> bool {
    is(b, LAX)
}

/// `SP / HTAB`, the whitespace of `OWS`.
#[inline(always)]
pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is `a` or `b`. The lowest one set is exact (a borrow
/// only runs from a zero byte towards higher ones), which is all the callers use.
#[inline(always)]
fn word_has(x: u64, a: u8, b: u8) -> u64 {
    let zeros = |y: u64| y.wrapping_sub(LO) & !y & HI;
    zeros(x ^ (LO * u64::from(a))) | zeros(x ^ (LO * u64::from(b)))
}

/// Where the first `a` or `b` is among the first 8 bytes of `s`: `Ok(index)`, or `Err(8)`
/// when there is none there, or `Err(0)` when `s` is shorter than 8 bytes.
#[inline(always)]
pub(crate) fn find2_in_first_word(s: &[u8], a: u8, b: u8) -> Result<usize, usize> {
    let Some(word) = s.first_chunk::<8>() else {
        return Err(0);
    };
    match word_has(u64::from_le_bytes(*word), a, b) {
        0 => Err(8),
        found => Ok((found.trailing_zeros() / 8) as usize),
    }
}

/// Where the first `a` or `b` of a short `s` is, 8 bytes a step.
#[inline]
pub(crate) fn find2_short(s: &[u8], a: u8, b: u8) -> Option<usize> {
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let x = word.try_into().map_or(0, u64::from_le_bytes);
        let found = word_has(x, a, b);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = words.remainder();
    tail.iter().position(|&c| c == a || c == b).map(|k| at + k)
}

/// Whether `b` is a control byte other than HTAB, or DEL.
#[inline(always)]
fn is_control(b: u8) -> u8 {
    (u8::from(b < 0x20) & !u8::from(b == b'\t')) | u8::from(b == 0x7f)
}

/// Whether `run` holds a control byte other than HTAB, or DEL: the bytes that may appear
/// neither as qdtext nor in a quoted-pair.
///
/// Written for the compiler to check 32 bytes a step: fixed-size blocks, without a branch or
/// an early exit inside one; the last partial block is checked as the 32 bytes that end the
/// run. A run shorter than a block is checked byte by byte.
#[inline]
pub(crate) fn has_control(run: &[u8]) -> bool {
    const BLOCK: usize = 32;
    fn block_has_control(block: &[u8; BLOCK]) -> bool {
        block.iter().fold(0, |seen, &b| seen | is_control(b)) != 0
    }
    let Some(last_start) = run.len().checked_sub(BLOCK) else {
        return run.iter().fold(0, |seen, &b| seen | is_control(b)) != 0;
    };
    let mut blocks = run.chunks_exact(BLOCK);
    let mut seen = false;
    for block in &mut blocks {
        seen |= block.try_into().is_ok_and(block_has_control);
    }
    let last = run.get(last_start..).and_then(|b| b.try_into().ok());
    seen || (!blocks.remainder().is_empty() && last.is_some_and(block_has_control))
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
    fn qdtext_and_escapable_match_rfc_9110() {
        for b in 0u8..=255 {
            let vchar = (0x21..=0x7e).contains(&b);
            let obs_text = b >= 0x80;
            let qd = b == b'\t' || b == b' ' || b == 0x21 || (0x23..=0x5b).contains(&b);
            let qd = qd || (0x5d..=0x7e).contains(&b) || obs_text;
            assert_eq!(is_qdtext(b), qd, "byte {b:#04x}");
            let pair = b == b'\t' || b == b' ' || vchar || obs_text;
            assert_eq!(is_escapable(b), pair, "byte {b:#04x}");
            assert_eq!(has_control(&[b]), !qd && !pair, "byte {b:#04x}");
        }
    }

    #[test]
    fn word_wide_search_finds_the_first_of_two_bytes_at_every_place() {
        for len in 0..40 {
            for at in 0..=len {
                let mut s = alloc::vec![b'a'; len];
                if at < len {
                    s[at] = b'\\';
                    if at + 2 < len {
                        s[at + 2] = b'"';
                    }
                }
                if at > 0 {
                    // One off from a searched byte, before it: must not count.
                    s[at - 1] = b'#';
                }
                let want = (at < len).then_some(at);
                assert_eq!(find2_short(&s, b'"', b'\\'), want, "len {len} at {at}");
                let first = find2_in_first_word(&s, b'"', b'\\');
                let want = match (len >= 8, want) {
                    (false, _) => Err(0),
                    (true, Some(k)) if k < 8 => Ok(k),
                    (true, _) => Err(8),
                };
                assert_eq!(first, want, "len {len} at {at}");
            }
        }
    }

    #[test]
    fn control_check_sees_a_control_byte_anywhere_in_a_long_run() {
        for len in 1..70 {
            for at in 0..len {
                let mut run = alloc::vec![b'a'; len];
                run[at] = 0x01;
                assert!(has_control(&run), "len {len} at {at}");
                run[at] = b'\t';
                assert!(!has_control(&run), "len {len} at {at}");
            }
        }
    }

    #[test]
    fn control_check_sees_two_control_bytes_as_well_as_one() {
        // Findings are gathered, not counted: a second control byte must not cancel the first.
        for len in 2..70 {
            for first in 0..len {
                for second in first + 1..len {
                    let mut run = alloc::vec![b'a'; len];
                    run[first] = 0x01;
                    run[second] = 0x7f;
                    assert!(has_control(&run), "len {len} at {first} and {second}");
                }
            }
        }
    }
}
