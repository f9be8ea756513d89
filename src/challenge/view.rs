//! Typed views of the two schemes registries use: Bearer and Basic.

use alloc::borrow::Cow;
use core::fmt;

use super::Challenge;
use crate::scope::{Scope, ScopeError};

/// Why a challenge could not be read as a [`Bearer`] or [`Basic`] challenge.
///
/// The challenge itself parsed; this is about what it means.
///
/// ```
/// use registry_auth::challenge::{Challenges, ViewError};
///
/// let list = Challenges::parse(br#"Bearer service="registry.example.com""#).unwrap();
/// let err = list.iter().next().unwrap().bearer().unwrap_err();
/// assert_eq!(err, ViewError::MissingParam("realm"));
/// assert_eq!(err.to_string(), "bearer challenge has no `realm` parameter");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewError {
    /// The challenge has another scheme than the view's.
    WrongScheme {
        /// The scheme the view reads.
        expected: &'static str,
    },
    /// A required parameter is absent.
    MissingParam(&'static str),
    /// A parameter the view reads appears more than once, so its meaning is ambiguous.
    DuplicateParam(&'static str),
    /// A parameter the view reads is not valid UTF-8.
    NotUtf8(&'static str),
    /// The challenge has a token68 where the view expects parameters.
    UnexpectedToken68,
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewError::WrongScheme { expected } => write!(f, "not a {expected} challenge"),
            ViewError::MissingParam(p) => write!(f, "bearer challenge has no `{p}` parameter"),
            ViewError::DuplicateParam(p) => write!(f, "challenge repeats the `{p}` parameter"),
            ViewError::NotUtf8(p) => write!(f, "challenge parameter `{p}` is not valid utf-8"),
            ViewError::UnexpectedToken68 => f.write_str("challenge has a token68, not parameters"),
        }
    }
}

impl core::error::Error for ViewError {}

fn text<'a>(c: &Challenge<'_, 'a>, name: &'static str) -> Result<Option<Cow<'a, str>>, ViewError> {
    match c.param_count(name) {
        0 => Ok(None),
        1 => c
            .param(name)
            .map(|v| v.to_str().ok_or(ViewError::NotUtf8(name)))
            .transpose(),
        _ => Err(ViewError::DuplicateParam(name)),
    }
}

fn check_scheme(c: &Challenge<'_, '_>, scheme: &'static str) -> Result<(), ViewError> {
    if !c.is_scheme(scheme) {
        return Err(ViewError::WrongScheme { expected: scheme });
    }
    if c.token68().is_some() {
        return Err(ViewError::UnexpectedToken68);
    }
    Ok(())
}

/// A Bearer challenge: where to get a token (`realm`), for which service and scopes, and why
/// the last one was refused (`error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bearer<'a> {
    realm: Cow<'a, str>,
    service: Option<Cow<'a, str>>,
    scope: Option<Cow<'a, str>>,
    error: Option<Cow<'a, str>>,
    error_description: Option<Cow<'a, str>>,
    error_uri: Option<Cow<'a, str>>,
}

impl<'a> Bearer<'a> {
    pub(super) fn from_challenge(c: &Challenge<'_, 'a>) -> Result<Self, ViewError> {
        check_scheme(c, "Bearer")?;
        Ok(Bearer {
            realm: text(c, "realm")?.ok_or(ViewError::MissingParam("realm"))?,
            service: text(c, "service")?,
            scope: text(c, "scope")?,
            error: text(c, "error")?,
            error_description: text(c, "error_description")?,
            error_uri: text(c, "error_uri")?,
        })
    }

    /// The token endpoint's URL.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The `service` to name in the token request.
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// The `scope` parameter as received.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The scopes of the `scope` parameter: it holds several, separated by spaces.
    pub fn scopes(&self) -> impl Iterator<Item = &str> + '_ {
        self.scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// The scopes of the `scope` parameter, parsed; items that are not scopes (Gitea sends
    /// `*`) are errors that a caller may pass on as opaque strings.
    pub fn parsed_scopes(&self) -> impl Iterator<Item = Result<Scope, ScopeError>> + '_ {
        self.scopes().map(Scope::parse)
    }

    /// The `error` code: `invalid_token`, `insufficient_scope`, `invalid_request`, ...
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The human-readable `error_description`.
    pub fn error_description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The `error_uri`.
    pub fn error_uri(&self) -> Option<&str> {
        self.error_uri.as_deref()
    }
}

/// A Basic challenge (RFC 7617): `realm` and `charset`.
///
/// `realm` is optional here although RFC 7617 requires it: some registries send a bare
/// `Basic`, and the realm is only informational to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basic<'a> {
    realm: Option<Cow<'a, str>>,
    charset: Option<Cow<'a, str>>,
}

impl<'a> Basic<'a> {
    pub(super) fn from_challenge(c: &Challenge<'_, 'a>) -> Result<Self, ViewError> {
        check_scheme(c, "Basic")?;
        Ok(Basic {
            realm: text(c, "realm")?,
            charset: text(c, "charset")?,
        })
    }

    /// The protection space name.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// The `charset` (only `UTF-8` is defined).
    pub fn charset(&self) -> Option<&str> {
        self.charset.as_deref()
    }
}
