//! Why a config file cannot be used: the key and field at fault, never a value.

use alloc::string::String;
use core::fmt;

use crate::server_text::clip_to;

/// The longest registry key an error message repeats.
const ERROR_ECHO: usize = 120;

/// A config file that cannot be used, naming the registry key and the field at fault but never
/// a value: the values are passwords and tokens.
///
/// ```
/// use registry_auth::docker_config::{DockerConfigErrorKind, DockerConfig};
///
/// let e = DockerConfig::parse(br#"{"auths":{"r.example.com":{"auth":"not base64!"}}}"#).unwrap_err();
/// assert_eq!(e.kind(), &DockerConfigErrorKind::BadBase64);
/// assert_eq!((e.key(), e.field()), (Some("r.example.com"), "auth"));
/// assert_eq!(e.to_string(), r#"docker config: field `auth` of auths entry "r.example.com" is not valid base64"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerConfigError {
    key: Option<String>,
    field: &'static str,
    kind: DockerConfigErrorKind,
}

/// What is wrong with a config file.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerConfigErrorKind {
    /// The bytes are not JSON, or the top level is not an object.
    NotJson {
        /// serde_json's description, with line and column (it never quotes the input).
        reason: String,
    },
    /// A field has the wrong JSON type.
    WrongType {
        /// The type expected: `"string"` or `"object"`.
        expected: &'static str,
    },
    /// `auth` is not base64.
    BadBase64,
    /// `auth` decodes to bytes that are not UTF-8.
    NotUtf8,
    /// `auth` decodes to text without the `:` between user name and password.
    MissingColon,
    /// A `credsStore` or `credHelpers` value that is empty or holds a path separator,
    /// whitespace or a control character: appended to `docker-credential-`, it would name a
    /// program outside `PATH` or break the command line.
    BadHelperName,
}

impl DockerConfigError {
    pub(super) fn new(key: Option<&str>, field: &'static str, kind: DockerConfigErrorKind) -> Self {
        let key = key.map(|k| clip_to(k, ERROR_ECHO));
        DockerConfigError { key, field, kind }
    }

    pub(super) fn wrong_type(
        key: Option<&str>,
        field: &'static str,
        expected: &'static str,
    ) -> Self {
        DockerConfigError::new(key, field, DockerConfigErrorKind::WrongType { expected })
    }

    /// The registry key of the `auths` or `credHelpers` entry at fault, if the error is in one
    /// (cut after 120 characters).
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The field at fault: `auth`, `username`, `password`, `identitytoken`, `registrytoken`,
    /// `auths`, `credsStore`, `credHelpers`, or `config` for the file as a whole.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong.
    pub fn kind(&self) -> &DockerConfigErrorKind {
        &self.kind
    }
}

impl fmt::Display for DockerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let DockerConfigErrorKind::NotJson { reason } = &self.kind {
            return write!(f, "docker config is not a json object: {reason}");
        }
        // Debug formatting escapes quotes and control characters in a hostile key.
        match (&self.key, self.field) {
            (Some(key), section @ ("auths" | "credHelpers")) => {
                write!(f, "docker config: {section} entry {key:?}")?;
            }
            (Some(key), field) => {
                write!(f, "docker config: field `{field}` of auths entry {key:?}")?;
            }
            (None, field) => write!(f, "docker config: field `{field}`")?,
        }
        match &self.kind {
            DockerConfigErrorKind::WrongType { expected } => write!(f, " is not a json {expected}"),
            DockerConfigErrorKind::BadBase64 => f.write_str(" is not valid base64"),
            DockerConfigErrorKind::NotUtf8 => f.write_str(" does not decode to utf-8 text"),
            DockerConfigErrorKind::MissingColon => {
                f.write_str(" does not decode to `username:password`")
            }
            DockerConfigErrorKind::BadHelperName => f.write_str(" is not a usable helper name"),
            DockerConfigErrorKind::NotJson { .. } => Ok(()),
        }
    }
}

impl core::error::Error for DockerConfigError {}
