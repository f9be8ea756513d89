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
//! [`drive::run`] runs one request's whole flow over your HTTP stack: give it a transport
//! that performs one HTTP exchange, and it returns the registry's answer. Here the stack is
//! a stand-in playing a registry and its token endpoint:
//!
//! ```
//! use registry_auth::drive::{self, Exchange, OwnedResponse};
//! use registry_auth::{Authenticator, Config, Credentials, Request};
//!
//! fn my_http(x: &Exchange<'_>) -> std::io::Result<OwnedResponse> {
//!     let auth = x.authorization().map(|a| a.expose());
//!     Ok(match (x.url(), auth) {
//!         (u, Some(a)) if u.starts_with("https://auth.example.com/token?") && a.starts_with("Basic ") => {
//!             OwnedResponse::new(200, vec![], br#"{"token":"t0k3n","expires_in":300}"#.to_vec())
//!         }
//!         (_, Some("Bearer t0k3n")) => OwnedResponse::new(200, vec![], b"{}".to_vec()),
//!         _ => OwnedResponse::new(401, vec![(
//!             "WWW-Authenticate".into(),
//!             br#"Bearer realm="https://auth.example.com/token",service="registry.example.com""#.to_vec(),
//!         )], vec![]),
//!     })
//! }
//!
//! let mut auth = Authenticator::new(Config::default());
//! auth.set_credentials("registry.example.com", Credentials::basic("alice", "s3cret"));
//! let url = "https://registry.example.com/v2/team/app/manifests/1.0";
//! let mut transport = |x: Exchange<'_>| my_http(&x);
//! let answer = drive::run(&mut auth, Request::get(url), &mut transport)?;
//! assert_eq!(answer.status, 200);
//! // The next request for this repository reuses the cached token: no 401, no token request.
//! assert_eq!(auth.cached_tokens(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`drive::run_async`] does the same over an async stack, with no runtime of its own, for
//! tasks that share one authenticator behind a `Mutex`. The [`manual`] says what a transport
//! must do: follow no redirect, send the body on every send, bound token bodies.
//!
//! # The loop by hand
//!
//! A driver that keeps its own loop starts a flow per request, then polls, carries out the
//! action and reports what happened. The rule: **after every input, poll until the machine
//! says `Done` or `Failed`, and answer every `Send` and `FetchToken` with a response or
//! [`handle_send_failed`](Authenticator::handle_send_failed)** (or
//! [`cancel`](Authenticator::cancel) the flow; a [`drive::FlowGuard`] does it on drop). A
//! flow never needs more than a handful of actions (see [`machine`]'s bounds).
//!
//! ```
//! use core::time::Duration;
//! use registry_auth::{Action, Authenticator, Config, Credentials, Now, Request, Response};
//!
//! /// Your HTTP stack: status, headers and body, or a transport error.
//! type Answer = std::io::Result<(u16, Vec<(String, Vec<u8>)>, Vec<u8>)>;
//!
//! // A stand-in for it: here it plays a registry and its token endpoint.
//! fn http(method: &str, url: &str, auth: Option<&str>, body: Option<&[u8]>) -> Answer {
//!     let challenge = br#"Bearer realm="https://auth.example.com/token",service="registry.example.com""#;
//!     let _ = (method, body);
//!     Ok(match (url, auth) {
//!         (u, Some(a)) if u.starts_with("https://auth.example.com/token?") && a.starts_with("Basic ") =>
//!             (200, vec![], br#"{"token":"t0k3n","expires_in":300}"#.to_vec()),
//!         (_, Some("Bearer t0k3n")) => (200, vec![], b"{}".to_vec()),
//!         _ => (401, vec![("WWW-Authenticate".into(), challenge.to_vec())], vec![]),
//!     })
//! }
//!
//! let mut auth = Authenticator::new(Config::default());
//! auth.set_credentials("registry.example.com", Credentials::basic("alice", "s3cret"));
//! let url = "https://registry.example.com/v2/team/app/manifests/1.0";
//! let now = || Duration::from_secs(1_000); // your monotonic clock
//! let request_body: Option<&[u8]> = None;  // sent again on every Send
//!
//! let id = auth.start(Request::get(url), now())?;
//! let mut answer = None;
//! loop {
//!     match auth.poll(id) {
//!         Action::Send(send) => {
//!             let a = send.authorization().map(|a| a.expose());
//!             match http(send.method().as_str(), send.url(), a, request_body) {
//!                 Ok((status, headers, body)) => {
//!                     auth.handle_response(id, Response::new(status).headers(&headers).body(&body), now())?;
//!                     answer = Some((status, body)); // the caller's answer once Done
//!                 }
//!                 // Report a failed send, never `?` past it: other flows may wait for this one.
//!                 Err(_) => auth.handle_send_failed(id, now())?,
//!             }
//!         }
//!         Action::FetchToken(req) => {
//!             let a = req.authorization().map(|a| a.expose());
//!             match http(req.method().as_str(), req.url(), a, req.body()) {
//!                 // Read at most `auth.config().get_token_limits().read_limit()` body bytes.
//!                 Ok((status, headers, body)) => {
//!                     auth.handle_token_response(id, Response::new(status).headers(&headers).body(&body), now())?
//!                 }
//!                 Err(_) => auth.handle_send_failed(id, now())?,
//!             }
//!         }
//!         // Only flows that run at once wait, for another's token request: poll again when
//!         // `poll_woken` names this flow, or at `poll_timeout` (a request presumed lost).
//!         Action::Wait => {
//!             let at = auth.poll_timeout().unwrap_or(now().into());
//!             std::thread::sleep(Now::from(now()).duration_until(at));
//!             auth.handle_timeout(now());
//!         }
//!         Action::Done => break,
//!         Action::Failed(e) => return Err(e.into()),
//!         _ => unreachable!("actions are non-exhaustive"),
//!     }
//! }
//! assert_eq!(answer.map(|(status, _)| status), Some(200));
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
//! Without default features the crate is `#![no_std]` with `alloc`; an embedded stack that
//! wants neither the `host` helpers nor `http` takes `default-features = false, features =
//! ["std"]` (see the [`manual`]).
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
pub mod manual;
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

/// The README's code, compiled and run as doc tests, so the loop it shows is one that works.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
