//! The crate's error type: what ended a flow, and what the caller did wrong.
//!
//! [`Error`] is what a peer (registry, token endpoint) or the security policy did to a flow;
//! [`UsageError`] is a driver calling the machine out of turn. Messages are one line, lower
//! case, without secrets.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::challenge::{ParseError, ViewError};
use crate::origin::UrlError;
use crate::server_text::Scrubber;
use crate::token::{ErrorBody, TokenError};

/// Which URL was bad.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlRole {
    /// The caller's request URL.
    Request,
    /// A Bearer challenge's `realm`.
    Realm,
    /// A redirect's `Location`.
    Location,
}

/// Which bound of a flow was reached.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// More redirects than [`Config::max_redirects`](crate::Config::max_redirects).
    Redirects,
    /// More flows in progress than [`Config::max_flows`](crate::Config::max_flows).
    Flows,
    /// More sends or token requests than a flow is allowed (see the crate docs).
    Actions,
}

/// A refusal by the security policy, naming the rule.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// The realm is not an `http`/`https` URL.
    RealmScheme {
        /// The realm.
        realm: String,
    },
    /// The realm is plain `http` while the registry is `https`, or insecure registries are not
    /// allowed: tokens and credentials would cross the network in clear.
    InsecureRealm {
        /// The realm.
        realm: String,
    },
    /// Credentials or a token would go to a plain-`http` registry while insecure registries
    /// are not allowed.
    InsecureRegistry {
        /// The registry.
        registry: String,
    },
    /// The realm is on an internal host (loopback, private, link-local or another
    /// special-purpose address, `localhost` or a name under `.localhost`) other than the
    /// registry's own: a hostile registry could aim credentials at internal services.
    /// [`Config::allow_internal_realms_for`](crate::Config::allow_internal_realms_for) with
    /// `registry` allows it.
    #[non_exhaustive]
    InternalRealm {
        /// The realm.
        realm: String,
        /// The registry whose challenge named it (`host[:port]`, as credentials are keyed):
        /// its host is the one the realm's host was compared with.
        registry: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::RealmScheme { realm } => {
                write!(f, "refused realm {realm}: only http and https realms are allowed")
            }
            PolicyError::InsecureRealm { realm } => write!(
                f,
                "refused realm {realm}: plain http realms need a plain http registry and insecure registries allowed"
            ),
            PolicyError::InsecureRegistry { registry } => write!(
                f,
                "refused to send credentials to {registry}: plain http needs insecure registries allowed"
            ),
            PolicyError::InternalRealm { realm, registry } => write!(
                f,
                "refused realm {realm}: internal host, not the host of registry {registry}; \
                 config allow_internal_realms_for(\"{registry}\") allows it"
            ),
        }
    }
}

