//! Small helpers over `Unstructured` that never fail: once the input runs out, every choice
//! falls back to the first option, so the generated peers answer with the simplest response
//! and every flow still ends.

// Each target uses a different subset of these helpers.
#![allow(dead_code)]

use libfuzzer_sys::arbitrary::Unstructured;

/// An index below `len` (which must be at least 1).
pub fn index(u: &mut Unstructured<'_>, len: usize) -> usize {
    u.choose_index(len).unwrap_or(0)
}

pub fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> &'a T {
    &items[index(u, items.len())]
}

pub fn int(u: &mut Unstructured<'_>, lo: u64, hi: u64) -> u64 {
    u.int_in_range(lo..=hi).unwrap_or(lo)
}

pub fn flag(u: &mut Unstructured<'_>) -> bool {
    u.arbitrary::<bool>().unwrap_or(false)
}

/// True with probability about `num / den`; false once the input is used up (`ratio` alone
/// would say true then).
pub fn chance(u: &mut Unstructured<'_>, num: u8, den: u8) -> bool {
    !u.is_empty() && u.ratio(num, den).unwrap_or(false)
}

pub fn bytes(u: &mut Unstructured<'_>, max: usize) -> Vec<u8> {
    let n = int(u, 0, max as u64) as usize;
    u.bytes(n.min(u.len())).unwrap_or_default().to_vec()
}

/// Text from the input; invalid UTF-8 becomes U+FFFD so every byte still counts.
pub fn text(u: &mut Unstructured<'_>, max: usize) -> String {
    String::from_utf8_lossy(&bytes(u, max)).into_owned()
}

/// Either one of `items` or, for the last choice, text from the input.
pub fn pick_or_text(u: &mut Unstructured<'_>, items: &[&str], max: usize) -> String {
    let i = index(u, items.len() + 1);
    match items.get(i) {
        Some(s) => (*s).to_string(),
        None => text(u, max),
    }
}

/// Whether `needle` occurs in `haystack` (memchr's search: a window-by-window comparison
/// would send every window through libFuzzer's traced `memcmp` and slow each run tenfold).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Messages the crate promises are one line.
pub fn assert_one_line(what: &str, s: &str) {
    assert!(!s.contains(['\n', '\r']), "{what} is not one line: {s:?}");
}
