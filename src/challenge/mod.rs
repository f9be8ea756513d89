//! `WWW-Authenticate`: the challenge grammar of RFC 9110 section 11, zero-copy.
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! ```
//!
//! [`Challenges`] is the ordered list of every challenge of one response, over one or many header
//! values. It borrows from the input: names, tokens and values are slices of it, and values are
//! unescaped only when read ([`Value::bytes`], [`Value::to_str`]). A header value that is UTF-8
//! is checked once, so reading a value without escapes as text is free. Up to eight entries
//! (schemes, token68s and parameters) are stored inline, so parsing a typical registry
//! challenge does not allocate. An empty header value, or one of only commas and whitespace,
//! is an empty list (RFC 9110 allows an empty `#challenge`).
//!
//! The grammar is nom parsers, one per ABNF rule of RFC 9110 sections 5.6 and 11
//! (`grammar.rs`, `quoted.rs`); `list.rs` reads the list over many header values, with the
//! limits and the recovery from malformed challenges.
//!
//! ```
//! use registry_auth::challenge::Challenges;
//!
//! let header = br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;
//! let challenges = Challenges::parse(header)?;
//! let bearer = challenges.iter().next().unwrap().bearer()?;
//! assert_eq!(bearer.realm(), "https://auth.docker.io/token");
//! assert_eq!(bearer.service(), Some("registry.docker.io"));
//! assert_eq!(bearer.scopes().collect::<Vec<_>>(), ["repository:library/alpine:pull"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Parsing is strict by default; [`ParserConfig`] has named leniencies for what real servers
//! send, and [`ParserConfig::lenient`] turns them all on.

mod bytes;
mod chars;
mod config;
mod entries;
mod error;
mod grammar;
mod list;
mod quoted;
mod render;
mod view;

use alloc::vec::Vec;
use core::fmt;

pub use config::{Limits, ParserConfig};
pub use entries::Value;
pub use error::{Expected, Limit, ParseError, ParseErrorKind};
pub use view::{Basic, Bearer, ViewError};

use entries::{Entry, EntryList, Kind};

/// Every challenge of one response, in order, borrowed from the header values.
///
/// Built by [`Challenges::parse`] (strict, one value) or by [`ParserConfig::parse`] and
/// [`ParserConfig::parse_lines`].
#[derive(Clone, Default)]
pub struct Challenges<'a> {
    entries: EntryList<'a>,
    count: usize,
    skipped: Vec<ParseError>,
}

impl<'a> Challenges<'a> {
    /// Parses one header value strictly (RFC 9110, default [`Limits`]).
    ///
    /// # Errors
    /// A [`ParseError`] with the byte offset and what the grammar expected there.
    pub fn parse(value: &'a [u8]) -> Result<Self, ParseError> {
        ParserConfig::strict().parse(value)
    }

    /// Parses one header value given as text, strictly.
    ///
    /// ```
    /// use registry_auth::challenge::Challenges;
    ///
    /// let list = Challenges::parse_str(r#"Basic realm="registry""#)?;
    /// assert_eq!(list.iter().next().unwrap().basic()?.realm(), Some("registry"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A [`ParseError`] with the byte offset and what the grammar expected there.
    pub fn parse_str(value: &'a str) -> Result<Self, ParseError> {
        ParserConfig::strict().parse_str(value)
    }

    /// Parses every `WWW-Authenticate` value of one response strictly, as one list.
    ///
    /// ```
    /// use registry_auth::challenge::Challenges;
    ///
    /// let values: [&[u8]; 2] = [b"Basic realm=\"r\"", b"Bearer realm=\"https://a\", service=\"s\""];
    /// let list = Challenges::parse_lines(values)?;
    /// let schemes: Vec<&str> = list.iter().map(|c| c.scheme()).collect();
    /// assert_eq!(schemes, ["Basic", "Bearer"]);
    /// # Ok::<(), registry_auth::challenge::ParseError>(())
    /// ```
    ///
    /// # Errors
    /// See [`ParserConfig::parse_lines`].
    pub fn parse_lines<I>(values: I) -> Result<Self, ParseError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        ParserConfig::strict().parse_lines(values)
    }

    /// Parses every `WWW-Authenticate` value of an `http` response's headers.
    ///
    /// # Errors
    /// See [`ParserConfig::parse_lines`].
    #[cfg(feature = "http")]
    pub fn from_headers(
        headers: &'a http::HeaderMap,
        config: &ParserConfig,
    ) -> Result<Self, ParseError> {
        config.parse_lines(
            headers
                .get_all(http::header::WWW_AUTHENTICATE)
                .iter()
                .map(http::HeaderValue::as_bytes),
        )
    }

    /// The number of challenges.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no challenges.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The challenges in order.
    #[inline]
    pub fn iter(&self) -> Iter<'_, 'a> {
        Iter {
            rest: self.entries.as_slice(),
        }
    }

    /// The first challenge whose scheme is `scheme`, ignoring case.
    pub fn find(&self, scheme: &str) -> Option<Challenge<'_, 'a>> {
        self.iter()
            .find(|c| c.scheme().eq_ignore_ascii_case(scheme))
    }

    /// The malformed challenges that a lenient parse skipped, in order.
    ///
    /// Always empty unless [`ParserConfig::skip_malformed`] is on.
    pub fn skipped(&self) -> &[ParseError] {
        &self.skipped
    }
}

