//! `quoted-string` (RFC 9110 section 5.6.4) as nom parsers, and the loose reading of quoted
//! strings that recovery uses to find where a malformed list member ends.
//!
//! ```text
//! quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! qdtext         = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//! quoted-pair    = "\" ( HTAB / SP / VCHAR / obs-text )
//! obs-fold       = OWS CRLF RWS                     ; RFC 9112 section 5.2, lenient only
//! ```
//!
//! Quoted strings hold most of the bytes of a real challenge (URLs, scopes), so `qdtext` finds
//! the end of a run with memchr, many bytes a step; everything else is plain combinators.

use memchr::{memchr2, memchr3};
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::combinator::{cut, opt, recognize, value, verify};
use nom::error::{ErrorKind, ParseError as _};
use nom::multi::many0_count;
use nom::sequence::{pair, preceded, terminated};
use nom::Parser;

use super::bytes::{byte, one, take, take_while1};
use super::chars::{find2_in_first_word, has_control, is_escapable, is_qdtext, is_wsp};
use super::entries::{FOLDED, QUOTED, UNESCAPE};
use super::grammar::{expecting, Fault, Grammar, RawValue, Res};
use super::{Expected, ParseErrorKind};

impl Grammar {
    /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`
    ///
    /// With the obs-fold leniency, a fold inside reads as one space: `"a\r\n b"` is `a b`.
    /// Once the opening quote is read the string must close before the header value ends:
    /// `cut`, and a failure at the end of the value is
    /// [`ParseErrorKind::UnterminatedQuote`] at the opening quote.
    #[inline]
    pub(super) fn quoted_string<'a>(&self, i: &'a [u8]) -> Res<'a, RawValue<'a>> {
        preceded(
            byte(b'"'),
            cut(terminated(self.rule(Self::quoted_text), closing_quote)),
        )
        .parse(i)
        .map_err(|e| match e {
            nom::Err::Failure(Fault { rest: 0, .. }) => {
                nom::Err::Failure(Fault::at(i, ParseErrorKind::UnterminatedQuote))
            }
            e => e,
        })
    }

    /// `*( qdtext / quoted-pair )`, the text of a quoted string, and the flags a reader of it
    /// needs.
    ///
    /// Read as `[ qdtext ] *( quoted-pair / qdtext )`: a string without escapes, nearly every
    /// one, is one run of qdtext and needs no repetition.
    #[inline]
    fn quoted_text<'a>(&self, i: &'a [u8]) -> Res<'a, RawValue<'a>> {
        let (rest, _) = self.qdtext_run0(i)?;
        let (rest, flags) = match rest.first() {
            Some(b'"') => (rest, QUOTED),
            _ => self.pieces(rest)?,
        };
        let raw = i.get(..i.len() - rest.len()).unwrap_or_default();
        Ok((rest, RawValue { raw, flags }))
    }

    /// `*( qdtext / quoted-pair )`, piece by piece, and the flags of them all: nom's
    /// `fold_many0(piece, || QUOTED, |flags, f| flags | f)`, written out. In a string dense
    /// with escapes, where every piece is a few bytes, nom's loop cost as much again as the
    /// pieces (callgrind, `benches/RESULTS.md`). A piece always reads a byte or more, so the
    /// loop ends.
    #[inline]
    fn pieces<'a>(&self, mut i: &'a [u8]) -> Res<'a, u8> {
        let mut flags = QUOTED;
        loop {
            match self.piece(i) {
                Ok((rest, f)) if rest.len() < i.len() => {
                    flags |= f;
                    i = rest;
                }
                Ok(_) | Err(nom::Err::Error(_)) => return Ok((i, flags)),
                Err(e) => return Err(e),
            }
        }
    }

    /// `*qdtext`: [`qdtext`] or nothing.
    #[inline(always)]
    fn qdtext_run0<'a>(&self, i: &'a [u8]) -> Res<'a, &'a [u8]> {
        match self.qdtext_run(i) {
            Err(nom::Err::Error(_)) => Ok((i, &[])),
            other => other,
        }
    }

    /// [`qdtext`], or in a header value known to hold no control byte but HTAB and no DEL,
    /// [`qdtext_clean`].
    #[inline(always)]
    fn qdtext_run<'a>(&self, i: &'a [u8]) -> Res<'a, &'a [u8]> {
        if self.clean {
            qdtext_clean(i)
        } else {
            qdtext(i)
        }
    }

    /// `qdtext / quoted-pair`, or with the obs-fold leniency an obs-fold: one piece of a
    /// quoted string's text, and the flags a reader of it needs.
    ///
    /// This is `alt` of the three, dispatched on the first byte, which tells them apart: the
    /// common case, the closing quote after a run of qdtext, then costs no call.
    #[inline(always)]
    fn piece<'a>(&self, i: &'a [u8]) -> Res<'a, u8> {
        match i.first() {
            Some(b'\\') => value(UNESCAPE, quoted_pair).parse(i),
            Some(b'\r') if self.obs_fold => value(UNESCAPE | FOLDED, obs_fold).parse(i),
            Some(b'"') | None => Err(nom::Err::Error(Fault::from_error_kind(i, ErrorKind::Alt))),
            Some(_) => value(0, self.rule(Self::qdtext_run)).parse(i),
        }
    }
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`, a run of one or more.
///
/// The run is `take_while1(is_qdtext)`, found faster: memchr finds the next `"`, `\` or CR
/// (the bytes that end a run in a valid string; CR where a fold may follow) many bytes a step,
/// and only a run that holds a control byte is read again, byte by byte, to find it. A run
/// ends at or before the next of those three bytes, where the next piece starts, so no byte is
/// searched twice.
pub(super) fn qdtext(i: &[u8]) -> Res<'_, &[u8]> {
    let stop = memchr3(b'"', b'\\', b'\r', i).unwrap_or(i.len());
    if has_control(i.get(..stop).unwrap_or_default()) {
        take_while1(is_qdtext).parse(i)
    } else {
        verify(take(stop), |run: &[u8]| !run.is_empty()).parse(i)
    }
}

