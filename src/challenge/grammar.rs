//! The `WWW-Authenticate` grammar of RFC 9110 as nom parsers, one function per ABNF rule.
//!
//! ```text
//! WWW-Authenticate = #challenge                                        ; 11.6.1
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]    ; 11.3
//! auth-scheme      = token                                             ; 11.1
//! auth-param       = token BWS "=" BWS ( token / quoted-string )       ; 11.2
//! token68          = 1*( ALPHA / DIGIT /
//!                        "-" / "." / "_" / "~" / "+" / "/" ) *"="      ; 11.2
//! #element         = [ element ] *( OWS "," OWS [ element ] )          ; 5.6.1.2
//! token            = 1*tchar                                           ; 5.6.2
//! OWS              = *( SP / HTAB )                                    ; 5.6.3
//! BWS              = OWS
//! quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE           ; 5.6.4
//! qdtext           = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//! quoted-pair      = "\" ( HTAB / SP / VCHAR / obs-text )
//! ```
//!
//! Every rule is a `fn(&[u8]) -> IResult<&[u8], T, Fault>` made of nom combinators; a rule that
//! a leniency of [`ParserConfig`](super::ParserConfig) changes is a method of [`Grammar`],
//! which holds the switches. Byte-level leaves (`take_while1` and the like) come from
//! `bytes.rs`, which says why. Three things the ABNF leaves to the reader are decided here:
//!
//! - **Two lists share one comma.** A challenge's `#auth-param` sits inside `#challenge`, so a
//!   list member after a comma is either one more auth-param of the challenge before it or a
//!   new challenge. [`Grammar::element`] reads a member on its own (`realm="x"` is an
//!   auth-param, `Basic realm="x"` a challenge whose first auth-param comes with it), and the
//!   list reader (`list.rs`) decides whether that member may stand where it is.
//! - **token68 or auth-param.** After `auth-scheme 1*SP`, `abc==` is a token68 and `abc=x` an
//!   auth-param. The auth-param is tried first; it fails on `abc==` before its value, and the
//!   token68 is tried next. A lone `name=` reads as a token68, which it is.
//! - **Where backtracking stops.** Once `name BWS "="` is read as a list member of its own,
//!   once `1*SP` follows a scheme, once a quoted string is open and once a backslash starts a
//!   quoted-pair, the member must go on as begun: `cut`. What a failed alternative read again
//!   is bounded: the token of a member (auth-param, then challenge), the first member of a
//!   challenge (auth-param, then token68), a short look past a token68 ending in `=`, and a
//!   malformed member once more when recovering. Every byte is read a bounded number of times,
//!   so parsing is linear in the input.
//!
//! Four rules (`ows`, a parameter value, the pieces of a quoted string, the separator after a
//! member) pick between alternatives that start with different bytes by that byte, rather
//! than by trying each in turn as `alt` would: they run once per member or more, and the
//! detour showed in the instruction counts of `benches/RESULTS.md`.
//!
//! Errors are [`Fault`]s: where the rule failed (as the bytes left) and, once a rule has said
//! so, what it expected there. nom's own errors arrive untyped through [`ParseError`] and get
//! their meaning from the rule around them ([`expecting`]); the list reader turns a `Fault`
//! into the crate's [`ParseError`](super::ParseError).

use nom::branch::alt;
use nom::combinator::{cut, eof, map, not, opt, peek, recognize, value, verify};
use nom::error::{ErrorKind, ParseError};
use nom::multi::{many0_count, many1_count};
use nom::sequence::{pair, preceded, separated_pair, terminated};
use nom::{IResult, Parser};

use super::bytes::{byte, take_while, take_while1};
use super::chars::{is_lax, is_tchar, is_token68, is_wsp};
use super::quoted::{malformed, obs_fold};
use super::{Expected, ParseErrorKind};

/// Where a rule failed, counted as the bytes left in the header value, and what was expected
/// there; `None` until a rule names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fault {
    pub(super) rest: usize,
    pub(super) kind: Option<ParseErrorKind>,
}

