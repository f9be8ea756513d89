//! Which secrets are cut out of a flow's errors: every secret the machine holds, and every
//! secret the flow put on the wire (see [`server_text`](crate::server_text) for the rule and
//! the pipeline).

use super::flow::Flow;
use super::io::Action;
use super::Authenticator;
use crate::error::{Error, TextPass};
use crate::server_text::Scrubber;

impl Authenticator {
    /// Ends a flow with `error`, its server text through the pipeline.
    pub(super) fn fail(&self, flow: &mut Flow, error: Error) {
        flow.finish(Action::Failed(self.cleaned(flow, error)));
    }

    /// The error with its server text normalised, scrubbed of every secret the machine holds
    /// and the flow sent, and clipped.
    pub(super) fn cleaned(&self, flow: &Flow, mut error: Error) -> Error {
        if error.has_server_text() {
            error.clean_server_text(&mut self.scrubber(flow), TextPass::Made);
        }
        error
    }

    /// An error about to be handed out, scrubbed once more: secrets may have been learned
    /// since it was made (it may be another flow's, shared by a fetch this one waited for).
    pub(super) fn rescrubbed(&self, flow: &Flow, action: &mut Action) {
        if let Action::Failed(e) = action {
            if e.has_server_text() {
                e.clean_server_text(&mut self.scrubber(flow), TextPass::HandedOut);
            }
        }
    }

    /// Everything secret a server could echo to this flow: every credential the machine holds
    /// and the Basic values made of them, every refresh token, every cached token, and every
    /// secret the flow itself put on the wire (which the cache may have dropped since).
    fn scrubber(&self, flow: &Flow) -> Scrubber {
        let mut s = self.machine_scrubber();
        for w in flow.wire.iter() {
            s.add(w.text());
        }
        s
    }

    /// Every secret the machine holds, whatever flow: credentials and their Basic values,
    /// refresh tokens, cached tokens.
    pub(super) fn machine_scrubber(&self) -> Scrubber {
        let mut s = Scrubber::default();
        for c in self.creds.entries() {
            for secret in c.creds.secrets() {
                s.add(secret.expose());
            }
            // A registry token is itself the secret; the Basic value is base64 of the user
            // and password (or, for an identity token, of `<token>` and the token).
            if let Some(basic) = c.creds.token_get_basic_header() {
                s.add(basic.credentials_part());
            }
        }
        for rt in self.creds.refresh_tokens() {
            s.add(rt.expose());
        }
        for auth in self.tokens.authorizations() {
            s.add(auth.credentials_part());
        }
        s
    }
}
