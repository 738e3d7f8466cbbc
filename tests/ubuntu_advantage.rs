//! The ubuntu-advantage charm: stored state across hooks, repository operations, and a
//! token that never shows.

use serde_yaml::Value;
use sha2::{Digest, Sha256};
use wasmcharm_tests::{
    Stubs, apt_install, argv, charm_dir, commands, dispatch, run_event, unit_env, unit_status,
};

const TOKEN: &str = "C0FFEE-secret-token-1";
const OTHER_TOKEN: &str = "C0FFEE-secret-token-2";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A state with this config and `ua attach` answering `attach_exit`.
fn state(config: &str, attach_exit: i32, before: Option<&Value>) -> String {
    let mut v: Value = match before {
        Some(r) => r["state"].clone(),
        None => serde_yaml::from_str("{}").unwrap(),
    };
    v["config"] = serde_yaml::from_str(config).unwrap();
    v["machine"]["commands"] = serde_yaml::from_str(&format!(
        "[{{argv: [ua, attach], exit-code: {attach_exit}, stderr: 'invalid token'}}]"
    ))
    .unwrap();
    serde_yaml::to_string(&v).unwrap()
}

/// What the run reports besides the state it was given: what happened, and what the
/// charm stored.
fn shown(r: &Value) -> String {
    serde_yaml::to_string(&(&r["happened"], &r["state"]["stored"])).unwrap()
}

fn stored(r: &Value) -> serde_json::Value {
    serde_json::from_str(r["state"]["stored"]["state"].as_str().unwrap()).unwrap()
}

const APT_INSTALL: &str = "apt-get install --assume-yes --option DPkg::Lock::Timeout=300 \
                           --option Dpkg::Options::=--force-confold -- ubuntu-advantage-tools";

#[test]
fn the_lifecycle_on_a_simulated_unit() {
    let charm = charm_dir("ubuntu-advantage");
    let config = format!("{{token: {TOKEN}, ppa: 'ppa:ua-client/stable'}}");

    // First config-changed: repository, install, attach, Active, hash stored.
    let (out, r) = run_event(charm.path(), "config-changed", &state(&config, 0, None));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        commands(&r),
        [
            "add-apt-repository --yes -- ppa:ua-client/stable".to_string(),
            APT_INSTALL.to_string(),
            "ua attach ***".to_string(),
        ]
    );
    assert_eq!(unit_status(&r), ("active".into(), "Attached".into()));
    assert_eq!(stored(&r)["hashed_token"], hash(TOKEN));
    assert_eq!(stored(&r)["package_needs_installing"], false);
    assert_eq!(
        r["state"]["machine"]["repositories"][0],
        "ppa:ua-client/stable"
    );
    assert_eq!(
        r["happened"]["unit-status-history"][0]["status"], "maintenance",
        "Configuring first"
    );
    // The token is in the config the state gives, and nowhere in what happened.
    assert!(!shown(&r).contains(TOKEN), "{}", shown(&r));

    // The same config again: no install, no attach.
    let (_, r) = run_event(charm.path(), "config-changed", &state(&config, 0, Some(&r)));
    assert!(commands(&r).is_empty(), "{:?}", commands(&r));
    assert_eq!(unit_status(&r), ("active".into(), "Attached".into()));

    // A new token: attach again.
    let config2 = format!("{{token: {OTHER_TOKEN}, ppa: 'ppa:ua-client/stable'}}");
    let (out, r) = run_event(
        charm.path(),
        "config-changed",
        &state(&config2, 0, Some(&r)),
    );
    assert_eq!(commands(&r), ["ua attach ***"]);
    assert_eq!(stored(&r)["hashed_token"], hash(OTHER_TOKEN));
    assert!(!shown(&r).contains(OTHER_TOKEN));
    assert!(out.status.success());
    let attached = r;

    // Attach failing: Blocked, and the old hash kept.
    let config3 = "{token: C0FFEE-wrong, ppa: 'ppa:ua-client/stable'}";
    let (out, r) = run_event(
        charm.path(),
        "config-changed",
        &state(config3, 1, Some(&attached)),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&r),
        ("blocked".into(), "Failed to attach".into())
    );
    assert_eq!(stored(&r)["hashed_token"], hash(OTHER_TOKEN));
    let report = shown(&r);
    assert!(!report.contains("C0FFEE-wrong"), "{report}");
    assert!(
        report.contains("`ua attach ***` exited with code 1"),
        "{report}"
    );

    // No token: Blocked.
    let (_, r) = run_event(
        charm.path(),
        "config-changed",
        &state("{ppa: 'ppa:ua-client/stable'}", 0, Some(&attached)),
    );
    assert_eq!(
        unit_status(&r),
        ("blocked".into(), "No token configured".into())
    );

    // The PPA removed: the repository goes, and the tools are installed again.
    let (_, r) = run_event(
        charm.path(),
        "config-changed",
        &state(&format!("{{token: {OTHER_TOKEN}}}"), 0, Some(&attached)),
    );
    assert_eq!(
        commands(&r),
        [
            "add-apt-repository --yes --remove -- ppa:ua-client/stable".to_string(),
            APT_INSTALL.to_string(),
        ]
    );
    assert_eq!(unit_status(&r), ("active".into(), "Attached".into()));
}

