//! The machine a machine charm manages: apt, systemd, snap, files and commands.
//! [`real::RealMachine`] runs the system's tools; [`crate::sim::machine::SimMachine`] models them for
//! `wasmcharm run`. Both build the same argv (see [`argv`]), so a simulated run shows
//! exactly what a real one would execute.

pub mod real;

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::backends::process::Output;
use crate::sandbox::names::{
    PackageName, PackageSpec, Repository, SnapChannel, SnapName, SystemdUnit,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    pub name: String,
    pub installed: bool,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemdAction {
    Start,
    Stop,
    Restart,
    Reload,
    Enable,
    Disable,
    EnableNow,
    DisableNow,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapInstall {
    pub channel: Option<SnapChannel>,
    pub classic: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapInfo {
    pub name: String,
    pub installed: bool,
    pub version: Option<String>,
    pub revision: Option<String>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAttributes {
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRequest {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
    /// Resolved: links followed, as the policy checked it.
    pub working_dir: Option<std::path::PathBuf>,
    pub timeout: Duration,
    /// Positions in `argv` never to show, sorted and each once (see [`crate::backends::process::redacted`]).
    pub secret_args: Vec<usize>,
}

/// Five minutes: long enough for a package manager, short of Juju's patience.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Every machine operation a charm can ask for. Names arrive parsed by their grammar
/// ([`crate::sandbox::names`]) and allowed by the charm's policy; paths checked and
/// normalised.
pub trait Machine: Send {
    /// No call may outlive this (the dispatch's deadline).
    fn set_deadline(&mut self, _deadline: std::time::Instant) {}

    fn apt_update(&mut self) -> Result<(), BackendError>;
    fn apt_install(&mut self, packages: &[PackageSpec]) -> Result<(), BackendError>;
    fn apt_remove(&mut self, packages: &[PackageSpec], purge: bool) -> Result<(), BackendError>;
    fn apt_add_repository(&mut self, repository: &Repository) -> Result<(), BackendError>;
    fn apt_remove_repository(&mut self, repository: &Repository) -> Result<(), BackendError>;
    fn package_info(&mut self, package: &PackageName) -> Result<PackageInfo, BackendError>;

    fn service(&mut self, action: SystemdAction, unit: &SystemdUnit) -> Result<(), BackendError>;
    fn service_is_active(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError>;
    fn service_is_enabled(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError>;
    fn daemon_reload(&mut self) -> Result<(), BackendError>;

    fn snap_install(&mut self, snap: &SnapName, options: &SnapInstall) -> Result<(), BackendError>;
    fn snap_remove(&mut self, snap: &SnapName) -> Result<(), BackendError>;
    fn snap_info(&mut self, snap: &SnapName) -> Result<SnapInfo, BackendError>;

    /// Where `path` really leads: symlinks followed as far as the path exists. The
    /// policy is checked again on this, so that no link can lead out of a declared
    /// prefix.
    fn resolve_path(&mut self, path: &Path) -> std::path::PathBuf;

    fn read_file(&mut self, path: &Path) -> Result<Vec<u8>, BackendError>;
    fn write_file(
        &mut self,
        path: &Path,
        content: &[u8],
        options: &FileAttributes,
    ) -> Result<(), BackendError>;
    fn make_dir(&mut self, path: &Path, options: &FileAttributes) -> Result<(), BackendError>;
    fn remove_path(&mut self, path: &Path, recursive: bool) -> Result<(), BackendError>;

    fn run_command(&mut self, command: &CommandRequest) -> Result<Output, BackendError>;
}

/// The command lines behind each operation. What the charm named comes last, after a
/// `--` that ends the tool's options, although no name it can give begins with `-`.
pub mod argv {
    use super::{SnapInstall, SystemdAction};
    use crate::argv;
    use crate::sandbox::names::{PackageName, PackageSpec, Repository, SnapName, SystemdUnit};

    /// apt waits this long for another package manager to let go of the dpkg lock
    /// (unattended-upgrades on a fresh machine, say) before giving up.
    pub const DPKG_LOCK_TIMEOUT_SECS: u32 = 300;

    fn apt_get(verb: &str, packages: &[PackageSpec]) -> Vec<String> {
        let mut argv = argv![
            "apt-get",
            verb,
            "--assume-yes",
            "--option",
            format!("DPkg::Lock::Timeout={DPKG_LOCK_TIMEOUT_SECS}"),
            // Keep the administrator's edits to configuration files.
            "--option",
            "Dpkg::Options::=--force-confold",
            "--"
        ];
        argv.extend(packages.iter().map(|p| p.to_string()));
        argv
    }

    pub fn apt_update() -> Vec<String> {
        argv![
            "apt-get",
            "update",
            "--option",
            format!("DPkg::Lock::Timeout={DPKG_LOCK_TIMEOUT_SECS}")
        ]
    }

    pub fn apt_install(packages: &[PackageSpec]) -> Vec<String> {
        apt_get("install", packages)
    }

    pub fn apt_remove(packages: &[PackageSpec], purge: bool) -> Vec<String> {
        apt_get(if purge { "purge" } else { "remove" }, packages)
    }

    pub fn add_repository(repository: &Repository, remove: bool) -> Vec<String> {
        let mut argv = argv!["add-apt-repository", "--yes"];
        if remove {
            argv.push("--remove".into());
        }
        argv.extend(argv!["--", repository.as_str()]);
        argv
    }

    pub fn package_info(package: &PackageName) -> Vec<String> {
        argv![
            "dpkg-query",
            "--show",
            "--showformat=${db:Status-Abbrev}\\t${Version}\\n",
            "--",
            package.as_str()
        ]
    }

    pub fn systemctl(action: SystemdAction, unit: &SystemdUnit) -> Vec<String> {
        let verb = match action {
            SystemdAction::Start => "start",
            SystemdAction::Stop => "stop",
            SystemdAction::Restart => "restart",
            SystemdAction::Reload => "reload",
            SystemdAction::Enable | SystemdAction::EnableNow => "enable",
            SystemdAction::Disable | SystemdAction::DisableNow => "disable",
        };
        let mut argv = argv!["systemctl", verb];
        if matches!(action, SystemdAction::EnableNow | SystemdAction::DisableNow) {
            argv.push("--now".into());
        }
        argv.extend(argv!["--", unit.as_str()]);
        argv
    }

    pub fn is_active(unit: &SystemdUnit) -> Vec<String> {
        argv!["systemctl", "is-active", "--quiet", "--", unit.as_str()]
    }

    pub fn is_enabled(unit: &SystemdUnit) -> Vec<String> {
        argv!["systemctl", "is-enabled", "--", unit.as_str()]
    }

    pub fn daemon_reload() -> Vec<String> {
        argv!["systemctl", "daemon-reload"]
    }

    pub fn snap_install(snap: &SnapName, options: &SnapInstall) -> Vec<String> {
        let mut argv = argv!["snap", "install"];
        if let Some(channel) = &options.channel {
            argv.push(format!("--channel={channel}"));
        }
        if options.classic {
            argv.push("--classic".into());
        }
        argv.extend(argv!["--", snap.as_str()]);
        argv
    }

    pub fn snap_remove(snap: &SnapName) -> Vec<String> {
        argv!["snap", "remove", "--", snap.as_str()]
    }

    pub fn snap_info(snap: &SnapName) -> Vec<String> {
        argv!["snap", "list", "--", snap.as_str()]
    }
}
