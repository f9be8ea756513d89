//! Parser configuration: limits and the named leniencies.

use super::{Challenges, ParseError};

/// Upper bounds on what the parser accepts; exceeding one is [`ParseErrorKind::LimitExceeded`].
///
/// The defaults are generous for every registry we know of (a real challenge is a few hundred
/// bytes with at most six parameters) and small enough that hostile input cannot make the
/// parser allocate more than a few kilobytes.
///
/// ```
/// use registry_auth::challenge::{Limits, ParserConfig};
///
/// let config = ParserConfig::strict().limits(Limits::default().max_params(2));
/// assert!(config.parse(b"Basic realm=\"a\", charset=\"UTF-8\"").is_ok());
/// assert!(config.parse(b"Bearer realm=\"a\", service=\"b\", scope=\"c\"").is_err());
/// ```
///
/// [`ParseErrorKind::LimitExceeded`]: super::ParseErrorKind::LimitExceeded
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub(crate) max_header_bytes: usize,
    pub(crate) max_challenges: usize,
    pub(crate) max_params: usize,
}

impl Limits {
    /// The default limits: 16 KiB of header, 16 challenges, 32 parameters per challenge.
    pub const DEFAULT: Limits = Limits {
        max_header_bytes: 16 * 1024,
        max_challenges: 16,
        max_params: 32,
    };

    /// Limits that never trigger before memory does; for trusted input and benchmarks.
    pub const UNLIMITED: Limits = Limits {
        max_header_bytes: usize::MAX,
        max_challenges: usize::MAX,
        max_params: usize::MAX,
    };

    /// The most bytes of header value accepted, counting the `", "` that joins two lines.
    #[must_use]
    pub const fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// The most challenges accepted in one response (skipped malformed ones count too).
    #[must_use]
    pub const fn max_challenges(mut self, n: usize) -> Self {
        self.max_challenges = n;
        self
    }

    /// The most parameters accepted in one challenge.
    #[must_use]
    pub const fn max_params(mut self, n: usize) -> Self {
        self.max_params = n;
        self
    }

    /// See [`Limits::max_header_bytes`].
    pub const fn header_bytes(&self) -> usize {
        self.max_header_bytes
    }

    /// See [`Limits::max_challenges`].
    pub const fn challenges(&self) -> usize {
        self.max_challenges
    }

    /// See [`Limits::max_params`].
    pub const fn params(&self) -> usize {
        self.max_params
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How to parse `WWW-Authenticate`: strict RFC 9110 by default, with named leniencies.
///
/// Each leniency admits one thing real servers send that RFC 9110 forbids. [`ParserConfig::lenient`]
/// turns on all of them; it is what the authentication machine uses by default,
/// because a client that refuses a registry's slightly wrong header cannot pull from it.
///
/// ```
/// use registry_auth::challenge::ParserConfig;
///
/// let header = b"Bearer realm=https://auth.example.com/token service=\"registry\"";
/// assert!(ParserConfig::strict().parse(header).is_err());
/// let parsed = ParserConfig::lenient().parse(header).unwrap();
/// let bearer = parsed.iter().next().unwrap().bearer().unwrap();
/// assert_eq!(bearer.realm(), "https://auth.example.com/token");
/// assert_eq!(bearer.service(), Some("registry"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ParserConfig {
    pub(crate) limits: Limits,
    pub(crate) missing_commas: bool,
    pub(crate) lax_unquoted_values: bool,
    pub(crate) empty_unquoted_values: bool,
    pub(crate) obs_fold: bool,
    pub(crate) skip_malformed: bool,
}

impl ParserConfig {
    /// RFC 9110 exactly, with default [`Limits`].
    pub const fn strict() -> Self {
        ParserConfig {
            limits: Limits::DEFAULT,
            missing_commas: false,
            lax_unquoted_values: false,
            empty_unquoted_values: false,
            obs_fold: false,
            skip_malformed: false,
        }
    }

    /// Every leniency on, with default [`Limits`].
    pub const fn lenient() -> Self {
        ParserConfig {
            limits: Limits::DEFAULT,
            missing_commas: true,
            lax_unquoted_values: true,
            empty_unquoted_values: true,
            obs_fold: true,
            skip_malformed: true,
        }
    }

    /// Replaces the limits.
    #[must_use]
    pub const fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub const fn current_limits(&self) -> Limits {
        self.limits
    }

    /// Parameters separated by whitespace alone:
    /// `Bearer realm="https://auth.example.com/token" service="registry"`.
    #[must_use]
    pub const fn missing_commas(mut self, on: bool) -> Self {
        self.missing_commas = on;
        self
    }

