//! The scope a request needs, read from its method and path (the distribution API's routes).

use alloc::string::String;

use super::io::Method;
use crate::origin::UrlParts;
use crate::query::query_param;
use crate::scope::{Scope, ScopeSet};

/// The scopes a request's route implies, borrowed from its URL so that checking a cached token
/// allocates nothing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RouteScopes<'a> {
    /// `/v2/` and anything outside the API: no scope (Docker Hub still wants a token).
    Nothing,
    /// `/v2/_catalog`: `registry:catalog:*`.
    Catalog,
    /// A repository route: `repository:<name>:<actions>`, plus `pull` on a mount's source.
    Repository {
        name: &'a str,
        actions: &'static [&'static str],
        mount_from: Option<&'a str>,
    },
}

/// A route read once per target URL: where the repository name sits in the URL, so that the
/// scopes of every later poll are a slice away.
#[derive(Debug, Default)]
pub(crate) struct Route {
    kind: RouteKind,
    /// A mount's source repository (`?mount=...&from=...`), decoded.
    mount_from: Option<String>,
}

#[derive(Debug, Default)]
enum RouteKind {
    #[default]
    Nothing,
    Catalog,
    Repository {
        /// Byte offsets of the name in the URL.
        start: usize,
        end: usize,
        actions: &'static [&'static str],
    },
}

impl Route {
    /// Reads the route of a URL whose path starts at `path_start`, for a request with
    /// `method`.
    pub(crate) fn read(method: Method, parts: &UrlParts<'_>, path_start: usize) -> Route {
        let (path, query) = (parts.path(), parts.query());
        if path == "/v2/_catalog" {
            return Route {
                kind: RouteKind::Catalog,
                mount_from: None,
            };
        }
        let Some((name, actions, mount_from)) = read_route(method, path, query) else {
            return Route::default();
        };
        // `name` is a slice of `path`, which the URL holds from `path_start`.
        let start = path_start + (name.as_ptr() as usize).saturating_sub(path.as_ptr() as usize);
        Route {
            kind: RouteKind::Repository {
                start,
                end: start + name.len(),
                actions,
            },
            mount_from,
        }
    }

    /// The scopes, borrowed from `url` (the URL the route was read from).
    pub(crate) fn scopes<'a>(&'a self, url: &'a str) -> RouteScopes<'a> {
        match self.kind {
            RouteKind::Nothing => RouteScopes::Nothing,
            RouteKind::Catalog => RouteScopes::Catalog,
            RouteKind::Repository {
                start,
                end,
                actions,
            } => match url.get(start..end) {
                Some(name) => RouteScopes::Repository {
                    name,
                    actions,
                    mount_from: self.mount_from.as_deref(),
                },
                None => RouteScopes::Nothing,
            },
        }
    }
}

const ROUTES: [&str; 4] = ["manifests/", "blobs/", "tags/", "referrers/"];

/// The index of the `/` that starts the last route segment of `rest` (`/manifests/`, ...).
/// Names may contain a route word as a component (`team/tags/app`); tags and digests never
/// contain `/`, so the route is the last match. A byte scan: substring searchers cost more
/// than the whole cached-token path.
fn route_start(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        if bytes.get(i) != Some(&b'/') {
            continue;
        }
        // Only a word that starts like a route word is compared with the list.
        let after = bytes.get(i + 1..)?;
        if matches!(after.first(), Some(b'm' | b'b' | b't' | b'r'))
            && ROUTES.iter().any(|r| after.starts_with(r.as_bytes()))
        {
            return Some(i);
        }
    }
    None
}

/// Actions by method: reading needs `pull`, writing needs `pull,push` (a push reads back what
/// it wrote), deleting needs `delete`.
fn actions(method: Method) -> &'static [&'static str] {
    match method {
        Method::Post | Method::Put | Method::Patch => &["pull", "push"],
        Method::Delete => &["delete"],
        _ => &["pull"],
    }
}

