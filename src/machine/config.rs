//! The machine's configuration.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use crate::challenge::ParserConfig;
use crate::registry_name::normalise;
use crate::token::TokenLimits;

/// How an [`Authenticator`](crate::Authenticator) behaves. Defaults suit public registries:
/// https only, lenient challenge parsing, tokens refreshed 10 s before they expire.
///
/// Every setting has a builder method named for it (`max_redirects(3)`) and a getter named
/// `get_` and the same (`get_max_redirects()`), as `std::process::Command` names its own.
///
/// ```
/// use core::time::Duration;
/// use registry_auth::Config;
///
/// let config = Config::default()
///     .allow_insecure(true)          // a plain-http test registry
///     .refresh_margin(Duration::from_secs(30))
///     .max_redirects(3);
/// assert!(config.get_allow_insecure());
/// assert_eq!(config.get_max_redirects(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) parser: ParserConfig,
    pub(crate) token_limits: TokenLimits,
    pub(crate) allow_insecure: bool,
    /// Registries (as credentials are keyed) whose challenges may name internal realms.
    pub(crate) internal_realms_for: Vec<String>,
    pub(crate) refresh_margin: Duration,
    pub(crate) max_redirects: u32,
    pub(crate) scopes_in_one_parameter: bool,
    pub(crate) renew_token_on_403_400: bool,
    pub(crate) password_grant: bool,
    pub(crate) request_refresh_token: bool,
    pub(crate) client_id: String,
    pub(crate) max_cached_tokens: usize,
    pub(crate) max_flows: usize,
    pub(crate) fetch_timeout: Duration,
    pub(crate) max_registries: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            parser: ParserConfig::lenient(),
            token_limits: TokenLimits::DEFAULT,
            allow_insecure: false,
            internal_realms_for: Vec::new(),
            refresh_margin: Duration::from_secs(10),
            max_redirects: 5,
            scopes_in_one_parameter: false,
            renew_token_on_403_400: false,
            password_grant: false,
            request_refresh_token: false,
            client_id: String::from("registry-auth"),
            max_cached_tokens: 64,
            max_flows: 1024,
            fetch_timeout: Duration::from_secs(60),
            max_registries: 1024,
        }
    }
}

impl Config {
    /// How `WWW-Authenticate` is parsed (default: [`ParserConfig::lenient`]).
    #[must_use]
    pub fn parser(mut self, parser: ParserConfig) -> Self {
        self.parser = parser;
        self
    }

    /// Bounds on token responses (default: [`TokenLimits::DEFAULT`], 256 KiB of body and
    /// 64 KiB per token).
    #[must_use]
    pub fn token_limits(mut self, limits: TokenLimits) -> Self {
        self.token_limits = limits;
        self
    }

    /// Allow plain-`http` registries to receive credentials and tokens, and realms on plain
    /// `http` for them (default: off). A realm on `http` is never followed for an `https`
    /// registry.
    #[must_use]
    pub fn allow_insecure(mut self, on: bool) -> Self {
        self.allow_insecure = on;
        self
    }

    /// Let the challenges of `registry` name a realm on an internal host (default: no
    /// registry may). Call once per registry; `registry` is spelled as for
    /// [`Authenticator::set_credentials`](crate::Authenticator::set_credentials)
    /// (`host[:port]`, a scheme or path ignored, default ports left out).
    ///
    /// A realm on an internal host (loopback, private, link-local or another special-purpose
    /// address, `localhost` or a name under `.localhost`; the list is in the crate's
    /// `internal_host` module) is refused unless it is on the registry's own host: a hostile or
    /// compromised registry could otherwise aim token requests, and the credentials they carry,
    /// at services inside the caller's network (cloud metadata at 169.254.169.254, an admin
    /// port on loopback). A development registry on `http://localhost:5000` whose realm is
    /// `http://127.0.0.1:5000/token` names another host, by spelling, and needs this setting.
    ///
    /// The setting trusts one registry, not one realm host: a registry named here may send
    /// token requests to any internal host, while every other registry stays refused, even
    /// one naming the same realm. A switch for all registries would lift the rule for the
    /// public ones a tool also talks to; a list of realm hosts would let any registry aim at
    /// those hosts. Plain `http` realms still need [`allow_insecure`](Self::allow_insecure).
    ///
    /// ```
    /// use registry_auth::Config;
    ///
    /// let config = Config::default()
    ///     .allow_insecure(true)
    ///     .allow_internal_realms_for("localhost:5000");
    /// assert!(config.get_allow_internal_realms_for("http://LOCALHOST:5000/v2/"));
    /// assert!(!config.get_allow_internal_realms_for("localhost:5001"));
    /// assert!(!Config::default().get_allow_internal_realms_for("localhost:5000"));
    /// ```
    #[must_use]
    pub fn allow_internal_realms_for(mut self, registry: &str) -> Self {
        let name = normalise(registry);
        if !self.internal_realms_for.contains(&name) {
            self.internal_realms_for.push(name);
        }
        self
    }

