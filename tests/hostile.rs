//! Guests written to misbehave: each attack ends as documented, the host exits cleanly,
//! and the unit's state file is as it was.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_yaml::Value;
use wasmcharm_tests::{
    Stubs, charm_dir, dispatch, run_event, unit_env, unit_status, wait_for_optimizer,
};

fn attack(charm: &Path, what: &str) -> (std::process::Output, Value) {
    run_event(
        charm,
        "config-changed",
        &format!("config: {{attack: {what}}}\n"),
    )
}

fn error(r: &Value) -> String {
    r["happened"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Runs an attack through `dispatch` on a unit that already has stored state, and
/// checks that the state file is untouched.
fn dispatch_attack(what: &str) -> (std::process::Output, Stubs) {
    dispatch_attack_on(what, Tier::Optimized)
}

enum Tier {
    /// What a dispatch of a small charm compiles.
    Optimized,
    /// What a unit's first dispatch of a large one runs (Winch's code), lent to a small
    /// charm by lowering the size it takes.
    Baseline,
}

fn dispatch_attack_on(what: &str, tier: Tier) -> (std::process::Output, Stubs) {
    let charm = charm_dir("hostile");
    let state = charm.path().join(".wasmcharm-state");
    std::fs::create_dir_all(state.join("values")).unwrap();
    std::fs::write(state.join("values/v-seed"), "v").unwrap();
    let state_file = state.join("index.json");
    let before = br#"{"version":2,"values":{"k":{"file":"v-seed","len":1}},"deferred":[]}"#;
    std::fs::write(&state_file, before).unwrap();
    let stubs = Stubs::new();
    stubs.print("config-get", &format!(r#"{{"attack": "{what}"}}"#));
    let mut env: Vec<(String, String)> =
        unit_env(charm.path(), "hooks/config-changed", "hostile/0");
    if let Tier::Baseline = tier {
        env.push(("WASMCHARM_BASELINE_ABOVE".into(), "0".into()));
    }
    let out = dispatch(&stubs, &env);
    let baseline = charm
        .path()
        .join(".wasmcharm-cache/charm.wasm.baseline.cwasm");
    assert_eq!(baseline.exists(), matches!(tier, Tier::Baseline));
    wait_for_optimizer(charm.path());
    assert_eq!(
        std::fs::read(&state_file).unwrap(),
        before,
        "{what} changed the state file"
    );
    (out, stubs)
}

fn logged_error(stubs: &Stubs) -> String {
    stubs
        .calls()
        .into_iter()
        .find(|c| c[0] == "juju-log" && c[2] == "ERROR")
        .map(|c| c[4].clone())
        .unwrap_or_default()
}

fn an_endless_loop_is_stopped_at_the_deadline_on(tier: Tier) {
    let started = Instant::now();
    let (out, stubs) = dispatch_attack_on("loop", tier);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        logged_error(&stubs).contains("ran past limits.timeout (2s) in wasmcharm.yaml"),
        "{:?}",
        stubs.calls()
    );
}

fn a_memory_bomb_hits_the_limit_on(tier: Tier) {
    let (out, stubs) = dispatch_attack_on("memory", tier);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let logged = logged_error(&stubs);
    assert!(
        logged.contains("past limits.memory (64MiB) in wasmcharm.yaml"),
        "{logged}"
    );
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline() {
    an_endless_loop_is_stopped_at_the_deadline_on(Tier::Optimized);
}

#[test]
fn a_memory_bomb_hits_the_limit() {
    a_memory_bomb_hits_the_limit_on(Tier::Optimized);
}

#[test]
fn baseline_code_is_stopped_at_the_deadline_and_the_memory_limit_too() {
    an_endless_loop_is_stopped_at_the_deadline_on(Tier::Baseline);
    a_memory_bomb_hits_the_limit_on(Tier::Baseline);
}

#[test]
fn a_panic_fails_the_hook_with_its_message_and_backtrace() {
    let (out, stubs) = dispatch_attack("panic");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let calls = stubs.calls();
    let panic = calls
        .iter()
        .find(|c| c[0] == "juju-log" && c[2] == "CRITICAL")
        .unwrap();
    assert!(panic[4].contains("the charm gives up"), "{panic:?}");
    let logged = logged_error(&stubs);
    assert!(
        logged.starts_with("hooks/config-changed failed: the charm crashed"),
        "{logged}"
    );
    // The guest's own function names, kept in the build.
    assert!(logged.contains("hostile.wasm!"), "{logged}");
}

#[test]
fn deep_recursion_overflows_the_stack_and_traps() {
    let charm = charm_dir("hostile");
    let (out, r) = attack(charm.path(), "recursion");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(error(&r).contains("call stack exhausted"), "{}", error(&r));
}

#[test]
fn wasi_gives_no_files_and_no_sockets() {
    let charm = charm_dir("hostile");
    for what in ["shadow", "state-file", "socket"] {
        let (out, r) = attack(charm.path(), what);
        assert!(out.status.success(), "{what}: {out:?}");
        let (kind, message) = unit_status(&r);
        assert_eq!(kind, "blocked", "{what}: {message}");
        assert!(message.starts_with("refused: "), "{what}: {message}");
    }
}

#[test]
fn an_undeclared_command_does_not_run() {
    let charm = charm_dir("hostile");
    let (_, r) = attack(charm.path(), "command");
    assert_eq!(
        unit_status(&r),
        (
            "blocked".into(),
            "refused: wasmcharm.yaml does not allow command `rm`: add it to machine.commands"
                .into()
        )
    );
    assert!(r["happened"]["commands"].as_sequence().unwrap().is_empty());
}

#[test]
fn paths_cannot_escape_a_declared_prefix() {
    let allowed = Path::new("/tmp/wasmcharm-allowed");
    let outside = Path::new("/tmp/wasmcharm-outside");
    std::fs::create_dir_all(allowed).unwrap();
    std::fs::create_dir_all(outside).unwrap();
    let link = allowed.join("link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(outside, &link).unwrap();
    let _ = std::fs::remove_file(outside.join("escaped"));
    let _ = std::fs::remove_file("/tmp/wasmcharm-escaped");

    let (out, stubs) = dispatch_attack("dotdot");
    assert!(out.status.success(), "{out:?}");
    let last = stubs.calls().last().unwrap().clone();
    assert!(
        last[4].starts_with("refused: wasmcharm.yaml does not allow path"),
        "{last:?}"
    );
    assert!(!Path::new("/tmp/wasmcharm-escaped").exists());

    let (out, stubs) = dispatch_attack("symlink");
    assert!(out.status.success(), "{out:?}");
    let last = stubs.calls().last().unwrap().clone();
    assert!(
        last[4].contains("leads through a link to /tmp/wasmcharm-outside/escaped"),
        "{last:?}"
    );
    assert!(!outside.join("escaped").exists());
}

#[test]
fn ten_thousand_host_calls_stay_correct() {
    let charm = charm_dir("hostile");
    let (out, r) = attack(charm.path(), "calls");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&r),
        ("active".into(), "did it: call 9999".into())
    );
    assert_eq!(
        r["happened"]["unit-status-history"]
            .as_sequence()
            .unwrap()
            .len(),
        10_001
    );
}

#[test]
fn out_of_range_values_are_errors_not_truncations() {
    let charm = charm_dir("hostile");
    let (_, r) = attack(charm.path(), "range");
    assert_eq!(
        unit_status(&r),
        (
            "blocked".into(),
            "refused: config option `big` is 100000, out of range for u8".into()
        )
    );
}

#[test]
fn flooding_stdout_is_cut_at_the_cap_without_failing_the_hook() {
    let charm = charm_dir("hostile");
    let (out, r) = attack(charm.path(), "flood");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(unit_status(&r), ("active".into(), "did it: flooded".into()));
    let stdout = r["happened"]["stdout"].as_str().unwrap();
    assert!(stdout.len() < (1 << 20) + 200, "{}", stdout.len());
    assert!(stdout.ends_with("[wasmcharm: the charm's output was cut at limits.output (1MiB)]\n"));

    let (out, _) = dispatch_attack("flood");
    assert!(out.status.success(), "{:?}", out.status);
    assert!(out.stdout.len() < (1 << 20) + 200, "{}", out.stdout.len());
}

#[test]
fn an_invalid_layer_is_an_error_value_with_pebbles_message() {
    let charm = charm_dir("hostile");
    let (out, r) = attack(charm.path(), "layer");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&r),
        (
            "blocked".into(),
            "refused: ErrorKind::InvalidInput: cannot parse layer YAML: cannot use reserved \
             service name \"pebble\""
                .into()
        )
    );
    assert!(r["state"]["containers"]["workload"]["layers"].is_null());
}

#[test]
fn no_charm_may_write_its_own_directory_whatever_it_declares() {
    let charm = charm_dir("hostile");
    std::fs::write(
        charm.path().join("wasmcharm.yaml"),
        "component: charm.wasm\nmachine:\n  files:\n    write: [/]\n",
    )
    .unwrap();
    let target = charm.path().join("charm.wasm");
    let before = std::fs::read(&target).unwrap();
    let stubs = Stubs::new();
    stubs.print(
        "config-get",
        &format!(r#"{{"attack": "write", "path": "{}"}}"#, target.display()),
    );
    let env: Vec<(String, String)> = unit_env(charm.path(), "hooks/config-changed", "hostile/0");
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let last = stubs.calls().last().unwrap().clone();
    assert!(
        last[4].contains("is, or holds, the charm's own directory"),
        "{last:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
}

/// Runs `attack` on `path` through dispatch, with the given wasmcharm.yaml.
fn dispatch_on_path(manifest: &str, attack: &str, path: &Path) -> (tempfile::TempDir, Stubs) {
    let charm = charm_dir("hostile");
    std::fs::write(charm.path().join("wasmcharm.yaml"), manifest).unwrap();
    let stubs = Stubs::new();
    stubs.print(
        "config-get",
        &format!(r#"{{"attack": "{attack}", "path": "{}"}}"#, path.display()),
    );
    let out = dispatch(
        &stubs,
        &unit_env(charm.path(), "hooks/config-changed", "hostile/0"),
    );
    assert!(out.status.success(), "{out:?}");
    (charm, stubs)
}

#[test]
fn removing_a_link_removes_the_link_not_what_it_points_to() {
    let allowed = Path::new("/tmp/wasmcharm-allowed");
    let outside = Path::new("/tmp/wasmcharm-outside-keep");
    std::fs::create_dir_all(allowed).unwrap();
    std::fs::create_dir_all(outside).unwrap();
    std::fs::write(outside.join("precious"), "keep me").unwrap();
    let link = allowed.join("to-precious");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(outside.join("precious"), &link).unwrap();
    let (_charm, stubs) = dispatch_on_path(
        "component: charm.wasm\nmachine: {files: {write: [/tmp/wasmcharm-allowed]}}\n",
        "remove",
        &link,
    );
    assert!(
        stubs.calls().last().unwrap()[4].contains("did it: removed"),
        "{:?}",
        stubs.calls()
    );
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "the link is gone"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("precious")).unwrap(),
        "keep me"
    );
}

#[test]
fn no_charm_may_remove_what_holds_its_own_directory() {
    let charm = charm_dir("hostile");
    let parent = charm.path().parent().unwrap().to_path_buf();
    drop(charm);
    let (charm, stubs) = dispatch_on_path(
        "component: charm.wasm\nmachine: {files: {write: [/]}}\n",
        "remove",
        &parent,
    );
    let last = stubs.calls().last().unwrap().clone();
    assert!(
        last[4].contains("is, or holds, the charm's own directory"),
        "{last:?}"
    );
    assert!(charm.path().join("charm.wasm").exists());
}
