//! The registry's answer to the caller's request: done, a redirect to follow, or a challenge
//! to answer (see [`challenge_answer`](super::challenge_answer)).

use alloc::sync::Arc;

use super::flow::{Flow, SentAuth, State};
use super::io::{Action, Method, ResponseView};
use super::route_scopes::Route;
use super::{Authenticator, MAX_AUTH_RETRIES};
use crate::error::{Error, LimitKind, UrlRole};
use crate::origin::{resolve, UrlError, UrlParts};

impl Authenticator {
    pub(super) fn on_response(&mut self, flow: &mut Flow, response: &ResponseView<'_, '_>) {
        let status = response.status;
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = response.first("location") {
                return self.redirect(flow, status, location);
            }
        }
        if flow.caller_auth || !flow.target.on_registry {
            return flow.finish(Action::Done);
        }
        match (status, flow.sent) {
            (401, _) => self.on_unauthorized(flow, response),
            (
                403 | 400,
                SentAuth::Bearer {
                    token,
                    fetched_by_flow: false,
                },
            ) if self.config.renew_token_on_403_400 && !flow.recoveries.stale_token => {
                self.tokens.remove(token);
                flow.recoveries.stale_token = true;
                retry(flow);
            }
            _ => flow.finish(Action::Done),
        }
    }

    fn redirect(&mut self, flow: &mut Flow, status: u16, location: &[u8]) {
        if flow.counts.redirects >= self.config.max_redirects {
            return self.fail(flow, Error::LimitExceeded(LimitKind::Redirects));
        }
        let url = match core::str::from_utf8(location)
            .map_err(|_| UrlError::InvalidCharacter)
            .and_then(|l| resolve(&flow.target.url, l))
        {
            Ok(url) => url,
            Err(error) => return self.fail_location(flow, error),
        };
        let parts = match UrlParts::parse(&url) {
            Ok(parts) => parts,
            Err(error) => return self.fail_location(flow, error),
        };
        flow.counts.redirects += 1;
        let on_registry = self
            .registries
            .get(flow.registry)
            .is_some_and(|r| parts.is_origin(&r.origin));
        if status == 303 && flow.method != Method::Head {
            flow.method = Method::Get;
        }
        let path_start = url.len() - parts.path_and_query.len();
        let route = Route::read(flow.method, &parts, path_start);
        flow.target.set(Arc::new(url), path_start, route);
        flow.target.redirected = true;
        flow.target.on_registry = on_registry;
        flow.sent = SentAuth::Nothing;
        flow.state = State::Plan;
    }
}

impl Authenticator {
    fn fail_location(&self, flow: &mut Flow, error: UrlError) {
        let role = UrlRole::Location;
        self.fail(flow, Error::InvalidUrl { role, error });
    }
}

/// Sends again to authenticate, within the flow's bound.
pub(super) fn retry(flow: &mut Flow) {
    flow.counts.auth_retries += 1;
    if flow.counts.auth_retries > MAX_AUTH_RETRIES {
        flow.finish(Action::Failed(Error::LimitExceeded(LimitKind::Actions)));
    } else {
        flow.state = State::Plan;
    }
}
