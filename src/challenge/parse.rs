//! The grammar of RFC 9110 section 11 as nom parsers over bytes, and the list driver that
//! carries state across header values, enforces limits and recovers from malformed challenges.
//!
//! Each grammar rule is a small nom parser (`IResult` in, `IResult` out). The list level is a
//! plain loop: a list element is either a new challenge or a parameter of the current one, and
//! only the driver knows which challenge is current, across the comma that joins two header
//! values. Every step consumes input or ends the line, and recovery rescans a malformed element
//! once, from its start to its end, so the work is linear in the input.

use nom::error::{ErrorKind as NomErrorKind, ParseError as NomParseError};
use nom::IResult;

use super::chars::{find_quoted_special, is_escapable, is_tchar, span, LAX, T68, TCHAR};
use super::entries::{Entry, Value, FOLDED, QUOTED, UNESCAPE};
use super::{Challenges, Expected, Limit, ParseError, ParseErrorKind, ParserConfig};

/// A grammar error: how many bytes were left when it happened, and what it was.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fault {
    rest: usize,
    kind: ParseErrorKind,
}

impl<'a> NomParseError<&'a [u8]> for Fault {
    fn from_error_kind(input: &'a [u8], _kind: NomErrorKind) -> Self {
        Fault {
            rest: input.len(),
            kind: ParseErrorKind::Expected(Expected::Value),
        }
    }

    fn append(_input: &'a [u8], _kind: NomErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, O> = IResult<&'a [u8], O, Fault>;

fn fault(at: &[u8], kind: ParseErrorKind) -> nom::Err<Fault> {
    nom::Err::Error(Fault {
        rest: at.len(),
        kind,
    })
}

fn expected(at: &[u8], what: Expected) -> nom::Err<Fault> {
    fault(at, ParseErrorKind::Expected(what))
}

fn limit(at: &[u8], which: Limit) -> nom::Err<Fault> {
    // Limits are never recovered from; `Failure` tells the driver so.
    nom::Err::Failure(Fault {
        rest: at.len(),
        kind: ParseErrorKind::LimitExceeded(which),
    })
}

fn tail(s: &[u8], n: usize) -> &[u8] {
    s.get(n..).unwrap_or_default()
}

/// The leniency switches, copied out of the configuration for the grammar rules.
#[derive(Clone, Copy)]
struct Grammar {
    missing_commas: bool,
    lax_unquoted_values: bool,
    empty_unquoted_values: bool,
    obs_fold: bool,
}

impl Grammar {
    /// `OWS` (and `BWS`): spaces and tabs; with the obs-fold leniency also CRLF followed by one.
    #[inline]
    fn ows<'a>(&self, mut i: &'a [u8]) -> &'a [u8] {
        loop {
            i = tail(
                i,
                i.iter()
                    .position(|&b| b != b' ' && b != b'\t')
                    .unwrap_or(i.len()),
            );
            if self.obs_fold && is_fold(i) {
                i = tail(i, 3);
            } else {
                return i;
            }
        }
    }