    /// Unquoted values with characters a token may not hold (any visible byte but `,` and `"`,
    /// and obs-text): `Bearer realm=https://auth.example.com/token`.
    #[must_use]
    pub const fn lax_unquoted_values(mut self, on: bool) -> Self {
        self.lax_unquoted_values = on;
        self
    }

    /// A parameter with nothing after `=`, read as the empty string: `Basic realm=, charset=UTF-8`.
    #[must_use]
    pub const fn empty_unquoted_values(mut self, on: bool) -> Self {
        self.empty_unquoted_values = on;
        self
    }

    /// Obsolete line folding (RFC 9112 section 5.2), CRLF followed by spaces, read as one space,
    /// between elements and inside quoted strings: `Bearer realm="a",\r\n service="b"`.
    #[must_use]
    pub const fn obs_fold(mut self, on: bool) -> Self {
        self.obs_fold = on;
        self
    }

    /// Recovery: a malformed challenge is skipped (and recorded in
    /// [`Challenges::skipped`]) instead of failing the whole header.
    ///
    /// On a syntax error the parser drops the challenge it was reading, then skips list elements
    /// until one starts a new challenge (a token followed by whitespace and no `=`, or a token
    /// alone). The end of a header line ends the element too, as the comma that joins two lines
    /// would. A broken `Negotiate` line therefore does not hide the `Bearer` challenge on the
    /// next line, nor a challenge later on the same line:
    ///
    /// ```
    /// use registry_auth::challenge::ParserConfig;
    ///
    /// let lines: [&[u8]; 2] = [b"Negotiate =oops", b"Bearer realm=\"https://auth.example.com\""];
    /// let parsed = ParserConfig::lenient().parse_lines(lines).unwrap();
    /// assert_eq!(parsed.len(), 1);
    /// assert_eq!(parsed.skipped().len(), 1);
    /// ```
    ///
    /// The malformed element is skipped by reading it again from its start, where it cannot be
    /// inside a quoted string, to the first comma outside a quoted string. Quoted strings are
    /// delimited as the grammar delimits them (a backslash takes the next byte along), whatever
    /// bytes they hold: a comma inside one does not end the element, and a bad byte inside one
    /// does not hide what follows its closing quote. A quoted string left open runs to the end
    /// of its header line, since quoted strings do not span lines:
    ///
    /// ```
    /// use registry_auth::challenge::{ParseErrorKind, ParserConfig};
    ///
    /// let header = b"Negotiate x=\"a\x01,b=c\", Bearer realm=\"https://auth.example.com\"";
    /// let parsed = ParserConfig::lenient().parse(header).unwrap();
    /// let bearer = parsed.iter().next().unwrap();
    /// assert!(bearer.is_scheme("Bearer") && bearer.param("b").is_none());
    /// assert_eq!(parsed.len(), 1);
    /// assert_eq!(parsed.skipped()[0].kind(), ParseErrorKind::InvalidByte(0x01));
    /// assert_eq!(parsed.skipped()[0].offset(), 14);
    /// ```
    ///
    /// Limits are never recovered from. When no challenge survives, the first error is returned.
    #[must_use]
    pub const fn skip_malformed(mut self, on: bool) -> Self {
        self.skip_malformed = on;
        self
    }

    /// Parses one header value.
    ///
    /// # Errors
    /// A [`ParseError`] naming the byte offset and what was expected there.
    pub fn parse<'a>(&self, value: &'a [u8]) -> Result<Challenges<'a>, ParseError> {
        super::parse::parse(core::iter::once(value), self)
    }

    /// Parses one header value given as text (what `&str`-based HTTP stacks hold).
    ///
    /// # Errors
    /// A [`ParseError`] naming the byte offset and what was expected there.
    pub fn parse_str<'a>(&self, value: &'a str) -> Result<Challenges<'a>, ParseError> {
        super::parse::parse_text(core::iter::once(value), self)
    }

    /// Parses every `WWW-Authenticate` value of one response, in order, as one list.
    ///
    /// The values mean what they would mean joined with `", "` (RFC 9110 section 5.3): a
    /// parameter list may continue on the next value, but a quoted string may not. No values at
    /// all is an empty list, not an error.
    ///
    /// # Errors
    /// A [`ParseError`] naming the value index, the byte offset in it and what was expected.
    pub fn parse_lines<'a, I>(&self, values: I) -> Result<Challenges<'a>, ParseError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        super::parse::parse(values, self)
    }
}
