//! Helpers that touch the host (feature `host`): find and read the Docker/Podman config file,
//! run credential helpers with a timeout.
//!
//! These are the only parts of the crate that read files, look at the environment or start
//! processes; the Sans-IO core ([`docker_config`](crate::docker_config),
//! [`cred_helper`](crate::cred_helper)) does the deciding, so a driver with its own process or
//! file handling can skip this module.
//!
//! ```no_run
//! use std::time::Duration;
//! use registry_auth::cred_helper::CredentialResolver;
//! use registry_auth::host::{load_config, resolve_with, HelperRunner};
//!
//! let config = load_config()?.into_config();
//! let mut resolver = CredentialResolver::new(config);
//! let runner = HelperRunner::new(Duration::from_secs(30));
//! let creds = resolve_with(&mut resolver, &runner, "ghcr.io")?;
//! println!("{creds:?}"); // secrets print as <redacted>
//! # Ok::<(), registry_auth::host::HostError>(())
//! ```
//!
//! # Waiting for a helper with a timeout
//! The runner polls `Child::try_wait` with short sleeps (1 ms doubling to 25 ms) until the
//! helper exits or the timeout passes. The crates that wait without polling were weighed and
//! not taken:
//! - `wait-timeout` (0.2) installs a process-wide `SIGCHLD` handler the first time it is used,
//!   which a library should not do behind its caller's back; it panics inside that machinery
//!   when waiting fails (an `unwrap` on `try_wait`, which fails once another part of the
//!   program reaps children with `waitpid(-1)`); and it misses exits once a handler installed
//!   later replaces its own without chaining to it (or sets `SIGCHLD` to `SIG_IGN`), reporting
//!   a finished helper as timed out.
//! - `process_control` (5.x) waits without a signal handler, but its latest release (5.2)
//!   needs Rust 1.83 (our MSRV is 1.81), and it brings a proc-macro crate and about 1,900
//!   lines for this one wait.
//!
//! A helper runs once per registry and takes milliseconds to seconds: a few wake-ups are cheap,
//! and the loop is portable std code.

use std::borrow::ToOwned;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::string::String;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use std::vec::Vec;

use zeroize::Zeroize;

use crate::cred_helper::{
    CredentialResolver, HelperError, HelperRequest, Resolution, MAX_HELPER_OUTPUT,
};
use crate::credentials::Credentials;
use crate::docker_config::{DockerConfig, DockerConfigError, Keyed};

/// The largest config file read. Real ones are a few kilobytes; the bound keeps a
/// `REGISTRY_AUTH_FILE` that points at a device or a huge file from exhausting memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The most bytes of a helper's standard error kept: only its first line is ever shown.
const MAX_HELPER_STDERR: usize = 16 * 1024;

/// How long the output pipes may stay open once the helper is gone. What the helper wrote
/// before it exited is already in the pipe and drains in microseconds; only a descendant that
/// inherited the pipe (a daemon it started, a `sleep` in a script) keeps it open longer, and
/// what that writes is no part of the answer.
const DRAIN_GRACE: Duration = Duration::from_millis(250);

/// A host operation that failed: reading the config file, or running a credential helper.
#[non_exhaustive]
#[derive(Debug)]
pub enum HostError {
    /// A config file exists but cannot be read.
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// A config file is larger than [`MAX_CONFIG_BYTES`].
    ConfigTooLarge {
        /// The file.
        path: PathBuf,
    },
    /// A config file is not a valid config.
    ParseConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (never a secret).
        error: DockerConfigError,
    },
    /// A credential helper could not be started (typically: not installed on `PATH`).
    Spawn {
        /// The helper program.
        program: String,
        /// The reason.
        source: io::Error,
    },
    /// A credential helper ran, but its answer is unusable.
    Helper(HelperError),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::ReadConfig { path, source } => {
                write!(f, "cannot read docker config {}: {source}", path.display())
            }
            HostError::ConfigTooLarge { path } => write!(
                f,
                "docker config {} is larger than {MAX_CONFIG_BYTES} bytes",
                path.display()
            ),
            HostError::ParseConfig { path, error } => {
                write!(f, "invalid docker config {}: {error}", path.display())
            }
            HostError::Spawn { program, source } => {
                write!(f, "cannot run credential helper `{program}`: {source}")
            }
            HostError::Helper(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::ReadConfig { source, .. } | HostError::Spawn { source, .. } => Some(source),
            HostError::ParseConfig { error, .. } => Some(error),
            HostError::Helper(e) => Some(e),
            HostError::ConfigTooLarge { .. } => None,
        }
    }
}

