//! The hot binary's own entry point: exit codes and messages come through `main` as the
//! full host's do. (Its dispatching is tested end to end in the tests crate, which runs
//! this binary from the same build; having a test here is also what makes `cargo test`
//! build it.)

use std::process::Command;

#[test]
fn bad_input_exits_2_with_the_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_dispatch"))
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JUJU_DISPATCH_PATH is not set"), "{stderr}");
}

#[test]
fn hooks_juju_retired_exit_0_at_once() {
    let out = Command::new(env!("CARGO_BIN_EXE_dispatch"))
        .env_clear()
        .env("JUJU_DISPATCH_PATH", "hooks/collect-metrics")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
