//! The `wasmcharm` command line. Library errors become one-paragraph messages here, and
//! outcomes become exit codes: 0 done, 1 the charm failed, 2 bad input.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::charm_dir::{CharmDir, PolicyOverride};
use crate::dispatch::{self, Compile, DispatchError};
use crate::runtime::precompiled::Source;
use crate::sim::pebble::{ContainerModel, SimContainer};
use crate::sim::runner::TestCharm;
use crate::sim::state::{Happened, State};
use crate::unit::dir::UnitDir;

/// `--version`: the host's version, the SDK release that matches it, and every
/// `juju:charm` contract it runs.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nwasmcharm-sdk ",
    env!("CARGO_PKG_VERSION"),
    "\njuju:charm WIT versions: ",
    // Kept equal to bindings::SUPPORTED_VERSIONS by a test.
    "0.1.1, 0.1.0"
);

#[derive(Debug, Parser)]
#[command(
    name = "wasmcharm",
    version = VERSION,
    about = "Runs Juju charms built as WebAssembly components"
)]
struct Cli {
    /// Log what the host does, on stderr (also turned on by JUJU_DEBUG, which
    /// `juju debug-hooks` sets).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hook or action Juju is dispatching (JUJU_DISPATCH_PATH) on this unit.
    /// This is what a charm's `dispatch` runs.
    Dispatch,
    /// Run one event against a simulated unit, with no Juju: state in, state out.
    Run {
        /// The charm directory (charmcraft.yaml or metadata.yaml, and wasmcharm.yaml).
        charm_dir: PathBuf,
        /// The hook as Juju names it (install, config-changed, db-relation-changed,
        /// web-pebble-ready) or an action's name.
        event: String,
        /// The unit's state before the event (YAML); an empty unit when not given.
        #[arg(long, value_name = "IN.yaml")]
        state: Option<PathBuf>,
        /// Also write the state after the event here, ready to feed to the next run.
        #[arg(long, value_name = "OUT.yaml")]
        out: Option<PathBuf>,
        /// An operator's policy override to narrow the charm's by.
        #[arg(long, value_name = "POLICY.yaml")]
        policy: Option<PathBuf>,
    },
    /// Create a new charm crate in ./NAME that builds and passes its scenarios as
    /// generated.
    #[command(group(clap::ArgGroup::new("kind").required(true).args(["machine", "kubernetes"])))]
    New {
        name: String,
        /// A machine charm: a package and a systemd service.
        #[arg(long)]
        machine: bool,
        /// A Kubernetes charm: a workload container driven by a Pebble layer.
        #[arg(long)]
        kubernetes: bool,
        /// A Python charm (src/charm.py on wasmcharm-ops, built with componentize-py)
        /// instead of a Rust crate.
        #[arg(long, conflicts_with = "sdk")]
        python: bool,
        /// A local wasmcharm-sdk to depend on (a checkout's guest-sdk), for contributors;
        /// default: $WASMCHARM_SDK, else the release of this host's version from crates.io.
        #[arg(long, value_name = "PATH")]
        sdk: Option<PathBuf>,
    },
    /// Build the charm's component for wasm32-wasip2 in release, put it where
    /// wasmcharm.yaml says, check it and precompile it.
    Build {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
    },
    /// Write NAME.charm, the zip Juju deploys, with this host (or --host-binary's) in it.
    Pack {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
        /// Pack this wasmcharm binary, built for ARCH (amd64, arm64...), instead of the
        /// running one.
        #[arg(long, value_name = "ARCH=PATH")]
        host_binary: Option<String>,
        /// Where to write the .charm (default: CHARM_DIR/NAME.charm).
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Then unpack it as Juju does and run what was packed: the packed host compiles
        /// the component, the packed dispatch starts, install runs on a simulated unit.
        /// Exits 1 if a step fails (the .charm, already read back, stays written).
        #[arg(long)]
        check: bool,
        /// The unit install runs on for --check (a `wasmcharm run` state); without one,
        /// the charm's failure on an empty unit is noted, not a failed check.
        #[arg(long, value_name = "STATE.yaml", requires = "check")]
        check_state: Option<PathBuf>,
    },
    /// Run a charm's scenarios (tests/scenarios/*.yaml: a state, an event, what is
    /// expected), in parallel, with no Juju. Exits 1 if any fails.
    Test {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
        /// Also write a JUnit XML report here, for CI systems.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Scenarios run at once; one per core when not given.
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
    },
    /// Write a new key for signing charms' compiled code (mode 0600), and print its
    /// public key: the line an operator adds to /etc/wasmcharm/trusted-keys.
    Keygen {
        #[arg(value_name = "KEY_FILE")]
        key: PathBuf,
    },
    /// Compile a charm's component for any CPU of this architecture and sign the code,
    /// so that `pack` ships it and a unit whose operator trusts the key runs it without
    /// compiling.
    Sign {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
        /// The key `wasmcharm keygen` wrote.
        #[arg(long, value_name = "KEY_FILE")]
        key: PathBuf,
    },
    /// Compile a charm's component for this machine ahead of time, so that no hook pays
    /// for it. (A dispatch does it too, the first time it finds none.)
    Precompile {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
    },
    /// Show what a charm asks for: the contract it was built against, the interfaces it
    /// imports, its capabilities and limits (narrowed by --policy, if given).
    Inspect {
        #[arg(default_value = ".")]
        charm_dir: PathBuf,
        #[arg(long, value_name = "POLICY.yaml")]
        policy: Option<PathBuf>,
    },
    /// The host's own: compile one component within the given bounds, in a process of
    /// its own (see runtime::compile).
    #[command(hide = true)]
    CompileComponent {
        #[arg(long)]
        memory: u64,
        #[arg(long)]
        cpu_seconds: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "optimized")]
        tier: crate::runtime::engine::Tier,
        component: PathBuf,
    },
    /// The host's own: make the optimised code for a charm whose unit ran its baseline
    /// code, in the background (see runtime::compile::optimize_later).
    #[command(hide = true)]
    Optimize { charm_dir: PathBuf },
    /// Serve a simulated container's Pebble on a UNIX socket, with Pebble's HTTP API, until
    /// stopped. For testing charms and Pebble clients with no Pebble installed.
    PebbleSim {
        /// The socket to listen on.
        #[arg(long, value_name = "PATH")]
        socket: PathBuf,
        /// The container's starting state (YAML: layers, services, crash-on-start,
        /// files, directories, execs), as under `containers.<name>` in a run state.
        #[arg(long, value_name = "CONTAINER.yaml")]
        state: Option<PathBuf>,
    },
}

