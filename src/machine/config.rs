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
/// ```
/// use core::time::Duration;
/// use registry_auth::Config;
///
/// let config = Config::default()
///     .allow_insecure(true)          // a plain-http test registry
///     .refresh_margin(Duration::from_secs(30))
///     .max_redirects(3);
/// assert!(config.insecure_allowed());
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
    pub(crate) one_scope_param: bool,
    pub(crate) stale_on_403_400: bool,
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
            one_scope_param: false,
            stale_on_403_400: false,
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

    /// Bounds on token responses (default: 64 KiB body, 16 KiB token).
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
    /// assert!(config.internal_realms_allowed_for("http://LOCALHOST:5000/v2/"));
    /// assert!(!config.internal_realms_allowed_for("localhost:5001"));
    /// assert!(!Config::default().internal_realms_allowed_for("localhost:5000"));
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
    /// assert_eq!(Config::default().max_redirects(u32::MAX).redirects_allowed(), Config::REDIRECTS_CEILING);
    /// ```
    #[must_use]
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n.min(Self::REDIRECTS_CEILING);
        self
    }

    /// The most redirects [`max_redirects`](Self::max_redirects) accepts. Browsers stop at
    /// about 20; a registry never needs more than two (registry, then storage).
    pub const REDIRECTS_CEILING: u32 = 64;

    /// Send all scopes in ONE `scope` query parameter, separated by spaces, for token servers
    /// that read only one (old GitLab, Keycloak-backed ones). Default: one parameter per scope.
    #[must_use]
    pub fn one_scope_param(mut self, on: bool) -> Self {
        self.one_scope_param = on;
        self
    }

    /// Treat a 403 or 400 on a request that carried a cached token as "the token went stale":
    /// drop it, fetch a new one, retry once (ECR answers 403, ECR Public 400). Default: off.
    #[must_use]
    pub fn stale_on_403_400(mut self, on: bool) -> Self {
        self.stale_on_403_400 = on;
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

    /// How long a token request handed out by [`Action::Fetch`](crate::Action::Fetch) may go
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

    /// Whether plain-http registries may receive credentials.
    pub fn insecure_allowed(&self) -> bool {
        self.allow_insecure
    }

    /// Whether the challenges of `registry` (spelled as for
    /// [`allow_internal_realms_for`](Self::allow_internal_realms_for)) may name a realm on an
    /// internal host.
    pub fn internal_realms_allowed_for(&self, registry: &str) -> bool {
        self.internal_realms_for.contains(&normalise(registry))
    }

    /// The token response bounds; a driver reads at most `token_limits().body_bytes() + 1`
    /// bytes of a token response body.
    pub fn current_token_limits(&self) -> TokenLimits {
        self.token_limits
    }

    /// The redirect bound.
    pub fn redirects_allowed(&self) -> u32 {
        self.max_redirects
    }
}