    /// Refresh a cached token this long before it expires (default: 10 s).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Follow at most this many redirects of one request (default: 5; values above
    /// [`Config::REDIRECTS_CEILING`] count as the ceiling, so a flow stays bounded).
    ///
    /// ```
    /// use registry_auth::Config;
    /// assert_eq!(Config::default().max_redirects(u32::MAX).get_max_redirects(), Config::REDIRECTS_CEILING);
    /// ```
    #[must_use]
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n.min(Self::REDIRECTS_CEILING);
        self
    }

    /// The most redirects [`max_redirects`](Self::max_redirects) accepts. Browsers stop at
    /// about 20; a registry never needs more than two (registry, then storage).
    pub const REDIRECTS_CEILING: u32 = 64;

    /// Put all scopes of a token `GET` in ONE `scope` query parameter, separated by spaces,
    /// for token servers that read only one (old GitLab, Keycloak-backed ones). Default: one
    /// `scope` parameter per scope. (An OAuth2 `POST` always sends one space-separated field.)
    #[must_use]
    pub fn scopes_in_one_parameter(mut self, on: bool) -> Self {
        self.scopes_in_one_parameter = on;
        self
    }

    /// Renew the cached token when a request that carried it is answered 403 or 400: drop
    /// the token, fetch a new one, retry once, as after a 401 (ECR answers an expired token
    /// with 403, ECR Public with 400). Default: off, so a 403 or 400 is the caller's answer.
    #[must_use]
    pub fn renew_token_on_403_400(mut self, on: bool) -> Self {
        self.renew_token_on_403_400 = on;
        self
    }

    /// Exchange a username and password through an OAuth2 `POST` password grant instead of a
    /// `GET` with Basic credentials (falls back to `GET` when the realm refuses the POST).
    #[must_use]
    pub fn password_grant(mut self, on: bool) -> Self {
        self.password_grant = on;
        self
    }

    /// Ask the realm for a refresh token (`offline_token=true` on GET, `access_type=offline` on
    /// POST) and use it for later token requests of the registry.
    #[must_use]
    pub fn request_refresh_token(mut self, on: bool) -> Self {
        self.request_refresh_token = on;
        self
    }

    /// The OAuth2 `client_id` to send (default: `registry-auth`).
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }

    /// Keep at most this many tokens (default: 64); the one expiring soonest goes first.
    #[must_use]
    pub fn max_cached_tokens(mut self, n: usize) -> Self {
        self.max_cached_tokens = n.max(1);
        self
    }

    /// Allow at most this many flows in progress at once (default: 1024).
    #[must_use]
    pub fn max_flows(mut self, n: usize) -> Self {
        self.max_flows = n;
        self
    }

    /// How long a token request handed out by [`Action::FetchToken`](crate::Action::FetchToken) may go
    /// unanswered before it is presumed lost (default: 60 s): flows waiting for it stop
    /// waiting and fetch their own, and new flows do not wait for it. The machine learns the
    /// time from its inputs; a caller with only waiting flows calls
    /// [`Authenticator::handle_timeout`](crate::Authenticator::handle_timeout) at
    /// [`Authenticator::poll_timeout`](crate::Authenticator::poll_timeout). A late answer to
    /// a lost request is still accepted.
    #[must_use]
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// Remember at most this many registry origins that no flow uses (default: 1024): what
    /// their challenges said, their refresh tokens. Past the cap, the least recently used one
    /// is forgotten with its cached tokens (never its credentials), and its next request
    /// starts with a 401 again.
    #[must_use]
    pub fn max_registries(mut self, n: usize) -> Self {
        self.max_registries = n.max(1);
        self
    }

    /// See [`parser`](Self::parser).
    pub fn get_parser(&self) -> &ParserConfig {
        &self.parser
    }

    /// See [`token_limits`](Self::token_limits). A driver reads at most
    /// `get_token_limits().read_limit()` bytes of a token response body.
    pub fn get_token_limits(&self) -> TokenLimits {
        self.token_limits
    }

    /// See [`allow_insecure`](Self::allow_insecure).
    pub fn get_allow_insecure(&self) -> bool {
        self.allow_insecure
    }

    /// Whether the challenges of `registry` (spelled as for
    /// [`allow_internal_realms_for`](Self::allow_internal_realms_for)) may name a realm on an
    /// internal host.
    pub fn get_allow_internal_realms_for(&self, registry: &str) -> bool {
        self.internal_realms_for.contains(&normalise(registry))
    }

    /// See [`refresh_margin`](Self::refresh_margin).
    pub fn get_refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// See [`max_redirects`](Self::max_redirects).
    pub fn get_max_redirects(&self) -> u32 {
        self.max_redirects
    }

    /// See [`scopes_in_one_parameter`](Self::scopes_in_one_parameter).
    pub fn get_scopes_in_one_parameter(&self) -> bool {
        self.scopes_in_one_parameter
    }

    /// See [`renew_token_on_403_400`](Self::renew_token_on_403_400).
    pub fn get_renew_token_on_403_400(&self) -> bool {
        self.renew_token_on_403_400
    }

    /// See [`password_grant`](Self::password_grant).
    pub fn get_password_grant(&self) -> bool {
        self.password_grant
    }

    /// See [`request_refresh_token`](Self::request_refresh_token).
    pub fn get_request_refresh_token(&self) -> bool {
        self.request_refresh_token
    }

    /// See [`client_id`](Self::client_id).
    pub fn get_client_id(&self) -> &str {
        &self.client_id
    }

    /// See [`max_cached_tokens`](Self::max_cached_tokens).
    pub fn get_max_cached_tokens(&self) -> usize {
        self.max_cached_tokens
    }

    /// See [`max_flows`](Self::max_flows).
    pub fn get_max_flows(&self) -> usize {
        self.max_flows
    }

    /// See [`fetch_timeout`](Self::fetch_timeout).
    pub fn get_fetch_timeout(&self) -> Duration {
        self.fetch_timeout
    }

    /// See [`max_registries`](Self::max_registries).
    pub fn get_max_registries(&self) -> usize {
        self.max_registries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_getter_reads_the_default_then_what_its_setter_set() {
        let d = Config::default();
        assert!(!d.get_allow_insecure() && !d.get_scopes_in_one_parameter());
        assert!(!d.get_renew_token_on_403_400() && !d.get_password_grant());
        assert!(!d.get_request_refresh_token());
        assert_eq!(d.get_refresh_margin(), Duration::from_secs(10));
        assert_eq!(d.get_max_redirects(), 5);
        assert_eq!(d.get_client_id(), "registry-auth");
        assert_eq!((d.get_max_cached_tokens(), d.get_max_flows()), (64, 1024));
        assert_eq!(d.get_fetch_timeout(), Duration::from_secs(60));
        assert_eq!(d.get_max_registries(), 1024);
        assert!(!d.get_allow_internal_realms_for("localhost:5000"));

        let c = Config::default()
            .allow_insecure(true)
            .scopes_in_one_parameter(true)
            .renew_token_on_403_400(true)
            .password_grant(true)
            .request_refresh_token(true)
            .refresh_margin(Duration::from_secs(3))
            .max_redirects(2)
            .client_id("tool/1")
            .max_cached_tokens(7)
            .max_flows(9)
            .fetch_timeout(Duration::from_secs(5))
            .max_registries(11)
            .allow_internal_realms_for("http://LOCALHOST:5000/v2/");
        assert!(c.get_allow_insecure() && c.get_scopes_in_one_parameter());
        assert!(c.get_renew_token_on_403_400() && c.get_password_grant());
        assert!(c.get_request_refresh_token());
        assert_eq!(c.get_refresh_margin(), Duration::from_secs(3));
        assert_eq!(c.get_max_redirects(), 2);
        assert_eq!(c.get_client_id(), "tool/1");
        assert_eq!((c.get_max_cached_tokens(), c.get_max_flows()), (7, 9));
        assert_eq!(c.get_fetch_timeout(), Duration::from_secs(5));
        assert_eq!(c.get_max_registries(), 11);
        assert!(c.get_allow_internal_realms_for("localhost:5000"));
        assert!(!c.get_allow_internal_realms_for("localhost:5001"));
        // The caps never reach zero.
        let z = Config::default().max_cached_tokens(0).max_registries(0);
        assert_eq!((z.get_max_cached_tokens(), z.get_max_registries()), (1, 1));
    }
}