impl PartialEq for Challenges<'_> {
    /// Same challenges in the same order: schemes and names compared exactly, values after
    /// unescaping (so `"a"` equals `a`). Skipped errors are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl fmt::Debug for Challenges<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'c, 'a> IntoIterator for &'c Challenges<'a> {
    type Item = Challenge<'c, 'a>;
    type IntoIter = Iter<'c, 'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the challenges of a [`Challenges`].
#[derive(Clone)]
pub struct Iter<'c, 'a> {
    rest: &'c [Entry<'a>],
}

impl<'c, 'a> Iterator for Iter<'c, 'a> {
    type Item = Challenge<'c, 'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .skip(1)
            .position(|e| e.kind() == Kind::Scheme)
            .map_or(self.rest.len(), |p| p + 1);
        let (this, rest) = self.rest.split_at_checked(end)?;
        self.rest = rest;
        Some(Challenge { entries: this })
    }
}

/// One challenge: a scheme with a token68 or with parameters.
#[derive(Clone, Copy)]
pub struct Challenge<'c, 'a> {
    /// The scheme entry first, then the token68 or the parameters.
    entries: &'c [Entry<'a>],
}

impl<'c, 'a> Challenge<'c, 'a> {
    /// The auth-scheme as received (`Bearer`, `BASIC`, ...). Compare it ignoring case.
    pub fn scheme(&self) -> &'a str {
        self.entries.first().map_or("", |e| e.name)
    }

    /// Whether the scheme is `scheme`, ignoring ASCII case.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme().eq_ignore_ascii_case(scheme)
    }

    /// The token68, for a challenge of that form (`Negotiate YII...`).
    pub fn token68(&self) -> Option<&'a str> {
        self.entries
            .get(1)
            .filter(|e| e.kind() == Kind::Token68)
            .and_then(|e| e.value().as_text())
    }

    /// The parameters in order, names as received.
    #[inline]
    pub fn params(&self) -> Params<'c, 'a> {
        Params {
            rest: self.entries.get(1..).unwrap_or_default(),
        }
    }

    /// The value of the first parameter named `name`, ignoring ASCII case.
    pub fn param(&self, name: &str) -> Option<Value<'a>> {
        self.params()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value)
    }

    /// How many parameters are named `name`, ignoring ASCII case (RFC 9110 allows one).
    pub fn param_count(&self, name: &str) -> usize {
        self.params()
            .filter(|p| p.name.eq_ignore_ascii_case(name))
            .count()
    }

    /// Reads the challenge as a Bearer challenge (RFC 6750 and the Docker token spec).
    ///
    /// # Errors
    /// [`ViewError`] when the scheme is not Bearer, `realm` is missing, or a known parameter is
    /// repeated or not UTF-8.
    pub fn bearer(&self) -> Result<Bearer<'a>, ViewError> {
        Bearer::from_challenge(self)
    }

    /// Reads the challenge as a Basic challenge (RFC 7617).
    ///
    /// # Errors
    /// [`ViewError`] when the scheme is not Basic, or a known parameter is repeated or not UTF-8.
    pub fn basic(&self) -> Result<Basic<'a>, ViewError> {
        Basic::from_challenge(self)
    }
}

impl PartialEq for Challenge<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.scheme() == other.scheme()
            && self.token68() == other.token68()
            && self.params().count() == other.params().count()
            && self
                .params()
                .zip(other.params())
                .all(|(a, b)| a.name == b.name && a.value.bytes() == b.value.bytes())
    }
}

impl fmt::Debug for Challenge<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Challenge");
        s.field("scheme", &self.scheme());
        if let Some(t) = self.token68() {
            // A token68 may be a credential-like blob; challenges carry none we know of, but the
            // length is all a log needs.
            s.field("token68_len", &t.len());
        }
        s.field("params", &self.params().collect::<Vec<_>>())
            .finish()
    }
}

/// One auth-param of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as received; compare it ignoring case.
    pub name: &'a str,
    /// The value.
    pub value: Value<'a>,
}

/// Iterator over the parameters of a [`Challenge`].
#[derive(Clone)]
pub struct Params<'c, 'a> {
    rest: &'c [Entry<'a>],
}

impl<'a> Iterator for Params<'_, 'a> {
    type Item = Param<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (first, rest) = self.rest.split_first()?;
            self.rest = rest;
            if first.kind() == Kind::Param {
                return Some(Param {
                    name: first.name,
                    value: first.value(),
                });
            }
        }
    }
}

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;
