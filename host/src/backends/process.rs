//! Running a program to completion with a deadline: hook tools, apt-get, systemctl and
//! the commands a charm runs all go through here.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use wait_timeout::ChildExt;

use crate::backends::error::BackendError;

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
    pub working_dir: Option<&'a std::path::Path>,
    pub timeout: Duration,
    /// Positions in `argv` never to show, sorted: messages carry `***` there.
    pub secret_args: &'a [usize],
    /// The most the program may write to stdout and stderr together; past it, it is
    /// killed and the call is [`BackendError::TooLarge`].
    pub output_cap: usize,
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
            output_cap: crate::sandbox::caps::TRANSFER,
        }
    }

    /// Runs the program; a non-zero exit is returned as an [`Output`].
    pub fn run(&self) -> Result<Output, BackendError> {
        let command = display_redacted(self.argv, self.secret_args);
        let (program, args) = self.argv.split_first().ok_or_else(|| {
            BackendError::InvalidInput("a command needs at least a program name".into())
        })?;
        let mut cmd = Command::new(program);
        // A group of its own, so that what it started is stopped with it.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
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
        let started = Instant::now();
        let deadline = started + self.timeout;
        let pipes = Pipes::new(
            child.stdin.take(),
            self.stdin.unwrap_or_default(),
            child.stdout.take(),
            child.stderr.take(),
            self.output_cap,
        );
        let timed_out = || BackendError::Timeout {
            command: command.clone(),
            timeout: self.timeout,
        };
        let (stdout, stderr) = match pipes.and_then(|pipes| pipes.exchange(&mut child, deadline)) {
            Ok(Exchanged::Done(stdout, stderr)) => (stdout, stderr),
            Ok(Exchanged::TimedOut) => {
                stop(&mut child);
                return Err(timed_out());
            }
            Ok(Exchanged::TooMuch) => {
                stop(&mut child);
                return Err(BackendError::TooLarge {
                    what: format!("the output of `{command}`"),
                    limit: self.output_cap,
                });
            }
            Err(source) => {
                stop(&mut child);
                return Err(BackendError::Spawn { command, source });
            }
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let status = match child.wait_timeout(remaining) {
            Ok(Some(status)) => status,
            Ok(None) => {
                stop(&mut child);
                return Err(timed_out());
            }
            Err(source) => return Err(BackendError::Spawn { command, source }),
        };
        let code = status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        });
        log::debug!(
            "ran `{command}`: exit {code} in {:.2} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        Ok(Output {
            code,
            stdout,
            stderr,
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

/// Kills the program and everything in its process group (what it started and left
/// running), then reaps it.
fn stop(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A child's three pipes, served from this thread with `poll(2)`: its input fed as it
/// reads, its output drained as it writes, so that a program filling one pipe while the
/// host waits on another cannot deadlock, and no thread is started per command.
struct Pipes<'a> {
    stdin: Option<ChildStdin>,
    input: &'a [u8],
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    cap: usize,
}

/// How an exchange with a program ended.
enum Exchanged {
    /// Its stdout and stderr, whole.
    Done(Vec<u8>, Vec<u8>),
    TimedOut,
    /// It wrote more than the cap.
    TooMuch,
}

/// How long to wait for the pipes before looking again whether the program is gone:
/// a program that leaves a daemon holding its output must not hold the hook.
const EXITED_CHECK: Duration = Duration::from_millis(50);

impl<'a> Pipes<'a> {
    fn new(
        stdin: Option<ChildStdin>,
        input: &'a [u8],
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
        cap: usize,
    ) -> std::io::Result<Self> {
        for fd in [
            stdin.as_ref().map(AsFd::as_fd),
            stdout.as_ref().map(AsFd::as_fd),
            stderr.as_ref().map(AsFd::as_fd),
        ]
        .into_iter()
        .flatten()
        {
            let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
            fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        }
        Ok(Pipes {
            stdin,
            input,
            stdout,
            stderr,
            cap,
        })
    }

    /// Runs until the output pipes close (or the program has exited), the deadline
    /// comes, or the program has written more than the cap.
    fn exchange(mut self, child: &mut Child, deadline: Instant) -> std::io::Result<Exchanged> {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        if self.input.is_empty() {
            self.stdin = None;
        }
        let mut last_check = Instant::now();
        while self.stdout.is_some() || self.stderr.is_some() || self.stdin.is_some() {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Exchanged::TimedOut);
            }
            if out.len() + err.len() > self.cap {
                return Ok(Exchanged::TooMuch);
            }
            // However busy the pipes: the program may be gone with a daemon of its
            // still writing to them.
            if now.duration_since(last_check) >= EXITED_CHECK {
                last_check = now;
                if child.try_wait()?.is_some() {
                    drain_ready(&mut self.stdout, &mut out)?;
                    drain_ready(&mut self.stderr, &mut err)?;
                    break;
                }
            }
            let wait = (deadline - now).min(EXITED_CHECK);
            let mut fds = Vec::with_capacity(3);
            let mut which = Vec::with_capacity(3);
            if let Some(pipe) = &self.stdin {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLOUT));
                which.push(0);
            }
            if let Some(pipe) = &self.stdout {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLIN));
                which.push(1);
            }
            if let Some(pipe) = &self.stderr {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLIN));
                which.push(2);
            }
            let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let events: Vec<(usize, bool)> = which
                .iter()
                .zip(&fds)
                .map(|(w, fd)| (*w, fd.revents().is_some_and(|r| !r.is_empty())))
                .collect();
            drop(fds);
            for (pipe, ready) in events {
                if !ready {
                    continue;
                }
                match pipe {
                    0 => self.feed()?,
                    1 => drain_ready(&mut self.stdout, &mut out)?,
                    _ => drain_ready(&mut self.stderr, &mut err)?,
                }
            }
        }
        if out.len() + err.len() > self.cap {
            return Ok(Exchanged::TooMuch);
        }
        Ok(Exchanged::Done(out, err))
    }

    /// Writes what the pipe takes now; closes it when all is written or the program
    /// stopped reading (which is not the host's error).
    fn feed(&mut self) -> std::io::Result<()> {
        let Some(pipe) = &mut self.stdin else {
            return Ok(());
        };
        match pipe.write(self.input) {
            Ok(n) => self.input = &self.input[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            Err(_) => self.input = &[],
        }
        if self.input.is_empty() {
            self.stdin = None;
        }
        Ok(())
    }
}

