//! Reading `#challenge` over one or many header values: which challenge each auth-param
//! belongs to, the limits, recovery from malformed members, and the output.
//!
//! The grammar (`grammar.rs`) reads each list member on its own; this reader keeps what the
//! members before it said. Its decisions:
//!
//! - **Lines are comma-joined** (RFC 9110 section 5.3): the values of several
//!   `WWW-Authenticate` lines mean what they mean joined with `", "`. A challenge's parameter
//!   list therefore continues on the next line (`Bearer realm="a"` then `service="b"`), and a
//!   bare scheme followed by a line of parameters (`Basic` then `realm="a"`) is
//!   `Basic, realm="a"`. Elements do not span lines: a quoted string left open at the end of
//!   a line is unterminated.
//! - **Each line's value is trimmed** of the spaces and tabs around it, as HTTP/1.1 parsing
//!   does to a field line (RFC 9112 section 5), so `Basic ` is a bare `Basic`.
//! - **An auth-param must follow a challenge that takes them.** After `Basic` alone (no
//!   `1*SP`), after a token68, or before any challenge, a member that is only an auth-param is
//!   an error, unless [`ParserConfig::comma_after_scheme`] attaches it to a bare scheme.

use nom::Parser as _;

use super::chars::{has_control, is_wsp};
use super::entries::{Entry, Raw, Value};
use super::grammar::{AuthParam, Body, Element, Fault, Grammar, RawValue};
use super::{Challenges, Expected, Limit, Limits, ParseError, ParseErrorKind, ParserConfig};

/// What the members read so far allow next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No challenge yet: the next member must start one.
    Start,
    /// Inside a challenge that takes auth-params; `params` counts those kept.
    Params { params: usize },
    /// After a scheme without `1*SP`: the next member must start a challenge.
    Bare,
    /// After a token68, which takes no parameters.
    Token68,
    /// Recovering: auth-params are dropped until a member starts a new challenge.
    Skipping,
}

/// The header value being read.
#[derive(Clone, Copy, Default)]
struct Line<'a> {
    /// The whole line, and its text when it is valid UTF-8 (the usual case).
    bytes: &'a [u8],
    text: Option<&'a str>,
    /// Its index among the values, and where the trimmed value starts and how long it is.
    index: usize,
    start: usize,
    len: usize,
}