impl From<HelperError> for HostError {
    fn from(e: HelperError) -> Self {
        HostError::Helper(e)
    }
}

/// Where Docker and Podman keep credentials, in the order they are asked, given an environment
/// lookup:
///
/// - when `$REGISTRY_AUTH_FILE` is set (Podman, Buildah, Skopeo: an explicit file), that file
///   and nothing else;
/// - otherwise, as Podman searches them:
///   1. `$XDG_RUNTIME_DIR/containers/auth.json` (where `podman login` writes);
///   2. `$XDG_CONFIG_HOME/containers/auth.json`, or `$HOME/.config/containers/auth.json`;
///   3. `$DOCKER_CONFIG/config.json` when `DOCKER_CONFIG` is set, else
///      `$HOME/.docker/config.json` (where `docker login` writes; Docker reads only this one).
///
/// Variables that are unset or empty count as unset. Docker's legacy `~/.dockercfg` is not
/// read. Taking the environment as a function keeps tests away from the process environment,
/// which is shared by every thread.
///
/// ```
/// use std::ffi::OsString;
/// use std::path::PathBuf;
/// use registry_auth::host::config_candidates_from;
///
/// let env = |name: &str| (name == "HOME").then(|| OsString::from("/home/alice"));
/// assert_eq!(
///     config_candidates_from(env),
///     [
///         PathBuf::from("/home/alice/.config/containers/auth.json"),
///         PathBuf::from("/home/alice/.docker/config.json"),
///     ]
/// );
/// ```
pub fn config_candidates_from(env: impl Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(file) = var("REGISTRY_AUTH_FILE") {
        return std::vec![file];
    }
    let home = var("HOME");
    let podman = |dir: PathBuf| dir.join("containers").join("auth.json");
    let mut candidates = Vec::with_capacity(3);
    candidates.extend(var("XDG_RUNTIME_DIR").map(podman));
    candidates.extend(
        var("XDG_CONFIG_HOME")
            .or_else(|| home.as_ref().map(|h| h.join(".config")))
            .map(podman),
    );
    candidates.extend(
        var("DOCKER_CONFIG")
            .or_else(|| home.map(|h| h.join(".docker")))
            .map(|d| d.join("config.json")),
    );
    candidates
}

/// [`config_candidates_from`] over the process environment.
pub fn config_candidates() -> Vec<PathBuf> {
    config_candidates_from(|name| std::env::var_os(name))
}

/// The config files found and read, and the config they make together.
///
/// `Debug` shows the paths, keys, user names and helper names; passwords and tokens print as
/// `<redacted>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedConfig {
    paths: Vec<PathBuf>,
    config: DockerConfig,
}

impl LoadedConfig {
    /// The files read, in the order they are asked; empty when none exists.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Whether no config file exists (the config is then empty: anonymous everywhere).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The files layered in order (see [`DockerConfig::with_fallback`]).
    pub fn config(&self) -> &DockerConfig {
        &self.config
    }

    /// The layered config, for a [`CredentialResolver`].
    pub fn into_config(self) -> DockerConfig {
        self.config
    }
}

