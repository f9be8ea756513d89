//! The async drive helper: [`run_async`] over an [`AsyncTransport`], with no runtime of its
//! own.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;
use core::time::Duration;

use super::exchange::{AsResponse, Exchange};
use super::guard::{Access, FlowGuard};
use super::{wait_timeout, DriveError, Progress};
use crate::machine::{Action, Now, Request};

/// An async HTTP stack, as [`run_async`] uses it: one exchange at a time, a timer, and the
/// caller's clock. Write the methods as `async fn`s; the runtime is the stack's (tokio,
/// async-std, smol, embassy, a browser's).
///
/// Whether [`run_async`]'s future is `Send` (for `tokio::spawn`) depends on these futures
/// being `Send`, as for any future.
pub trait AsyncTransport {
    /// What the stack answers with (see [`Transport::Response`](super::Transport::Response)).
    type Response: AsResponse;
    /// What the stack fails with.
    type Error;

    /// Performs one HTTP exchange (see [`Exchange`] for what to send and what to read).
    fn exchange(
        &mut self,
        exchange: Exchange<'_>,
    ) -> impl Future<Output = Result<Self::Response, Self::Error>>;

    /// Completes after `duration` (the runtime's sleep). Used only while the flow waits for
    /// another flow's token request ([`Action::Wait`]), to give up on a request presumed
    /// lost; the machine wakes the task as soon as the request ends.
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()>;

    /// The time now, on the clock the authenticator is driven with. Default (`std`):
    /// `std::time::Instant::now()`.
    #[cfg(feature = "std")]
    fn now(&mut self) -> Now {
        Now::from(std::time::Instant::now())
    }

    /// The time now, on the clock the authenticator is driven with.
    #[cfg(not(feature = "std"))]
    fn now(&mut self) -> Now;
}

/// Runs one request's whole flow over an async transport, and returns the last response to
/// the caller's request (see [`run`](super::run), which this mirrors).
///
/// Tasks that share one authenticator pass a lock around it as `access`
/// (`&Mutex<Authenticator>`, `&Arc<Mutex<Authenticator>>`; see [`Access`]): it is taken for
/// one machine call at a time and never held across an `.await`, so flows do not block each
/// other. When the machine says [`Action::Wait`] (another task fetches the token this flow
/// needs), the future leaves its waker with the machine and sleeps until the fetch ends: no
/// polling, no notification to wire up. Dropping the future cancels the flow.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use registry_auth::drive::{self, AsyncTransport, Exchange, OwnedResponse};
/// use registry_auth::{Authenticator, Config, Request};
///
/// /// Stands in for an async HTTP client: every request answers 200.
/// struct Client;
///
/// impl AsyncTransport for Client {
///     type Response = OwnedResponse;
///     type Error = std::io::Error;
///
///     async fn exchange(&mut self, x: Exchange<'_>) -> Result<OwnedResponse, std::io::Error> {
///         Ok(OwnedResponse::new(200, vec![], x.url().as_bytes().to_vec()))
///     }
///
///     async fn sleep(&mut self, duration: Duration) {
///         std::thread::sleep(duration) // tokio::time::sleep(duration).await on tokio
///     }
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let auth = Arc::new(Mutex::new(Authenticator::new(Config::default())));
///     let url = "https://registry.example.com/v2/";
///     let answer = block_on(drive::run_async(&auth, Request::get(url), &mut Client))?;
///     assert_eq!(answer.body, url.as_bytes());
///     Ok(())
/// }
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     struct Unpark(std::thread::Thread);
/// #     impl std::task::Wake for Unpark { fn wake(self: Arc<Self>) { self.0.unpark() } }
/// #     let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
/// #         std::thread::park();
/// #     }
/// # }
/// ```
///
/// # Errors
/// As [`run`](super::run).
// `DriveError::Auth` holds the crate's `Error` unboxed, so that callers can match on it;
// errors are the rare path.
#[allow(clippy::result_large_err)]
pub async fn run_async<'r, A: Access, T: AsyncTransport>(
    access: A,
    request: impl Into<Request<'r>>,
    transport: &mut T,
) -> Result<T::Response, DriveError<T::Error>> {
    let now = transport.now();
    let mut flow = FlowGuard::start(access, request, now)?;
    let mut progress = Progress::new();
    loop {
        let action = match flow.poll() {
            Action::Wait => wait(&mut flow, transport).await,
            action => action,
        };
        if let Some(exchange) = Progress::<T::Response, T::Error>::exchange(&action, &mut flow) {
            let outcome = transport.exchange(exchange).await;
            let now = transport.now();
            progress.report(&mut flow, exchange.is_token_request(), outcome, now)?;
        }
        if let Some(result) = progress.settle(action) {
            return result;
        }
    }
}

/// Waits while the flow waits for another flow's token request: until the machine wakes this
/// task, or the request is presumed lost (then tells the machine the time). Returns the flow's
/// next action (`Wait` again only after the timeout changed nothing).
async fn wait<A: Access, T: AsyncTransport>(flow: &mut FlowGuard<A>, transport: &mut T) -> Action {
    let now = transport.now();
    let timeout = wait_timeout(flow, now);
    let woken = {
        let mut sleep = pin!(transport.sleep(timeout));
        poll_fn(|cx| {
            // The waker is left under the same lock as this poll: a fetch that ends after it
            // finds the waker, one that ended before shows in the action.
            match flow.poll_with_waker(cx.waker()) {
                Action::Wait => sleep.as_mut().poll(cx).map(|()| None),
                action => Poll::Ready(Some(action)),
            }
        })
        .await
    };
    match woken {
        Some(action) => action,
        None => {
            let now = transport.now();
            flow.with(|a| a.handle_timeout(now));
            flow.poll()
        }
    }
}
