//! The driving loop, written once: run one request's whole flow over your HTTP stack.
//!
//! The machine is Sans-IO; something must carry out its [`Action`]s. The helpers here do it
//! for one request, given a transport that performs one HTTP exchange:
//!
//! - [`run`]: blocking. The transport implements [`Transport`] (or is a closure, with
//!   `std`): `fn exchange(&mut self, Exchange<'_>) -> Result<R, E>`.
//! - [`run_async`]: a future over an async transport ([`AsyncTransport`]), with no runtime
//!   of its own: the transport brings its runtime's sockets and timer.
//!
//! Both poll the flow, send the caller's request and the machine's token requests through the
//! transport, report every response (or the transport's failure, with
//! [`handle_send_failed`](crate::Authenticator::handle_send_failed)), wait when the machine
//! says [`Action::Wait`], and return the last response to the caller's request, or a
//! [`DriveError`]. A [`FlowGuard`] cancels the flow if they stop early (an error of the
//! transport, a dropped future, a panic), so no other flow waits for a token request that
//! will never be answered. Neither does I/O of its own, reads a clock, or spawns.
//!
//! # Sharing one authenticator
//! The helpers reach the [`Authenticator`](crate::Authenticator) through [`Access`]: `&mut Authenticator` for a
//! caller that runs one request at a time, or `&Mutex<Authenticator>` (also behind an `Arc`)
//! for tasks or threads that run many at once. The lock is taken for one machine call at a
//! time and never held across an exchange or an `.await`, so flows only wait for each other
//! where they share a token fetch, and then the machine wakes the waiting ones (see
//! [`Authenticator::set_waker`](crate::Authenticator::set_waker)) the moment the fetch ends.
//!
//! ```
//! use registry_auth::drive::{self, Exchange, OwnedResponse};
//! use registry_auth::{Authenticator, Config, Request};
//!
//! // Your HTTP stack: one exchange, the request as the machine wants it sent.
//! fn my_http(x: &Exchange<'_>) -> std::io::Result<OwnedResponse> {
//!     assert_eq!((x.method().as_str(), x.url()), ("GET", "https://registry.example.com/v2/"));
//!     Ok(OwnedResponse::new(200, vec![], b"{}".to_vec()))
//! }
//!
//! let mut auth = Authenticator::new(Config::default());
//! let mut transport = |x: Exchange<'_>| my_http(&x);
//! let answer = drive::run(&mut auth, Request::get("https://registry.example.com/v2/"), &mut transport)?;
//! assert_eq!(answer.status, 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The crate's [`manual`](crate::manual) tells what a transport must do (no redirects of its
//! own, the body on every send, bounded token bodies).

mod blocking;
mod exchange;
mod future;
mod guard;

pub use blocking::{run, Transport};
pub use exchange::{AsResponse, Exchange, OwnedResponse, ERROR_BODY_LIMIT};
pub use future::{run_async, AsyncTransport};
pub use guard::{Access, FlowGuard};

use core::fmt;
use core::time::Duration;

use crate::error::{Error, UsageError};
use crate::machine::{Action, Now};

/// Why a driven request did not come back with a response.
#[non_exhaustive]
#[derive(Debug)]
pub enum DriveError<E> {
    /// The machine ended the flow (or refused to start it): a policy refusal, rejected
    /// credentials, a token endpoint's error, a bound.
    Auth(Error),
    /// The transport failed an exchange (the flow was reported failed and has ended).
    Transport(E),
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Auth(e) => fmt::Display::fmt(e, f),
            DriveError::Transport(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            DriveError::Auth(e) => Some(e),
            DriveError::Transport(e) => Some(e),
        }
    }
}

impl<E> From<Error> for DriveError<E> {
    fn from(e: Error) -> Self {
        DriveError::Auth(e)
    }
}

/// What the drive loop keeps between actions, and the steps the blocking and the async
/// helper share (they differ only in how they wait for the transport).
struct Progress<R, E> {
    /// The last response to the caller's request: the answer once the machine says `Done`.
    last: Option<R>,
    /// The transport's own error behind a `SendFailed`.
    transport_error: Option<E>,
}

impl<R: AsResponse, E> Progress<R, E> {
    fn new() -> Self {
        Progress {
            last: None,
            transport_error: None,
        }
    }

    /// The exchange an action asks for, if any.
    fn exchange<'a, A: Access>(
        action: &'a Action,
        flow: &mut FlowGuard<A>,
    ) -> Option<Exchange<'a>> {
        match action {
            Action::Send(send) => Some(Exchange::send(send)),
            Action::FetchToken(request) => {
                let limit = flow.with(|a| a.config().get_token_limits().read_limit());
                Some(Exchange::token(request, limit))
            }
            _ => None,
        }
    }

    /// Reports what an exchange gave: the response, or the transport's failure.
    // `DriveError::Auth` holds the crate's `Error` unboxed, so that callers can match on it;
    // errors are the rare path.
    #[allow(clippy::result_large_err)]
    fn report<A: Access>(
        &mut self,
        flow: &mut FlowGuard<A>,
        token_request: bool,
        outcome: Result<R, E>,
        now: Now,
    ) -> Result<(), DriveError<E>> {
        let reported = match outcome {
            Ok(response) if token_request => {
                flow.handle_token_response(response.as_response(), now)
            }
            Ok(response) => {
                let reported = flow.handle_response(response.as_response(), now);
                self.last = Some(response);
                reported
            }
            Err(e) => {
                self.transport_error = Some(e);
                flow.handle_send_failed(now)
            }
        };
        reported.map_err(|e| {
            DriveError::Auth(match e {
                UsageError::UnknownFlow => Error::UnknownFlow,
                _ => Error::Internal("the drive helper reported a response out of turn"),
            })
        })
    }

    /// The end of the drive for `Done` and `Failed`; `None` to go on.
    fn settle(&mut self, action: Action) -> Option<Result<R, DriveError<E>>> {
        Some(match action {
            Action::Done => self.last.take().ok_or(DriveError::Auth(Error::Internal(
                "the flow was done before any response",
            ))),
            Action::Failed(Error::SendFailed) => match self.transport_error.take() {
                Some(e) => Err(DriveError::Transport(e)),
                None => Err(DriveError::Auth(Error::SendFailed)),
            },
            Action::Failed(e) => Err(DriveError::Auth(e)),
            Action::Send(_) | Action::FetchToken(_) | Action::Wait => return None,
        })
    }
}

/// How long to wait for the token request a flow waits on before telling the machine the
/// time: until the machine presumes it lost.
fn wait_timeout<A: Access>(flow: &mut FlowGuard<A>, now: Now) -> Duration {
    let (deadline, fallback) = flow.with(|a| (a.poll_timeout(), a.config().get_fetch_timeout()));
    deadline.map_or(fallback, |at| now.duration_until(at))
}
