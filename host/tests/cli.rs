//! The binary's own surface. (End-to-end runs of built charms are in the workspace's
//! `tests/` package; this test also makes `cargo test` build the binary they use.)

use std::process::Command;

fn wasmcharm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmcharm"))
}

#[test]
fn version_and_help() {
    let out = wasmcharm().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wasmcharm "));
    let out = wasmcharm().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("dispatch") && help.contains("run"), "{help}");
}

#[test]
fn dispatch_outside_juju_says_what_is_missing() {
    let out = wasmcharm()
        .arg("dispatch")
        .env_remove("JUJU_DISPATCH_PATH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JUJU_DISPATCH_PATH is not set"), "{stderr}");
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let out = wasmcharm().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
