//! What a user authenticates with.

use alloc::string::String;

use crate::secret::{Authorization, Secret};

/// Credentials for one registry.
///
/// `Debug` never shows a password or token:
///
/// ```
/// use registry_auth::Credentials;
///
/// let c = Credentials::basic("alice", "s3cret");
/// assert_eq!(format!("{c:?}"), r#"Basic { username: "alice", password: <redacted> }"#);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No credentials: anonymous tokens only (public images).
    #[default]
    Anonymous,
    /// A username and password (or an access token used as a password). Sent as Basic to the
    /// registry's realm (token GET), to the registry itself on a Basic challenge, or in an
    /// OAuth2 password grant when configured.
    Basic {
        /// The user name, also sent as `account` in token requests.
        username: String,
        /// The password.
        password: Secret,
    },
    /// An identity token (Docker's `identitytoken`, an OAuth2 refresh token): exchanged with
    /// the realm through an OAuth2 `refresh_token` grant.
    IdentityToken {
        /// The user name, when known (Docker's config stores one beside the token).
        username: Option<String>,
        /// The refresh token.
        token: Secret,
    },
    /// A registry token (Docker's `registrytoken`): sent as `Bearer` to the registry as is,
    /// without a token exchange.
    RegistryToken(Secret),
}

impl Credentials {
    /// Username and password.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// An identity (refresh) token.
    pub fn identity_token(token: impl Into<Secret>) -> Self {
        Credentials::IdentityToken {
            username: None,
            token: token.into(),
        }
    }

    /// An identity (refresh) token with the user name it belongs to (Docker's config stores
    /// both); the name is sent as the Basic user if the realm only takes `GET`.
    pub fn identity_token_for(username: impl Into<String>, token: impl Into<Secret>) -> Self {
        Credentials::IdentityToken {
            username: Some(username.into()),
            token: token.into(),
        }
    }

    /// A registry token, sent as `Bearer` as is.
    pub fn registry_token(token: impl Into<Secret>) -> Self {
        Credentials::RegistryToken(token.into())
    }

    /// The user name, when the credentials have one.
    pub fn username(&self) -> Option<&str> {
        match self {
            Credentials::Basic { username, .. } => Some(username),
            Credentials::IdentityToken { username, .. } => username.as_deref(),
            _ => None,
        }
    }

    /// Whether these are anonymous credentials.
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Credentials::Anonymous)
    }

    /// The secrets these credentials hold, to scrub them from server messages.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &Secret> {
        let s = match self {
            Credentials::Basic { password, .. } => Some(password),
            Credentials::IdentityToken { token, .. } => Some(token),
            Credentials::RegistryToken(t) => Some(t),
            Credentials::Anonymous => None,
        };
        s.into_iter()
    }

    /// The `Authorization: Basic` value for the registry itself: a username and password.
    pub(crate) fn basic_header(&self) -> Option<Authorization> {
        match self {
            Credentials::Basic { username, password } => {
                Some(Authorization::basic(username, password.expose()))
            }
            _ => None,
        }
    }

    /// The `Authorization: Basic` value for a token endpoint's GET: a username and password,
    /// or an identity token (for the GET fallback of a realm that refused the OAuth2 POST)
    /// under the `<token>` user name Docker uses for identity tokens.
    pub(crate) fn token_get_basic_header(&self) -> Option<Authorization> {
        match self {
            Credentials::IdentityToken { username, token } => Some(Authorization::basic(
                username.as_deref().unwrap_or("<token>"),
                token.expose(),
            )),
            _ => self.basic_header(),
        }
    }
}
