//! Calls the `Authenticator` API in any order: responses nobody asked for, responses to
//! finished or cancelled flows, polls after `Done`, cancels at any point, credentials changed
//! mid-flow, clocks of both kinds going either way. None of it may panic, every refusal must
//! be the `UsageError` the docs name, a refused call must change nothing, a flow's handle must
//! never come back to life, and `flows_in_progress` must count exactly the flows not yet over.
//! What the machine does ask for is checked against the same invariants as in `machine`;
//! `handle_timeout` may come at any time too.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

#[path = "common/gen.rs"]
mod gen;
#[path = "common/machine/mod.rs"]
mod machine;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::{Action, Authenticator, Error, FlowId, Now, Response, UsageError};

use gen::{flag, index};
use machine::{begin, clock_step, gen_flow, gen_peer, same_action, start, Asked, FlowInfo, World};

const MAX_FLOWS: usize = 6;

enum State {
    Live {
        /// Boxed: a flow's model is large, and most handles end up `Over`.
        info: Box<FlowInfo>,
        pending: Option<Action>,
    },
    Over,
}

struct Handle {
    id: FlowId,
    state: State,
}

/// One fixed instant per process, so that runs replay the same.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fuzz_target!(
    init: dict::use_dictionary("machine"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let (mut u, mut w, mut auth, max_flows) = begin(data);
    // Instants and durations mix here, and the machine's reading of them is its own.
    w.track_expiry = false;
    let mut handles: Vec<Handle> = Vec::new();
    let mut elapsed = Duration::ZERO;
    let mut instant = false;
    let mut ops = 0;
    while !u.is_empty() && ops < 300 {
        ops += 1;
        let now: Now = if instant {
            epoch().checked_add(elapsed).unwrap_or_else(epoch).into()
        } else {
            elapsed.into()
        };
        match index(&mut u, 11) {
            0 => {
                let live = handles
                    .iter()
                    .filter(|h| matches!(h.state, State::Live { .. }))
                    .count();
                if live < MAX_FLOWS {
                    let nf = gen_flow(&mut u);
                    if let Some(id) = start(&mut auth, &nf, max_flows, now) {
                        handles.push(Handle {
                            id,
                            state: State::Live {
                                info: Box::new(w.flow_info(&nf)),
                                pending: None,
                            },
                        });
                    }
                }
            }
            1 | 2 => {
                if let Some(h) = pick_handle(&mut u, &mut handles) {
                    poll(&mut auth, &mut w, h);
                }
            }
            3 | 4 => {
                if let Some(h) = pick_handle(&mut u, &mut handles) {
                    respond(&mut u, &mut auth, &mut w, h, now);
                }
            }
            5 => {
                if let Some(h) = pick_handle(&mut u, &mut handles) {
                    let got = auth.handle_send_failed(h.id, now);
                    match &mut h.state {
                        State::Over => assert_eq!(got, Err(UsageError::UnknownFlow)),
                        State::Live { pending, .. } => match pending.take() {
                            Some(_) => assert_eq!(got, Ok(())),
                            None => assert_eq!(got, Err(UsageError::UnexpectedResponse)),
                        },
                    }
                }
            }
            6 => {
                if let Some(h) = pick_handle(&mut u, &mut handles) {
                    auth.cancel(h.id);
                    h.state = State::Over;
                }
            }
            7 => match index(&mut u, 3) {
                0 => auth.clear_tokens(),
                _ => w.change_credentials(&mut u, &mut auth),
            },
            8 => {
                instant = flag(&mut u);
                elapsed = clock_step(&mut u, elapsed);
            }
            9 => {
                for h in handles.iter_mut() {
                    poll(&mut auth, &mut w, h);
                }
            }
            _ => {
                // The time alone, in either kind of clock: what poll_timeout asks for.
                auth.handle_timeout(now);
                let _ = auth.poll_timeout();
            }
        }
        let live = handles
            .iter()
            .filter(|h| matches!(h.state, State::Live { .. }))
            .count();
        assert_eq!(auth.flows_in_progress(), live);
        let _ = auth.cached_tokens();
    }
    for h in &mut handles {
        auth.cancel(h.id);
        h.state = State::Over;
    }
    assert_eq!(auth.flows_in_progress(), 0);
    for h in &handles {
        assert!(matches!(
            auth.poll(h.id),
            Action::Failed(Error::UnknownFlow)
        ));
        assert_eq!(
            auth.handle_response(h.id, Response::new(200), elapsed),
            Err(UsageError::UnknownFlow)
        );
    }
    w.check_debug(&auth);
}

fn pick_handle<'h>(u: &mut Unstructured<'_>, handles: &'h mut [Handle]) -> Option<&'h mut Handle> {
    if handles.is_empty() {
        return None;
    }
    let k = index(u, handles.len());
    handles.get_mut(k)
}

fn poll(auth: &mut Authenticator, w: &mut World, h: &mut Handle) {
    let action = auth.poll(h.id);
    let State::Live { info, pending } = &mut h.state else {
        assert!(
            matches!(action, Action::Failed(Error::UnknownFlow)),
            "an ended flow came back: {action:?}"
        );
        return;
    };
    if let Some(p) = pending {
        assert!(
            same_action(p, &action),
            "{p:?} polled again gave {action:?}"
        );
        return;
    }
    w.check(info, &action);
    match action {
        Action::Send(_) | Action::FetchToken(_) => *pending = Some(action),
        Action::Wait => {}
        _ => h.state = State::Over,
    }
}

/// Reports a response for any flow, as a Send's or a Fetch's, whatever it asked.
fn respond(
    u: &mut Unstructured<'_>,
    auth: &mut Authenticator,
    w: &mut World,
    h: &mut Handle,
    now: Now,
) {
    let as_fetch = flag(u);
    let peer = gen_peer(
        u,
        if as_fetch {
            Asked::Fetch
        } else {
            Asked::Send(None)
        },
    );
    let expected_ok = match &h.state {
        State::Live {
            pending: Some(Action::FetchToken(_)),
            ..
        } => as_fetch,
        State::Live {
            pending: Some(Action::Send(_)),
            ..
        } => !as_fetch,
        _ => false,
    };
    if expected_ok {
        if let State::Live { info, pending } = &mut h.state {
            if as_fetch {
                w.on_fetch_response(info, &peer);
            } else {
                w.on_send_response(info, &peer);
            }
            *pending = None;
        }
    }
    let got = peer.with_response(u, |response| {
        if as_fetch {
            auth.handle_token_response(h.id, response, now)
        } else {
            auth.handle_response(h.id, response, now)
        }
    });
    let expected = match (&h.state, expected_ok) {
        (_, true) => Ok(()),
        (State::Over, _) => Err(UsageError::UnknownFlow),
        (State::Live { .. }, false) => Err(UsageError::UnexpectedResponse),
    };
    assert_eq!(got, expected, "response as fetch: {as_fetch}");
}
