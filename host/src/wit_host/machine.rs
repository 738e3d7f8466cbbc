//! `juju:charm/machine`: each call checked against the charm's policy before anything
//! runs, then handed to the machine backend.

use std::time::Duration;

use crate::backends::machine::{
    self as backend, CommandRequest, DEFAULT_COMMAND_TIMEOUT, forbidden_env,
};
use crate::runtime::bindings::v0_1::machine::{
    self, Command, CommandOutput, FileOptions, Package, ServiceAction, Snap, SnapInstallOptions,
};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::Access;

use super::{MachineView, error};

impl MachineView<'_> {
    /// The path to act on: normalised, allowed by the policy, and still allowed where
    /// its links lead. With `follow_last` false the last component is not followed (to
    /// remove a link, not what it points to).
    fn checked_path(
        &mut self,
        path: &str,
        access: Access,
        follow_last: bool,
    ) -> Result<std::path::PathBuf, Error> {
        let normal = self.policy.check_path(path, access)?;
        let real = match (follow_last, normal.parent(), normal.file_name()) {
            (false, Some(parent), Some(name)) => self.machine.resolve_path(parent).join(name),
            _ => self.machine.resolve_path(&normal),
        };
        if real != normal {
            let policy = self.policy.clone();
            let machine = &mut self.machine;
            policy.check_resolved(path, &real, access, |p| machine.resolve_path(p))?;
        }
        // Neither the charm's own directory nor the operator's policy, nor anything
        // holding them, whatever the charm's policy says.
        if access == Access::Write
            && self
                .protected
                .iter()
                .any(|p| real.starts_with(p) || p.starts_with(&real))
        {
            return Err(error(
                ErrorKind::PermissionDenied,
                format!(
                    "{path} is, or holds, the charm's own directory or the operator's policy, \
                     which no charm may write"
                ),
            ));
        }
        Ok(real)
    }

    fn check_packages(&self, packages: &[String]) -> Result<(), Error> {
        if packages.is_empty() {
            return Err(error(ErrorKind::InvalidInput, "no packages given"));
        }
        for package in packages {
            self.policy.check_package(package)?;
        }
        Ok(())
    }
}

fn file_options(o: FileOptions) -> backend::FileAttributes {
    backend::FileAttributes {
        owner: o.owner,
        group: o.group,
        mode: o.mode,
    }
}

