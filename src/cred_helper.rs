//! The credential-helper protocol (`docker-credential-NAME get`), Sans-IO.
//!
//! A [`CredentialResolver`] answers "which credentials for this registry?" from a
//! [`DockerConfig`]. When the answer is in the file it is [`Resolution::Ready`]; when a helper
//! holds it, the resolver hands back a [`HelperRequest`] to run (program, arguments, standard
//! input) and reads the helper's output through [`CredentialResolver::handle_output`]. The
//! caller runs the process however it likes (the `host` feature's `HelperRunner` does it with
//! a timeout). Every answer, anonymous included, is cached for the resolver's life, so a helper
//! runs at most once per registry: some of them prompt the user or call a cloud API.
//!
//! ```
//! use registry_auth::cred_helper::{CredentialResolver, Resolution};
//! use registry_auth::docker_config::DockerConfig;
//! use registry_auth::Credentials;
//!
//! let config = DockerConfig::parse(br#"{"credsStore":"desktop"}"#)?;
//! let mut resolver = CredentialResolver::new(config);
//!
//! let Resolution::RunHelper(request) = resolver.resolve("ghcr.io") else { unreachable!() };
//! assert_eq!(request.program(), "docker-credential-desktop");
//! assert_eq!(request.args(), ["get"]);
//! assert_eq!(request.stdin(), "ghcr.io\n");
//!
//! // ... run it, then report what it did:
//! let stdout = br#"{"ServerURL":"ghcr.io","Username":"alice","Secret":"ghp_x"}"#;
//! let creds = resolver.handle_output(&request, Some(0), stdout, b"")?;
//! assert_eq!(creds, Credentials::basic("alice", "ghp_x"));
//!
//! // Cached: no second run.
//! assert!(matches!(resolver.resolve("ghcr.io"), Resolution::Ready(c) if c == creds));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value as Json;

use crate::credentials::Credentials;
use crate::docker_config::{DockerConfig, Keyed, Lookup};
use crate::registry_name::{credential_key, normalise};
use crate::secret::{Secret, WipedJson};
use crate::server_text::{clip_to, normalise as normalise_text};

/// The most bytes of standard output a helper's answer may have. A real answer is a user name
/// and a token of a few kilobytes; a driver should stop keeping output after this many bytes
/// plus one, so that [`CredentialResolver::handle_output`] can tell an overlong answer.
pub const MAX_HELPER_OUTPUT: usize = 64 * 1024;

/// The most characters of a helper's error message repeated in a [`HelperError`].
const MESSAGE_ECHO: usize = 200;

/// The `Username` with which a helper says that `Secret` is an identity token.
const TOKEN_USERNAME: &str = "<token>";

/// What docker-credential-helpers print (with a non-zero exit) when they hold nothing for the
/// server URL.
const NOT_FOUND: &[u8] = b"credentials not found in native keychain";

/// A credential helper to run: `program args...` with [`HelperRequest::stdin`] written to its
/// standard input and closed.
///
/// The secret never goes on the command line (visible to every user through `ps`): the only
/// argument is `get`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperRequest {
    program: String,
    server_url: String,
    stdin: String,
    registry: String,
}

impl HelperRequest {
    /// The program: `docker-credential-NAME`, to find on `PATH`.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The arguments: `get`, only.
    pub fn args(&self) -> &'static [&'static str] {
        &["get"]
    }

    /// What to write on the helper's standard input: the server URL and a newline (helpers trim
    /// it; shell-script helpers need it to `read` the line).
    pub fn stdin(&self) -> &str {
        &self.stdin
    }

    /// The server URL the helper is asked about.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The registry the answer is for, normalised (`docker.io` for Docker Hub): the key the
    /// answer is cached, and should be set in the machine, under. Helpers answer for a whole
    /// registry, so this never names a namespace.
    pub fn registry(&self) -> &str {
        &self.registry
    }
}

/// The answer of [`CredentialResolver::resolve`].
#[must_use]
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The credentials (possibly [`Credentials::Anonymous`]).
    Ready(Credentials),
    /// Run this helper and report its output to [`CredentialResolver::handle_output`].
    RunHelper(HelperRequest),
}

/// A credential helper that did not give an answer, naming the helper and the reason. Never
/// holds anything the helper printed on standard output except the fact that it was not
/// usable: that is where a secret would be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperError {
    program: String,
    kind: HelperErrorKind,
}

/// Why a credential helper's run gave no answer.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelperErrorKind {
    /// The helper did not exit by itself: it was killed, for example after a timeout.
    Killed,
    /// The helper exited with a non-zero status (other than "credentials not found").
    Failed {
        /// The exit status.
        exit_code: i32,
        /// The first line of its standard error, control characters removed, cut after 200
        /// characters; empty when it printed nothing there. Standard output is never quoted.
        message: String,
    },
    /// The helper printed more than [`MAX_HELPER_OUTPUT`] bytes.
    OutputTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The output is not a JSON object.
    NotJson {
        /// serde_json's description, with line and column (it never quotes the input).
        reason: String,
    },
    /// The output has no `Secret`.
    MissingSecret,
    /// A field of the output is not a string.
    WrongType {
        /// The field: `Username` or `Secret`.
        field: &'static str,
    },
}

