use alloc::format;
use alloc::vec::Vec;

use super::*;
use crate::machine::route_scopes::RouteScopes;

fn token(registry: u32, cred: Option<u64>, scopes: &str, expires_ms: u64) -> CachedToken {
    CachedToken {
        registry: RegistryId::for_test(registry),
        cred: cred.map(CredId::for_test),
        scopes: ScopeSet::parse(scopes).unwrap(),
        opaque: Vec::new(),
        auth: Authorization::bearer(
            &format!("t-{registry}-{scopes}").replace([' ', ':', '/', ','], "_"),
        )
        .unwrap(),
        expires_ms,
    }
}

fn find(
    c: &TokenCache,
    registry: u32,
    cred: Option<u64>,
    route: &RouteScopes<'_>,
    at: u64,
) -> Option<TokenId> {
    let challenged = ScopeSet::new();
    c.find(&Wanted {
        registry: RegistryId::for_test(registry),
        cred: cred.map(CredId::for_test),
        route,
        challenged: &challenged,
        declared: &[],
        opaque: &[],
        usable_until: at,
    })
    .map(|(id, _)| id)
}

fn repo(name: &str) -> RouteScopes<'_> {
    RouteScopes::Repository {
        name,
        actions: &["pull"],
        mount_from: None,
    }
}

#[test]
fn a_token_is_found_from_each_repository_it_covers_and_from_no_other() {
    let mut c = TokenCache::default();
    let id = c.insert(
        token(1, None, "repository:a:pull repository:b:pull,push", 1000),
        0,
        10,
    );
    assert_eq!(find(&c, 1, None, &repo("a"), 0), Some(id));
    assert_eq!(find(&c, 1, None, &repo("b"), 0), Some(id));
    assert_eq!(find(&c, 1, None, &repo("c"), 0), None);
    assert_eq!(find(&c, 1, None, &RouteScopes::Nothing, 0), Some(id));
    assert_eq!(find(&c, 1, None, &RouteScopes::Catalog, 0), None);
    // Another registry, other credentials, or past its expiry: not served.
    assert_eq!(find(&c, 2, None, &repo("a"), 0), None);
    assert_eq!(find(&c, 1, Some(7), &repo("a"), 0), None);
    assert_eq!(find(&c, 1, None, &repo("a"), 1000), None);
}

#[test]
fn ten_thousand_tokens_are_found_and_removed_by_key() {
    let mut c = TokenCache::default();
    let ids: Vec<TokenId> = (0..10_000)
        .map(|i| {
            c.insert(
                token(i % 3, None, &format!("repository:r{i}:pull"), 10_000),
                0,
                10_000,
            )
        })
        .collect();
    assert_eq!(c.len(), 10_000);
    for (i, id) in ids.iter().enumerate().step_by(997) {
        let name = format!("r{i}");
        assert_eq!(find(&c, (i % 3) as u32, None, &repo(&name), 0), Some(*id));
    }
    c.remove_registry(RegistryId::for_test(1));
    assert_eq!(c.len(), 10_000 - 3_333);
    assert_eq!(find(&c, 1, None, &repo("r1"), 0), None);
    assert!(find(&c, 0, None, &repo("r0"), 0).is_some());
    c.remove(ids[0]);
    assert_eq!(find(&c, 0, None, &repo("r0"), 0), None);
    assert_eq!(c.get(ids[0]).map(|t| t.expires_ms), None);
}

#[test]
fn making_room_drops_expired_tokens_then_the_soonest_to_expire() {
    let mut c = TokenCache::default();
    let early = c.insert(token(1, None, "repository:early:pull", 100), 0, 3);
    let late = c.insert(token(1, None, "repository:late:pull", 900), 0, 3);
    let mid = c.insert(token(1, None, "repository:mid:pull", 500), 0, 3);
    // Full: the one expiring soonest goes.
    let next = c.insert(token(1, None, "repository:next:pull", 700), 0, 3);
    assert!(c.get(early).is_none());
    assert!(c.get(late).is_some() && c.get(mid).is_some() && c.get(next).is_some());
    // At 600, mid has expired: it goes although there is room.
    c.insert(token(1, None, "repository:last:pull", 800), 600, 10);
    assert!(c.get(mid).is_none());
    assert_eq!(c.len(), 3);
}

#[test]
fn ids_of_removed_tokens_never_name_a_newer_one() {
    let mut c = TokenCache::default();
    let old = c.insert(token(1, None, "repository:a:pull", 100), 0, 10);
    c.remove(old);
    let new = c.insert(token(1, None, "repository:a:pull", 100), 0, 10);
    assert_ne!(old, new);
    assert!(c.get(old).is_none() && c.get(new).is_some());
    c.remove(old);
    assert!(
        c.get(new).is_some(),
        "removing a stale id leaves the slot's new token"
    );
}

