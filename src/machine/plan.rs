//! Deciding a flow's next request: send with what `Authorization`, wait for another flow's
//! token request, or make one.
//!
//! In order: the caller's own `Authorization` or a target off the registry gets none; a
//! registry token is sent as it is; a registry known to want Basic gets the credentials; a
//! registry not heard from yet gets nothing (its 401 says what it wants); a Bearer registry
//! gets the token this flow fetched, else a cached one that covers the request, else the
//! flow waits for a token request in progress that asks for enough, else it makes one.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::cache::Wanted;
use super::fetches::{Fetch, FetchId};
use super::flow::{Flow, SentAuth, State, WireSecret};
use super::io::{FlowId, SendRequest, TokenRequest};
use super::policy::{check_realm, check_registry};
use super::registry::LastChallenge;
use super::registry_credentials::CredEntry;
use super::token_request::{self, Grant, Inputs};
use super::{Authenticator, MAX_TOKEN_REQUESTS};
use crate::error::{Error, LimitKind};
use crate::scope::ScopeSet;
use crate::secret::{Authorization, Secret};

impl Authenticator {
    /// The credentials a flow uses: those filed for the longest namespace of its repository,
    /// else its registry's.
    pub(super) fn cred_for(&self, flow: &Flow) -> Option<&CredEntry> {
        let name = &self.registries.get(flow.registry)?.name;
        let repository = if self.creds.has_namespaces(name) {
            flow.target.scopes().repository()
        } else {
            None
        };
        self.creds.find(name, repository)
    }

    pub(super) fn send(
        &self,
        flow: &mut Flow,
        authorization: Option<Authorization>,
        sent: SentAuth,
    ) {
        flow.counts.sends += 1;
        if flow.counts.sends > self.config.max_redirects.saturating_add(3) {
            return self.fail(flow, Error::LimitExceeded(LimitKind::Actions));
        }
        if let Some(a) = &authorization {
            flow.wire.record(WireSecret::Header(a.clone()));
        }
        if sent == SentAuth::Basic {
            // The Basic value encodes the password: a server may echo either.
            let secrets: Vec<Secret> = self
                .cred_for(flow)
                .map(|c| c.creds.secrets().cloned().collect())
                .unwrap_or_default();
            for s in secrets {
                flow.wire.record(WireSecret::Value(s));
            }
        }
        flow.sent = sent;
        flow.handed_out = false;
        flow.state = State::AwaitSend(SendRequest {
            method: flow.method,
            url: Arc::clone(&flow.target.url),
            redirected: flow.target.redirected,
            authorization,
            keep_caller_authorization: flow.caller_auth && flow.target.on_registry,
        });
    }

    pub(super) fn plan(&mut self, id: FlowId, flow: &mut Flow) {
        if flow.caller_auth || !flow.target.on_registry {
            return self.send(flow, None, SentAuth::Nothing);
        }
        let Some(reg) = self.registries.get(flow.registry) else {
            return self.fail(flow, Error::Internal("a flow's registry entry is gone"));
        };
        let registry_ok = check_registry(&reg.origin, self.config.allow_insecure);
        let bearer_challenge = match &reg.last_challenge {
            Some(LastChallenge::Bearer { realm, service }) => Some((realm, service)),
            _ => None,
        };
        let basic_challenge = matches!(reg.last_challenge, Some(LastChallenge::Basic));
        let cred = self.cred_for(flow);
        if let Some(bearer) = cred.and_then(|c| c.bearer.clone()) {
            return match registry_ok {
                Ok(()) => self.send(flow, Some(bearer), SentAuth::RegistryToken),
                Err(e) => self.fail(flow, e),
            };
        }
        let use_basic = flow.recoveries.basic_fallback || basic_challenge;
        let (realm, service) = match bearer_challenge {
            Some(bearer) if !use_basic => bearer,
            // Basic, or not heard from yet (its 401 says what it wants).
            _ => {
                return match (cred.and_then(|c| c.basic.clone()), registry_ok) {
                    (Some(h), Ok(())) if use_basic => self.send(flow, Some(h), SentAuth::Basic),
                    (Some(_), Err(e)) if use_basic => self.fail(flow, e),
                    _ => self.send(flow, None, SentAuth::Nothing),
                }
            }
        };
        if let Err(e) = registry_ok {
            return self.fail(flow, e);
        }
        let now = self.clock.now_ms();
        let cred_id = cred.map(|c| c.id);
        let route = flow.target.scopes();
        // A token this flow fetched is used even inside the refresh margin (a margin longer
        // than the token's life would otherwise refetch forever), but never once expired, and
        // not for a route it was not asked for (a same-origin redirect to another repository).
        let fetched = flow
            .fetched_token
            .and_then(|id| Some((id, self.tokens.get(id)?)))
            .filter(|(_, t)| t.expires_ms > now && route.covered_by(&t.scopes));
        if let Some((token, t)) = fetched {
            let sent = SentAuth::Bearer {
                token,
                fetched_by_flow: true,
            };
            return self.send(flow, Some(t.auth.clone()), sent);
        }
        let margin = u64::try_from(self.config.refresh_margin.as_millis()).unwrap_or(u64::MAX);
        let cached = self.tokens.find(&Wanted {
            registry: flow.registry,
            cred: cred_id,
            route: &route,
            challenged: &flow.asked.challenged,
            declared: &flow.asked.declared,
            opaque: &flow.asked.opaque,
            usable_until: now.saturating_add(margin),
        });
        if let Some((token, auth)) = cached {
            let sent = SentAuth::Bearer {
                token,
                fetched_by_flow: false,
            };
            return self.send(flow, Some(auth.clone()), sent);
        }
        let (realm, service) = (realm.clone(), service.clone());
        let need = self.required_scopes(flow);
        let joined = self
            .fetches
            .join(id, flow.registry, cred_id, &need, &flow.asked.opaque, now);
        if let Some(fetch) = joined {
            flow.state = State::Waiting { fetch };
            return;
        }
        let fetch = self.fetches.start(Fetch {
            registry: flow.registry,
            cred: cred_id,
            realm,
            service,
            scopes: need,
            opaque: flow.asked.opaque.clone(),
        });
        let grant = match self.token_inputs(flow, fetch) {
            Some((inputs, post_refused)) => token_request::choose_grant(&inputs, post_refused),
            None => Grant::Get,
        };
        self.request_token(flow, fetch, grant);
    }

