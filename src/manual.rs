//! The manual: how to write a driver for the machine. Documentation only; no code.
//!
//! # Writing a driver
//!
//! A driver carries out the [`Action`](crate::Action)s of the machine over an HTTP stack. Most
//! drivers are a transport for [`drive::run`](crate::drive::run) (blocking) or
//! [`drive::run_async`](crate::drive::run_async): one function that performs one HTTP
//! exchange, as `examples/custom-stack.rs` writes one over `std::net::TcpStream` and httparse,
//! `examples/fetch.rs` over ureq and `examples/async.rs` over hyper. A driver that keeps its
//! own loop follows the loop of the [crate documentation](crate#the-loop-by-hand), and a
//! [`FlowGuard`](crate::drive::FlowGuard) to cancel its flow on an early return. Either way,
//! the stack must do the following.
//!
//! ## Follow no redirect
//! Turn off your stack's redirect following (ureq: `max_redirects(0)`; reqwest:
//! `redirect::Policy::none()`; curl: no `FOLLOWLOCATION`). The machine follows redirects
//! itself, because it decides what each hop may carry: a blob download redirected to a
//! storage host goes without `Authorization` (a token goes only to the origin it was issued
//! for), and a redirect counts against [`Config::max_redirects`](crate::Config::max_redirects).
//! A stack that follows a 307 itself forwards the registry's token to the storage host, or
//! hides the redirect from the machine. Hand every 3xx to the machine as it came.
//!
//! Likewise, let 4xx and 5xx answers come back as responses, not as errors of the stack
//! (ureq: `http_status_as_error(false)`): the machine must see every 401.
//!
//! ## Send the caller's request again on every `Send`, body included
//! A flow sends the caller's request more than once: without a token, then with one after
//! the 401; again after a 307 or 308 (which keep the method and the body); again when a
//! cached token went stale. Every [`Action::Send`](crate::Action::Send) means: the whole
//! request, its body included, to [`SendRequest::url`](crate::SendRequest::url) with
//! [`SendRequest::method`](crate::SendRequest::method) (a `303` turns it into a `GET`
//! without a body). Keep the body replayable: a byte buffer, a file you can seek back to.
//!
//! A streaming body you cannot replay (a blob piped from another process) must not meet the
//! 401: either **warm the token first**, with a cheap request that needs the same scope
//! before the upload (a `HEAD` of the blob, or a `POST` to `/blobs/uploads/` that starts the
//! upload session, whose `Location` the `PUT` or `PATCH` then goes to; the machine remembers
//! the registry's challenge and fetches the token before sending, so the upload itself goes
//! with it), or send it with **`Expect: 100-continue`**, so that the registry's 401 comes
//! before the body leaves. Blob uploads in the registry API are a `POST` then `PATCH`/`PUT`
//! to the upload URL, so warming comes for free: the `POST` carries no body.
//!
//! ## Pass the bodies the machine reads, and bound them
//! - For the caller's request, pass the body of a **401 or 403 only** (up to a few tens of
//!   kilobytes, [`drive::ERROR_BODY_LIMIT`](crate::drive::ERROR_BODY_LIMIT)): errors quote
//!   the registry's message from it. Every other body is the caller's answer; the machine
//!   does not look at it, so stream it.
//! - For a token request ([`Action::FetchToken`](crate::Action::FetchToken)), read the body
//!   up to [`TokenLimits::read_limit`](crate::token::TokenLimits::read_limit)
//!   (`auth.config().get_token_limits().read_limit()`) and stop: one byte more than the
//!   largest body accepted, so a body too large is refused as such instead of being cut into
//!   invalid JSON. A token endpoint that streams gigabytes cannot exhaust your memory.
//!
//! [`Exchange::read_limit`](crate::drive::Exchange::read_limit) says both for the drive
//! helpers' transports.
//!
//! ## Report a transport error
//! When a request of either kind could not be sent or its answer not read (connection
//! refused, reset, timed out), call
//! [`handle_send_failed`](crate::Authenticator::handle_send_failed) and poll: the flow ends
//! with [`Error::SendFailed`](crate::Error::SendFailed), and flows waiting for its token
//! request fetch their own. Never leave the loop with `?` between a `Send` or `FetchToken`
//! and its report: the token request would stay out, and every flow that shares it would
//! wait until [`Config::fetch_timeout`](crate::Config::fetch_timeout) (60 s). Retrying is
//! yours: start a new flow. A [`FlowGuard`](crate::drive::FlowGuard) (or
//! [`cancel`](crate::Authenticator::cancel)) covers the returns you did not plan for.
//!
//! ## When `Wait` happens
//! [`Action::Wait`](crate::Action::Wait) means another flow is fetching the token this one
//! needs. It happens only to flows that run at the same time on one authenticator; **a
//! caller that runs one flow at a time never sees it**, unless it abandoned an earlier flow
//! with a token request out. Then:
//! - an event loop drains [`poll_woken`](crate::Authenticator::poll_woken) after every input
//!   and polls the flows it names;
//! - an async driver leaves its task's waker with
//!   [`set_waker`](crate::Authenticator::set_waker) under the same lock as the `poll` that
//!   answered `Wait`, and the machine wakes it when the fetch ends;
//! - all of them sleep no longer than
//!   [`poll_timeout`](crate::Authenticator::poll_timeout), then call
//!   [`handle_timeout`](crate::Authenticator::handle_timeout): a fetch whose driver vanished
//!   is presumed lost after `fetch_timeout`, and the waiters fetch their own.
//!
//! The drive helpers do all three.
//!
//! ## Share one authenticator
//! Tokens are cached per authenticator, so share one between the requests of a process.
//! Behind a lock (`Arc<Mutex<Authenticator>>`), take the lock for one machine call at a time
//! and never across I/O or an `.await`: every call is short and does no I/O.
//! [`drive::Access`](crate::drive::Access) is that rule as a trait.
//!
//! ## Features for an embedded stack
//! A stack that brings its own config and credentials (firmware, a WASM host) does not want
//! the `host` helpers (config files, credential-helper processes) or the `http` conversions:
//!
//! ```toml
//! registry-auth = { version = "0.1", default-features = false, features = ["std"] }
//! ```
//!
//! or no features at all for `#![no_std]` with `alloc`, where the clock is yours
//! ([`Now::Elapsed`](crate::Now::Elapsed)) and a blocking
//! [`Transport`](crate::drive::Transport) also implements `now` and `wait`.
