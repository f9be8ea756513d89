//! What the two machine targets share, one job per module: the world's fixtures, a driver's
//! moves, generated peers, the oracle's model of what happened, and its checks.
//!
//! The oracle is written from the documentation, not from the implementation: origins are
//! compared with an independent URL reading (`../origin.rs`: the `url` crate's WHATWG host
//! rules), and a token request is legitimate only if it goes to a realm that the flow's own
//! registry named in a challenge.
//!
//! - `world`: registries, the keys their credentials are set under, routes, secrets;
//! - `driver`: configuration, first credentials, requests, clock steps, and `start`;
//! - `peers`: registries and token endpoints answering, coherently or anyhow;
//! - `model`: what the oracle knows of each flow and of the peers, updated from responses;
//! - `oracle`: the checks of every action against the design's invariants;
//! - `errors`: the checks of the error a flow ends with (policy naming, the secret rule).

// Each target uses a different subset of these helpers.
#![allow(dead_code)]

mod driver;
mod errors;
mod model;
mod oracle;
#[path = "../origin.rs"]
mod origin;
mod peers;
mod world;

pub use driver::{begin, clock_step, gen_flow, same_action, start};
pub use model::{FlowInfo, World};
pub use peers::{gen_peer, Asked};
