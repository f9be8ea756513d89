//! What goes into the machine (the caller's request, responses, the time) and what comes out
//! (actions). These are the no_std core's own small types; with the `http` feature they convert
//! from and to the `http` crate's.

#[cfg(feature = "http")]
mod http_conv;
mod outbound;
mod request;
mod response;

use core::time::Duration;

pub(crate) use outbound::Form;
pub use outbound::{SendRequest, TokenRequest};
pub(crate) use request::Target;
pub use request::{Method, Request};
pub(crate) use response::ResponseView;
pub use response::{HeaderList, HeaderPair, Response};

use crate::error::Error;

/// The time, as the caller's monotonic clock tells it. The machine never reads a clock.
///
/// Pass either the time elapsed since any fixed point of your choosing (`Duration`), or, with
/// the `std` feature, a `std::time::Instant`. Use one kind for the life of an
/// [`Authenticator`](crate::Authenticator). Time that goes backwards is read as no time passing.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Now {
    /// Time since a fixed point chosen by the caller.
    Elapsed(Duration),
    /// An instant of the standard library's monotonic clock.
    #[cfg(feature = "std")]
    Instant(std::time::Instant),
}

impl From<Duration> for Now {
    fn from(d: Duration) -> Self {
        Now::Elapsed(d)
    }
}

impl Now {
    /// How long from `self` to `later`: zero when `later` is not later, or is of the other
    /// kind (an `Instant` and a `Duration` cannot be compared). What a driver sleeps before
    /// [`Authenticator::handle_timeout`](crate::Authenticator::handle_timeout):
    /// `now.duration_until(auth.poll_timeout()?)`.
    ///
    /// ```
    /// use core::time::Duration;
    /// use registry_auth::Now;
    ///
    /// let (a, b) = (Now::from(Duration::from_secs(1)), Now::from(Duration::from_secs(4)));
    /// assert_eq!(a.duration_until(b), Duration::from_secs(3));
    /// assert_eq!(b.duration_until(a), Duration::ZERO);
    /// ```
    pub fn duration_until(&self, later: Now) -> Duration {
        match (*self, later) {
            (Now::Elapsed(a), Now::Elapsed(b)) => b.saturating_sub(a),
            #[cfg(feature = "std")]
            (Now::Instant(a), Now::Instant(b)) => b.saturating_duration_since(a),
            #[cfg(feature = "std")]
            _ => Duration::ZERO,
        }
    }
}

#[cfg(feature = "std")]
impl From<std::time::Instant> for Now {
    fn from(i: std::time::Instant) -> Self {
        Now::Instant(i)
    }
}

/// A handle on one request's authentication flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// What the driver must do next for a flow. See the crate documentation for the loop.
#[must_use]
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum Action {
    /// Send the caller's request with this `Authorization` (or none), then report the response
    /// with [`Authenticator::handle_response`](crate::Authenticator::handle_response).
    Send(SendRequest),
    /// Fetch a token: send this request of the machine's own to the token endpoint, then
    /// report the response and its body with
    /// [`Authenticator::handle_token_response`](crate::Authenticator::handle_token_response).
    FetchToken(TokenRequest),
    /// Another flow is fetching the token this one needs: poll this flow again when that
    /// fetch ends. The flow is reported once by
    /// [`Authenticator::poll_woken`](crate::Authenticator::poll_woken) then, and the waker
    /// given to [`Authenticator::set_waker`](crate::Authenticator::set_waker), if any, is
    /// woken. Polling early is harmless: it answers `Wait` again.
    ///
    /// Only flows that run at the same time wait for each other. **A caller that runs one
    /// flow at a time never sees `Wait`**, unless it abandoned an earlier flow that had a
    /// token request out (dropped it without answering it or calling
    /// [`Authenticator::cancel`](crate::Authenticator::cancel)).
    ///
    /// A wait always ends: when the other flow's fetch is answered, fails or is cancelled,
    /// and at the latest when the fetch goes unanswered past
    /// [`Config::fetch_timeout`](crate::Config::fetch_timeout) (the other flow's caller may
    /// have given up without telling the machine). The machine learns the time from inputs;
    /// with nothing else to report, call
    /// [`Authenticator::handle_timeout`](crate::Authenticator::handle_timeout) at
    /// [`Authenticator::poll_timeout`](crate::Authenticator::poll_timeout), then poll.
    Wait,
    /// The last response to the caller's request is its answer. The flow is over.
    Done,
    /// The flow failed. The flow is over.
    Failed(Error),
}