/// Reads every one of [`config_candidates`] that exists and layers them, earlier files first
/// (see [`DockerConfig::with_fallback`]): a registry gets its answer from the first file that
/// has one, as with Podman.
///
/// Missing files are skipped; when none exists the result [`is_empty`](LoadedConfig::is_empty)
/// and its config is empty.
///
/// ```no_run
/// let loaded = registry_auth::host::load_config()?;
/// for path in loaded.paths() {
///     eprintln!("credentials from {}", path.display());
/// }
/// let config = loaded.into_config();
/// # let _ = config;
/// # Ok::<(), registry_auth::host::HostError>(())
/// ```
///
/// # Errors
/// [`HostError`] naming the file when an existing one cannot be read, is too large or is not
/// a valid config.
pub fn load_config() -> Result<LoadedConfig, HostError> {
    load_config_from(config_candidates())
}

/// [`load_config`] over the given candidates, in order.
///
/// # Errors
/// As [`load_config`].
pub fn load_config_from(
    candidates: impl IntoIterator<Item = PathBuf>,
) -> Result<LoadedConfig, HostError> {
    let mut paths = Vec::new();
    let mut layered: Option<DockerConfig> = None;
    for path in candidates {
        let Some(mut bytes) = read_bounded(&path)? else {
            continue;
        };
        let parsed = DockerConfig::parse(&bytes);
        bytes.zeroize();
        let config = match parsed {
            Ok(config) => config,
            Err(error) => return Err(HostError::ParseConfig { path, error }),
        };
        paths.push(path);
        layered = Some(match layered {
            None => config,
            Some(upper) => upper.with_fallback(config),
        });
    }
    Ok(LoadedConfig {
        paths,
        config: layered.unwrap_or_default(),
    })
}

fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, HostError> {
    let read_err = |source| HostError::ReadConfig {
        path: path.to_owned(),
        source,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_err(e)),
    };
    // Sized from the file's length, so that reading does not grow the buffer (each move would
    // leave a copy of the secrets behind); the caller wipes it.
    let expected = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_CONFIG_BYTES + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let read = file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes);
    if let Err(e) = read {
        bytes.zeroize();
        return Err(read_err(e));
    }
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        bytes.zeroize();
        return Err(HostError::ConfigTooLarge {
            path: path.to_owned(),
        });
    }
    Ok(Some(bytes))
}

/// What a credential helper did.
///
/// Standard output holds the secret: `Debug` shows only how many bytes each stream has, and
/// both are wiped when the value is dropped (move them out with `std::mem::take` to keep them,
/// and they are then yours to wipe).
///
/// ```
/// use registry_auth::host::HelperOutput;
///
/// let out = HelperOutput::new(Some(0), br#"{"Username":"u","Secret":"hunter2"}"#.to_vec(), Vec::new());
/// assert_eq!(
///     format!("{out:?}"),
///     "HelperOutput { exit_code: Some(0), stdout: <35 bytes redacted>, stderr: <0 bytes redacted>, timed_out: false }"
/// );
/// ```
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct HelperOutput {
    /// The exit code; `None` when it was killed (by [`HelperRunner`] after the timeout, or by a
    /// signal).
    pub exit_code: Option<i32>,
    /// Standard output, at most [`MAX_HELPER_OUTPUT`] + 1 bytes (the excess is read and
    /// dropped, so that a longer answer is recognisable without blocking the helper).
    pub stdout: Vec<u8>,
    /// Standard error, at most 16 KiB.
    pub stderr: Vec<u8>,
    /// Whether the runner killed the helper because it ran past the timeout.
    pub timed_out: bool,
}

impl HelperOutput {
    /// What a helper that exited by itself (`exit_code`, `None` for a signal) printed: for a
    /// driver that runs helpers its own way and hands the result to code written for
    /// [`HelperRunner::run`].
    pub fn new(exit_code: Option<i32>, stdout: Vec<u8>, stderr: Vec<u8>) -> Self {
        HelperOutput {
            exit_code,
            stdout,
            stderr,
            timed_out: false,
        }
    }
}

/// Prints a stream of a helper as its length only.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes redacted>", self.0)
    }
}

