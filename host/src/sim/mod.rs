//! A unit with no Juju, no machine and no Pebble: simulated backends ([`juju`],
//! [`machine`], [`pebble`], and [`pebble_server`], which serves a simulated container
//! over Pebble's HTTP API), the state a run starts from and ends in ([`state`]), one
//! event through the charm ([`runner`]), and the YAML scenario suites of
//! `wasmcharm test` ([`scenario`]). Charm authors reach the runner as
//! [`crate::testing`].

pub mod budget;
pub mod juju;
pub mod machine;
pub mod pebble;
pub mod pebble_server;
pub mod runner;
pub mod scenario;
pub mod state;
