//! Parse errors: where the parser stopped and what it expected there.

use core::fmt;

/// A `WWW-Authenticate` value that is not valid, with the position of the fault.
///
/// `value` is the index of the header value (0 for the first `WWW-Authenticate` line) and
/// `offset` the byte offset inside it.
///
/// ```
/// use registry_auth::challenge::{Challenges, Expected, ParseErrorKind};
///
/// let err = Challenges::parse(b"Bearer realm \"x\"").unwrap_err();
/// assert_eq!(err.offset(), 13);
/// assert_eq!(err.kind(), ParseErrorKind::Expected(Expected::Equals));
/// assert_eq!(err.to_string(), "expected `=` after a parameter name at byte 13");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub(crate) value: usize,
    pub(crate) offset: usize,
    pub(crate) kind: ParseErrorKind,
}

impl ParseError {
    /// The index of the header value in which the error was found.
    pub const fn value_index(&self) -> usize {
        self.value
    }

    /// The byte offset of the error inside its header value.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What went wrong.
    pub const fn kind(&self) -> ParseErrorKind {
        self.kind
    }
}

/// What kind of fault a [`ParseError`] reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The grammar needed something else here.
    Expected(Expected),
    /// A byte that may not appear here at all (a control character, for example).
    InvalidByte(u8),
    /// A quoted string that is not closed before its header value ends.
    UnterminatedQuote,
    /// A configured [`Limits`](super::Limits) bound was exceeded.
    LimitExceeded(Limit),
}

/// What the grammar expected where parsing stopped.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// An auth-scheme, the token that starts a challenge.
    AuthScheme,
    /// An auth-scheme, or an auth-param of the current challenge.
    SchemeOrParam,
    /// `=` after a parameter name.
    Equals,
    /// A parameter value: a token or a quoted string.
    Value,
    /// `,` or the end of the value, after a complete element.
    CommaOrEnd,
    /// A character a quoted-pair may escape, after `\`.
    EscapedChar,
    /// A comma before an auth-param: a token68 challenge has no parameters.
    NoParamsAfterToken68,
    /// A comma between an auth-scheme and an auth-param, as in `Basic, realm="x"`: a
    /// challenge's parameters follow its scheme after a space, and a list member that is only
    /// an auth-param continues a challenge that already has parameters.
    NoParamsAfterBareScheme,
}

impl Expected {
    fn describe(self) -> &'static str {
        match self {
            Expected::AuthScheme => "expected an auth-scheme",
            Expected::SchemeOrParam => "expected an auth-scheme or an auth-param",
            Expected::Equals => "expected `=` after a parameter name",
            Expected::Value => "expected a token or a quoted string after `=`",
            Expected::CommaOrEnd => "expected `,` or the end of the value",
            Expected::EscapedChar => "expected a visible character after `\\`",
            Expected::NoParamsAfterToken68 => "unexpected auth-param after a token68",
            Expected::NoParamsAfterBareScheme => "unexpected auth-param after a bare auth-scheme",
        }
    }
}

/// Which limit of [`Limits`](super::Limits) was exceeded.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Total header bytes.
    HeaderBytes,
    /// Challenges in one response.
    Challenges,
    /// Parameters in one challenge.
    Params,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ParseErrorKind::Expected(e) => f.write_str(e.describe())?,
            ParseErrorKind::InvalidByte(b) => write!(f, "invalid byte {b:#04x}")?,
            ParseErrorKind::UnterminatedQuote => f.write_str("unterminated quoted string")?,
            ParseErrorKind::LimitExceeded(l) => {
                let what = match l {
                    Limit::HeaderBytes => "header size",
                    Limit::Challenges => "number of challenges",
                    Limit::Params => "number of parameters in a challenge",
                };
                write!(f, "{what} limit exceeded")?;
            }
        }
        write!(f, " at byte {}", self.offset)?;
        if self.value > 0 {
            write!(f, " of header value {}", self.value + 1)?;
        }
        Ok(())
    }
}

impl core::error::Error for ParseError {}
