//! Debian packages, through `apt-get` on the unit. Each package must be declared under
//! `machine.packages` in `wasmcharm.yaml`.
//!
//! ```no_run
//! use wasmcharm_sdk::apt;
//!
//! apt::update()?;
//! apt::install(&["openssh-server"])?;
//! if let Some(version) = apt::package("openssh-server")?.version {
//!     wasmcharm_sdk::unit::set_workload_version(&version)?;
//! }
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::machine as host;
use crate::Result;
use crate::error::host as call;

/// What dpkg knows of a package.
pub use host::Package;

fn owned(packages: &[&str]) -> Vec<String> {
    packages.iter().map(|p| p.to_string()).collect()
}

/// `apt-get update`.
///
/// ```no_run
/// wasmcharm_sdk::apt::update()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn update() -> Result<()> {
    call(host::apt_update())
}

/// Installs the packages (all or none), non-interactively, keeping local config edits.
///
/// ```no_run
/// wasmcharm_sdk::apt::install(&["openssh-server"])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn install(packages: &[&str]) -> Result<()> {
    call(host::apt_install(&owned(packages)))
}

/// Removes the packages, leaving their configuration files.
///
/// ```no_run
/// wasmcharm_sdk::apt::remove(&["telnetd"])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn remove(packages: &[&str]) -> Result<()> {
    call(host::apt_remove(&owned(packages), false))
}

/// Removes the packages and their configuration files.
///
/// ```no_run
/// wasmcharm_sdk::apt::purge(&["telnetd"])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn purge(packages: &[&str]) -> Result<()> {
    call(host::apt_remove(&owned(packages), true))
}

/// Adds a repository (`ppa:owner/name` or a deb line), declared under
/// `machine.repositories`.
///
/// ```no_run
/// wasmcharm_sdk::apt::add_repository("ppa:ua-client/stable")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn add_repository(repository: &str) -> Result<()> {
    call(host::apt_add_repository(repository))
}

/// Removes a repository added with [`add_repository`].
///
/// ```no_run
/// wasmcharm_sdk::apt::remove_repository("ppa:ua-client/stable")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn remove_repository(repository: &str) -> Result<()> {
    call(host::apt_remove_repository(repository))
}

/// Whether a package is installed, and which version. A package dpkg has never seen is
/// simply not installed.
///
/// ```no_run
/// let installed = wasmcharm_sdk::apt::package("openssh-server")?.installed;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn package(name: &str) -> Result<Package> {
    call(host::package_info(name))
}
