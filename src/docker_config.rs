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

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value as Json};
use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::registry_name::{covers, filed_key, host_part, namespace_part, normalise};
use crate::secret::{Secret, WipedJson};
use crate::server_text::clip_to;

/// The key `docker login` stores Docker Hub under, and the server URL Docker gives credential
/// helpers for Docker Hub.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// The prefix of every credential helper's program name.
pub const HELPER_PREFIX: &str = "docker-credential-";

/// The longest registry key an error message repeats.
const ERROR_ECHO: usize = 120;

/// Go's `base64.StdEncoding` ignores non-zero trailing bits, and hand-written configs drop the
/// padding: accept both, as Docker and Podman effectively do.
const AUTH_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A config file that cannot be used, naming the registry key and the field at fault but never
/// a value: the values are passwords and tokens.
///
/// ```
/// use registry_auth::docker_config::{DockerConfigErrorKind, DockerConfig};
///
/// let e = DockerConfig::parse(br#"{"auths":{"r.example.com":{"auth":"not base64!"}}}"#).unwrap_err();
/// assert_eq!(e.kind(), &DockerConfigErrorKind::BadBase64);
/// assert_eq!((e.key(), e.field()), (Some("r.example.com"), "auth"));
/// assert_eq!(e.to_string(), r#"docker config: field `auth` of auths entry "r.example.com" is not valid base64"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerConfigError {
    key: Option<String>,
    field: &'static str,
    kind: DockerConfigErrorKind,
}

/// What is wrong with a config file.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerConfigErrorKind {
    /// The bytes are not JSON, or the top level is not an object.
    NotJson {
        /// serde_json's description, with line and column (it never quotes the input).
        reason: String,
    },
    /// A field has the wrong JSON type.
    WrongType {
        /// The type expected: `"string"` or `"object"`.
        expected: &'static str,
    },
    /// `auth` is not base64.
    BadBase64,
    /// `auth` decodes to bytes that are not UTF-8.
    NotUtf8,
    /// `auth` decodes to text without the `:` between user name and password.
    MissingColon,
    /// A `credsStore` or `credHelpers` value that is empty or holds a path separator,
    /// whitespace or a control character: appended to `docker-credential-`, it would name a
    /// program outside `PATH` or break the command line.
    BadHelperName,
}

impl DockerConfigError {
    fn new(key: Option<&str>, field: &'static str, kind: DockerConfigErrorKind) -> Self {
        let key = key.map(|k| clip_to(k, ERROR_ECHO));
        DockerConfigError { key, field, kind }
    }

    fn wrong_type(key: Option<&str>, field: &'static str, expected: &'static str) -> Self {
        DockerConfigError::new(key, field, DockerConfigErrorKind::WrongType { expected })
    }

    /// The registry key of the `auths` or `credHelpers` entry at fault, if the error is in one
    /// (cut after 120 characters).
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The field at fault: `auth`, `username`, `password`, `identitytoken`, `registrytoken`,
    /// `auths`, `credsStore`, `credHelpers`, or `config` for the file as a whole.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong.
    pub fn kind(&self) -> &DockerConfigErrorKind {
        &self.kind
    }
}

impl fmt::Display for DockerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let DockerConfigErrorKind::NotJson { reason } = &self.kind {
            return write!(f, "docker config is not a json object: {reason}");
        }
        // Debug formatting escapes quotes and control characters in a hostile key.
        match (&self.key, self.field) {
            (Some(key), section @ ("auths" | "credHelpers")) => {
                write!(f, "docker config: {section} entry {key:?}")?;
            }
            (Some(key), field) => {
                write!(f, "docker config: field `{field}` of auths entry {key:?}")?;
            }
            (None, field) => write!(f, "docker config: field `{field}`")?,
        }
        match &self.kind {
            DockerConfigErrorKind::WrongType { expected } => write!(f, " is not a json {expected}"),
            DockerConfigErrorKind::BadBase64 => f.write_str(" is not valid base64"),
            DockerConfigErrorKind::NotUtf8 => f.write_str(" does not decode to utf-8 text"),
            DockerConfigErrorKind::MissingColon => {
                f.write_str(" does not decode to `username:password`")
            }
            DockerConfigErrorKind::BadHelperName => f.write_str(" is not a usable helper name"),
            DockerConfigErrorKind::NotJson { .. } => Ok(()),
        }
    }
}

impl core::error::Error for DockerConfigError {}

/// What [`DockerConfig::lookup`] found for a registry.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Ask a credential helper: run `program get` with `server_url` on its standard input
    /// ([`CredentialResolver`](crate::cred_helper::CredentialResolver) does the bookkeeping).
    Helper {
        /// `docker-credential-NAME`.
        program: String,
        /// What to write on the helper's standard input: [`DOCKER_HUB_SERVER`] for Docker Hub,
        /// otherwise the registry's `host[:port]`.
        server_url: String,
    },
    /// Credentials stored in the file itself.
    Credentials(Credentials),
    /// Nothing applies: pull anonymously.
    Anonymous,
}

