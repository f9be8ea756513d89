//! Image references: `[registry[:port]/]repository[:tag][@digest]`.
//!
//! The grammar is the distribution project's (the one `docker pull` and every OCI tool accept),
//! with Docker Hub's normalisation applied, so that a [`Reference`] always names its registry,
//! its full repository path and what to fetch:
//!
//! | written                          | registry         | repository        | tag      |
//! |----------------------------------|------------------|-------------------|----------|
//! | `alpine`                         | `docker.io`      | `library/alpine`  | `latest` |
//! | `bitnami/redis:7.2`              | `docker.io`      | `bitnami/redis`   | `7.2`    |
//! | `index.docker.io/alpine`         | `docker.io`      | `library/alpine`  | `latest` |
//! | `localhost:5000/team/app@sha256:…` | `localhost:5000` | `team/app`      | none     |
//! | `Team/app`                       | `Team`           | `app`             | `latest` |
//!
//! The first path component is a registry when it holds a `.` or a `:`, is `localhost`, or is
//! not all lowercase, as in distribution's `splitDockerDomain`: `team/app` is a Docker Hub
//! repository, while `team.example.com/app` and `Team/app` name the registries
//! `team.example.com` and `Team`. The repository path is always lowercase: `Alpine`
//! (`docker.io/library/Alpine`) and `Team/App` are refused ("repository name must be
//! lowercase"). Docker Hub's aliases `index.docker.io` and `registry-1.docker.io` are
//! recognised without regard to case; other registry hosts keep the case they were written in.
//!
//! Two more rules come from distribution's `ParseNormalizedNamed` and the `go-digest` package
//! it validates digests with:
//!
//! - An input that is exactly 64 lowercase hex digits is refused: Docker reads it as an image
//!   ID, not a name. With anything around it (`docker.io/library/<hex>`, `<hex>:tag`) it is an
//!   ordinary repository name.
//! - A digest is `algorithm:hex` with a registered algorithm and its exact length in lowercase
//!   hex: `sha256` (64 digits), `sha384` (96) or `sha512` (128). Other algorithms that fit the
//!   grammar, including `SHA256`, are refused as unsupported.
//!
//! ```
//! use registry_auth::reference::Reference;
//!
//! let r: Reference = "alpine".parse()?;
//! assert_eq!(r.registry(), "docker.io");
//! assert_eq!(r.api_host(), "registry-1.docker.io");
//! assert_eq!(r.repository(), "library/alpine");
//! assert_eq!(r.tag(), Some("latest"));
//! assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
//! assert_eq!(r.manifest_reference(), "latest");
//! assert_eq!(r.pull_scope().to_string(), "repository:library/alpine:pull");
//!
//! // Not all lowercase, so a registry host, not a Docker Hub namespace.
//! let r: Reference = "Team/app".parse()?;
//! assert_eq!((r.registry(), r.repository()), ("Team", "app"));
//! # Ok::<(), registry_auth::reference::ReferenceError>(())
//! ```

use alloc::format;
use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use crate::registry_name::{is_docker_hub, DOCKER_HUB, DOCKER_HUB_API};
use crate::scope::Scope;
use crate::server_text::clip_to;

/// The longest input an error message repeats; longer inputs are cut with `...`.
const ERROR_ECHO: usize = 120;

/// The longest name (registry, `/`, repository) distribution accepts.
pub const NAME_MAX_LEN: usize = 255;

/// The longest tag: one word character and up to 127 more.
pub const TAG_MAX_LEN: usize = 128;

/// Single-component Hub repositories live under this namespace.
const OFFICIAL_PREFIX: &str = "library/";

/// An image reference that does not follow the grammar, with the offending input.
///
/// ```
/// use registry_auth::reference::{Reference, ReferenceErrorKind};
///
/// let e = Reference::parse("team/App").unwrap_err();
/// assert_eq!(e.kind(), ReferenceErrorKind::UppercaseName);
/// assert_eq!(
///     e.to_string(),
///     r#"invalid image reference "team/App": repository name must be lowercase"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceError {
    input: String,
    kind: ReferenceErrorKind,
}

