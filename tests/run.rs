//! `wasmcharm run`: the same openssh lifecycle on a simulated unit, state in, state out.

use std::path::Path;
use std::process::{Command, Output};

use serde_yaml::Value;
use wasmcharm_tests::{assert_clean_error, charm_dir, commands, unit_status, wasmcharm_bin};

fn run(charm: &Path, event: &str, state: Option<&str>) -> Output {
    let mut cmd = Command::new(wasmcharm_bin());
    cmd.arg("run").arg(charm).arg(event);
    let file = tempfile::NamedTempFile::new().unwrap();
    if let Some(state) = state {
        std::fs::write(file.path(), state).unwrap();
        cmd.arg("--state").arg(file.path());
    }
    cmd.output().unwrap()
}

fn report(out: &Output) -> Value {
    serde_yaml::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

const APT_INSTALL: &str = "apt-get install --assume-yes --option DPkg::Lock::Timeout=300 \
                           --option Dpkg::Options::=--force-confold -- openssh-server";

#[test]
fn install_ok() {
    let charm = charm_dir("openssh");
    let out = run(charm.path(), "install", None);
    assert!(out.status.success(), "{out:?}");
    let r = report(&out);
    assert_eq!(r["happened"]["outcome"], "ok");
    assert_eq!(commands(&r), [APT_INSTALL]);
    assert_eq!(r["state"]["machine"]["packages"]["openssh-server"], "1.0");
    assert_eq!(unit_status(&r), ("unknown".into(), "".into()));
}

#[test]
fn install_failing() {
    let charm = charm_dir("openssh");
    let state = "machine:\n  commands:\n    - argv: [apt-get, install]\n      exit-code: 100\n      \
                 stderr: 'E: Unable to locate package openssh-server'\n";
    let out = run(charm.path(), "install", Some(state));
    assert!(out.status.success(), "{out:?}");
    let r = report(&out);
    assert_eq!(
        unit_status(&r),
        ("blocked".into(), "Failed to install packages".into())
    );
    assert!(
        r["state"]["machine"]["packages"]
            .as_mapping()
            .unwrap()
            .is_empty()
    );
    let log = &r["happened"]["logs"][0];
    assert_eq!(log["level"], "DEBUG");
    assert!(
        log["message"]
            .as_str()
            .unwrap()
            .contains("exited with code 100: E: Unable to locate package"),
        "{log:?}"
    );
}

#[test]
fn start_ok() {
    let charm = charm_dir("openssh");
    let state = "machine:\n  packages: {openssh-server: '1:9.6p1-3ubuntu13'}\n";
    let out = run(charm.path(), "start", Some(state));
    assert!(out.status.success(), "{out:?}");
    let r = report(&out);
    assert_eq!(commands(&r), ["systemctl enable --now -- ssh"]);
    assert_eq!(r["state"]["machine"]["services"]["ssh"]["active"], true);
    assert_eq!(r["state"]["machine"]["services"]["ssh"]["enabled"], true);
    assert_eq!(unit_status(&r), ("active".into(), "".into()));
    assert_eq!(r["happened"]["unit-status-history"][0]["status"], "active");
}

#[test]
fn start_failing() {
    let charm = charm_dir("openssh");
    let state = "machine:\n  commands:\n    - argv: [systemctl, enable, --now, --, ssh]\n      exit-code: 1\n";
    let out = run(charm.path(), "start", Some(state));
    assert!(out.status.success(), "{out:?}");
    let r = report(&out);
    assert_eq!(
        unit_status(&r),
        (
            "blocked".into(),
            "Failed to start/enable ssh service".into()
        )
    );
    assert!(r["state"]["machine"]["services"]["ssh"].is_null());
}

#[test]
fn an_undeclared_package_is_refused_and_nothing_runs() {
    let charm = charm_dir("openssh");
    std::fs::write(
        charm.path().join("wasmcharm.yaml"),
        "component: charm.wasm\n",
    )
    .unwrap();
    let out = run(charm.path(), "install", None);
    assert!(out.status.success(), "{out:?}");
    let r = report(&out);
    assert!(commands(&r).is_empty());
    assert_eq!(
        unit_status(&r),
        ("blocked".into(), "Failed to install packages".into())
    );
    let message = r["happened"]["logs"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("does not allow package `openssh-server`"),
        "{message}"
    );
}

#[test]
fn the_state_out_feeds_the_next_run() {
    let charm = charm_dir("openssh");
    let state = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(wasmcharm_bin())
        .arg("run")
        .arg(charm.path())
        .arg("install")
        .arg("--out")
        .arg(state.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let after_install = std::fs::read_to_string(state.path()).unwrap();
    assert!(after_install.contains("openssh-server"), "{after_install}");
    let out = run(charm.path(), "start", Some(&after_install));
    let r = report(&out);
    assert_eq!(r["state"]["machine"]["packages"]["openssh-server"], "1.0");
    assert_eq!(unit_status(&r), ("active".into(), "".into()));
}

#[test]
fn a_handler_error_fails_the_run_but_keeps_status_and_machine_changes() {
    let charm = charm_dir("faulty");
    let out = run(charm.path(), "install", None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = report(&out);
    assert_eq!(r["happened"]["outcome"], "failed");
    let error = r["happened"]["error"].as_str().unwrap();
    assert_eq!(
        error,
        "hooks/install failed: the charm's handler returned an error (internal): install went wrong"
    );
    assert_eq!(unit_status(&r), ("maintenance".into(), "installing".into()));
    assert_eq!(r["state"]["machine"]["packages"]["cowsay"], "1.0");
    let last_log = r["happened"]["logs"].as_sequence().unwrap().last().unwrap();
    assert_eq!(last_log["level"], "ERROR");
    assert_eq!(last_log["message"], error);
}

#[test]
fn a_trap_fails_the_run_with_the_panic_logged() {
    let charm = charm_dir("faulty");
    let out = run(charm.path(), "start", None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = report(&out);
    assert_eq!(r["happened"]["outcome"], "failed");
    assert!(
        r["happened"]["error"]
            .as_str()
            .unwrap()
            .starts_with("hooks/start failed: the charm crashed"),
        "{r:?}"
    );
    let logs: Vec<(String, String)> = r["happened"]["logs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().to_string(),
                l["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(logs[0], ("INFO".into(), "about to fail".into()));
    assert_eq!(logs[1].0, "CRITICAL");
    assert!(logs[1].1.contains("start exploded"), "{logs:?}");
    assert_eq!(logs[2].0, "ERROR");
}

#[test]
fn config_is_typed_with_defaults_from_the_metadata() {
    let charm = charm_dir("faulty");
    let out = run(charm.path(), "config-changed", None);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&report(&out)),
        ("active".into(), "hello on 8080, verbose=false".into())
    );
    let out = run(
        charm.path(),
        "config-changed",
        Some("config: {greeting: hi, port: 2222, verbose: true}\n"),
    );
    assert_eq!(
        unit_status(&report(&out)),
        ("active".into(), "hi on 2222, verbose=true".into())
    );
    let out = run(
        charm.path(),
        "config-changed",
        Some("config: {port: '2222'}\n"),
    );
    assert_clean_error(
        &out,
        "config `port` is \"2222\", but the charm declares it as int",
    );
}

#[test]
fn only_the_leader_sets_the_application_status() {
    let charm = charm_dir("faulty");
    let out = run(charm.path(), "leader-elected", Some("leader: true\n"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(report(&out)["state"]["app-status"]["status"], "active");
    let out = run(charm.path(), "leader-elected", Some("leader: false\n"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = report(&out);
    assert!(
        r["happened"]["error"]
            .as_str()
            .unwrap()
            .contains("(permission-denied): only the leader may set the application status"),
        "{r:?}"
    );
}

#[test]
fn an_undeclared_container_is_refused() {
    let charm = charm_dir("faulty");
    let out = run(charm.path(), "update-status", None);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&report(&out)),
        (
            "blocked".into(),
            "can-connect=false; ErrorKind::PermissionDenied: the charm's metadata declares no container \
             \"ghost\" (containers: workload)"
                .into()
        )
    );
}

#[test]
fn pebble_notices_and_checks_reach_the_charm_with_their_details() {
    let charm = charm_dir("faulty");
    let out = run(
        charm.path(),
        "workload-pebble-custom-notice",
        Some(
            "containers: {workload: {notices: [{id: '17', type: custom, key: example.com/reload, \
             first-occurred: '2026-01-01T00:00:00Z', last-occurred: '2026-01-01T00:00:00Z', \
             last-repeated: '2026-01-01T00:00:00Z', occurrences: 1}]}}\n\
             event: {notice-id: '17', notice-type: custom, notice-key: example.com/reload}\n",
        ),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&report(&out)),
        (
            "active".into(),
            "workload: notice 17 custom example.com/reload".into()
        )
    );
    let failing = "containers:\n  workload:\n    layers:\n      base:\n        checks:\n          \
                   http-ready: {override: replace, threshold: 2, http: {url: 'http://localhost/'}}\n    \
                   checks: {http-ready: {failures: 2}}\n";
    let out = run(
        charm.path(),
        "workload-pebble-check-failed",
        Some(&format!("{failing}event: {{check-name: http-ready}}\n")),
    );
    assert_eq!(
        unit_status(&report(&out)),
        ("blocked".into(), "workload: http-ready failed".into())
    );
    // Without the details Juju always sets, the input is bad, not the charm.
    let out = run(charm.path(), "workload-pebble-check-failed", None);
    assert_clean_error(&out, "JUJU_PEBBLE_CHECK_NAME is not set");
}

#[test]
fn an_event_the_charm_cannot_receive_is_an_error_naming_those_it_can() {
    // Under Juju's dispatch such a hook is let pass (a newer Juju's); here it is a typo.
    let charm = charm_dir("openssh");
    let out = run(charm.path(), "nginx-pebble-ready", None);
    assert_clean_error(
        &out,
        "`nginx-pebble-ready` is not an event this charm can receive",
    );
    let out = run(charm.path(), "get-host-key", None);
    assert_clean_error(&out, "and its actions get-host-keys");
}

#[test]
fn unknown_state_keys_are_rejected_naming_the_key() {
    let charm = charm_dir("openssh");
    let out = run(charm.path(), "install", Some("machine:\n  pakages: {}\n"));
    assert_clean_error(&out, "unknown field `pakages`");
    let out = run(charm.path(), "install", Some("config: {port: 22}\n"));
    assert_clean_error(
        &out,
        "config has `port`, which is not an option the charm declares",
    );
}
