//! nom's byte-level parsers (`take_while`, `take_while1`, `take`, `satisfy`, `char`) for
//! `&[u8]`, in a form the compiler inlines.
//!
//! They mean exactly what nom's do. nom 8.0 splits `&[u8]` input through `Input::take_from`,
//! which is not `#[inline]`, so each of its byte-level parsers costs a function call; the
//! grammar calls them about 34 times for Docker Hub's challenge, a tenth of the instructions
//! of a parse (callgrind). These split the slice in place. The grammar's structure (`alt`,
//! `opt`, `preceded`, `cut`, ...) is nom's own.

use nom::error::{ErrorKind, ParseError as _};

use super::grammar::{Fault, Res};

fn fail(i: &[u8], kind: ErrorKind) -> nom::Err<Fault> {
    nom::Err::Error(Fault::from_error_kind(i, kind))
}

/// The input split after `n` bytes, as nom returns it: `(rest, taken)`.
#[inline(always)]
fn split(i: &[u8], n: usize) -> (&[u8], &[u8]) {
    match i.split_at_checked(n) {
        Some((taken, rest)) => (rest, taken),
        None => (&[], i),
    }
}

/// nom's `take_while`: the longest prefix of bytes for which `f` holds.
#[inline(always)]
pub(super) fn take_while<'a>(f: impl Fn(u8) -> bool) -> impl Fn(&'a [u8]) -> Res<'a, &'a [u8]> {
    move |i| Ok(split(i, i.iter().position(|&b| !f(b)).unwrap_or(i.len())))
}

/// nom's `take_while1`: [`take_while`], but at least one byte.
#[inline(always)]
pub(super) fn take_while1<'a>(f: impl Fn(u8) -> bool) -> impl Fn(&'a [u8]) -> Res<'a, &'a [u8]> {
    move |i| match i.iter().position(|&b| !f(b)).unwrap_or(i.len()) {
        0 => Err(fail(i, ErrorKind::TakeWhile1)),
        n => Ok(split(i, n)),
    }
}

/// nom's `take`: the next `n` bytes.
#[inline(always)]
pub(super) fn take<'a>(n: usize) -> impl Fn(&'a [u8]) -> Res<'a, &'a [u8]> {
    move |i| match n <= i.len() {
        true => Ok(split(i, n)),
        false => Err(fail(i, ErrorKind::Eof)),
    }
}

/// nom's `satisfy` for a byte: one byte for which `f` holds.
#[inline(always)]
pub(super) fn one<'a>(f: impl Fn(u8) -> bool) -> impl Fn(&'a [u8]) -> Res<'a, u8> {
    move |i| match i.split_first() {
        Some((&b, rest)) if f(b) => Ok((rest, b)),
        _ => Err(fail(i, ErrorKind::Satisfy)),
    }
}

/// nom's `char` for a byte: `c` itself.
#[inline(always)]
pub(super) fn byte<'a>(c: u8) -> impl Fn(&'a [u8]) -> Res<'a, u8> {
    move |i| match i.split_first() {
        Some((&b, rest)) if b == c => Ok((rest, b)),
        _ => Err(fail(i, ErrorKind::Char)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::Parser;

    /// Each parser against nom's own, on every split of a few inputs.
    #[test]
    fn byte_parsers_agree_with_nom() {
        let inputs: [&[u8]; 5] = [b"", b"a", b"aab", b"baa", b"aaa"];
        let is_a = |b: u8| b == b'a';
        for i in inputs {
            let ours = take_while(is_a)(i).ok();
            let nom = nom::bytes::complete::take_while::<_, _, Fault>(is_a).parse(i);
            assert_eq!(ours, nom.ok(), "{i:?}");
            let ours = take_while1(is_a)(i).ok();
            let nom = nom::bytes::complete::take_while1::<_, _, Fault>(is_a).parse(i);
            assert_eq!(ours, nom.ok(), "{i:?}");
            for n in 0..4 {
                let ours = take(n)(i).ok();
                let nom = nom::bytes::complete::take::<_, _, Fault>(n).parse(i);
                assert_eq!(ours, nom.ok(), "{i:?} {n}");
            }
            let ours = byte(b'a')(i).ok().map(|(r, c)| (r, char::from(c)));
            let nom = nom::character::complete::char::<_, Fault>('a').parse(i);
            assert_eq!(ours, nom.ok(), "{i:?}");
            let ours = one(is_a)(i).ok().map(|(r, c)| (r, char::from(c)));
            let nom = nom::character::complete::satisfy::<_, _, Fault>(|c| c == 'a').parse(i);
            assert_eq!(ours, nom.ok(), "{i:?}");
        }
    }
}