impl fmt::Debug for HelperOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelperOutput")
            .field("exit_code", &self.exit_code)
            .field("stdout", &Redacted(self.stdout.len()))
            .field("stderr", &Redacted(self.stderr.len()))
            .field("timed_out", &self.timed_out)
            .finish()
    }
}

impl Drop for HelperOutput {
    /// Wipes both streams: standard output is where the secret is, and a broken helper may
    /// print it on standard error too.
    fn drop(&mut self) {
        self.stdout.zeroize();
        self.stderr.zeroize();
    }
}

/// Runs credential helpers as child processes, with a timeout.
///
/// The helper gets `get` as its only argument and the server URL on standard input; nothing
/// secret is ever on a command line.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperRunner {
    /// How long a helper may run before it is killed. Helpers that prompt the user (a desktop
    /// keychain unlock) need seconds, not milliseconds.
    pub timeout: Duration,
    /// The `PATH` the helper is looked up in and runs with; `None` inherits the process's.
    pub path: Option<OsString>,
}

impl Default for HelperRunner {
    /// A 30 s timeout and the inherited `PATH`.
    fn default() -> Self {
        HelperRunner::new(Duration::from_secs(30))
    }
}

/// Reads a pipe to its end on a thread, keeping at most `limit` bytes, so that a chatty helper
/// never blocks on a full pipe while it is waited for.
struct Drain {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Drain {
    fn start(mut pipe: impl Read + Send + 'static, limit: usize) -> io::Result<Drain> {
        // Sized once: a buffer that grew would leave copies of the secret in the blocks it
        // moved out of.
        let buf = Arc::new(Mutex::new(Vec::with_capacity(limit)));
        let (tx, done) = mpsc::channel();
        let shared = Arc::clone(&buf);
        thread::Builder::new()
            .name("credential-helper-pipe".into())
            .spawn(move || {
                let mut chunk = [0u8; 8192];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut kept = shared.lock().unwrap_or_else(PoisonError::into_inner);
                            let room = limit.saturating_sub(kept.len());
                            kept.extend_from_slice(chunk.get(..n.min(room)).unwrap_or(&[]));
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                chunk.zeroize();
                let _ = tx.send(());
            })?;
        Ok(Drain { buf, done })
    }

    /// What was read by `until`. When a descendant of the helper still holds the pipe, the
    /// thread is left to finish alone once that process closes it.
    fn finish(self, until: Instant) -> Vec<u8> {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        let mut kept = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *kept)
    }
}

fn kill_and_reap(child: &mut Child) {
    // Errors mean it already exited; `wait` reaps it either way so no zombie is left.
    let _ = child.kill();
    let _ = child.wait();
}

impl HelperRunner {
    /// A runner with `timeout` and the inherited `PATH`.
    pub fn new(timeout: Duration) -> Self {
        HelperRunner {
            timeout,
            path: None,
        }
    }

