//! The example programs, run as a user runs them: the offline dry run, the async driver, and
//! the `fetch` CLI against a tiny registry served from this test on `127.0.0.1`.
//!
//! Each example runs from its built executable (`cargo test` builds examples next to the test
//! binaries) when that executable is newer than the sources; otherwise through
//! `cargo run --example`, which builds it first.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use registry_auth::Authorization;

// ---- running examples ---------------------------------------------------------------------

fn example(name: &str) -> Command {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(exe) = built_example(name).filter(|exe| is_fresh(exe, name, manifest_dir)) {
        let mut cmd = Command::new(exe);
        cmd.current_dir(manifest_dir);
        return cmd;
    }
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(manifest_dir)
        .args(["run", "--quiet", "--example", name, "--"]);
    cmd
}

/// `<target>/debug/deps/<this test>` → `<target>/debug/examples/<name>`.
fn built_example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

/// Whether the executable is newer than everything it is built from, so that a run of this
/// test alone (which does not rebuild examples) never exercises a stale one.
fn is_fresh(exe: &Path, name: &str, manifest_dir: &Path) -> bool {
    let Some(built) = modified(exe) else {
        return false;
    };
    let mut sources = vec![
        manifest_dir.join("Cargo.toml"),
        manifest_dir.join("examples").join(format!("{name}.rs")),
    ];
    collect_files(&manifest_dir.join("src"), &mut sources);
    sources
        .iter()
        .all(|s| modified(s).is_some_and(|m| m <= built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A directory of files written by one test, removed when the test ends (pass or fail).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "registry-auth-examples-{}-{name}-{n}",
            std::process::id()
        ));
        // A leftover from a killed run with a recycled process id.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a temporary file");
        path
    }

    /// An executable shell script, for a credential helper on `PATH`.
    #[cfg(unix)]
    fn write_script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(name, &format!("#!/bin/sh\n{body}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make the script executable");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fetch example, kept away from the Docker config of whoever runs the tests: the config
/// search finds an empty one in `dir` first.
fn fetch_example(dir: &TempDir) -> Command {
    let mut cmd = example("fetch");
    cmd.env("REGISTRY_AUTH_FILE", dir.write("discovered.json", "{}"));
    cmd
}

/// `PATH` with `dir` first, for one child process: helpers written by a test are found
/// without touching this process's environment, which every test thread shares.
fn path_with(dir: &Path) -> OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).expect("a PATH")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command, stdin: &str) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the example");
    let mut input = child.stdin.take().expect("stdin");
    // A program that stops at a usage error never reads its input: a broken pipe is fine.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for the example");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Run {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    fn assert_no_secret(&self, secrets: &[&str]) {
        for s in secrets {
            assert!(
                !self.stdout.contains(s) && !self.stderr.contains(s),
                "secret {s:?} printed:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

// ---- dry-run ------------------------------------------------------------------------------

/// The dry run's output, split at its numbered step comments (`# 1. ...`).
fn steps(stdout: &str) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let numbered = line
            .strip_prefix("# ")
            .and_then(|rest| rest.split_once(". "))
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        if numbered {
            steps.push(String::new());
        }
        if let Some(step) = steps.last_mut() {
            step.push_str(line);
            step.push('\n');
        }
    }
    steps
}

