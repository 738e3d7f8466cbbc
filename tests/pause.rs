//! The pause Kubernetes charm through `wasmcharm run` on simulated containers.

use std::path::Path;
use std::process::Output;

use serde_yaml::Value;
use wasmcharm_tests::{
    PebbleSim, Stubs, argv, assert_clean_error, charm_dir, dispatch, juju_env, run_event,
};

struct Run {
    out: Output,
    report: Value,
}

impl Run {
    fn status(&self) -> (&str, &str) {
        let s = &self.report["state"]["unit-status"];
        (
            s["status"].as_str().unwrap(),
            s["message"].as_str().unwrap(),
        )
    }

    fn container(&self) -> &Value {
        &self.report["state"]["containers"]["pause"]
    }

    fn service(&self) -> &Value {
        &self.container()["layers"]["pause"]["services"]["pause"]
    }

    fn changes(&self) -> Vec<String> {
        self.report["happened"]["pebble"]["pause"]["changes"]
            .as_sequence()
            .map(|s| s.iter().map(|c| c.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }

    /// The state after, as the next run's input.
    fn state(&self) -> String {
        serde_yaml::to_string(&self.report["state"]).unwrap()
    }
}

fn run(charm: &Path, event: &str, state: &str) -> Run {
    let (out, report) = run_event(charm, event, state);
    Run { out, report }
}

fn with_config(state: &str, timeout: i64) -> String {
    let mut v: Value = serde_yaml::from_str(state).unwrap();
    v["config"] = serde_yaml::from_str(&format!("{{timeout: {timeout}}}")).unwrap();
    serde_yaml::to_string(&v).unwrap()
}

#[test]
fn the_lifecycle() {
    let charm = charm_dir("pause");

    // Juju's usual order: config-changed comes before pebble-ready.
    let r = run(charm.path(), "config-changed", "");
    assert!(r.out.status.success(), "{:?}", r.out);
    assert_eq!(r.status(), ("active", ""));

    let r = run(charm.path(), "pause-pebble-ready", &r.state());
    assert!(r.out.status.success(), "{:?}", r.out);
    assert_eq!(r.service()["command"], "/pause");
    assert_eq!(r.service()["startup"], "enabled");
    assert_eq!(r.service()["override"], "replace");
    assert_eq!(r.service()["summary"], "pause service");
    assert_eq!(r.service()["environment"]["TIMEOUT"], "30");
    assert_eq!(r.container()["services"]["pause"], "active");
    assert_eq!(r.status(), ("active", ""));

    // A new timeout: the plan follows and the service restarts exactly once.
    let r = run(charm.path(), "config-changed", &with_config(&r.state(), 60));
    assert!(r.out.status.success(), "{:?}", r.out);
    assert_eq!(r.service()["environment"]["TIMEOUT"], "60");
    assert_eq!(r.changes(), ["restart: Restart service \"pause\" (Done)"]);
    assert_eq!(r.container()["services"]["pause"], "active");

    // The same config again: nothing is touched.
    let r = run(charm.path(), "config-changed", &r.state());
    assert!(r.out.status.success(), "{:?}", r.out);
    assert!(r.changes().is_empty(), "{:?}", r.changes());
    assert_eq!(r.status(), ("active", ""));

    // The workload container restarts: a fresh Pebble, and the timeout is kept.
    let mut state: Value = serde_yaml::from_str(&r.state()).unwrap();
    state["containers"]["pause"] = serde_yaml::from_str("{}").unwrap();
    let r = run(
        charm.path(),
        "pause-pebble-ready",
        &serde_yaml::to_string(&state).unwrap(),
    );
    assert!(r.out.status.success(), "{:?}", r.out);
    assert_eq!(r.service()["environment"]["TIMEOUT"], "60");
    assert_eq!(r.container()["services"]["pause"], "active");
}

#[test]
fn an_unreachable_container_waits() {
    let charm = charm_dir("pause");
    let r = run(
        charm.path(),
        "config-changed",
        "containers: {pause: {can-connect: false}}\n",
    );
    assert!(r.out.status.success(), "{:?}", r.out);
    assert_eq!(r.status(), ("waiting", "waiting for Pebble"));
    assert!(r.changes().is_empty());
}

#[test]
fn a_workload_that_will_not_start_fails_the_hook() {
    let charm = charm_dir("pause");
    let r = run(
        charm.path(),
        "pause-pebble-ready",
        "containers: {pause: {crash-on-start: {pause: 1}}}\n",
    );
    assert_eq!(r.out.status.code(), Some(1), "{:?}", r.out);
    let error = r.report["happened"]["error"].as_str().unwrap();
    assert!(error.contains("(failed-command)"), "{error}");
    assert!(error.contains("exited quickly with code 1"), "{error}");
    assert_eq!(r.container()["services"]["pause"], "backoff");
}

#[test]
fn the_state_must_fit_the_metadata() {
    let charm = charm_dir("pause");
    let r = run(charm.path(), "config-changed", "containers: {web: {}}\n");
    assert_clean_error(
        &r.out,
        "containers has `web`, which the charm's metadata does not declare",
    );
    let r = run(
        charm.path(),
        "config-changed",
        "containers: {pause: {services: {ghost: active}}}\n",
    );
    assert_clean_error(
        &r.out,
        "containers.pause.services names `ghost`, which no layer defines",
    );
}

/// The Juju environment for a pause unit, with the host pointed at `sockets`.
fn pause_env(charm: &Path, hook: &str, sockets: &Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = juju_env(charm, hook)
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "JUJU_UNIT_NAME" => (k, "pause/0".to_string()),
            _ => (k, v),
        })
        .collect();
    env.push((
        "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
        sockets.display().to_string(),
    ));
    if hook.ends_with("pebble-ready") {
        env.push(("JUJU_WORKLOAD_NAME".into(), "pause".into()));
    }
    env
}