/// An answer and the key it was found under: the key to give
/// [`Authenticator::set_credentials`](crate::Authenticator::set_credentials) with the
/// credentials, so that they serve the same requests the config meant them for.
///
/// The key is the registry's name as [`DockerConfig::lookup`] compares it (host in lower case,
/// default port dropped, `docker.io` for Docker Hub), followed by `/` and the namespace when a
/// Podman-style `auths` key for a namespace answered (`quay.io/org-a`).
///
/// ```
/// use registry_auth::docker_config::{DockerConfig, Lookup};
/// use registry_auth::Credentials;
///
/// let config = DockerConfig::parse(br#"{"auths":{"quay.io/org-a":{"auth":"YTpw"}}}"#)?;
/// let found = config.lookup_repository("Quay.io", "org-a/app");
/// assert_eq!(found.key(), "quay.io/org-a");
/// assert_eq!(found.value(), &Lookup::Credentials(Credentials::basic("a", "p")));
/// # Ok::<(), registry_auth::docker_config::DockerConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyed<T> {
    key: String,
    value: T,
}

impl<T> Keyed<T> {
    /// `registry` or `registry/namespace`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The answer.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The answer, without the key.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The key and the answer.
    pub fn into_parts(self) -> (String, T) {
        (self.key, self.value)
    }

    pub(crate) fn new(key: String, value: T) -> Self {
        Keyed { key, value }
    }

    /// The same key with another answer.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Keyed<U> {
        Keyed {
            key: self.key,
            value: f(self.value),
        }
    }
}

