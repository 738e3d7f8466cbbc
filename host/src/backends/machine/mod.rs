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
    pub channel: Option<String>,
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
    pub working_dir: Option<String>,
    pub timeout: Duration,
    /// Positions in `argv` never to show (see [`crate::backends::process::redacted`]).
    pub secret_args: Vec<usize>,
}

/// Five minutes: long enough for a package manager, short of Juju's patience.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Every machine operation a charm can ask for. Paths have been checked against the
/// charm's policy and normalised before they arrive here.
pub trait Machine: Send {
    /// No call may outlive this (the dispatch's deadline).
    fn set_deadline(&mut self, _deadline: std::time::Instant) {}

    fn apt_update(&mut self) -> Result<(), BackendError>;
    fn apt_install(&mut self, packages: &[String]) -> Result<(), BackendError>;
    fn apt_remove(&mut self, packages: &[String], purge: bool) -> Result<(), BackendError>;
    fn apt_add_repository(&mut self, repository: &str) -> Result<(), BackendError>;
    fn apt_remove_repository(&mut self, repository: &str) -> Result<(), BackendError>;
    fn package_info(&mut self, name: &str) -> Result<PackageInfo, BackendError>;

    fn service(&mut self, action: SystemdAction, unit: &str) -> Result<(), BackendError>;
    fn service_is_active(&mut self, unit: &str) -> Result<bool, BackendError>;
    fn service_is_enabled(&mut self, unit: &str) -> Result<bool, BackendError>;
    fn daemon_reload(&mut self) -> Result<(), BackendError>;

    fn snap_install(&mut self, name: &str, options: &SnapInstall) -> Result<(), BackendError>;
    fn snap_remove(&mut self, name: &str) -> Result<(), BackendError>;
    fn snap_info(&mut self, name: &str) -> Result<SnapInfo, BackendError>;

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

/// The command lines behind each operation.
pub mod argv {
    use super::{SnapInstall, SystemdAction};
    use crate::argv;

    /// apt waits this long for another package manager to let go of the dpkg lock
    /// (unattended-upgrades on a fresh machine, say) before giving up.
    pub const DPKG_LOCK_TIMEOUT_SECS: u32 = 300;

    fn apt_get(verb: &str) -> Vec<String> {
        argv![
            "apt-get",
            verb,
            "--assume-yes",
            "--option",
            format!("DPkg::Lock::Timeout={DPKG_LOCK_TIMEOUT_SECS}"),
            // Keep the administrator's edits to configuration files.
            "--option",
            "Dpkg::Options::=--force-confold"
        ]
    }

    pub fn apt_update() -> Vec<String> {
        argv![
            "apt-get",
            "update",
            "--option",
            format!("DPkg::Lock::Timeout={DPKG_LOCK_TIMEOUT_SECS}")
        ]
    }

    pub fn apt_install(packages: &[String]) -> Vec<String> {
        let mut argv = apt_get("install");
        argv.extend(packages.iter().cloned());
        argv
    }

    pub fn apt_remove(packages: &[String], purge: bool) -> Vec<String> {
        let mut argv = apt_get(if purge { "purge" } else { "remove" });
        argv.extend(packages.iter().cloned());
        argv
    }

    pub fn add_repository(repository: &str, remove: bool) -> Vec<String> {
        let mut argv = argv!["add-apt-repository", "--yes"];
        if remove {
            argv.push("--remove".into());
        }
        argv.push(repository.into());
        argv
    }

    pub fn package_info(name: &str) -> Vec<String> {
        argv![
            "dpkg-query",
            "--show",
            "--showformat=${db:Status-Abbrev}\\t${Version}\\n",
            name
        ]
    }

    pub fn systemctl(action: SystemdAction, unit: &str) -> Vec<String> {
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
        argv.push(unit.into());
        argv
    }

    pub fn is_active(unit: &str) -> Vec<String> {
        argv!["systemctl", "is-active", "--quiet", unit]
    }

    pub fn is_enabled(unit: &str) -> Vec<String> {
        argv!["systemctl", "is-enabled", unit]
    }

    pub fn daemon_reload() -> Vec<String> {
        argv!["systemctl", "daemon-reload"]
    }

    pub fn snap_install(name: &str, options: &SnapInstall) -> Vec<String> {
        let mut argv = argv!["snap", "install", name];
        if let Some(channel) = &options.channel {
            argv.push(format!("--channel={channel}"));
        }
        if options.classic {
            argv.push("--classic".into());
        }
        argv
    }

    pub fn snap_remove(name: &str) -> Vec<String> {
        argv!["snap", "remove", name]
    }

    pub fn snap_info(name: &str) -> Vec<String> {
        argv!["snap", "list", name]
    }
}

/// Variables a charm may not set for the commands it runs: they decide which code a
/// program loads or runs (the dynamic loader's, shells' and interpreters' hooks), which
/// would let a charm run what its policy does not allow.
pub fn forbidden_env(name: &str) -> bool {
    const NAMES: [&str; 12] = [
        "PATH",
        "IFS",
        "ENV",
        "BASH_ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "PROMPT_COMMAND",
        "GCONV_PATH",
        "LOCPATH",
        "NODE_OPTIONS",
        "NODE_PATH",
    ];
    const PREFIXES: [&str; 9] = [
        "LD_",
        "DYLD_",
        "BASH_FUNC_",
        "PYTHON",
        "PERL",
        "RUBY",
        "GIT_",
        "LUA_",
        "JAVA_TOOL",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn loader_and_interpreter_hooks_are_forbidden() {
        for name in [
            "PATH",
            "LD_PRELOAD",
            "BASH_FUNC_ls%%",
            "PERL5OPT",
            "PYTHONSTARTUP",
            "NODE_OPTIONS",
            "GIT_SSH_COMMAND",
            "BASH_ENV",
        ] {
            assert!(super::forbidden_env(name), "{name}");
        }
        for name in ["UA_LOG_LEVEL", "HOME", "LANG", "TOKEN"] {
            assert!(!super::forbidden_env(name), "{name}");
        }
    }
}