fn dispatch_with_timeout(charm: &Path, hook: &str, sockets: &Path, timeout: i64) -> Stubs {
    let stubs = Stubs::new();
    stubs.print("config-get", &format!("{{\"timeout\": {timeout}}}"));
    let out = dispatch(&stubs, &pause_env(charm, hook, sockets));
    assert!(out.status.success(), "{hook}: {out:?}");
    stubs
}

fn restarts(sim: &PebbleSim) -> usize {
    sim.get("/v1/changes?select=all")
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "restart")
        .count()
}

fn plan_service(sim: &PebbleSim) -> Value {
    let plan: Value =
        serde_yaml::from_str(sim.get("/v1/plan?format=yaml").as_str().unwrap()).unwrap();
    plan["services"]["pause"].clone()
}

#[test]
fn the_lifecycle_through_dispatch_against_pebble_sim() {
    let charm = charm_dir("pause");
    let sim = PebbleSim::start("pause", "");
    let sockets = sim.dir.path();
    let active = argv(&["status-set", "--application=false", "active"]);

    // config-changed before pebble-ready: no failure.
    let stubs = dispatch_with_timeout(charm.path(), "hooks/config-changed", sockets, 30);
    assert_eq!(stubs.calls().last(), Some(&active));

    let stubs = dispatch_with_timeout(charm.path(), "hooks/pause-pebble-ready", sockets, 30);
    assert_eq!(stubs.calls().last(), Some(&active));
    let service = plan_service(&sim);
    assert_eq!(service["command"], "/pause");
    assert_eq!(service["environment"]["TIMEOUT"], "30");
    assert_eq!(sim.get("/v1/services?names=pause")[0]["current"], "active");
    let restarts_before = restarts(&sim);

    // A new timeout: one restart, and the plan carries it.
    dispatch_with_timeout(charm.path(), "hooks/config-changed", sockets, 60);
    assert_eq!(plan_service(&sim)["environment"]["TIMEOUT"], "60");
    assert_eq!(restarts(&sim), restarts_before + 1);

    // The same config again: no restart.
    let stubs = dispatch_with_timeout(charm.path(), "hooks/config-changed", sockets, 60);
    assert_eq!(restarts(&sim), restarts_before + 1);
    assert_eq!(stubs.calls().last(), Some(&active));
}

#[test]
fn an_unreachable_container_waits_through_dispatch() {
    let charm = charm_dir("pause");
    let nowhere = tempfile::tempdir().unwrap();
    let stubs = dispatch_with_timeout(charm.path(), "hooks/config-changed", nowhere.path(), 30);
    assert_eq!(
        stubs.calls().last(),
        Some(&argv(&[
            "status-set",
            "--application=false",
            "waiting",
            "--",
            "waiting for Pebble"
        ]))
    );
}

#[test]
fn a_hanging_pebble_cannot_outlive_the_deadline() {
    let charm = charm_dir("pause");
    std::fs::write(
        charm.path().join("wasmcharm.yaml"),
        "component: charm.wasm\nlimits: {timeout: 2s}\n",
    )
    .unwrap();
    let sim = PebbleSim::start("pause", "hold-changes: true\n");
    let started = std::time::Instant::now();
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"timeout": 30}"#);
    let out = dispatch(
        &stubs,
        &pause_env(charm.path(), "hooks/pause-pebble-ready", sim.dir.path()),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}
