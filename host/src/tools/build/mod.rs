//! `wasmcharm build`: the charm made into a component (a Rust crate by cargo for
//! `wasm32-wasip2`, a Python charm by componentize-py), put where `wasmcharm.yaml`
//! says, checked to be a `juju:charm` component this host runs, and precompiled for
//! this machine.

pub mod python;
pub mod rust;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::charm_dir::{CharmDir, CharmDirError};
use crate::runtime::engine::{Instances, LoadError, LoadedComponent, Wanted};
use crate::tools::progress::Step;
use crate::unit::dir::UnitDir;

pub const TARGET: &str = "wasm32-wasip2";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    CharmDir(#[from] CharmDirError),
    #[error("{dir} has neither a Cargo.toml (a Rust charm) nor a src/charm.py (a Python charm)")]
    NoSource { dir: String },
    #[error(
        "the {TARGET} target is not installed for this Rust toolchain: run \
         `rustup target add {TARGET}`"
    )]
    NoTarget,
    #[error(
        "{program} is not installed: a Python charm is built by componentize-py. Run \
         `pip install componentize-py=={} wasmcharm-ops` (in the environment you build \
         from), or set WASMCHARM_COMPONENTIZE_PY to where it is",
        python::COMPONENTIZE_PY
    )]
    NoComponentizePy { program: String },
    #[error("cannot run {program}: {source}")]
    Run {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Cargo(String),
    #[error("{0}")]
    Componentize(String),
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

/// Builds the charm in `dir`.
pub fn build(dir: &Path) -> Result<Built, BuildError> {
    let charm = CharmDir::open(dir)?;
    let name = &charm.metadata.name;
    let component = charm.component_path();
    let manifest = dir.join("Cargo.toml");
    if manifest.is_file() {
        let step = Step::start_plain(&format!("building {name} for {TARGET}"));
        let artifact = rust::build(&manifest)?;
        place(&artifact, &component)?;
        step.done(&placed(&component));
    } else if python::is_python(dir) {
        let step = Step::start_plain(&format!("building {name} with componentize-py"));
        // Beside the component, so that a failed build leaves the old one as it was.
        let out = temporary_beside(&component)?;
        python::build(dir, out.path())?;
        out.persist(&component).map_err(|e| BuildError::Place {
            path: component.display().to_string(),
            source: e.error,
        })?;
        step.done(&placed(&component));
    } else {
        return Err(BuildError::NoSource {
            dir: dir.display().to_string(),
        });
    }

    let step = Step::start("checking the component and precompiling it for this machine");
    let started = Instant::now();
    // Kept where a unit run from this directory will look for it.
    let cache = UnitDir::in_charm_dir(dir).map(|unit| unit.cache());
    if let Some(cache) = &cache {
        cache.forget(&component);
    }
    let (loaded, _) = LoadedComponent::load_with_source(
        &component,
        Instances::OnDemand,
        cache.as_ref(),
        Wanted::Optimized,
    )?;
    let compile = started.elapsed();
    let contract = crate::runtime::engine::contract(&loaded.imports());
    step.done(&format!(
        "{}; precompiled in {} ms",
        contract.join(", "),
        compile.as_millis()
    ));
    Ok(Built {
        size: std::fs::metadata(&component).map_or(0, |m| m.len()),
        component,
        contract,
        compile,
    })
}

fn placed(component: &Path) -> String {
    let size = std::fs::metadata(component).map_or(0, |m| m.len());
    format!("{} ({size} bytes)", component.display())
}

fn temporary_beside(to: &Path) -> Result<tempfile::NamedTempFile, BuildError> {
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".wasmcharm-build-")
        .tempfile_in(dir)
        .map_err(|source| BuildError::Place {
            path: to.display().to_string(),
            source,
        })
}

/// Copies the built component into place, whole or not at all.
fn place(from: &Path, to: &Path) -> Result<(), BuildError> {
    let temp = temporary_beside(to)?;
    std::fs::copy(from, temp.path()).map_err(|source| BuildError::Place {
        path: to.display().to_string(),
        source,
    })?;
    temp.persist(to).map_err(|e| BuildError::Place {
        path: to.display().to_string(),
        source: e.error,
    })?;
    Ok(())
}
