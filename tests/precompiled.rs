//! Precompiled components: made once, used after, and never trusted when amiss.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use wasmcharm_tests::{Stubs, apt_install, charm_dir, dispatch, juju_env, wasmcharm_bin};

const CWASM: &str = ".wasmcharm-cache/charm.wasm.cwasm";

fn precompile(charm: &Path) -> String {
    let out = Command::new(wasmcharm_bin())
        .arg("precompile")
        .arg(charm)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn install_works(charm: &Path) {
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm, "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
}

#[test]
fn precompile_once_then_every_hook_maps_it() {
    let charm = charm_dir("openssh");
    assert!(precompile(charm.path()).starts_with("compiled"));
    assert!(precompile(charm.path()).contains("already precompiled"));
    let cwasm = charm.path().join(CWASM);
    let made = std::fs::metadata(&cwasm).unwrap().modified().unwrap();
    install_works(charm.path());
    assert_eq!(
        std::fs::metadata(&cwasm).unwrap().modified().unwrap(),
        made,
        "not rewritten"
    );
}

#[test]
fn the_first_dispatch_precompiles_when_nothing_did() {
    let charm = charm_dir("openssh");
    install_works(charm.path());
    assert!(charm.path().join(CWASM).exists());
    assert!(precompile(charm.path()).contains("already precompiled"));
}

#[test]
fn a_tampered_precompiled_file_is_recompiled_not_run() {
    let charm = charm_dir("openssh");
    precompile(charm.path());
    let cwasm = charm.path().join(CWASM);
    // Same size, same modification time, other bytes: the record cannot see it, so
    // wasmtime's own checks must.
    let original = std::fs::read(&cwasm).unwrap();
    let modified: SystemTime = std::fs::metadata(&cwasm).unwrap().modified().unwrap();
    let garbage = vec![0x5a_u8; original.len()];
    std::fs::write(&cwasm, &garbage).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&cwasm)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    install_works(charm.path());
    assert_ne!(
        std::fs::read(&cwasm).unwrap(),
        garbage,
        "recompiled and rewritten"
    );

    // A truncated file changes its size: the record catches that.
    std::fs::write(&cwasm, &original[..original.len() / 2]).unwrap();
    install_works(charm.path());
    // A damaged record is a miss too.
    std::fs::write(
        charm.path().join(".wasmcharm-cache/charm.wasm.json"),
        "{broken",
    )
    .unwrap();
    install_works(charm.path());
}

#[test]
fn a_new_component_is_not_served_the_old_code() {
    let charm = charm_dir("openssh");
    precompile(charm.path());
    // Upgrade the charm in place: the faulty charm's component, under the same name.
    let faulty = charm_dir("faulty");
    std::fs::copy(
        faulty.path().join("charm.wasm"),
        charm.path().join("charm.wasm"),
    )
    .unwrap();
    std::fs::copy(
        faulty.path().join("charmcraft.yaml"),
        charm.path().join("charmcraft.yaml"),
    )
    .unwrap();
    std::fs::copy(
        faulty.path().join("wasmcharm.yaml"),
        charm.path().join("wasmcharm.yaml"),
    )
    .unwrap();
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    // The faulty charm's install fails on purpose; openssh's would have succeeded.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
