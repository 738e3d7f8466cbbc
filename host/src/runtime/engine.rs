//! The wasmtime engine and the loading of a charm's component: one place for engine
//! policy, and for telling a charm author exactly why a file is not a runnable charm.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, WasmBacktraceDetails};

use crate::runtime::bindings::{self, CharmPre};
use crate::runtime::limits;
use crate::runtime::linking;
use crate::runtime::precompiled::{self, Cache, Identity};
use crate::sandbox::trust::TrustedKeys;
use crate::wit_host::HostState;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "the charm's component {path} does not exist. wasmcharm.yaml names it \
         (`component:`); build the charm for wasm32-wasip2 and put the .wasm there."
    )]
    Missing { path: String },
    #[error("cannot read the charm's component {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not WebAssembly: it does not start with the `\\0asm` magic bytes. \
         wasmcharm.yaml's `component:` must name the .wasm file built for wasm32-wasip2."
    )]
    NotWasm { path: String },
    #[error(
        "{path} is a core WebAssembly module, not a component. Build the charm with \
         `cargo build --target wasm32-wasip2`, which produces a component."
    )]
    CoreModule { path: String },
    #[error("{path} is not a valid WebAssembly component: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "{path} was built against juju:charm@{found}, which this wasmcharm does not run \
         (it runs juju:charm@{supported}). Rebuild the charm against a matching \
         wasmcharm-sdk, or use a wasmcharm that supports {found}."
    )]
    Version {
        path: String,
        found: String,
        supported: String,
    },
    #[error(
        "{path} is not a juju:charm component: {reason}. A charm implements the world \
         juju:charm/charm (wasmcharm-sdk's export_charm! does this)."
    )]
    WrongWorld { path: String, reason: String },
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
    #[error(
        "{path} has no precompiled form for this machine, and this build of the host has \
         no compiler: run `wasmcharm precompile` on the charm directory"
    )]
    NoCompiler { path: String },
    #[error(
        "{path} is {size} bytes; the host compiles components of at most {} bytes",
        crate::sandbox::caps::COMPONENT_SIZE
    )]
    TooLarge { path: String, size: u64 },
    #[error("compiling {path} {bound}, the most the host gives it; it was stopped")]
    CompileBound { path: String, bound: Bound },
}

/// Which bound a compile ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Memory(u64),
    CpuSeconds(u64),
    WallClock(Duration),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Memory(bytes) => {
                write!(f, "needed more than {} of memory", limits::Size(*bytes))
            }
            Bound::CpuSeconds(s) => write!(f, "used more than {s}s of CPU time"),
            Bound::WallClock(d) => write!(f, "did not finish within {}s", d.as_secs_f64()),
        }
    }
}

impl LoadError {
    /// Whether compiling the same component again would fail the same way. Not so for
    /// the wall clock, which a busy machine runs out of (the background optimiser runs
    /// at the lowest priority), nor for an engine or a temporary directory that could
    /// not be had.
    pub fn recurs(&self) -> bool {
        matches!(
            self,
            LoadError::Invalid { .. }
                | LoadError::TooLarge { .. }
                | LoadError::Version { .. }
                | LoadError::WrongWorld { .. }
                | LoadError::CompileBound {
                    bound: Bound::Memory(_) | Bound::CpuSeconds(_),
                    ..
                }
        )
    }
}

/// The names of everything a component imports, checked as [`LoadedComponent::load`]
/// checks them.
pub fn imports(path: &Path) -> Result<Vec<String>, LoadError> {
    LoadedComponent::load(path).map(|loaded| loaded.imports())
}

/// The `juju:charm` versions among `imports` (`juju:charm@0.1.0`), each once.
pub fn contract(imports: &[String]) -> Vec<String> {
    let mut versions: Vec<String> = imports
        .iter()
        .filter_map(|i| i.strip_prefix("juju:charm/"))
        .filter_map(|i| i.split_once('@').map(|(_, v)| format!("juju:charm@{v}")))
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

/// How a loaded component's instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instances {
    /// One per process, as a dispatch makes: allocated when needed, as cheap to set up
    /// as it gets.
    OnDemand,
    /// Many, one after another and some at once, as a test run makes: slots kept warm
    /// and reused, each with room for `memory` bytes (`limits.memory`).
    Pooled { slots: u32, memory: u64 },
}

