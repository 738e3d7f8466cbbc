//! Write Juju charms in Rust that run as WebAssembly components under wasmcharm.
//!
//! A charm is a type implementing [`Charm`], with one method per event it cares about,
//! handed to [`export_charm!`]:
//!
//! ```no_run
//! use wasmcharm_sdk::prelude::*;
//!
//! #[derive(Default)]
//! struct Hello;
//!
//! impl Charm for Hello {
//!     fn on_install(&mut self) -> Result<()> {
//!         apt::install(&["hello"])?;
//!         unit::set_status(Status::active())
//!     }
//! }
//!
//! export_charm!(Hello);
//! ```
//!
//! Build it with `wasmcharm build` (or `cargo build --target wasm32-wasip2`), test it
//! with `wasmcharm test`, and pack it with `wasmcharm pack`; `wasmcharm new NAME
//! --machine` (or `--kubernetes`) starts a charm that does all three as generated.
//!
//! # Events
//!
//! Juju runs the charm once per event. Every event it sends has a method on [`Charm`],
//! doing nothing by default: the lifecycle (`on_install`, `on_config_changed`,
//! `on_leader_elected`, ...), relations (`on_relation_changed(&RelationEvent)`),
//! storage, Pebble (`on_pebble_ready`, `on_pebble_check_failed`, ...), secrets and
//! actions (`on_action(&ActionEvent)`). A charm that reconciles implements
//! [`Charm::reconcile`] instead, or as well; `collect_unit_status` sets the status once
//! at the end of each event, as `ops`' collect-status does. [`defer`] hands the event to
//! the next dispatch.
//!
//! # What a charm can reach
//!
//! Each capability is a module, named as `ops` names it: [`unit`](mod@unit) and [`app`] (status,
//! leadership), [`config`], [`relation`], [`action`], [`secrets`], [`storage`],
//! [`store`] (stored state), [`ports`], [`network`], [`resources`], [`model`]
//! (goal-state, the cloud, reboots), and [`pebble`] for a Kubernetes charm's workload
//! containers. A machine charm has [`apt`], [`systemd`], [`snap`], [`fs`] and
//! [`Command`]. Every call returns [`Result`]; an [`Error`] has a [`ErrorKind`] to match
//! on.
//!
//! # The sandbox
//!
//! The charm is a WebAssembly component: it has no files, sockets or environment of its
//! own, and reaches the machine and its workloads only through these calls. The host
//! checks each against what the charm declares in `wasmcharm.yaml` (packages, services,
//! snaps, commands, file prefixes, a reboot) and against the grammar of the tool that
//! will take it, under the memory and time limits given there. A call outside them is an
//! error of kind [`ErrorKind::PermissionDenied`] or [`ErrorKind::InvalidInput`], and
//! nothing runs.
//!
//! # Testing
//!
//! `wasmcharm run CHARM EVENT --state STATE.yaml` runs one event on a simulated unit and
//! prints the state after it; `wasmcharm test` runs the YAML scenarios in
//! `tests/scenarios/` (a state, an event, what is expected), as `ops.testing` does, with
//! no Juju; the `wasmcharm` crate's `testing` module runs them from Rust tests.

#![warn(missing_docs)]

// The generated bindings name this crate by its public path, which must also resolve
// inside the crate itself.
extern crate self as wasmcharm_sdk;

pub mod action;
pub mod apt;
mod charm;
pub mod command;
pub mod config;
mod error;
mod file_options;
pub mod fs;
mod logging;
pub mod model;
pub mod network;
pub mod pebble;
pub mod ports;
pub mod random;
pub mod relation;
pub mod resources;
pub mod secrets;
pub mod snap;
mod status;
pub mod storage;
pub mod store;
pub mod systemd;

pub use charm::{Charm, Statuses, route};
pub use command::Command;
pub use error::{Error, ErrorKind, Result};
pub use file_options::FileOptions;
pub use status::{Status, app, unit};

/// The details each event carries.
pub mod event {
    pub use crate::__bindings::juju::charm::event::{
        ActionEvent, CheckEvent, Event, NoticeEvent, RelationEvent, SecretEvent, StorageEvent,
        StorageKind, WorkloadEvent,
    };
}

pub use __bindings::juju::charm::context::JujuContext as Context;

/// Handles the current event again at the start of the next dispatch, before that
/// dispatch's own event, as `ops`' `event.defer()` does. The handler carries on; return
/// when there is nothing more to do now. An identical event already queued is not queued
/// twice. Actions, stop, remove, secret-rotate and secret-expired cannot be deferred.
///
/// ```no_run
/// use wasmcharm_sdk::{defer, pebble};
/// if !pebble::container("web").can_connect() {
///     return defer();
/// }
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn defer() -> Result<()> {
    error::host(__bindings::juju::charm::deferral::defer())
}

/// Whether the event being handled was deferred by an earlier dispatch.
///
/// ```no_run
/// if wasmcharm_sdk::is_redelivery() { log::debug!("handling a deferred event"); }
/// ```
pub fn is_redelivery() -> bool {
    __bindings::juju::charm::deferral::is_redelivery()
}

/// Who and where this unit is.
///
/// ```no_run
/// let ctx = wasmcharm_sdk::context();
/// log::info!("{} in model {}", ctx.unit_name, ctx.model_name);
/// ```
pub fn context() -> Context {
    __bindings::juju::charm::context::get()
}

/// Everything a charm usually needs, in one `use`.
pub mod prelude {
    pub use crate::event::*;
    pub use crate::pebble::{Container, Layer, Service, container};
    pub use crate::{
        Charm, Command, Error, ErrorKind, Result, Status, Statuses, action, app, apt, config,
        defer, export_charm, fs, model, network, pebble, ports, relation, resources, secrets, snap,
        storage, store, systemd, unit,
    };
}

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

#[doc(hidden)]
#[allow(clippy::all)]
pub mod __bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "charm",
        pub_export_macro: true,
        export_macro_name: "__export_charm_world",
        default_bindings_module: "wasmcharm_sdk::__bindings",
        runtime_path: "wasmcharm_sdk::__wit_bindgen::rt",
        additional_derives: [PartialEq],
    });
}

#[doc(hidden)]
pub use charm::__handle;

/// Makes a [`Charm`] the component's event handler. The type must implement
/// [`Default`]: a fresh value handles each event, as each Juju hook is a fresh process.
///
/// ```no_run
/// use wasmcharm_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct MyCharm;
/// impl Charm for MyCharm {}
///
/// export_charm!(MyCharm);
/// ```
#[macro_export]
macro_rules! export_charm {
    ($charm:ty) => {
        const _: () = {
            struct __WasmcharmExport;

            impl $crate::__bindings::Guest for __WasmcharmExport {
                fn handle(
                    event: $crate::event::Event,
                ) -> ::core::result::Result<(), $crate::__bindings::juju::charm::types::Error>
                {
                    $crate::__handle::<$charm>(event)
                }
            }

            $crate::__bindings::__export_charm_world!(__WasmcharmExport with_types_in $crate::__bindings);
        };
    };
}
