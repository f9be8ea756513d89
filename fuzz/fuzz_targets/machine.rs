//! Drives an `Authenticator` the way the crate docs say (poll, carry out, report), with every
//! response chosen by the input: arbitrary peers, clocks, credentials and interleavings of
//! several flows. Checks the design's invariants on every action (see `common/machine.rs`),
//! that `handle_*` accept every correctly driven response, and that every flow ends: a flow
//! that waits for a token fetch nobody is making is a failure too.
#![no_main]

#[path = "common/gen.rs"]
mod gen;
#[path = "common/machine.rs"]
mod world;

use std::time::Duration;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::{Action, Authenticator, Error, FlowId};

use gen::{chance, index};
use world::{begin, clock_step, gen_flow, gen_peer, same_action, start, Asked, FlowInfo, World};

/// More flows in flight add nothing the first few do not, and slow every run.
const MAX_LIVE: usize = 5;

struct Live {
    id: FlowId,
    info: FlowInfo,
    pending: Option<Action>,
}

#[derive(PartialEq, Eq)]
enum Step {
    Progress,
    Wait,
}

struct Driver {
    auth: Authenticator,
    w: World,
    flows: Vec<Live>,
    ended: Vec<FlowId>,
    now: Duration,
    max_flows: usize,
}

fuzz_target!(|data: &[u8]| {
    let (mut u, w, auth, max_flows) = begin(data);
    let mut d = Driver {
        w,
        auth,
        flows: Vec::new(),
        ended: Vec::new(),
        now: Duration::ZERO,
        max_flows,
    };
    let mut ops = 0;
    while !u.is_empty() && ops < 200 {
        ops += 1;
        match index(&mut u, 9) {
            0 | 1 => {
                d.start(&mut u);
            }
            2..=4 => {
                let k = index(&mut u, d.flows.len().max(1));
                d.step(&mut u, k);
            }
            5 => {
                // A flow driven alone to its end, as a sequential client would.
                if let Some(id) = d.start(&mut u) {
                    d.finish(&mut u, id);
                }
            }
            6 => d.now = clock_step(&mut u, d.now),
            7 => {
                if chance(&mut u, 1, 6) {
                    d.auth.clear_tokens();
                } else {
                    d.w.change_credentials(&mut u, &mut d.auth);
                }
            }
            _ => d.abandon(&mut u),
        }
        assert_eq!(d.auth.flows_in_progress(), d.flows.len());
    }
    d.drain(&mut u);
    assert_eq!(d.auth.flows_in_progress(), 0);
    for id in &d.ended {
        assert!(matches!(
            d.auth.poll(*id),
            Action::Failed(Error::UnknownFlow)
        ));
    }
    d.w.check_debug(&d.auth);
});

impl Driver {
    fn start(&mut self, u: &mut Unstructured<'_>) -> Option<FlowId> {
        if self.flows.len() >= MAX_LIVE {
            return None;
        }
        let nf = gen_flow(u);
        self.w.tick(self.now);
        let id = start(&mut self.auth, &nf, self.max_flows, self.now.into())?;
        self.flows.push(Live {
            id,
            info: self.w.flow_info(&nf),
            pending: None,
        });
        Some(id)
    }

    fn position(&self, id: FlowId) -> Option<usize> {
        self.flows.iter().position(|f| f.id == id)
    }

    /// One move of flow `k`: report the response to its pending action, or poll it.
    fn step(&mut self, u: &mut Unstructured<'_>, k: usize) -> Step {
        let Some(flow) = self.flows.get_mut(k) else {
            return Step::Wait;
        };
        if let Some(action) = flow.pending.take() {
            self.answer(u, k, &action);
            return Step::Progress;
        }
        let action = self.auth.poll(flow.id);
        self.w.check(&mut flow.info, &action);
        match action {
            Action::Send(_) | Action::FetchToken(_) => {
                if chance(u, 1, 8) {
                    let again = self.auth.poll(flow.id);
                    assert!(same_action(&action, &again), "{action:?} then {again:?}");
                }
                flow.pending = Some(action);
                Step::Progress
            }
            Action::Wait => Step::Wait,
            _ => {
                let done = self.flows.swap_remove(k);
                self.ended.push(done.id);
                Step::Progress
            }
        }
    }

    fn answer(&mut self, u: &mut Unstructured<'_>, k: usize, action: &Action) {
        let Driver {
            auth,
            w,
            flows,
            now,
            ..
        } = self;
        let flow = &mut flows[k];
        if chance(u, 1, 32) {
            w.tick(*now);
            auth.handle_send_failed(flow.id, *now)
                .expect("send failure after a Send or Fetch");
            return;
        }
        let fetch = matches!(action, Action::FetchToken(_));
        let peer = gen_peer(u, Asked::of(action));
        if chance(u, 1, 4) {
            *now = clock_step(u, *now);
        }
        w.tick(*now);
        peer.with_response(u, |response| {
            if fetch {
                w.on_fetch_response(&mut flow.info, &peer);
                auth.handle_token_response(flow.id, response, *now)
                    .expect("response to a Fetch");
            } else {
                w.on_send_response(&mut flow.info, &peer);
                auth.handle_response(flow.id, response, *now)
                    .expect("response to a Send");
            }
        });
    }

    /// Cancels a flow, or reports that its pending request could not be sent.
    fn abandon(&mut self, u: &mut Unstructured<'_>) {
        if self.flows.is_empty() {
            return;
        }
        let k = index(u, self.flows.len());
        if chance(u, 1, 2) && self.flows[k].pending.is_some() {
            self.flows[k].pending = None;
            self.w.tick(self.now);
            self.auth
                .handle_send_failed(self.flows[k].id, self.now)
                .expect("send failure after a Send or Fetch");
        } else {
            let f = self.flows.swap_remove(k);
            self.auth.cancel(f.id);
            self.ended.push(f.id);
        }
    }

    /// Steps every flow in turn; a flow that waits is fine as long as some flow moves.
    fn round(&mut self, u: &mut Unstructured<'_>, except: Option<FlowId>) -> bool {
        let ids: Vec<FlowId> = self.flows.iter().map(|f| f.id).collect();
        let mut moved = false;
        for id in ids.into_iter().filter(|id| Some(*id) != except) {
            if let Some(k) = self.position(id) {
                moved |= self.step(u, k) == Step::Progress;
            }
        }
        moved
    }

    fn finish(&mut self, u: &mut Unstructured<'_>, id: FlowId) {
        for _ in 0..1000 {
            let Some(k) = self.position(id) else {
                return;
            };
            if self.step(u, k) == Step::Wait {
                assert!(
                    self.round(u, Some(id)),
                    "a flow waits for a token fetch no flow is making"
                );
            }
        }
        panic!("a flow did not end after 1000 steps");
    }

    fn drain(&mut self, u: &mut Unstructured<'_>) {
        for _ in 0..1000 {
            if self.flows.is_empty() {
                return;
            }
            assert!(
                self.round(u, None),
                "{} flows wait for token fetches no flow is making",
                self.flows.len()
            );
        }
        panic!("flows did not end after 1000 rounds");
    }
}
