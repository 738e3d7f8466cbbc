//! Stored state, deferral and collect-status, through `run` and through `dispatch`.

use std::path::Path;
use std::time::Duration;

use serde_yaml::Value;
use wasmcharm_tests::{Stubs, argv, charm_dir, dispatch, run_event, unit_env, unit_status};

const STATE_FILE: &str = ".wasmcharm-state.json";

fn counts(report: &Value) -> serde_json::Value {
    let text = report["state"]["stored"]["counts"].as_str().unwrap_or("{}");
    serde_json::from_str(text).unwrap()
}

fn state_of(report: &Value) -> String {
    serde_yaml::to_string(&report["state"]).unwrap()
}

fn with_config(state: &str, config: &str) -> String {
    let mut v: Value = serde_yaml::from_str(state).unwrap();
    v["config"] = serde_yaml::from_str(config).unwrap();
    serde_yaml::to_string(&v).unwrap()
}

#[test]
fn stored_state_carries_over_and_collect_status_sets_the_status() {
    let charm = charm_dir("stateful");
    let (out, r) = run_event(charm.path(), "config-changed", "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(counts(&r)["config_changed"], 1);
    assert_eq!(
        unit_status(&r),
        (
            "active".into(),
            "config-changed 1 times, 0 redelivered".into()
        )
    );
    let (_, r) = run_event(charm.path(), "config-changed", &state_of(&r));
    assert_eq!(counts(&r)["config_changed"], 2);

    // Blocked outranks active, whatever the order they were added in.
    let (_, r) = run_event(
        charm.path(),
        "config-changed",
        &with_config(&state_of(&r), "{block: true}"),
    );
    assert_eq!(
        unit_status(&r),
        ("blocked".into(), "blocked by config".into())
    );
}

#[test]
fn a_failed_dispatch_keeps_the_stored_state_it_started_with() {
    let charm = charm_dir("stateful");
    let (_, r) = run_event(charm.path(), "config-changed", "");
    let before = state_of(&r);
    let (out, r) = run_event(
        charm.path(),
        "config-changed",
        &with_config(&before, "{fail: true}"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(counts(&r)["config_changed"], 1);
}

#[test]
fn deferred_events_come_first_and_are_queued_once() {
    let charm = charm_dir("stateful");
    let (out, r) = run_event(charm.path(), "config-changed", "config: {defer: true}\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r["state"]["deferred"],
        serde_yaml::from_str::<Value>("[config-changed]").unwrap()
    );

    // The next dispatch re-delivers it before its own event; deferred again, it stays
    // queued once (and this dispatch's own config-changed is not queued beside it).
    let (_, r) = run_event(charm.path(), "config-changed", &state_of(&r));
    assert_eq!(counts(&r)["config_changed"], 3);
    assert_eq!(counts(&r)["redelivered"], 1);
    assert_eq!(r["state"]["deferred"].as_sequence().unwrap().len(), 1);

    // Not deferred this time: delivered once more and dropped.
    let (_, r) = run_event(
        charm.path(),
        "update-status",
        &with_config(&state_of(&r), "{defer: false}"),
    );
    assert_eq!(counts(&r)["config_changed"], 4);
    assert_eq!(counts(&r)["redelivered"], 2);
    assert!(r["state"]["deferred"].is_null(), "{r:?}");
}

#[test]
fn events_juju_will_not_redeliver_cannot_be_deferred() {
    let charm = charm_dir("stateful");
    let (out, r) = run_event(charm.path(), "stop", "");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let error = r["happened"]["error"].as_str().unwrap();
    assert!(
        error.contains("(invalid-input): a stop event cannot be deferred"),
        "{error}"
    );
}

fn dispatch_with_config(charm: &Path, hook: &str, config: &str) -> std::process::Output {
    let stubs = Stubs::new();
    stubs.print("config-get", config);
    let env: Vec<(String, String)> = unit_env(charm, hook, "stateful/0");
    dispatch(&stubs, &env)
}

#[test]
fn dispatch_commits_state_only_when_it_succeeds() {
    let charm = charm_dir("stateful");
    let file = charm.path().join(STATE_FILE);
    let out = dispatch_with_config(charm.path(), "hooks/config-changed", r#"{"defer": true}"#);
    assert!(out.status.success(), "{out:?}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["deferred"], serde_json::json!(["config-changed"]));
    let before = std::fs::read(&file).unwrap();

    let out = dispatch_with_config(charm.path(), "hooks/update-status", r#"{"fail": true}"#);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "a failed dispatch changed the state"
    );

    let stubs = Stubs::new();
    stubs.print("config-get", "{}");
    let env: Vec<(String, String)> = unit_env(charm.path(), "hooks/update-status", "stateful/0");
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["deferred"], serde_json::json!([]));
    assert_eq!(
        stubs.calls().last().unwrap(),
        &argv(&[
            "status-set",
            "--application=false",
            "active",
            "--",
            "config-changed 2 times, 1 redelivered"
        ])
    );
}

/// Kills the host with SIGKILL at moments spread over its commit of a 16 MiB value, and
/// checks that the state file is always whole: the old value or the new, never a mix.
#[test]
fn a_killed_commit_leaves_the_old_state_or_the_new() {
    let charm = charm_dir("stateful");
    let file = charm.path().join(STATE_FILE);
    let config = r#"{"blob-mib": 16}"#;
    assert!(
        dispatch_with_config(charm.path(), "hooks/config-changed", config)
            .status
            .success()
    );
    let blob = |bytes: &[u8]| -> u8 {
        let saved: serde_json::Value =
            serde_json::from_slice(bytes).expect("the state file is whole JSON");
        let encoded = saved["values"]["blob"].as_str().expect("a blob");
        let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded)
            .expect("valid base64");
        assert_eq!(decoded.len(), 16 << 20);
        assert!(decoded.iter().all(|b| *b == decoded[0]), "a mixed blob");
        decoded[0]
    };
    blob(&std::fs::read(&file).unwrap());
    let mut killed = 0;
    for i in 0..20u64 {
        let stubs = Stubs::new();
        stubs.print("config-get", config);
        let env: Vec<(String, String)> =
            unit_env(charm.path(), "hooks/config-changed", "stateful/0");
        let mut child = std::process::Command::new(wasmcharm_tests::wasmcharm_bin())
            .arg("dispatch")
            .env_clear()
            .env("PATH", stubs.path())
            .envs(env)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + i * 15));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        blob(&std::fs::read(&file).unwrap());
    }
    assert!(killed > 0, "no dispatch was killed: make the blob bigger");
}
