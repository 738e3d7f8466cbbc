//! What the openssh charm's `start` does, written natively: enable and start ssh, then
//! set the unit's status, through the same commands and hook tools the host runs, each
//! with its output captured as any charm must (to report a failure).

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let run = |argv: &[&str]| {
        Command::new(argv[0])
            .args(&argv[1..])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if !run(&["systemctl", "enable", "--now", "ssh"]) {
        run(&[
            "status-set",
            "--application=false",
            "blocked",
            "Failed to start/enable ssh service",
        ]);
        return ExitCode::SUCCESS;
    }
    if run(&["status-set", "--application=false", "active"]) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