impl<'a> Line<'a> {
    /// `part`, a slice of this line, as text. It is sliced out of the line's text, which was
    /// checked once, rather than checked again.
    #[inline(always)]
    fn text_of(&self, part: &'a [u8]) -> Option<&'a str> {
        let start = (part.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        self.text?.get(start..start.wrapping_add(part.len()))
    }

    /// A token as text. Tokens are ASCII, so the check on a line that is not UTF-8 succeeds
    /// (the empty fallback only keeps this total).
    #[inline(always)]
    fn token(&self, t: &'a [u8]) -> &'a str {
        self.text_of(t)
            .or_else(|| core::str::from_utf8(t).ok())
            .unwrap_or_default()
    }

    /// A value, with its text when the line has one.
    #[inline(always)]
    fn value(&self, v: RawValue<'a>) -> Value<'a> {
        let raw = match self.text_of(v.raw) {
            Some(text) => Raw::Text(text),
            None => Raw::Bytes(v.raw),
        };
        Value::from_parts(raw, v.flags)
    }
}

struct Reader<'a> {
    limits: Limits,
    comma_after_scheme: bool,
    skip_malformed: bool,
    state: State,
    out: Challenges<'a>,
    /// Entry index of the current challenge's scheme, to drop it on recovery.
    current: usize,
    line: Line<'a>,
}

/// A limit exceeded at `rest` bytes before the end of the value: never recovered from.
fn limit(rest: usize, which: Limit) -> nom::Err<Fault> {
    nom::Err::Failure(Fault {
        rest,
        kind: Some(ParseErrorKind::LimitExceeded(which)),
    })
}

/// How many bytes are left in the value from `part` on, where `part` is a slice of `at`.
fn rest_from(at: &[u8], part: &[u8]) -> usize {
    let skipped = (part.as_ptr() as usize).wrapping_sub(at.as_ptr() as usize);
    at.len().saturating_sub(skipped)
}

impl<'a> Reader<'a> {
    /// Takes the list member that starts at `at`.
    #[inline(always)]
    fn take(&mut self, at: &'a [u8], element: Element<'a>) -> Result<(), nom::Err<Fault>> {
        match (element, self.state) {
            (Element::Param(p), State::Params { params }) => self.param(at, params, p),
            (Element::Param(_), State::Skipping) => Ok(()),
            (Element::Param(_), state) => self.misplaced(at, state),
            (Element::Challenge(scheme, body), _) => self.challenge(at, scheme, body),
            (Element::Malformed { fault, challenge }, _) => self.recover(fault, challenge),
        }
    }

    /// An auth-param where no challenge takes it: before any, after a bare scheme or after a
    /// token68.
    #[cold]
    fn misplaced(&mut self, at: &'a [u8], state: State) -> Result<(), nom::Err<Fault>> {
        let what = match state {
            State::Bare => Expected::NoParamsAfterBareScheme,
            State::Token68 => Expected::NoParamsAfterToken68,
            _ => Expected::AuthScheme,
        };
        let fault = Fault::at(at, ParseErrorKind::Expected(what));
        if self.skip_malformed {
            return self.recover(fault, false);
        }
        Err(nom::Err::Error(fault))
    }

    #[inline(always)]
    fn challenge(
        &mut self,
        at: &'a [u8],
        scheme: &'a [u8],
        body: Body<'a>,
    ) -> Result<(), nom::Err<Fault>> {
        if self.out.count + self.out.skipped.len() >= self.limits.max_challenges {
            return Err(limit(at.len(), Limit::Challenges));
        }
        self.current = self.out.entries.len();
        self.out
            .entries
            .push(Entry::scheme(self.line.token(scheme)));
        self.out.count += 1;
        self.state = State::Params { params: 0 };
        match body {
            Body::Bare if !self.comma_after_scheme => self.state = State::Bare,
            Body::Bare | Body::Params(None) => {}
            Body::Params(Some(first)) => return self.param(at, 0, first),
            Body::Token68(t) => {
                self.out.entries.push(Entry::token68(self.line.token(t)));
                self.state = State::Token68;
            }
        }
        Ok(())
    }

    /// An auth-param of the current challenge, which has `params` so far; a dangling one (no
    /// value) is dropped.
    #[inline(always)]
    fn param(
        &mut self,
        at: &'a [u8],
        params: usize,
        p: AuthParam<'a>,
    ) -> Result<(), nom::Err<Fault>> {
        let Some(value) = p.value else {
            return Ok(());
        };
        if params >= self.limits.max_params {
            return Err(limit(rest_from(at, p.name), Limit::Params));
        }
        let entry = Entry::param(self.line.token(p.name), self.line.value(value));
        self.out.entries.push(entry);
        self.state = State::Params { params: params + 1 };
        Ok(())
    }

    /// Recovers from a malformed member, recording its fault once per challenge dropped, and
    /// skips auth-params until the next challenge.
    ///
    /// A member that started like a challenge (`Negotiate x="a\x01"`) is a challenge dropped
    /// whole, and the one before it stays. Any other (a broken or misplaced auth-param, or a
    /// member that does not start with a token) is taken as part of the challenge being read,
    /// which is dropped; while skipping, such a member is dropped too.
    #[cold]
    fn recover(&mut self, fault: Fault, challenge: bool) -> Result<(), nom::Err<Fault>> {
        if !challenge {
            match self.state {
                State::Skipping => return Ok(()),
                State::Start => {}
                State::Params { .. } | State::Bare | State::Token68 => {
                    self.out.entries.truncate(self.current);
                    self.out.count -= 1;
                }
            }
        }
        let error = self.error(fault);
        if self.out.count + self.out.skipped.len() >= self.limits.max_challenges {
            return Err(limit(fault.rest, Limit::Challenges));
        }
        self.out.skipped.push(error);
        self.state = State::Skipping;
        Ok(())
    }

    /// The crate's error for a fault in the current value. A fault no rule has named is a
    /// member that does not start with a token.
    fn error(&self, fault: Fault) -> ParseError {
        let what = match self.state {
            State::Start => Expected::AuthScheme,
            _ => Expected::SchemeOrParam,
        };
        ParseError {
            value: self.line.index,
            offset: self.line.start + self.line.len.saturating_sub(fault.rest),
            kind: fault.kind.unwrap_or(ParseErrorKind::Expected(what)),
        }
    }
}

/// Parses header values, each with its text when the caller knows it is text.
pub(super) fn parse<'a, I>(values: I, config: &ParserConfig) -> Result<Challenges<'a>, ParseError>
where
    I: Iterator<Item = (&'a [u8], Option<&'a str>)>,
{
    let grammar = Grammar {
        missing_commas: config.missing_commas,
        lax_unquoted_values: config.lax_unquoted_values,
        dangling_params: config.dangling_params,
        obs_fold: config.obs_fold,
        skip_malformed: config.skip_malformed,
        clean: false,
    };
    let mut reader = Reader {
        limits: config.limits,
        comma_after_scheme: config.comma_after_scheme,
        skip_malformed: config.skip_malformed,
        state: State::Start,
        out: Challenges::default(),
        current: 0,
        line: Line::default(),
    };
    let mut total: usize = 0;
    for (index, (bytes, text)) in values.enumerate() {
        let joiner = if index > 0 { 2 } else { 0 };
        total = total.saturating_add(bytes.len()).saturating_add(joiner);
        if total > config.limits.max_header_bytes {
            let over = total - config.limits.max_header_bytes;
            return Err(ParseError {
                value: index,
                offset: bytes.len().saturating_sub(over.min(bytes.len())),
                kind: ParseErrorKind::LimitExceeded(Limit::HeaderBytes),
            });
        }
        let start = bytes
            .iter()
            .position(|&b| !is_wsp(b))
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|&b| !is_wsp(b))
            .map_or(start, |e| e + 1);
        let value = bytes.get(start..end).unwrap_or_default();
        reader.line = Line {
            bytes,
            text: text.or_else(|| core::str::from_utf8(bytes).ok()),
            index,
            start,
            len: value.len(),
        };
        // A value without control bytes lets its quoted strings skip that check.
        let mut grammar = grammar;
        grammar.clean = !has_control(value);
        // A long value holds many entries: room for one per 32 bytes up front, which real
        // headers (a parameter takes 20 to 60) do not outgrow and hostile ones outgrow in a
        // few doublings.
        if value.len() > 256 {
            reader.out.entries.reserve(value.len() / 32);
        }
        let read = grammar
            .www_authenticate(|at, e| reader.take(at, e))
            .parse_complete(value);
        match read {
            Ok(_) => {}
            Err(nom::Err::Error(f) | nom::Err::Failure(f)) => return Err(reader.error(f)),
            // Every rule reads complete input and never asks for more; were one to, the value
            // would have ended too early.
            Err(nom::Err::Incomplete(_)) => {
                return Err(reader.error(Fault {
                    rest: 0,
                    kind: None,
                }));
            }
        }
    }
    if reader.out.count == 0 {
        if let Some(first) = reader.out.skipped.first() {
            return Err(*first);
        }
    }
    Ok(reader.out)
}