impl Fault {
    pub(super) fn at(i: &[u8], kind: ParseErrorKind) -> Self {
        Fault {
            rest: i.len(),
            kind: Some(kind),
        }
    }
}

impl ParseError<&[u8]> for Fault {
    fn from_error_kind(input: &[u8], _kind: ErrorKind) -> Self {
        Fault {
            rest: input.len(),
            kind: None,
        }
    }

    fn append(_input: &[u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives, the one that read further explains the input better; at the
    /// same place, one that says what it expected beats one that does not, and otherwise the
    /// later alternative wins, as in nom.
    fn or(self, other: Self) -> Self {
        match (other.rest.cmp(&self.rest), self.kind, other.kind) {
            (core::cmp::Ordering::Greater, _, _) => self,
            (core::cmp::Ordering::Equal, Some(_), None) => self,
            _ => other,
        }
    }
}

pub(super) type Res<'a, O> = IResult<&'a [u8], O, Fault>;

/// `p`, with its untyped failures said to expect `what`.
pub(super) fn expecting<'a, O>(
    what: Expected,
    mut p: impl Parser<&'a [u8], Output = O, Error = Fault>,
) -> impl Parser<&'a [u8], Output = O, Error = Fault> {
    move |i| {
        p.parse(i).map_err(|e| {
            e.map(|f| Fault {
                kind: f.kind.or(Some(ParseErrorKind::Expected(what))),
                ..f
            })
        })
    }
}

/// `p` where a leniency is on; where it is off, a parser that matches nothing.
fn when<'a, O>(
    on: bool,
    mut p: impl Parser<&'a [u8], Output = O, Error = Fault>,
) -> impl Parser<&'a [u8], Output = O, Error = Fault> {
    move |i: &'a [u8]| {
        if on {
            p.parse(i)
        } else {
            Err(nom::Err::Error(Fault::from_error_kind(
                i,
                ErrorKind::Verify,
            )))
        }
    }
}

/// One member of the `#challenge` list, as read without the members before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Element<'a> {
    /// `auth-scheme [ 1*SP ( token68 / auth-param ) ]`: a challenge, up to the end of its
    /// first list member.
    Challenge(&'a [u8], Body<'a>),
    /// `auth-param`: one more parameter of the challenge before it.
    Param(AuthParam<'a>),
    /// With `skip_malformed`, a member that is neither, skipped to its end; `challenge` tells
    /// whether it starts like a challenge (a token not followed by `=`), so that it would
    /// have begun a new one.
    Malformed { fault: Fault, challenge: bool },
}

/// What follows a challenge's auth-scheme in its first list member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Body<'a> {
    /// Nothing: no `1*SP`, so neither a token68 nor parameters.
    Bare,
    /// `1*SP token68`.
    Token68(&'a [u8]),
    /// `1*SP #auth-param`, with its first member (`None` when that member is empty).
    Params(Option<AuthParam<'a>>),
}

/// An auth-param; a `value` of `None` is a dangling `name=` that the lenient reading drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AuthParam<'a> {
    pub(super) name: &'a [u8],
    pub(super) value: Option<RawValue<'a>>,
}

/// A parameter value as read: its bytes in the header, without quotes, and the flags a reader
/// of them needs (`QUOTED`, `UNESCAPE`, `FOLDED` of `entries.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawValue<'a> {
    pub(super) raw: &'a [u8],
    pub(super) flags: u8,
}

/// `token = 1*tchar`
///
/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" /
/// "|" / "~" / DIGIT / ALPHA`
#[inline(always)]
pub(super) fn token(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(is_tchar).parse(i)
}

/// A `,` or the end of the header value: where a list member ends, after its OWS.
#[inline]
fn comma_or_end(i: &[u8]) -> Res<'_, &[u8]> {
    alt((recognize(byte(b',')), eof)).parse(i)
}

