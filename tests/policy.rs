//! What a charm asks for (`wasmcharm inspect`), and an operator's override narrowing it.

use std::process::Command;

use wasmcharm_tests::{
    Stubs, argv, assert_clean_error, charm_dir, dispatch, juju_env, wasmcharm_bin,
};

#[test]
fn inspect_shows_the_contract_imports_capabilities_and_limits() {
    let charm = charm_dir("openssh");
    let out = Command::new(wasmcharm_bin())
        .arg("inspect")
        .arg(charm.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(report["charm"], "openssh");
    assert_eq!(report["contract"][0], "juju:charm@0.1.1");
    let imports: Vec<&str> = report["imports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(imports.contains(&"juju:charm/machine@0.1.1"), "{imports:?}");
    assert_eq!(report["machine"]["packages"][0], "openssh-server");
    assert_eq!(report["machine"]["services"][0], "ssh");
    assert_eq!(report["limits"]["memory"], "128MiB");
    assert_eq!(report["limits"]["timeout"], "300s");
}

#[test]
fn an_operators_override_narrows_what_the_charm_may_do() {
    let charm = charm_dir("openssh");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("openssh.yaml");
    std::fs::write(
        &policy,
        "machine:\n  packages: []\nlimits:\n  timeout: 30s\n",
    )
    .unwrap();

    let out = Command::new(wasmcharm_bin())
        .arg("inspect")
        .arg(charm.path())
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    let report: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert!(
        report["machine"]["packages"]
            .as_sequence()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        report["machine"]["services"][0], "ssh",
        "left out, so left alone"
    );
    assert_eq!(report["limits"]["timeout"], "30s");

    let stubs = Stubs::new();
    let mut env = juju_env(charm.path(), "hooks/install");
    env.push(("WASMCHARM_POLICY".into(), policy.display().to_string()));
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert!(!calls.iter().any(|c| c[0] == "apt-get"), "{calls:?}");
    assert_eq!(
        calls.last().unwrap(),
        &argv(&[
            "status-set",
            "--application=false",
            "blocked",
            "--",
            "Failed to install packages"
        ])
    );
}

#[test]
fn an_override_cannot_widen() {
    let charm = charm_dir("openssh");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    std::fs::write(
        &policy,
        "machine:\n  packages: ['*']\n  commands: [rm]\nlimits: {memory: 1GiB}\n",
    )
    .unwrap();
    let out = Command::new(wasmcharm_bin())
        .args(["inspect"])
        .arg(charm.path())
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    let report: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(report["machine"]["packages"][0], "openssh-server");
    assert!(
        report["machine"]["commands"]
            .as_sequence()
            .unwrap()
            .is_empty()
    );
    assert_eq!(report["limits"]["memory"], "128MiB");
}

#[test]
fn a_malformed_override_is_bad_input() {
    let charm = charm_dir("openssh");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("bad.yaml");
    std::fs::write(&policy, "machine:\n  pakages: []\n").unwrap();
    let mut env = juju_env(charm.path(), "hooks/install");
    env.push(("WASMCHARM_POLICY".into(), policy.display().to_string()));
    let out = dispatch(&Stubs::new(), &env);
    assert_clean_error(
        &out,
        "bad.yaml is not valid: unknown field `pakages`, expected one of `packages`",
    );
}
