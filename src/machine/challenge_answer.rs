//! Answering a 401: which challenge to take, what it teaches about the registry, and whether
//! the flow retries (first challenge, stale token, widened scope, Harbor's Basic answer) or
//! fails.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::flow::{Flow, SentAuth};
use super::io::ResponseView;
use super::policy::check_realm;
use super::registry::LastChallenge;
use super::respond::retry;
use super::Authenticator;
use crate::challenge::Challenges;
use crate::error::Error;
use crate::scope::{Scope, ScopeSet};
use crate::token::ErrorBody;

/// Scopes from a challenge that are not `type:name:actions` (Gitea sends `*`), kept verbatim.
const MAX_OPAQUE_SCOPES: usize = 8;
/// Scopes taken from one challenge. A registry names one repository, two for a mount; a
/// hostile one must not make a flow ask for (and the cache index) thousands.
const MAX_CHALLENGE_SCOPES: usize = 32;
/// Schemes named in an error about a 401 without a usable challenge.
const MAX_OFFERED_SCHEMES: usize = 8;

/// The challenge a flow answers, copied out of the response.
enum ChosenChallenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scopes: Vec<String>,
        error: Option<String>,
        description: Option<String>,
    },
    Basic,
}

/// Bearer first (tokens are scoped and short-lived), then Basic; other schemes are ignored.
fn choose_challenge(list: &Challenges<'_>) -> Result<ChosenChallenge, Error> {
    let mut bearer_error = None;
    for c in list.iter().filter(|c| c.is_scheme("bearer")) {
        match c.bearer() {
            Ok(b) => {
                return Ok(ChosenChallenge::Bearer {
                    realm: b.realm().into(),
                    service: b.service().map(Into::into),
                    scopes: b
                        .scopes()
                        .take(MAX_CHALLENGE_SCOPES)
                        .map(Into::into)
                        .collect(),
                    error: b.error().map(Into::into),
                    description: b.error_description().map(Into::into),
                })
            }
            Err(e) => {
                bearer_error.get_or_insert(e);
            }
        }
    }
    if list
        .iter()
        .any(|c| c.is_scheme("basic") && c.basic().is_ok())
    {
        return Ok(ChosenChallenge::Basic);
    }
    if let Some(e) = bearer_error {
        return Err(Error::BearerChallenge(e));
    }
    Err(Error::NoUsableChallenge {
        offered: list
            .iter()
            .take(MAX_OFFERED_SCHEMES)
            .map(|c| c.scheme().into())
            .collect(),
    })
}

/// Adds scopes kept verbatim, up to their bound.
fn add_opaque(flow: &mut Flow, items: &[String]) {
    for o in items {
        if !flow.asked.opaque.contains(o) && flow.asked.opaque.len() < MAX_OPAQUE_SCOPES {
            flow.asked.opaque.push(o.clone());
        }
    }
}

impl Authenticator {
    pub(super) fn on_unauthorized(&mut self, flow: &mut Flow, response: &ResponseView<'_, '_>) {
        let chosen = match self
            .config
            .parser
            .parse_lines(response.values("www-authenticate"))
        {
            Ok(list) => choose_challenge(&list),
            Err(e) => Err(Error::Challenge(e)),
        };
        let chosen = match chosen {
            Ok(c) => c,
            Err(e) => return self.fail(flow, e),
        };
        let mut body = ErrorBody::parse_raw(response.body);
        let registry = self.registry_name(flow.registry);
        let has_basic = self.cred_for(flow).is_some_and(|c| c.basic.is_some());
        let (realm, service, scopes, error, description) = match chosen {
            ChosenChallenge::Basic => {
                return self.on_basic_challenge(flow, has_basic, registry, body);
            }
            ChosenChallenge::Bearer {
                realm,
                service,
                scopes,
                error,
                description,
            } => (realm, service, scopes, error, description),
        };
        let Some(reg) = self.registries.get_mut(flow.registry) else {
            return self.fail(flow, Error::Internal("a flow's registry entry is gone"));
        };
        if let Err(e) = check_realm(&realm, &reg.origin, &self.config) {
            return self.fail(flow, e);
        }
        let challenge = LastChallenge::Bearer { realm, service };
        if reg.last_challenge.as_ref() != Some(&challenge) {
            reg.last_challenge = Some(challenge);
        }
        if body.is_empty() {
            body = ErrorBody::from_challenge(error.clone(), description);
        }
        let mut named = ScopeSet::new();
        let mut opaque = Vec::new();
        for s in &scopes {
            match Scope::parse(s) {
                Ok(scope) => named.insert(scope),
                Err(_) if opaque.len() < MAX_OPAQUE_SCOPES => opaque.push(s.clone()),
                Err(_) => {}
            }
        }
        let insufficient = error.as_deref() == Some("insufficient_scope");
        self.on_bearer_challenge(flow, named, opaque, insufficient, body, registry);
    }