/// Exit codes Juju and scripts see.
const CHARM_FAILED: u8 = dispatch::Exit::CharmFailed as u8;
const BAD_INPUT: u8 = 2;

pub fn main() -> ExitCode {
    // A component is compiled in a bounded child of this binary: the binary is the
    // compiler.
    if let Ok(exe) = std::env::current_exe() {
        crate::runtime::compile::in_child_processes(exe);
    }
    // The host can itself be a charm's `dispatch`.
    let invoked_as_dispatch = std::env::args_os()
        .next()
        .is_some_and(|argv0| Path::new(&argv0).file_name() == Some("dispatch".as_ref()));
    let result = if invoked_as_dispatch {
        crate::verbose::init_from_env();
        dispatch_here()
    } else {
        let cli = Cli::parse();
        if cli.verbose {
            crate::verbose::init();
        } else {
            crate::verbose::init_from_env();
        }
        match cli.command {
            Command::Dispatch => dispatch_here(),
            Command::Run {
                charm_dir,
                event,
                state,
                out,
                policy,
            } => run(
                &charm_dir,
                &event,
                state.as_deref(),
                out.as_deref(),
                policy.as_deref(),
            ),
            Command::Inspect { charm_dir, policy } => inspect(&charm_dir, policy.as_deref()),
            Command::Precompile { charm_dir } => precompile(&charm_dir),
            Command::Optimize { charm_dir } => optimize(&charm_dir),
            Command::Keygen { key } => keygen(&key),
            Command::Sign { charm_dir, key } => sign(&charm_dir, &key),
            Command::Test {
                charm_dir,
                junit,
                jobs,
            } => test(&charm_dir, junit.as_deref(), jobs),
            Command::New {
                name,
                machine,
                kubernetes: _,
                python,
                sdk,
            } => new(&name, machine, python, sdk),
            Command::Build { charm_dir } => build(&charm_dir),
            Command::Pack {
                charm_dir,
                host_binary,
                out,
                check,
                check_state,
            } => pack(
                &charm_dir,
                host_binary.as_deref(),
                out.as_deref(),
                check.then_some(check_state.as_deref()),
            ),
            Command::PebbleSim { socket, state } => pebble_sim(&socket, state.as_deref()),
            Command::CompileComponent {
                memory,
                cpu_seconds,
                out,
                tier,
                component,
            } => crate::runtime::compile::child_main(&component, &out, tier, memory, cpu_seconds)
                .map(|()| ExitCode::SUCCESS),
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("wasmcharm: {e:#}");
        ExitCode::from(BAD_INPUT)
    })
}

