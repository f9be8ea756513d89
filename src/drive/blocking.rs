//! The blocking drive helper: [`run`] over a [`Transport`].

use alloc::sync::Arc;
use alloc::task::Wake;
use core::task::Waker;
use core::time::Duration;

use super::exchange::{AsResponse, Exchange};
use super::guard::{Access, FlowGuard};
use super::{wait_timeout, DriveError, Progress};
use crate::machine::{Action, Now, Request};

/// A blocking HTTP stack, as [`run`] uses it: one exchange at a time, and the caller's clock.
///
/// With the `std` feature only [`exchange`](Self::exchange) has to be written (the clock is
/// `std::time::Instant`, and waiting parks the thread), and any closure
/// `FnMut(Exchange<'_>) -> Result<R, E>` with `R: AsResponse` is a transport. Without `std`,
/// [`now`](Self::now) and [`wait`](Self::wait) are yours too.
pub trait Transport {
    /// What the stack answers with ([`OwnedResponse`](super::OwnedResponse), an
    /// `http::Response<Vec<u8>>`, or a type of its own).
    type Response: AsResponse;
    /// What the stack fails with (connection refused, timeout, a malformed answer).
    type Error;

    /// Performs one HTTP exchange (see [`Exchange`] for what to send and what to read).
    ///
    /// # Errors
    /// The transport's own: the helper reports it to the machine as a failed send and
    /// returns it as [`DriveError::Transport`].
    fn exchange(&mut self, exchange: Exchange<'_>) -> Result<Self::Response, Self::Error>;

    /// The time now, on the clock the authenticator is driven with. Default (`std`):
    /// `std::time::Instant::now()`.
    #[cfg(feature = "std")]
    fn now(&mut self) -> Now {
        Now::from(std::time::Instant::now())
    }

    /// The time now, on the clock the authenticator is driven with.
    #[cfg(not(feature = "std"))]
    fn now(&mut self) -> Now;

    /// Blocks for at most `timeout`, or until the waker of [`waker`](Self::waker) is woken,
    /// whichever comes first (returning early for no reason is harmless: the helper polls
    /// again). Called only when the flow waits for another flow's token request
    /// ([`Action::Wait`]). Default (`std`): parks the thread.
    #[cfg(feature = "std")]
    fn wait(&mut self, timeout: Duration) {
        std::thread::park_timeout(timeout);
    }

    /// Blocks for at most `timeout`, or until the waker of [`waker`](Self::waker) is woken,
    /// whichever comes first (returning early for no reason is harmless: the helper polls
    /// again). Called only when the flow waits for another flow's token request
    /// ([`Action::Wait`]).
    #[cfg(not(feature = "std"))]
    fn wait(&mut self, timeout: Duration);

    /// What ends a [`wait`](Self::wait) early: the machine wakes it when the token request
    /// the flow waits for ends. Default: with `std`, one that unparks the calling thread;
    /// without, one that does nothing (waits then last their whole timeout).
    fn waker(&mut self) -> Waker {
        Waker::from(Arc::new(Unpark::current()))
    }
}

#[cfg(feature = "std")]
impl<F, R, E> Transport for F
where
    F: FnMut(Exchange<'_>) -> Result<R, E>,
    R: AsResponse,
{
    type Response = R;
    type Error = E;

    fn exchange(&mut self, exchange: Exchange<'_>) -> Result<R, E> {
        self(exchange)
    }
}

/// Wakes a thread parked in [`Transport::wait`]'s default; does nothing without `std`.
struct Unpark {
    #[cfg(feature = "std")]
    thread: std::thread::Thread,
}

impl Unpark {
    fn current() -> Self {
        Unpark {
            #[cfg(feature = "std")]
            thread: std::thread::current(),
        }
    }
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        #[cfg(feature = "std")]
        self.thread.unpark();
    }
}

/// Runs one request's whole flow over a blocking transport, and returns the last response to
/// the caller's request: the registry's answer, whatever its status (a 404 is an answer; a
/// 401 the machine could not get past is an [`Error`](crate::Error)).
///
/// `access` is `&mut Authenticator`, or a lock around one that threads share (see
/// [`Access`]): it is held for one machine call at a time, never across an exchange. The flow
/// is cancelled if the helper stops early, so no other flow waits on a request it left out.
///
/// ```
/// use registry_auth::drive::{self, Exchange, OwnedResponse};
/// use registry_auth::{Authenticator, Config, Credentials, Request};
///
/// // Stands in for an HTTP stack: a registry that wants a token, and its token endpoint.
/// fn http(x: &Exchange<'_>) -> Result<OwnedResponse, std::io::Error> {
///     let auth = x.headers().find(|(n, _)| *n == "Authorization").map(|(_, v)| v);
///     Ok(match (x.url(), auth) {
///         (u, Some(a)) if u.starts_with("https://auth.example.com/") && a.starts_with("Basic ") => {
///             OwnedResponse::new(200, vec![], br#"{"token":"t0k3n"}"#.to_vec())
///         }
///         (_, Some("Bearer t0k3n")) => OwnedResponse::new(200, vec![], b"manifest".to_vec()),
///         _ => OwnedResponse::new(401, vec![(
///             "WWW-Authenticate".into(),
///             br#"Bearer realm="https://auth.example.com/token",service="r""#.to_vec(),
///         )], vec![]),
///     })
/// }
///
/// let mut auth = Authenticator::new(Config::default());
/// auth.set_credentials("registry.example.com", Credentials::basic("alice", "s3cret"));
/// let url = "https://registry.example.com/v2/team/app/manifests/1";
/// let mut transport = |x: Exchange<'_>| http(&x);
/// let answer = drive::run(&mut auth, Request::get(url), &mut transport)?;
/// assert_eq!((answer.status, answer.body.as_slice()), (200, &b"manifest"[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`DriveError::Auth`] when the machine refuses to start the flow or ends it;
/// [`DriveError::Transport`] with the transport's error when an exchange fails.
// `DriveError::Auth` holds the crate's `Error` unboxed, so that callers can match on it;
// errors are the rare path.
#[allow(clippy::result_large_err)]
pub fn run<'r, A: Access, T: Transport>(
    access: A,
    request: impl Into<Request<'r>>,
    transport: &mut T,
) -> Result<T::Response, DriveError<T::Error>> {
    let now = transport.now();
    let mut flow = FlowGuard::start(access, request, now)?;
    let mut progress = Progress::new();
    loop {
        let action = match flow.poll() {
            Action::Wait => wait(&mut flow, transport),
            action => action,
        };
        if let Some(exchange) = Progress::<T::Response, T::Error>::exchange(&action, &mut flow) {
            let outcome = transport.exchange(exchange);
            let now = transport.now();
            progress.report(&mut flow, exchange.is_token_request(), outcome, now)?;
        }
        if let Some(result) = progress.settle(action) {
            return result;
        }
    }
}

/// Waits while the flow waits for another flow's token request: until the machine wakes the
/// transport's waker, or the request is presumed lost (then tells the machine the time).
/// Returns the flow's next action (`Wait` again after a wake-up that changed nothing).
fn wait<A: Access, T: Transport>(flow: &mut FlowGuard<A>, transport: &mut T) -> Action {
    let waker = transport.waker();
    let action = flow.poll_with_waker(&waker);
    if !matches!(action, Action::Wait) {
        return action;
    }
    let now = transport.now();
    let timeout = wait_timeout(flow, now);
    if timeout > Duration::ZERO {
        transport.wait(timeout);
    }
    let now = transport.now();
    flow.with(|a| a.handle_timeout(now));
    flow.poll()
}
