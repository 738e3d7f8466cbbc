//! A hook's life, in one place: Juju's environment becomes an event, the deferred events
//! and that event go through a fresh instance of the charm (collect-status after them),
//! the stored state is committed if the charm succeeded and changed it, and a failure is
//! reported once. `wasmcharm dispatch` and the hot `dispatch` binary run it on a unit
//! ([`on_unit`]); the simulated runs of [`crate::sim::runner`] take the same steps
//! ([`event_for`], [`run_event`]) against simulated backends.

use std::path::PathBuf;
use std::sync::Arc;

use crate::backends::juju::real::HookToolsExec;
use crate::backends::juju::{HookTools, LogLevel};
use crate::backends::machine::real::RealMachine;
use crate::backends::pebble::client::PebbleClient;
use crate::charm_dir::{CharmDir, CharmDirError, Metadata, PolicyOverride};
use crate::event::{self, Dispatch, DispatchPath, Env, Event, EventError, ProcessEnv};
use crate::runtime::compile::{Later, optimize_later};
use crate::runtime::engine::{LoadError, Tier, Wanted};
use crate::runtime::invoke::{Backends, GuestOutput, LoadedCharm, Nondeterminism, Outcome};
use crate::runtime::precompiled::Source;
use crate::unit::UnitContext;
use crate::unit::dir::{NowhereWritable, UnitDir};
use crate::unit::store::{StoreError, StoredState, UnitStore};

/// Why a dispatch could not run the charm at all: bad input, or a unit it cannot use.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    CharmDir(#[from] CharmDirError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    UnitDir(#[from] NowhereWritable),
    #[error("cannot read the working directory: {0}")]
    WorkingDir(std::io::Error),
    /// Only from [`Compile::Never`]: the caller hands the hook to a host that compiles.
    #[error("the charm has no precompiled form for this machine")]
    NotPrecompiled,
}

/// How a dispatch that ran ended, as Juju reads it from the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the hook is done (or was one to ignore).
    Done = 0,
    /// 1: the charm failed; the cause has been logged.
    CharmFailed = 1,
}

/// Whether a dispatch may compile the charm's component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compile {
    IfNeeded,
    /// The hot binary's way: map the precompiled code or hand the hook over.
    Never,
}

/// The event `path` names for a charm of `metadata`, with the rest of its details from
/// `env`; `None` for a hook to end at once: one Juju retired, or one that is neither
/// Juju's nor the charm's (noted at DEBUG, as `ops` does, so that a newer Juju never
/// breaks an older charm).
pub fn event_for(
    path: &DispatchPath,
    metadata: &Metadata,
    env: &dyn Env,
    juju: &mut dyn HookTools,
) -> Result<Option<Event>, EventError> {
    Ok(match event::classify(path, metadata, env)? {
        Dispatch::Event(event) => Some(event),
        Dispatch::Restricted(_) => None,
        Dispatch::Unknown(hook) => {
            let _ = juju.juju_log(LogLevel::Debug, &ignored(&hook));
            None
        }
    })
}

/// How [`run_event`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The charm succeeded, and what it stored was kept.
    Done,
    /// The charm failed, or what it stored could not be kept: the message, as reported.
    Failed(String),
}

/// Runs `event` (after the deferred events in `stored`) in a fresh instance of `charm`.
/// When the charm succeeds having changed what it stores, `keep` commits it; a failure
/// of either is reported once through `report` (on stderr when the hook context cannot
/// take it), and never leaves half a state.
#[allow(clippy::too_many_arguments)]
pub fn run_event(
    charm: &LoadedCharm,
    unit: Arc<UnitContext>,
    path: &DispatchPath,
    event: &Event,
    backends: Backends,
    output: &GuestOutput,
    stored: StoredState,
    keep: impl FnOnce(&StoredState) -> Result<(), String>,
    report: &mut dyn HookTools,
) -> Ended {
    let before = stored.clone();
    let (outcome, stored) = charm.dispatch(unit, event, backends, output, stored);
    log::debug!("handler done: {outcome:?}");
    let cause = match outcome {
        // Most hooks change nothing: they need no write, and no fsync.
        Outcome::Done if stored == before => return Ended::Done,
        Outcome::Done => match keep(&stored) {
            Ok(()) => return Ended::Done,
            Err(e) => format!("the charm succeeded but its stored state was not saved: {e}"),
        },
        Outcome::Failed(cause) => cause,
    };
    let message = failure(path, &cause);
    // An action fails with the charm's reason, which the operator sees beside it (Juju
    // would say only that the process exited 1).
    if matches!(event, Event::Action(_)) {
        let _ = report.action_fail(&crate::sandbox::caps::cut_message(&cause));
    }
    if report.juju_log(LogLevel::Error, &message).is_err() {
        eprintln!("wasmcharm: {}", crate::sandbox::caps::cut_message(&message));
    }
    Ended::Failed(message)
}