#[test]
fn dry_run_walks_the_tutorial_and_prints_no_secret() {
    let out = run(example("dry-run"), "");
    out.assert_code(0);
    let steps = steps(&out.stdout);
    assert_eq!(steps.len(), 4, "{}", out.stdout);

    let first = &steps[0];
    assert!(first.contains("< 401"), "{first}");
    assert!(
        first.contains("> token GET https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull\n    (no Authorization)"),
        "{first}"
    );
    assert!(
        first.contains("    Authorization: Bearer <redacted>"),
        "{first}"
    );

    // The same repository again: the cached token, no challenge, no token request.
    let second = &steps[1];
    assert!(!second.contains("> token"), "{second}");
    assert!(!second.contains("< 401"), "{second}");
    assert!(
        second.contains("    Authorization: Bearer <redacted>"),
        "{second}"
    );
    // The redirect to the storage host goes out without the registry's token.
    assert!(
        second.contains("(redirected)\n    (no Authorization)"),
        "{second}"
    );

    // Another repository: its token is fetched before sending, so no 401.
    let third = &steps[2];
    assert!(!third.contains("< 401"), "{third}");
    assert!(
        third.contains("> token GET https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull"),
        "{third}"
    );

    // The private registry's realm gets the credentials, redacted in the output.
    let fourth = &steps[3];
    assert!(
        fourth.contains("> token GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&account=alice\n    Authorization: Basic <redacted>"),
        "{fourth}"
    );
    assert!(fourth.contains("< 201"), "{fourth}");
    assert_eq!(out.stdout.matches("= done").count(), 4, "{}", out.stdout);

    let basic = Authorization::basic("alice", "s3cret-passw0rd");
    let encoded = basic.expose().trim_start_matches("Basic ");
    out.assert_no_secret(&[
        "s3cret-passw0rd",
        encoded,
        "hub-token-alpine-0001",
        "hub-token-busybox-0002",
        "private-token-0003",
    ]);
}

#[test]
fn dry_run_is_deterministic() {
    let a = run(example("dry-run"), "");
    let b = run(example("dry-run"), "");
    a.assert_code(0);
    assert_eq!(a.stdout, b.stdout);
}

// ---- async --------------------------------------------------------------------------------

#[test]
fn async_driver_shares_one_token_fetch_between_concurrent_flows() {
    let out = run(example("async"), "");
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("token requests seen by the token endpoint: 1\n"),
        "{}",
        out.stdout
    );
    for n in 0..8 {
        assert!(
            out.stdout.contains(&format!("task {n}: 200 ")),
            "task {n}:\n{}",
            out.stdout
        );
    }
    // Exactly one task fetched; the others waited for it.
    assert_eq!(
        out.stdout.matches("fetch token").count(),
        1,
        "{}",
        out.stdout
    );
    out.assert_no_secret(&["demo-token-0001"]);
}

// ---- fetch: usage -------------------------------------------------------------------------

