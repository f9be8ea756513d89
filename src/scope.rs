//! Token scopes: `resourcetype[(class)]:resourcename:action[,action]*`.
//!
//! Names may hold a registry host with a port and slashes (`repository:localhost:5000/team/app:pull`),
//! so the type ends at the first `:` and the actions start after the last one. A [`ScopeSet`]
//! is the canonical form a token cache keys on: one entry per resource, actions merged (`*`
//! absorbs every other action), sorted.
//!
//! ```
//! use registry_auth::scope::{Scope, ScopeSet};
//!
//! let mut held = ScopeSet::new();
//! held.insert("repository:team/app:pull".parse()?);
//! held.insert("repository:team/app:push".parse()?);
//! assert_eq!(held.to_string(), "repository:team/app:pull,push");
//! assert!(held.covers(&"repository:team/app:pull".parse()?));
//! assert!(!held.covers(&"repository:team/app:delete".parse()?));
//! # Ok::<(), registry_auth::scope::ScopeError>(())
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::server_text::clip_to;
use core::fmt;
use core::str::FromStr;

/// The longest input an error message repeats; longer inputs are cut with `...`.
const ERROR_ECHO: usize = 120;

/// A scope that does not follow the grammar, with the offending input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeError {
    input: String,
    kind: ScopeErrorKind,
}

/// What is wrong with a scope.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeErrorKind {
    /// Fewer than two `:` separators.
    MissingColon,
    /// The resource type is not `[a-z0-9]+` with an optional `(class)`.
    InvalidType,
    /// The resource name holds whitespace or a control character.
    InvalidName,
    /// The action list is empty, has an empty item, or an item that is not `*` or `[a-z0-9_-]+`.
    InvalidAction,
}

impl ScopeError {
    fn new(input: &str, kind: ScopeErrorKind) -> Self {
        ScopeError {
            input: clip_to(input, ERROR_ECHO),
            kind,
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ScopeErrorKind {
        self.kind
    }

    /// The offending input (cut after 120 characters).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ScopeErrorKind::MissingColon => "expected `type:name:actions`",
            ScopeErrorKind::InvalidType => "invalid resource type",
            ScopeErrorKind::InvalidName => "invalid resource name",
            ScopeErrorKind::InvalidAction => "invalid action list",
        };
        write!(f, "invalid scope {:?}: {what}", self.input)
    }
}

impl core::error::Error for ScopeError {}

fn is_type_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_action(s: &str) -> bool {
    s == "*"
        || (!s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'))
}

fn is_name(s: &str) -> bool {
    // Empty names occur in the wild (zot sends `repository::pull`); whitespace would split the
    // scope list and controls would reach a header.
    s.bytes().all(|b| b.is_ascii_graphic())
}

/// A set of actions: sorted, without duplicates, and `*` alone when it is present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actions(Vec<String>);

impl Actions {
    /// Whether the set is `*`, every action.
    pub fn is_all(&self) -> bool {
        self.0.first().is_some_and(|a| a == "*")
    }

    /// Whether the set holds `action` (or `*`).
    pub fn contains(&self, action: &str) -> bool {
        self.is_all() || self.0.binary_search_by(|a| a.as_str().cmp(action)).is_ok()
    }

    /// Whether every action of `other` is in this set. Only `*` covers `*`.
    pub fn covers(&self, other: &Actions) -> bool {
        self.is_all() || other.0.iter().all(|a| self.contains(a))
    }

    /// The actions in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The number of actions (`*` counts as one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn merge(&mut self, other: &Actions) {
        if self.is_all() || other.is_empty() {
            return;
        }
        if other.is_all() {
            *self = other.clone();
            return;
        }
        // Appending then sorting keeps a merge of large sets at n log n; adding one by one
        // into a sorted Vec would shift the tail every time.
        self.0.extend(other.0.iter().cloned());
        self.0.sort_unstable();
        self.0.dedup();
    }

    /// The set of `actions`, checked with `valid`: sorted once rather than kept sorted
    /// insertion by insertion, so a list of any length costs n log n.
    fn collect<'a, E>(
        actions: impl IntoIterator<Item = &'a str>,
        valid: impl Fn(&'a str) -> Result<(), E>,
    ) -> Result<Actions, E> {
        let mut list = Vec::new();
        for a in actions {
            valid(a)?;
            if a == "*" {
                list.clear();
                list.push(String::from("*"));
                // Every later action is absorbed, but still has to be valid.
                continue;
            }
            if list.first().is_some_and(|f| f == "*") {
                continue;
            }
            list.push(a.into());
        }
        list.sort_unstable();
        list.dedup();
        Ok(Actions(list))
    }
}

