//! `wasmcharm test`: every example charm's suite passes; a failing, malformed or
//! inconsistent scenario is reported as such, with the exit code CI needs.

use std::path::Path;
use std::process::{Command, Output};

use wasmcharm_tests::{charm_dir, wasmcharm_bin};

fn test(charm: &Path, extra: &[&str]) -> Output {
    Command::new(wasmcharm_bin())
        .arg("test")
        .arg(charm)
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_example_charm_passes_its_suite() {
    for (charm, scenarios) in [
        ("openssh", 8),
        ("pause", 5),
        ("ubuntu-advantage", 7),
        ("valkey", 26),
        ("webserver", 12),
    ] {
        let dir = charm_dir(charm);
        let out = test(dir.path(), &[]);
        assert!(out.status.success(), "{charm}: {out:?}");
        let text = stdout(&out);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("ok ")).count(),
            scenarios,
            "{text}"
        );
        assert!(
            text.contains(&format!("{scenarios} passed, 0 failed")),
            "{text}"
        );
    }
}

#[test]
fn failures_are_shown_as_paths_with_what_was_expected_and_reported_in_junit() {
    let dir = charm_dir("openssh");
    let scenarios = dir.path().join("tests/scenarios");
    std::fs::write(
        scenarios.join("wrong.yaml"),
        "name: expects the wrong status\nevent: start\nexpect:\n  state:\n    unit-status: {status: blocked}\n",
    )
    .unwrap();
    std::fs::write(
        scenarios.join("typo.yaml"),
        "event: start\nstate: {leadr: true}\n",
    )
    .unwrap();
    std::fs::write(
        scenarios.join("inconsistent.yaml"),
        "- event: {name: ssh-relation-changed, relation-id: 9}\n\
         - {event: start, state: {config: {port: 22}}}\n\
         - {event: start, state: {containers: {web: {}}}}\n\
         - event: no-such-action-or-hook\n",
    )
    .unwrap();
    let junit = dir.path().join("report.xml");
    let out = test(dir.path(), &["--junit", junit.to_str().unwrap(), "-j", "1"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    for expected in [
        "FAILED  expects the wrong status",
        r#"state.unit-status.status: expected "blocked", got "active""#,
        "unknown field `leadr`",
        "the event is on relation 9, which the state does not have",
        "config has `port`, which is not an option the charm declares",
        "containers has `web`, which the charm's metadata does not declare",
        "8 passed, 6 failed",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // A hook the charm has no meaning for is a mistake in the scenario (Juju's dispatch
    // would let it pass; a scenario names it by hand).
    assert!(
        text.contains("`no-such-action-or-hook` is not an event this charm can receive"),
        "{text}"
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains(r#"tests="14""#) && xml.contains(r#"failures="6""#),
        "{xml}"
    );
    assert!(xml.contains("expects the wrong status"), "{xml}");
}

#[test]
fn a_charm_with_no_scenarios_is_bad_input() {
    let dir = charm_dir("stateful");
    let out = test(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no scenarios") && stderr.contains("tests/scenarios"),
        "{stderr}"
    );
}

#[test]
fn an_undeclared_action_param_or_a_wrong_type_is_named() {
    let dir = charm_dir("openssh");
    let scenarios = dir.path().join("tests/scenarios");
    for entry in std::fs::read_dir(&scenarios).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    std::fs::write(
        scenarios.join("params.yaml"),
        "- event: {name: get-host-keys, params: {kind: rsa}}\n\
         - event: {name: start}\n  state: {config: {}, leader: yes-please}\n",
    )
    .unwrap();
    let text = stdout(&test(dir.path(), &[]));
    assert!(
        text.contains("event.params has `kind`, which action `get-host-keys` does not declare"),
        "{text}"
    );
    assert!(text.contains("state.leader: invalid type"), "{text}");
}
