//! Charm tests with no Juju and no Pebble: a [`State`] in, one event, the state out and a
//! record of what [`Happened`]. `wasmcharm run` and `wasmcharm test` are built on the
//! same runner ([`crate::sim::runner`]), and charm authors call it from `cargo test`:
//!
//! ```no_run
//! use wasmcharm::testing::{State, StatusKind, TestCharm};
//!
//! let charm = TestCharm::load("example-charms/openssh")?;
//! let run = charm.run("start", &State::default().leader(true))?;
//! assert!(run.succeeded(), "{:?}", run.happened.error);
//! assert_eq!(run.state.unit_status.kind, StatusKind::Active);
//! assert_eq!(run.happened.commands, ["systemctl enable --now -- ssh"]);
//! # Ok::<(), wasmcharm::testing::TestingError>(())
//! ```
//!
//! The component is compiled once, when the charm is loaded; every run gets a fresh
//! instance of it, as every hook on a unit does, so runs are independent and may go on
//! several threads at once.

pub use crate::backends::juju::{Status, StatusKind};
pub use crate::sim::runner::{Run, TestCharm, TestingError};
pub use crate::sim::state::{Happened, State, StateError};