/// `auth-scheme = token`
#[inline]
fn auth_scheme(i: &[u8]) -> Res<'_, &[u8]> {
    token(i)
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
#[inline]
pub(super) fn token68(i: &[u8]) -> Res<'_, &[u8]> {
    recognize(pair(take_while1(is_token68), take_while(|b| b == b'='))).parse(i)
}

/// The switches of [`ParserConfig`](super::ParserConfig) that change the grammar.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Grammar {
    pub(super) missing_commas: bool,
    pub(super) lax_unquoted_values: bool,
    pub(super) dangling_params: bool,
    pub(super) obs_fold: bool,
    pub(super) skip_malformed: bool,
    /// The header value being read holds no control byte but HTAB, and no DEL: the runs of a
    /// quoted string need no check for them. Set per value by the list reader.
    pub(super) clean: bool,
}

impl Grammar {
    /// The rule `f` of this grammar as a nom parser, to combine with others.
    #[inline(always)]
    pub(super) fn rule<'g, 'a: 'g, O>(
        &'g self,
        f: impl Fn(&Grammar, &'a [u8]) -> Res<'a, O> + 'g,
    ) -> impl FnMut(&'a [u8]) -> Res<'a, O> + 'g {
        move |i| f(self, i)
    }

    /// `OWS = *( SP / HTAB )`, and with the obs-fold leniency the folds of RFC 9112 in it.
    ///
    /// Most OWS is empty, so the first byte is looked at before anything is scanned.
    #[inline(always)]
    pub(super) fn ows<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        match i.first() {
            Some(b' ' | b'\t') => {
                let (rest, _) = take_while(is_wsp)(i)?;
                match rest.first() {
                    Some(b'\r') if self.obs_fold => self.folded_ows(rest),
                    _ => Ok((rest, ())),
                }
            }
            Some(b'\r') if self.obs_fold => self.folded_ows(i),
            _ => Ok((i, ())),
        }
    }

    /// The rest of a lenient OWS from a CR on: `*( obs-fold / SP / HTAB )`.
    #[inline(never)]
    fn folded_ows<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        value((), many0_count(alt((take_while1(is_wsp), obs_fold)))).parse(i)
    }

    /// `BWS = OWS`
    #[inline(always)]
    fn bws<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        self.ows(i)
    }

    /// The `1*SP` between an auth-scheme and what follows it; with the obs-fold leniency a
    /// fold counts as a space.
    #[inline]
    fn scheme_space<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        if self.obs_fold {
            value((), many1_count(alt((recognize(byte(b' ')), obs_fold)))).parse(i)
        } else {
            value((), take_while1(|b| b == b' ')).parse(i)
        }
    }

    /// `token`, the unquoted form of a value; with the lax leniency, any run of visible bytes
    /// but `,` and `"` that does not start with `=` (`https://auth.example.com/token`).
    #[inline(always)]
    fn unquoted_value<'a>(&self, i: &'a [u8]) -> Res<'a, RawValue<'a>> {
        let raw = if self.lax_unquoted_values {
            verify(take_while1(is_lax), |v: &[u8]| !v.starts_with(b"=")).parse(i)
        } else {
            token(i)
        };
        raw.map(|(rest, raw)| (rest, RawValue { raw, flags: 0 }))
    }

    /// `( token / quoted-string )`; with the dangling-parameter leniency also nothing before
    /// the end of the member, read as `None`.
    ///
    /// A quoted string is told apart by its first byte, so that `alt` runs only over the
    /// unquoted forms.
    #[inline(always)]
    fn param_value<'a>(&self, i: &'a [u8]) -> Res<'a, Option<RawValue<'a>>> {
        if i.first() == Some(&b'"') {
            return self.quoted_string(i).map(|(rest, v)| (rest, Some(v)));
        }
        expecting(
            Expected::Value,
            alt((
                map(self.rule(Self::unquoted_value), Some),
                when(self.dangling_params, value(None, peek(comma_or_end))),
            )),
        )
        .parse(i)
    }

    /// `BWS "=" BWS`
    #[inline(always)]
    fn equals<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        expecting(
            Expected::Equals,
            value((), (self.rule(Self::bws), byte(b'='), self.rule(Self::bws))),
        )
        .parse(i)
    }

    /// `auth-param = token BWS "=" BWS ( token / quoted-string )`
    #[inline]
    pub(super) fn auth_param<'a>(&self, i: &'a [u8]) -> Res<'a, AuthParam<'a>> {
        map(
            separated_pair(token, self.rule(Self::equals), self.rule(Self::param_value)),
            |(name, value)| AuthParam { name, value },
        )
        .parse(i)
    }

    /// Whether a list member ends here: `OWS` and then `,` or the end of the value.
    #[inline]
    fn member_end<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        value((), pair(self.rule(Self::ows), comma_or_end)).parse(i)
    }

    /// `token68` as a challenge's whole body, so followed by the end of the member.
    ///
    /// With the dangling-parameter leniency, a token68 that ends in `=` and is followed by an
    /// auth-param is read as a dangling `name=` instead: `Basic realm=, charset=UTF-8`.
    fn token68_body<'a>(&self, i: &'a [u8]) -> Res<'a, &'a [u8]> {
        let (rest, t) = terminated(token68, peek(self.rule(Self::member_end))).parse(i)?;
        let dangling = self.dangling_params
            && t.ends_with(b"=")
            && pair(self.rule(Self::member_end), self.rule(Self::starts_param))
                .parse(rest)
                .is_ok();
        if dangling {
            return Err(nom::Err::Error(Fault::from_error_kind(
                i,
                ErrorKind::Verify,
            )));
        }
        Ok((rest, t))
    }

    /// Whether what follows, after any empty members, is `token BWS "="`.
    fn starts_param<'a>(&self, i: &'a [u8]) -> Res<'a, ()> {
        let empty_members = many0_count(pair(self.rule(Self::ows), byte(b',')));
        let param = (self.rule(Self::ows), token, self.rule(Self::equals));
        value((), pair(empty_members, param)).parse(i)
    }

    /// After `auth-scheme 1*SP`: `token68 / #auth-param`, up to the end of the first list
    /// member. That member may be empty (`Basic , realm="r"` is `Basic` with `realm`).
    ///
    /// The auth-param is tried first, as it is the common case; one with a value never reads
    /// as a token68 (a token68's `=` come last, a value after them). A dangling `name=` does,
    /// and is read as a parameter only when it cannot be a token68.
    #[inline]
    fn challenge_body<'a>(&self, i: &'a [u8]) -> Res<'a, Body<'a>> {
        let param = || map(self.rule(Self::auth_param), |p| Body::Params(Some(p)));
        expecting(
            Expected::SchemeOrParam,
            alt((
                verify(param(), |b| {
                    !matches!(b, Body::Params(Some(AuthParam { value: None, .. })))
                }),
                map(self.rule(Self::token68_body), Body::Token68),
                when(self.dangling_params, param()),
                value(Body::Params(None), peek(self.rule(Self::member_end))),
            )),
        )
        .parse(i)
    }

    /// A member of the `#challenge` list: `auth-param / challenge`, where
    /// `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]` is read up to the end of
    /// its first list member (its later auth-params are list members of their own).
    ///
    /// Both start with a token, which is read once:
    ///
    /// ```text
    /// element = token ( BWS "=" BWS ( token / quoted-string )     ; auth-param
    ///                 / [ 1*SP ( token68 / auth-param / "" ) ] )  ; challenge
    /// ```
    ///
    /// Once `name BWS "="` is read, the member is an auth-param or malformed: `cut`. After the
    /// `1*SP` of a challenge, a body must follow: `cut`.
    #[inline(always)]
    pub(super) fn element<'a>(&self, i: &'a [u8]) -> Res<'a, Element<'a>> {
        let (rest, name) = token(i)?;
        let param = preceded(self.rule(Self::equals), cut(self.rule(Self::param_value)));
        let body = preceded(
            self.rule(Self::scheme_space),
            cut(self.rule(Self::challenge_body)),
        );
        alt((
            map(param, |value| Element::Param(AuthParam { name, value })),
            map(opt(body), |b| {
                Element::Challenge(name, b.unwrap_or(Body::Bare))
            }),
        ))
        .parse(rest)
    }

    /// [`Grammar::element`]; with `skip_malformed`, one that fails is a malformed member.
    #[inline(always)]
    fn member<'a>(&self, i: &'a [u8]) -> Res<'a, Element<'a>> {
        match self.element(i) {
            Err(nom::Err::Error(fault) | nom::Err::Failure(fault)) if self.skip_malformed => {
                self.malformed_member(i, fault)
            }
            other => other,
        }
    }

    /// The member at `i`, which failed with `fault`, read again as [`malformed`].
    fn malformed_member<'a>(&self, i: &'a [u8], fault: Fault) -> Res<'a, Element<'a>> {
        let mut scheme = terminated(auth_scheme, not(self.rule(Self::equals)));
        let challenge = scheme.parse(i).is_ok();
        let (rest, _) = malformed(i)?;
        Ok((rest, Element::Malformed { fault, challenge }))
    }

    /// What follows a list member: `OWS "," OWS` (`true`), or OWS and the end of the header
    /// value (`false`). With the missing-commas leniency, whitespace alone before the next
    /// token separates members too (`realm="r" service="s"`, `true`).
    ///
    /// This is `alt` of the three, dispatched on the byte after the OWS, which tells them
    /// apart: it runs after every member, so it takes no detour.
    #[inline(always)]
    fn separator<'a>(&self, i: &'a [u8]) -> Res<'a, bool> {
        let (rest, ()) = self.ows(i)?;
        match rest.first() {
            Some(b',') => value(true, preceded(byte(b','), self.rule(Self::ows))).parse(rest),
            None => Ok((rest, false)),
            Some(&b) if self.missing_commas && rest.len() < i.len() && is_tchar(b) => {
                Ok((rest, true))
            }
            Some(_) => Err(nom::Err::Error(Fault::at(
                rest,
                ParseErrorKind::Expected(Expected::CommaOrEnd),
            ))),
        }
    }

    /// `WWW-Authenticate = #challenge`, read with
    /// `#element => [ element ] *( OWS "," OWS [ element ] )`, the list a recipient reads
    /// (RFC 9110 section 5.6.1.2): members may be empty anywhere. Each member that is there
    /// is handed to `each` with the input it starts at, once what follows it is known to be a
    /// comma or the end; an error from `each` ends the list.
    ///
    /// A member that is there must parse (`cut`): a member is absent only where the list ends
    /// or a comma comes next. With `skip_malformed`, a member that does not parse, or is not
    /// followed by a comma or the end, is handed over as [`Element::Malformed`] instead.
    pub(super) fn www_authenticate<'g, 'a: 'g>(
        &'g self,
        mut each: impl FnMut(&'a [u8], Element<'a>) -> Result<(), nom::Err<Fault>> + 'g,
    ) -> impl FnMut(&'a [u8]) -> Res<'a, ()> + 'g {
        move |mut i| loop {
            // `[ element ]`: absent where the list ends or a comma comes next.
            let (rest, mut member) = match i.first() {
                None | Some(b',') => (i, None),
                Some(_) => {
                    let (rest, member) = cut(self.rule(Self::member)).parse(i)?;
                    (rest, Some(member))
                }
            };
            // `OWS "," OWS`, or the end of the list.
            let (rest, more) = match self.separator(rest) {
                Ok(ok) => ok,
                Err(nom::Err::Error(fault) | nom::Err::Failure(fault))
                    if self.skip_malformed && member.is_some() =>
                {
                    let (rest, malformed) = self.malformed_member(i, fault)?;
                    member = Some(malformed);
                    self.separator(rest)?
                }
                Err(e) => return Err(e),
            };
            if let Some(m) = member {
                each(i, m)?;
            }
            if !more {
                return Ok((rest, ()));
            }
            i = rest;
        }
    }
}

#[cfg(test)]
#[path = "grammar_tests.rs"]
mod tests;
