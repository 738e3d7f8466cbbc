//! The guest's imports: one file per `juju:charm` interface. Each is thin: check the
//! charm's policy, forward to a backend, turn the outcome into WIT types.

mod actions;
mod config;
mod context;
mod deferral;
mod event;
mod log;
mod machine;
mod network;
mod pebble;
mod ports;
mod relations;
mod resources;
mod secrets;
mod status;
mod store;
mod types;

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::backends::juju::HookTools;
use crate::backends::machine::Machine;
use crate::backends::pebble::Pebble;
use crate::charm_dir::Metadata;
use crate::event::Event;
use crate::sandbox::Policy;
use crate::unit::UnitContext;
use crate::unit::store::StoredState;

/// Everything a guest's calls can reach during one dispatch.
pub struct HostState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub unit: Arc<UnitContext>,
    pub metadata: Arc<Metadata>,
    pub policy: Arc<Policy>,
    pub juju: Box<dyn HookTools>,
    pub machine: Box<dyn Machine>,
    pub pebble: Box<dyn Pebble>,
    /// The working copy of the unit's stored state; committed if the dispatch succeeds.
    pub stored: StoredState,
    pub delivery: Delivery,
    /// Relation id -> endpoint, as learnt from events and `relation-ids`.
    pub relation_endpoints: std::collections::BTreeMap<u32, String>,
    pub limiter: crate::runtime::limits::MemoryLimiter,
    /// When the dispatch must end; host calls are cut short to it.
    pub deadline: std::time::Instant,
    /// Where no machine call may write, whatever the policy says: the charm directory
    /// (its component, its precompiled code, its state).
    pub protected: Arc<[std::path::PathBuf]>,
}

impl HostState {
    /// `requested`, cut to what is left of the dispatch's time.
    pub fn bounded(&self, requested: std::time::Duration) -> std::time::Duration {
        requested.min(
            self.deadline
                .saturating_duration_since(std::time::Instant::now()),
        )
    }
}

/// The event being handled, and whether the handler deferred it.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub event: Option<Event>,
    pub redelivery: bool,
    pub deferred: bool,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

pub use types::{error, kind_name};
