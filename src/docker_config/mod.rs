//! Docker's `config.json` and Podman's `auth.json`: which credentials belong to a registry.
//!
//! The caller reads the file (with the `host` feature, `host::load_config` finds it the way
//! Docker and Podman do); [`DockerConfig::parse`] reads its bytes and
//! [`DockerConfig::lookup`] answers for one registry, either with credentials or with the
//! credential helper to ask (see [`cred_helper`](crate::cred_helper) to run it Sans-IO).
//!
//! ```
//! use registry_auth::docker_config::{DockerConfig, Lookup};
//! use registry_auth::Credentials;
//!
//! let config = DockerConfig::parse(br#"{
//!     "auths": {
//!         "https://index.docker.io/v1/": { "auth": "YWxpY2U6czNjcmV0" },
//!         "ghcr.io": {}
//!     },
//!     "credHelpers": { "123456789.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login" }
//! }"#)?;
//!
//! assert_eq!(config.lookup("docker.io"), Lookup::Credentials(Credentials::basic("alice", "s3cret")));
//! assert_eq!(config.lookup("registry-1.docker.io"), config.lookup("docker.io"));
//! assert_eq!(
//!     config.lookup("123456789.dkr.ecr.eu-west-1.amazonaws.com"),
//!     Lookup::Helper {
//!         program: "docker-credential-ecr-login".into(),
//!         server_url: "123456789.dkr.ecr.eu-west-1.amazonaws.com".into(),
//!     }
//! );
//! assert_eq!(config.lookup("quay.io"), Lookup::Anonymous);
//! // Secrets never print.
//! assert!(!format!("{config:?}").contains("s3cret"));
//! # Ok::<(), registry_auth::docker_config::DockerConfigError>(())
//! ```
//!
//! # Registry names
//! Keys and looked-up names are compared as Docker does after its own normalisation: a scheme
//! (`https://`, `http://`) and a path (`/v1/`) are ignored, the host is compared without
//! regard to case, and the default ports `:443` and `:80` are dropped (so `r.example.com:443`
//! finds `r.example.com`; the scheme that would tell the two ports apart is not part of a
//! registry name, and the [`Authenticator`](crate::Authenticator) keys credentials the same
//! way). Docker Hub is keyed `https://index.docker.io/v1/` by `docker login`; `docker.io`,
//! `index.docker.io` and `registry-1.docker.io` all find it, and an entry under any of those
//! names serves the others.
//!
//! # Namespaced keys
//! Podman's `auth.json` may also key credentials by registry and namespace
//! (`quay.io/org-a`, `quay.io/org-a/app`; see containers-auth.json(5)): a key written without a
//! scheme keeps its path as a namespace. Such keys answer only
//! [`DockerConfig::lookup_repository`], which picks the most specific key that prefixes the
//! image's repository on `/` boundaries, then the bare registry, and says which key answered
//! ([`Keyed`]), so that the credentials can be set in the
//! [`Authenticator`](crate::Authenticator) under that key. [`DockerConfig::lookup`], which knows
//! no repository, reads only keys that name a registry alone. A key with a scheme is a URL in
//! Docker's style: its path (`/v1/`) is not a namespace.
//!
//! # Field names
//! Docker and Podman read the file with Go's `encoding/json`, which matches field names without
//! regard to case and treats `null` as an absent value; so does this parser. Unknown fields are
//! ignored, and so is `email`.

mod error;
mod lookup;

pub use error::{DockerConfigError, DockerConfigErrorKind};
pub use lookup::{Keyed, Lookup};

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value as Json};
use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::registry_name::{namespace_part, normalise};
use crate::secret::{Secret, WipedJson};

/// The key `docker login` stores Docker Hub under, and the server URL Docker gives credential
/// helpers for Docker Hub.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// The prefix of every credential helper's program name.
pub const HELPER_PREFIX: &str = "docker-credential-";

/// Go's `base64.StdEncoding` ignores non-zero trailing bits, and hand-written configs drop the
/// padding: accept both, as Docker and Podman effectively do.
const AUTH_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One `auths` entry, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct AuthEntry {
    key: String,
    registry: String,
    /// The path of a Podman-style key (`quay.io/org-a` has `org-a`): the entry serves only the
    /// repositories under it. `None` for a key that names a registry alone.
    namespace: Option<String>,
    username: String,
    password: Option<Secret>,
    identity_token: Option<Secret>,
    registry_token: Option<Secret>,
}

/// One `credHelpers` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HelperEntry {
    key: String,
    registry: String,
    helper: String,
}