impl HelperError {
    pub(crate) fn new(program: &str, kind: HelperErrorKind) -> Self {
        HelperError {
            program: program.to_owned(),
            kind,
        }
    }

    /// The helper program.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// What went wrong.
    pub fn kind(&self) -> &HelperErrorKind {
        &self.kind
    }
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credential helper `{}` ", self.program)?;
        match &self.kind {
            HelperErrorKind::Killed => f.write_str("did not finish: it timed out or was killed"),
            HelperErrorKind::Failed { exit_code, message } if message.is_empty() => {
                write!(f, "exited with status {exit_code}")
            }
            HelperErrorKind::Failed { exit_code, message } => {
                write!(f, "exited with status {exit_code}: {message}")
            }
            HelperErrorKind::OutputTooLarge { limit } => {
                write!(f, "printed more than {limit} bytes")
            }
            HelperErrorKind::NotJson { reason } => {
                write!(f, "printed something that is not a json object: {reason}")
            }
            HelperErrorKind::MissingSecret => f.write_str("printed no `Secret`"),
            HelperErrorKind::WrongType { field } => {
                write!(f, "printed a `{field}` that is not a string")
            }
        }
    }
}

impl core::error::Error for HelperError {}

/// The first line of `bytes`, as text fit for a one-line error message.
fn first_line(bytes: &[u8]) -> String {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|start| bytes.get(start..))
        .unwrap_or(&[]);
    let line = match memchr::memchr(b'\n', trimmed) {
        Some(end) => trimmed.get(..end).unwrap_or(trimmed),
        None => trimmed,
    };
    clip_to(
        &normalise_text(&String::from_utf8_lossy(line)),
        MESSAGE_ECHO,
    )
}

/// Reads a helper's JSON answer.
fn parse_answer(program: &str, stdout: &[u8]) -> Result<Credentials, HelperError> {
    let err = |kind| HelperError::new(program, kind);
    // Wiped on every way out: the parsed answer holds the secret.
    let json = WipedJson(serde_json::from_slice(stdout).map_err(|e| {
        err(HelperErrorKind::NotJson {
            reason: e.to_string(),
        })
    })?);
    let Json::Object(obj) = &json.0 else {
        return Err(err(HelperErrorKind::NotJson {
            reason: "the top level is not an object".into(),
        }));
    };
    let string = |field: &'static str| match obj.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(err(HelperErrorKind::WrongType { field })),
    };
    let username = string("Username")?.unwrap_or("");
    let secret = string("Secret")?.ok_or_else(|| err(HelperErrorKind::MissingSecret))?;
    Ok(if username == TOKEN_USERNAME {
        Credentials::IdentityToken {
            username: None,
            token: Secret::new(secret),
        }
    } else if username.is_empty() && secret.is_empty() {
        Credentials::Anonymous
    } else {
        Credentials::basic(username, secret)
    })
}

/// Resolves registries to credentials from a [`DockerConfig`], asking credential helpers
/// through [`HelperRequest`]s, and caches every answer.
///
/// Failures are not cached: resolving the registry again asks the helper again.
#[derive(Clone, Debug)]
pub struct CredentialResolver {
    config: DockerConfig,
    cache: Vec<(String, Credentials)>,
}

