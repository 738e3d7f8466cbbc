//! Compiling a component the host did not write. A component can be made to cost its
//! compiler minutes and gigabytes, and the first hook on a unit compiles, so compiling is
//! bounded: components past [`caps::COMPONENT_SIZE`] are refused, and the full host
//! compiles in a child process of its own (`wasmcharm compile-component`, not listed in
//! `--help`) whose address space is capped with `RLIMIT_AS` and CPU time with
//! `RLIMIT_CPU`, and which is killed at a wall-clock deadline. The child writes the
//! compiled form to a file in a directory only this user can enter; the parent maps it.
//!
//! Library users that are not the `wasmcharm` binary (the `testing` facade inside a
//! `cargo test`) compile in-process: they compile charms their own author is testing.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::engine::{Bound, LoadError, Tier};
use super::precompiled::Cache;
use crate::backends::error::BackendError;
use crate::backends::process::Invocation;
use crate::sandbox::caps;

/// The program that compiles in a child process, when this process is one that may.
static COMPILER: OnceLock<PathBuf> = OnceLock::new();

/// Has every later compile in this process run `exe compile-component` in a bounded
/// child. `exe` must be a full `wasmcharm` host.
pub fn in_child_processes(exe: PathBuf) {
    let _ = COMPILER.set(exe);
}

/// Lowers the bounds, never raises them: for tests that prove them by their effect.
const MEMORY_ENV: &str = "WASMCHARM_COMPILE_MEMORY";
const TIME_ENV: &str = "WASMCHARM_COMPILE_TIME";

/// How much memory and time compiling may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub memory: u64,
    pub time: Duration,
}

impl Bounds {
    /// The caps, or lower ones the environment asks for.
    pub fn from_env() -> Self {
        let memory = std::env::var(MEMORY_ENV)
            .ok()
            .and_then(|v| super::limits::parse_size(&v))
            .map_or(caps::COMPILE_MEMORY, |m| m.min(caps::COMPILE_MEMORY));
        let time = std::env::var(TIME_ENV)
            .ok()
            .and_then(|v| crate::backends::pebble::duration::parse(&v))
            .and_then(|ns| u64::try_from(ns).ok())
            .map_or(caps::COMPILE_TIME, |ns| {
                Duration::from_nanos(ns).min(caps::COMPILE_TIME)
            });
        Bounds { memory, time }
    }
}

/// Compiles the component `bytes` read from `path` with `tier`'s compiler (`engine` is
/// that tier's), bounded when this process was set up for it.
pub fn compile(
    engine: &Engine,
    tier: Tier,
    path: &Path,
    bytes: &[u8],
) -> Result<Component, LoadError> {
    let shown = path.display().to_string();
    if bytes.len() as u64 > caps::COMPONENT_SIZE {
        return Err(LoadError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
        });
    }
    match COMPILER.get() {
        Some(exe) => in_child(engine, tier, exe, path, Bounds::from_env()),
        None => here(engine, &shown, bytes),
    }
}

fn here(engine: &Engine, shown: &str, bytes: &[u8]) -> Result<Component, LoadError> {
    #[cfg(feature = "compiler")]
    return Component::new(engine, bytes).map_err(|e| LoadError::Invalid {
        path: shown.to_string(),
        message: format!("{e:#}"),
    });
    #[cfg(not(feature = "compiler"))]
    {
        let _ = (engine, bytes);
        Err(LoadError::NoCompiler {
            path: shown.to_string(),
        })
    }
}

/// The file the child writes, in the directory the parent makes for it.
const OUTPUT: &str = "component.cwasm";