/// One scope: a resource (type, optional class, name) and the actions wanted on it.
///
/// ```
/// use registry_auth::scope::Scope;
///
/// let s: Scope = "repository:localhost:5000/team/app:push,pull,push".parse()?;
/// assert_eq!(s.resource_type(), "repository");
/// assert_eq!(s.name(), "localhost:5000/team/app");
/// assert_eq!(s.actions().iter().collect::<Vec<_>>(), ["pull", "push"]);
/// assert_eq!(s.to_string(), "repository:localhost:5000/team/app:pull,push");
/// # Ok::<(), registry_auth::scope::ScopeError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    resource_type: String,
    class: Option<String>,
    name: String,
    actions: Actions,
}

impl Scope {
    /// Parses `type[(class)]:name:actions`.
    ///
    /// # Errors
    /// [`ScopeError`] with the input and what is wrong with it.
    pub fn parse(s: &str) -> Result<Scope, ScopeError> {
        let err = |kind| ScopeError::new(s, kind);
        let (ty, rest) = s
            .split_once(':')
            .ok_or_else(|| err(ScopeErrorKind::MissingColon))?;
        let (name, actions) = rest
            .rsplit_once(':')
            .ok_or_else(|| err(ScopeErrorKind::MissingColon))?;
        let (resource_type, class) = match ty.split_once('(') {
            None => (ty, None),
            Some((t, c)) => {
                let c = c
                    .strip_suffix(')')
                    .ok_or_else(|| err(ScopeErrorKind::InvalidType))?;
                if !is_type_word(c) {
                    return Err(err(ScopeErrorKind::InvalidType));
                }
                (t, Some(c))
            }
        };
        if !is_type_word(resource_type) {
            return Err(err(ScopeErrorKind::InvalidType));
        }
        if !is_name(name) {
            return Err(err(ScopeErrorKind::InvalidName));
        }
        let set = Actions::collect(actions.split(','), |a| {
            if is_action(a) {
                Ok(())
            } else {
                Err(err(ScopeErrorKind::InvalidAction))
            }
        })?;
        Ok(Scope {
            resource_type: resource_type.into(),
            class: class.map(Into::into),
            name: name.into(),
            actions: set,
        })
    }

