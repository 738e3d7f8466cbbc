//! Running a program on the unit's machine. The program (`argv[0]`, exactly as given)
//! must be declared under `machine.commands` in `wasmcharm.yaml`.
//!
//! ```no_run
//! use wasmcharm_sdk::Command;
//!
//! let out = Command::new("ua").arg("status").arg("--format=json").run()?;
//! let status = String::from_utf8_lossy(&out.stdout);
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use std::time::Duration;

use crate::__bindings::juju::charm::machine as host;
use crate::error::host as call;
use crate::{Error, Result};

/// What a finished program left: exit code, stdout and stderr.
pub use host::CommandOutput as Output;

/// A command to run, built like [`std::process::Command`].
#[derive(Debug, Clone)]
pub struct Command {
    argv: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    working_dir: Option<String>,
    timeout: Option<Duration>,
    /// Positions in `argv` the host must never show.
    secret: Vec<u32>,
}

impl Command {
    /// A command running `program` (a name on PATH or an absolute path).
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua");
    /// ```
    pub fn new(program: &str) -> Self {
        Command {
            argv: vec![program.to_string()],
            env: Vec::new(),
            stdin: None,
            working_dir: None,
            timeout: None,
            secret: Vec::new(),
        }
    }

    /// Adds one argument.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").arg("status");
    /// ```
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.argv.push(arg.into());
        self
    }

    /// Adds an argument that must not be shown: the program gets it, but every log line,
    /// error message and record of the command shows `***` in its place.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").arg("attach").secret_arg("C1234token");
    /// ```
    pub fn secret_arg(mut self, arg: impl Into<String>) -> Self {
        self.secret.push(self.argv.len() as u32);
        self.argv.push(arg.into());
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").args(["enable", "esm-infra"]);
    /// ```
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.argv.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable. `PATH` and the loader's variables (`LD_*`) are
    /// refused by the host.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").env("UA_LOG_LEVEL", "debug");
    /// ```
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Feeds these bytes to the program's stdin.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").stdin("yes\n");
    /// ```
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs the program in this directory.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ls").current_dir("/etc/ssh");
    /// ```
    pub fn current_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Kills the program after this long (a [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error); five
    /// minutes when not set.
    ///
    /// ```
    /// let cmd = wasmcharm_sdk::Command::new("ua").timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs the program to completion; a non-zero exit is an [`Output`], not an error.
    ///
    /// ```no_run
    /// let out = wasmcharm_sdk::Command::new("ua").arg("status").output()?;
    /// if out.exit_code != 0 { /* not attached */ }
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn output(&self) -> Result<Output> {
        let command = host::Command {
            argv: self.argv.clone(),
            env: self.env.clone(),
            stdin: self.stdin.clone(),
            working_dir: self.working_dir.clone(),
            timeout_ms: self
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        };
        if self.secret.is_empty() {
            call(host::run_command(&command))
        } else {
            call(host::run_command_with_secrets(&command, &self.secret))
        }
    }

    /// The command as a person would see it, secrets hidden.
    fn shown(&self) -> String {
        let words: Vec<&str> = self
            .argv
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if self.secret.contains(&(i as u32)) {
                    "***"
                } else {
                    a.as_str()
                }
            })
            .collect();
        format!("`{}`", words.join(" "))
    }

    /// Runs the program; a non-zero exit is an [`ErrorKind::FailedCommand`](crate::ErrorKind::FailedCommand) error
    /// carrying the exit code and stderr.
    ///
    /// ```no_run
    /// wasmcharm_sdk::Command::new("ua").args(["attach", "TOKEN"]).run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn run(&self) -> Result<Output> {
        let out = self.output()?;
        if out.exit_code == 0 {
            return Ok(out);
        }
        Err(Error::command_failed(
            &self.shown(),
            out.exit_code,
            &out.stderr,
        ))
    }
}