/// A parsed Docker `config.json` or Podman `auth.json`: the parts that say where credentials
/// are.
///
/// `Debug` shows keys, user names and helper names; passwords and tokens print as
/// `<redacted>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DockerConfig {
    auths: Vec<AuthEntry>,
    creds_store: Option<String>,
    cred_helpers: Vec<HelperEntry>,
    /// The next file to ask, for registries this one has nothing for (see
    /// [`DockerConfig::with_fallback`]).
    fallback: Option<Box<DockerConfig>>,
}

/// A field by name, as Go's `encoding/json` finds it: the exact name first, else any name that
/// differs only in ASCII case. `null` counts as absent.
fn get<'a>(obj: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    obj.get(name)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

fn get_str<'a>(
    obj: &'a Map<String, Json>,
    name: &'static str,
    key: Option<&str>,
) -> Result<Option<&'a str>, DockerConfigError> {
    match get(obj, name) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(DockerConfigError::wrong_type(key, name, "string")),
    }
}

fn get_object<'a>(
    obj: &'a Map<String, Json>,
    name: &'static str,
) -> Result<Option<&'a Map<String, Json>>, DockerConfigError> {
    match get(obj, name) {
        None => Ok(None),
        Some(Json::Object(o)) => Ok(Some(o)),
        Some(_) => Err(DockerConfigError::wrong_type(None, name, "object")),
    }
}

fn non_empty_secret(s: Option<&str>) -> Option<Secret> {
    s.filter(|s| !s.is_empty()).map(Secret::new)
}

/// Whether `name` can follow `docker-credential-` and still name a program on `PATH`.
fn is_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '/' && c != '\\')
}

fn decode_auth(key: &str, auth: &str) -> Result<(String, Secret), DockerConfigError> {
    let err = |kind| DockerConfigError::new(Some(key), "auth", kind);
    // Go's decoder skips line breaks, which `base64` without `-w0` inserts. Sized once so that
    // no reallocation leaves a copy of the secret behind; both buffers are wiped.
    let auth = auth.trim();
    let mut compact: Vec<u8> = Vec::with_capacity(auth.len());
    compact.extend(auth.bytes().filter(|b| *b != b'\n' && *b != b'\r'));
    let decoded = AUTH_BASE64.decode(&compact);
    compact.zeroize();
    let mut plain = decoded.map_err(|_| err(DockerConfigErrorKind::BadBase64))?;
    let split = match core::str::from_utf8(&plain) {
        // User names cannot hold `:` (RFC 7617), passwords can: split at the first one.
        Ok(text) => text
            .split_once(':')
            .map(|(user, password)| (user.to_owned(), Secret::new(password)))
            .ok_or_else(|| err(DockerConfigErrorKind::MissingColon)),
        Err(_) => Err(err(DockerConfigErrorKind::NotUtf8)),
    };
    plain.zeroize();
    split
}

fn parse_auth_entry(key: &str, value: &Json) -> Result<AuthEntry, DockerConfigError> {
    let empty = Map::new();
    let obj = match value {
        Json::Object(o) => o,
        Json::Null => &empty,
        _ => return Err(DockerConfigError::wrong_type(Some(key), "auths", "object")),
    };
    let k = Some(key);
    let auth = get_str(obj, "auth", k)?.filter(|a| !a.is_empty());
    let username = get_str(obj, "username", k)?;
    let password = get_str(obj, "password", k)?;
    let identity_token = non_empty_secret(get_str(obj, "identitytoken", k)?);
    let registry_token = non_empty_secret(get_str(obj, "registrytoken", k)?);
    // Docker decodes `auth` over whatever `username`/`password` say.
    let (username, password) = match auth {
        Some(a) => {
            let (u, p) = decode_auth(key, a)?;
            (u, Some(p))
        }
        None => (
            username.unwrap_or_default().to_owned(),
            non_empty_secret(password),
        ),
    };
    Ok(AuthEntry {
        key: key.to_owned(),
        registry: normalise(key),
        namespace: namespace_part(key).map(str::to_owned),
        username,
        password,
        identity_token,
        registry_token,
    })
}

impl AuthEntry {
    /// Docker's order: a registry token is sent as is and skips the token exchange; an identity
    /// token replaces the password; user name and password last.
    fn credentials(&self) -> Credentials {
        if let Some(t) = &self.registry_token {
            return Credentials::RegistryToken(t.clone());
        }
        if let Some(t) = &self.identity_token {
            return Credentials::IdentityToken {
                username: Some(self.username.clone()).filter(|u| !u.is_empty()),
                token: t.clone(),
            };
        }
        match &self.password {
            Some(p) => Credentials::basic(self.username.clone(), p.clone()),
            None if !self.username.is_empty() => {
                Credentials::basic(self.username.clone(), Secret::new(""))
            }
            None => Credentials::Anonymous,
        }
    }
}