/// Which of wasmtime's compilers makes a component's native code. Everything else about
/// the engine is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Winch: one pass over the code, no optimisation. For the first hook on a unit, which
    /// would otherwise wait for the whole optimised compile (seconds for a Python charm).
    Baseline,
    /// Cranelift: what every hook runs once it has been made.
    Optimized,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Optimized => "optimized",
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "baseline" => Ok(Tier::Baseline),
            "optimized" => Ok(Tier::Optimized),
            _ => Err(format!(
                "`{s}` is not a tier: expected baseline or optimized"
            )),
        }
    }
}

/// The engine configuration the host runs optimised code with, on-demand instances.
pub fn engine() -> Result<Engine, LoadError> {
    engine_for(Instances::OnDemand, Tier::Optimized)
}

/// The engine configuration, with instances allocated as `instances` says and code made
/// by `tier`'s compiler. The allocation does not change compiled code: one precompiled
/// file serves both; the tier does, and each has files of its own.
pub fn engine_for(instances: Instances, tier: Tier) -> Result<Engine, LoadError> {
    let config = config_for(instances, tier)?;
    Engine::new(&config).map_err(|e| LoadError::Engine(format!("{e:#}")))
}

/// The configuration shipped code is compiled with (`wasmcharm sign`): optimised, for
/// any CPU of this architecture rather than this one. On x86-64 that is the x86-64-v2
/// level (SSE3 to SSE4.2 and POPCNT, in every x86-64 CPU since about 2009), so that
/// float rounding is not a call into the host; wasmtime refuses the code when it is
/// mapped on a CPU without them, and the unit compiles instead.
#[cfg(feature = "compiler")]
fn portable_engine() -> Result<Engine, LoadError> {
    let engine_error = |e: wasmtime::Error| LoadError::Engine(format!("{e:#}"));
    let mut config = config_for(Instances::OnDemand, Tier::Optimized)?;
    config
        .target(&super::shipped::target())
        .map_err(engine_error)?;
    if cfg!(target_arch = "x86_64") {
        for flag in [
            "has_sse3",
            "has_ssse3",
            "has_sse41",
            "has_sse42",
            "has_popcnt",
        ] {
            // SAFETY: wasmtime checks that the CPU has each flag before it maps code
            // compiled with it.
            unsafe {
                config.cranelift_flag_enable(flag);
            }
        }
    }
    Engine::new(&config).map_err(engine_error)
}

/// The component `bytes` (read from `path`), compiled by [`portable_engine`]'s
/// configuration, serialised.
#[cfg(feature = "compiler")]
pub fn compile_portable(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, LoadError> {
    portable_engine()?
        .precompile_component(bytes)
        .map_err(|e| LoadError::Invalid {
            path: path.display().to_string(),
            message: format!("{e:#}"),
        })
}

#[cfg(not(feature = "compiler"))]
pub fn compile_portable(path: &Path, _: &[u8]) -> Result<Vec<u8>, LoadError> {
    Err(LoadError::NoCompiler {
        path: path.display().to_string(),
    })
}

fn config_for(instances: Instances, tier: Tier) -> Result<Config, LoadError> {
    let mut config = Config::new();
    match tier {
        Tier::Optimized => {}
        #[cfg(feature = "compiler")]
        Tier::Baseline => {
            config.strategy(wasmtime::Strategy::Winch);
        }
        // Winch code is called in a convention of its own, which only a host that has
        // Winch sets up: the hot binary leaves baseline code to the full host.
        #[cfg(not(feature = "compiler"))]
        Tier::Baseline => {
            return Err(LoadError::Engine(
                "this build of the host runs only optimised code".into(),
            ));
        }
    }
    match instances {
        Instances::OnDemand => {}
        #[cfg(feature = "pooling")]
        Instances::Pooled { slots, memory } => {
            let mut pool = wasmtime::PoolingAllocationConfig::new();
            use crate::sandbox::caps::{
                INSTANCE_CORE_INSTANCES, INSTANCE_MEMORIES, INSTANCE_TABLES, TABLE_ELEMENTS,
            };
            pool.total_component_instances(slots)
                .total_core_instances(slots * INSTANCE_CORE_INSTANCES as u32)
                .total_memories(slots * INSTANCE_MEMORIES as u32)
                .total_tables(slots * INSTANCE_TABLES as u32)
                .max_core_instances_per_component(INSTANCE_CORE_INSTANCES as u32)
                .max_memories_per_component(INSTANCE_MEMORIES as u32)
                .max_tables_per_component(INSTANCE_TABLES as u32)
                // A dispatch's limiter caps memories and tables per store, not per core
                // module; the pool's defaults (one each) would refuse what it runs.
                .max_memories_per_module(INSTANCE_MEMORIES as u32)
                .max_tables_per_module(INSTANCE_TABLES as u32)
                .max_memory_size(usize::try_from(memory).unwrap_or(usize::MAX))
                // As MemoryLimiter allows.
                .table_elements(TABLE_ELEMENTS)
                // Reset by giving the pages back (measured: zeroing even 256 KiB in
                // place made a run slower than the page faults it saves).
                .linear_memory_keep_resident(0);
            config.allocation_strategy(pool);
        }
        #[cfg(not(feature = "pooling"))]
        Instances::Pooled { .. } => {}
    }
    // Pinned rather than read from WASMTIME_BACKTRACE_DETAILS, so that an environment
    // variable cannot change how the charm is compiled.
    config.wasm_backtrace_details(WasmBacktraceDetails::Disable);
    // The dispatch deadline (limits.timeout) interrupts a running guest through epochs.
    config.epoch_interruption(true);
    Ok(config)
}

/// What a load compiles when nothing sound is kept for the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Code soonest: a hook is waiting. Kept code of either tier, else baseline code
    /// made now if the component is large enough for that to pay (the caller has the
    /// optimised code made afterwards), else optimised code.
    Soonest,
    /// Optimised code, made now if it is not kept: for runs nothing is waiting on, or
    /// many of them (`precompile`, test runs).
    Optimized,
}

