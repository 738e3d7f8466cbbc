//! What ships: a `.charm` packed by `wasmcharm pack`, unpacked the ways Juju and an
//! operator unpack it, and its own `dispatch` run for each hook as Juju runs it.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasmcharm_tests::{
    PebbleSim, Stubs, apt_install, argv, charm_dir, hot_dispatch_bin, juju_env, packed_dispatch,
    unit_env, unzip_with_library, unzip_with_unzip, wasmcharm_bin,
};

const CWASM: &str = ".wasmcharm-cache/charm.wasm.cwasm";

/// `wasmcharm pack` with the host built for these tests, whose hot `dispatch` sits
/// beside it: the layout `./dev dist` makes.
fn pack(charm: &Path, extra: &[&str]) -> (Output, PathBuf) {
    let out = charm.join("packed.charm");
    let output = Command::new(wasmcharm_bin())
        .arg("pack")
        .arg(charm)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    (output, out)
}

fn packed(charm: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = charm_dir(charm);
    let (out, archive) = pack(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    // For others to read and deploy, as charmcraft leaves a .charm.
    assert_eq!(mode(&archive), 0o644);
    (dir, archive)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Each file unpacked with the mode Juju needs: the binaries executable, the rest not.
fn assert_modes(unit: &Path) {
    for exe in ["dispatch", "bin/wasmcharm"] {
        assert_eq!(mode(&unit.join(exe)), 0o755, "{exe}");
    }
    for file in [
        "metadata.yaml",
        "manifest.yaml",
        "wasmcharm.yaml",
        "charm.wasm",
    ] {
        assert_eq!(mode(&unit.join(file)), 0o644, "{file}");
    }
}

/// The precompiled file's identity: a rewrite changes its inode or its time.
fn identity(path: &Path) -> (u64, i64, i64) {
    let meta = std::fs::metadata(path).unwrap();
    (meta.ino(), meta.mtime(), meta.mtime_nsec())
}

/// From here on a hand-over to the full host, which is the only thing that compiles,
/// fails the hook with 97.
fn forbid_compiling(unit: &Path) {
    std::fs::write(unit.join("bin/wasmcharm"), "#!/bin/sh\nexit 97\n").unwrap();
}

fn openssh_lifecycle(unit: &Path) {
    let hook = |name: &str| {
        let stubs = Stubs::new();
        let out = packed_dispatch(unit, &stubs, &juju_env(unit, &format!("hooks/{name}")));
        assert!(out.status.success(), "{name}: {out:?}");
        stubs.calls()
    };
    // The first hook on the unit: the hot dispatch hands it to the packed full host,
    // which compiles the component for this CPU and keeps it.
    assert!(!unit.join(CWASM).exists());
    assert_eq!(hook("install"), vec![apt_install(&["openssh-server"])]);
    let compiled = identity(&unit.join(CWASM));
    forbid_compiling(unit);
    assert_eq!(
        hook("start"),
        vec![
            argv(&["systemctl", "enable", "--now", "--", "ssh"]),
            argv(&["status-set", "--application=false", "active"]),
        ]
    );
    // No handlers: nothing called, and still nothing compiled.
    assert_eq!(hook("config-changed"), Vec::<Vec<String>>::new());
    assert_eq!(hook("update-status"), Vec::<Vec<String>>::new());
    assert_eq!(identity(&unit.join(CWASM)), compiled, "recompiled");
}

#[test]
fn openssh_unpacked_by_the_zip_library_runs_its_hooks() {
    let (_dir, archive) = packed("openssh");
    let unit = tempfile::tempdir().unwrap();
    let names = unzip_with_library(&archive, unit.path());
    assert_eq!(
        names,
        [
            "actions.yaml",
            "bin/wasmcharm",
            "charm.wasm",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml",
            "wasmcharm.yaml"
        ]
    );
    assert_modes(unit.path());
    // The hot binary is what Juju runs; the full host is only handed the misses.
    assert_eq!(
        std::fs::read(unit.path().join("dispatch")).unwrap(),
        std::fs::read(hot_dispatch_bin()).unwrap()
    );
    openssh_lifecycle(unit.path());
}

#[test]
fn openssh_unpacked_by_unzip_runs_its_hooks() {
    let (_dir, archive) = packed("openssh");
    let unit = tempfile::tempdir().unwrap();
    unzip_with_unzip(&archive, unit.path());
    assert_modes(unit.path());
    openssh_lifecycle(unit.path());
}

#[test]
fn pause_unpacked_runs_pebble_ready_against_pebble_on_its_socket() {
    let (_dir, archive) = packed("pause");
    let unit = tempfile::tempdir().unwrap();
    unzip_with_unzip(&archive, unit.path());
    assert_modes(unit.path());
    let sim = PebbleSim::start("pause", "");
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"timeout": 45}"#);
    let mut env = unit_env(unit.path(), "hooks/pause-pebble-ready", "pause/0");
    env.push(("JUJU_WORKLOAD_NAME".into(), "pause".into()));
    env.push((
        "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
        sim.dir.path().display().to_string(),
    ));
    let out = packed_dispatch(unit.path(), &stubs, &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls().last(),
        Some(&argv(&["status-set", "--application=false", "active"]))
    );
    let plan: serde_yaml::Value =
        serde_yaml::from_str(sim.get("/v1/plan?format=yaml").as_str().unwrap()).unwrap();
    assert_eq!(plan["services"]["pause"]["command"], "/pause");
    assert_eq!(plan["services"]["pause"]["environment"]["TIMEOUT"], "45");
    assert_eq!(sim.get("/v1/services?names=pause")[0]["current"], "active");
    assert!(unit.path().join(CWASM).exists());
}

/// The valkey charm as shipped, on the real hook-tool backend (stubbed tools, so the
/// argv is what is checked) and the real Pebble client against pebble-sim: its storage,
/// its secret and its health check, each through the form Juju and Pebble take.
#[test]
fn valkey_unpacked_configures_its_workload_from_storage_and_secret() {
    let (_dir, archive) = packed("valkey");
    let unit = tempfile::tempdir().unwrap();
    unzip_with_unzip(&archive, unit.path());
    let sim = PebbleSim::start("valkey", "");
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"port": 6379}"#);
    stubs.print("storage-list", r#"["data/0"]"#);
    stubs.print(
        "storage-get",
        r#"{"kind": "filesystem", "location": "/data"}"#,
    );
    stubs.print("relation-ids", r#"["cluster:1"]"#);
    stubs.print(
        "relation-get",
        r#"{"admin-secret-id": "secret:cs000000000000000001"}"#,
    );
    stubs.print("secret-get", r#"{"password": "s3cret"}"#);
    stubs.print("opened-ports", "[]");
    let mut env = unit_env(unit.path(), "hooks/valkey-pebble-ready", "valkey/0");
    env.push(("JUJU_WORKLOAD_NAME".into(), "valkey".into()));
    env.push((
        "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
        sim.dir.path().display().to_string(),
    ));
    let out = packed_dispatch(unit.path(), &stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    for expected in [
        argv(&["storage-list", "--format=json", "--", "data"]),
        argv(&["storage-get", "--format=json", "-s", "data/0"]),
        argv(&[
            "secret-get",
            "--format=json",
            "--refresh",
            "--",
            "secret:cs000000000000000001",
        ]),
        argv(&["open-port", "6379/tcp"]),
    ] {
        assert!(calls.contains(&expected), "{expected:?} not in {calls:?}");
    }
    assert_eq!(
        calls.last(),
        Some(&argv(&["status-set", "--application=false", "active"]))
    );
    let plan: serde_yaml::Value =
        serde_yaml::from_str(sim.get("/v1/plan?format=yaml").as_str().unwrap()).unwrap();
    assert_eq!(
        plan["services"]["valkey"]["command"],
        "valkey-server /etc/valkey/valkey.conf"
    );
    assert_eq!(plan["checks"]["valkey-up"]["tcp"]["port"], 6379);
    assert_eq!(plan["checks"]["valkey-up"]["period"], "10000ms");
    let config = &sim.get("/v1/files?action=list&path=/etc/valkey/valkey.conf")[0];
    assert_eq!(config["permissions"], "600");
    assert_eq!(sim.get("/v1/checks?names=valkey-up")[0]["status"], "up");
}

/// Runs `unit/dispatch` with `read_only` mounted read-only in a mount namespace of its
/// own (so that root, which permission bits do not stop, meets EROFS as anyone would).
fn dispatch_read_only(unit: &Path, read_only: &Path, stubs: &Stubs, hook: &str) -> Output {
    Command::new("unshare")
        .args(["--map-root-user", "--mount", "sh", "-c"])
        .arg(
            "mount --bind \"$1\" \"$1\" && mount -o remount,ro,bind \"$1\" \"$1\" && \
             shift && exec \"$@\"",
        )
        .arg("sh")
        .arg(read_only)
        .arg(unit.join("dispatch"))
        .env_clear()
        .env("PATH", stubs.path())
        .envs(juju_env(unit, hook))
        .output()
        .expect("unshare (util-linux) runs")
}

#[test]
fn a_read_only_charm_directory_keeps_the_unit_beside_it() {
    let (_dir, archive) = packed("openssh");
    let agent = tempfile::tempdir().unwrap();
    let unit = agent.path().join("charm");
    unzip_with_library(&archive, &unit);
    let beside = agent.path().join("charm.wasmcharm");
    let stubs = Stubs::new();
    let out = dispatch_read_only(&unit, &unit, &stubs, "hooks/install");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    // Compiled once, kept where the unit may write, and nothing written in the charm.
    assert!(beside.join(CWASM).is_file());
    assert_eq!(mode(&beside), 0o700);
    assert!(!unit.join(".wasmcharm-cache").exists());
    let compiled = identity(&beside.join(CWASM));
    forbid_compiling(&unit);
    let stubs = Stubs::new();
    let out = dispatch_read_only(&unit, &unit, &stubs, "hooks/start");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls().len(), 2, "{:?}", stubs.calls());
    assert_eq!(identity(&beside.join(CWASM)), compiled);
}

#[test]
fn nowhere_writable_is_a_clear_error() {
    let (_dir, archive) = packed("openssh");
    let agent = tempfile::tempdir().unwrap();
    let unit = agent.path().join("charm");
    unzip_with_library(&archive, &unit);
    let stubs = Stubs::new();
    // The agent directory read-only: the charm directory in it, and the place beside.
    let out = dispatch_read_only(&unit, agent.path(), &stubs, "hooks/install");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "nowhere to keep this unit's state and compiled charm",
        &format!("{} is not writable (Read-only file system", unit.display()),
        "charm.wasmcharm cannot be made (Read-only file system",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert!(stubs.calls().is_empty(), "{:?}", stubs.calls());
}

#[test]
fn pack_check_runs_what_was_packed() {
    let dir = charm_dir("openssh");
    let (out, _) = pack(dir.path(), &["--check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for expected in [
        "ok      unpack as Juju does: 7 files",
        "ok      executables kept their mode: dispatch 755, bin/wasmcharm 755",
        "ok      the packed host compiles the component: compiled",
        "ok      the packed dispatch starts and reads the metadata: exit 0",
        "ok      install on a simulated unit: ok",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }
}

/// The check judges the package, not the charm: a charm that fails install on an empty
/// simulated unit is noted, and fails the check only on the unit a state describes.
#[test]
fn pack_check_judges_the_charm_only_on_a_given_state() {
    let dir = charm_dir("faulty");
    // Packed as a machine charm for this machine.
    let charmcraft = dir.path().join("charmcraft.yaml");
    let text = std::fs::read_to_string(&charmcraft).unwrap();
    std::fs::write(
        &charmcraft,
        format!("{text}base: ubuntu@24.04\nplatforms:\n  amd64:\n"),
    )
    .unwrap();
    let (out, _) = pack(dir.path(), &["--check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("ok      install on a simulated unit: failed; unit maintenance: installing (on an empty unit; give --check-state"),
        "{stdout}"
    );
    let state = dir.path().join("unit.yaml");
    std::fs::write(&state, "leader: true\n").unwrap();
    let (out, _) = pack(
        dir.path(),
        &["--check", "--check-state", state.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("install on a simulated unit"), "{stdout}");
}

#[test]
fn pack_refuses_what_juju_would() {
    let dir = charm_dir("openssh");
    let charmcraft = dir.path().join("charmcraft.yaml");
    let text = std::fs::read_to_string(&charmcraft).unwrap();
    std::fs::write(&charmcraft, text.replace("name: openssh", "name: Open_SSH")).unwrap();
    let (out, archive) = pack(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a charm Juju would deploy")
            && stderr.contains("`name: Open_SSH` is not a charm name Juju takes"),
        "{stderr}"
    );
    assert!(!archive.exists());
}

#[test]
fn an_archive_that_does_not_read_back_is_not_left_behind() {
    let dir = charm_dir("openssh");
    // An earlier, good pack stays as it was.
    let (out, archive) = pack(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let before = std::fs::read(&archive).unwrap();
    // A "host binary" that is a script, alone in its directory (so that it is packed as
    // `dispatch` too): Juju could not run it on a unit.
    std::fs::create_dir(dir.path().join("fake")).unwrap();
    let script = dir.path().join("fake/not-a-host");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    let arch = wasmcharm::tools::pack::this_architecture();
    let spec = format!("{arch}={}", script.display());
    let (out, _) = pack(dir.path(), &["--host-binary", &spec]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not read back as it must")
            && stderr.contains("`dispatch` is not an executable (no ELF header)")
            && stderr.contains("`bin/wasmcharm` is not an executable"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&archive).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".wasmcharm-pack-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_full_host_unpacked_without_its_mode_is_named_as_such() {
    let (_dir, archive) = packed("openssh");
    let unit = tempfile::tempdir().unwrap();
    unzip_with_library(&archive, unit.path());
    let host = unit.path().join("bin/wasmcharm");
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = packed_dispatch(
        unit.path(),
        &Stubs::new(),
        &juju_env(unit.path(), "hooks/install"),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not be run: Permission denied")
            && stderr.contains("its mode is 644: was the .charm unpacked without the file modes"),
        "{stderr}"
    );
}

#[test]
fn stored_state_in_a_charm_directory_gone_read_only_is_not_left_behind() {
    let (_dir, archive) = packed("openssh");
    let agent = tempfile::tempdir().unwrap();
    let unit = agent.path().join("charm");
    unzip_with_library(&archive, &unit);
    std::fs::write(
        unit.join(".wasmcharm-state.json"),
        r#"{"version":1,"values":{},"deferred":[]}"#,
    )
    .unwrap();
    let stubs = Stubs::new();
    let out = dispatch_read_only(&unit, &unit, &stubs, "hooks/install");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holds the unit's stored state but is not writable"),
        "{stderr}"
    );
    assert!(!agent.path().join("charm.wasmcharm").exists());
}

#[test]
fn a_host_built_for_another_architecture_is_refused() {
    // openssh declares amd64 and arm64: pack this machine's host as the other one.
    let dir = charm_dir("openssh");
    let other = match wasmcharm::tools::pack::this_architecture() {
        "amd64" => "arm64",
        _ => "amd64",
    };
    let spec = format!("{other}={}", wasmcharm_bin().display());
    let (out, archive) = pack(dir.path(), &["--host-binary", &spec]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("`dispatch` is not built for {other} (ELF machine"))
            && stderr.contains(&format!("`bin/wasmcharm` is not built for {other}")),
        "{stderr}"
    );
    assert!(!archive.exists());
}
