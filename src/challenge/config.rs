//! Parser configuration: limits and the named leniencies.

use super::{Challenges, ParseError};

/// Upper bounds on what the parser accepts; exceeding one is [`ParseErrorKind::LimitExceeded`],
/// naming the limit.
///
/// The defaults are those of the HTTP stacks a header passes through, so that a header a
/// browser would accept parses: 256 KiB of header value (Chromium's bound on a response's
/// whole header section), 1,024 challenges and 1,024 parameters per challenge, which a header
/// of that size can reach only with tiny elements. A real registry challenge is a few hundred
/// bytes with at most six parameters. The parsed list costs at most about 12 bytes of memory
/// per byte of header (an entry of 48 bytes per `a=b,`), so under 4 MiB at the default
/// header bound.
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
    /// The default limits: 256 KiB of header, 1,024 challenges, 1,024 parameters per
    /// challenge.
    pub const DEFAULT: Limits = Limits {
        max_header_bytes: 256 * 1024,
        max_challenges: 1024,
        max_params: 1024,
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
/// Each leniency admits one thing real servers send that RFC 9110 forbids, and changes
/// nothing about a header that is valid: a strictly valid header reads the same under every
/// leniency. [`ParserConfig::lenient`] turns on all of them; it is what the authentication
/// machine uses by default, because a client that refuses a registry's slightly wrong header
/// cannot pull from it. [`ParserConfig::default`] is [`ParserConfig::strict`].
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
    pub(crate) dangling_params: bool,
    pub(crate) comma_after_scheme: bool,
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
            dangling_params: false,
            comma_after_scheme: false,
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
            dangling_params: true,
            comma_after_scheme: true,
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

    /// A parameter with nothing after `=` is dropped, as if it were not there:
    /// `Basic realm=, charset=UTF-8` reads as `Basic charset=UTF-8`. Strictly it is an error.
    ///
    /// Dropped rather than read as `""`: the server sent no value, and a view then reports the
    /// parameter as missing instead of acting on an empty one. `Basic realm=` alone is a valid
    /// token68 challenge, and stays one.
    ///
    /// ```
    /// use registry_auth::challenge::{Expected, ParseErrorKind, ParserConfig};
    ///
    /// let header = b"Bearer realm=\"https://auth.example.com\", service=, scope=\"x\"";
    /// let err = ParserConfig::strict().parse(header).unwrap_err();
    /// assert_eq!(err.kind(), ParseErrorKind::Expected(Expected::Value));
    /// let list = ParserConfig::strict().dangling_params(true).parse(header).unwrap();
    /// let bearer = list.iter().next().unwrap().bearer().unwrap();
    /// assert_eq!((bearer.service(), bearer.scope()), (None, Some("x")));
    /// ```
    #[must_use]
    pub const fn dangling_params(mut self, on: bool) -> Self {
        self.dangling_params = on;
        self
    }

    /// A comma between a scheme and its parameters: `Basic, realm="foo"` reads as
    /// `Basic realm="foo"`, the parameters attached to the bare scheme before them.
    ///
    /// Strictly, `Basic, realm="foo"` is an error: `Basic` is a challenge without parameters,
    /// and the list member after the comma, only an auth-param, is not a challenge. A list
    /// member that is only an auth-param continues a challenge whose parameters have begun
    /// (`Bearer realm="a", service="b"`), and `Basic , realm="foo"`, with a space after the
    /// scheme, is valid: the space starts `Basic`'s parameter list, whose first member is
    /// empty. Header lines are read joined with commas, so a line holding `Basic` followed by
    /// a line holding `realm="foo"` is the same error, and this leniency attaches them the same
    /// way.
    ///
    /// ```
    /// use registry_auth::challenge::{Expected, ParseErrorKind, ParserConfig};
    ///
    /// let header = br#"Basic, realm="foo""#;
    /// let err = ParserConfig::strict().parse(header).unwrap_err();
    /// assert_eq!(err.kind(), ParseErrorKind::Expected(Expected::NoParamsAfterBareScheme));
    /// assert_eq!(err.offset(), 7);
    ///
    /// let list = ParserConfig::strict().comma_after_scheme(true).parse(header).unwrap();
    /// assert_eq!(list.iter().next().unwrap().basic().unwrap().realm(), Some("foo"));
    /// let lines: [&[u8]; 2] = [b"Basic", br#"realm="foo""#];
    /// assert_eq!(ParserConfig::lenient().parse_lines(lines).unwrap(), list);
    /// ```
    #[must_use]
    pub const fn comma_after_scheme(mut self, on: bool) -> Self {
        self.comma_after_scheme = on;
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
        self.parse_lines(core::iter::once(value))
    }

    /// Parses one header value given as text (what `&str`-based HTTP stacks hold).
    ///
    /// # Errors
    /// A [`ParseError`] naming the byte offset and what was expected there.
    pub fn parse_str<'a>(&self, value: &'a str) -> Result<Challenges<'a>, ParseError> {
        super::list::parse(core::iter::once((value.as_bytes(), Some(value))), self)
    }

    /// Parses every `WWW-Authenticate` value of one response, in order, as one list.
    ///
    /// The values mean what they would mean joined with `", "` (RFC 9110 section 5.3): a
    /// parameter list may continue on the next value (`Bearer realm="a"` then `service="b"`),
    /// and `Basic` then `realm="a"` is the strict error `Basic, realm="a"` is (see
    /// [`ParserConfig::comma_after_scheme`]). A list element does not span values: a quoted
    /// string left open at the end of one is unterminated. No values, empty values and values
    /// of only commas and whitespace are an empty list, not an error (RFC 9110 allows an empty
    /// `#challenge` list).
    ///
    /// ```
    /// use registry_auth::challenge::ParserConfig;
    ///
    /// let lines: [&[u8]; 3] = [b"Bearer realm=\"a\"", b"service=\"b\"", b" , "];
    /// let list = ParserConfig::strict().parse_lines(lines).unwrap();
    /// assert_eq!(list.len(), 1);
    /// assert_eq!(list.iter().next().unwrap().bearer().unwrap().service(), Some("b"));
    /// assert!(ParserConfig::strict().parse(b"").unwrap().is_empty());
    /// ```
    ///
    /// # Errors
    /// A [`ParseError`] naming the value index, the byte offset in it and what was expected.
    pub fn parse_lines<'a, I>(&self, values: I) -> Result<Challenges<'a>, ParseError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        super::list::parse(values.into_iter().map(|v| (v, None)), self)
    }
}
