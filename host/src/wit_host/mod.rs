//! The guest's imports: one file per `juju:charm` interface. Each is thin: check the
//! charm's policy, forward to a backend, turn the outcome into WIT types. Each is
//! implemented on a view of [`HostState`] that holds only what it may reach.

mod actions;
pub(crate) mod clocks;
mod config;
mod context;
mod deferral;
mod event;
mod log;
mod machine;
mod model;
mod network;
mod pebble;
mod ports;
mod relations;
mod resources;
mod secrets;
mod status;
mod storage;
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

// Each interface's host functions are implemented on a view: the slice of `HostState`
// they may reach, borrowed for the call, as wasmtime-wasi's `*CtxView`s are. The linker
// takes a view's marker (`HasData`) and its getter here, the one place that knows how
// `HostState` is laid out; an interface file sees its view's fields and nothing else.

/// `status`, `log`, `ports`, `resources`, `storage`, `model`: the hook tools, and the
/// metadata (the resources, endpoints and storage it declares).
pub struct ToolsView<'a> {
    pub(crate) juju: &'a mut dyn HookTools,
    pub(crate) metadata: &'a Metadata,
    /// For what reaches past the unit (a reboot).
    pub(crate) policy: &'a Policy,
}

/// `context`: the hook tools, and who the unit is.
pub struct ContextView<'a> {
    pub(crate) juju: &'a mut dyn HookTools,
    pub(crate) unit: &'a UnitContext,
}

/// `config`: the hook tools, and the option types the metadata declares.
pub struct ConfigView<'a> {
    pub(crate) juju: &'a mut dyn HookTools,
    pub(crate) metadata: &'a Metadata,
}

/// `actions`: the hook tools, and whether the event being handled is an action.
pub struct ActionsView<'a> {
    pub(crate) juju: &'a mut dyn HookTools,
    pub(crate) delivery: &'a Delivery,
}

/// `deferral`: the event being handled, and whether it is deferred.
pub struct DeferralView<'a> {
    pub(crate) delivery: &'a mut Delivery,
}

/// `store`: the working copy of the unit's stored state.
pub struct StoreView<'a> {
    pub(crate) stored: &'a mut StoredState,
}

/// `relations`, `network`, `secrets`: the hook tools, the endpoints the metadata declares, and the
/// relations learnt so far.
pub struct RelationsView<'a> {
    pub(crate) juju: &'a mut dyn HookTools,
    pub(crate) metadata: &'a Metadata,
    pub(crate) delivery: &'a Delivery,
    pub(crate) relation_endpoints: &'a mut std::collections::BTreeMap<u32, String>,
}

/// `machine`: the machine, the charm's policy over it, what no call may write, and the
/// dispatch's deadline.
pub struct MachineView<'a> {
    pub(crate) machine: &'a mut dyn Machine,
    pub(crate) policy: &'a Policy,
    pub(crate) protected: &'a [std::path::PathBuf],
    pub(crate) deadline: std::time::Instant,
}

/// `pebble`: the containers' Pebbles, and the containers the metadata declares.
pub struct PebbleView<'a> {
    pub(crate) pebble: &'a mut dyn Pebble,
    pub(crate) metadata: &'a Metadata,
}

/// The markers the linker takes for the views, one per view.
pub mod views {
    use wasmtime::component::HasData;

    macro_rules! marker {
        ($($marker:ident => $view:ident,)+) => {$(
            pub struct $marker;
            impl HasData for $marker {
                type Data<'a> = super::$view<'a>;
            }
        )+};
    }

    marker! {
        Tools => ToolsView,
        Context => ContextView,
        Config => ConfigView,
        Actions => ActionsView,
        Deferral => DeferralView,
        Store => StoreView,
        Relations => RelationsView,
        Machine => MachineView,
        Pebble => PebbleView,
    }
}

impl HostState {
    pub fn tools(&mut self) -> ToolsView<'_> {
        ToolsView {
            juju: &mut *self.juju,
            metadata: &self.metadata,
            policy: &self.policy,
        }
    }

    pub fn context(&mut self) -> ContextView<'_> {
        ContextView {
            juju: &mut *self.juju,
            unit: &self.unit,
        }
    }

    pub fn config(&mut self) -> ConfigView<'_> {
        ConfigView {
            juju: &mut *self.juju,
            metadata: &self.metadata,
        }
    }

    pub fn actions(&mut self) -> ActionsView<'_> {
        ActionsView {
            juju: &mut *self.juju,
            delivery: &self.delivery,
        }
    }

    pub fn deferral(&mut self) -> DeferralView<'_> {
        DeferralView {
            delivery: &mut self.delivery,
        }
    }

    pub fn store(&mut self) -> StoreView<'_> {
        StoreView {
            stored: &mut self.stored,
        }
    }

    pub fn relations(&mut self) -> RelationsView<'_> {
        RelationsView {
            juju: &mut *self.juju,
            metadata: &self.metadata,
            delivery: &self.delivery,
            relation_endpoints: &mut self.relation_endpoints,
        }
    }

    pub fn machine(&mut self) -> MachineView<'_> {
        MachineView {
            machine: &mut *self.machine,
            policy: &self.policy,
            protected: &self.protected,
            deadline: self.deadline,
        }
    }

    pub fn pebble(&mut self) -> PebbleView<'_> {
        PebbleView {
            pebble: &mut *self.pebble,
            metadata: &self.metadata,
        }
    }
}

impl MachineView<'_> {
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
    /// Events this dispatch has queued again so far.
    pub queued: usize,
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