#[test]
fn credentials_and_clearing_drop_what_they_name() {
    let mut c = TokenCache::default();
    c.insert(token(1, Some(1), "repository:a:pull", 100), 0, 10);
    let keep = c.insert(token(1, Some(2), "repository:a:pull", 100), 0, 10);
    c.remove_cred(CredId::for_test(1));
    assert_eq!(c.len(), 1);
    assert_eq!(find(&c, 1, Some(2), &repo("a"), 0), Some(keep));
    c.clear();
    assert_eq!(c.len(), 0);
    assert_eq!(find(&c, 1, Some(2), &repo("a"), 0), None);
    assert_eq!(c.authorizations().count(), 0);
}

#[test]
fn the_expiry_heap_stays_bounded_when_tokens_go_other_ways() {
    let mut c = TokenCache::default();
    for i in 0..1_000 {
        let id = c.insert(
            token(1, None, &format!("repository:r{i}:pull"), 10_000),
            0,
            100,
        );
        c.remove(id);
    }
    assert!(
        c.by_expiry.len() <= 2 * c.len() + 33,
        "{}",
        c.by_expiry.len()
    );
}

fn route<'a>(
    name: &'a str,
    actions: &'static [&'static str],
    mount_from: Option<&'a str>,
) -> RouteScopes<'a> {
    RouteScopes::Repository {
        name,
        actions,
        mount_from,
    }
}

#[test]
fn the_index_answers_for_the_actions_a_token_grants_and_no_more() {
    let mut c = TokenCache::default();
    let pull = c.insert(token(1, None, "repository:a:pull", 1000), 0, 10);
    assert_eq!(
        find(&c, 1, None, &route("a", &["pull"], None), 0),
        Some(pull)
    );
    assert_eq!(
        find(&c, 1, None, &route("a", &["pull", "push"], None), 0),
        None
    );
    assert_eq!(find(&c, 1, None, &route("a", &["delete"], None), 0), None);
    let all = c.insert(
        token(1, None, "repository:b:* registry:catalog:*", 1000),
        0,
        10,
    );
    assert_eq!(
        find(&c, 1, None, &route("b", &["pull", "push"], None), 0),
        Some(all)
    );
    assert_eq!(
        find(&c, 1, None, &route("b", &["delete"], None), 0),
        Some(all)
    );
    assert_eq!(find(&c, 1, None, &RouteScopes::Catalog, 0), Some(all));
    // The catalog needs the literal `*`: `pull` on it is not enough.
    c.insert(token(2, None, "registry:catalog:pull", 1000), 0, 10);
    assert_eq!(find(&c, 2, None, &RouteScopes::Catalog, 0), None);
    // A scope with a class is another resource to the route.
    c.insert(token(3, None, "repository(plugin):p:pull", 1000), 0, 10);
    assert_eq!(find(&c, 3, None, &route("p", &["pull"], None), 0), None);
}

#[test]
fn a_mount_is_checked_against_the_whole_scope() {
    let mut c = TokenCache::default();
    let one = c.insert(token(1, None, "repository:dst:pull,push", 1000), 0, 10);
    assert_eq!(
        find(
            &c,
            1,
            None,
            &route("dst", &["pull", "push"], Some("src")),
            0
        ),
        None
    );
    let both = c.insert(
        token(
            1,
            None,
            "repository:dst:pull,push repository:src:pull",
            1000,
        ),
        0,
        10,
    );
    assert_eq!(
        find(
            &c,
            1,
            None,
            &route("dst", &["pull", "push"], Some("src")),
            0
        ),
        Some(both)
    );
    assert_ne!(one, both);
}

#[test]
fn the_expiry_heap_stays_bounded_when_many_tokens_go_at_once() {
    // A token expiring first keeps the entries of removed tokens from reaching the top of
    // the heap; a hundred removals in a row shrink the live count past the bound at once.
    let mut c = TokenCache::default();
    c.insert(token(0, None, "repository:first:pull", 1), 0, 1_000);
    let many: Vec<TokenId> = (0..100)
        .map(|i| {
            c.insert(
                token(1, None, &format!("repository:m{i}:pull"), 10_000),
                0,
                1_000,
            )
        })
        .collect();
    for id in many {
        c.remove(id);
    }
    for i in 0..1_000 {
        let id = c.insert(
            token(2, None, &format!("repository:r{i}:pull"), 10_000),
            0,
            1_000,
        );
        c.remove(id);
        // The bound is checked before the last removal counted: one token more.
        assert!(
            c.by_expiry.len() <= 2 * (c.len() + 1) + 33,
            "{} entries for {} tokens",
            c.by_expiry.len(),
            c.len()
        );
    }
}

