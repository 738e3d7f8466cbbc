//! wasmcharm: runs Juju charms built as WebAssembly components.
//!
//! Juju runs a charm's `dispatch` for every hook and action; `dispatch` runs
//! `wasmcharm dispatch`, which turns the `JUJU_*` environment into a typed [`event::Event`],
//! loads the charm's component and calls its handler. The guest reaches the unit only
//! through the `juju:charm` interfaces (`wit/`), each call checked against the charm's
//! declared [`sandbox::Policy`] and served by a backend: real ([`juju::real`],
//! [`machine::real`]) under Juju, simulated ([`juju::sim`], [`machine::sim`]) for
//! `wasmcharm run`.

pub mod bindings;
pub mod build;
pub mod charm_dir;
pub mod cli;
pub mod dispatch;
pub mod engine;
pub mod error;
pub mod event;
pub mod host;
pub mod invoke;
pub mod juju;
pub mod limits;
pub mod linking;
pub mod machine;
pub mod output;
pub mod pack;
pub mod pebble;
pub mod precompiled;
pub mod process;
pub mod progress;
pub mod sandbox;
pub mod scaffold;
pub mod scenario;
pub mod state;
pub mod store;
pub mod testing;
pub mod unit;
pub mod unit_dir;
pub mod verbose;
