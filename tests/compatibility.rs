//! Adding to the contract does not break built charms: the fixture is the openssh charm
//! built against an earlier, smaller draft of `juju:charm@0.1.0`, before the `pebble`,
//! `store`, `relations` and other interfaces, and `machine.run-command-with-secrets`,
//! were added. It imports less than the host offers, and still links and runs.

use wasmcharm_tests::{Stubs, apt_install, argv, charm_dir, dispatch, juju_env, workspace};

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
            argv(&["systemctl", "enable", "--now", "ssh"]),
            argv(&["status-set", "--application=false", "active"]),
        ]
    );
}
