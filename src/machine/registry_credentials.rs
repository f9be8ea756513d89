//! The credentials configured per registry and per namespace of a registry, with the header
//! values made of them and the refresh tokens realms issued for them.
//!
//! Keys are what [`Authenticator::set_credentials`](super::Authenticator::set_credentials)
//! was given, read as Docker and Podman read `auth.json` keys: `registry` (any spelling:
//! scheme, default port and Docker Hub's aliases do not matter) or `registry/namespace`
//! (Podman's keys; a key with a scheme is a URL whose path is ignored). A request uses the
//! entry whose namespace is the longest prefix of its repository on `/` boundaries, else the
//! registry's own entry. Each entry has an id, so that tokens fetched with one set of
//! credentials never serve requests made with another.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::credentials::Credentials;
use crate::registry_name::{covers, credential_key};
use crate::secret::{Authorization, Secret};

/// Refresh tokens kept per credentials entry (one per realm that issued one).
const MAX_REFRESH_TOKENS: usize = 4;

/// The id of one credentials entry; a replaced entry gets a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct CredId(u64);

#[cfg(test)]
impl CredId {
    pub(super) fn for_test(n: u64) -> Self {
        CredId(n)
    }
}

/// Credentials for one registry or namespace, with the header values built once.
pub(super) struct CredEntry {
    pub(super) id: CredId,
    pub(super) creds: Credentials,
    /// `Basic` for the registry itself (and a token GET), when the credentials make one.
    pub(super) basic: Option<Authorization>,
    /// A registry token, sent as it is.
    pub(super) bearer: Option<Authorization>,
}

impl CredEntry {
    /// Whether these credentials are anonymous.
    pub(super) fn is_anonymous(&self) -> bool {
        self.creds.is_anonymous()
    }
}

#[derive(Default)]
struct ForRegistry {
    whole: Option<CredEntry>,
    /// By namespace (no leading or trailing `/`).
    namespaces: Vec<(String, CredEntry)>,
}

#[derive(Default)]
pub(super) struct RegistryCredentials {
    by_registry: BTreeMap<String, ForRegistry>,
    /// Refresh tokens realms issued in exchange for an entry's credentials, by entry and
    /// realm: a refresh token goes back only to the realm that issued it (another origin of
    /// the same registry name may name another realm).
    refresh_tokens: BTreeMap<(CredId, String), Secret>,
    next_id: u64,
}

/// Splits a credential key into the registry's name and the namespace, if any.
fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.split_once('/') {
        Some((registry, ns)) => (registry, Some(ns)),
        None => (key, None),
    }
}

impl RegistryCredentials {
    /// Whether the entry filed under `name` holds exactly `creds`: setting them again then
    /// changes nothing, so the tokens fetched with them stay.
    pub(super) fn holds(&self, name: &str, creds: &Credentials) -> bool {
        let key = credential_key(name);
        let (registry, ns) = split_key(&key);
        let Some(slot) = self.by_registry.get(registry) else {
            return false;
        };
        let entry = match ns {
            None => slot.whole.as_ref(),
            Some(ns) => slot
                .namespaces
                .iter()
                .find(|(n, _)| n == ns)
                .map(|(_, e)| e),
        };
        entry.is_some_and(|e| e.creds == *creds)
    }

    /// Files credentials under `name` (see the module docs); returns the id of the entry they
    /// replace, whose tokens and fetches must go.
    pub(super) fn set(&mut self, name: &str, creds: Credentials) -> (String, Option<CredId>) {
        let key = credential_key(name);
        self.next_id += 1;
        let entry = CredEntry {
            id: CredId(self.next_id),
            basic: creds.basic_header(),
            bearer: match &creds {
                Credentials::RegistryToken(t) => Authorization::bearer(t.expose()),
                _ => None,
            },
            creds,
        };
        let (registry, ns) = split_key(&key);
        let slot = self.by_registry.entry(registry.into()).or_default();
        let old = match ns {
            None => slot.whole.replace(entry),
            Some(ns) => match slot.namespaces.iter_mut().find(|(n, _)| n == ns) {
                Some((_, e)) => Some(core::mem::replace(e, entry)),
                None => {
                    slot.namespaces.push((ns.into(), entry));
                    None
                }
            },
        };
        let old = old.map(|e| e.id);
        if let Some(id) = old {
            self.drop_refresh_tokens(id);
        }
        let registry = String::from(registry);
        (registry, old)
    }

    /// Removes the credentials filed under `name`; returns the registry's name and the id of
    /// the entry removed.
    pub(super) fn remove(&mut self, name: &str) -> (String, Option<CredId>) {
        let key = credential_key(name);
        let (registry, ns) = split_key(&key);
        let mut removed = None;
        if let Some(slot) = self.by_registry.get_mut(registry) {
            removed = match ns {
                None => slot.whole.take(),
                Some(ns) => slot
                    .namespaces
                    .iter()
                    .position(|(n, _)| n == ns)
                    .map(|i| slot.namespaces.swap_remove(i).1),
            };
            if slot.whole.is_none() && slot.namespaces.is_empty() {
                self.by_registry.remove(registry);
            }
        }
        let removed = removed.map(|e| e.id);
        if let Some(id) = removed {
            self.drop_refresh_tokens(id);
        }
        (String::from(registry), removed)
    }

    /// The entry a request to `registry` for `repository` (when its route names one) uses.
    pub(super) fn find(&self, registry: &str, repository: Option<&str>) -> Option<&CredEntry> {
        let slot = self.by_registry.get(registry)?;
        let namespaced = repository.and_then(|repo| {
            slot.namespaces
                .iter()
                .filter(|(ns, _)| covers(ns, repo))
                .max_by_key(|(ns, _)| ns.len())
                .map(|(_, e)| e)
        });
        namespaced.or(slot.whole.as_ref())
    }