/// `dispatch` for a packed charm: the hot path only, in a binary without a compiler.
/// A charm with no sound precompiled form (the first hook, or a new CPU or host) is
/// handed whole to the full `wasmcharm dispatch`, which compiles it and keeps the result,
/// so every later hook takes the hot path.
pub fn hot_main() -> u8 {
    crate::verbose::init_from_env();
    match dispatch::on_unit(Compile::Never) {
        Ok(exit) => exit as u8,
        Err(DispatchError::NotPrecompiled) => {
            let host = full_host();
            // Only returns if the host could not be run.
            let e = std::process::Command::new(&host).arg("dispatch").exec();
            eprintln!(
                "wasmcharm: the charm needs compiling for this machine, and the compiling \
                 host {} could not be run: {e}{}. Put `wasmcharm` beside `dispatch` (or in \
                 bin/, or on PATH), or run `wasmcharm precompile` on the charm directory.",
                host.display(),
                not_executable(&host)
            );
            BAD_INPUT
        }
        Err(e) => {
            eprintln!("wasmcharm: {e}");
            BAD_INPUT
        }
    }
}

/// `wasmcharm dispatch`, or the full host run as `dispatch`: compiles when it must.
fn dispatch_here() -> Result<ExitCode> {
    Ok(ExitCode::from(dispatch::on_unit(Compile::IfNeeded)? as u8))
}

/// Why `host` may not run, when its mode says: the usual cause is a .charm unpacked by a
/// tool that drops the modes its entries carry.
fn not_executable(host: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(host) {
        Ok(meta) if meta.permissions().mode() & 0o111 == 0 => format!(
            " (its mode is {:o}: was the .charm unpacked without the file modes it carries? \
             `unzip` and Juju keep them)",
            meta.permissions().mode() & 0o777
        ),
        _ => String::new(),
    }
}

/// The full host, for [`hot_main`]: beside the running binary, in `bin/` beside it (a
/// packed charm's layout), or on PATH.
fn full_host() -> PathBuf {
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    here.into_iter()
        .flat_map(|dir| [dir.join("wasmcharm"), dir.join("bin").join("wasmcharm")])
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("wasmcharm"))
}

#[derive(Serialize)]
struct RunReport<'a> {
    state: &'a State,
    happened: &'a Happened,
}

