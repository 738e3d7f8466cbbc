//! One event through one fresh instance of the charm: the part `dispatch` and `run`
//! share. Which backends serve the guest is the caller's choice, made once.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use crate::backends::juju::HookTools;
use crate::backends::machine::Machine;
use crate::backends::pebble::Pebble;
use crate::charm_dir::{CharmDir, Metadata};
use crate::event::Event;
use crate::runtime::bindings;
use crate::runtime::bindings::v0_1::event as wit_event;
use crate::runtime::engine::{Instances, LoadError, LoadedComponent, Tier, Wanted};
use crate::runtime::limits::{Limits, MemoryLimiter, Size};
use crate::runtime::output::CappedOutput;
use crate::runtime::precompiled::Source;
use crate::sandbox::{Policy, caps};
use crate::unit::UnitContext;
use crate::unit::dir::UnitDir;
use crate::unit::store::StoredState;
use crate::wit_host::{Delivery, HostState, kind_name};

/// The backends that answer the guest's calls.
pub struct Backends {
    pub juju: Box<dyn HookTools>,
    pub machine: Box<dyn Machine>,
    pub pebble: Box<dyn Pebble>,
    pub nondeterminism: Nondeterminism,
}

/// Where the guest's clocks and random numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nondeterminism {
    /// The machine's clocks and its secure generator, as on a unit.
    Host,
    /// Clocks that start at `start` (since the Unix epoch) and advance a millisecond
    /// each time they are read, and numbers drawn from `seed`: the same run gives the
    /// same result on every machine.
    Fixed { start: Duration, seed: u64 },
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

/// A charm directory with its component loaded: compiled (or mapped) once, then
/// instantiated afresh for every dispatch, as a unit would.
pub struct LoadedCharm {
    pub dir: CharmDir,
    component: LoadedComponent,
    metadata: Arc<Metadata>,
    policy: Arc<Policy>,
    protected: Arc<[PathBuf]>,
}

impl LoadedCharm {
    /// Loads the charm, mapping the precompiled form kept in `unit` (the unit's own
    /// directory) or compiling and keeping it there; with no `unit`, compiles and keeps
    /// nothing. `wanted` says which code will do.
    pub fn load(
        dir: CharmDir,
        unit: Option<&UnitDir>,
        wanted: Wanted,
    ) -> Result<(Self, Source), LoadError> {
        Self::load_for(dir, Instances::OnDemand, unit, wanted)
    }

    /// As [`LoadedCharm::load`], with instances allocated as `instances` says.
    pub fn load_for(
        dir: CharmDir,
        instances: Instances,
        unit: Option<&UnitDir>,
        wanted: Wanted,
    ) -> Result<(Self, Source), LoadError> {
        let cache = unit.map(UnitDir::cache);
        let (component, source) = LoadedComponent::load_with_source(
            &dir.component_path(),
            instances,
            cache.as_ref(),
            wanted,
        )?;
        Ok((LoadedCharm::new(dir, component, unit), source))
    }

    /// Which compiler made the code this charm runs.
    pub fn tier(&self) -> Tier {
        self.component.tier
    }

    /// As [`LoadedCharm::load`], from the precompiled form only; `None` when there is none.
    pub fn load_precompiled(dir: CharmDir, unit: &UnitDir) -> Result<Option<Self>, LoadError> {
        let component = LoadedComponent::load_precompiled(&dir.component_path(), &unit.cache())?;
        Ok(component.map(|component| LoadedCharm::new(dir, component, Some(unit))))
    }

    fn new(dir: CharmDir, component: LoadedComponent, unit: Option<&UnitDir>) -> Self {
        LoadedCharm {
            metadata: Arc::new(dir.metadata.clone()),
            policy: Arc::new(dir.manifest.machine.clone()),
            protected: protected(&dir.path, unit).into(),
            dir,
            component,
        }
    }

