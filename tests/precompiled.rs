//! Precompiled components: made once, used after, and never trusted when amiss.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use wasmcharm_tests::{
    Stubs, apt_install, charm_dir, dispatch, hot_dispatch_bin, juju_env, packed_dispatch,
    wait_for_optimizer, wasmcharm_bin,
};

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

/// A packed charm's layout: the hot binary as `dispatch`, the full host in `bin/`.
fn pack_hot(charm: &Path) {
    std::fs::create_dir_all(charm.join("bin")).unwrap();
    std::fs::copy(hot_dispatch_bin(), charm.join("dispatch")).unwrap();
    std::fs::copy(wasmcharm_bin(), charm.join("bin/wasmcharm")).unwrap();
}

#[test]
fn the_hot_dispatch_hands_a_charm_with_no_precompiled_code_to_the_full_host() {
    let charm = charm_dir("openssh");
    pack_hot(charm.path());
    let stubs = Stubs::new();
    // Nothing precompiled: the hot binary never compiles, so the full host in bin/ runs
    // the hook and keeps the compiled code.
    let out = packed_dispatch(
        charm.path(),
        &stubs,
        &juju_env(charm.path(), "hooks/install"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    let cwasm = charm.path().join(CWASM);
    let made = std::fs::metadata(&cwasm).unwrap().modified().unwrap();

    // From then on the hot binary maps it itself: a full host that cannot run would
    // otherwise fail the hook.
    std::fs::write(charm.path().join("bin/wasmcharm"), "#!/bin/sh\nexit 97\n").unwrap();
    let stubs = Stubs::new();
    let out = packed_dispatch(
        charm.path(),
        &stubs,
        &juju_env(charm.path(), "hooks/install"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    assert_eq!(std::fs::metadata(&cwasm).unwrap().modified().unwrap(), made);

    // A changed component is a miss again, handed over again (to the stand-in, here).
    std::fs::remove_dir_all(charm.path().join(".wasmcharm-cache")).unwrap();
    let out = packed_dispatch(
        charm.path(),
        &stubs,
        &juju_env(charm.path(), "hooks/install"),
    );
    assert_eq!(out.status.code(), Some(97), "{out:?}");
}

#[test]
fn the_hot_dispatch_names_a_missing_full_host() {
    let charm = charm_dir("openssh");
    pack_hot(charm.path());
    std::fs::remove_dir_all(charm.path().join("bin")).unwrap();
    let out = Command::new(charm.path().join("dispatch"))
        .env_clear()
        .env("PATH", "/nonexistent")
        .envs(juju_env(charm.path(), "hooks/install"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needs compiling") && stderr.contains("wasmcharm precompile"),
        "{stderr}"
    );
}

#[test]
fn a_cache_others_can_write_is_never_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let charm = charm_dir("openssh");
    precompile(charm.path());
    let cache = charm.path().join(".wasmcharm-cache");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Not mapped (compiled again), and not written to either.
    let out = Command::new(wasmcharm_bin())
        .arg("precompile")
        .arg(charm.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot keep it") && stderr.contains("can be written by others (mode 777)"),
        "{stderr}"
    );
    // A hook still runs, compiling as it goes, and says why it cannot keep the result.
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/install"));
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0][..4], ["juju-log", "--log-level", "WARNING", "--"]);
    assert!(
        calls[0][4].contains(
            ".wasmcharm-cache can be written by others (mode 777); every hook compiles it again"
        ),
        "{calls:?}"
    );
    assert_eq!(calls[1], apt_install(&["openssh-server"]));
}

#[test]
fn a_component_that_cannot_be_optimised_runs_baseline_code_and_says_why() {
    let charm = charm_dir("openssh");
    let cache = charm.path().join(".wasmcharm-cache");
    // What a unit's optimiser does, with too little memory to compile in.
    let out = Command::new(wasmcharm_bin())
        .args(["optimize", "--"])
        .arg(charm.path())
        .env("WASMCHARM_COMPILE_MEMORY", "1MiB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(cache.join("charm.wasm.unoptimizable.json").is_file());
    assert!(!cache.join("charm.wasm.cwasm").exists());

    // The hook runs baseline code (a small charm takes it when told to), says why in
    // the log Juju keeps of a hook's standard error, and starts no optimiser again.
    let mut env = juju_env(charm.path(), "hooks/install");
    env.push(("WASMCHARM_BASELINE_ABOVE".into(), "0".into()));
    let stubs = Stubs::new();
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the charm runs its baseline code, not optimised code: compiling")
            && stderr.contains("needed more than 1MiB of memory"),
        "{stderr}"
    );
    assert!(cache.join("charm.wasm.baseline.cwasm").is_file());
    // The lock is made only to start an optimiser.
    assert!(!cache.join("optimize.lock").exists());

    // A new component is another component: the note no longer holds, and the next
    // hook has it optimised.
    let wasm = charm.path().join("charm.wasm");
    let bytes = std::fs::read(&wasm).unwrap();
    std::fs::remove_file(&wasm).unwrap();
    std::fs::write(&wasm, bytes).unwrap();
    let out = dispatch(&Stubs::new(), &env);
    assert!(out.status.success(), "{out:?}");
    wait_for_optimizer(charm.path());
    assert!(cache.join("charm.wasm.cwasm").is_file());
    assert!(!cache.join("charm.wasm.baseline.cwasm").exists());
    assert!(!cache.join("charm.wasm.unoptimizable.json").exists());
}
