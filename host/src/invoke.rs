//! One event through one fresh instance of the charm: the part `dispatch` and `run`
//! share. Which backends serve the guest is the caller's choice, made once.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::WasiCtxBuilder;

use crate::bindings;
use crate::bindings::v0_1::event as wit_event;
use crate::charm_dir::CharmDir;
use crate::engine::{LoadError, LoadedComponent};
use crate::event::Event;
use crate::host::{Delivery, HostState, kind_name};
use crate::juju::HookTools;
use crate::limits::{Deadline, Limits, MemoryLimiter};
use crate::machine::Machine;
use crate::output::CappedOutput;
use crate::pebble::Pebble;
use crate::store::StoredState;
use crate::unit::UnitContext;

/// The backends that answer the guest's calls.
pub struct Backends {
    pub juju: Box<dyn HookTools>,
    pub machine: Box<dyn Machine>,
    pub pebble: Box<dyn Pebble>,
}

/// Where the guest's stdout and stderr go, each capped at `limits.output`.
pub enum GuestOutput {
    /// To the host's own, which Juju logs (stdout at DEBUG, stderr at WARNING).
    Inherit,
    /// Into memory, to be reported by the caller.
    Capture {
        stdout: CappedOutput,
        stderr: CappedOutput,
    },
}

impl GuestOutput {
    pub fn capture(limits: &Limits) -> Self {
        GuestOutput::Capture {
            stdout: CappedOutput::memory(limits.output),
            stderr: CappedOutput::memory(limits.output),
        }
    }
}

/// How the charm's handler ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The handler returned an error or trapped; the message says which and why.
    Failed(String),
}

/// A charm directory with its component loaded.
pub struct Charm {
    pub dir: CharmDir,
    component: LoadedComponent,
    unit: Arc<UnitContext>,
}

impl Charm {
    pub fn load(dir: CharmDir, unit: UnitContext) -> Result<Self, LoadError> {
        let component = LoadedComponent::load(&dir.component_path())?;
        Ok(Charm {
            dir,
            component,
            unit: Arc::new(unit),
        })
    }

    /// Runs one dispatch in a fresh instance: the deferred events of `stored`, oldest
    /// first, then `event`. Returns how it ended and the stored state to commit if it
    /// succeeded (values as the charm left them; the events it deferred).
    pub fn dispatch(
        &self,
        event: &Event,
        backends: Backends,
        output: &GuestOutput,
        stored: StoredState,
    ) -> (Outcome, StoredState) {
        let mut wasi = WasiCtxBuilder::new();
        match output {
            GuestOutput::Inherit => {
                let cap = self.dir.manifest.limits.output;
                wasi.stdout(CappedOutput::stdout(cap))
                    .stderr(CappedOutput::stderr(cap));
            }
            GuestOutput::Capture { stdout, stderr } => {
                wasi.stdout(stdout.clone()).stderr(stderr.clone());
            }
        }
        let queue = stored.deferred.clone();
        let deadline = std::time::Instant::now() + self.dir.manifest.limits.timeout;
        let mut backends = backends;
        backends.juju.set_deadline(deadline);
        backends.machine.set_deadline(deadline);
        backends.pebble.set_deadline(deadline);
        let state = HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            unit: self.unit.clone(),
            metadata: Arc::new(self.dir.metadata.clone()),
            policy: Arc::new(self.dir.manifest.machine.clone()),
            juju: backends.juju,
            machine: backends.machine,
            pebble: backends.pebble,
            stored,
            delivery: Delivery::default(),
            relation_endpoints: Default::default(),
            limiter: MemoryLimiter::new(self.dir.manifest.limits.memory),
            deadline,
            protected: protected(&self.dir.path),
        };
        let mut store = Store::new(&self.component.engine, state);
        store.limiter(|s| &mut s.limiter);
        // One tick of the engine's epoch ends the guest; the deadline ticks it.
        store.set_epoch_deadline(1);
        let _deadline = Deadline::start(&self.component.engine, self.dir.manifest.limits.timeout);
        let instance = match self.component.pre.instantiate(&mut store) {
            Ok(instance) => instance,
            Err(e) => {
                return (
                    Outcome::Failed(format!("the charm could not start: {e:#}")),
                    StoredState::default(),
                );
            }
        };
        let deliveries = queue
            .into_iter()
            .map(|e| (e, true))
            .chain(std::iter::once((event.clone(), false)));
        let mut deferred: Vec<Event> = Vec::new();
        for (event, redelivery) in deliveries {
            store.data_mut().delivery = Delivery {
                event: Some(event.clone()),
                redelivery,
                deferred: false,
            };
            if let Err(failure) = call(&instance, &mut store, &event, &self.dir.manifest.limits) {
                return (Outcome::Failed(failure), StoredState::default());
            }
            if store.data().delivery.deferred && !deferred.contains(&event) {
                deferred.push(event);
            }
        }
        let mut stored = std::mem::take(&mut store.data_mut().stored);
        stored.deferred = deferred;
        (Outcome::Done, stored)
    }
}

/// Calls the guest's handler for one event; the failure, described, if it failed.
fn call(
    instance: &bindings::Charm,
    store: &mut Store<HostState>,
    event: &Event,
    limits: &Limits,
) -> Result<(), String> {
    let wit_event = wit_event::Event::from(event);
    match instance.call_handle(&mut *store, &wit_event) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "the charm's handler returned an error ({}): {}",
            kind_name(e.kind),
            e.message
        )),
        Err(trap) if trap.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) => {
            Err(format!(
                "the charm ran past limits.timeout ({}s) in wasmcharm.yaml and was stopped",
                limits.timeout.as_secs_f64()
            ))
        }
        Err(trap) => {
            // The trap's own words first; the guest's stack, when wasmtime kept one,
            // on the lines after.
            let backtrace = trap
                .downcast_ref::<wasmtime::WasmBacktrace>()
                .map(|bt| format!("\n{bt}"))
                .unwrap_or_default();
            Err(format!(
                "the charm crashed: {}{backtrace}",
                trap.root_cause()
            ))
        }
    }
}

/// What no machine call may write: the charm directory, the operator's policy
/// directory, and the policy file `WASMCHARM_POLICY` names, as they really are.
fn protected(charm_dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let real = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut paths = vec![
        real(charm_dir),
        real(std::path::Path::new(crate::sandbox::OVERRIDE_DIR)),
    ];
    if let Some(policy) = std::env::var_os(crate::charm_dir::PolicyOverride::ENV) {
        paths.push(real(std::path::Path::new(&policy)));
    }
    paths
}
