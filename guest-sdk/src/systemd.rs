//! systemd units, through `systemctl` on the unit. Each unit must be declared under
//! `machine.services` in `wasmcharm.yaml`.
//!
//! ```no_run
//! use wasmcharm_sdk::systemd;
//!
//! systemd::enable_now("ssh")?;
//! assert!(systemd::is_active("ssh")?);
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::machine::{self as host, ServiceAction};
use crate::Result;
use crate::error::host as call;

fn control(action: ServiceAction, unit: &str) -> Result<()> {
    call(host::service_control(action, unit))
}

/// `systemctl start`.
///
/// ```no_run
/// wasmcharm_sdk::systemd::start("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn start(unit: &str) -> Result<()> {
    control(ServiceAction::Start, unit)
}

/// `systemctl stop`.
///
/// ```no_run
/// wasmcharm_sdk::systemd::stop("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn stop(unit: &str) -> Result<()> {
    control(ServiceAction::Stop, unit)
}

/// `systemctl restart`.
///
/// ```no_run
/// wasmcharm_sdk::systemd::restart("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn restart(unit: &str) -> Result<()> {
    control(ServiceAction::Restart, unit)
}

/// `systemctl reload`: re-read configuration without a restart.
///
/// ```no_run
/// wasmcharm_sdk::systemd::reload("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn reload(unit: &str) -> Result<()> {
    control(ServiceAction::Reload, unit)
}

/// `systemctl enable`: start at boot.
///
/// ```no_run
/// wasmcharm_sdk::systemd::enable("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn enable(unit: &str) -> Result<()> {
    control(ServiceAction::Enable, unit)
}

/// `systemctl disable`.
///
/// ```no_run
/// wasmcharm_sdk::systemd::disable("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn disable(unit: &str) -> Result<()> {
    control(ServiceAction::Disable, unit)
}

/// `systemctl enable --now`: start at boot, and now.
///
/// ```no_run
/// wasmcharm_sdk::systemd::enable_now("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn enable_now(unit: &str) -> Result<()> {
    control(ServiceAction::EnableNow, unit)
}

/// `systemctl disable --now`: stop, and do not start at boot.
///
/// ```no_run
/// wasmcharm_sdk::systemd::disable_now("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn disable_now(unit: &str) -> Result<()> {
    control(ServiceAction::DisableNow, unit)
}

/// Whether the unit is running.
///
/// ```no_run
/// let running = wasmcharm_sdk::systemd::is_active("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn is_active(unit: &str) -> Result<bool> {
    call(host::service_is_active(unit))
}

/// Whether the unit starts at boot.
///
/// ```no_run
/// let enabled = wasmcharm_sdk::systemd::is_enabled("ssh")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn is_enabled(unit: &str) -> Result<bool> {
    call(host::service_is_enabled(unit))
}

/// `systemctl daemon-reload`, after writing unit files.
///
/// ```no_run
/// wasmcharm_sdk::systemd::daemon_reload()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn daemon_reload() -> Result<()> {
    call(host::daemon_reload())
}
