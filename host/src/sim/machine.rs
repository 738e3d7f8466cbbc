//! A simulated machine for `wasmcharm run`. It keeps packages, services, snaps and files
//! in memory and records the argv a real machine would have run. Failures are injected
//! by canned command results: one matching a call's argv (longest prefix wins) with a
//! non-zero exit code makes that call fail as the real tool would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::backends::machine::{
    CommandRequest, FileAttributes, Machine, PackageInfo, SnapInfo, SnapInstall, SystemdAction,
    argv,
};
use crate::backends::process::{Output, display, display_redacted, redacted};
use crate::sandbox::names::{PackageName, PackageSpec, Repository, SnapName, SystemdUnit};
use crate::sim::budget::Budget;

/// The version a package or snap gets when the state does not say.
pub const DEFAULT_VERSION: &str = "1.0";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceState {
    pub active: bool,
    pub enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnapState {
    pub channel: String,
    pub version: String,
    pub revision: String,
    pub classic: bool,
}

/// What a command run on the simulated machine returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct CommandResult {
    /// Matches every call whose argv starts with these words.
    pub argv: Vec<String>,
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The simulated machine, as it appears in a state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct MachineModel {
    /// Installed packages and their versions.
    pub packages: BTreeMap<String, String>,
    /// What apt can install, with versions. When given, installing anything else fails
    /// as apt does; when empty, every package installs at [`DEFAULT_VERSION`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub available: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// systemd units, by name without `.service`. A unit the charm touches that is not
    /// listed starts out inactive and disabled.
    pub services: BTreeMap<String, ServiceState>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub snaps: BTreeMap<String, SnapState>,
    /// File contents by absolute path.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub directories: BTreeSet<String>,
    /// Canned results for commands, matched on argv prefix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandResult>,
}

#[derive(Debug, Default)]
pub struct MachineSim {
    pub model: MachineModel,
    /// The argv of every command the calls would have run, in order.
    pub ran: Vec<Vec<String>>,
}

/// A [`Machine`] over a shared [`MachineSim`]; the caller keeps a clone of the handle to
/// read it after the guest has run.
#[derive(Debug, Clone, Default)]
pub struct SimMachine(Arc<Mutex<MachineSim>>, Budget);

impl SimMachine {
    pub fn new(model: MachineModel) -> Self {
        SimMachine(
            Arc::new(Mutex::new(MachineSim {
                model,
                ran: Vec::new(),
            })),
            Budget::default(),
        )
    }

    /// Charges what the charm stores to `budget`, shared with the unit's other backends.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.1 = budget;
        self
    }

    fn charge(&self, bytes: usize, what: &str) -> Result<(), BackendError> {
        self.1.take(bytes, what).map_err(BackendError::InvalidInput)
    }

    pub fn sim(&self) -> MutexGuard<'_, MachineSim> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a system call's argv and fails it if a canned result says so.
    fn exec(&self, argv: Vec<String>) -> Result<MutexGuard<'_, MachineSim>, BackendError> {
        self.charge(
            argv.iter().map(|w| w.len() + 16).sum(),
            "a command's record",
        )?;
        let mut sim = self.sim();
        let canned = sim.canned(&argv).cloned();
        let command = display(&argv);
        sim.ran.push(argv);
        match canned {
            Some(result) if result.exit_code != 0 => Err(BackendError::CommandFailed {
                command,
                code: result.exit_code,
                stderr: result.stderr,
            }),
            _ => Ok(sim),
        }
    }
}

impl MachineSim {
    fn canned(&self, argv: &[String]) -> Option<&CommandResult> {
        self.model
            .commands
            .iter()
            .filter(|c| argv.starts_with(&c.argv))
            .max_by_key(|c| c.argv.len())
    }

    fn service(&mut self, unit: &str) -> &mut ServiceState {
        let name = unit.strip_suffix(".service").unwrap_or(unit);
        self.model.services.entry(name.to_string()).or_default()
    }

    fn service_state(&self, unit: &str) -> ServiceState {
        let name = unit.strip_suffix(".service").unwrap_or(unit);
        self.model.services.get(name).copied().unwrap_or_default()
    }
}

fn failed(argv: Vec<String>, code: i32, stderr: String) -> BackendError {
    BackendError::CommandFailed {
        command: display(&argv),
        code,
        stderr,
    }
}

impl Machine for SimMachine {
    fn apt_update(&mut self) -> Result<(), BackendError> {
        self.exec(argv::apt_update()).map(drop)
    }

    fn apt_install(&mut self, packages: &[PackageSpec]) -> Result<(), BackendError> {
        let argv = argv::apt_install(packages);
        let mut sim = self.exec(argv.clone())?;
        let model = &mut sim.model;
        // apt installs all or nothing.
        if !model.available.is_empty()
            && let Some(missing) = packages
                .iter()
                .find(|p| !model.available.contains_key(p.name()))
        {
            return Err(failed(
                argv,
                100,
                format!("E: Unable to locate package {missing}\n"),
            ));
        }
        for package in packages {
            let pinned = package.split_once('=').map(|(_, v)| v.to_string());
            let version = pinned
                .or_else(|| model.available.get(package.name()).cloned())
                .unwrap_or_else(|| DEFAULT_VERSION.to_string());
            model.packages.insert(package.name().to_string(), version);
        }
        Ok(())
    }