    /// A scope built from parts; the same rules as [`Scope::parse`] apply.
    ///
    /// # Errors
    /// [`ScopeError`] when a part breaks the grammar.
    pub fn new<'a>(
        resource_type: &str,
        name: &str,
        actions: impl IntoIterator<Item = &'a str>,
    ) -> Result<Scope, ScopeError> {
        let set = Actions::collect(actions, |a| {
            if is_action(a) {
                Ok(())
            } else {
                Err(ScopeError::new(a, ScopeErrorKind::InvalidAction))
            }
        })?;
        if set.is_empty() {
            return Err(ScopeError::new(name, ScopeErrorKind::InvalidAction));
        }
        if !is_type_word(resource_type) {
            return Err(ScopeError::new(resource_type, ScopeErrorKind::InvalidType));
        }
        if !is_name(name) {
            return Err(ScopeError::new(name, ScopeErrorKind::InvalidName));
        }
        Ok(Scope {
            resource_type: resource_type.into(),
            class: None,
            name: name.into(),
            actions: set,
        })
    }

    /// `repository:<name>:<actions>`.
    ///
    /// # Errors
    /// [`ScopeError`] when the name holds whitespace or an action is invalid.
    pub fn repository<'a>(
        name: &str,
        actions: impl IntoIterator<Item = &'a str>,
    ) -> Result<Scope, ScopeError> {
        Scope::new("repository", name, actions)
    }

    /// `registry:catalog:*`, what listing the catalog needs.
    pub fn catalog() -> Scope {
        Scope {
            resource_type: "registry".into(),
            class: None,
            name: "catalog".into(),
            actions: Actions(alloc::vec![String::from("*")]),
        }
    }

    /// The resource type (`repository`, `registry`, ...).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The deprecated resource class (`plugin` in `repository(plugin)`), if any.
    pub fn class(&self) -> Option<&str> {
        self.class.as_deref()
    }

    /// The resource name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The actions.
    pub fn actions(&self) -> &Actions {
        &self.actions
    }

    /// Whether `other` names the same resource (type, class and name).
    pub fn same_resource(&self, other: &Scope) -> bool {
        self.resource_key() == other.resource_key()
    }

    /// Whether this scope grants everything `other` asks for.
    pub fn covers(&self, other: &Scope) -> bool {
        self.same_resource(other) && self.actions.covers(&other.actions)
    }

    fn resource_key(&self) -> (&str, Option<&str>, &str) {
        (&self.resource_type, self.class.as_deref(), &self.name)
    }

    fn cmp_resource(&self, other: &Scope) -> Ordering {
        self.resource_key().cmp(&other.resource_key())
    }
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::parse(s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource_type)?;
        if let Some(c) = &self.class {
            write!(f, "({c})")?;
        }
        write!(f, ":{}:", self.name)?;
        for (n, a) in self.actions.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            f.write_str(a)?;
        }
        Ok(())
    }
}

/// A canonical set of scopes: one entry per resource with merged actions, sorted by resource.
///
/// Merging is a union, so it is commutative, associative and idempotent; two sets that grant
/// the same actions compare equal and print the same, which makes the set a cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    /// The empty set.
    pub const fn new() -> Self {
        ScopeSet(Vec::new())
    }

    /// Parses scopes separated by spaces, as the `scope` parameter of a challenge holds them.
    ///
    /// # Errors
    /// The first [`ScopeError`].
    pub fn parse(s: &str) -> Result<ScopeSet, ScopeError> {
        let scopes = s
            .split(' ')
            .filter(|i| !i.is_empty())
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScopeSet::from_unsorted(scopes))
    }

    /// Sorts `scopes` by resource and merges neighbours that name the same one: n log n for
    /// any number of scopes in any order.
    fn from_unsorted(mut scopes: Vec<Scope>) -> ScopeSet {
        scopes.sort_by(Scope::cmp_resource);
        let mut out: Vec<Scope> = Vec::with_capacity(scopes.len());
        for scope in scopes {
            match out.last_mut() {
                Some(last) if last.cmp_resource(&scope) == core::cmp::Ordering::Equal => {
                    last.actions.merge(&scope.actions);
                }
                _ => out.push(scope),
            }
        }
        ScopeSet(out)
    }

    /// Adds a scope, merging its actions into the entry for the same resource.
    pub fn insert(&mut self, scope: Scope) {
        match self.0.binary_search_by(|s| s.cmp_resource(&scope)) {
            Ok(at) => {
                if let Some(s) = self.0.get_mut(at) {
                    s.actions.merge(&scope.actions);
                }
            }
            Err(at) => self.0.insert(at, scope),
        }
    }

    /// Adds every scope of `other`.
    pub fn extend_from(&mut self, other: &ScopeSet) {
        // One by one is cheapest for the handful of scopes a request needs; a large set is
        // merged in bulk so that the cost stays n log n.
        if other.0.len() > 16 {
            self.extend(other.0.iter().cloned());
        } else {
            for s in &other.0 {
                self.insert(s.clone());
            }
        }
    }

    /// The union of two sets.
    #[must_use]
    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        let mut out = self.clone();
        out.extend_from(other);
        out
    }

    /// Whether the set grants everything `scope` asks for.
    pub fn covers(&self, scope: &Scope) -> bool {
        self.0
            .binary_search_by(|s| s.cmp_resource(scope))
            .ok()
            .and_then(|at| self.0.get(at))
            .is_some_and(|s| s.actions.covers(&scope.actions))
    }

    /// Whether the set grants `actions` on the resource `resource_type:name` (no class), without
    /// building a [`Scope`]: the cached-token check on the hot path.
    pub(crate) fn covers_parts(&self, resource_type: &str, name: &str, actions: &[&str]) -> bool {
        let key = (resource_type, None, name);
        self.0
            .binary_search_by(|s| s.resource_key().cmp(&key))
            .ok()
            .and_then(|at| self.0.get(at))
            .is_some_and(|s| actions.iter().all(|a| s.actions.contains(a)))
    }

    /// Empties the set, keeping its buffer.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// Whether the set grants everything `other` asks for.
    pub fn covers_all(&self, other: &ScopeSet) -> bool {
        other.0.iter().all(|s| self.covers(s))
    }

    /// The scopes in canonical order.
    pub fn iter(&self) -> core::slice::Iter<'_, Scope> {
        self.0.iter()
    }

    /// The number of resources.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet::from_unsorted(iter.into_iter().collect())
    }
}