#[test]
fn a_failed_install_blocks() {
    let charm = charm_dir("ubuntu-advantage");
    let mut v: Value =
        serde_yaml::from_str(&state(&format!("{{token: {TOKEN}}}"), 0, None)).unwrap();
    v["machine"]["commands"] =
        serde_yaml::from_str("[{argv: [apt-get, install], exit-code: 100}]").unwrap();
    let (_, r) = run_event(
        charm.path(),
        "config-changed",
        &serde_yaml::to_string(&v).unwrap(),
    );
    assert_eq!(
        unit_status(&r),
        (
            "blocked".into(),
            "Failed to install ubuntu-advantage-tools".into()
        )
    );
    assert_eq!(stored(&r)["package_needs_installing"], true);
}

#[test]
fn through_dispatch_the_token_reaches_ua_and_nothing_else() {
    let charm = charm_dir("ubuntu-advantage");
    let env: Vec<(String, String)> =
        unit_env(charm.path(), "hooks/config-changed", "ubuntu-advantage/0");
    let stubs = Stubs::new();
    stubs.print(
        "config-get",
        &format!(r#"{{"token": "{TOKEN}", "ppa": "ppa:ua-client/stable"}}"#),
    );
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    let tools: Vec<&Vec<String>> = calls.iter().filter(|c| c[0] != "juju-log").collect();
    assert_eq!(
        tools,
        [
            &argv(&[
                "status-set",
                "--application=false",
                "maintenance",
                "--",
                "Configuring"
            ]),
            &argv(&["config-get", "--format=json"]),
            &argv(&["add-apt-repository", "--yes", "--", "ppa:ua-client/stable"]),
            &apt_install(&["ubuntu-advantage-tools"]),
            &argv(&["ua", "attach", TOKEN]),
            &argv(&[
                "status-set",
                "--application=false",
                "active",
                "--",
                "Attached"
            ]),
        ]
    );
    let state = wasmcharm_tests::stored_bytes(charm.path());
    assert!(!state.is_empty());
    assert!(!String::from_utf8_lossy(&state).contains(TOKEN));

    // A failing attach: the error is logged, with the token hidden.
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"token": "C0FFEE-wrong"}"#);
    stubs.fail("ua", 1, "invalid token\n");
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    for call in stubs.calls().iter().filter(|c| c[0] != "ua") {
        assert!(!call.iter().any(|a| a.contains("C0FFEE-wrong")), "{call:?}");
    }
    let logged = stubs
        .calls()
        .into_iter()
        .find(|c| c[0] == "juju-log" && c[4].starts_with("Failed to attach"))
        .unwrap();
    assert!(
        logged[4].contains("`ua attach ***` exited with code 1: invalid token"),
        "{logged:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("C0FFEE-wrong"));
}