    fn apt_remove(&mut self, packages: &[PackageSpec], purge: bool) -> Result<(), BackendError> {
        let mut sim = self.exec(argv::apt_remove(packages, purge))?;
        for package in packages {
            sim.model.packages.remove(package.name());
        }
        Ok(())
    }

    fn apt_add_repository(&mut self, repository: &Repository) -> Result<(), BackendError> {
        let mut sim = self.exec(argv::add_repository(repository, false))?;
        if !sim
            .model
            .repositories
            .iter()
            .any(|r| r == repository.as_str())
        {
            sim.model.repositories.push(repository.to_string());
        }
        Ok(())
    }

    fn apt_remove_repository(&mut self, repository: &Repository) -> Result<(), BackendError> {
        let mut sim = self.exec(argv::add_repository(repository, true))?;
        sim.model.repositories.retain(|r| r != repository.as_str());
        Ok(())
    }

    fn package_info(&mut self, name: &PackageName) -> Result<PackageInfo, BackendError> {
        let sim = self.exec(argv::package_info(name))?;
        let version = sim.model.packages.get(name.name()).cloned();
        Ok(PackageInfo {
            name: name.to_string(),
            installed: version.is_some(),
            version,
        })
    }

    fn service(&mut self, action: SystemdAction, unit: &SystemdUnit) -> Result<(), BackendError> {
        let argv = argv::systemctl(action, unit);
        let mut sim = self.exec(argv.clone())?;
        let state = sim.service(unit);
        match action {
            SystemdAction::Start | SystemdAction::Restart => state.active = true,
            SystemdAction::Stop => state.active = false,
            SystemdAction::Reload if !state.active => {
                return Err(failed(
                    argv,
                    1,
                    format!("Job for {unit} failed: the unit is not active.\n"),
                ));
            }
            SystemdAction::Reload => {}
            SystemdAction::Enable => state.enabled = true,
            SystemdAction::Disable => state.enabled = false,
            SystemdAction::EnableNow => {
                *state = ServiceState {
                    active: true,
                    enabled: true,
                }
            }
            SystemdAction::DisableNow => *state = ServiceState::default(),
        }
        Ok(())
    }