impl CredentialResolver {
    /// A resolver over `config`, with an empty cache.
    pub fn new(config: DockerConfig) -> Self {
        CredentialResolver {
            config,
            cache: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DockerConfig {
        &self.config
    }

    /// The credentials for `registry`, or the helper to run to get them. See
    /// [`DockerConfig::lookup`] for the order in which the config is consulted.
    pub fn resolve(&mut self, registry: &str) -> Resolution {
        let key = normalise(registry);
        if let Some((_, c)) = self.cache.iter().find(|(k, _)| *k == key) {
            return Resolution::Ready(c.clone());
        }
        self.answer(Keyed::new(key, self.config.lookup(registry)))
            .into_value()
    }

    /// The credentials for `repository` on `registry`, or the helper to run to get them, with
    /// the key they are filed under (`registry` or `registry/namespace`, see [`Keyed`]): the key
    /// to give [`Authenticator::set_credentials`](crate::Authenticator::set_credentials). See
    /// [`DockerConfig::lookup_repository`] for how Podman-style namespaced keys are chosen.
    /// Answers are cached per key.
    ///
    /// ```
    /// use registry_auth::cred_helper::{CredentialResolver, Resolution};
    /// use registry_auth::docker_config::DockerConfig;
    /// use registry_auth::Credentials;
    ///
    /// let config = DockerConfig::parse(br#"{"auths":{
    ///     "quay.io/org-a": {"auth":"YTpw"},
    ///     "quay.io": {"auth":"cTpw"}
    /// }}"#)?;
    /// let mut resolver = CredentialResolver::new(config);
    /// let found = resolver.resolve_repository("quay.io", "org-a/app");
    /// assert_eq!(found.key(), "quay.io/org-a");
    /// assert_eq!(found.value(), &Resolution::Ready(Credentials::basic("a", "p")));
    /// let found = resolver.resolve_repository("quay.io", "org-b/app");
    /// assert_eq!(found.key(), "quay.io");
    /// assert_eq!(found.value(), &Resolution::Ready(Credentials::basic("q", "p")));
    /// # Ok::<(), registry_auth::docker_config::DockerConfigError>(())
    /// ```
    pub fn resolve_repository(&mut self, registry: &str, repository: &str) -> Keyed<Resolution> {
        let found = self.config.lookup_repository(registry, repository);
        if let Some((_, c)) = self.cache.iter().find(|(k, _)| k == found.key()) {
            let c = c.clone();
            return found.map(|_| Resolution::Ready(c));
        }
        self.answer(found)
    }

    /// Turns a look-up into a resolution, caching what is ready under the key.
    fn answer(&mut self, found: Keyed<Lookup>) -> Keyed<Resolution> {
        let (key, lookup) = found.into_parts();
        let resolution = match lookup {
            Lookup::Helper {
                program,
                server_url,
            } => {
                let mut stdin = server_url.clone();
                stdin.push('\n');
                Resolution::RunHelper(HelperRequest {
                    program,
                    server_url,
                    stdin,
                    registry: key.clone(),
                })
            }
            Lookup::Credentials(c) => {
                self.remember(key.clone(), c.clone());
                Resolution::Ready(c)
            }
            Lookup::Anonymous => {
                self.remember(key.clone(), Credentials::Anonymous);
                Resolution::Ready(Credentials::Anonymous)
            }
        };
        Keyed::new(key, resolution)
    }

    /// Reads what the helper of `request` did: its exit code (`None` when it was killed, for
    /// example after a timeout), standard output and standard error.
    ///
    /// - exit 0 and `{"ServerURL","Username","Secret"}` on standard output: the credentials; a
    ///   `Username` of `<token>` makes `Secret` an identity token (username and secret both
    ///   empty mean anonymous);
    /// - a non-zero exit with `credentials not found in native keychain` in the output: the
    ///   helper holds nothing for the registry, so [`Credentials::Anonymous`];
    /// - anything else is a [`HelperError`].
    ///
    /// Answers are cached for [`HelperRequest::registry`].
    ///
    /// # Errors
    /// [`HelperError`] naming the helper and why its answer is unusable.
    pub fn handle_output(
        &mut self,
        request: &HelperRequest,
        exit_code: Option<i32>,
        stdout: &[u8],
        stderr: &[u8],
    ) -> Result<Credentials, HelperError> {
        let program = request.program();
        if stdout.len() > MAX_HELPER_OUTPUT {
            return Err(HelperError::new(
                program,
                HelperErrorKind::OutputTooLarge {
                    limit: MAX_HELPER_OUTPUT,
                },
            ));
        }
        let creds = match exit_code {
            None => return Err(HelperError::new(program, HelperErrorKind::Killed)),
            Some(0) => parse_answer(program, stdout)?,
            Some(_)
                if memchr::memmem::find(stdout, NOT_FOUND).is_some()
                    || memchr::memmem::find(stderr, NOT_FOUND).is_some() =>
            {
                Credentials::Anonymous
            }
            Some(code) => {
                // Only standard error is quoted. Go helpers print their errors on standard
                // output, but that is also where a secret is, in whatever shape a broken
                // helper chose: no filter can tell the two apart.
                return Err(HelperError::new(
                    program,
                    HelperErrorKind::Failed {
                        exit_code: code,
                        message: first_line(stderr),
                    },
                ));
            }
        };
        self.remember(request.registry.clone(), creds.clone());
        Ok(creds)
    }

    /// Drops the cached answer for `registry`, so that the next [`resolve`](Self::resolve)
    /// asks again: for example after the registry refused the credentials a helper gave.
    /// `registry` may be a key from [`resolve_repository`](Self::resolve_repository)
    /// (`quay.io/org-a`) to forget that namespace's answer alone.
    pub fn forget(&mut self, registry: &str) {
        let key = credential_key(registry);
        self.cache.retain(|(k, _)| *k != key);
    }

    fn remember(&mut self, key: String, creds: Credentials) {
        match self.cache.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => *c = creds,
            None => self.cache.push((key, creds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_is_trimmed_cleaned_and_clipped() {
        assert_eq!(
            first_line(b"\n  oops\x1b[31m red\r\nsecond"),
            "oops[31m red"
        );
        let long = [b'x'; 300];
        let shown = first_line(&long);
        assert_eq!(shown.len(), 203);
        assert!(shown.ends_with("..."));
        assert_eq!(first_line(b""), "");
    }
}