#[test]
fn fetch_usage_errors_exit_2_with_one_line_saying_why() {
    let dir = TempDir::new("usage");
    let cases: [(&[&str], &str); 8] = [
        (&[], "usage: no URL given"),
        (
            &["--password-stdin", "http://127.0.0.1:9/v2/"],
            "usage: --password-stdin needs --user",
        ),
        (
            &["--scope", "nonsense", "http://127.0.0.1:9/v2/"],
            "usage: --scope \"nonsense\"",
        ),
        (
            &["--method", "PATCH", "http://127.0.0.1:9/v2/"],
            "usage: --method \"PATCH\"",
        ),
        (
            &["--frobnicate", "http://127.0.0.1:9/v2/"],
            "usage: unknown option --frobnicate",
        ),
        (
            &["registry.example.com/v2/"],
            "usage: \"registry.example.com/v2/\" is not an http",
        ),
        // Not a URL, so an image reference, and an invalid one: the parser says why.
        (
            &["Team/App"],
            "usage: \"Team/App\" is not an http:// or https:// URL or an image reference: \
             invalid image reference \"Team/App\": repository name must be lowercase",
        ),
        (
            &["http://127.0.0.1:9/v2/", "--docker-config"],
            "usage: --docker-config needs a value",
        ),
    ];
    for (args, message) in cases {
        let mut cmd = fetch_example(&dir);
        cmd.args(args);
        let out = run(cmd, "");
        out.assert_code(2);
        assert!(
            out.stderr.starts_with(message) && out.stderr.lines().count() == 1,
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn fetch_reads_a_scheme_in_any_case_as_a_url() {
    let dir = TempDir::new("scheme-case");
    // Nothing listens on port 9 here: the URL is tried (exit 1, one error line naming it),
    // not rejected as an invalid image reference (exit 2).
    let mut cmd = fetch_example(&dir);
    cmd.arg("HTTPS://127.0.0.1:9/v2/");
    let out = run(cmd, "");
    out.assert_code(1);
    assert!(
        out.stderr.starts_with("error: HTTPS://127.0.0.1:9/v2/: ")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

// ---- fetch: against a tiny registry -------------------------------------------------------

/// A request as the test server saw it.
#[derive(Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A one-request-per-connection HTTP/1.1 server on `127.0.0.1:0`. It stops by itself after
/// `expected` requests, or when no request came for a while (a test that went wrong), and
/// hands back what it saw.
struct TestServer {
    port: u16,
    thread: JoinHandle<Vec<Seen>>,
}

impl TestServer {
    fn start(
        expected: usize,
        answer: impl Fn(&Seen, u16) -> (u16, Vec<(&'static str, String)>, String) + Send + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let thread = thread::spawn(move || {
            let mut seen = Vec::new();
            let mut deadline = Instant::now() + Duration::from_secs(30);
            while seen.len() < expected && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(request) = serve_one(stream, port, &answer) {
                            seen.push(request);
                        }
                        deadline = Instant::now() + Duration::from_secs(30);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
            seen
        });
        TestServer { port, thread }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn finish(self) -> Vec<Seen> {
        self.thread.join().expect("server thread")
    }
}

fn serve_one(
    mut stream: TcpStream,
    port: u16,
    answer: &impl Fn(&Seen, u16) -> (u16, Vec<(&'static str, String)>, String),
) -> Option<Seen> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let request = Seen {
        method,
        target,
        headers,
    };
    // Read (and drop) a request body, so that closing the socket does not reset the
    // connection before the client reads the answer.
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut have = buf.len() - head_end - 4;
    while have < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let (status, headers, body) = answer(&request, port);
    let mut response = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    stream.write_all(response.as_bytes()).ok()?;
    stream.flush().ok()?;
    Some(request)
}

const TOKEN: &str = "tok-9f8e7d";
const MANIFEST: &str = "{\"schemaVersion\":2}";
const UNAUTHORIZED: &str =
    r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#;

/// A registry that wants a Bearer token for everything under `/v2/`, from the realm on its own
/// listener; the realm hands out tokens anonymously, or only for `alice:<password>` when
/// `password` says so. Any `/manifests/` path answers a manifest, anything else a blob.
fn registry(
    password: Option<&'static str>,
) -> impl Fn(&Seen, u16) -> (u16, Vec<(&'static str, String)>, String) {
    move |req, port| {
        let auth = req.header("authorization");
        if req.target.starts_with("/token?") {
            let allowed = match password {
                None => auth.is_none(),
                Some(p) => auth == Some(Authorization::basic("alice", p).expose()),
            };
            return if allowed {
                (
                    200,
                    vec![("Content-Type", "application/json".into())],
                    format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#),
                )
            } else {
                (401, vec![], UNAUTHORIZED.into())
            };
        }
        if auth != Some(&format!("Bearer {TOKEN}")) {
            let challenge =
                format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="test-registry""#);
            return (
                401,
                vec![("WWW-Authenticate", challenge)],
                UNAUTHORIZED.into(),
            );
        }
        if req.target.contains("/manifests/") {
            (200, vec![], MANIFEST.into())
        } else {
            (200, vec![], "blob-bytes".into())
        }
    }
}

#[test]
fn fetch_authenticates_with_a_token_and_reuses_it_for_the_next_url() {
    let dir = TempDir::new("token");
    let server = TestServer::start(4, registry(None));
    let manifest = server.url("/v2/app/manifests/1");
    let blob = server.url("/v2/app/blobs/sha256:0123");
    let mut cmd = fetch_example(&dir);
    cmd.args(["--insecure", "--trace", &manifest, &blob]);
    let out = run(cmd, "");
    let seen = server.finish();
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        format!("200 {} {manifest}\n200 10 {blob}\n", MANIFEST.len())
    );
    let token_url = server_token_url(&manifest, "repository%3Aapp%3Apull");
    assert_eq!(
        out.stderr.lines().collect::<Vec<_>>(),
        [
            format!("> GET {manifest} auth=none"),
            "< 401".into(),
            format!("> GET {token_url} auth=none"),
            "< 200".into(),
            format!("> GET {manifest} auth=bearer"),
            "< 200".into(),
            format!("> GET {blob} auth=bearer"),
            "< 200".into(),
        ]
    );
    // A manifest request without an Accept of the caller's gets the manifest types.
    let accept = seen[0].header("accept").unwrap_or_default();
    assert!(
        accept.contains("application/vnd.oci.image.manifest.v1+json"),
        "{accept}"
    );
    out.assert_no_secret(&[TOKEN]);
}

/// `http://127.0.0.1:PORT/token?service=test-registry&scope=SCOPE`, for the server of `url`.
fn server_token_url(url: &str, scope: &str) -> String {
    let origin: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    format!("{origin}/token?service=test-registry&scope={scope}")
}

#[test]
fn fetch_sends_basic_credentials_to_the_realm_and_quotes_a_rejection() {
    let dir = TempDir::new("basic");
    let server = TestServer::start(3, registry(Some("pw")));
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(&dir);
    cmd.args([
        "--insecure",
        "--trace",
        "--user",
        "alice",
        "--password-stdin",
        &manifest,
    ]);
    let out = run(cmd, "pw\n");
    let seen = server.finish();
    out.assert_code(0);
    assert!(
        out.stderr.contains("&account=alice auth=basic\n"),
        "{}",
        out.stderr
    );
    assert_eq!(seen.len(), 3);

    // A wrong password: the realm refuses, the error quotes it, the exit status says so.
    let server = TestServer::start(2, registry(Some("pw")));
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(&dir);
    cmd.args([
        "--insecure",
        "--user",
        "alice",
        "--password-stdin",
        &manifest,
    ]);
    let out = run(cmd, "wrong-password\n");
    server.finish();
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let realm = server_token_url(&manifest, "");
    let realm = realm.split('?').next().unwrap_or_default();
    assert_eq!(
        out.stderr,
        format!("error: {manifest}: credentials rejected by {realm}: 401 UNAUTHORIZED: authentication required\n")
    );
    out.assert_no_secret(&["wrong-password"]);
}

#[test]
fn fetch_without_insecure_refuses_a_plain_http_realm() {
    let dir = TempDir::new("insecure");
    let server = TestServer::start(1, registry(None));
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(&dir);
    cmd.arg(&manifest);
    let out = run(cmd, "");
    let seen = server.finish();
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let realm = server_token_url(&manifest, "");
    let realm = realm.split('?').next().unwrap_or_default();
    assert_eq!(
        out.stderr,
        format!("error: {manifest}: refused realm {realm}: plain http realms need a plain http registry and insecure registries allowed\n")
    );
    // Only the first, bare request reached the server; no token request was made.
    assert_eq!(seen.len(), 1);
    assert!(seen[0].header("authorization").is_none());
    assert_eq!(seen[0].method, "GET");
}

// ---- fetch: Docker config, credential helpers, image references ---------------------------

const CONFIG_PASSWORD: &str = "c0nfig-s3cret";
const HELPER_SECRET: &str = "h3lper-s3cret";

/// A config whose `auths` hold `alice:<password>` for `registry`, as `docker login` writes it.
fn auths_config(registry: &str, password: &str) -> String {
    let basic = Authorization::basic("alice", password);
    let encoded = basic.expose().trim_start_matches("Basic ");
    format!(r#"{{"auths":{{"{registry}":{{"auth":"{encoded}"}}}}}}"#)
}

/// The secrets a run must never print: the password, its base64 form, the registry's token.
fn assert_no_secret_of(out: &Run, password: &str) {
    let basic = Authorization::basic("alice", password);
    out.assert_no_secret(&[password, basic.expose().trim_start_matches("Basic "), TOKEN]);
}

/// A successful run that fetched each of `targets` (URLs or references of the manifest), in
/// order.
fn assert_fetched_manifests(out: &Run, targets: &[&str]) {
    out.assert_code(0);
    let lines: String = targets
        .iter()
        .map(|t| format!("200 {} {t}\n", MANIFEST.len()))
        .collect();
    assert_eq!(out.stdout, lines);
}

#[test]
fn fetch_takes_credentials_from_a_docker_config_for_an_image_reference() {
    let dir = TempDir::new("config");
    let server = TestServer::start(3, registry(Some(CONFIG_PASSWORD)));
    let registry_name = format!("127.0.0.1:{}", server.port);
    let config = dir.write(
        "config.json",
        &auths_config(&registry_name, CONFIG_PASSWORD),
    );
    let reference = format!("{registry_name}/alice/app:1.0");
    let manifest_url = server.url("/v2/alice/app/manifests/1.0");
    let mut cmd = fetch_example(&dir);
    cmd.args(["--insecure", "--trace", "--body", "--docker-config"])
        .arg(&config)
        .arg(&reference);
    let out = run(cmd, "");
    let seen = server.finish();
    out.assert_code(0);
    // The line names the reference as given; the body is the manifest.
    assert_eq!(
        out.stdout,
        format!("200 {} {reference}\n{MANIFEST}\n", MANIFEST.len())
    );
    assert_eq!(seen.len(), 3, "{seen:?}");
    // A loopback registry with --insecure is reached over plain http, at the manifest path,
    // accepting every manifest type.
    assert_eq!(seen[0].target, "/v2/alice/app/manifests/1.0");
    // Every manifest and index format in use, OCI and Docker.
    let accept = seen[0].header("accept").unwrap_or_default();
    for media_type in [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ] {
        assert!(accept.contains(media_type), "{accept}");
    }
    assert!(seen[0].header("authorization").is_none());
    assert!(
        out.stderr
            .starts_with(&format!("> GET {manifest_url} auth=none\n")),
        "{}",
        out.stderr
    );
    // The realm gets the config's credentials, and the account they belong to.
    assert_eq!(
        seen[1].target,
        "/token?service=test-registry&scope=repository%3Aalice%2Fapp%3Apull&account=alice"
    );
    assert_eq!(
        seen[1].header("authorization"),
        Some(Authorization::basic("alice", CONFIG_PASSWORD).expose())
    );
    assert_eq!(
        seen[2].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_no_secret_of(&out, CONFIG_PASSWORD);
}

#[test]
fn fetch_finds_the_docker_config_where_podman_looks_and_ignores_a_broken_one() {
    let dir = TempDir::new("discovery");
    let server = TestServer::start(3, registry(Some(CONFIG_PASSWORD)));
    let registry_name = format!("127.0.0.1:{}", server.port);
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = example("fetch");
    cmd.env(
        "REGISTRY_AUTH_FILE",
        dir.write("auth.json", &auths_config(&registry_name, CONFIG_PASSWORD)),
    )
    .args(["--insecure", &manifest]);
    let out = run(cmd, "");
    let seen = server.finish();
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    assert_eq!(
        seen[1].header("authorization"),
        Some(Authorization::basic("alice", CONFIG_PASSWORD).expose())
    );

    // A discovered config that does not parse: one warning, then anonymous.
    let server = TestServer::start(3, registry(None));
    let manifest = server.url("/v2/app/manifests/1");
    let broken = dir.write(
        "broken.json",
        r#"{"auths":{"r.example.com":{"auth":"!s3cret!"}}}"#,
    );
    let mut cmd = example("fetch");
    cmd.env("REGISTRY_AUTH_FILE", &broken)
        .args(["--insecure", &manifest]);
    let out = run(cmd, "");
    server.finish();
    assert_fetched_manifests(&out, &[&manifest]);
    assert_eq!(
        out.stderr,
        format!(
            "warning: invalid docker config {}: docker config: field `auth` of auths entry \
             \"r.example.com\" is not valid base64; continuing without it\n",
            broken.display()
        )
    );
    out.assert_no_secret(&["s3cret"]);
}

#[test]
fn fetch_prefers_command_line_credentials_to_the_docker_config() {
    let dir = TempDir::new("precedence");
    let server = TestServer::start(3, registry(Some("pw")));
    let config = dir.write(
        "config.json",
        &auths_config(&format!("127.0.0.1:{}", server.port), CONFIG_PASSWORD),
    );
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(&dir);
    cmd.args([
        "--insecure",
        "--user",
        "alice",
        "--password-stdin",
        "--docker-config",
    ])
    .arg(&config)
    .arg(&manifest);
    let out = run(cmd, "pw\n");
    let seen = server.finish();
    out.assert_code(0);
    assert_eq!(
        seen[1].header("authorization"),
        Some(Authorization::basic("alice", "pw").expose())
    );
    assert_no_secret_of(&out, CONFIG_PASSWORD);
}

#[test]
fn fetch_with_an_unusable_docker_config_path_exits_2_naming_it() {
    let dir = TempDir::new("bad-config");
    let missing = dir.path().join("missing.json");
    let not_json = dir.write(
        "not.json",
        r#"{"auths":{"r.example.com":{"auth":"!s3cret!"}}}"#,
    );
    let cases = [
        (
            dir.path().to_path_buf(),
            format!(
                "usage: --docker-config: cannot read docker config {}: ",
                dir.path().display()
            ),
        ),
        (
            missing.clone(),
            format!(
                "usage: --docker-config: cannot read docker config {}: no such file",
                missing.display()
            ),
        ),
        (
            not_json.clone(),
            format!(
                "usage: --docker-config: invalid docker config {}: docker config: field `auth` \
                 of auths entry \"r.example.com\" is not valid base64",
                not_json.display()
            ),
        ),
    ];
    for (path, message) in cases {
        let mut cmd = fetch_example(&dir);
        cmd.arg("--docker-config")
            .arg(&path)
            .arg("http://127.0.0.1:9/v2/");
        let out = run(cmd, "");
        out.assert_code(2);
        assert!(
            out.stderr.starts_with(&message) && out.stderr.lines().count() == 1,
            "{path:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{path:?}: {}", out.stdout);
        out.assert_no_secret(&["s3cret"]);
    }
}

/// A `credHelpers` config naming `docker-credential-<helper>` for the registry.
#[cfg(unix)]
fn helper_config(dir: &TempDir, registry: &str, helper: &str) -> PathBuf {
    dir.write(
        "config.json",
        &format!(r#"{{"credHelpers":{{"{registry}":"{helper}"}}}}"#),
    )
}

/// A helper script prefix that logs the server URL it is asked about, one line per run.
#[cfg(unix)]
const LOG_REQUEST: &str =
    "read -r server\nprintf '%s\\n' \"$server\" >> \"$(dirname \"$0\")/asked.log\"\n";

#[cfg(unix)]
fn asked(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("asked.log")).unwrap_or_default()
}

/// A credential-helper scenario: a fresh `registry(password)` serving `requests` requests, its
/// manifest URL, and `fetch --insecure --docker-config <config>` with `dir` first on `PATH`,
/// the config naming `docker-credential-<helper>` for that registry. The caller adds the
/// remaining arguments.
#[cfg(unix)]
struct HelperScenario {
    server: TestServer,
    registry_name: String,
    manifest: String,
    cmd: Command,
}

#[cfg(unix)]
fn helper_scenario(
    dir: &TempDir,
    helper: &str,
    requests: usize,
    password: Option<&'static str>,
) -> HelperScenario {
    let server = TestServer::start(requests, registry(password));
    let registry_name = format!("127.0.0.1:{}", server.port);
    let config = helper_config(dir, &registry_name, helper);
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(dir);
    cmd.env("PATH", path_with(dir.path()))
        .args(["--insecure", "--docker-config"])
        .arg(&config);
    HelperScenario {
        server,
        registry_name,
        manifest,
        cmd,
    }
}

#[cfg(unix)]
#[test]
fn fetch_asks_a_credential_helper_once_per_registry() {
    let dir = TempDir::new("helper");
    dir.write_script(
        "docker-credential-test",
        &format!(
            "{LOG_REQUEST}printf '{{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"{HELPER_SECRET}\"}}' \"$server\"\n"
        ),
    );
    // Two targets on one registry: a token for the first, another before the second (the
    // realm is known by then, so no second challenge).
    let HelperScenario {
        server,
        registry_name,
        manifest,
        mut cmd,
    } = helper_scenario(&dir, "test", 5, Some(HELPER_SECRET));
    let reference = format!("{registry_name}/alice/app:1.0");
    cmd.args(["--trace", &manifest, &reference]);
    let out = run(cmd, "");
    let seen = server.finish();
    assert_fetched_manifests(&out, &[&manifest, &reference]);
    assert_eq!(asked(&dir), format!("{registry_name}\n"));
    let helper_basic = Authorization::basic("alice", HELPER_SECRET);
    let token_requests: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.starts_with("/token?"))
        .collect();
    assert_eq!(token_requests.len(), 2, "{seen:?}");
    for t in token_requests {
        assert!(t.target.ends_with("&account=alice"), "{}", t.target);
        assert_eq!(t.header("authorization"), Some(helper_basic.expose()));
    }
    assert_no_secret_of(&out, HELPER_SECRET);
}

#[cfg(unix)]
#[test]
fn fetch_reports_a_failing_credential_helper_once_and_fetches_anonymously() {
    let dir = TempDir::new("helper-fails");
    // Go helpers print errors on standard output; this one prints a secret there and fails.
    dir.write_script(
        "docker-credential-broken",
        &format!(
            "{LOG_REQUEST}printf '{{\"Username\":\"alice\",\"Secret\":\"{HELPER_SECRET}\"}}'\nexit 3\n"
        ),
    );
    let HelperScenario {
        server,
        registry_name,
        manifest,
        mut cmd,
    } = helper_scenario(&dir, "broken", 5, None);
    let reference = format!("{registry_name}/alice/app:1.0");
    cmd.args(["--trace", &manifest, &reference]);
    let out = run(cmd, "");
    let seen = server.finish();
    // Both fetches succeed anonymously: the helper's failure is a warning, and the exit status
    // speaks for the URLs.
    assert_fetched_manifests(&out, &[&manifest, &reference]);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        errors,
        [format!(
            "warning: {registry_name}: credential helper `docker-credential-broken` exited with \
             status 3; fetching anonymously"
        )]
    );
    assert_eq!(asked(&dir), format!("{registry_name}\n"));
    assert!(seen.iter().all(|s| s.header("authorization").is_none()
        || s.header("authorization") == Some(&*format!("Bearer {TOKEN}"))));
    assert_no_secret_of(&out, HELPER_SECRET);

    // A helper that is not installed: the same, with the reason the system gives.
    let HelperScenario {
        server,
        registry_name,
        manifest,
        mut cmd,
    } = helper_scenario(&dir, "not-installed", 3, None);
    cmd.arg(&manifest);
    let out = run(cmd, "");
    server.finish();
    assert_fetched_manifests(&out, &[&manifest]);
    assert!(
        out.stderr.starts_with(&format!(
            "warning: {registry_name}: cannot run credential helper \
             `docker-credential-not-installed`: "
        )) && out.stderr.ends_with("; fetching anonymously\n")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

#[test]
fn fetch_names_the_status_url_and_scrubbed_message_of_a_final_error_answer() {
    let dir = TempDir::new("final-error");
    // A registry that lets the token in, then refuses it for this repository, quoting it.
    let server = TestServer::start(3, |req, port| {
        let auth = req.header("authorization");
        if req.target.starts_with("/token?") {
            let body = format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#);
            return (200, vec![], body);
        }
        if auth == Some(&format!("Bearer {TOKEN}")) {
            let body = format!(
                r#"{{"errors":[{{"code":"DENIED","message":"token {TOKEN} may not read app"}}]}}"#
            );
            return (403, vec![], body);
        }
        let challenge =
            format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="test-registry""#);
        (
            401,
            vec![("WWW-Authenticate", challenge)],
            UNAUTHORIZED.into(),
        )
    });
    let manifest = server.url("/v2/app/manifests/1");
    let mut cmd = fetch_example(&dir);
    cmd.args(["--insecure", &manifest]);
    let out = run(cmd, "");
    server.finish();
    out.assert_code(1);
    assert!(out.stdout.starts_with("403 "), "{}", out.stdout);
    assert_eq!(
        out.stderr,
        format!("error: {manifest}: {manifest} answered 403: DENIED: token <redacted> may not read app\n")
    );
    out.assert_no_secret(&[TOKEN]);
}
