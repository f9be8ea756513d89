//! Sans-IO authentication for Docker and OCI container registries.
//!
//! `registry-auth` decides everything about authenticating to a registry (what to send, which
//! header to apply, when a token is still good, what a response means, when to give up) and
//! does none of the I/O: the caller owns every socket, timer, file and process. It has two
//! halves:
//!
//! - [`challenge`]: a zero-copy parser for `WWW-Authenticate` (RFC 9110 section 11), over every
//!   challenge of every header value, with typed Bearer and Basic views.
//! - [`Authenticator`]: a state machine that is told what the caller wants to send and what came
//!   back, and answers with [`Action`]s.
//!
//! # Driving the machine
//!
//! Start a flow per request, then loop: poll, carry out the action, report what happened. The
//! rule is simple: **after every input, poll until the machine says `Done` or `Failed`**, doing
//! what each action says. A flow never needs more than a handful of actions (see
//! [`machine`]'s bounds).
//!
//! ```
//! use core::time::Duration;
//! use registry_auth::{Action, Authenticator, Config, Credentials, Request, Response};
//!
//! // A stand-in for your HTTP client: here it plays a registry and its token endpoint.
//! fn http(method: &str, url: &str, auth: Option<&str>) -> (u16, Vec<(&'static str, Vec<u8>)>, Vec<u8>) {
//!     match (method, url, auth) {
//!         ("GET", "https://registry.example.com/v2/team/app/manifests/1.0", None) => (401, vec![(
//!             "WWW-Authenticate",
//!             br#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull""#.to_vec(),
//!         )], vec![]),
//!         ("GET", u, Some(a)) if u.starts_with("https://auth.example.com/token?") && a.starts_with("Basic ") =>
//!             (200, vec![], br#"{"token":"t0k3n","expires_in":300}"#.to_vec()),
//!         ("GET", _, Some("Bearer t0k3n")) => (200, vec![], b"{}".to_vec()),
//!         _ => (500, vec![], vec![]),
//!     }
//! }
//!
//! let mut auth = Authenticator::new(Config::default());
//! auth.set_credentials("registry.example.com", Credentials::basic("alice", "s3cret"));
//! let url = "https://registry.example.com/v2/team/app/manifests/1.0";
//! let now = Duration::from_secs(1_000); // your monotonic clock
//!
//! let id = auth.start(Request::get(url), now)?;
//! let status = loop {
//!     match auth.poll(id) {
//!         Action::Send(send) => {
//!             let a = send.authorization().map(|a| a.expose());
//!             let (status, headers, body) = http(send.method().as_str(), send.url(), a);
//!             let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
//!             auth.handle_response(id, Response::new(status).headers(&headers).body(&body), now)?;
//!             if status < 300 { /* this response is the caller's answer once Done */ }
//!         }
//!         Action::FetchToken(req) => {
//!             let (status, headers, body) = http(req.method().as_str(), req.url(), req.authorization().map(|a| a.expose()));
//!             let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
//!             auth.handle_token_response(id, Response::new(status).headers(&headers).body(&body), now)?;
//!         }
//!         Action::Wait => { /* another flow fetches the token: poll again after its input */ }
//!         Action::Done => break "ok",
//!         Action::Failed(e) => return Err(e.into()),
//!         _ => unreachable!("actions are non-exhaustive"),
//!     }
//! };
//! assert_eq!(status, "ok");
//! // The next request for this repository reuses the cached token: no 401, no token request.
//! let id = auth.start(Request::get(url), now)?;
//! assert!(matches!(auth.poll(id), Action::Send(s) if s.authorization().is_some()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! - `std` (default): `std::time::Instant` as [`Now`].
//! - `http` (default): conversions from `http::Request`/`http::Response` heads, and
//!   `Authorization::to_header_value`, marked sensitive.
//! - `host` (default, implies `std`): the only part that touches the host, outside the Sans-IO
//!   core: find and read Docker and Podman config files, run `docker-credential-*` helpers with
//!   a timeout (module `host`).
//!
//! Without default features the crate is `#![no_std]` with `alloc`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod challenge;
pub mod cred_helper;
mod credentials;
pub mod docker_config;
pub mod drive;
mod error;
#[cfg(feature = "host")]
pub mod host;
mod internal_host;
pub mod machine;
mod origin;
mod query;
pub mod reference;
mod registry_name;
pub mod scope;
mod secret;
mod server_text;
pub mod token;

pub use cred_helper::CredentialResolver;
pub use credentials::Credentials;
pub use docker_config::DockerConfig;
pub use error::{Error, LimitKind, PolicyError, UrlRole, UsageError};
pub use machine::{
    Action, Authenticator, Config, FlowId, HeaderList, HeaderPair, Method, Now, Request, Response,
    SendRequest, TokenRequest,
};
pub use origin::UrlError;
pub use reference::Reference;
pub use scope::{Scope, ScopeSet};
pub use secret::{AuthScheme, Authorization, Secret};
