//! Heap allocations of parsing and reading challenges, counted exactly.
//!
//! The parser promises that a typical challenge parses without touching the heap, and that
//! values are borrowed until they need unescaping. A counting allocator turns that promise into
//! numbers. Counts are kept per thread, so tests running in parallel do not see each other's
//! allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use registry_auth::challenge::{Challenges, Limits, ParserConfig};

thread_local! {
    // A const initializer and a type without `Drop`: reading it never allocates or registers a
    // destructor, which would recurse into the allocator.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

/// `System`, counting every allocation and reallocation of the calling thread, and the bytes
/// each asked for.
struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting only touches a thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's guarantees for `layout` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` came from this allocator, hence from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count(bytes: usize) {
    // `try_with` because a thread being torn down may still free and allocate.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    let _ = BYTES.try_with(|n| n.set(n.get() + bytes));
}

/// The value of `f` and how many bytes this thread's allocations asked for to compute it.
fn bytes_asked<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = BYTES.with(Cell::get);
    let out = f();
    (out, BYTES.with(Cell::get) - before)
}

/// The value of `f` and how many heap allocations this thread made to compute it.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

const DOCKER_HUB: &[u8] = br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;

const INSUFFICIENT_SCOPE: &[u8] = br#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/hello:pull,push",error="insufficient_scope", Basic realm="registry""#;

const ESCAPED: &[u8] =
    br#"Bearer realm="https://a.example/t\"o\\k\"e\\n",error_description="the \"quoted\" \\ text""#;

#[test]
fn counter_sees_allocations_of_this_thread() {
    // Without this the zero counts below could come from a counter that counts nothing.
    let (v, n) = allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(v.len(), 16);
    assert_eq!(n, 1);
}

#[test]
fn docker_hub_challenge_parses_without_allocating() {
    let (parsed, n) = allocations(|| Challenges::parse(DOCKER_HUB));
    let parsed = parsed.expect("Docker Hub challenge parses");
    assert_eq!(n, 0);
    assert_eq!(parsed.len(), 1);
}

#[test]
fn reading_every_docker_hub_value_as_text_does_not_allocate() {
    // The benchmarked workload: parse, then every value as text.
    let (read, n) = allocations(|| {
        let parsed = Challenges::parse(DOCKER_HUB).expect("Docker Hub challenge parses");
        let mut bytes = 0;
        for c in &parsed {
            for p in c.params() {
                let text = p.value.to_str().expect("values are text");
                assert!(matches!(text, std::borrow::Cow::Borrowed(_)));
                bytes += text.len();
            }
        }
        bytes
    });
    assert_eq!(read, 28 + 18 + 30);
    assert_eq!(n, 0);
}

#[test]
fn bearer_view_of_unescaped_values_borrows() {
    let parsed = Challenges::parse(DOCKER_HUB).expect("Docker Hub challenge parses");
    let challenge = parsed.iter().next().expect("one challenge");
    let (fields, n) = allocations(|| {
        let bearer = challenge.bearer().expect("a Bearer challenge");
        (
            bearer.realm().len(),
            bearer.service().map(str::len),
            bearer.scope().map(str::len),
            bearer.scopes().count(),
        )
    });
    assert_eq!(n, 0);
    assert_eq!(fields, (28, Some(18), Some(30), 1));
}

#[test]
fn two_challenges_with_five_params_parse_without_allocating() {
    // Seven entries (two schemes, five params) still fit the eight stored inline.
    let (parsed, n) = allocations(|| Challenges::parse(INSUFFICIENT_SCOPE));
    let parsed = parsed.expect("two-challenge line parses");
    assert_eq!(n, 0);
    assert_eq!(parsed.len(), 2);

    let (read, n) = allocations(|| {
        let bearer = parsed.find("bearer").map(|c| c.bearer());
        let basic = parsed.find("basic").map(|c| c.basic());
        let error = bearer
            .and_then(Result::ok)
            .and_then(|b| b.error().map(str::len));
        let realm = basic
            .and_then(Result::ok)
            .and_then(|b| b.realm().map(str::len));
        (error, realm)
    });
    assert_eq!(n, 0);
    assert_eq!(read, (Some(18), Some(8)));
}