    /// The same runner, looking helpers up in (and running them with) `path` as `PATH`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<OsString>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Runs the helper of `request` and collects what it did. On timeout the helper is killed
    /// and reaped, and the output has `exit_code: None` and `timed_out: true`.
    ///
    /// # Errors
    /// [`HostError::Spawn`] when the helper cannot be started or its output cannot be read.
    pub fn run(&self, request: &HelperRequest) -> Result<HelperOutput, HostError> {
        let spawn_err = |source| HostError::Spawn {
            program: request.program().into(),
            source,
        };
        let mut cmd = Command::new(request.program());
        cmd.args(request.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(path) = &self.path {
            cmd.env("PATH", path);
        }
        let started = Instant::now();
        // A timeout too large for the clock means no timeout worth the name: a year.
        let deadline = started
            .checked_add(self.timeout)
            .unwrap_or_else(|| started + Duration::from_secs(365 * 24 * 3600));
        let mut child = cmd.spawn().map_err(spawn_err)?;

        let drains = (|| {
            let out = child
                .stdout
                .take()
                .map(|p| Drain::start(p, MAX_HELPER_OUTPUT + 1));
            let err = child
                .stderr
                .take()
                .map(|p| Drain::start(p, MAX_HELPER_STDERR));
            Ok::<_, io::Error>((out.transpose()?, err.transpose()?))
        })();
        let (out, err) = match drains {
            Ok(d) => d,
            Err(e) => {
                kill_and_reap(&mut child);
                return Err(spawn_err(e));
            }
        };
        if let Some(mut stdin) = child.stdin.take() {
            // Written from its own thread: a server URL longer than the pipe buffer, sent to a
            // helper that never reads, would block here and escape the timeout. Once the helper
            // is gone (exited or killed) the write fails and the thread ends; a helper that
            // exits without reading tells the rest with its exit status.
            let input = request.stdin().as_bytes().to_vec();
            let writer = thread::Builder::new()
                .name("credential-helper-stdin".into())
                .spawn(move || {
                    let _ = stdin.write_all(&input);
                });
            if let Err(e) = writer {
                kill_and_reap(&mut child);
                return Err(spawn_err(e));
            }
        }

        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                Err(e) => {
                    kill_and_reap(&mut child);
                    return Err(spawn_err(e));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                kill_and_reap(&mut child);
                break None;
            }
            thread::sleep(pause.min(deadline.saturating_duration_since(now)));
            pause = (pause * 2).min(Duration::from_millis(25));
        };

        let drain_until = Instant::now() + DRAIN_GRACE;
        Ok(HelperOutput {
            exit_code: status.and_then(|s| s.code()),
            stdout: out.map(|d| d.finish(drain_until)).unwrap_or_default(),
            stderr: err.map(|d| d.finish(drain_until)).unwrap_or_default(),
            timed_out: status.is_none(),
        })
    }
}

/// Resolves `registry` with `resolver`, running a helper with `runner` when the config names
/// one.
///
/// # Errors
/// [`HostError::Spawn`] when the helper cannot be run, [`HostError::Helper`] when its answer is
/// unusable (a timeout included).
pub fn resolve_with(
    resolver: &mut CredentialResolver,
    runner: &HelperRunner,
    registry: &str,
) -> Result<Credentials, HostError> {
    match resolver.resolve(registry) {
        Resolution::Ready(c) => Ok(c),
        Resolution::RunHelper(request) => {
            let out = runner.run(&request)?;
            Ok(resolver.handle_output(&request, out.exit_code, &out.stdout, &out.stderr)?)
        }
    }
}

/// Resolves `repository` on `registry` with `resolver` (see
/// [`CredentialResolver::resolve_repository`]), running a helper with `runner` when the config
/// names one; the answer comes with the key to set it under in the machine.
///
/// ```no_run
/// use std::time::Duration;
/// use registry_auth::cred_helper::CredentialResolver;
/// use registry_auth::host::{load_config, resolve_repository_with, HelperRunner};
/// use registry_auth::{Authenticator, Config, Reference};
///
/// let image = Reference::parse("quay.io/org-a/app:1.0")?;
/// let mut resolver = CredentialResolver::new(load_config()?.into_config());
/// let runner = HelperRunner::new(Duration::from_secs(30));
/// let found = resolve_repository_with(&mut resolver, &runner, image.registry(), image.repository())?;
/// let mut auth = Authenticator::new(Config::default());
/// let (key, creds) = found.into_parts();
/// auth.set_credentials(&key, creds); // `quay.io/org-a` when that key answered
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`resolve_with`].
pub fn resolve_repository_with(
    resolver: &mut CredentialResolver,
    runner: &HelperRunner,
    registry: &str,
    repository: &str,
) -> Result<Keyed<Credentials>, HostError> {
    let (key, resolution) = resolver
        .resolve_repository(registry, repository)
        .into_parts();
    let creds = match resolution {
        Resolution::Ready(c) => c,
        Resolution::RunHelper(request) => {
            let out = runner.run(&request)?;
            resolver.handle_output(&request, out.exit_code, &out.stdout, &out.stderr)?
        }
    };
    Ok(Keyed::new(key, creds))
}