    /// Whether any entry is filed for a namespace of `registry` (then a request's repository
    /// decides which entry it uses).
    pub(super) fn has_namespaces(&self, registry: &str) -> bool {
        self.by_registry
            .get(registry)
            .is_some_and(|s| !s.namespaces.is_empty())
    }

    /// Every entry.
    pub(super) fn entries(&self) -> impl Iterator<Item = &CredEntry> {
        self.by_registry
            .values()
            .flat_map(|s| s.whole.iter().chain(s.namespaces.iter().map(|(_, e)| e)))
    }

    /// The refresh token `realm` issued for the entry `id`.
    pub(super) fn refresh_token(&self, id: CredId, realm: &str) -> Option<&Secret> {
        self.refresh_tokens.get(&(id, String::from(realm)))
    }

    /// Keeps a refresh token `realm` issued for the entry `id`, at most
    /// [`MAX_REFRESH_TOKENS`] per entry (a registry that names ever new realms must not grow
    /// the table).
    pub(super) fn set_refresh_token(&mut self, id: CredId, realm: &str, token: Secret) {
        // Only for an entry that still exists: credentials replaced while the request was out
        // do not get the old ones' refresh token.
        if !self.entries().any(|e| e.id == id) {
            return;
        }
        let key = (id, String::from(realm));
        if !self.refresh_tokens.contains_key(&key) {
            let held: Vec<(CredId, String)> = self
                .refresh_tokens
                .range((id, String::new())..)
                .take_while(|((i, _), _)| *i == id)
                .map(|(k, _)| k.clone())
                .collect();
            if held.len() >= MAX_REFRESH_TOKENS {
                if let Some(oldest) = held.into_iter().next() {
                    self.refresh_tokens.remove(&oldest);
                }
            }
        }
        self.refresh_tokens.insert(key, token);
    }

    /// Whether any realm issued a refresh token for the entry `id`.
    pub(super) fn has_refresh_token(&self, id: CredId) -> bool {
        self.refresh_tokens
            .range((id, String::new())..)
            .next()
            .is_some_and(|((i, _), _)| *i == id)
    }

    /// Drops the refresh token `realm` issued for the entry `id` (the realm refused it).
    pub(super) fn drop_refresh_token(&mut self, id: CredId, realm: &str) {
        self.refresh_tokens.remove(&(id, String::from(realm)));
    }

    fn drop_refresh_tokens(&mut self, id: CredId) {
        self.refresh_tokens.retain(|(i, _), _| *i != id);
    }

    /// Every refresh token held.
    pub(super) fn refresh_tokens(&self) -> impl Iterator<Item = &Secret> {
        self.refresh_tokens.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str) -> Credentials {
        Credentials::basic(user, "pw")
    }

    fn user(c: Option<&CredEntry>) -> Option<&str> {
        c.and_then(|e| e.creds.username())
    }

    #[test]
    fn the_longest_namespace_covering_the_repository_wins_then_the_registry() {
        let mut t = RegistryCredentials::default();
        t.set("quay.io", basic("whole"));
        t.set("quay.io/org-a", basic("org-a"));
        t.set("quay.io/org-a/app", basic("app"));
        t.set("https://quay.io/v1/", basic("url-key"));
        assert_eq!(user(t.find("quay.io", Some("org-a/app"))), Some("app"));
        assert_eq!(user(t.find("quay.io", Some("org-a/app/sub"))), Some("app"));
        assert_eq!(user(t.find("quay.io", Some("org-a/other"))), Some("org-a"));
        assert_eq!(user(t.find("quay.io", Some("org-ab/x"))), Some("url-key"));
        assert_eq!(user(t.find("quay.io", None)), Some("url-key"));
        assert!(t.find("ghcr.io", Some("org-a/app")).is_none());
        assert!(t.has_namespaces("quay.io"));
    }

    #[test]
    fn replacing_or_removing_an_entry_names_it_and_drops_its_refresh_token() {
        let mut t = RegistryCredentials::default();
        let (reg, old) = t.set("Quay.io:443/org-a/", basic("a"));
        assert_eq!((reg.as_str(), old), ("quay.io", None));
        let first = t.find("quay.io", Some("org-a/x")).map(|e| e.id).unwrap();
        t.set_refresh_token(first, "https://auth/a", Secret::new("rt"));
        assert!(t.refresh_token(first, "https://auth/a").is_some());
        // Only the realm that issued it gets it back.
        assert!(t.refresh_token(first, "https://auth/b").is_none());
        let (_, old) = t.set("quay.io/org-a", basic("b"));
        assert_eq!(old, Some(first));
        assert!(t.refresh_token(first, "https://auth/a").is_none());
        let second = t.find("quay.io", Some("org-a/x")).map(|e| e.id).unwrap();
        assert_ne!(first, second);
        // A refresh token for credentials already replaced is not kept.
        t.set_refresh_token(first, "https://auth/a", Secret::new("late"));
        assert_eq!(t.refresh_tokens().count(), 0);
        // Realms without end keep a bounded number.
        for r in 0..20 {
            t.set_refresh_token(
                second,
                &alloc::format!("https://auth/{r}"),
                Secret::new("x"),
            );
        }
        assert_eq!(t.refresh_tokens().count(), MAX_REFRESH_TOKENS);
        assert_eq!(t.remove("quay.io/org-a").1, Some(second));
        assert!(t.find("quay.io", Some("org-a/x")).is_none());
        assert_eq!(t.entries().count(), 0);
    }
}
