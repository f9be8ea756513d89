//! The reference registry (distribution 2.8, Debian's `docker-registry`) as a child process.
//!
//! Each instance gets a fresh scratch directory (config, storage, logs) and a free loopback
//! port, and is stopped by its own process id when its guard drops, panics included.
//!
//! Requests are counted from the registry's access log (stdout, one combined-log line per
//! request with method, URI and status, 401s included: the application log only reports
//! requests that succeed). A counting proxy would also work, but it would put a second HTTP
//! implementation between the client and the server under test, rewrite connection headers
//! and change the `Host` the registry builds its `Location` URLs from. The access log is the
//! registry's own word. Its one weakness, that the line is written when the handler returns
//! rather than when the client has read the response, does not bite here: every response of
//! these scenarios is smaller than net/http's write buffer, so the handler returns (and logs)
//! before the response leaves the server; [`Registry::access_log`] still waits for the log
//! to settle before reading it.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const START_TIMEOUT: Duration = Duration::from_secs(15);
const START_ATTEMPTS: u32 = 3;

/// Names the registry binary to use instead of the installed one (another build of
/// distribution, say); a path that is not a file counts as "not installed".
pub const BINARY_VAR: &str = "REGISTRY_AUTH_INTEROP_REGISTRY";

/// Where the registry binary is, if installed.
pub fn binary() -> Option<PathBuf> {
    if let Some(chosen) = std::env::var_os(BINARY_VAR) {
        let chosen = PathBuf::from(chosen);
        return chosen.is_file().then_some(chosen);
    }
    let standard = PathBuf::from("/usr/bin/docker-registry");
    if standard.is_file() {
        return Some(standard);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("docker-registry"))
            .find(|p| p.is_file())
    })
}

/// A directory removed with everything in it when dropped.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static SERIAL: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "registry-auth-interop-{}-{}-{label}-{nanos}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&path).expect("create the scratch directory");
        Scratch { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// How the registry authenticates.
pub enum AuthMode {
    /// `auth: token`, trusting `cert` (PEM) for JWTs from `issuer`.
    Token {
        realm: String,
        service: String,
        issuer: String,
        cert_pem: String,
    },
    /// `auth: htpasswd` with these `user:bcrypt` lines.
    Htpasswd { lines: Vec<String> },
    /// `auth: silly`: a Bearer challenge, and any `Authorization` accepted.
    Silly { realm: String, service: String },
}

pub struct Options {
    pub auth: AuthMode,
    /// The `redirect` storage middleware's `baseurl`: blob GET/HEAD answer 307 there.
    pub redirect_to: Option<String>,
}

/// One line of the access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub method: String,
    pub uri: String,
    pub status: u16,
}