/// Why a flow failed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A URL the machine had to use is not an absolute http(s) URL.
    InvalidUrl {
        /// Which URL.
        role: UrlRole,
        /// What is wrong with it.
        error: UrlError,
    },
    /// The registry's `WWW-Authenticate` does not parse.
    Challenge(ParseError),
    /// The registry's Bearer challenge cannot be used (no realm, for example).
    BearerChallenge(ViewError),
    /// A 401 without a Bearer or Basic challenge; the schemes it offered (none when the
    /// response had no `WWW-Authenticate`).
    NoUsableChallenge {
        /// The schemes offered.
        offered: Vec<String>,
    },
    /// The registry wants credentials and none are configured for it: it answered with a
    /// Basic challenge, or refused the anonymous token for lack of scope
    /// (`insufficient_scope`), as registries answer an anonymous pull of a private (or
    /// missing) repository.
    #[non_exhaustive]
    CredentialsRequired {
        /// The registry (`host[:port]`).
        registry: String,
        /// The scope the anonymous token was refused for, when that is what happened.
        scope: Option<String>,
    },
    /// Credentials were refused, by the token endpoint or by the registry itself (Basic).
    CredentialsRejected {
        /// The realm or registry that refused them.
        by: String,
        /// The status it answered.
        status: u16,
        /// What it said.
        body: ErrorBody,
    },
    /// The token endpoint answered with an error status.
    TokenEndpoint {
        /// The realm.
        realm: String,
        /// The status.
        status: u16,
        /// What it said.
        body: ErrorBody,
    },
    /// The token endpoint's answer is not a usable token.
    MalformedToken {
        /// The realm.
        realm: String,
        /// What is wrong with it.
        error: TokenError,
    },
    /// The registry refused a token the realm had just issued.
    TokenRejected {
        /// The registry.
        registry: String,
        /// What it said.
        body: ErrorBody,
    },
    /// The registry still wants more scope after the token was widened once.
    InsufficientScope {
        /// The registry.
        registry: String,
        /// The scope requested last.
        scope: String,
        /// What it said.
        body: ErrorBody,
    },
    /// The security policy refused to follow the registry.
    Policy(PolicyError),
    /// A bound was reached.
    LimitExceeded(LimitKind),
    /// The driver reported that sending a request failed.
    SendFailed,
    /// The request's method is an extension method (not one of RFC 9110's, nor `PATCH`),
    /// which registries do not use; see [`Method`](crate::Method).
    UnsupportedMethod {
        /// The method's name, as the caller gave it.
        method: String,
    },
    /// The flow handle is not (or no longer) known; flows end when `Done` or `Failed` is polled.
    UnknownFlow,
    /// The machine reached a state its invariants rule out: a bug in this crate (please
    /// report it with the message). The flow ends rather than panic.
    Internal(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_body = |f: &mut fmt::Formatter<'_>, body: &ErrorBody| {
            if body.is_empty() {
                Ok(())
            } else {
                write!(f, ": {body}")
            }
        };
        // `401 UNAUTHORIZED: authentication required` (the server's own words), or
        // `401 unauthorized` without a body, or the bare status when it has no common reason.
        let status_line = |f: &mut fmt::Formatter<'_>, status: u16, body: &ErrorBody| match (
            body.is_empty(),
            reason(status),
        ) {
            (false, _) => write!(f, "{status} {body}"),
            (true, Some(reason)) => write!(f, "{status} {reason}"),
            (true, None) => write!(f, "{status}"),
        };
        match self {
            Error::InvalidUrl { role, error } => {
                let which = match role {
                    UrlRole::Request => "request url",
                    UrlRole::Realm => "realm",
                    UrlRole::Location => "redirect location",
                };
                write!(f, "invalid {which}: {error}")
            }
            Error::Challenge(e) => write!(f, "malformed www-authenticate: {e}"),
            Error::BearerChallenge(e) => write!(f, "unusable challenge: {e}"),
            Error::NoUsableChallenge { offered } if offered.is_empty() => {
                f.write_str("401 without a www-authenticate challenge")
            }
            Error::NoUsableChallenge { offered } => {
                write!(
                    f,
                    "no supported challenge: registry offered {}",
                    offered.join(", ")
                )
            }
            Error::CredentialsRequired { registry, scope } => {
                write!(f, "no credentials configured for {registry}")?;
                match scope {
                    Some(scope) => write!(f, "; anonymous access to {scope:?} refused"),
                    None => Ok(()),
                }
            }
            Error::CredentialsRejected { by, status, body } => {
                write!(f, "credentials rejected by {by}: ")?;
                status_line(f, *status, body)
            }
            Error::TokenEndpoint {
                realm,
                status,
                body,
            } => {
                write!(f, "token request to {realm} failed: ")?;
                status_line(f, *status, body)
            }
            Error::MalformedToken { realm, error } => write!(f, "bad token from {realm}: {error}"),
            Error::TokenRejected { registry, body } => {
                write!(f, "{registry} rejected a freshly issued token")?;
                with_body(f, body)
            }
            Error::InsufficientScope {
                registry,
                scope,
                body,
            } => {
                write!(f, "insufficient scope at {registry} for {scope:?}")?;
                with_body(f, body)
            }
            Error::Policy(p) => fmt::Display::fmt(p, f),
            Error::LimitExceeded(l) => f.write_str(match l {
                LimitKind::Redirects => "too many redirects",
                LimitKind::Flows => "too many flows in progress",
                LimitKind::Actions => "flow exceeded its action bound",
            }),
            Error::SendFailed => f.write_str("sending the request failed"),
            Error::UnsupportedMethod { method } => {
                write!(
                    f,
                    "unsupported http method {method:?}: not a standard method"
                )
            }
            Error::UnknownFlow => f.write_str("unknown flow"),
            Error::Internal(what) => write!(f, "internal error (a bug, please report): {what}"),
        }
    }
}