#[test]
fn escaped_values_allocate_only_when_read() {
    let (parsed, n) = allocations(|| Challenges::parse(ESCAPED));
    let parsed = parsed.expect("escaped challenge parses");
    assert_eq!(n, 0);

    let challenge = parsed.iter().next().expect("one challenge");
    // One owned string per escaped value the view reads: realm and error_description.
    let (realm, n) = allocations(|| challenge.bearer().map(|b| b.realm().to_owned()));
    assert_eq!(realm.as_deref(), Ok(r#"https://a.example/t"o\k"e\n"#));
    // Two unescaped values, plus the `to_owned` above that keeps the realm for the assertion.
    assert_eq!(n, 3);
    // Reading an escaped value as text makes one allocation: the unescaped copy.
    let value = challenge.param("error_description").expect("a description");
    let (text, n) = allocations(|| value.to_str());
    assert_eq!(text.as_deref(), Some(r#"the "quoted" \ text"#));
    assert_eq!(n, 1);
}

#[test]
fn many_params_reserve_once_and_grow_geometrically() {
    let header: String = (0..1000)
        .map(|i| format!(r#"p{i}="v{i}""#))
        .collect::<Vec<_>>()
        .join(", ");
    let header = format!("Bearer {header}");
    let config = ParserConfig::strict().limits(Limits::UNLIMITED);
    let (parsed, n) = allocations(|| config.parse(header.as_bytes()));
    let params = parsed.map(|p| p.iter().map(|c| c.params().count()).sum::<usize>());
    assert_eq!(params, Ok(1000));
    // The 12 KB value reserves room for one entry per 32 bytes (375) up front, then doubles
    // twice to hold 1001: 3 allocations. A count near 1000 would mean one per parameter.
    assert!(n <= 4, "{n} allocations for 1000 params");
}

#[test]
fn a_long_header_asks_for_memory_in_proportion_to_its_entries() {
    // Up-front room is one entry per 32 bytes of header, so a hostile header cannot make
    // the parser ask for much more than its entries take.
    for params in [20, 300, 2000] {
        let header: String = (0..params)
            .map(|i| format!(r#"p{i}="v{i}""#))
            .collect::<Vec<_>>()
            .join(", ");
        let header = format!("Bearer {header}");
        let config = ParserConfig::strict().limits(Limits::UNLIMITED);
        let (parsed, bytes) = bytes_asked(|| config.parse(header.as_bytes()).map(|p| p.len()));
        assert_eq!(parsed, Ok(1));
        // Each entry is 40 bytes; doubling may ask for up to twice that, and again for the
        // copies it makes on the way.
        let entries = params + 1;
        assert!(
            bytes <= entries * 40 * 4,
            "{bytes} bytes for {entries} entries ({} header bytes)",
            header.len()
        );
    }
}

#[test]
fn a_request_with_a_cached_token_allocates_nothing() {
    use registry_auth::{Action, Authenticator, Config, Request, Response};
    use std::time::Duration;

    let url = "https://registry-1.docker.io/v2/library/alpine/manifests/latest";
    let challenge = [("WWW-Authenticate", DOCKER_HUB)];
    let token = br#"{"token":"t0k3n","expires_in":300}"#;
    let now = Duration::from_secs(100);
    let mut auth = Authenticator::new(Config::default());
    // Warm up: learn the challenge, cache a token, and leave a flow slot (with its URL buffer)
    // behind for reuse.
    let id = auth.start(Request::get(url), now).unwrap();
    loop {
        match auth.poll(id) {
            Action::Send(s) if s.authorization().is_none() => {
                let r = Response::new(401).headers(&challenge);
                auth.handle_response(id, r, now).unwrap();
            }
            Action::Send(_) => auth.handle_response(id, Response::new(200), now).unwrap(),
            Action::FetchToken(_) => {
                let r = Response::new(200).body(token);
                auth.handle_token_response(id, r, now).unwrap();
            }
            Action::Done => break,
            other => panic!("{other:?}"),
        }
    }
    let (authorized, n) = allocations(|| {
        let id = auth.start(Request::get(url), now).unwrap();
        let Action::Send(send) = auth.poll(id) else {
            panic!("a cached token is sent at once")
        };
        let authorized = send.authorization().is_some();
        auth.handle_response(id, Response::new(200), now).unwrap();
        assert!(matches!(auth.poll(id), Action::Done));
        authorized
    });
    assert!(authorized);
    // The header value is shared with the cache (reference counted), not copied.
    assert_eq!(n, 0);
}
