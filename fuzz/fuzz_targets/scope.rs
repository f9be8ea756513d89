//! Any text parses as a scope or a scope set to `Ok` or an error, never a panic; what parses
//! prints in a form that parses back to an equal value and prints the same again.
//!
//! Also: the constructor follows the parser's rules (`Scope::new(type, name, actions)` gives
//! what parsing `type:name:actions` gives); errors print as one line and repeat a bounded
//! part of the input; and two sets (the input cut at its first NUL) obey the laws of a union:
//! it commutes, covers both, and is what `extend_from`, `insert` one by one and collecting
//! both give; a set covers a scope exactly when one of its members does, and covering is
//! transitive.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

use libfuzzer_sys::fuzz_target;
use registry_auth::scope::{Scope, ScopeError, ScopeSet};

fuzz_target!(
    init: dict::use_dictionary("scope"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Scope::parse(&text) {
        Ok(scope) => {
            let shown = scope.to_string();
            let again = Scope::parse(&shown).expect("a displayed scope parses");
            assert_eq!(again, scope);
            assert_eq!(again.to_string(), shown);
            assert!(scope.covers(&scope), "a scope covers itself");
            if scope.class().is_none() {
                let actions: Vec<&str> = scope.actions().iter().collect();
                let built = Scope::new(scope.resource_type(), scope.name(), actions);
                assert_eq!(built.as_ref(), Ok(&scope), "built from its own parts");
            }
        }
        Err(e) => check_error(&e),
    }
    constructor_follows_the_parser(&text);
    match ScopeSet::parse(&text) {
        Ok(set) => {
            let shown = set.to_string();
            let again = ScopeSet::parse(&shown).expect("a displayed scope set parses");
            assert_eq!(again, set);
            assert_eq!(again.to_string(), shown);
            assert_eq!(set.to_strings().join(" "), shown);
            assert_eq!(set.union(&set), set, "union is idempotent");
            for s in &set {
                assert!(set.covers(s), "a set covers its members");
            }
        }
        Err(e) => check_error(&e),
    }
    let (first, second) = text.split_once('\0').unwrap_or((&text, ""));
    if let (Ok(a), Ok(b)) = (ScopeSet::parse(first), ScopeSet::parse(second)) {
        union_laws(&a, &b);
    }
}

fn check_error(e: &ScopeError) {
    let shown = e.to_string();
    assert!(
        !shown.contains(['\n', '\r']),
        "scope error is not one line: {shown:?}"
    );
    // 120 characters of the input and the clip mark, at most.
    let echoed = e.input().chars().count();
    assert!(echoed <= 123, "{echoed} characters echoed");
}

/// `Scope::new` applies the parser's rules: cut the text as the parser cuts it (type at the
/// first `:`, actions at the last), and building from the pieces gives what parsing gives.
fn constructor_follows_the_parser(text: &str) {
    let Some((ty, rest)) = text.split_once(':') else {
        return;
    };
    let Some((name, actions)) = rest.rsplit_once(':') else {
        return;
    };
    if ty.contains('(') {
        return; // a class, which the constructor does not take
    }
    let built = Scope::new(ty, name, actions.split(','));
    let parsed = Scope::parse(text);
    assert_eq!(
        built.ok(),
        parsed.ok(),
        "built and parsed differ for {text:?}"
    );
    if ty == "repository" {
        assert_eq!(
            Scope::repository(name, actions.split(',')).ok(),
            Scope::new(ty, name, actions.split(',')).ok()
        );
    }
    if text == "registry:catalog:*" {
        assert_eq!(Scope::parse(text).ok(), Some(Scope::catalog()));
    }
}

fn union_laws(a: &ScopeSet, b: &ScopeSet) {
    let ab = a.union(b);
    assert_eq!(ab, b.union(a), "union commutes");
    assert!(ab.covers_all(a) && ab.covers_all(b), "a union covers both");
    let mut extended = a.clone();
    extended.extend_from(b);
    assert_eq!(extended, ab, "extend_from is union");
    let mut inserted = a.clone();
    for s in b {
        inserted.insert(s.clone());
    }
    assert_eq!(inserted, ab, "insert one by one is union");
    let collected: ScopeSet = a.iter().chain(b.iter()).cloned().collect();
    assert_eq!(collected, ab, "collecting both is union");
    assert_eq!(ab.len(), ab.iter().count());
    for s in b {
        assert_eq!(a.covers(s), a.iter().any(|m| m.covers(s)), "{a} covers {s}");
        // Three sets' worth of triples: only for small sets, or the run takes seconds.
        if a.len() * ab.len() > 256 {
            continue;
        }
        for x in a {
            for z in &ab {
                if x.covers(s) && s.covers(z) {
                    assert!(x.covers(z), "{x} covers {s} covers {z}, not {x} {z}");
                }
            }
        }
    }
    if a.covers_all(b) && b.covers_all(a) {
        assert_eq!(a, b, "sets that cover each other are equal");
    }
}