/// One `auths` entry, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AuthEntry {
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

    /// Where the credentials for `registry` are, in the Docker CLI's order of precedence:
    ///
    /// 1. a `credHelpers` entry for the registry: its helper;
    /// 2. else `credsStore`, if set: that helper, for every registry, whatever `auths` holds
    ///    (Docker writes an empty `{}` into `auths` for each registry it stored in the helper,
    ///    and never falls back to `auths` for credentials when a store is configured);
    /// 3. else the `auths` entry: its credentials, where a `registrytoken` wins over an
    ///    `identitytoken`, which wins over the user name and password (from `auth` when it is
    ///    set, else from `username`/`password`);
    /// 4. else, or when the entry holds nothing usable: [`Lookup::Anonymous`].
    ///
    /// `registry` may be written in any of the forms keys take (see the module docs on registry
    /// names); a path in it is ignored. When several `auths` keys name the same registry, the
    /// one written exactly as `registry` wins, then [`DOCKER_HUB_SERVER`] for Docker Hub, then
    /// the plain host, then the first in sorted order. Podman-style keys for a namespace
    /// (`quay.io/org-a`) never answer here: without a repository, which namespace is meant is
    /// unknown; see [`lookup_repository`](Self::lookup_repository).
    ///
    /// The helper's `server_url` is [`DOCKER_HUB_SERVER`] for Docker Hub; otherwise the
    /// `credHelpers` key's `host[:port]` as written, or for `credsStore` the `host[:port]` of
    /// `registry` as written (scheme and path removed).
    ///
    /// When this config has nothing for the registry, its fallbacks are asked in order (see
    /// [`with_fallback`](Self::with_fallback)).
    pub fn lookup(&self, registry: &str) -> Lookup {
        let wanted = normalise(registry);
        let mut config = self;
        loop {
            match config.lookup_here(registry, &wanted) {
                Lookup::Anonymous => match config.fallback.as_deref() {
                    Some(next) => config = next,
                    None => return Lookup::Anonymous,
                },
                found => return found,
            }
        }
    }

    /// Where the credentials for `repository` on `registry` are (`repository` as a reference
    /// gives it: `library/alpine` for Docker Hub's `alpine`), and the key they are filed under.
    ///
    /// As [`lookup`](Self::lookup), except that `auths` keys may name a namespace, as Podman's
    /// `auth.json` allows (containers-auth.json(5)): among the keys for the registry that hold
    /// credentials, the one whose namespace is the longest prefix of `repository` on `/`
    /// boundaries wins (`quay.io/org-a/app`, then `quay.io/org-a`), then the bare registry. A
    /// `credHelpers` entry or a `credsStore` still answers for the whole registry first, and
    /// its key is the registry's. A key written with a scheme (`https://quay.io/v1/`) is a URL
    /// and names the registry alone.
    ///
    /// ```
    /// use registry_auth::docker_config::{DockerConfig, Lookup};
    /// use registry_auth::Credentials;
    ///
    /// let config = DockerConfig::parse(br#"{"auths":{
    ///     "my-registry.local/foo/bar/image": {"auth":"aW1hZ2U6MQ=="},
    ///     "my-registry.local/foo": {"auth":"Zm9vOjI="},
    ///     "my-registry.local": {"auth":"cmVnaXN0cnk6Mw=="}
    /// }}"#)?;
    /// let user = |repository: &str| {
    ///     let found = config.lookup_repository("my-registry.local", repository);
    ///     match found.value() {
    ///         Lookup::Credentials(c) => (found.key().to_owned(), c.username().map(str::to_owned)),
    ///         other => panic!("{other:?}"),
    ///     }
    /// };
    /// assert_eq!(user("foo/bar/image"), ("my-registry.local/foo/bar/image".into(), Some("image".into())));
    /// assert_eq!(user("foo/bar/other"), ("my-registry.local/foo".into(), Some("foo".into())));
    /// assert_eq!(user("foobar/image"), ("my-registry.local".into(), Some("registry".into())));
    /// # Ok::<(), registry_auth::docker_config::DockerConfigError>(())
    /// ```
    ///
    /// Files layered with [`with_fallback`](Self::with_fallback) are asked in order, each as a
    /// whole: the first file with an answer for the repository gives it, as with Podman.
    pub fn lookup_repository(&self, registry: &str, repository: &str) -> Keyed<Lookup> {
        let wanted = normalise(registry);
        let repository = repository.trim_matches('/');
        let mut config = self;
        loop {
            let found = config.lookup_repository_here(registry, &wanted, repository);
            if found.value != Lookup::Anonymous {
                return found;
            }
            match config.fallback.as_deref() {
                Some(next) => config = next,
                None => return Keyed::new(wanted, Lookup::Anonymous),
            }
        }
    }

    /// [`lookup_repository`](Self::lookup_repository) in this file alone.
    fn lookup_repository_here(
        &self,
        registry: &str,
        wanted: &str,
        repository: &str,
    ) -> Keyed<Lookup> {
        let namespaced = self
            .auths
            .iter()
            .filter(|e| e.registry == wanted)
            .filter_map(|e| Some((e, e.namespace.as_deref()?)))
            .filter(|(_, ns)| covers(ns, repository))
            .filter_map(|(e, ns)| {
                let c = e.credentials();
                (!c.is_anonymous()).then_some((ns, c))
            })
            // The longest namespace; among keys naming the same one, the first in sorted order.
            .fold(
                None,
                |best: Option<(&str, Credentials)>, (ns, c)| match best {
                    Some((b, _)) if b.len() >= ns.len() => best,
                    _ => Some((ns, c)),
                },
            );
        // Helpers answer for the whole registry, before any `auths` entry.
        let helpers_first =
            self.creds_store.is_some() || self.cred_helpers.iter().any(|e| e.registry == wanted);
        match namespaced {
            Some((ns, c)) if !helpers_first => {
                Keyed::new(filed_key(wanted, Some(ns)), Lookup::Credentials(c))
            }
            _ => Keyed::new(wanted.to_owned(), self.lookup_here(registry, wanted)),
        }
    }

    /// [`lookup`](Self::lookup) in this file alone; `wanted` is `registry` normalised.
    fn lookup_here(&self, registry: &str, wanted: &str) -> Lookup {
        let hub = wanted == "docker.io";

        if let Some(entry) = self.cred_helpers.iter().find(|e| e.registry == wanted) {
            let server_url = if hub {
                DOCKER_HUB_SERVER.to_owned()
            } else {
                host_part(&entry.key).to_owned()
            };
            return helper(&entry.helper, server_url);
        }
        if let Some(store) = &self.creds_store {
            // The helper stored the name `docker login` was given, as written: asking with a
            // normalised one (lower case, default port dropped) would miss it.
            let server_url = if hub {
                DOCKER_HUB_SERVER.to_owned()
            } else {
                host_part(registry).to_owned()
            };
            return helper(store, server_url);
        }

        let rank = |e: &&AuthEntry| {
            if e.key == registry {
                0
            } else if hub && e.key == DOCKER_HUB_SERVER {
                1
            } else if e.key == wanted {
                2
            } else {
                3
            }
        };
        match self
            .auths
            .iter()
            .filter(|e| e.registry == wanted && e.namespace.is_none())
            .min_by_key(rank)
            .map(AuthEntry::credentials)
        {
            Some(c) if !c.is_anonymous() => Lookup::Credentials(c),
            _ => Lookup::Anonymous,
        }
    }
}

fn helper(name: &str, server_url: String) -> Lookup {
    let mut program = String::with_capacity(HELPER_PREFIX.len() + name.len());
    program.push_str(HELPER_PREFIX);
    program.push_str(name);
    Lookup::Helper {
        program,
        server_url,
    }
}