    fn on_basic_challenge(
        &mut self,
        flow: &mut Flow,
        has_basic: bool,
        registry: String,
        body: ErrorBody,
    ) {
        match flow.sent {
            // Harbor answers a token that lacks scope with a Basic challenge.
            SentAuth::Bearer { .. } if has_basic && !flow.recoveries.basic_fallback => {
                flow.recoveries.basic_fallback = true;
                retry(flow);
            }
            SentAuth::Bearer { .. } if !has_basic => {
                let scope = None;
                self.fail(flow, Error::CredentialsRequired { registry, scope });
            }
            SentAuth::Nothing => {
                if let Some(r) = self.registries.get_mut(flow.registry) {
                    r.last_challenge = Some(LastChallenge::Basic);
                }
                if has_basic {
                    retry(flow);
                } else {
                    let scope = None;
                    self.fail(flow, Error::CredentialsRequired { registry, scope });
                }
            }
            _ => {
                let by = registry;
                let status = 401;
                self.fail(flow, Error::CredentialsRejected { by, status, body });
            }
        }
    }

    fn on_bearer_challenge(
        &mut self,
        flow: &mut Flow,
        named: ScopeSet,
        opaque: Vec<String>,
        insufficient_scope: bool,
        body: ErrorBody,
        registry: String,
    ) {
        match flow.sent {
            SentAuth::Nothing => {
                flow.asked.challenged.extend_from(&named);
                add_opaque(flow, &opaque);
                retry(flow);
            }
            SentAuth::Basic if !flow.recoveries.basic_fallback => {
                // The registry moved from Basic to Bearer since we last heard from it.
                flow.asked.challenged.extend_from(&named);
                add_opaque(flow, &opaque);
                retry(flow);
            }
            SentAuth::Basic | SentAuth::RegistryToken => {
                let (by, status) = (registry, 401);
                self.fail(flow, Error::CredentialsRejected { by, status, body });
            }
            SentAuth::Bearer {
                token,
                fetched_by_flow,
            } if insufficient_scope => {
                let (held, held_opaque) = self
                    .tokens
                    .get(token)
                    .map(|t| (t.scopes.clone(), t.opaque.clone()))
                    .unwrap_or_default();
                let mut wanted = self.required_scopes(flow);
                wanted.extend_from(&named);
                let widened = held.union(&wanted);
                let nothing_new =
                    held.covers_all(&widened) && opaque.iter().all(|o| held_opaque.contains(o));
                // The cache records the scopes a token was asked for; the realm may have granted
                // less. A token refused for scope it was asked for lies about what it holds:
                // never send it again.
                self.tokens.remove(token);
                if flow.recoveries.widened || (fetched_by_flow && nothing_new) {
                    let mut scope = widened.to_string();
                    for o in &opaque {
                        scope.push(' ');
                        scope.push_str(o);
                    }
                    // Without credentials, more scope is not the remedy: say what is.
                    let error = if self.is_anonymous(flow) {
                        let scope = Some(scope);
                        Error::CredentialsRequired { registry, scope }
                    } else {
                        Error::InsufficientScope {
                            registry,
                            scope,
                            body,
                        }
                    };
                    return self.fail(flow, error);
                }
                flow.asked.challenged = widened;
                add_opaque(flow, &held_opaque);
                add_opaque(flow, &opaque);
                flow.recoveries.widened = true;
                flow.fetched_token = None;
                retry(flow);
            }
            SentAuth::Bearer {
                token,
                fetched_by_flow,
            } => {
                if fetched_by_flow || flow.recoveries.stale_token {
                    return self.fail(flow, Error::TokenRejected { registry, body });
                }
                // A cached token went stale (expired early, revoked): drop it, fetch once more.
                self.tokens.remove(token);
                flow.recoveries.stale_token = true;
                flow.asked.challenged.extend_from(&named);
                add_opaque(flow, &opaque);
                retry(flow);
            }
        }
    }

    /// Whether the flow has no credentials to offer: none configured for its registry (or
    /// explicitly anonymous ones), and no refresh token.
    fn is_anonymous(&self, flow: &Flow) -> bool {
        self.cred_for(flow).map_or(true, |c| {
            c.is_anonymous() && !self.creds.has_refresh_token(c.id)
        })
    }
}