/// What Juju runs for every hook and action, on this unit: the environment of this
/// process, the charm in `JUJU_CHARM_DIR` (else the working directory), the real hook
/// tools, machine and Pebble.
pub fn on_unit(compile: Compile) -> Result<Exit, DispatchError> {
    let env = ProcessEnv;
    let path = DispatchPath::parse(
        &env.var("JUJU_DISPATCH_PATH")
            .ok_or(EventError::NoDispatchPath)?,
    )?;
    if event::is_restricted(&path) {
        return Ok(Exit::Done);
    }
    let dir = match env.var("JUJU_CHARM_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_dir().map_err(DispatchError::WorkingDir)?,
    };
    let mut charm_dir = CharmDir::open(&dir)?;
    log::debug!("{path} in {}", dir.display());
    let Some(event) = event_for(&path, &charm_dir.metadata, &env, &mut HookToolsExec::new())?
    else {
        return Ok(Exit::Done);
    };
    let unit = UnitContext::from_env(&env)?;
    if let Some((_, narrower)) = PolicyOverride::find(&unit.app_name)? {
        charm_dir.narrow(&narrower);
    }
    let unit_dir = UnitDir::for_charm(&dir)?;
    let charm = load(charm_dir, &unit_dir, compile)?;
    log::debug!(
        "event {event:?}; component {}",
        charm.dir.component_path().display()
    );
    // The process ends with the dispatch; the kernel takes back the component's maps and
    // tables faster than their destructors would.
    let charm = std::mem::ManuallyDrop::new(charm);
    // Taken once the component is had, so that a hand-over to the full host never holds
    // it. Held until the process ends: no other dispatch of this unit runs meanwhile.
    let (store, stored) = UnitStore::open(unit_dir.path())?;
    let backends = Backends {
        juju: Box::new(HookToolsExec::new()),
        machine: Box::new(RealMachine::from_env()),
        pebble: Box::new(PebbleClient::from_env()),
        nondeterminism: Nondeterminism::Host,
    };
    let ended = run_event(
        &charm,
        unit.into(),
        &path,
        &event,
        backends,
        &GuestOutput::Inherit,
        stored,
        |stored| store.commit(stored).map_err(|e| e.to_string()),
        &mut HookToolsExec::new(),
    );
    if charm.tier() == Tier::Baseline {
        optimize_afterwards(&charm, &unit_dir);
    }
    Ok(match ended {
        Ended::Done => Exit::Done,
        Ended::Failed(_) => Exit::CharmFailed,
    })
}

/// Has the optimised code made once this hook, which ran baseline code, is over.
fn optimize_afterwards(charm: &LoadedCharm, unit_dir: &UnitDir) {
    let wasm = charm.dir.component_path();
    match optimize_later(&charm.dir.path, &wasm, &unit_dir.cache()) {
        Later::Started => log::debug!("optimising {} in the background", wasm.display()),
        Later::Running => log::debug!("{} is being optimised", wasm.display()),
        // Juju keeps a hook's standard error in the unit's log: where an operator
        // would look for why every hook runs slower code.
        Later::Unoptimizable(why) | Later::NotStarted(why) => eprintln!(
            "wasmcharm: the charm runs its baseline code, not optimised code: {}",
            crate::sandbox::caps::cut_message(&why)
        ),
    }
}

/// The charm, from the precompiled code kept for the unit or, if `compile` allows,
/// compiled now and kept.
fn load(
    charm_dir: CharmDir,
    unit_dir: &UnitDir,
    compile: Compile,
) -> Result<LoadedCharm, DispatchError> {
    match compile {
        Compile::IfNeeded => {
            let (charm, source) = LoadedCharm::load(charm_dir, Some(unit_dir), Wanted::Soonest)?;
            if let Source::CompiledNotKept(why) = source {
                let _ = HookToolsExec::new().juju_log(
                    LogLevel::Warning,
                    &format!(
                        "the compiled charm cannot be kept in {}: {why}; every hook \
                         compiles it again until it can",
                        unit_dir.path().display()
                    ),
                );
            }
            Ok(charm)
        }
        Compile::Never => {
            LoadedCharm::load_precompiled(charm_dir, unit_dir)?.ok_or(DispatchError::NotPrecompiled)
        }
    }
}

/// How an ignored hook is noted.
pub fn ignored(hook: &str) -> String {
    format!(
        "ignoring hook `{hook}`: it is neither a Juju hook nor one derived from this \
         charm's metadata"
    )
}

/// How a failed dispatch is reported.
pub fn failure(path: &DispatchPath, cause: &str) -> String {
    format!("{path} failed: {cause}")
}
