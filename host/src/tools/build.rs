//! `wasmcharm build`: the charm's crate compiled for `wasm32-wasip2` in release, put
//! where `wasmcharm.yaml` says, checked to be a `juju:charm` component this host runs,
//! and precompiled for this machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::charm_dir::{CharmDir, CharmDirError};
use crate::runtime::engine::{Instances, LoadError, LoadedComponent};
use crate::tools::progress::Step;
use crate::unit::dir::UnitDir;

pub const TARGET: &str = "wasm32-wasip2";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    CharmDir(#[from] CharmDirError),
    #[error("{dir} has no Cargo.toml: `wasmcharm build` builds a charm's Rust crate")]
    NoCrate { dir: String },
    #[error(
        "the {TARGET} target is not installed for this Rust toolchain: run \
         `rustup target add {TARGET}`"
    )]
    NoTarget,
    #[error("cannot run {program}: {source}")]
    Run {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Cargo(String),
    #[error("cannot put the component at {path}: {source}")]
    Place {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// What a build made.
#[derive(Debug)]
pub struct Built {
    pub component: PathBuf,
    pub size: u64,
    /// The `juju:charm` versions it was built against.
    pub contract: Vec<String>,
    pub compile: Duration,
}

#[derive(Deserialize)]
struct Metadata {
    target_directory: PathBuf,
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

/// Builds the charm in `dir`.
pub fn build(dir: &Path) -> Result<Built, BuildError> {
    let charm = CharmDir::open(dir)?;
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::NoCrate {
            dir: dir.display().to_string(),
        });
    }
    check_target()?;
    let (target_dir, lib) = crate_output(&manifest)?;

    let step = Step::start_plain(&format!("building {} for {TARGET}", charm.metadata.name));
    // cargo shows its own progress; it inherits the terminal.
    let status = Command::new(cargo())
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(&manifest)
        .status()
        .map_err(|source| BuildError::Run {
            program: "cargo".into(),
            source,
        })?;
    if !status.success() {
        return Err(BuildError::Cargo(format!(
            "cargo build --release --target {TARGET} failed ({status}); its errors are above"
        )));
    }
    let artifact = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{lib}.wasm"));
    let component = charm.component_path();
    place(&artifact, &component)?;
    let size = std::fs::metadata(&component).map_or(0, |m| m.len());
    step.done(&format!("{} ({size} bytes)", component.display()));

    let step = Step::start("checking the component and precompiling it for this machine");
    let started = Instant::now();
    // Kept where a unit run from this directory will look for it.
    let cache = UnitDir::in_charm_dir(dir).map(|unit| unit.cache());
    if let Some(cache) = &cache {
        cache.forget(&component);
    }
    let (loaded, _) =
        LoadedComponent::load_with_source(&component, Instances::OnDemand, cache.as_ref())?;
    let compile = started.elapsed();
    let contract = crate::runtime::engine::contract(&loaded.imports());
    step.done(&format!(
        "{}; precompiled in {} ms",
        contract.join(", "),
        compile.as_millis()
    ));
    Ok(Built {
        component,
        size,
        contract,
        compile,
    })
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Whether the toolchain cargo will use has the standard library for the target.
fn check_target() -> Result<(), BuildError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .map_err(|source| BuildError::Run {
            program: rustc.to_string_lossy().into_owned(),
            source,
        })?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let has_std = out.status.success()
        && std::fs::read_dir(&libdir).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        });
    if has_std {
        Ok(())
    } else {
        Err(BuildError::NoTarget)
    }
}

/// Where cargo puts the crate's output, and its library's name.
fn crate_output(manifest: &Path) -> Result<(PathBuf, String), BuildError> {
    let out = Command::new(cargo())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .map_err(|source| BuildError::Run {
            program: "cargo metadata".into(),
            source,
        })?;
    if !out.status.success() {
        return Err(BuildError::Cargo(format!(
            "cargo metadata failed for {}: {}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let meta: Metadata = serde_json::from_slice(&out.stdout)
        .map_err(|e| BuildError::Cargo(format!("cannot read cargo metadata: {e}")))?;
    let manifest = manifest.canonicalize().unwrap_or(manifest.to_path_buf());
    let package = meta
        .packages
        .iter()
        .find(|p| p.manifest_path.canonicalize().ok().as_deref() == Some(&*manifest))
        .ok_or_else(|| BuildError::Cargo(format!("no package in {}", manifest.display())))?;
    let lib = package
        .targets
        .iter()
        .find(|t| t.crate_types.iter().any(|c| c == "cdylib"))
        .ok_or_else(|| {
            BuildError::Cargo(format!(
                "package {} has no `cdylib` library; a charm needs `[lib] crate-type = \
                 [\"cdylib\"]` in Cargo.toml",
                package.name
            ))
        })?;
    Ok((meta.target_directory, lib.name.replace('-', "_")))
}

/// Copies the built component into place, whole or not at all.
fn place(from: &Path, to: &Path) -> Result<(), BuildError> {
    let err = |source| BuildError::Place {
        path: to.display().to_string(),
        source,
    };
    let dir = to.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".wasmcharm-build-")
        .tempfile_in(dir)
        .map_err(err)?;
    std::fs::copy(from, temp.path()).map_err(err)?;
    temp.persist(to).map_err(|e| err(e.error))?;
    Ok(())
}