/// [`qdtext`] in a header value known to hold no control byte but HTAB, and no DEL (so no CR
/// either): the run ends at the next `"` or `\` ([`quote_or_backslash`]).
#[inline(always)]
fn qdtext_clean(i: &[u8]) -> Res<'_, &[u8]> {
    verify(take(quote_or_backslash(i)), |run: &[u8]| !run.is_empty()).parse(i)
}

/// Where the first `"` or `\` of `s` is, or `s.len()`.
///
/// Between escapes, runs of qdtext are short, and memchr's set-up costs more than such a run:
/// the first 8 bytes are looked at together in a `u64`, and only a longer run is left to
/// memchr.
#[inline(always)]
fn quote_or_backslash(s: &[u8]) -> usize {
    match find2_in_first_word(s, b'"', b'\\') {
        Ok(at) => at,
        Err(seen) => {
            let rest = s.get(seen..).unwrap_or_default();
            seen + memchr2(b'"', b'\\', rest).unwrap_or(rest.len())
        }
    }
}

/// `quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )`
///
/// After the backslash the pair must be complete: `cut`.
pub(super) fn quoted_pair(i: &[u8]) -> Res<'_, &[u8]> {
    recognize(preceded(
        byte(b'\\'),
        cut(expecting(Expected::EscapedChar, one(is_escapable))),
    ))
    .parse(i)
}

/// `obs-fold = OWS CRLF RWS` (RFC 9112 section 5.2), from its CRLF: the OWS before it is
/// qdtext, or OWS already.
pub(super) fn obs_fold(i: &[u8]) -> Res<'_, &[u8]> {
    recognize(pair(tag("\r\n"), take_while1(is_wsp))).parse(i)
}

/// The closing `DQUOTE`; any other byte there is one that a quoted string may not hold.
fn closing_quote(i: &[u8]) -> Res<'_, ()> {
    value((), byte(b'"')).parse(i).map_err(|e| {
        e.map(|f| match i.first() {
            Some(&b) => Fault::at(i, ParseErrorKind::InvalidByte(b)),
            None => f,
        })
    })
}

/// The extent of a malformed list member, for recovery: up to the first comma outside a
/// quoted string, or the end of the header value. RFC 9110 has no rule for it; this one reads
/// quoted strings as `quoted-string` delimits them (a backslash takes the next byte along)
/// without checking the bytes they hold, so the bad byte that made the member malformed does
/// not hide what follows its closing quote. It starts where the member does, never inside a
/// quoted string, and reads each byte once.
///
/// `malformed = *( 1*( any byte but "," and DQUOTE ) / loose-quoted )`
pub(super) fn malformed(i: &[u8]) -> Res<'_, &[u8]> {
    let plain = take_while1(|b| b != b',' && b != b'"');
    recognize(many0_count(alt((plain, loose_quoted)))).parse(i)
}