    fn service_is_active(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError> {
        Ok(self.exec(argv::is_active(unit))?.service_state(unit).active)
    }

    fn service_is_enabled(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError> {
        Ok(self
            .exec(argv::is_enabled(unit))?
            .service_state(unit)
            .enabled)
    }

    fn daemon_reload(&mut self) -> Result<(), BackendError> {
        self.exec(argv::daemon_reload()).map(drop)
    }

    fn snap_install(&mut self, name: &SnapName, options: &SnapInstall) -> Result<(), BackendError> {
        let mut sim = self.exec(argv::snap_install(name, options))?;
        sim.model.snaps.insert(
            name.to_string(),
            SnapState {
                channel: options
                    .channel
                    .as_ref()
                    .map_or_else(|| "latest/stable".into(), |c| c.to_string()),
                version: DEFAULT_VERSION.into(),
                revision: "1".into(),
                classic: options.classic,
            },
        );
        Ok(())
    }

    fn snap_remove(&mut self, name: &SnapName) -> Result<(), BackendError> {
        self.exec(argv::snap_remove(name))?
            .model
            .snaps
            .remove(name.as_str());
        Ok(())
    }

    fn snap_info(&mut self, name: &SnapName) -> Result<SnapInfo, BackendError> {
        let sim = self.exec(argv::snap_info(name))?;
        Ok(match sim.model.snaps.get(name.as_str()) {
            Some(snap) => SnapInfo {
                name: name.to_string(),
                installed: true,
                version: Some(snap.version.clone()),
                revision: Some(snap.revision.clone()),
                channel: Some(snap.channel.clone()),
            },
            None => SnapInfo {
                name: name.to_string(),
                ..SnapInfo::default()
            },
        })
    }

    /// The simulated filesystem has no links.
    fn resolve_path(&mut self, path: &Path) -> std::path::PathBuf {
        path.to_path_buf()
    }

    fn read_file(&mut self, path: &Path) -> Result<Vec<u8>, BackendError> {
        let key = path.to_string_lossy();
        self.sim()
            .model
            .files
            .get(key.as_ref())
            .map(|c| c.clone().into_bytes())
            .ok_or_else(|| BackendError::NotFound(format!("{key}: no such file")))
    }

    fn write_file(
        &mut self,
        path: &Path,
        content: &[u8],
        _options: &FileAttributes,
    ) -> Result<(), BackendError> {
        self.charge(content.len() + 64, "a file")?;
        self.sim().model.files.insert(
            path.to_string_lossy().into_owned(),
            String::from_utf8_lossy(content).into_owned(),
        );
        Ok(())
    }

    fn make_dir(&mut self, path: &Path, _options: &FileAttributes) -> Result<(), BackendError> {
        self.charge(path.as_os_str().len() + 64, "a directory")?;
        self.sim()
            .model
            .directories
            .insert(path.to_string_lossy().into_owned());
        Ok(())
    }

    fn remove_path(&mut self, path: &Path, recursive: bool) -> Result<(), BackendError> {
        let key = path.to_string_lossy().into_owned();
        let mut sim = self.sim();
        let model = &mut sim.model;
        if model.files.remove(&key).is_some() {
            return Ok(());
        }
        let inside = |p: &String| Path::new(p).starts_with(path) && *p != key;
        let has_children = model.files.keys().any(inside) || model.directories.iter().any(inside);
        if !model.directories.contains(&key) && !has_children {
            return Err(BackendError::NotFound(format!(
                "{key}: no such file or directory"
            )));
        }
        if has_children && !recursive {
            return Err(BackendError::InvalidInput(format!(
                "{key}: directory not empty (remove it with recursive set)"
            )));
        }
        model.files.retain(|p, _| !inside(p));
        model.directories.retain(|p| !inside(p) && *p != key);
        Ok(())
    }

    fn run_command(&mut self, command: &CommandRequest) -> Result<Output, BackendError> {
        self.charge(
            command.argv.iter().map(|w| w.len() + 16).sum(),
            "a command's record",
        )?;
        let mut sim = self.sim();
        let canned = sim.canned(&command.argv).cloned();
        sim.ran.push(redacted(&command.argv, &command.secret_args));
        Ok(match canned {
            Some(result) => Output {
                code: result.exit_code,
                stdout: result.stdout.into_bytes(),
                stderr: result.stderr.into_bytes(),
            },
            // As a shell would answer a command it cannot find.
            None => Output {
                code: 127,
                stdout: Vec::new(),
                stderr: format!(
                    "wasmcharm run: the state gives no result for `{}` (add one under \
                     machine.commands)\n",
                    display_redacted(&command.argv, &command.secret_args)
                )
                .into_bytes(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::argv;

    fn packages(names: &[&str]) -> Vec<PackageSpec> {
        names
            .iter()
            .map(|n| PackageSpec::parse(n).unwrap())
            .collect()
    }

    #[test]
    fn install_and_enable_update_the_model_and_record_argv() {
        let mut m = SimMachine::default();
        m.apt_install(&packages(&["openssh-server"])).unwrap();
        m.service(
            SystemdAction::EnableNow,
            &SystemdUnit::parse("ssh").unwrap(),
        )
        .unwrap();
        let sim = m.sim();
        assert_eq!(sim.model.packages["openssh-server"], DEFAULT_VERSION);
        assert_eq!(
            sim.model.services["ssh"],
            ServiceState {
                active: true,
                enabled: true
            }
        );
        assert_eq!(
            sim.ran[1],
            argv!["systemctl", "enable", "--now", "--", "ssh"]
        );
    }

    #[test]
    fn a_canned_failure_fails_the_call_and_changes_nothing() {
        let mut m = SimMachine::new(MachineModel {
            commands: vec![CommandResult {
                argv: argv!["apt-get", "install"],
                exit_code: 100,
                stderr: "E: boom".into(),
                ..CommandResult::default()
            }],
            ..MachineModel::default()
        });
        let err = m.apt_install(&packages(&["openssh-server"])).unwrap_err();
        assert!(
            matches!(err, BackendError::CommandFailed { code: 100, .. }),
            "{err:?}"
        );
        assert!(m.sim().model.packages.is_empty());
    }

    #[test]
    fn only_available_packages_install_when_a_repository_is_given() {
        let mut m = SimMachine::new(MachineModel {
            available: [("openssh-server".to_string(), "1:9.6".to_string())].into(),
            ..MachineModel::default()
        });
        m.apt_install(&packages(&["openssh-server"])).unwrap();
        assert_eq!(m.sim().model.packages["openssh-server"], "1:9.6");
        let err = m
            .apt_install(&packages(&["nginx"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("Unable to locate package nginx"), "{err}");
    }

    #[test]
    fn commands_match_the_longest_prefix() {
        let mut m = SimMachine::new(MachineModel {
            commands: vec![
                CommandResult {
                    argv: argv!["ua"],
                    stdout: "generic".into(),
                    ..CommandResult::default()
                },
                CommandResult {
                    argv: argv!["ua", "status"],
                    stdout: "attached".into(),
                    ..CommandResult::default()
                },
            ],
            ..MachineModel::default()
        });
        let run = |m: &mut SimMachine, argv: Vec<String>| {
            m.run_command(&CommandRequest {
                argv,
                env: vec![],
                stdin: None,
                working_dir: None,
                timeout: crate::backends::machine::DEFAULT_COMMAND_TIMEOUT,
                secret_args: Vec::new(),
            })
            .unwrap()
        };
        assert_eq!(
            run(&mut m, argv!["ua", "status", "--format=json"]).stdout,
            b"attached"
        );
        assert_eq!(run(&mut m, argv!["ua", "attach"]).stdout, b"generic");
        assert_eq!(run(&mut m, argv!["other"]).code, 127);
    }
}