    /// The separators of a `#` list: OWS and commas, any number (empty elements are allowed).
    #[inline]
    fn separators<'a>(&self, mut i: &'a [u8]) -> &'a [u8] {
        loop {
            i = self.ows(i);
            match i.first() {
                Some(b',') => i = tail(i, 1),
                _ => return i,
            }
        }
    }

    /// `token = 1*tchar`
    #[inline]
    fn token<'a>(&self, i: &'a [u8], what: Expected) -> Res<'a, &'a [u8]> {
        let n = span(i, TCHAR);
        let (tok, rest) = i.split_at_checked(n).ok_or_else(|| expected(i, what))?;
        if tok.is_empty() {
            return Err(expected(i, what));
        }
        Ok((rest, tok))
    }

    /// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
    #[inline]
    fn token68<'a>(&self, i: &'a [u8]) -> Res<'a, &'a [u8]> {
        let n = span(i, T68);
        if n == 0 {
            return Err(expected(i, Expected::SchemeOrParam));
        }
        let pad = tail(i, n).iter().take_while(|&&b| b == b'=').count();
        let (t, rest) = i
            .split_at_checked(n + pad)
            .ok_or_else(|| expected(i, Expected::SchemeOrParam))?;
        Ok((rest, t))
    }

    /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`, starting at the opening quote.
    #[inline]
    fn quoted<'a>(&self, i: &'a [u8]) -> Res<'a, Value<'a>> {
        let body = tail(i, 1);
        let mut flags = QUOTED;
        let mut pos = 0;
        loop {
            let k = pos + find_quoted_special(tail(body, pos));
            match body.get(k) {
                None => return Err(fault(i, ParseErrorKind::UnterminatedQuote)),
                Some(b'"') => {
                    let raw = body.get(..k).unwrap_or_default();
                    return Ok((tail(body, k + 1), Value::new(raw, flags)));
                }
                Some(b'\\') => match body.get(k + 1) {
                    Some(&c) if is_escapable(c) => {
                        flags |= UNESCAPE;
                        pos = k + 2;
                    }
                    Some(_) => return Err(expected(tail(body, k + 1), Expected::EscapedChar)),
                    None => return Err(fault(i, ParseErrorKind::UnterminatedQuote)),
                },
                Some(b'\t') => pos = k + 1,
                Some(b'\r') if self.obs_fold && is_fold(tail(body, k)) => {
                    flags |= UNESCAPE | FOLDED;
                    pos = k + 3;
                }
                Some(&b) => {
                    return Err(fault(tail(body, k), ParseErrorKind::InvalidByte(b)));
                }
            }
        }
    }

    /// `( token / quoted-string )`, or with leniencies a lax or empty unquoted value.
    #[inline]
    fn value<'a>(&self, i: &'a [u8]) -> Res<'a, Value<'a>> {
        if i.first() == Some(&b'"') {
            return self.quoted(i);
        }
        let mask = if self.lax_unquoted_values { LAX } else { TCHAR };
        let n = span(i, mask);
        if n == 0 {
            let at_end = matches!(i.first(), None | Some(b',' | b' ' | b'\t'));
            if self.empty_unquoted_values && at_end {
                return Ok((i, Value::new(&[], 0)));
            }
            return Err(expected(i, Expected::Value));
        }
        let (v, rest) = i
            .split_at_checked(n)
            .ok_or_else(|| expected(i, Expected::Value))?;
        Ok((rest, Value::new(v, 0)))
    }

    /// `BWS "=" BWS value`, after a parameter name.
    #[inline]
    fn param_value<'a>(&self, i: &'a [u8]) -> Res<'a, Value<'a>> {
        let i = self.ows(i);
        match i.first() {
            Some(b'=') => self.value(self.ows(tail(i, 1))),
            _ => Err(expected(i, Expected::Equals)),
        }
    }

    /// Whether the next list element is an auth-param (`token BWS "="`).
    fn starts_param(&self, i: &[u8]) -> bool {
        let i = self.separators(i);
        let after = tail(i, span(i, TCHAR));
        after.len() < i.len() && self.ows(after).first() == Some(&b'=')
    }

    /// What may follow a complete element: OWS, then `,` or the end of the value (or, with the
    /// missing-commas leniency, whitespace and the next element).
    #[inline]
    fn element_end<'a>(&self, i: &'a [u8]) -> Result<&'a [u8], nom::Err<Fault>> {
        let j = self.ows(i);
        match j.first() {
            None | Some(b',') => Ok(j),
            Some(&b) if self.missing_commas && is_tchar(b) && j.len() < i.len() => Ok(j),
            Some(_) => Err(expected(j, Expected::CommaOrEnd)),
        }
    }
}

fn is_fold(i: &[u8]) -> bool {
    matches!(i, [b'\r', b'\n', b' ' | b'\t', ..])
}

/// Where the list driver stands between elements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// No challenge yet: the next element must start one.
    Start,
    /// Inside a challenge that takes auth-params; `params` counts them.
    Params { params: usize },
    /// After a token68 challenge, which takes no parameters.
    Token68,
    /// Recovering: parameters are dropped until an element starts a new challenge.
    Skipping,
}

struct Driver<'a> {
    g: Grammar,
    /// The current header value as text when it is valid UTF-8 (the usual case), and where it
    /// starts: names are sliced out of it, so one validation per value replaces one per token.
    text: Option<&'a str>,
    base: usize,
    limits: super::Limits,
    state: State,
    out: Challenges<'a>,
    /// Entry index of the current challenge's scheme, to drop it on recovery.
    current: usize,
}

impl<'a> Driver<'a> {
    /// A token of the current value as text (tokens are ASCII, so this never fails; the error
    /// path only keeps the parser total).
    fn text_of(&self, tok: &'a [u8], what: Expected) -> Result<&'a str, nom::Err<Fault>> {
        let off = (tok.as_ptr() as usize).wrapping_sub(self.base);
        match self
            .text
            .and_then(|t| t.get(off..off.wrapping_add(tok.len())))
        {
            Some(t) => Ok(t),
            None => core::str::from_utf8(tok).map_err(|_| expected(tok, what)),
        }
    }

    fn push_scheme(&mut self, at: &'a [u8], scheme: &'a str) -> Result<(), nom::Err<Fault>> {
        if self.out.count + self.out.skipped.len() >= self.limits.max_challenges {
            return Err(limit(at, Limit::Challenges));
        }
        self.current = self.out.entries.len();
        self.out.entries.push(Entry::scheme(scheme));
        self.out.count += 1;
        self.state = State::Params { params: 0 };
        Ok(())
    }

    /// One list element: a challenge (scheme, and token68 or its first auth-param) or an
    /// auth-param of the current challenge. Returns the input after the element.
    fn element(&mut self, i: &'a [u8]) -> Result<&'a [u8], nom::Err<Fault>> {
        let g = self.g;
        let what = if self.state == State::Start {
            Expected::AuthScheme
        } else {
            Expected::SchemeOrParam
        };
        let (after, tok) = g.token(i, what)?;
        let tok = self.text_of(tok, what)?;
        let j = g.ows(after);
        if j.first() == Some(&b'=') {
            let (rest, value) = g.param_value(j)?;
            match self.state {
                State::Start => return Err(expected(i, Expected::AuthScheme)),
                State::Token68 => return Err(expected(i, Expected::NoParamsAfterToken68)),
                State::Skipping => {}
                State::Params { params } => {
                    if params >= self.limits.max_params {
                        return Err(limit(i, Limit::Params));
                    }
                    self.out.entries.push(Entry::param(tok, value));
                    self.state = State::Params { params: params + 1 };
                }
            }
            return g.element_end(rest);
        }

        self.push_scheme(i, tok)?;
        if matches!(j.first(), None | Some(b',')) {
            return Ok(j);
        }
        if j.len() == after.len() {
            // `Bearer"x"`: something glued to the scheme.
            return Err(expected(j, Expected::CommaOrEnd));
        }
        // A parameter (`name=value`, the common case) is read directly; only what cannot be
        // one is tried as a token68, so the first name is not scanned twice.
        if let Ok((after_name, name)) = g.token(j, Expected::SchemeOrParam) {
            let eq = g.ows(after_name);
            let value = g.ows(tail(eq, 1));
            let param_like = eq.first() == Some(&b'=')
                && match value.first() {
                    Some(b'"') => true,
                    Some(&b) => b != b'=' && is_tchar(b),
                    None => false,
                };
            if param_like {
                let name = self.text_of(name, Expected::SchemeOrParam)?;
                let (rest, value) = g.value(value)?;
                return self.first_param(j, name, value, rest);
            }
        }
        if let Ok((rest, t68)) = g.token68(j) {
            let rest = g.ows(rest);
            // `Basic realm=, charset=x` reads as an empty `realm` under the empty-value
            // leniency: a token68 cannot be followed by parameters anyway.
            let empty_param =
                g.empty_unquoted_values && t68.ends_with(b"=") && g.starts_param(tail(rest, 1));
            if matches!(rest.first(), None | Some(b',')) && !empty_param {
                self.out.entries.push(Entry::token68(t68));
                self.state = State::Token68;
                return Ok(rest);
            }
        }
        let (after_name, name) = g.token(j, Expected::SchemeOrParam)?;
        let name = self.text_of(name, Expected::SchemeOrParam)?;
        let (rest, value) = g.param_value(after_name)?;
        self.first_param(j, name, value, rest)
    }

    /// Records the first parameter of a challenge and checks what follows it.
    fn first_param(
        &mut self,
        at: &'a [u8],
        name: &'a str,
        value: Value<'a>,
        rest: &'a [u8],
    ) -> Result<&'a [u8], nom::Err<Fault>> {
        if self.limits.max_params == 0 {
            return Err(limit(at, Limit::Params));
        }
        self.out.entries.push(Entry::param(name, value));
        self.state = State::Params { params: 1 };
        self.g.element_end(rest)
    }

    /// Drops the challenge being read and skips to the end of the list element that starts at
    /// `start` and failed at `at` (see [`skip_element`]).
    fn recover(
        &mut self,
        start: &'a [u8],
        at: &'a [u8],
        error: ParseError,
    ) -> Result<&'a [u8], nom::Err<Fault>> {
        if matches!(self.state, State::Params { .. } | State::Token68) {
            self.out.entries.truncate(self.current);
            self.out.count -= 1;
        }
        if self.state != State::Skipping {
            if self.out.count + self.out.skipped.len() >= self.limits.max_challenges {
                return Err(limit(at, Limit::Challenges));
            }
            self.out.skipped.push(error);
        }
        self.state = State::Skipping;
        Ok(skip_element(start))
    }
}

/// Where a malformed list element that starts at `i` ends: at the first comma outside a quoted
/// string, or at the end of the header value.
///
/// The scan starts where the element does, which is never inside a quoted string, rather than
/// at the fault, which may be: from there a closing quote would read as an opening one. Quoted
/// strings are followed as the grammar reads them (`"` opens and closes, `\` takes the next
/// byte along), but no byte inside one is checked, so the bad byte that caused the fault does
/// not stop the scan. A quoted string left open runs to the end of the value, as quoted strings
/// do not span header values. Each byte is looked at once.
fn skip_element(i: &[u8]) -> &[u8] {
    let mut quoted = false;
    let mut k = 0;
    while let Some(&b) = i.get(k) {
        match (quoted, b) {
            (false, b',') => break,
            (_, b'"') => quoted = !quoted,
            (true, b'\\') => k += 1,
            _ => {}
        }
        k += 1;
    }
    tail(i, k.min(i.len()))
}