fn in_child(
    engine: &Engine,
    tier: Tier,
    exe: &Path,
    path: &Path,
    bounds: Bounds,
) -> Result<Component, LoadError> {
    let shown = path.display().to_string();
    let engine_error = |e: std::io::Error| LoadError::Engine(format!("compiling {shown}: {e}"));
    // Made 0700: nobody else can put a file of their own where the parent will map it.
    let dir = tempfile::Builder::new()
        .prefix("wasmcharm-compile-")
        .tempdir()
        .map_err(engine_error)?;
    let out = dir.path().join(OUTPUT);
    let argv = vec![
        exe.to_string_lossy().into_owned(),
        "compile-component".into(),
        "--memory".into(),
        bounds.memory.to_string(),
        "--cpu-seconds".into(),
        bounds.time.as_secs().max(1).to_string(),
        "--tier".into(),
        tier.name().into(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "--".into(),
        path.to_string_lossy().into_owned(),
    ];
    let mut invocation = Invocation::new(&argv, bounds.time);
    invocation.output_cap = 64 << 10;
    let output = match invocation.run() {
        Ok(output) => output,
        Err(BackendError::Timeout { .. }) => {
            return Err(LoadError::CompileBound {
                path: shown,
                bound: Bound::WallClock(bounds.time),
            });
        }
        Err(e) => return Err(LoadError::Engine(format!("compiling {shown}: {e}"))),
    };
    if output.code != 0 {
        let stderr = output.stderr_str();
        let stderr = stderr.trim();
        return Err(match output.code {
            // An allocation refused by RLIMIT_AS that wasmtime reported as an error.
            2 if stderr.contains("allocat") || stderr.contains("out of memory") => {
                LoadError::CompileBound {
                    path: shown,
                    bound: Bound::Memory(bounds.memory),
                }
            }
            // The child's own refusal: not a component it can compile.
            2 => LoadError::Invalid {
                path: shown,
                message: stderr
                    .strip_prefix("wasmcharm: ")
                    .unwrap_or(stderr)
                    .to_string(),
            },
            // An allocation refused by RLIMIT_AS aborts (SIGABRT, 134); RLIMIT_CPU
            // ends it with SIGXCPU (152) or SIGKILL (137).
            134 => LoadError::CompileBound {
                path: shown,
                bound: Bound::Memory(bounds.memory),
            },
            137 | 152 => LoadError::CompileBound {
                path: shown,
                bound: Bound::CpuSeconds(bounds.time.as_secs().max(1)),
            },
            code => LoadError::Engine(format!("compiling {shown} failed (exit {code}): {stderr}")),
        });
    }
    // SAFETY: the file was written by a wasmcharm host into a directory only this user
    // can enter, for an engine of the one configuration every wasmcharm host uses;
    // wasmtime checks the engine's configuration against the file's own before use.
    unsafe { Component::deserialize_file(engine, &out) }
        .map_err(|e| LoadError::Engine(format!("loading what compiling {shown} made: {e:#}")))
}

/// What [`optimize_later`] found to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Later {
    /// A process of its own is making the optimised code.
    Started,
    /// Another process is already making it.
    Running,
    /// It was tried for this component and could not be made, for this reason.
    Unoptimizable(String),
    /// This process compiles in-process (a library user), or the process could not be
    /// started, for this reason.
    NotStarted(String),
}

/// Has the optimised code for the charm in `charm_dir` (component `wasm`, kept in
/// `cache`) made after this process ends, by `wasmcharm optimize` in a session of its
/// own at the lowest CPU priority, so that the hook that ran baseline code is not kept
/// waiting and the hooks after it are slowed as little as can be. One at a time: the
/// process inherits the cache's optimiser lock, taken here, and holds it until it ends
/// however it ends. Its compile is bounded as any other ([`in_child`]).
pub fn optimize_later(charm_dir: &Path, wasm: &Path, cache: &Cache) -> Later {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let Some(exe) = COMPILER.get() else {
        return Later::NotStarted("this process compiles in-process".into());
    };
    if let Some(why) = cache.unoptimizable(wasm) {
        return Later::Unoptimizable(why);
    }
    let lock = match cache.optimizer_lock() {
        Ok(Some(lock)) => lock,
        Ok(None) => return Later::Running,
        Err(e) => return Later::NotStarted(format!("cannot take the optimiser's lock: {e}")),
    };
    let mut command = std::process::Command::new(exe);
    command
        .arg("optimize")
        .arg("--")
        .arg(charm_dir)
        // The lock as its standard input: a descriptor it keeps open until it exits, and
        // nothing of the hook's output for Juju to wait on.
        .stdin(Stdio::from(lock))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe system calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // Out of the hook's process group and session: Juju ending the hook's
            // processes must not end it, nor wait for it.
            nix::unistd::setsid()?;
            // `nice 19`: the unit's next hooks come first.
            if nix::libc::setpriority(nix::libc::PRIO_PROCESS, 0, 19) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Nothing else the hook's process had open: a descriptor Juju gave it (a
            // pipe it reads the hook's output from) would keep the hook open. A kernel
            // without close_range (before 5.9) leaves them: all the host opens itself
            // is close-on-exec.
            nix::libc::syscall(nix::libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            Ok(())
        });
    }
    match command.spawn() {
        Ok(_) => Later::Started,
        Err(e) => Later::NotStarted(format!("cannot run {}: {e}", exe.display())),
    }
}

/// `wasmcharm compile-component`: the child's side. Bounds itself first, then compiles
/// `component` and writes the result to `out`.
pub fn child_main(
    component: &Path,
    out: &Path,
    tier: Tier,
    memory: u64,
    cpu_seconds: u64,
) -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, setrlimit};
    setrlimit(Resource::RLIMIT_AS, memory, memory)?;
    setrlimit(Resource::RLIMIT_CPU, cpu_seconds, cpu_seconds)?;
    let engine = super::engine::engine_for(super::engine::Instances::OnDemand, tier)?;
    let bytes = std::fs::read(component)?;
    let shown = component.display().to_string();
    let compiled = here(&engine, &shown, &bytes)?;
    let serialized = compiled
        .serialize()
        .map_err(|e| anyhow::anyhow!("cannot serialise the compiled component: {e:#}"))?;
    std::fs::write(out, serialized)?;
    Ok(())
}