/// What is wrong with an image reference.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferenceErrorKind {
    /// The reference is the empty string.
    Empty,
    /// The registry part is not `host[:port]` (DNS-style labels or a bracketed IPv6 address,
    /// and digits for the port).
    InvalidDomain,
    /// The repository is empty or has a component that is not lowercase letters and digits
    /// joined by `.`, `_`, `__` or runs of `-`: empty components (`a//b`, `a/`), separators at
    /// either end (`a-`, `_a`), other characters.
    InvalidName,
    /// The repository would be valid in lowercase: distribution refuses uppercase names.
    /// (An uppercase *first* component followed by `/` is a registry host, not part of the
    /// repository: `Team/app` is valid, `Team/App` and `Alpine` are not.)
    UppercaseName,
    /// The whole reference is 64 lowercase hex digits, which Docker reads as an image ID:
    /// distribution refuses it as a name ("cannot specify 64-byte hexadecimal strings").
    HexName,
    /// Registry and repository together are longer than [`NAME_MAX_LEN`] bytes.
    NameTooLong,
    /// The tag is not a word character followed by up to 127 word characters, `.` or `-`.
    InvalidTag,
    /// The digest is not `algorithm:hex` (at least 32 hex digits), or a `sha256`, `sha384` or
    /// `sha512` digest does not have exactly 64, 96 or 128 lowercase hex digits.
    InvalidDigest,
    /// The digest fits the grammar but its algorithm is not one `go-digest` registers:
    /// `sha256`, `sha384` or `sha512`, in lowercase.
    UnsupportedDigest,
}

impl ReferenceError {
    fn new(input: &str, kind: ReferenceErrorKind) -> Self {
        ReferenceError {
            input: clip_to(input, ERROR_ECHO),
            kind,
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ReferenceErrorKind {
        self.kind
    }

    /// The offending input (cut after 120 characters).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ReferenceErrorKind::Empty => "reference is empty",
            ReferenceErrorKind::InvalidDomain => "invalid registry host or port",
            ReferenceErrorKind::InvalidName => "invalid repository name",
            ReferenceErrorKind::UppercaseName => "repository name must be lowercase",
            ReferenceErrorKind::HexName => {
                "a 64-character hexadecimal string is an image id, not a repository name"
            }
            ReferenceErrorKind::NameTooLong => {
                "registry and repository name longer than 255 characters"
            }
            ReferenceErrorKind::InvalidTag => "invalid tag",
            ReferenceErrorKind::InvalidDigest => "invalid digest",
            ReferenceErrorKind::UnsupportedDigest => {
                "unsupported digest algorithm (expected sha256, sha384 or sha512)"
            }
        };
        // Debug formatting escapes quotes and control characters, keeping the message one line.
        write!(f, "invalid image reference {:?}: {what}", self.input)
    }
}

impl core::error::Error for ReferenceError {}

