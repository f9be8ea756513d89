//! Which credentials a config file holds for a registry (and a repository of it), in the
//! Docker CLI's order of precedence and with Podman's namespaced keys.

use alloc::borrow::ToOwned;
use alloc::string::String;

use super::{AuthEntry, DockerConfig, DOCKER_HUB_SERVER, HELPER_PREFIX};
use crate::credentials::Credentials;
use crate::registry_name::{covers, filed_key, host_part, normalise};

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

impl DockerConfig {
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