/// Reads what the pipe has now, a few chunks at most so that a program writing as fast
/// as it is read cannot keep the loop from its deadline; drops the pipe at end of file.
fn drain_ready(pipe: &mut Option<impl Read>, into: &mut Vec<u8>) -> std::io::Result<()> {
    let Some(reader) = pipe else {
        return Ok(());
    };
    let mut chunk = [0u8; 16 * 1024];
    for _ in 0..4 {
        match reader.read(&mut chunk) {
            Ok(0) => {
                *pipe = None;
                return Ok(());
            }
            Ok(n) => into.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An argv as a person would type it, for messages.
pub fn display(argv: &[String]) -> String {
    display_redacted(argv, &[])
}

/// Messages show at most this much of a command: the charm chooses its arguments.
const SHOWN: usize = 4096;

/// [`display`], with `***` for the arguments at `secret` positions (sorted), cut after
/// [`SHOWN`] bytes: built as it is shown, never a copy of the whole argv.
pub fn display_redacted(argv: &[String], secret: &[usize]) -> String {
    let mut out = String::new();
    for (i, a) in argv.iter().enumerate() {
        if out.len() > SHOWN {
            out.push_str(&format!(" ... ({} more arguments)", argv.len() - i));
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        let a = if secret.binary_search(&i).is_ok() {
            "***"
        } else {
            a.as_str()
        };
        let a = &a[..a.floor_char_boundary(SHOWN)];
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
            out.push_str(&format!("'{}'", a.replace('\'', r"'\''")));
        } else {
            out.push_str(a);
        }
    }
    out
}

/// `argv` with `***` for the arguments at `secret` positions (sorted, as the host keeps
/// them: a lookup is a binary search, whatever their number).
pub fn redacted(argv: &[String], secret: &[usize]) -> Vec<String> {
    argv.iter()
        .enumerate()
        .map(|(i, a)| {
            if secret.binary_search(&i).is_ok() {
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
    fn what_a_program_started_is_stopped_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let argv = sh(&format!(
            "sleep 30 & echo $! > {}; exec sleep 30",
            pid_file.display()
        ));
        let err = Invocation::new(&argv, Duration::from_millis(300))
            .run()
            .unwrap_err();
        assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        // Gone, or a zombie waiting for whoever reaps orphans here.
        let started = std::time::Instant::now();
        loop {
            match std::fs::read_to_string(&stat) {
                Err(_) => break,
                Ok(s) if s.split_whitespace().nth(2) == Some("Z") => break,
                Ok(_) => {
                    assert!(started.elapsed() < Duration::from_secs(5), "still running");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    #[test]
    fn a_program_flooding_its_output_is_still_stopped_at_its_deadline() {
        let argv = sh("exec yes");
        let started = std::time::Instant::now();
        let mut inv = Invocation::new(&argv, Duration::from_millis(300));
        inv.output_cap = usize::MAX;
        let err = inv.run().unwrap_err();
        assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_past_the_cap_stops_the_program() {
        let argv = sh("exec yes");
        let mut inv = Invocation::new(&argv, Duration::from_secs(20));
        inv.output_cap = 1 << 20;
        let started = std::time::Instant::now();
        let err = inv.run().unwrap_err();
        assert!(
            matches!(err, BackendError::TooLarge { limit, .. } if limit == 1 << 20),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("the output of `sh -c 'exec yes'` is larger than 1MiB"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        // Exactly at the cap is still an answer.
        let argv = sh("head -c 1048576 /dev/zero");
        let mut inv = Invocation::new(&argv, Duration::from_secs(20));
        inv.output_cap = 1 << 20;
        assert_eq!(inv.run().unwrap().stdout.len(), 1 << 20);
    }

    #[test]
    fn a_program_that_leaves_a_writer_behind_is_done_when_it_exits() {
        let argv = sh("(while :; do echo x; sleep 0.01; done) & echo done; exit 0");
        let started = std::time::Instant::now();
        let out = Invocation::new(&argv, Duration::from_secs(20))
            .run()
            .unwrap();
        assert_eq!(out.code, 0);
        // The daemon's lines may come first: the two write concurrently.
        assert!(
            out.stdout_str().contains("done\n"),
            "{:?}",
            out.stdout_str()
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_large_input_and_output_cross_without_deadlock() {
        let argv = sh("cat");
        let input = vec![b'x'; 4 << 20];
        let mut inv = Invocation::new(&argv, Duration::from_secs(20));
        inv.stdin = Some(&input);
        assert_eq!(inv.run().unwrap().stdout.len(), input.len());
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
    fn a_long_command_is_shown_cut() {
        let argv = vec!["x".repeat(100_000); 1000];
        let shown = display(&argv);
        assert!(shown.len() < 10_000, "{}", shown.len());
        assert!(
            shown.ends_with("(998 more arguments)"),
            "{}",
            &shown[shown.len() - 40..]
        );
    }

    #[test]
    fn display_quotes_what_needs_it() {
        assert_eq!(
            display(&["juju-log".into(), "--".into(), "it's done".into()]),
            r"juju-log -- 'it'\''s done'"
        );
    }
}