/// `loose-quoted = DQUOTE *( 1*( any byte but DQUOTE and "\" ) / "\" [ any byte ] ) [ DQUOTE ]`
fn loose_quoted(i: &[u8]) -> Res<'_, &[u8]> {
    let escape = recognize(pair(byte(b'\\'), opt(take(1usize))));
    let plain = take_while1(|b| b != b'"' && b != b'\\');
    let inside = many0_count(alt((plain, escape)));
    recognize((byte(b'"'), inside, opt(byte(b'"')))).parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted_string(i: &[u8], folds: bool) -> Res<'_, RawValue<'_>> {
        let g = Grammar {
            obs_fold: folds,
            ..Grammar::default()
        };
        g.quoted_string(i)
    }

    fn bytes(v: RawValue<'_>) -> alloc::vec::Vec<u8> {
        crate::challenge::Value::new(v.raw, v.flags)
            .bytes()
            .into_owned()
    }

    fn kind<T: core::fmt::Debug>(r: Res<'_, T>) -> Option<ParseErrorKind> {
        match r {
            Err(nom::Err::Error(f) | nom::Err::Failure(f)) => f.kind,
            ok => panic!("{ok:?}"),
        }
    }

    #[test]
    fn qdtext_is_take_while1_of_qdtext_for_every_byte_at_every_place() {
        for len in 0..40 {
            for at in 0..=len {
                for b in 0u8..=255 {
                    let mut s = alloc::vec![b'a'; len];
                    if at < len {
                        s[at] = b;
                    }
                    let want =
                        nom::bytes::complete::take_while1::<_, _, Fault>(is_qdtext).parse(&s[..]);
                    assert_eq!(
                        qdtext(&s).ok(),
                        want.ok(),
                        "len {len} at {at} byte {b:#04x}"
                    );
                }
            }
        }
    }

    #[test]
    fn quote_or_backslash_finds_the_first_at_every_place() {
        for len in 0..80 {
            for at in 0..=len {
                for stop in [b'"', b'\\'] {
                    let mut s = alloc::vec![b'a'; len];
                    if at < len {
                        s[at] = stop;
                        // A later stop byte, and bytes that differ from a stop byte by one.
                        if at + 3 < len {
                            s[at + 3] = b'"';
                        }
                    }
                    if at > 0 {
                        s[at - 1] = b'#';
                    }
                    assert_eq!(quote_or_backslash(&s), at, "len {len} at {at}");
                }
            }
        }
    }

    #[test]
    fn quoted_string_ends_at_the_first_unescaped_quote() {
        let (rest, v) = quoted_string(br#""a\"b\\c" tail"#, false).unwrap();
        assert_eq!(rest, b" tail");
        assert_eq!(v.raw, br#"a\"b\\c"#);
        assert_eq!(bytes(v), br#"a"b\c"#);
        assert_eq!(v.flags, QUOTED | UNESCAPE);
        let (_, v) = quoted_string(b"\"\"", false).unwrap();
        assert_eq!((v.raw, v.flags), (&b""[..], QUOTED));
    }

    #[test]
    fn quoted_string_faults_name_the_byte_or_the_open_quote() {
        let r = quoted_string(b"\"a\x01b\"", false);
        assert_eq!(kind(r), Some(ParseErrorKind::InvalidByte(1)));
        let r = quoted_string(b"\"abc\\", false);
        assert_eq!(kind(r), Some(ParseErrorKind::UnterminatedQuote));
        let r = quoted_string(b"\"abc", false);
        assert!(matches!(r, Err(nom::Err::Failure(Fault { rest: 4, .. }))));
        let r = quoted_string(b"\"a\\\x01\"", false);
        assert_eq!(
            kind(r),
            Some(ParseErrorKind::Expected(Expected::EscapedChar))
        );
        // Not a quoted string at all: an error another alternative may try after.
        assert!(matches!(
            quoted_string(b"abc", false),
            Err(nom::Err::Error(_))
        ));
    }

    #[test]
    fn quoted_string_folds_lines_only_when_asked() {
        assert!(quoted_string(b"\"a\r\n b\"", false).is_err());
        let (_, v) = quoted_string(b"\"a\r\n b\"", true).unwrap();
        assert_eq!(bytes(v), b"a b");
        let (_, v) = quoted_string(b"\"a\r\n \t b\"", true).unwrap();
        assert_eq!(bytes(v), b"a b", "the whole fold is one space");
        assert!(quoted_string(b"\"a\r\nb\"", true).is_err(), "CRLF alone");
    }

    #[test]
    fn malformed_member_ends_at_the_first_comma_outside_quotes_whatever_the_quotes_hold() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a b, c", b", c"),
            (b"x=\"a\x01,b=c\", B", b", B"),
            (b"x=\"a\\\x01,b\", B", b", B"),
            (b"x=\"a\\\",b\", B", b", B"),
            (b"x=\"\"\"y,\",z", b",z"),
            (b"x=\\,y", b",y"),
            // An open quoted string, or a backslash at the very end, runs to the end.
            (b"x=\"a, B", b""),
            (b"x=\"a\\", b""),
            (b"", b""),
        ];
        for &(input, rest) in cases {
            assert_eq!(malformed(input).unwrap().0, rest, "{input:?}");
        }
    }
}