impl DockerConfig {
    /// Parses the bytes of a `config.json` or `auth.json`.
    ///
    /// Total: any bytes give a config or a [`DockerConfigError`]; serde_json bounds nesting depth.
    ///
    /// # Errors
    /// [`DockerConfigError`] naming the registry key and the field at fault, never a value.
    pub fn parse(bytes: &[u8]) -> Result<Self, DockerConfigError> {
        // Wiped on every way out: the parsed file holds every password and token in it.
        let json = WipedJson(serde_json::from_slice(bytes).map_err(|e| {
            DockerConfigError::new(
                None,
                "config",
                DockerConfigErrorKind::NotJson {
                    reason: e.to_string(),
                },
            )
        })?);
        let Json::Object(root) = &json.0 else {
            return Err(DockerConfigError::new(
                None,
                "config",
                DockerConfigErrorKind::NotJson {
                    reason: "the top level is not an object".into(),
                },
            ));
        };

        let mut auths = Vec::new();
        if let Some(entries) = get_object(root, "auths")? {
            for (key, value) in entries {
                auths.push(parse_auth_entry(key, value)?);
            }
        }

        let creds_store = match get_str(root, "credsStore", None)? {
            // Docker treats an empty store name as no store.
            None | Some("") => None,
            Some(s) if is_helper_name(s) => Some(s.to_owned()),
            Some(_) => {
                return Err(DockerConfigError::new(
                    None,
                    "credsStore",
                    DockerConfigErrorKind::BadHelperName,
                ))
            }
        };

        let mut cred_helpers = Vec::new();
        if let Some(entries) = get_object(root, "credHelpers")? {
            for (key, value) in entries {
                let helper = match value {
                    Json::Null => continue,
                    Json::String(s) if s.is_empty() => continue,
                    Json::String(s) if is_helper_name(s) => s,
                    Json::String(_) => {
                        return Err(DockerConfigError::new(
                            Some(key),
                            "credHelpers",
                            DockerConfigErrorKind::BadHelperName,
                        ))
                    }
                    _ => {
                        return Err(DockerConfigError::wrong_type(
                            Some(key),
                            "credHelpers",
                            "string",
                        ))
                    }
                };
                cred_helpers.push(HelperEntry {
                    key: key.clone(),
                    registry: normalise(key),
                    helper: helper.clone(),
                });
            }
        }

        Ok(DockerConfig {
            auths,
            creds_store,
            cred_helpers,
            fallback: None,
        })
    }

    /// This config, then `lower` for every registry this one (and the fallbacks it already
    /// has) holds nothing for: how Podman reads its several auth files, asking each in turn
    /// until one has an answer for the registry. `lower` goes after the last fallback.
    ///
    /// A config with a `credsStore` answers for every registry, so nothing after it is asked.
    ///
    /// ```
    /// use registry_auth::docker_config::{DockerConfig, Lookup};
    /// use registry_auth::Credentials;
    ///
    /// let podman = DockerConfig::parse(br#"{"auths":{"quay.io":{"auth":"cTpw"}}}"#)?;
    /// let docker = DockerConfig::parse(br#"{"auths":{"quay.io":{"auth":"ZDpw"},"ghcr.io":{"auth":"ZzpodWI="}}}"#)?;
    /// let both = podman.with_fallback(docker);
    /// assert_eq!(both.lookup("quay.io"), Lookup::Credentials(Credentials::basic("q", "p")));
    /// assert_eq!(both.lookup("ghcr.io"), Lookup::Credentials(Credentials::basic("g", "hub")));
    /// assert_eq!(both.lookup("docker.io"), Lookup::Anonymous);
    /// # Ok::<(), registry_auth::docker_config::DockerConfigError>(())
    /// ```
    #[must_use]
    pub fn with_fallback(mut self, lower: DockerConfig) -> Self {
        let mut slot = &mut self.fallback;
        while let Some(next) = slot {
            slot = &mut next.fallback;
        }
        *slot = Some(Box::new(lower));
        self
    }

    /// The default credential store (`credsStore`), if any: `desktop`, `osxkeychain`, `pass`...
    pub fn creds_store(&self) -> Option<&str> {
        self.creds_store.as_deref()
    }

    /// The `auths` keys, as written.
    pub fn auth_keys(&self) -> impl Iterator<Item = &str> {
        self.auths.iter().map(|e| e.key.as_str())
    }

    /// The `credHelpers` entries: registry key as written and helper name.
    pub fn cred_helpers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cred_helpers
            .iter()
            .map(|e| (e.key.as_str(), e.helper.as_str()))
    }
}
