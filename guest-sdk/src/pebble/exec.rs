//! Commands run in a container, through Pebble's exec.

use std::time::Duration;

use super::container::names;
use super::host;
use super::layer::ms;
use super::{Container, ExecOutput};
use crate::error::host as call;
use crate::{Error, Result};

impl Container {
    /// A command to run in the container.
    ///
    /// ```no_run
    /// let out = wasmcharm_sdk::pebble::container("web").exec(&["web", "--version"]).run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn exec(&self, command: &[&str]) -> Exec {
        Exec {
            container: self.name.clone(),
            command: host::ExecCommand {
                command: names(command),
                environment: Vec::new(),
                working_dir: None,
                service_context: None,
                user_id: None,
                user: None,
                group_id: None,
                group: None,
                stdin: None,
                timeout: None,
            },
        }
    }
}

/// A command to run in a container, built like [`crate::Command`].
#[derive(Debug, Clone)]
pub struct Exec {
    container: String,
    command: host::ExecCommand,
}

impl Exec {
    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["env"]).env("A", "1");
    /// ```
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.environment.push((key.into(), value.into()));
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["ls"]).working_dir("/srv");
    /// ```
    pub fn working_dir(mut self, dir: &str) -> Self {
        self.command.working_dir = Some(dir.into());
        self
    }

    /// Runs with the environment, user and working directory of this service.
    ///
    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["web", "reload"]).service_context("web");
    /// ```
    pub fn service_context(mut self, service: &str) -> Self {
        self.command.service_context = Some(service.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["id"]).user("app");
    /// ```
    pub fn user(mut self, user: &str) -> Self {
        self.command.user = Some(user.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["id"]).group("app");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.command.group = Some(group.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["cat"]).stdin("hello");
    /// ```
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.command.stdin = Some(input.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["sleep", "9"]).timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.command.timeout = ms(Some(timeout));
        self
    }

    /// Runs to completion; a non-zero exit is an output.
    ///
    /// ```no_run
    /// let out = wasmcharm_sdk::pebble::container("web").exec(&["test", "-f", "/ready"]).output()?;
    /// let ready = out.exit_code == 0;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn output(&self) -> Result<ExecOutput> {
        call(host::exec(&self.container, &self.command))
    }

    /// Runs to completion; a non-zero exit is a failed-command error.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").exec(&["web", "migrate"]).run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn run(&self) -> Result<ExecOutput> {
        let out = self.output()?;
        if out.exit_code == 0 {
            return Ok(out);
        }
        Err(Error::command_failed(
            &format!(
                "`{}` in container {:?}",
                self.command.command.join(" "),
                self.container
            ),
            out.exit_code,
            &out.stderr,
        ))
    }
}