#[test]
fn an_id_handed_out_before_clear_names_no_token_cached_after_it() {
    // A flow may still hold the id of the token it sent when the cache is cleared; a 401 on
    // that request must not then drop, or be answered by, the token that took its slot.
    let mut c = TokenCache::default();
    let old = c.insert(token(1, None, "repository:a:pull", 1000), 0, 10);
    c.clear();
    assert!(c.get(old).is_none());
    let new = c.insert(token(1, None, "repository:a:pull", 1000), 0, 10);
    assert_ne!(old, new);
    assert!(c.get(old).is_none());
    c.remove(old);
    assert_eq!(c.len(), 1);
    assert_eq!(find(&c, 1, None, &repo("a"), 0), Some(new));
}

fn find_for(c: &TokenCache, route: &RouteScopes<'_>, challenged: &str, at: u64) -> Option<TokenId> {
    let challenged = match challenged {
        "" => ScopeSet::new(),
        s => ScopeSet::parse(s).unwrap(),
    };
    c.find(&Wanted {
        registry: RegistryId::for_test(1),
        cred: None,
        route,
        challenged: &challenged,
        declared: &[],
        opaque: &[],
        usable_until: at,
    })
    .map(|(id, _)| id)
}

#[test]
fn a_token_serves_only_the_actions_it_grants_whatever_else_it_holds() {
    // A token's actions the cache does not name (`foo`) must not stand in for those it does.
    let route = |name, actions| RouteScopes::Repository {
        name,
        actions,
        mount_from: None,
    };
    let mut c = TokenCache::default();
    c.insert(token(1, None, "repository:a:foo", 1000), 0, 10);
    c.insert(token(1, None, "registry:catalog:foo", 1000), 0, 10);
    for actions in [&["pull"][..], &["pull", "push"], &["delete"]] {
        assert_eq!(
            find_for(&c, &route("a", actions), "", 0),
            None,
            "{actions:?}"
        );
    }
    assert_eq!(find_for(&c, &RouteScopes::Catalog, "", 0), None);

    let mut c = TokenCache::default();
    let pull = c.insert(token(1, None, "repository:p:pull", 1000), 0, 10);
    let push = c.insert(token(1, None, "repository:q:push,foo", 1000), 0, 10);
    let all = c.insert(token(1, None, "repository:r:*", 1000), 0, 10);
    let del = c.insert(token(1, None, "repository:d:delete,foo", 1000), 0, 10);
    assert_eq!(find_for(&c, &route("p", &["pull"]), "", 0), Some(pull));
    assert_eq!(find_for(&c, &route("p", &["pull", "push"]), "", 0), None);
    assert_eq!(find_for(&c, &route("q", &["pull"]), "", 0), None);
    assert_eq!(find_for(&c, &route("d", &["delete"]), "", 0), Some(del));
    assert_eq!(find_for(&c, &route("d", &["pull"]), "", 0), None);
    let _ = push;
    for actions in [&["pull"][..], &["pull", "push"], &["delete"]] {
        assert_eq!(find_for(&c, &route("r", actions), "", 0), Some(all));
    }
}

#[test]
fn a_token_checked_against_its_whole_scope_must_outlive_the_time_asked() {
    // A request that also needs a challenged scope is checked against the token itself.
    let route = RouteScopes::Repository {
        name: "a",
        actions: &["pull"],
        mount_from: None,
    };
    let mut c = TokenCache::default();
    let id = c.insert(
        token(1, None, "repository:a:pull repository:b:pull", 1000),
        0,
        10,
    );
    assert_eq!(find_for(&c, &route, "repository:b:pull", 999), Some(id));
    assert_eq!(find_for(&c, &route, "repository:b:pull", 1000), None);
    // A token filed under the route's resource that lacks the challenged scope is not served.
    let mut c = TokenCache::default();
    c.insert(token(1, None, "repository:a:pull", 1000), 0, 10);
    assert_eq!(find_for(&c, &route, "repository:b:pull", 0), None);
}

#[test]
fn removing_one_of_the_tokens_filed_under_a_resource_keeps_the_others() {
    let route = |actions| RouteScopes::Repository {
        name: "a",
        actions,
        mount_from: None,
    };
    let mut c = TokenCache::default();
    let pull = c.insert(token(1, None, "repository:a:pull", 1000), 0, 10);
    let push = c.insert(token(1, None, "repository:a:pull,push", 1000), 0, 10);
    let del = c.insert(token(1, None, "repository:a:delete", 1000), 0, 10);
    c.remove(push);
    assert_eq!(find_for(&c, &route(&["pull", "push"]), "", 0), None);
    assert_eq!(find_for(&c, &route(&["pull"]), "", 0), Some(pull));
    assert_eq!(find_for(&c, &route(&["delete"]), "", 0), Some(del));
    c.remove(pull);
    assert_eq!(find_for(&c, &route(&["pull"]), "", 0), None);
    assert_eq!(find_for(&c, &route(&["delete"]), "", 0), Some(del));
    assert_eq!(c.len(), 1);
}