/// Reason phrases in lower case, as every message of the crate is.
fn reason(status: u16) -> Option<&'static str> {
    Some(match status {
        200..=299 => "ok",
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        408 => "request timeout",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}

impl core::error::Error for Error {}

/// Which pass of the server-text pipeline an error goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextPass {
    /// When the error is made: normalise, scrub, clip.
    Made,
    /// When the error is handed out: scrub again, of secrets known since.
    HandedOut,
}

impl Error {
    /// Every piece of text in the error that a server wrote (or chose, like a realm).
    fn server_texts(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = Vec::new();
        match self {
            Error::NoUsableChallenge { offered } => out.extend(offered.iter_mut()),
            Error::CredentialsRejected { by, .. } => out.push(by),
            Error::TokenEndpoint { realm, .. } => out.push(realm),
            Error::MalformedToken { realm, error } => {
                out.push(realm);
                if let TokenError::NotJson { reason } = error {
                    out.push(reason);
                }
            }
            Error::InsufficientScope { scope, .. }
            | Error::CredentialsRequired {
                scope: Some(scope), ..
            } => out.push(scope),
            Error::Policy(
                PolicyError::RealmScheme { realm }
                | PolicyError::InsecureRealm { realm }
                | PolicyError::InternalRealm { realm, .. },
            ) => out.push(realm),
            _ => {}
        }
        out
    }

    fn body_mut(&mut self) -> Option<&mut ErrorBody> {
        match self {
            Error::CredentialsRejected { body, .. }
            | Error::TokenEndpoint { body, .. }
            | Error::TokenRejected { body, .. }
            | Error::InsufficientScope { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether the error holds any text a server wrote.
    pub(crate) fn has_server_text(&mut self) -> bool {
        self.body_mut().is_some_and(|b| !b.is_empty()) || !self.server_texts().is_empty()
    }

    /// Runs every server text of the error through the pipeline of
    /// [`server_text`](crate::server_text).
    pub(crate) fn clean_server_text(&mut self, scrubber: &mut Scrubber, pass: TextPass) {
        for t in self.server_texts() {
            match pass {
                TextPass::Made => *t = scrubber.clean(t),
                TextPass::HandedOut => scrubber.rescrub(t),
            }
        }
        if let Some(body) = self.body_mut() {
            match pass {
                TextPass::Made => body.clean(scrubber),
                TextPass::HandedOut => body.rescrub(scrubber),
            }
        }
    }
}

impl From<PolicyError> for Error {
    fn from(p: PolicyError) -> Self {
        Error::Policy(p)
    }
}

/// The driver called the machine in a way its state does not allow.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// The flow handle is not (or no longer) known.
    UnknownFlow,
    /// A response was reported for a request the flow has not asked to send.
    UnexpectedResponse,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsageError::UnknownFlow => "unknown flow",
            UsageError::UnexpectedResponse => {
                "response reported for a request the flow did not ask to send"
            }
        })
    }
}

impl core::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn status_lines_are_lower_case_and_end_without_a_space() {
        let at = |status| Error::TokenEndpoint {
            realm: "https://auth.example.com/token".into(),
            status,
            body: ErrorBody::default(),
        };
        assert_eq!(
            at(503).to_string(),
            "token request to https://auth.example.com/token failed: 503 service unavailable"
        );
        // Every status with a common reason says it.
        for (status, said) in [
            (200, "ok"),
            (400, "bad request"),
            (401, "unauthorized"),
            (403, "forbidden"),
            (404, "not found"),
            (405, "method not allowed"),
            (408, "request timeout"),
            (429, "too many requests"),
            (500, "internal server error"),
            (502, "bad gateway"),
            (504, "gateway timeout"),
        ] {
            let shown = at(status).to_string();
            assert!(
                shown.ends_with(&alloc::format!(": {status} {said}")),
                "{shown}"
            );
        }
        for status in [302, 418, 599] {
            let shown = at(status).to_string();
            assert!(shown.ends_with(&alloc::format!(": {status}")), "{shown}");
        }
        for status in 100..600 {
            let shown = at(status).to_string();
            assert!(!shown.ends_with(' '), "{shown}");
            assert_eq!(shown, shown.to_lowercase(), "{shown}");
        }
    }
}