/// The scopes a route implies: the repository name (borrowed from `path`), the actions its
/// method needs, and a mount's source repository (decoded, so owned: it may hold escapes).
fn read_route<'a>(
    method: Method,
    path: &'a str,
    query: Option<&str>,
) -> Option<(&'a str, &'static [&'static str], Option<String>)> {
    let rest = path.strip_prefix("/v2/")?;
    let end = route_start(rest)?;
    // The path was read as URI characters (visible ASCII) already.
    let name = rest.get(..end).filter(|n| !n.is_empty())?;
    let mount_from = match (method, query) {
        (Method::Post, Some(q))
            if rest
                .get(end..)
                .is_some_and(|r| r.starts_with("/blobs/uploads")) =>
        {
            query_param(q, "mount").and(query_param(q, "from"))
        }
        _ => None,
    }
    .filter(|from| !from.is_empty() && from.bytes().all(|b| b.is_ascii_graphic()));
    Some((name, actions(method), mount_from))
}

impl<'a> RouteScopes<'a> {
    /// The repository the route names, if any.
    pub(crate) fn repository(&self) -> Option<&'a str> {
        match self {
            RouteScopes::Repository { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Whether a token holding `held` may be used.
    pub(crate) fn covered_by(&self, held: &ScopeSet) -> bool {
        match self {
            RouteScopes::Nothing => true,
            RouteScopes::Catalog => held.covers_parts("registry", "catalog", &["*"]),
            RouteScopes::Repository {
                name,
                actions,
                mount_from,
            } => {
                held.covers_parts("repository", name, actions)
                    && mount_from.map_or(true, |from| {
                        held.covers_parts("repository", from, &["pull"])
                    })
            }
        }
    }

    /// Adds the derived scopes to `set`.
    pub(crate) fn add_to(&self, set: &mut ScopeSet) {
        match self {
            RouteScopes::Nothing => {}
            RouteScopes::Catalog => set.insert(Scope::catalog()),
            RouteScopes::Repository {
                name,
                actions,
                mount_from,
            } => {
                if let Ok(s) = Scope::repository(name, actions.iter().copied()) {
                    set.insert(s);
                }
                if let Some(Ok(s)) = mount_from.map(|f| Scope::repository(f, ["pull"])) {
                    set.insert(s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(method: Method, url_path: &str) -> alloc::string::String {
        let url = alloc::format!("https://r.example{url_path}");
        let route = Route::read(
            method,
            &UrlParts::parse(&url).unwrap(),
            "https://r.example".len(),
        );
        let mut set = ScopeSet::new();
        route.scopes(&url).add_to(&mut set);
        alloc::string::ToString::to_string(&set)
    }

    #[test]
    fn routes_map_to_scopes_by_method() {
        let cases = [
            (Method::Get, "/v2/", ""),
            (Method::Get, "/v2/_catalog", "registry:catalog:*"),
            (
                Method::Get,
                "/v2/library/alpine/manifests/latest",
                "repository:library/alpine:pull",
            ),
            (Method::Head, "/v2/a/blobs/sha256:00", "repository:a:pull"),
            (Method::Get, "/v2/a/b/c/tags/list", "repository:a/b/c:pull"),
            (
                Method::Get,
                "/v2/a/referrers/sha256:00",
                "repository:a:pull",
            ),
            (
                Method::Put,
                "/v2/team/app/manifests/1.0",
                "repository:team/app:pull,push",
            ),
            (
                Method::Post,
                "/v2/team/app/blobs/uploads/",
                "repository:team/app:pull,push",
            ),
            (
                Method::Patch,
                "/v2/team/app/blobs/uploads/uuid",
                "repository:team/app:pull,push",
            ),
            (
                Method::Delete,
                "/v2/team/app/manifests/sha256:00",
                "repository:team/app:delete",
            ),
            (
                Method::Get,
                "/v2/team/tags/app/manifests/x",
                "repository:team/tags/app:pull",
            ),
            (Method::Get, "/other", ""),
            (Method::Get, "/v2/manifests/x", ""),
        ];
        for (m, p, want) in cases {
            assert_eq!(scopes(m, p), want, "{m} {p}");
        }
    }

    #[test]
    fn mount_needs_pull_on_the_source() {
        assert_eq!(
            scopes(
                Method::Post,
                "/v2/team/app/blobs/uploads/?mount=sha256%3Aab&from=team%2Fbase"
            ),
            "repository:team/app:pull,push repository:team/base:pull"
        );
        // `from` without `mount` is not a mount.
        assert_eq!(
            scopes(Method::Post, "/v2/team/app/blobs/uploads/?from=team/base"),
            "repository:team/app:pull,push"
        );
    }

    #[test]
    fn coverage_matches_the_built_set() {
        let url = "https://r.example/v2/a/manifests/1#x";
        let route = Route::read(
            Method::Put,
            &UrlParts::parse(url).unwrap(),
            "https://r.example".len(),
        );
        let d = route.scopes(url);
        assert_eq!(d.repository(), Some("a"));
        let mut set = ScopeSet::new();
        assert!(!d.covered_by(&set));
        d.add_to(&mut set);
        assert!(d.covered_by(&set));
        let pull_only = ScopeSet::parse("repository:a:pull").unwrap();
        assert!(!d.covered_by(&pull_only));
        assert!(d.covered_by(&ScopeSet::parse("repository:a:*").unwrap()));
    }
}