pub(super) fn parse<'a, I>(values: I, config: &ParserConfig) -> Result<Challenges<'a>, ParseError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    parse_values(values.into_iter().map(|v| (v, None)), config)
}

/// Like [`parse`] for values known to be text: names are sliced from them without validation.
pub(super) fn parse_text<'a, I>(
    values: I,
    config: &ParserConfig,
) -> Result<Challenges<'a>, ParseError>
where
    I: IntoIterator<Item = &'a str>,
{
    parse_values(values.into_iter().map(|v| (v.as_bytes(), Some(v))), config)
}

fn parse_values<'a, I>(values: I, config: &ParserConfig) -> Result<Challenges<'a>, ParseError>
where
    I: Iterator<Item = (&'a [u8], Option<&'a str>)>,
{
    let mut d = Driver {
        g: Grammar {
            missing_commas: config.missing_commas,
            lax_unquoted_values: config.lax_unquoted_values,
            empty_unquoted_values: config.empty_unquoted_values,
            obs_fold: config.obs_fold,
        },
        limits: config.limits,
        state: State::Start,
        out: Challenges::empty(),
        current: 0,
        text: None,
        base: 0,
    };
    let mut total: usize = 0;
    let mut end = None;
    for (index, (line, text)) in values.enumerate() {
        let at = |rest: usize| ParseError {
            value: index,
            offset: line.len().saturating_sub(rest),
            kind: ParseErrorKind::Expected(Expected::AuthScheme),
        };
        let joiner = if index > 0 { 2 } else { 0 };
        total = total.saturating_add(line.len()).saturating_add(joiner);
        if total > d.limits.max_header_bytes {
            let over = total - d.limits.max_header_bytes;
            return Err(ParseError {
                kind: ParseErrorKind::LimitExceeded(Limit::HeaderBytes),
                ..at(over.min(line.len()))
            });
        }
        end = Some(at(0));
        d.text = text.or_else(|| core::str::from_utf8(line).ok());
        d.base = line.as_ptr() as usize;
        let mut i = line;
        loop {
            i = d.g.separators(i);
            if i.is_empty() {
                break;
            }
            match d.element(i) {
                Ok(rest) => i = rest,
                Err(nom::Err::Error(f)) if config.skip_malformed => {
                    let error = ParseError {
                        kind: f.kind,
                        ..at(f.rest)
                    };
                    let fault_at = tail(line, line.len().saturating_sub(f.rest));
                    i = d
                        .recover(i, fault_at, error)
                        .map_err(|e| to_error(e, &at))?;
                }
                Err(e) => return Err(to_error(e, &at)),
            }
        }
    }
    if d.out.count == 0 {
        if let Some(first) = d.out.skipped.first() {
            return Err(*first);
        }
        if let Some(end) = end {
            if !config.skip_malformed {
                return Err(end);
            }
        }
    }
    Ok(d.out)
}

