//! Reaching a shared authenticator one call at a time, and a flow that cancels itself when
//! dropped.

use core::task::Waker;

use crate::error::{Error, UsageError};
use crate::machine::{Action, Authenticator, FlowId, HeaderList, Now, Request, Response};

/// Access to an [`Authenticator`] for the length of one call: the authenticator itself
/// (`&mut Authenticator`), or a lock around one that tasks or threads share
/// (`&std::sync::Mutex<Authenticator>`, `&Arc<Mutex<Authenticator>>`).
///
/// [`with`](Self::with) runs one synchronous step; the drive helpers never hold it across an
/// exchange or an `.await`. Implement it for another lock (a `critical_section` mutex, a
/// `RefCell` on a single-threaded executor) in a few lines:
///
/// ```
/// use core::cell::RefCell;
/// use registry_auth::drive::Access;
/// use registry_auth::Authenticator;
///
/// struct Local<'a>(&'a RefCell<Authenticator>);
///
/// impl Access for Local<'_> {
///     fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
///         f(&mut self.0.borrow_mut()) // never re-entered: `f` calls no code of yours
///     }
/// }
/// ```
pub trait Access {
    /// Runs `f` on the authenticator.
    fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R;
}

impl Access for &mut Authenticator {
    fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        f(self)
    }
}

/// A poisoned lock is used as it is: every machine call is one step that does not panic, so
/// a panic elsewhere while the lock was held cannot have left the machine half-changed.
#[cfg(feature = "std")]
impl Access for &std::sync::Mutex<Authenticator> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        let mut guard = self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

#[cfg(feature = "std")]
impl Access for &alloc::sync::Arc<std::sync::Mutex<Authenticator>> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        let mut mutex: &std::sync::Mutex<Authenticator> = self;
        mutex.with(f)
    }
}

/// A flow that is cancelled when the guard is dropped, for drivers that keep their own loop:
/// an early return (`?`), a panic or a dropped future cannot leave a token request
/// unanswered for other flows to wait on. Cancelling a flow that has ended is a no-op, so the
/// guard may simply go out of scope after `Done` or `Failed`.
///
/// ```
/// use core::time::Duration;
/// use registry_auth::drive::FlowGuard;
/// use registry_auth::{Action, Authenticator, Config, Request};
///
/// let mut auth = Authenticator::new(Config::default());
/// let now = Duration::from_secs(1);
/// {
///     let mut flow = FlowGuard::start(&mut auth, Request::get("https://r.example.com/v2/"), now)?;
///     assert!(matches!(flow.poll(), Action::Send(_)));
///     // ... the transport fails and `?` returns early: the guard cancels the flow.
/// }
/// assert_eq!(auth.flows_in_progress(), 0);
/// # Ok::<(), registry_auth::Error>(())
/// ```
#[derive(Debug)]
pub struct FlowGuard<A: Access> {
    access: A,
    id: FlowId,
    /// Whether dropping the guard cancels the flow.
    armed: bool,
}

impl<A: Access> FlowGuard<A> {
    /// Starts a flow (see [`Authenticator::start`]) and guards it.
    ///
    /// # Errors
    /// As [`Authenticator::start`].
    pub fn start<'r>(
        mut access: A,
        request: impl Into<Request<'r>>,
        now: impl Into<Now>,
    ) -> Result<Self, Error> {
        let (request, now) = (request.into(), now.into());
        let id = access.with(|a| a.start(request, now))?;
        Ok(FlowGuard::new(access, id))
    }

    /// Guards a flow started elsewhere.
    pub fn new(access: A, id: FlowId) -> Self {
        FlowGuard {
            access,
            id,
            armed: true,
        }
    }

    /// The flow's handle.
    pub fn id(&self) -> FlowId {
        self.id
    }

    /// [`Authenticator::poll`] for this flow.
    pub fn poll(&mut self) -> Action {
        let id = self.id;
        self.access.with(|a| a.poll(id))
    }

    /// [`Authenticator::poll`] for this flow and, when it answers [`Action::Wait`],
    /// [`Authenticator::set_waker`] in the same call, so that no wake-up is lost between the
    /// two on a shared authenticator.
    pub fn poll_with_waker(&mut self, waker: &Waker) -> Action {
        let id = self.id;
        self.access.with(|a| {
            let action = a.poll(id);
            if matches!(action, Action::Wait) {
                a.set_waker(id, waker);
            }
            action
        })
    }

    /// [`Authenticator::handle_response`] for this flow.
    ///
    /// # Errors
    /// As [`Authenticator::handle_response`].
    pub fn handle_response<'r, H: HeaderList<'r>>(
        &mut self,
        response: impl Into<Response<'r, H>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let (id, response, now) = (self.id, response.into(), now.into());
        self.access.with(|a| a.handle_response(id, response, now))
    }

    /// [`Authenticator::handle_token_response`] for this flow.
    ///
    /// # Errors
    /// As [`Authenticator::handle_token_response`].
    pub fn handle_token_response<'r, H: HeaderList<'r>>(
        &mut self,
        response: impl Into<Response<'r, H>>,
        now: impl Into<Now>,
    ) -> Result<(), UsageError> {
        let (id, response, now) = (self.id, response.into(), now.into());
        self.access
            .with(|a| a.handle_token_response(id, response, now))
    }

    /// [`Authenticator::handle_send_failed`] for this flow.
    ///
    /// # Errors
    /// As [`Authenticator::handle_send_failed`].
    pub fn handle_send_failed(&mut self, now: impl Into<Now>) -> Result<(), UsageError> {
        let (id, now) = (self.id, now.into());
        self.access.with(|a| a.handle_send_failed(id, now))
    }

    /// Any other call on the authenticator.
    pub fn with<R>(&mut self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        self.access.with(f)
    }

    /// Gives up the guard without cancelling the flow: it goes on, and its handle is the
    /// caller's to drive or cancel.
    pub fn into_id(mut self) -> FlowId {
        self.armed = false;
        self.id
    }
}

impl<A: Access> Drop for FlowGuard<A> {
    fn drop(&mut self) {
        if self.armed {
            let id = self.id;
            self.access.with(|a| a.cancel(id));
        }
    }
}