/// One event against a simulated unit.
fn run(
    dir: &Path,
    event_name: &str,
    state_in: Option<&Path>,
    out: Option<&Path>,
    policy: Option<&Path>,
) -> Result<ExitCode> {
    let narrower = policy.map(load_policy).transpose()?;
    let charm = TestCharm::load_for_one_run(dir, narrower.as_ref())?;
    let state = match state_in {
        Some(path) => State::load(path)?,
        None => State::default(),
    };
    let run = charm.run(event_name, &state)?;
    if let Some(out) = out {
        write_atomically(out, run.state.to_yaml()?.as_bytes())?;
    }
    let report = serde_yaml::to_string(&RunReport {
        state: &run.state.redacted(),
        happened: &run.happened,
    })?;
    std::io::stdout().write_all(report.as_bytes())?;
    Ok(if run.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(CHARM_FAILED)
    })
}

/// A state file is either the old one or the new one, never half of the new.
fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.write_all(content)?;
    temp.as_file().sync_all()?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A simulated container's Pebble on a socket.
fn pebble_sim(socket: &Path, state: Option<&Path>) -> Result<ExitCode> {
    let model = match state {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the container state {}", path.display()))?;
            serde_yaml::from_str::<Option<ContainerModel>>(&text)
                .with_context(|| format!("the container state {} is not valid", path.display()))?
                .unwrap_or_default()
        }
        None => ContainerModel::default(),
    };
    let container = SimContainer::from_model("container", &model)
        .map_err(|e| anyhow::anyhow!("the container state does not hold together: {e}"))?;
    crate::sim::pebble_server::serve(socket, container)
        .with_context(|| format!("cannot serve Pebble on {}", socket.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// A charm directory, narrowed by the override file given, if any.
fn open_narrowed(dir: &Path, policy: Option<&Path>) -> Result<CharmDir> {
    let mut charm_dir = CharmDir::open(dir)?;
    if let Some(path) = policy {
        charm_dir.narrow(&load_policy(path)?);
    }
    Ok(charm_dir)
}

fn load_policy(path: &Path) -> Result<PolicyOverride> {
    PolicyOverride::load(path)?
        .with_context(|| format!("the policy file {} is missing or empty", path.display()))
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Inspection {
    charm: String,
    component: String,
    /// The `juju:charm` versions the component was built against.
    contract: Vec<String>,
    imports: Vec<String>,
    limits: InspectedLimits,
    machine: InspectedPolicy,
    containers: Vec<String>,
}

#[derive(Serialize)]
struct InspectedLimits {
    memory: String,
    timeout: String,
    output: String,
}

#[derive(Serialize)]
struct InspectedPolicy {
    packages: Vec<String>,
    repositories: Vec<String>,
    services: Vec<String>,
    snaps: Vec<String>,
    commands: Vec<String>,
    files: InspectedFiles,
    reboot: bool,
}

#[derive(Serialize)]
struct InspectedFiles {
    read: Vec<String>,
    write: Vec<String>,
}

/// What a charm asks for.
fn inspect(dir: &Path, policy: Option<&Path>) -> Result<ExitCode> {
    let charm_dir = open_narrowed(dir, policy)?;
    let imports = crate::runtime::engine::imports(&charm_dir.component_path())?;
    let contract = crate::runtime::engine::contract(&imports);
    let m = &charm_dir.manifest;
    let list = |l: &crate::sandbox::AllowList| l.names().to_vec();
    let paths = |p: &[PathBuf]| p.iter().map(|p| p.display().to_string()).collect();
    let report = Inspection {
        charm: charm_dir.metadata.name.clone(),
        component: m.component.display().to_string(),
        contract,
        imports,
        limits: InspectedLimits {
            memory: crate::runtime::limits::Size(m.limits.memory).to_string(),
            timeout: format!("{}s", m.limits.timeout.as_secs_f64()),
            output: crate::runtime::limits::Size(m.limits.output).to_string(),
        },
        machine: InspectedPolicy {
            packages: list(&m.machine.packages),
            repositories: list(&m.machine.repositories),
            services: list(&m.machine.services),
            snaps: list(&m.machine.snaps),
            commands: m
                .machine
                .commands
                .rules()
                .iter()
                .map(|rule| match &rule.env {
                    Some(env) if !env.is_empty() => {
                        let names: Vec<&str> = env.iter().map(|n| n.as_str()).collect();
                        format!("{} (may set {})", rule.program, names.join(", "))
                    }
                    _ => rule.program.clone(),
                })
                .collect(),
            files: InspectedFiles {
                read: paths(&m.machine.files.read),
                write: paths(&m.machine.files.write),
            },
            reboot: m.machine.reboot,
        },
        containers: charm_dir.metadata.containers.clone(),
    };
    std::io::stdout().write_all(serde_yaml::to_string(&report)?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn new(name: &str, machine: bool, python: bool, sdk: Option<PathBuf>) -> Result<ExitCode> {
    use crate::tools::scaffold::{Kind, Language, Sdk, create};
    let kind = if machine {
        Kind::Machine
    } else {
        Kind::Kubernetes
    };
    let language = if python {
        Language::Python
    } else {
        Language::Rust(Sdk::chosen(sdk))
    };
    let dir = PathBuf::from(name);
    create(&dir, name, kind, &language)?;
    println!("created {name}/: cd {name} && wasmcharm build && wasmcharm test && wasmcharm pack");
    Ok(ExitCode::SUCCESS)
}

fn build(dir: &Path) -> Result<ExitCode> {
    let built = crate::tools::build::build(dir)?;
    println!(
        "{} ({} bytes, {})",
        built.component.display(),
        built.size,
        built.contract.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// `check`: none for no check, else the state install runs on (none: an empty unit).
fn pack(
    dir: &Path,
    host_binary: Option<&str>,
    out: Option<&Path>,
    check: Option<Option<&Path>>,
) -> Result<ExitCode> {
    use crate::tools::pack::Host;
    let host = match host_binary {
        Some(spec) => Host::parse(spec)?,
        None => Host::this()?,
    };
    let packed = crate::tools::pack::pack(dir, &host, out)?;
    println!("{}", packed.path.display());
    let Some(state) = check else {
        return Ok(ExitCode::SUCCESS);
    };
    if host.arch != crate::tools::pack::this_architecture() {
        anyhow::bail!(
            "--check runs the packed binaries, and those are for {}: they cannot run on this \
             {} machine (the .charm is written; check it on an {} machine)",
            host.arch,
            crate::tools::pack::this_architecture(),
            host.arch
        );
    }
    let mut failed = false;
    for step in crate::tools::pack::check::check(&packed.path, state) {
        match &step.result {
            Ok(shown) => println!("ok      {}: {shown}", step.what),
            Err(why) => {
                failed = true;
                println!("FAILED  {}: {why}", step.what);
            }
        }
    }
    Ok(if failed {
        ExitCode::from(CHARM_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs a charm's scenario suite.
fn test(dir: &Path, junit: Option<&Path>, jobs: Option<usize>) -> Result<ExitCode> {
    use crate::sim::scenario;
    let scenarios = scenario::discover(dir)?;
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, scenarios.len().max(1));
    let started = std::time::Instant::now();
    let charm = TestCharm::load_for_threads(dir, jobs)?;
    let compiled = started.elapsed();
    println!(
        "running {} scenario(s) of {} on {jobs} thread(s) (loaded in {} ms)",
        scenarios.len(),
        charm.metadata().name,
        compiled.as_millis()
    );
    let print = |verdict: &scenario::Verdict| {
        let mut out = std::io::stdout().lock();
        let ms = verdict.elapsed.as_secs_f64() * 1000.0;
        if verdict.passed() {
            let _ = writeln!(out, "ok      {} ({ms:.1} ms)", verdict.name);
        } else {
            let _ = writeln!(out, "FAILED  {} ({})", verdict.name, verdict.file.display());
            for problem in &verdict.problems {
                let _ = writeln!(out, "        {problem}");
            }
        }
    };
    let ran = std::time::Instant::now();
    let verdicts = scenario::run_all(&charm, &scenarios, jobs, &print);
    let elapsed = ran.elapsed();
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    println!(
        "{} passed, {failed} failed ({:.0} scenarios/s)",
        verdicts.len() - failed,
        verdicts.len() as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    if let Some(path) = junit {
        let xml = scenario::junit(&charm.metadata().name, &verdicts, elapsed);
        write_atomically(path, xml.as_bytes())?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(CHARM_FAILED)
    })
}

/// Compiles ahead of time, or says the precompiled form is current.
fn precompile(dir: &Path) -> Result<ExitCode> {
    let charm_dir = CharmDir::open(dir)?;
    let wasm = charm_dir.component_path();
    let unit_dir = UnitDir::for_charm(dir)?;
    let cache = unit_dir.cache();
    let started = std::time::Instant::now();
    let (_, source) = crate::runtime::engine::LoadedComponent::load_with_source(
        &wasm,
        crate::runtime::engine::Instances::OnDemand,
        Some(&cache),
        crate::runtime::engine::Wanted::Optimized,
    )?;
    match source {
        Source::Precompiled => {
            println!("{} is already precompiled for this machine", wasm.display());
        }
        Source::Shipped => println!(
            "{} runs the signed code shipped with it, kept in {}",
            wasm.display(),
            unit_dir.path().display()
        ),
        Source::Compiled => println!(
            "compiled {} for this machine in {} ms, kept in {}",
            wasm.display(),
            started.elapsed().as_millis(),
            unit_dir.path().display()
        ),
        Source::CompiledNotKept(why) => anyhow::bail!(
            "compiled {} but cannot keep it in {}: {why}",
            wasm.display(),
            unit_dir.path().display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn keygen(key: &Path) -> Result<ExitCode> {
    let public = crate::tools::sign::keygen(key)?;
    println!("{public}");
    eprintln!(
        "wrote the signing key {}; a unit runs what it signs once its operator adds the \
         line above to {}",
        key.display(),
        crate::sandbox::trust::TRUSTED_KEYS
    );
    Ok(ExitCode::SUCCESS)
}

fn sign(dir: &Path, key: &Path) -> Result<ExitCode> {
    let key = crate::tools::sign::read_key(key)?;
    let started = std::time::Instant::now();
    let signed = crate::tools::sign::sign(dir, &key)?;
    println!(
        "compiled for {} in {} ms ({} bytes) and signed by {}: {}, {}",
        signed.signed.target,
        started.elapsed().as_millis(),
        signed.size,
        signed.signed.key,
        signed.code.display(),
        signed.signature.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Makes a unit's optimised code, or notes why it cannot be made, so that the hooks
/// that find only baseline code do not try again for the same component.
fn optimize(dir: &Path) -> Result<ExitCode> {
    let charm_dir = CharmDir::open(dir)?;
    let wasm = charm_dir.component_path();
    let cache = UnitDir::for_charm(dir)?.cache();
    let made_from = crate::runtime::precompiled::Identity::of(&wasm)?;
    // Counted before it begins: a try killed from outside says nothing else.
    cache.note_try(&wasm, &made_from)?;
    let loaded = crate::runtime::engine::LoadedComponent::load_with_source(
        &wasm,
        crate::runtime::engine::Instances::OnDemand,
        Some(&cache),
        crate::runtime::engine::Wanted::Optimized,
    );
    match loaded {
        // A cache that cannot be written now may be written by a later hook's try.
        Ok((_, Source::CompiledNotKept(why))) => anyhow::bail!("cannot keep the code: {why}"),
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            if e.recurs() {
                cache.note_unoptimizable(&wasm, &made_from, &e.to_string())?;
            }
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_lists_the_supported_contracts() {
        let listed = super::VERSION
            .split_once("juju:charm WIT versions: ")
            .map(|(_, v)| v)
            .unwrap();
        assert_eq!(
            listed,
            crate::runtime::bindings::SUPPORTED_VERSIONS.join(", ")
        );
    }
}
