//! The token endpoint's answer: a token to cache, a POST to retry as GET, or an error that
//! ends the fetch for the flow that made it and the flows that waited for it.

use super::cache::CachedToken;
use super::fetches::FetchId;
use super::flow::{Flow, State};
use super::io::{Action, FlowId, ResponseView};
use super::token_request::Grant;
use super::Authenticator;
use crate::error::Error;
use crate::secret::Authorization;
use crate::token::{ErrorBody, TokenError, TokenResponse};

impl Authenticator {
    pub(super) fn on_fetch_response(&mut self, flow: &mut Flow, response: &ResponseView<'_, '_>) {
        let State::AwaitFetch { fetch, grant, .. } = flow.state else {
            return;
        };
        if self.fetches.get(fetch).is_none() {
            // The credentials changed while this request was out: its answer speaks for
            // credentials that no longer apply, so it is neither cached nor used.
            flow.state = State::Plan;
            return;
        }
        let status = response.status;
        let ok = (200..300).contains(&status);
        let parsed = ok.then(|| TokenResponse::parse(response.body, &self.config.token_limits));
        let not_json = matches!(parsed, Some(Err(TokenError::NotJson { .. })));
        if grant != Grant::Get && (matches!(status, 400 | 401 | 404 | 405) || not_json) {
            // The realm does not take the OAuth2 POST: ask with GET, now and from now on.
            if let Some(r) = self.registries.get_mut(flow.registry) {
                r.post_refused = true;
            }
            return self.request_token(flow, fetch, Grant::Get);
        }
        // Only an error names the realm: no copy of it on the way to a token.
        let realm = |this: &Self| {
            this.fetches
                .get(fetch)
                .map(|f| f.realm.clone())
                .unwrap_or_default()
        };
        let error = match parsed {
            Some(Ok(t)) => return self.accept_token(flow, fetch, &t),
            Some(Err(error)) => Error::MalformedToken {
                realm: realm(self),
                error,
            },
            None => {
                let body = ErrorBody::parse_raw(response.body);
                let f = self.fetches.get(fetch);
                let cred = f.and_then(|f| f.cred);
                let realm_of_fetch = f.map_or("", |f| f.realm.as_str());
                let anonymous =
                    self.cred_for(flow)
                        .filter(|c| Some(c.id) == cred)
                        .map_or(true, |c| {
                            c.is_anonymous()
                                && self.creds.refresh_token(c.id, realm_of_fetch).is_none()
                        });
                if matches!(status, 401 | 403) && !anonymous {
                    Error::CredentialsRejected {
                        by: realm(self),
                        status,
                        body,
                    }
                } else {
                    Error::TokenEndpoint {
                        realm: realm(self),
                        status,
                        body,
                    }
                }
            }
        };
        // A refresh token the realm refused is dead; the next attempt uses the credentials.
        // (The flow sent it: it stays in the flow's record, and the error is scrubbed of it.)
        if grant == Grant::PostRefresh {
            if let Some(f) = self.fetches.get(fetch) {
                if let Some(cred) = f.cred {
                    let realm = f.realm.clone();
                    self.creds.drop_refresh_token(cred, &realm);
                }
            }
        }
        self.fail_fetch(flow, fetch, error);
    }

    fn accept_token(&mut self, flow: &mut Flow, fetch: FetchId, t: &TokenResponse) {
        let Some(f) = self.fetches.get(fetch) else {
            flow.state = State::Plan;
            return;
        };
        let Some(auth) = Authorization::bearer(t.token().expose()) else {
            let error = Error::MalformedToken {
                realm: f.realm.clone(),
                error: TokenError::UnsafeToken { field: "token" },
            };
            return self.fail_fetch(flow, fetch, error);
        };
        let now = self.clock.now_ms();
        let token = CachedToken {
            registry: f.registry,
            cred: f.cred,
            scopes: f.scopes.clone(),
            opaque: f.opaque.clone(),
            auth,
            expires_ms: now.saturating_add(t.lifetime_secs().saturating_mul(1000)),
        };
        if let (Some(rt), Some(cred)) = (t.refresh_token(), f.cred) {
            let realm = f.realm.clone();
            self.creds.set_refresh_token(cred, &realm, rt.clone());
        }
        let id = self
            .tokens
            .insert(token, now, self.config.max_cached_tokens);
        self.end_fetch(fetch, None);
        flow.fetched_token = Some(id);
        flow.state = State::Plan;
    }

    /// Fails the flow that made a fetch, and the flows that waited for it, the same way.
    pub(super) fn fail_fetch(&mut self, flow: &mut Flow, fetch: FetchId, error: Error) {
        let error = self.cleaned(flow, error);
        self.end_fetch(fetch, Some(error.clone()));
        flow.finish(Action::Failed(error));
    }

    /// Ends a token fetch: on success its waiters plan again (and find the token in the
    /// cache); on a definite failure they fail the same way; when `error` is `None` (a send
    /// failure, a cancel, changed credentials) they plan again and one of them fetches.
    pub(super) fn end_fetch(&mut self, fetch: FetchId, error: Option<Error>) {
        for id in self.fetches.end(fetch) {
            self.wake(id, error.as_ref());
        }
    }

    /// Wakes a flow waiting for a fetch that ended: it plans again, or fails as the fetch did.
    /// It is queued for [`Authenticator::poll_woken`], and the waker its driver left is woken.
    pub(super) fn wake(&mut self, id: FlowId, error: Option<&Error>) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        if !matches!(flow.state, State::Waiting { .. }) {
            return;
        }
        flow.state = match error {
            Some(e) => State::Finished(Action::Failed(e.clone())),
            None => State::Plan,
        };
        if let Some(waker) = self.flows.mark_woken(id) {
            waker.wake();
        }
    }
}
