//! A Rust charm: its crate compiled by cargo for `wasm32-wasip2` in release.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::{BuildError, TARGET};

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

/// Builds the charm's crate (`manifest`); returns the component cargo made.
pub fn build(manifest: &Path) -> Result<PathBuf, BuildError> {
    check_target()?;
    let (target_dir, lib) = crate_output(manifest)?;
    // cargo shows its own progress; it inherits the terminal.
    let status = Command::new(cargo())
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(manifest)
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
    Ok(target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{lib}.wasm")))
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
