//! Adding to the contract does not break built charms. Two kinds of fixture prove it:
//! the three example charms exactly as built against `juju:charm@0.1.0`
//! (`tests/fixtures/0.1.0/`), which run their scenario suites of that time on this host,
//! and the openssh charm built against an earlier, smaller draft of 0.1.0, before the
//! `pebble`, `store`, `relations` and other interfaces were added. Each imports less than
//! the host offers, and still links and runs.

use std::process::Command;

use wasmcharm_tests::{
    Stubs, apt_install, argv, charm_dir, dispatch, juju_env, wasmcharm_bin, workspace,
};

/// A copy of a shipped charm's directory, so that a run writes nothing into the tree.
fn shipped(version: &str, charm: &str) -> tempfile::TempDir {
    let src = workspace().join("tests/fixtures").join(version).join(charm);
    let dir = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-r")
        .arg(src.join("."))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    dir
}

#[test]
fn charms_built_against_0_1_0_pass_their_suites_and_say_so() {
    for (charm, scenarios) in [("openssh", 8), ("pause", 5), ("ubuntu-advantage", 7)] {
        let dir = shipped("0.1.0", charm);
        let out = Command::new(wasmcharm_bin())
            .arg("test")
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{charm}: {out:?}");
        assert!(
            text.contains(&format!("{scenarios} passed, 0 failed")),
            "{charm}: {text}"
        );

        let out = Command::new(wasmcharm_bin())
            .arg("inspect")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{charm}: {out:?}");
        let report: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
        let contract: Vec<String> = serde_yaml::from_value(report["contract"].clone()).unwrap();
        assert_eq!(contract, ["juju:charm@0.1.0"], "{charm}");
    }
}

#[test]
fn a_charm_built_against_0_1_0_runs_under_juju_dispatch() {
    let dir = shipped("0.1.0", "openssh");
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(dir.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
}

#[test]
fn a_charm_built_against_a_smaller_contract_still_runs() {
    let charm = charm_dir("openssh");
    std::fs::copy(
        workspace().join("tests/fixtures/openssh-before-pebble.wasm"),
        charm.path().join("charm.wasm"),
    )
    .unwrap();
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);

    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/start"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![
            argv(&["systemctl", "enable", "--now", "--", "ssh"]),
            argv(&["status-set", "--application=false", "active"]),
        ]
    );
}

/// Every file of every shipped contract, as `wit/released/SHA256SUMS` recorded it when
/// it shipped. Releasing a version adds its lines; no line may ever change.
#[test]
fn shipped_contracts_never_change() {
    use sha2::Digest;
    let released = workspace().join("wit/released");
    let sums = std::fs::read_to_string(released.join("SHA256SUMS")).unwrap();
    let mut recorded = std::collections::BTreeMap::new();
    for line in sums.lines() {
        let (sum, file) = line.split_once("  ").expect("`<sha256>  <path>` lines");
        recorded.insert(file.to_string(), sum.to_string());
    }
    let mut found = std::collections::BTreeMap::new();
    for version in std::fs::read_dir(&released).unwrap() {
        let version = version.unwrap().path();
        if !version.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&version).unwrap() {
            let file = file.unwrap().path();
            let name = file.strip_prefix(&released).unwrap().display().to_string();
            let sum = sha2::Sha256::digest(std::fs::read(&file).unwrap());
            let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
            found.insert(name, hex);
        }
    }
    for (file, sum) in &recorded {
        match found.get(file) {
            None => panic!("{file} shipped and is gone"),
            Some(now) => assert_eq!(now, sum, "{file} changed after it shipped"),
        }
    }
    let unrecorded: Vec<_> = found
        .keys()
        .filter(|f| !recorded.contains_key(*f))
        .collect();
    assert!(
        unrecorded.is_empty(),
        "{unrecorded:?} are not in wit/released/SHA256SUMS: add them when the version ships"
    );
}

/// `wit/`, which the host and the SDK are generated from, is either a released version
/// exactly as it shipped, or a version not released yet: an edit to a shipped contract
/// that keeps its version number is the break the pins exist to stop.
#[test]
fn the_working_contract_is_not_a_changed_release() {
    let wit = workspace().join("wit");
    let world = std::fs::read_to_string(wit.join("world.wit")).unwrap();
    let version = world
        .lines()
        .find_map(|l| l.trim().strip_prefix("package juju:charm@"))
        .and_then(|v| v.strip_suffix(';'))
        .expect("wit/world.wit declares `package juju:charm@<version>;`");
    let released = wit.join("released").join(version);
    if !released.is_dir() {
        return; // a version in the making
    }
    let names = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".wit"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&wit),
        names(&released),
        "wit/ is {version}, which has shipped with other files: give it a new version"
    );
    for name in names(&wit) {
        assert_eq!(
            std::fs::read(wit.join(&name)).unwrap(),
            std::fs::read(released.join(&name)).unwrap(),
            "wit/{name} differs from the shipped {version}: give wit/ a new version"
        );
    }
}
