//! Any text parses as a scope or a scope set to `Ok` or an error, never a panic; what parses
//! prints in a form that parses back to an equal value and prints the same again.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

use libfuzzer_sys::fuzz_target;
use registry_auth::scope::{Scope, ScopeSet};

fuzz_target!(
    init: dict::use_dictionary("scope"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(scope) = Scope::parse(&text) {
        let shown = scope.to_string();
        let again = Scope::parse(&shown).expect("a displayed scope parses");
        assert_eq!(again, scope);
        assert_eq!(again.to_string(), shown);
        assert!(scope.covers(&scope), "a scope covers itself");
    }
    if let Ok(set) = ScopeSet::parse(&text) {
        let shown = set.to_string();
        let again = ScopeSet::parse(&shown).expect("a displayed scope set parses");
        assert_eq!(again, set);
        assert_eq!(again.to_string(), shown);
        assert_eq!(set.union(&set), set, "union is idempotent");
        for s in &set {
            assert!(set.covers(s), "a set covers its members");
        }
    }
}