    /// Runs one dispatch for `unit` in a fresh instance: the deferred events of `stored`,
    /// oldest first, then `event`. Returns how it ended and the stored state to commit if
    /// it succeeded (values as the charm left them; the events it deferred).
    pub fn dispatch(
        &self,
        unit: Arc<UnitContext>,
        event: &Event,
        backends: Backends,
        output: &GuestOutput,
        stored: StoredState,
    ) -> (Outcome, StoredState) {
        let mut wasi = WasiCtxBuilder::new();
        wasi.max_random_size(caps::RANDOM_BYTES);
        // wasi:sockets links (a charm whose dependencies mention the network still
        // loads) but no address is granted; refused at creation, a socket is not even
        // opened, so a charm cannot spend the host's file descriptors on them.
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
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
        if let Nondeterminism::Fixed { start, seed } = backends.nondeterminism {
            let clock = SteppingClock::new(start);
            wasi.wall_clock(clock.clone())
                .monotonic_clock(clock)
                .secure_random(StdRng::seed_from_u64(seed))
                .insecure_random(StdRng::seed_from_u64(seed.wrapping_add(1)))
                .insecure_random_seed(u128::from(seed));
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
            unit,
            metadata: self.metadata.clone(),
            policy: self.policy.clone(),
            juju: backends.juju,
            machine: backends.machine,
            pebble: backends.pebble,
            stored,
            delivery: Delivery::default(),
            relation_endpoints: Default::default(),
            limiter: MemoryLimiter::new(self.dir.manifest.limits.memory),
            deadline,
            protected: self.protected.clone(),
        };
        let mut store = Store::new(&self.component.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_hostcall_fuel(caps::CALL_ARGUMENTS);
        // Handles live across calls, each a little of the host's memory.
        store.set_max_component_handles(caps::HANDLES);
        match self
            .component
            .epoch_deadline(self.dir.manifest.limits.timeout)
        {
            Ok(ticks) => store.set_epoch_deadline(ticks),
            Err(e) => return (Outcome::Failed(e), StoredState::default()),
        }
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
                queued: deferred.len(),
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

/// A clock for reproducible runs: it moves only when read, by a millisecond, so a guest
/// that waits for time to pass still sees it pass. Wall and monotonic time share it.
#[derive(Clone)]
struct SteppingClock {
    start: Duration,
    reads: Arc<AtomicU64>,
}

impl SteppingClock {
    const STEP: Duration = Duration::from_millis(1);

    fn new(start: Duration) -> Self {
        SteppingClock {
            start,
            reads: Arc::default(),
        }
    }

    fn elapsed(&self) -> Duration {
        let reads = self.reads.fetch_add(1, Ordering::Relaxed);
        Self::STEP.saturating_mul(u32::try_from(reads).unwrap_or(u32::MAX))
    }
}

impl HostWallClock for SteppingClock {
    fn resolution(&self) -> Duration {
        Self::STEP
    }

    fn now(&self) -> Duration {
        self.start.saturating_add(self.elapsed())
    }
}

impl HostMonotonicClock for SteppingClock {
    fn resolution(&self) -> u64 {
        Self::STEP.as_nanos() as u64
    }

    fn now(&self) -> u64 {
        u64::try_from(self.elapsed().as_nanos()).unwrap_or(u64::MAX)
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
            let cause = trap.root_cause().to_string();
            if cause.contains(caps::CALL_ARGUMENTS_EXHAUSTED) {
                return Err(format!(
                    "the charm handed one host call more than {} (the sandbox's bound on \
                     what one call may pass) and was stopped: {cause}{backtrace}",
                    Size(caps::CALL_ARGUMENTS as u64)
                ));
            }
            Err(format!("the charm crashed: {cause}{backtrace}"))
        }
    }
}

/// What no machine call may write: the charm directory, the operator's policy
/// directory, and the policy file `WASMCHARM_POLICY` names, as they really are.
fn protected(charm_dir: &std::path::Path, unit: Option<&UnitDir>) -> Vec<PathBuf> {
    let real = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut paths = vec![
        real(charm_dir),
        real(std::path::Path::new(crate::sandbox::OVERRIDE_DIR)),
    ];
    // The unit's state and the code the host maps, when they are kept beside the charm.
    if let Some(unit) = unit.filter(|u| u.path() != charm_dir) {
        paths.push(real(unit.path()));
    }
    // The operator's files, wherever the environment puts them.
    for env in [
        crate::charm_dir::PolicyOverride::ENV,
        crate::sandbox::trust::ENV,
    ] {
        if let Some(path) = std::env::var_os(env) {
            paths.push(real(std::path::Path::new(&path)));
        }
    }
    paths
}
