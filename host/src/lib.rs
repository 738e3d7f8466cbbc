//! wasmcharm: runs Juju charms built as WebAssembly components.
//!
//! Juju runs a charm's `dispatch` for every hook and action; `dispatch` runs
//! `wasmcharm dispatch`, whose whole life is [`dispatch`]: the `JUJU_*` environment
//! becomes a typed [`event::Event`], the charm's component is loaded ([`runtime`]) and its
//! handler called. The guest reaches the unit only through the `juju:charm` interfaces
//! (`wit/`, served by [`wit_host`], one module per interface), each call checked against
//! the charm's declared [`sandbox::Policy`] and answered by a backend: the real ones
//! ([`backends`]) under Juju, the simulated ones ([`sim`]) for `wasmcharm run` and
//! `wasmcharm test`. [`tools`] takes a charm from nothing to a `.charm`.
//!
//! `docs/architecture.md` walks one hook through these modules.

pub mod backends;
pub mod charm_dir;
pub mod cli;
pub mod dispatch;
pub mod event;
pub mod runtime;
pub mod sandbox;
pub mod sim;
pub mod testing;
pub mod tools;
pub mod unit;
pub mod verbose;
pub mod wit_host;
