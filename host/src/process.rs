//! Running a program to completion with a deadline: hook tools, apt-get, systemctl and
//! the commands a charm runs all go through here.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::error::BackendError;

/// What a finished program left behind. A non-zero exit is an output, not an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// One program to run.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub argv: &'a [String],
    /// Variables set on top of the environment (or of an empty one, with `clear_env`).
    pub env: Vec<(String, String)>,
    pub clear_env: bool,
    pub stdin: Option<&'a [u8]>,
    pub working_dir: Option<&'a str>,
    pub timeout: Duration,
    /// Positions in `argv` never to show: messages carry `***` there.
    pub secret_args: &'a [usize],
}

impl<'a> Invocation<'a> {
    pub fn new(argv: &'a [String], timeout: Duration) -> Self {
        Invocation {
            argv,
            env: Vec::new(),
            clear_env: false,
            stdin: None,
            working_dir: None,
            timeout,
            secret_args: &[],
        }
    }

    /// Runs the program; a non-zero exit is returned as an [`Output`].
    pub fn run(&self) -> Result<Output, BackendError> {
        let command = display_redacted(self.argv, self.secret_args);
        let (program, args) = self.argv.split_first().ok_or_else(|| {
            BackendError::InvalidInput("a command needs at least a program name".into())
        })?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.clear_env {
            cmd.env_clear();
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = self.working_dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|source| BackendError::Spawn {
            command: command.clone(),
            source,
        })?;

        // Feed stdin and drain both pipes on their own threads so that a program
        // filling one pipe while we wait on another cannot deadlock.
        let writer = match (child.stdin.take(), self.stdin) {
            (Some(mut pipe), Some(input)) => {
                let input = input.to_vec();
                Some(thread::spawn(move || {
                    // A program that exits without reading its input is not our error.
                    let _ = pipe.write_all(&input);
                }))
            }
            _ => None,
        };
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());

        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                // The readers are left behind: a grandchild may still hold the pipes.
                return Err(BackendError::Timeout {
                    command,
                    timeout: self.timeout,
                });
            }
            Err(source) => return Err(BackendError::Spawn { command, source }),
        };
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        let code = status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        });
        Ok(Output {
            code,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        })
    }

    /// Runs the program; a non-zero exit is [`BackendError::CommandFailed`].
    pub fn check(&self) -> Result<Output, BackendError> {
        let output = self.run()?;
        if output.code == 0 {
            Ok(output)
        } else {
            Err(BackendError::CommandFailed {
                command: display_redacted(self.argv, self.secret_args),
                code: output.code,
                stderr: output.stderr_str(),
            })
        }
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// An argv as a person would type it, for messages.
pub fn display(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`display`], with `***` for the arguments at `secret` positions.
pub fn display_redacted(argv: &[String], secret: &[usize]) -> String {
    display(&redacted(argv, secret))
}

/// `argv` with `***` for the arguments at `secret` positions.
pub fn redacted(argv: &[String], secret: &[usize]) -> Vec<String> {
    argv.iter()
        .enumerate()
        .map(|(i, a)| {
            if secret.contains(&i) {
                "***".to_string()
            } else {
                a.clone()
            }
        })
        .collect()
}

/// Builds an argv from string literals and owned strings alike.
#[macro_export]
macro_rules! argv {
    ($($arg:expr),* $(,)?) => { vec![$(::std::string::String::from($arg)),*] };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        argv!["sh", "-c", script]
    }

    #[test]
    fn captures_output_and_exit_code() {
        let argv = sh("echo out; echo err >&2; exit 3");
        let out = Invocation::new(&argv, Duration::from_secs(10))
            .run()
            .unwrap();
        assert_eq!(out.code, 3);
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn check_turns_non_zero_exit_into_an_error_with_stderr() {
        let argv = sh("echo nope >&2; exit 100");
        let err = Invocation::new(&argv, Duration::from_secs(10))
            .check()
            .unwrap_err();
        assert!(
            matches!(&err, BackendError::CommandFailed { code: 100, stderr, .. } if stderr == "nope\n"),
            "{err:?}"
        );
    }

    #[test]
    fn feeds_stdin() {
        let argv = sh("cat");
        let mut inv = Invocation::new(&argv, Duration::from_secs(10));
        inv.stdin = Some(b"hello");
        assert_eq!(inv.run().unwrap().stdout, b"hello");
    }

    #[test]
    fn kills_a_program_past_its_deadline() {
        let argv = sh("exec sleep 30");
        let err = Invocation::new(&argv, Duration::from_millis(200))
            .run()
            .unwrap_err();
        assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let argv = argv!["/nonexistent/program"];
        let err = Invocation::new(&argv, Duration::from_secs(1))
            .run()
            .unwrap_err();
        assert!(matches!(err, BackendError::Spawn { .. }), "{err:?}");
    }

    #[test]
    fn secrets_never_reach_messages() {
        let argv = sh("echo $0 >&2; exit 2");
        let mut inv = Invocation::new(&argv, Duration::from_secs(10));
        inv.secret_args = &[2];
        let err = inv.check().unwrap_err().to_string();
        assert!(err.starts_with("`sh -c ***` exited with code 2"), "{err}");
        assert!(!err.contains("exit 2;"), "{err}");
    }

    #[test]
    fn display_quotes_what_needs_it() {
        assert_eq!(
            display(&["juju-log".into(), "--".into(), "it's done".into()]),
            r"juju-log -- 'it'\''s done'"
        );
    }
}
