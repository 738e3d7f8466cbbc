//! Charms built against an older `juju:charm` version keep running: the fixture is the
//! openssh charm as built against `juju:charm@0.1.0`, before `pebble` was added.

use wasmcharm_tests::{Stubs, apt_install, argv, charm_dir, dispatch, juju_env, workspace};

#[test]
fn a_charm_built_against_0_1_0_still_runs() {
    let charm = charm_dir("openssh");
    std::fs::copy(
        workspace().join("tests/fixtures/openssh-juju-charm-0.1.0.wasm"),
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
