//! `wasmcharm dispatch` as Juju runs it: the built openssh component, stub hook tools
//! and stub apt-get/systemctl first on PATH, each call's argv asserted exactly.

use wasmcharm_tests::{Stubs, apt_install, argv, charm_dir, dispatch, juju_env};

fn status_set(status: &str, message: Option<&str>) -> Vec<String> {
    let mut a = argv(&["status-set", "--application=false", status]);
    if let Some(m) = message {
        a.extend(argv(&["--", m]));
    }
    a
}

fn assert_debug_log(call: &[String], starts_with: &str) {
    assert_eq!(
        call[..4],
        argv(&["juju-log", "--log-level", "DEBUG", "--"]),
        "{call:?}"
    );
    assert!(call[4].starts_with(starts_with), "{call:?}");
}

#[test]
fn install_installs_openssh_server() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
}

#[test]
fn install_failing_blocks_the_unit() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    stubs.fail(
        "apt-get",
        100,
        "E: Unable to locate package openssh-server\n",
    );
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[0], apt_install(&["openssh-server"]));
    assert_debug_log(&calls[1], "Package install failed: `apt-get install");
    assert!(
        calls[1][4].contains("exited with code 100"),
        "{:?}",
        calls[1]
    );
    assert!(
        calls[1][4].contains("Unable to locate package"),
        "{:?}",
        calls[1]
    );
    assert_eq!(
        calls[2],
        status_set("blocked", Some("Failed to install packages"))
    );
}

#[test]
fn start_enables_and_starts_ssh_then_goes_active() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/start"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![
            argv(&["systemctl", "enable", "--now", "--", "ssh"]),
            status_set("active", None),
        ]
    );
}

#[test]
fn start_failing_blocks_the_unit() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    stubs.fail(
        "systemctl",
        1,
        "Failed to enable unit: Unit file ssh.service does not exist.\n",
    );
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/start"));
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(
        calls[0],
        argv(&["systemctl", "enable", "--now", "--", "ssh"])
    );
    assert_debug_log(
        &calls[1],
        "Starting systemd unit failed: `systemctl enable --now -- ssh`",
    );
    assert_eq!(
        calls[2],
        status_set("blocked", Some("Failed to start/enable ssh service"))
    );
}

#[test]
fn an_undeclared_package_is_refused_before_anything_runs() {
    let charm = charm_dir("openssh");
    std::fs::write(
        charm.path().join("wasmcharm.yaml"),
        "component: charm.wasm\nmachine:\n  services: [ssh]\n",
    )
    .unwrap();
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert!(
        !calls.iter().any(|c| c[0] == "apt-get"),
        "apt-get must not run: {calls:?}"
    );
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_debug_log(
        &calls[0],
        "Package install failed: wasmcharm.yaml does not allow package `openssh-server`: \
         add it to machine.packages",
    );
    assert_eq!(
        calls[1],
        status_set("blocked", Some("Failed to install packages"))
    );
}

#[test]
fn a_handler_error_fails_the_hook_and_is_logged_at_error() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    // openssh propagates a failed status-set, so its handler returns an error.
    stubs.fail("status-set", 1, "ERROR connection refused\n");
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/start"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let calls = stubs.calls();
    let last = calls.last().unwrap();
    assert_eq!(
        last[..4],
        argv(&["juju-log", "--log-level", "ERROR", "--"]),
        "{calls:?}"
    );
    assert!(
        last[4].starts_with("hooks/start failed: the charm's handler returned an error"),
        "{last:?}"
    );
    assert!(last[4].contains("connection refused"), "{last:?}");
}

#[test]
fn hooks_the_charm_does_not_know_are_ignored() {
    let charm = charm_dir("openssh");
    for hook in [
        "some-future-hook",
        // openssh declares no containers and no relations.
        "redis-pebble-ready",
        "db-relation-changed",
    ] {
        let stubs = Stubs::new();
        let out = dispatch(&stubs, &juju_env(charm.path(), &format!("hooks/{hook}")));
        assert!(out.status.success(), "{hook}: {out:?}");
        let calls = stubs.calls();
        assert_eq!(calls.len(), 1, "{hook}: {calls:?}");
        assert_debug_log(&calls[0], &format!("ignoring hook `{hook}`"));
    }
}