fn to_error(e: nom::Err<Fault>, at: &impl Fn(usize) -> ParseError) -> ParseError {
    match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => ParseError {
            kind: f.kind,
            ..at(f.rest)
        },
        // Only streaming parsers return `Incomplete`; ours are all complete-input parsers.
        nom::Err::Incomplete(_) => at(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(lenient: bool) -> Grammar {
        Grammar {
            missing_commas: lenient,
            lax_unquoted_values: lenient,
            empty_unquoted_values: lenient,
            obs_fold: lenient,
        }
    }

    #[test]
    fn ows_stops_at_first_non_space_and_folds_only_when_lenient() {
        assert_eq!(g(false).ows(b" \t x"), b"x");
        assert_eq!(g(false).ows(b"\r\n x"), b"\r\n x");
        assert_eq!(g(true).ows(b" \r\n\tx"), b"x");
        assert_eq!(g(true).ows(b"\r\nx"), b"\r\nx");
    }

    #[test]
    fn token_needs_at_least_one_tchar() {
        assert_eq!(
            g(false).token(b"Bearer x", Expected::AuthScheme).unwrap(),
            (&b" x"[..], &b"Bearer"[..])
        );
        assert!(g(false).token(b"\"x\"", Expected::AuthScheme).is_err());
        assert!(g(false).token(b"", Expected::AuthScheme).is_err());
    }

    #[test]
    fn token68_takes_padding() {
        assert_eq!(
            g(false).token68(b"YWxh/+c2==, x").unwrap(),
            (&b", x"[..], &b"YWxh/+c2=="[..])
        );
        assert!(g(false).token68(b"=abc").is_err());
    }

    #[test]
    fn quoted_string_ends_at_first_unescaped_quote() {
        let (rest, v) = g(false).quoted(br#""a\"b\\c" tail"#).unwrap();
        assert_eq!(rest, b" tail");
        assert_eq!(v.raw(), br#"a\"b\\c"#);
        assert_eq!(&*v.bytes(), br#"a"b\c"#);
    }

    #[test]
    fn quoted_string_rejects_control_bytes_and_dangling_escape() {
        assert!(matches!(
            g(false).quoted(b"\"a\x01b\""),
            Err(nom::Err::Error(Fault {
                kind: ParseErrorKind::InvalidByte(1),
                ..
            }))
        ));
        assert!(matches!(
            g(false).quoted(b"\"abc\\"),
            Err(nom::Err::Error(Fault {
                kind: ParseErrorKind::UnterminatedQuote,
                ..
            }))
        ));
        assert!(g(false).quoted(b"\"a\\\x01\"").is_err());
    }

    #[test]
    fn quoted_string_folds_lines_only_when_lenient() {
        assert!(g(false).quoted(b"\"a\r\n b\"").is_err());
        let (_, v) = g(true).quoted(b"\"a\r\n b\"").unwrap();
        assert_eq!(&*v.bytes(), b"a b");
        let (_, v) = g(true).quoted(b"\"a\r\n \t b\"").unwrap();
        assert_eq!(&*v.bytes(), b"a b", "the whole fold is one space");
    }

    #[test]
    fn value_is_token_or_quoted_and_lenient_admits_lax_and_empty() {
        assert_eq!(g(false).value(b"abc,").unwrap().1.raw(), b"abc");
        assert!(g(false)
            .value(b"https://x/y")
            .is_ok_and(|(rest, _)| rest == b"://x/y"));
        assert_eq!(
            g(true).value(b"https://x/y,").unwrap().1.raw(),
            b"https://x/y"
        );
        assert!(g(false).value(b",").is_err());
        assert_eq!(g(true).value(b",").unwrap().1.raw(), b"");
    }

    #[test]
    fn param_value_allows_whitespace_around_equals() {
        assert_eq!(g(false).param_value(b" = \"x\"").unwrap().1.raw(), b"x");
        assert!(g(false).param_value(b" x").is_err());
    }

    #[test]
    fn skip_element_stops_at_the_first_comma_outside_quotes_whatever_the_quotes_hold() {
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
            assert_eq!(skip_element(input), rest, "{input:?}");
        }
    }

    #[test]
    fn element_end_needs_comma_unless_missing_commas_allowed() {
        assert!(g(false).element_end(b" , x").is_ok());
        assert!(g(false).element_end(b" x").is_err());
        assert!(g(true).element_end(b" x").is_ok());
        assert!(g(true).element_end(b"x").is_err());
    }
}
