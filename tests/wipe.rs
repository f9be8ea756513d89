//! Secrets the crate owns are wiped before their memory is freed.
//!
//! An allocator that looks at every block the watched thread frees (or moves out of when it
//! grows) records whether the block still held a secret. Each test builds values holding a
//! marker secret, drops them, and asserts that no freed block held the marker or its base64.
//! Inputs the test itself owns (the bytes of a config file, a helper's output, a token body)
//! are kept alive until the check: they are the caller's to wipe, as `Secret`'s docs say.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use base64::Engine as _;
use registry_auth::cred_helper::{CredentialResolver, Resolution};
use registry_auth::docker_config::DockerConfig;
use registry_auth::token::{TokenLimits, TokenResponse};
use registry_auth::{Authorization, Credentials, Secret};

const MARKER: &[u8] = b"Wipe-Me-7f3Qz9-Marker";

thread_local! {
    // Const initialisers and types without `Drop`: using them never allocates, which would
    // recurse into the allocator.
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static LEAKED: Cell<usize> = const { Cell::new(0) };
    static PATTERN: Cell<&'static [u8]> = const { Cell::new(MARKER) };
}

/// `System`, checking the blocks the watching thread gives back.
struct Checking;

fn holds(block: &[u8], pattern: &[u8]) -> bool {
    !pattern.is_empty() && block.windows(pattern.len()).any(|w| w == pattern)
}

/// Records whether the `size` bytes at `ptr`, about to be freed, hold the watched pattern.
///
/// # Safety
/// `ptr` must be valid for reads of `size` bytes.
unsafe fn inspect(ptr: *const u8, size: usize) {
    if !WATCHING.try_with(Cell::get).unwrap_or(false) {
        return;
    }
    // SAFETY: the caller guarantees `ptr` is valid for `size` bytes; the block is still
    // allocated while it is inspected. Bytes a `Vec` never wrote are read as they are, which
    // the test tolerates: it only looks for the pattern.
    let block = unsafe { std::slice::from_raw_parts(ptr, size) };
    let pattern = PATTERN.with(Cell::get);
    if holds(block, pattern) {
        let _ = LEAKED.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; inspecting a block reads it before it is handed back and never
// allocates.
unsafe impl GlobalAlloc for Checking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A block that grows may move: what it held stays behind in the old one.
        // SAFETY: `ptr` is a live block of `layout.size()` bytes from this allocator.
        unsafe { inspect(ptr, layout.size().min(new_size)) };
        // SAFETY: `ptr` came from this allocator, hence from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes from this allocator.
        unsafe { inspect(ptr, layout.size()) };
        // SAFETY: `ptr` came from this allocator, hence from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Checking = Checking;

/// How many blocks this thread freed while still holding `pattern` during `f`.
fn leaks_of(pattern: &'static [u8], f: impl FnOnce()) -> usize {
    PATTERN.with(|p| p.set(pattern));
    LEAKED.with(|n| n.set(0));
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    LEAKED.with(Cell::get)
}

/// Asserts that neither the marker nor the base64 of `user:marker` was left in a freed block.
#[track_caller]
fn assert_wiped(what: &str, f: impl Fn()) {
    assert_eq!(
        leaks_of(MARKER, &f),
        0,
        "{what}: a freed block held the secret"
    );
    let basic: &'static [u8] = Box::leak(
        base64::engine::general_purpose::STANDARD
            .encode([b"alice:".as_slice(), MARKER].concat())
            .into_bytes()
            .into_boxed_slice(),
    );
    // The first 16 characters do not depend on what follows them.
    assert_eq!(
        leaks_of(&basic[..16], &f),
        0,
        "{what}: a freed block held the secret's base64"
    );
}

fn marker() -> &'static str {
    std::str::from_utf8(MARKER).unwrap()
}

#[test]
fn the_checking_allocator_sees_a_secret_freed_unwiped() {
    // Without this the passing tests below could come from a check that sees nothing.
    let n = leaks_of(MARKER, || {
        let v = std::hint::black_box(MARKER.to_vec());
        drop(v);
    });
    assert_eq!(n, 1);
}

#[test]
fn a_secret_is_wiped_when_its_last_clone_is_dropped() {
    assert_wiped("Secret from a String", || {
        let s = Secret::new(String::from(marker()));
        let clones = [s.clone(), s.clone()];
        drop(s);
        assert_eq!(clones[1].expose(), marker());
        drop(clones);
    });
    assert_wiped("Secret from a str", || drop(Secret::from(marker())));
}

#[test]
fn authorization_values_are_wiped() {
    assert_wiped("Basic", || {
        let a = Authorization::basic("alice", marker());
        let b = a.clone();
        drop(a);
        drop(b);
    });
    assert_wiped("Bearer", || drop(Authorization::bearer(marker())));
    assert_wiped("Credentials", || {
        drop(Credentials::basic("alice", marker()));
        drop(Credentials::identity_token(marker()));
    });
}

#[test]
fn parsed_config_secrets_are_wiped() {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{}", marker()));
    let json = format!(
        r#"{{"auths":{{
            "a.example.com":{{"auth":"{auth}"}},
            "b.example.com":{{"username":"alice","password":"{m}"}},
            "c.example.com":{{"identitytoken":"{m}"}},
            "d.example.com":{{"registrytoken":"{m}"}}
        }}}}"#,
        m = marker()
    );
    assert_wiped("DockerConfig", || {
        let config = DockerConfig::parse(json.as_bytes()).unwrap();
        for r in [
            "a.example.com",
            "b.example.com",
            "c.example.com",
            "d.example.com",
        ] {
            drop(config.lookup(r));
        }
        drop(config);
    });
    // A config that fails after decoding a secret wipes what it decoded.
    let bad =
        format!(r#"{{"auths":{{"a.example.com":{{"auth":"{auth}"}},"b":{{"password":7}}}}}}"#);
    assert_wiped("DockerConfig error", || {
        drop(DockerConfig::parse(bad.as_bytes()).unwrap_err());
    });
}

#[test]
fn helper_answers_are_wiped() {
    let config = DockerConfig::parse(br#"{"credsStore":"desktop"}"#).unwrap();
    let answer = format!(r#"{{"Username":"alice","Secret":"{}"}}"#, marker());
    assert_wiped("helper answer", || {
        let mut resolver = CredentialResolver::new(config.clone());
        let Resolution::RunHelper(request) = resolver.resolve("r.example.com") else {
            panic!("expected a helper run")
        };
        let creds = resolver
            .handle_output(&request, Some(0), answer.as_bytes(), b"")
            .unwrap();
        drop(creds);
        drop(resolver);
    });
}

#[test]
fn token_responses_are_wiped() {
    let m = marker();
    let bodies = [
        format!(r#"{{"token":"{m}","access_token":"{m}","refresh_token":"{m}","expires_in":300}}"#),
        // Refused bodies wipe what they read too.
        format!(r#"{{"token":"{m}","token":"{m}"}}"#),
        format!(r#"{{"token":"{m} x","refresh_token":"{m}"}}"#),
    ];
    assert_wiped("TokenResponse", || {
        for body in &bodies {
            let _ = TokenResponse::parse(body.as_bytes(), &TokenLimits::default());
        }
    });
}

#[cfg(all(feature = "host", unix))]
#[test]
fn helper_output_is_wiped() {
    use registry_auth::host::HelperOutput;
    let stdout = format!(r#"{{"Username":"alice","Secret":"{}"}}"#, marker()).into_bytes();
    assert_wiped("HelperOutput", || {
        drop(HelperOutput::new(Some(0), stdout.clone(), Vec::new()));
    });
}
