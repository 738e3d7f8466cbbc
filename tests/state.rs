//! Stored state, deferral and collect-status, through `run` and through `dispatch`.

use std::path::Path;
use std::time::Duration;

use serde_yaml::Value;
use wasmcharm_tests::{Stubs, argv, charm_dir, dispatch, run_event, unit_env, unit_status};

const STATE_DIR: &str = ".wasmcharm-state";

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

/// The unit's stored state as the host keeps it: the index, and each value's bytes.
struct Kept {
    index: serde_json::Value,
    values: std::collections::BTreeMap<String, Vec<u8>>,
}

fn kept(charm: &Path) -> Kept {
    let dir = charm.join(STATE_DIR);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap())
            .expect("the index is whole JSON");
    let mut values = std::collections::BTreeMap::new();
    for (key, entry) in index["values"].as_object().unwrap() {
        let bytes = match entry["inline"].as_str() {
            Some(inline) => {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, inline).unwrap()
            }
            None => {
                let file = dir.join("values").join(entry["file"].as_str().unwrap());
                let bytes = std::fs::read(&file).expect("every value the index names is there");
                assert_eq!(bytes.len() as u64, entry["len"].as_u64().unwrap(), "{key}");
                bytes
            }
        };
        values.insert(key.clone(), bytes);
    }
    Kept { index, values }
}

#[test]
fn dispatch_commits_state_only_when_it_succeeds() {
    let charm = charm_dir("stateful");
    let out = dispatch_with_config(charm.path(), "hooks/config-changed", r#"{"defer": true}"#);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        kept(charm.path()).index["deferred"],
        serde_json::json!(["config-changed"])
    );
    let before = std::fs::read(charm.path().join(STATE_DIR).join("index.json")).unwrap();

    let out = dispatch_with_config(charm.path(), "hooks/update-status", r#"{"fail": true}"#);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        std::fs::read(charm.path().join(STATE_DIR).join("index.json")).unwrap(),
        before,
        "a failed dispatch changed the state"
    );

    let stubs = Stubs::new();
    stubs.print("config-get", "{}");
    let env: Vec<(String, String)> = unit_env(charm.path(), "hooks/update-status", "stateful/0");
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(kept(charm.path()).index["deferred"], serde_json::json!([]));
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

/// Kills the host with SIGKILL at moments spread over dispatches that replace a 1 MiB
/// value, and checks that the state is always whole: an index that parses, every value
/// it names there in full, the old value or the new and never a mix.
#[test]
fn a_killed_commit_leaves_the_old_state_or_the_new() {
    let charm = charm_dir("stateful");
    let config = r#"{"blob-kib": 1024}"#;
    assert!(
        dispatch_with_config(charm.path(), "hooks/config-changed", config)
            .status
            .success()
    );
    let blob = |kept: &Kept| -> u8 {
        let blob = &kept.values["blob"];
        assert_eq!(blob.len(), 1 << 20);
        assert!(blob.iter().all(|b| *b == blob[0]), "a mixed blob");
        blob[0]
    };
    blob(&kept(charm.path()));
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
        std::thread::sleep(Duration::from_millis(2 + i * 2));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        blob(&kept(charm.path()));
    }
    assert!(killed > 0, "no dispatch was killed: kill sooner");
    // What the killed commits left is removed by the next one that completes.
    assert!(
        dispatch_with_config(charm.path(), "hooks/config-changed", config)
            .status
            .success()
    );
    let files = std::fs::read_dir(charm.path().join(STATE_DIR).join("values"))
        .unwrap()
        .count();
    let named = kept(charm.path()).index["values"]
        .as_object()
        .unwrap()
        .values()
        .filter(|e| e.get("file").is_some())
        .count();
    assert_eq!(files, named);
}

#[test]
fn a_value_past_the_cap_fails_the_hook_and_keeps_the_old_state() {
    let charm = charm_dir("stateful");
    assert!(
        dispatch_with_config(charm.path(), "hooks/config-changed", "{}")
            .status
            .success()
    );
    let before = std::fs::read(charm.path().join(STATE_DIR).join("index.json")).unwrap();
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"blob-kib": 1025}"#);
    let out = dispatch(
        &stubs,
        &unit_env(charm.path(), "hooks/config-changed", "stateful/0"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let logged = stubs
        .calls()
        .into_iter()
        .find(|c| c[0] == "juju-log" && c[2] == "ERROR")
        .unwrap();
    assert!(
        logged[4].contains(
            "the value for stored-state key \"blob\" is 1049600 bytes; a value is at most \
             1048576 bytes"
        ),
        "{logged:?}"
    );
    assert_eq!(
        std::fs::read(charm.path().join(STATE_DIR).join("index.json")).unwrap(),
        before
    );
}

#[test]
fn state_an_older_host_kept_in_one_file_carries_over() {
    let charm = charm_dir("stateful");
    let counts = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        br#"{"config_changed": 5, "redelivered": 1}"#,
    );
    let legacy = charm.path().join(".wasmcharm-state.json");
    std::fs::write(
        &legacy,
        format!(r#"{{"version":1,"values":{{"counts":"{counts}"}},"deferred":[]}}"#),
    )
    .unwrap();
    let stubs = Stubs::new();
    stubs.print("config-get", "{}");
    let out = dispatch(
        &stubs,
        &unit_env(charm.path(), "hooks/config-changed", "stateful/0"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls().last().unwrap(),
        &argv(&[
            "status-set",
            "--application=false",
            "active",
            "--",
            "config-changed 6 times, 1 redelivered"
        ])
    );
    assert!(!legacy.exists(), "moved into .wasmcharm-state/");
    assert!(kept(charm.path()).values.contains_key("counts"));
}