    /// Everything the flow needs: implied by its route, declared by the caller, named by
    /// challenges (and widened).
    pub(super) fn required_scopes(&self, flow: &Flow) -> ScopeSet {
        let mut set = flow.asked.challenged.clone();
        flow.target.scopes().add_to(&mut set);
        set.extend(flow.asked.declared.iter().cloned());
        set
    }

    /// What a token request of `fetch` for `flow` is made of, and whether the realm refused
    /// an OAuth2 POST before.
    fn token_inputs(&self, flow: &Flow, fetch: FetchId) -> Option<(Inputs<'_>, bool)> {
        let f = self.fetches.get(fetch)?;
        let reg = self.registries.get(flow.registry)?;
        let cred = self.cred_for(flow).filter(|c| Some(c.id) == f.cred);
        let inputs = Inputs {
            realm: &f.realm,
            service: f.service.as_deref(),
            scopes: &f.scopes,
            opaque: &f.opaque,
            creds: cred.map(|c| &c.creds),
            refresh_token: cred.and_then(|c| self.creds.refresh_token(c.id, &f.realm)),
            config: &self.config,
        };
        Some((inputs, reg.post_refused))
    }

    /// Makes the flow hand out a token request of `fetch` with `grant`, after the realm policy.
    pub(super) fn request_token(&mut self, flow: &mut Flow, fetch: FetchId, grant: Grant) {
        let checked = match (self.fetches.get(fetch), self.registries.get(flow.registry)) {
            (Some(f), Some(reg)) => check_realm(&f.realm, &reg.origin, &self.config).map(|_| ()),
            _ => Err(Error::Internal(
                "a token request's fetch or registry is gone",
            )),
        };
        let built = checked.and_then(|()| {
            self.token_inputs(flow, fetch)
                .map(|(inputs, _)| token_request::build(grant, &inputs))
                .ok_or(Error::Internal(
                    "a token request's fetch or registry is gone",
                ))
        });
        match built {
            Ok((request, sent)) => self.await_fetch(flow, fetch, request, grant, sent),
            Err(e) => self.fail_fetch(flow, fetch, e),
        }
    }

    fn await_fetch(
        &mut self,
        flow: &mut Flow,
        fetch: FetchId,
        request: TokenRequest,
        grant: Grant,
        sent: Vec<Secret>,
    ) {
        flow.counts.token_requests += 1;
        if flow.counts.token_requests > MAX_TOKEN_REQUESTS {
            self.end_fetch(fetch, None);
            return self.fail(flow, Error::LimitExceeded(LimitKind::Actions));
        }
        let timeout = u64::try_from(self.config.fetch_timeout.as_millis()).unwrap_or(u64::MAX);
        self.fetches
            .arm(fetch, self.clock.now_ms().saturating_add(timeout));
        if let Some(a) = request.authorization() {
            flow.wire.record(WireSecret::Header(a.clone()));
        }
        for s in sent {
            flow.wire.record(WireSecret::Value(s));
        }
        flow.handed_out = false;
        flow.state = State::AwaitFetch {
            fetch,
            request,
            grant,
        };
    }
}