/// A running registry; killed and waited for when dropped.
pub struct Registry {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Registry {
    /// Starts a registry in `scratch` and waits until `/v2/` answers.
    pub fn start(binary: &Path, scratch: &Scratch, options: &Options) -> Registry {
        let dir = scratch.path().to_path_buf();
        let mut failures = Vec::new();
        // The port is free when picked but another process may take it before the registry
        // binds it: pick again rather than fail.
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let config = dir.join("config.yml");
            fs::write(&config, config_yaml(&dir, port, options)).expect("write the config");
            let child = Command::new(binary)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log_file(&dir.join("access.log")))
                .stderr(log_file(&dir.join("registry.log")))
                .spawn()
                .expect("spawn docker-registry");
            let mut registry = Registry {
                child,
                port,
                dir: dir.clone(),
            };
            match registry.wait_ready() {
                Ok(()) => return registry,
                Err(why) => {
                    failures.push(format!(
                        "attempt {attempt} on port {port}: {why}\n{}",
                        registry.log_tail()
                    ));
                    drop(registry);
                }
            }
        }
        panic!(
            "docker-registry did not come up:\n{}",
            failures.join("\n---\n")
        );
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT`, the name credentials are keyed by.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        // Only our own log can say that the port is ours: if another test's registry won the
        // race for it, a bare ping would reach that one while ours fails to bind.
        let listening = format!("listening on 127.0.0.1:{}", self.port);
        let log = self.dir.join("registry.log");
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}"));
            }
            let bound = fs::read_to_string(&log).is_ok_and(|l| l.contains(&listening));
            if bound && ping(addr).is_some() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(25));
        }
        Err(format!("/v2/ did not answer within {START_TIMEOUT:?}"))
    }

    /// Every request the registry logged so far, once the log has stopped growing.
    pub fn access_log(&self) -> Vec<Hit> {
        let path = self.dir.join("access.log");
        let read = || fs::read_to_string(&path).unwrap_or_default();
        let mut text = read();
        for _ in 0..20 {
            thread::sleep(Duration::from_millis(15));
            let again = read();
            if again == text {
                break;
            }
            text = again;
        }
        text.lines().filter_map(parse_access_line).collect()
    }

    /// The last lines of both logs, for failure messages.
    pub fn log_tail(&self) -> String {
        let tail = |name: &str| {
            let text = fs::read_to_string(self.dir.join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(15)..].join("\n")
        };
        format!(
            "--- registry.log (tail)\n{}\n--- access.log (tail)\n{}",
            tail("registry.log"),
            tail("access.log")
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_file(path: &Path) -> fs::File {
    fs::File::create(path).expect("create a registry log file")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free loopback port")
        .port()
}

/// The status of `GET /v2/`, any status meaning the registry is up.
fn ping(addr: SocketAddr) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    s.write_all(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}

/// `127.0.0.1 - - [date] "GET /v2/ HTTP/1.1" 401 87 "" "agent"`
fn parse_access_line(line: &str) -> Option<Hit> {
    let (_, rest) = line.split_once('"')?;
    let (request, rest) = rest.split_once('"')?;
    let mut parts = request.split(' ');
    let method = parts.next()?.to_string();
    let uri = parts.next()?.to_string();
    let status = rest.split_whitespace().next()?.parse().ok()?;
    Some(Hit {
        method,
        uri,
        status,
    })
}

/// The filesystem driver's root directory in a registry's scratch directory.
pub fn storage_dir(scratch: &Path) -> PathBuf {
    scratch.join("storage")
}

fn config_yaml(dir: &Path, port: u16, options: &Options) -> String {
    let storage = storage_dir(dir);
    let mut yaml = format!(
        "version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: registry-auth-interop
",
        storage = storage.display()
    );
    match &options.auth {
        AuthMode::Token {
            realm,
            service,
            issuer,
            cert_pem,
        } => {
            let bundle = dir.join("issuer.pem");
            fs::write(&bundle, cert_pem).expect("write the root certificate bundle");
            yaml.push_str(&format!(
                "auth:
  token:
    realm: {realm}
    service: {service}
    issuer: {issuer}
    rootcertbundle: {}
",
                bundle.display()
            ));
        }
        AuthMode::Htpasswd { lines } => {
            let file = dir.join("htpasswd");
            fs::write(&file, lines.join("\n") + "\n").expect("write the htpasswd file");
            yaml.push_str(&format!(
                "auth:
  htpasswd:
    realm: interop-basic
    path: {}
",
                file.display()
            ));
        }
        AuthMode::Silly { realm, service } => {
            yaml.push_str(&format!(
                "auth:
  silly:
    realm: {realm}
    service: {service}
"
            ));
        }
    }
    if let Some(base) = &options.redirect_to {
        yaml.push_str(&format!(
            "middleware:
  storage:
    - name: redirect
      options:
        baseurl: {base}
"
        ));
    }
    yaml
}

#[test]
fn access_lines_give_method_uri_and_status() {
    let line = r#"127.0.0.1 - - [29/Nov/2026:03:50:02 +0000] "GET /v2/a/b/blobs/sha256:58 HTTP/1.1" 307 0 "" "ureq/3.2.1""#;
    assert_eq!(
        parse_access_line(line),
        Some(Hit {
            method: "GET".into(),
            uri: "/v2/a/b/blobs/sha256:58".into(),
            status: 307
        })
    );
    assert_eq!(parse_access_line("time=\"x\" level=info"), None);
}