impl Extend<Scope> for ScopeSet {
    fn extend<I: IntoIterator<Item = Scope>>(&mut self, iter: I) {
        let mut all = core::mem::take(&mut self.0);
        all.extend(iter);
        *self = ScopeSet::from_unsorted(all);
    }
}

impl<'a> IntoIterator for &'a ScopeSet {
    type Item = &'a Scope;
    type IntoIter = core::slice::Iter<'a, Scope>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ScopeSet {
    /// The scopes separated by single spaces, as one `scope` parameter holds them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, s) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(" ")?;
            }
            fmt::Display::fmt(s, f)?;
        }
        Ok(())
    }
}

impl FromStr for ScopeSet {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopeSet::parse(s)
    }
}

impl ScopeSet {
    /// The scopes as strings, for the query of a token request.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn s(x: &str) -> Scope {
        Scope::parse(x).unwrap()
    }

    #[test]
    fn type_ends_at_first_colon_and_actions_start_after_last() {
        let sc = s("repository:localhost:5000/a/b:pull");
        assert_eq!(sc.resource_type(), "repository");
        assert_eq!(sc.name(), "localhost:5000/a/b");
        assert_eq!(sc.actions().iter().collect::<Vec<_>>(), ["pull"]);
    }

    #[test]
    fn class_is_parsed_and_printed() {
        let sc = s("repository(plugin):sample/x:pull");
        assert_eq!(sc.class(), Some("plugin"));
        assert_eq!(sc.to_string(), "repository(plugin):sample/x:pull");
        assert!(!sc.same_resource(&s("repository:sample/x:pull")));
    }

    #[test]
    fn large_sets_in_reverse_order_build_in_n_log_n() {
        // 100,000 scopes and 100,000 actions, each in descending order: kept sorted one by one
        // this is about 5 * 10^9 element moves per list, minutes even in release builds.
        let n = 100_000;
        let scopes: Vec<String> = (0..n)
            .rev()
            .map(|i| alloc::format!("repository:r{i:06}:pull"))
            .collect();
        let set = ScopeSet::parse(&scopes.join(" ")).unwrap();
        assert_eq!(set.len(), n);
        assert_eq!(set.iter().next().unwrap().name(), "r000000");
        let actions: Vec<String> = (0..n).rev().map(|i| alloc::format!("a{i:06}")).collect();
        let one = s(&alloc::format!("repository:x:{}", actions.join(",")));
        assert_eq!(one.actions().len(), n);
        assert_eq!(one.actions().iter().next(), Some("a000000"));
        // Merging a large set into another takes the bulk path and still merges per resource.
        let mut merged = ScopeSet::parse("repository:r000001:push").unwrap();
        merged.extend_from(&set);
        assert_eq!(merged.len(), n);
        assert!(merged.covers(&s("repository:r000001:pull,push")));
    }

    #[test]
    fn star_absorbs_other_actions() {
        assert_eq!(s("registry:catalog:*").to_string(), "registry:catalog:*");
        assert_eq!(s("repository:a:pull,*,push").to_string(), "repository:a:*");
        assert!(s("repository:a:*").covers(&s("repository:a:delete")));
        assert!(!s("repository:a:pull,push,delete").covers(&s("repository:a:*")));
    }

    #[test]
    fn star_absorbs_actions_merged_into_it_from_another_scope() {
        let set = ScopeSet::parse("repository:a:* repository:a:pull").unwrap();
        assert_eq!(set.to_string(), "repository:a:*");
        let set = ScopeSet::parse("repository:a:push repository:a:* repository:a:pull").unwrap();
        assert_eq!(set.to_string(), "repository:a:*");
        let mut set = ScopeSet::parse("repository:a:*").unwrap();
        set.extend_from(&ScopeSet::parse("repository:a:delete").unwrap());
        assert_eq!(set.iter().next().unwrap().actions().len(), 1);
    }

    #[test]
    fn a_set_is_built_read_and_parsed_by_the_standard_traits() {
        let from_str: ScopeSet = "repository:b:push repository:a:pull".parse().unwrap();
        assert!(!from_str.is_empty());
        assert!(ScopeSet::new().is_empty());
        let collected: ScopeSet = [s("repository:b:push"), s("repository:a:pull")]
            .into_iter()
            .collect();
        assert_eq!(collected, from_str);
        let names: Vec<&str> = (&collected).into_iter().map(Scope::name).collect();
        assert_eq!(names, ["a", "b"]);
        assert!("repository".parse::<ScopeSet>().is_err());
    }

    #[test]
    fn actions_may_hold_digits_dashes_and_underscores() {
        let sc = s("repository:a:pull,metadata-read,x_2");
        assert_eq!(
            sc.actions().iter().collect::<Vec<_>>(),
            ["metadata-read", "pull", "x_2"]
        );
        assert!(Scope::parse("repository:a:Pull").is_err());
        assert!(Scope::parse("repository:a:pu.ll").is_err());
    }

    #[test]
    fn empty_name_is_accepted_as_zot_sends_it() {
        assert_eq!(s("repository::pull").name(), "");
    }

    #[test]
    fn malformed_scopes_name_the_input_and_the_fault() {
        let cases = [
            ("repository", ScopeErrorKind::MissingColon),
            ("repository:a", ScopeErrorKind::MissingColon),
            ("Repository:a:pull", ScopeErrorKind::InvalidType),
            (":a:pull", ScopeErrorKind::InvalidType),
            ("repository(:a:pull", ScopeErrorKind::InvalidType),
            ("repository():a:pull", ScopeErrorKind::InvalidType),
            ("repository:a b:pull", ScopeErrorKind::InvalidName),
            ("repository:a:", ScopeErrorKind::InvalidAction),
            ("repository:a:pull,", ScopeErrorKind::InvalidAction),
            ("repository:a:PULL", ScopeErrorKind::InvalidAction),
        ];
        for (input, kind) in cases {
            let e = Scope::parse(input).unwrap_err();
            assert_eq!(e.kind(), kind, "{input}");
            assert_eq!(e.input(), input);
            assert!(e.to_string().contains(input), "{e}");
        }
    }

    #[test]
    fn error_echo_is_bounded() {
        let long = "x".repeat(10_000);
        let e = Scope::parse(&long).unwrap_err();
        assert!(e.to_string().len() < 200);
    }

    #[test]
    fn set_merges_per_resource_and_sorts() {
        let set = ScopeSet::parse("repository:b:push repository:a:pull repository:b:pull").unwrap();
        assert_eq!(set.to_string(), "repository:a:pull repository:b:pull,push");
        assert!(set.covers(&s("repository:b:push,pull")));
        assert!(!set.covers(&s("repository:a:push")));
        assert!(!set.covers(&s("repository:c:pull")));
        let other = ScopeSet::parse("repository:a:pull").unwrap();
        assert!(set.covers_all(&other));
        assert!(!other.covers_all(&set));
    }

    #[test]
    fn constructors_validate() {
        assert_eq!(
            Scope::repository("team/app", ["push", "pull"])
                .unwrap()
                .to_string(),
            "repository:team/app:pull,push"
        );
        assert!(Scope::repository("team app", ["pull"]).is_err());
        assert!(Scope::repository("team/app", []).is_err());
        assert_eq!(Scope::catalog().to_string(), "registry:catalog:*");
    }
}