#[test]
fn hooks_the_charm_has_no_handler_for_succeed_quietly() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/update-status"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), Vec::<Vec<String>>::new());
}

#[test]
fn restricted_legacy_hooks_exit_at_once() {
    let charm = charm_dir("openssh");
    for hook in ["collect-metrics", "meter-status-changed"] {
        let stubs = Stubs::new();
        // Juju runs these without JUJU_VERSION.
        let env: Vec<_> = juju_env(charm.path(), &format!("hooks/{hook}"))
            .into_iter()
            .filter(|(k, _)| k != "JUJU_VERSION")
            .collect();
        let out = dispatch(&stubs, &env);
        assert!(out.status.success(), "{hook}: {out:?}");
        assert_eq!(stubs.calls(), Vec::<Vec<String>>::new(), "{hook}");
    }
}

#[test]
fn the_charm_dir_defaults_to_the_working_directory() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    let env: Vec<_> = juju_env(charm.path(), "hooks/start")
        .into_iter()
        .filter(|(k, _)| k != "JUJU_CHARM_DIR")
        .collect();
    let out = std::process::Command::new(wasmcharm_tests::wasmcharm_bin())
        .arg("dispatch")
        .current_dir(charm.path())
        .env_clear()
        .env("PATH", stubs.path())
        .envs(env)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls()[0],
        argv(&["systemctl", "enable", "--now", "--", "ssh"])
    );
}

#[test]
fn the_charms_dispatch_script_runs_the_host() {
    let charm = charm_dir("openssh");
    let stubs = Stubs::new();
    let out = std::process::Command::new(charm.path().join("dispatch"))
        .env_clear()
        .env("PATH", stubs.path())
        .env("WASMCHARM", wasmcharm_tests::wasmcharm_bin())
        .envs(juju_env(charm.path(), "hooks/install"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
}

#[test]
fn a_trap_fails_the_hook_and_logs_why() {
    let charm = charm_dir("faulty");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/start"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let calls = stubs.calls();
    assert_eq!(
        calls[0],
        argv(&["juju-log", "--log-level", "INFO", "--", "about to fail"])
    );
    assert_eq!(
        calls[1][..4],
        argv(&["juju-log", "--log-level", "CRITICAL", "--"])
    );
    assert!(calls[1][4].contains("start exploded"), "{calls:?}");
    assert_eq!(
        calls[2][..4],
        argv(&["juju-log", "--log-level", "ERROR", "--"])
    );
    assert!(
        calls[2][4].starts_with("hooks/start failed: the charm crashed"),
        "{calls:?}"
    );
    // Reported once: juju-log took it, so stderr does not repeat it.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("hooks/start failed"), "{stderr}");
}

#[test]
fn a_failure_goes_to_stderr_when_juju_log_cannot_take_it() {
    let charm = charm_dir("faulty");
    let stubs = Stubs::new();
    stubs.fail("juju-log", 1, "ERROR no hook context\n");
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wasmcharm: hooks/install failed: the charm's handler returned an error (internal): install went wrong"),
        "{stderr}"
    );
}

#[test]
fn config_comes_from_config_get_typed_by_the_metadata() {
    let charm = charm_dir("faulty");
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"greeting": "hi", "port": 2222}"#);
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/config-changed"));
    assert!(out.status.success(), "{out:?}");
    // Asked once, however many options the charm reads.
    assert_eq!(
        stubs.calls(),
        vec![
            argv(&["config-get", "--format=json"]),
            status_set("active", Some("hi on 2222, verbose=false")),
        ]
    );
}

#[test]
fn the_application_status_goes_through_status_set_application() {
    let charm = charm_dir("faulty");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/leader-elected"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![argv(&["status-set", "--application=true", "active"])]
    );
}