/// A charm's component, compiled, checked and ready to instantiate once per event.
pub struct LoadedComponent {
    pub engine: Engine,
    pub pre: CharmPre<HostState>,
    /// Which compiler made the code this runs.
    pub tier: Tier,
    /// Kept with the component it was made for (it defines what that component imports).
    _linker: Linker<HostState>,
    /// Started by the first instance that needs a deadline.
    ticker: OnceLock<Result<(), String>>,
}

impl LoadedComponent {
    /// Compiles the component at `path`, keeping nothing.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        Self::load_with_source(path, Instances::OnDemand, None, Wanted::Optimized)
            .map(|(loaded, _)| loaded)
    }

    /// Loads the precompiled form from `cache` when there is a sound one of a tier
    /// `wanted` takes, else compiles (and keeps the result there for next time).
    pub fn load_with_source(
        path: &Path,
        instances: Instances,
        cache: Option<&Cache>,
        wanted: Wanted,
    ) -> Result<(Self, precompiled::Source), LoadError> {
        let started = std::time::Instant::now();
        let kept: &[Tier] = match wanted {
            Wanted::Soonest => &[Tier::Optimized, Tier::Baseline],
            Wanted::Optimized => &[Tier::Optimized],
        };
        for &tier in kept {
            let Some(cache) = cache else { break };
            // A host that cannot make a tier's engine cannot run its code either.
            let Ok(engine) = engine_for(instances, tier) else {
                continue;
            };
            if let Some(component) = cache.load(&engine, tier, path) {
                log::debug!(
                    "{}: {} code kept, mapped in {:.2} ms",
                    path.display(),
                    tier.name(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
                return Self::ready(path, engine, tier, component)
                    .map(|loaded| (loaded, precompiled::Source::Precompiled));
            }
        }
        if let Some((engine, component)) = cache.and_then(|c| shipped(path, instances, c)) {
            log::debug!(
                "{}: signed code shipped with it adopted in {:.2} ms",
                path.display(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            return Self::ready(path, engine, Tier::Optimized, component)
                .map(|loaded| (loaded, precompiled::Source::Shipped));
        }
        // What the code will be kept as made from: taken before the compile reads the
        // file, so that a component replaced meanwhile (upgrade-charm) is not credited
        // with code made from the one before.
        let made_from = Identity::of(path);
        let (engine, tier, component) = match wanted {
            Wanted::Soonest if baseline_pays(path) => {
                match compile_tier(instances, Tier::Baseline, path) {
                    Ok(compiled) => compiled,
                    // Winch takes fewer proposals than Cranelift and runs on fewer CPUs; a
                    // component it cannot compile gets optimised code at once (and one it
                    // refuses as invalid is refused again, in Cranelift's words).
                    Err(e @ (LoadError::Engine(_) | LoadError::Invalid { .. })) => {
                        log::debug!("{}: no baseline code ({e}); optimising", path.display());
                        compile_tier(instances, Tier::Optimized, path)?
                    }
                    Err(e) => return Err(e),
                }
            }
            _ => compile_tier(instances, Tier::Optimized, path)?,
        };
        // A cache that cannot be written (a full disk) costs a compile per hook, not the
        // hook: the caller says so where it can be seen.
        let kept = cache.map(|c| {
            let made_from = made_from
                .as_ref()
                .map_err(|e| std::io::Error::new(e.kind(), e.to_string()))?;
            c.store(&engine, tier, path, made_from, &component)
        });
        let source = match kept {
            Some(Err(e)) => precompiled::Source::CompiledNotKept(e.to_string()),
            _ => precompiled::Source::Compiled,
        };
        log::debug!(
            "{}: {} code compiled in {:.2} ms ({source:?})",
            path.display(),
            tier.name(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        Self::ready(path, engine, tier, component).map(|loaded| (loaded, source))
    }

    /// Loads the precompiled optimised code if there is a sound one, and never
    /// compiles: `None` means the caller must have it compiled (the hot `dispatch`
    /// binary has no compiler, and runs no baseline code).
    pub fn load_precompiled(path: &Path, cache: &Cache) -> Result<Option<Self>, LoadError> {
        let engine = engine()?;
        match cache.load(&engine, Tier::Optimized, path) {
            Some(component) => Self::ready(path, engine, Tier::Optimized, component).map(Some),
            None => {
                log::debug!("{}: nothing precompiled for this machine", path.display());
                Ok(None)
            }
        }
    }

    fn ready(
        path: &Path,
        engine: Engine,
        tier: Tier,
        component: Component,
    ) -> Result<Self, LoadError> {
        let shown = path.display().to_string();
        let linker = link(&shown, &engine, &component)?;
        let wrong = |e: wasmtime::Error| LoadError::WrongWorld {
            path: shown.clone(),
            reason: format!("{e:#}"),
        };
        let pre = linker.instantiate_pre(&component).map_err(wrong)?;
        let pre = CharmPre::new(pre).map_err(wrong)?;
        Ok(LoadedComponent {
            engine,
            pre,
            tier,
            _linker: linker,
            ticker: OnceLock::new(),
        })
    }

    /// The names of everything the component imports.
    pub fn imports(&self) -> Vec<String> {
        self.pre
            .instance_pre()
            .component()
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// The epoch deadline for an instance given `timeout`, with the engine's clock
    /// running.
    pub fn epoch_deadline(&self, timeout: Duration) -> Result<u64, String> {
        self.ticker
            .get_or_init(|| {
                limits::start_epoch_ticker(&self.engine)
                    .map_err(|e| format!("cannot start the clock for limits.timeout: {e}"))
            })
            .clone()?;
        Ok(limits::epoch_ticks(timeout))
    }
}

/// The code shipped beside the component at `path`, if it is signed by a key the
/// operator trusts, kept in `cache` and mapped. Refusals an operator should hear of go
/// to standard error, which Juju keeps in the unit's log; the component is compiled.
fn shipped(path: &Path, instances: Instances, cache: &Cache) -> Option<(Engine, Component)> {
    let engine = engine_for(instances, Tier::Optimized).ok()?;
    match super::shipped::adopt(path, cache, &engine, TrustedKeys::load)? {
        Ok(()) => {}
        Err(e) => {
            if e.is_alarming() {
                eprintln!(
                    "wasmcharm: not running the code shipped with {}: {}; compiling it",
                    path.display(),
                    crate::sandbox::caps::cut_message(&e.to_string())
                );
            } else {
                log::debug!(
                    "{}: not running the code shipped with it: {e}",
                    path.display()
                );
            }
            return None;
        }
    }
    match cache.load(&engine, Tier::Optimized, path) {
        Some(component) => Some((engine, component)),
        None => {
            // Signed and sound, but not for this CPU or this wasmtime.
            eprintln!(
                "wasmcharm: the signed code shipped with {} does not run on this machine \
                 (another CPU or wasmtime); compiling it",
                path.display()
            );
            cache.forget_tier(Tier::Optimized, path);
            None
        }
    }
}

/// Components up to this size get optimised code at once. Cranelift compiles about
/// 4.5 MB of component a second on this project's 2-core machines (a 240 KB Rust charm
/// in 0.1 s, an 18 MB Python one in 4 to 5 s), so below it a hook would gain a fraction
/// of a second from baseline code and pay for it with a second compile.
const BASELINE_ABOVE: u64 = 1 << 20;

/// Lowers [`BASELINE_ABOVE`] (`0`: every component), for tests of the baseline path
/// with small charms. Which compiler runs is all it changes: both are bounded alike.
const BASELINE_ABOVE_ENV: &str = "WASMCHARM_BASELINE_ABOVE";

/// Whether a waiting hook is better served by baseline code for the component at
/// `path`. Only where Winch is a supported target (x86-64): elsewhere it is a tier of
/// wasmtime that is neither fuzzed nor supported, and untrusted code gets Cranelift.
fn baseline_pays(path: &Path) -> bool {
    if !cfg!(all(feature = "compiler", target_arch = "x86_64")) {
        return false;
    }
    let above = std::env::var(BASELINE_ABOVE_ENV)
        .ok()
        .and_then(|v| limits::parse_size(&v))
        .map_or(BASELINE_ABOVE, |v| v.min(BASELINE_ABOVE));
    std::fs::metadata(path).is_ok_and(|meta| meta.len() > above)
}

/// An engine of `tier` and the component at `path` compiled with it.
fn compile_tier(
    instances: Instances,
    tier: Tier,
    path: &Path,
) -> Result<(Engine, Tier, Component), LoadError> {
    let engine = engine_for(instances, tier)?;
    let component = compile(&engine, tier, path)?;
    Ok((engine, tier, component))
}

/// Reads, checks and compiles a component file.
fn compile(engine: &Engine, tier: Tier, path: &Path) -> Result<Component, LoadError> {
    let shown = path.display().to_string();
    // Its size first: a component past the cap is not even read.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > crate::sandbox::caps::COMPONENT_SIZE
    {
        return Err(LoadError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing { path: shown });
        }
        Err(source) => {
            return Err(LoadError::Read {
                path: shown,
                source,
            });
        }
    };
    check_header(&shown, &bytes)?;
    super::compile::compile(engine, tier, path, &bytes)
}

/// The binary format's preamble: `\0asm`, then a version (1 for core modules) and a
/// layer (1 for components).
fn check_header(path: &str, bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm { path: path.into() });
    }
    if bytes[6..8] == [0, 0] {
        return Err(LoadError::CoreModule { path: path.into() });
    }
    Ok(())
}

/// A linker holding what `component` imports and nothing else, once it is seen to be a
/// charm this host runs: each import one the host provides, `juju:charm` of a supported
/// version, `handle` exported. Named before wasmtime's own, more cryptic, errors would.
fn link(
    path: &str,
    engine: &Engine,
    component: &Component,
) -> Result<Linker<HostState>, LoadError> {
    let ty = component.component_type();
    let mut linker = Linker::new(engine);
    for (name, _) in ty.imports(engine) {
        if let Some(rest) = name.strip_prefix("juju:charm/") {
            let found = rest.split_once('@').map_or("(unversioned)", |(_, v)| v);
            if !bindings::SUPPORTED_VERSIONS.contains(&found) {
                return Err(LoadError::Version {
                    path: path.into(),
                    found: found.into(),
                    supported: bindings::SUPPORTED_VERSIONS.join(", "),
                });
            }
        }
        let define =
            linking::definition(linking::interface(name)).ok_or_else(|| LoadError::WrongWorld {
                path: path.into(),
                reason: format!("it imports `{name}`, which wasmcharm does not provide"),
            })?;
        define(&mut linker).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
    }
    let exports_handle = ty
        .exports(engine)
        .any(|(name, item)| name == "handle" && matches!(item.ty, ComponentItem::ComponentFunc(_)));
    if !exports_handle {
        return Err(LoadError::WrongWorld {
            path: path.into(),
            reason: "it does not export the function `handle`".into(),
        });
    }
    Ok(linker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_would_recur_are_noted() {
        let bound = |bound| LoadError::CompileBound {
            path: "c".into(),
            bound,
        };
        assert!(bound(Bound::Memory(1 << 20)).recurs());
        assert!(bound(Bound::CpuSeconds(1)).recurs());
        assert!(!bound(Bound::WallClock(Duration::from_secs(120))).recurs());
        assert!(!LoadError::Engine("no /tmp".into()).recurs());
    }
}