/// A parsed, normalised image reference.
///
/// Always has a registry and a full repository path, and at least one of tag and digest
/// (`latest` when neither was written). [`Display`](fmt::Display) prints the normalised form,
/// which parses back to an equal `Reference`:
///
/// ```
/// use registry_auth::reference::Reference;
///
/// let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
/// let r = Reference::parse(&format!("r.example.com:5000/a/b:v1@{digest}"))?;
/// assert_eq!(r.registry(), "r.example.com:5000");
/// assert_eq!(r.api_host(), "r.example.com:5000");
/// assert_eq!((r.tag(), r.digest()), (Some("v1"), Some(digest)));
/// // The digest is what gets fetched: it pins the content, the tag is informational.
/// assert_eq!(r.manifest_reference(), digest);
/// assert_eq!(Reference::parse(&r.to_string())?, r);
/// # Ok::<(), registry_auth::reference::ReferenceError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses and normalises `[registry[:port]/]repository[:tag][@digest]`.
    ///
    /// Total: any string gives a `Reference` or a [`ReferenceError`], in time linear in its
    /// length.
    ///
    /// # Errors
    /// [`ReferenceError`] with the input and the [`ReferenceErrorKind`] at fault.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        let err = |kind| ReferenceError::new(input, kind);
        if input.is_empty() {
            return Err(err(ReferenceErrorKind::Empty));
        }
        // distribution's `anchoredIdentifierRegexp`, `^[a-f0-9]{64}$`, on the whole input.
        if input.len() == 64 && input.bytes().all(is_lower_hex) {
            return Err(err(ReferenceErrorKind::HexName));
        }
        let (name_tag, digest) = match input.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (input, None),
        };
        if let Some(Err(kind)) = digest.map(check_digest) {
            return Err(err(kind));
        }
        // A tag's colon follows the last slash; an earlier colon is the registry's port.
        let (name, tag) = match name_tag.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t)),
            _ => (name_tag, None),
        };
        if tag.is_some_and(|t| !is_tag(t)) {
            return Err(err(ReferenceErrorKind::InvalidTag));
        }
        if name.is_empty() {
            return Err(err(ReferenceErrorKind::InvalidName));
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, rest)) if is_registry_component(first) => (Some(first), rest),
            _ => (None, name),
        };
        if domain.is_some_and(|d| !is_domain(d)) {
            return Err(err(ReferenceErrorKind::InvalidDomain));
        }
        if !path.split('/').all(|c| is_path_component(c, false)) {
            let kind = if path.split('/').all(|c| is_path_component(c, true)) {
                ReferenceErrorKind::UppercaseName
            } else {
                ReferenceErrorKind::InvalidName
            };
            return Err(err(kind));
        }
        let registry = match domain {
            None => DOCKER_HUB,
            Some(d) if is_docker_hub(d) => DOCKER_HUB,
            Some(d) => d,
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("{OFFICIAL_PREFIX}{path}")
        } else {
            String::from(path)
        };
        // Measured after normalisation, so that every `Reference` prints to a string that
        // parses again.
        if registry.len() + 1 + repository.len() > NAME_MAX_LEN {
            return Err(err(ReferenceErrorKind::NameTooLong));
        }
        let tag = match (tag, digest) {
            (None, None) => Some("latest"),
            (t, _) => t,
        };
        Ok(Reference {
            registry: String::from(registry),
            repository,
            tag: tag.map(String::from),
            digest: digest.map(String::from),
        })
    }

    /// The registry: `docker.io` for Docker Hub, otherwise `host[:port]` as written.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The host to send registry API requests to: `registry-1.docker.io` for Docker Hub,
    /// otherwise the registry.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// The repository path, `library/` included for official Docker Hub images.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag: as written, `latest` when neither tag nor digest was written, `None` for a
    /// reference by digest alone.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`algorithm:hex`), if one was written.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// What a manifest request names (`/v2/<repository>/manifests/<this>`): the digest when
    /// there is one (it pins the content), otherwise the tag. Every part of a reference is from
    /// its grammar, which holds no character a URL path would need to escape.
    ///
    /// ```
    /// use registry_auth::reference::Reference;
    ///
    /// let r = Reference::parse("localhost:5000/team/app:1.0")?;
    /// let url = format!("http://{}/v2/{}/manifests/{}", r.api_host(), r.repository(), r.manifest_reference());
    /// assert_eq!(url, "http://localhost:5000/v2/team/app/manifests/1.0");
    /// # Ok::<(), registry_auth::reference::ReferenceError>(())
    /// ```
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// `repository:<repository>:pull`, the scope needed to read the image.
    pub fn pull_scope(&self) -> Scope {
        self.scope(&["pull"])
    }

    /// `repository:<repository>:pull,push`, the scope needed to write the image.
    pub fn push_scope(&self) -> Scope {
        self.scope(&["pull", "push"])
    }

    // A parsed repository holds only `[a-z0-9._/-]`, all of which a scope name admits, and
    // the actions are constants: this cannot fail on any input (the property tests check it).
    #[allow(clippy::expect_used)]
    fn scope(&self, actions: &[&str]) -> Scope {
        Scope::repository(&self.repository, actions.iter().copied())
            .expect("a parsed repository is a valid scope name")
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse(s)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether the first of several path components names a registry, per distribution's
/// `splitDockerDomain`: it holds a `.` or a `:`, is `localhost`, or lowercasing would change it
/// (Go's `strings.ToLower(c) != c`, so any uppercase letter, ASCII or not).
fn is_registry_component(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first
            .chars()
            .any(|c| !c.to_lowercase().eq(core::iter::once(c)))
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(c: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    let b = c.as_bytes();
    b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
}

/// `host[:port]`, host being DNS-style components joined by `.` or `[IPv6]`.
fn is_domain(d: &str) -> bool {
    if let Some(rest) = d.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        let v6_ok = !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        return v6_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(is_port));
    }
    let (host, port) = match d.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    host.split('.').all(is_domain_component) && port.map_or(true, is_port)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`; with `any_case`, uppercase letters count as
/// alphanumerics too, to tell an uppercase name from a malformed one.
fn is_path_component(c: &str, any_case: bool) -> bool {
    let alnum = |b: u8| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || (any_case && b.is_ascii_uppercase())
    };
    // The separator run in progress: its byte and length. `None` after an alphanumeric.
    let mut run: Option<(u8, usize)> = None;
    let mut seen_alnum = false;
    for b in c.bytes() {
        if alnum(b) {
            if let Some((sep, n)) = run.take() {
                let ok = match sep {
                    b'.' => n == 1,
                    b'_' => n <= 2,
                    _ => true, // any run of `-`
                };
                if !ok {
                    return false;
                }
            }
            seen_alnum = true;
        } else if matches!(b, b'.' | b'_' | b'-') {
            if !seen_alnum {
                return false;
            }
            run = match run {
                None => Some((b, 1)),
                Some((sep, n)) if sep == b => Some((sep, n + 1)),
                Some(_) => return false, // mixed separators such as `._`
            };
        } else {
            return false;
        }
    }
    seen_alnum && run.is_none()
}

/// `[\w][\w.-]{0,127}`
fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    t.len() <= TAG_MAX_LEN
        && t.bytes().next().is_some_and(word)
        && t.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// `[a-f0-9]`: the only hex digits `go-digest` accepts in a registered algorithm's digest.
fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// The digest grammar of distribution's reference parser, then `go-digest`'s validation.
///
/// Grammar: `algorithm:encoded`, algorithm components `[A-Za-z][A-Za-z0-9]*` separated by one
/// of `+._-`, encoded `[a-fA-F0-9]{32,}`; anything else is [`ReferenceErrorKind::InvalidDigest`].
/// Then only the registered algorithms pass, each with its exact length in lowercase hex
/// (a wrong length or case is `InvalidDigest`); any other algorithm, `SHA256` included, is
/// [`ReferenceErrorKind::UnsupportedDigest`].
fn check_digest(d: &str) -> Result<(), ReferenceErrorKind> {
    let Some((algorithm, encoded)) = d.split_once(':') else {
        return Err(ReferenceErrorKind::InvalidDigest);
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|c| {
        c.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && c.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    let encoded_ok = encoded.len() >= 32 && encoded.bytes().all(|b| b.is_ascii_hexdigit());
    if !(algorithm_ok && encoded_ok) {
        return Err(ReferenceErrorKind::InvalidDigest);
    }
    let hex_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ReferenceErrorKind::UnsupportedDigest),
    };
    if encoded.len() == hex_len && encoded.bytes().all(is_lower_hex) {
        Ok(())
    } else {
        Err(ReferenceErrorKind::InvalidDigest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components_follow_the_separator_rules() {
        for ok in ["a", "a.b", "a_b", "a__b", "a-b", "a---b", "a0.b1_c2__d3-e4"] {
            assert!(is_path_component(ok, false), "{ok}");
        }
        for bad in [
            "", ".a", "a.", "a..b", "a___b", "a._b", "a-_b", "A", "a b", "é",
        ] {
            assert!(!is_path_component(bad, false), "{bad}");
        }
        assert!(is_path_component("Abc", true));
    }

    #[test]
    fn first_components_are_registries_when_dotted_ported_localhost_or_not_lowercase() {
        for registry in [
            "a.b",
            "a:1",
            "localhost",
            "Team",
            "LOCALHOST",
            "aB",
            "Ä",
            "Σ",
        ] {
            assert!(is_registry_component(registry), "{registry}");
        }
        for namespace in ["team", "a_b", "a-b", "0", "ä", "localhost_"] {
            assert!(!is_registry_component(namespace), "{namespace}");
        }
    }

    #[test]
    fn digests_need_a_registered_algorithm_with_its_exact_lowercase_length() {
        use ReferenceErrorKind::{InvalidDigest, UnsupportedDigest};
        let hex = |n: usize| String::from(&"0123456789abcdef".repeat(9)[..n]);
        for (algorithm, n) in [("sha256", 64), ("sha384", 96), ("sha512", 128)] {
            assert_eq!(check_digest(&format!("{algorithm}:{}", hex(n))), Ok(()));
            for wrong in [32, n - 1, n + 1] {
                let d = format!("{algorithm}:{}", hex(wrong));
                assert_eq!(check_digest(&d), Err(InvalidDigest), "{d}");
            }
            let upper = format!("{algorithm}:{}", hex(n).to_ascii_uppercase());
            assert_eq!(check_digest(&upper), Err(InvalidDigest), "{upper}");
            let shouted = format!("{}:{}", algorithm.to_ascii_uppercase(), hex(n));
            assert_eq!(check_digest(&shouted), Err(UnsupportedDigest), "{shouted}");
        }
        for unsupported in ["md5", "blake3", "sha1", "foo+bar.v1", "Sha256"] {
            let d = format!("{unsupported}:{}", hex(32));
            assert_eq!(check_digest(&d), Err(UnsupportedDigest), "{d}");
        }
        // Outside the grammar: no colon, short or non-hex encoding, malformed algorithm.
        let bad = [
            String::from("sha256"),
            String::from("sha256:"),
            format!("md5:{}", hex(31)),
            format!("md5:{}", "g".repeat(32)),
            format!(":{}", hex(64)),
            format!("1sha:{}", hex(32)),
            format!("sha+:{}", hex(32)),
            format!("sha256:{}:", hex(64)),
        ];
        for d in &bad {
            assert_eq!(check_digest(d), Err(InvalidDigest), "{d}");
        }
    }

    #[test]
    fn domains_are_labels_or_bracketed_ipv6_with_an_optional_port() {
        for ok in [
            "a.b",
            "a-b.c:5000",
            "localhost",
            "[::1]",
            "[fe80::1]:443",
            "1.2.3.4:80",
        ] {
            assert!(is_domain(ok), "{ok}");
        }
        for bad in [
            "", "a..b", "-a.b", "a-.b", "a.b:", "a.b:x", "[]", "[::1", "[::1]x", "[g::]",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }
}