impl machine::Host for MachineView<'_> {
    fn apt_update(&mut self) -> Result<(), Error> {
        self.policy.check_apt_update()?;
        Ok(self.machine.apt_update()?)
    }

    fn apt_install(&mut self, packages: Vec<String>) -> Result<(), Error> {
        self.check_packages(&packages)?;
        Ok(self.machine.apt_install(&packages)?)
    }

    fn apt_remove(&mut self, packages: Vec<String>, purge: bool) -> Result<(), Error> {
        self.check_packages(&packages)?;
        Ok(self.machine.apt_remove(&packages, purge)?)
    }

    fn apt_add_repository(&mut self, repository: String) -> Result<(), Error> {
        self.policy.check_repository(&repository)?;
        Ok(self.machine.apt_add_repository(&repository)?)
    }

    fn apt_remove_repository(&mut self, repository: String) -> Result<(), Error> {
        self.policy.check_repository(&repository)?;
        Ok(self.machine.apt_remove_repository(&repository)?)
    }

    fn package_info(&mut self, name: String) -> Result<Package, Error> {
        self.policy.check_package(&name)?;
        let info = self.machine.package_info(&name)?;
        Ok(Package {
            name: info.name,
            installed: info.installed,
            version: info.version,
        })
    }

    fn service_control(&mut self, action: ServiceAction, unit: String) -> Result<(), Error> {
        self.policy.check_service(&unit)?;
        let action = match action {
            ServiceAction::Start => backend::SystemdAction::Start,
            ServiceAction::Stop => backend::SystemdAction::Stop,
            ServiceAction::Restart => backend::SystemdAction::Restart,
            ServiceAction::Reload => backend::SystemdAction::Reload,
            ServiceAction::Enable => backend::SystemdAction::Enable,
            ServiceAction::Disable => backend::SystemdAction::Disable,
            ServiceAction::EnableNow => backend::SystemdAction::EnableNow,
            ServiceAction::DisableNow => backend::SystemdAction::DisableNow,
        };
        Ok(self.machine.service(action, &unit)?)
    }

    fn service_is_active(&mut self, unit: String) -> Result<bool, Error> {
        self.policy.check_service(&unit)?;
        Ok(self.machine.service_is_active(&unit)?)
    }

    fn service_is_enabled(&mut self, unit: String) -> Result<bool, Error> {
        self.policy.check_service(&unit)?;
        Ok(self.machine.service_is_enabled(&unit)?)
    }

    fn daemon_reload(&mut self) -> Result<(), Error> {
        self.policy.check_daemon_reload()?;
        Ok(self.machine.daemon_reload()?)
    }

    fn snap_install(&mut self, name: String, options: SnapInstallOptions) -> Result<(), Error> {
        self.policy.check_snap(&name)?;
        let options = backend::SnapInstall {
            channel: options.channel,
            classic: options.classic,
        };
        Ok(self.machine.snap_install(&name, &options)?)
    }

    fn snap_remove(&mut self, name: String) -> Result<(), Error> {
        self.policy.check_snap(&name)?;
        Ok(self.machine.snap_remove(&name)?)
    }

    fn snap_info(&mut self, name: String) -> Result<Snap, Error> {
        self.policy.check_snap(&name)?;
        let info = self.machine.snap_info(&name)?;
        Ok(Snap {
            name: info.name,
            installed: info.installed,
            version: info.version,
            revision: info.revision,
            channel: info.channel,
        })
    }

    fn read_file(&mut self, path: String) -> Result<Vec<u8>, Error> {
        let path = self.checked_path(&path, Access::Read, true)?;
        Ok(self.machine.read_file(&path)?)
    }

    fn write_file(
        &mut self,
        path: String,
        content: Vec<u8>,
        options: FileOptions,
    ) -> Result<(), Error> {
        let path = self.checked_path(&path, Access::Write, true)?;
        Ok(self
            .machine
            .write_file(&path, &content, &file_options(options))?)
    }

    fn make_dir(&mut self, path: String, options: FileOptions) -> Result<(), Error> {
        let path = self.checked_path(&path, Access::Write, true)?;
        Ok(self.machine.make_dir(&path, &file_options(options))?)
    }

    fn remove_path(&mut self, path: String, recursive: bool) -> Result<(), Error> {
        let path = self.checked_path(&path, Access::Write, false)?;
        Ok(self.machine.remove_path(&path, recursive)?)
    }

    fn run_command(&mut self, command: Command) -> Result<CommandOutput, Error> {
        self.run(command, Vec::new())
    }

    fn run_command_with_secrets(
        &mut self,
        command: Command,
        secret_args: Vec<u32>,
    ) -> Result<CommandOutput, Error> {
        let mut secrets = Vec::with_capacity(secret_args.len());
        for i in secret_args {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            if i == 0 || i >= command.argv.len() {
                return Err(error(
                    ErrorKind::InvalidInput,
                    format!(
                        "secret argument {i} is not an argument of a {}-word command (argv[0], the \
                         program, cannot be secret)",
                        command.argv.len()
                    ),
                ));
            }
            secrets.push(i);
        }
        self.run(command, secrets)
    }
}

impl MachineView<'_> {
    fn run(&mut self, command: Command, secret_args: Vec<usize>) -> Result<CommandOutput, Error> {
        let program = command.argv.first().ok_or_else(|| {
            error(
                ErrorKind::InvalidInput,
                "a command needs a program in argv[0]",
            )
        })?;
        self.policy.check_command(program)?;
        if let Some((name, _)) = command.env.iter().find(|(name, _)| forbidden_env(name)) {
            return Err(error(
                ErrorKind::PermissionDenied,
                format!(
                    "a charm may not set `{name}` for a command: it changes which code the \
                     program loads"
                ),
            ));
        }
        if let Some(dir) = &command.working_dir {
            self.checked_path(dir, Access::Read, true)?;
        }
        let request = CommandRequest {
            argv: command.argv,
            env: command.env,
            stdin: command.stdin,
            working_dir: command.working_dir,
            timeout: self.bounded(
                command
                    .timeout_ms
                    .map_or(DEFAULT_COMMAND_TIMEOUT, Duration::from_millis),
            ),
            secret_args,
        };
        let secrets: Vec<Vec<u8>> = request
            .secret_args
            .iter()
            .filter_map(|i| request.argv.get(*i))
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let output = self.machine.run_command(&request)?;
        // A tool that echoes its secret argument must not hand it back to be logged.
        Ok(CommandOutput {
            exit_code: output.code,
            stdout: scrub(output.stdout, &secrets),
            stderr: scrub(output.stderr, &secrets),
        })
    }
}

/// `bytes` with each secret replaced by `***`.
fn scrub(bytes: Vec<u8>, secrets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = bytes;
    for secret in secrets {
        let mut scrubbed = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(secret) {
                scrubbed.extend_from_slice(b"***");
                i += secret.len();
            } else {
                scrubbed.push(out[i]);
                i += 1;
            }
        }
        out = scrubbed;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_scrubbed_from_output() {
        let out = super::scrub(
            b"token s3cr3t rejected; s3cr3t".to_vec(),
            &[b"s3cr3t".to_vec()],
        );
        assert_eq!(out, b"token *** rejected; ***");
    }
}
