//! From nothing to a deployable .charm: `wasmcharm new`, `build`, the generated suite,
//! `pack`, and the packed `dispatch` run as Juju would run it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use wasmcharm_tests::{Stubs, apt_install, juju_env, unzip_with_library, wasmcharm_bin, workspace};

fn wasmcharm(dir: &Path, args: &[&str]) -> Output {
    Command::new(wasmcharm_bin())
        .current_dir(dir)
        .args(args)
        // One target directory for every generated charm, so that the SDK and its
        // dependencies are built once.
        .env("CARGO_TARGET_DIR", workspace().join("target/scaffold"))
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn packed_dispatch(unit: &Path, stubs: &Stubs, hook: &str) -> Output {
    let mut env = juju_env(unit, hook);
    env.push((
        "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
        unit.join("no-pebble-here").display().to_string(),
    ));
    wasmcharm_tests::packed_dispatch(unit, stubs, &env)
}

fn scaffold(kind: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let sdk = workspace().join("guest-sdk");
    ok(wasmcharm(
        root.path(),
        &["new", name, kind, "--sdk", sdk.to_str().unwrap()],
    ));
    let dir = root.path().join(name);
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "charmcraft.yaml",
        "wasmcharm.yaml",
        "tests/scenarios/charm.yaml",
        "dispatch",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    // Never over an existing directory.
    let again = wasmcharm(root.path(), &["new", name, kind]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");

    let built = ok(wasmcharm(&dir, &["build"]));
    assert!(built.contains("juju:charm@0.1.1"), "{built}");
    assert!(dir.join("charm.wasm").is_file());
    let tested = ok(wasmcharm(&dir, &["test", "."]));
    assert!(tested.contains(" passed, 0 failed"), "{tested}");
    ok(wasmcharm(&dir, &["pack"]));
    (root, dir)
}

#[test]
fn a_new_machine_charm_builds_passes_its_suite_packs_and_runs() {
    let (_root, dir) = scaffold("--machine", "web-server");
    let unit = tempfile::tempdir().unwrap();
    let names = unzip_with_library(&dir.join("web-server.charm"), unit.path());
    assert_eq!(
        names,
        [
            "README.md",
            "bin/wasmcharm",
            "charm.wasm",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml",
            "wasmcharm.yaml"
        ]
    );
    let metadata = std::fs::read_to_string(unit.path().join("metadata.yaml")).unwrap();
    assert!(
        metadata.contains("name: web-server") && !metadata.contains("platforms"),
        "{metadata}"
    );
    let manifest = std::fs::read_to_string(unit.path().join("manifest.yaml")).unwrap();
    assert!(
        manifest.contains("channel: '24.04'")
            && manifest.contains(&format!(
                "- {}",
                wasmcharm::tools::pack::this_architecture()
            )),
        "{manifest}"
    );
    for exe in ["dispatch", "bin/wasmcharm"] {
        let mode = std::fs::metadata(unit.path().join(exe))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "{exe}");
    }
    // As Juju runs it: install compiles the component for this CPU (nothing precompiled
    // is packed), every later hook maps it.
    let stubs = Stubs::new();
    let out = packed_dispatch(unit.path(), &stubs, "hooks/install");
    assert!(out.status.success(), "{out:?}");
    assert!(
        stubs.calls().contains(&apt_install(&["nginx"])),
        "{:?}",
        stubs.calls()
    );
    assert!(unit.path().join(".wasmcharm-cache").is_dir());
    let out = packed_dispatch(unit.path(), &stubs, "hooks/start");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_new_kubernetes_charm_builds_passes_its_suite_packs_and_runs() {
    let (_root, dir) = scaffold("--kubernetes", "web-app");
    let unit = tempfile::tempdir().unwrap();
    let names = unzip_with_library(&dir.join("web-app.charm"), unit.path());
    assert!(names.contains(&"dispatch".to_string()), "{names:?}");
    let metadata = std::fs::read_to_string(unit.path().join("metadata.yaml")).unwrap();
    assert!(
        metadata.contains("containers:") && metadata.contains("workload"),
        "{metadata}"
    );
    // No Pebble answers: config-changed waits for it, as the charm says.
    let stubs = Stubs::new();
    let out = packed_dispatch(unit.path(), &stubs, "hooks/config-changed");
    assert!(out.status.success(), "{out:?}");
    assert!(
        stubs
            .calls()
            .iter()
            .any(|call| call.contains(&"waiting".to_string())),
        "{:?}",
        stubs.calls()
    );
}

#[test]
fn a_missing_wasm_target_names_the_rustup_command() {
    let (root, _) = (tempfile::tempdir().unwrap(), ());
    let sdk = workspace().join("guest-sdk");
    ok(wasmcharm(
        root.path(),
        &["new", "lonely", "--machine", "--sdk", sdk.to_str().unwrap()],
    ));
    // A rustc whose wasm32-wasip2 library directory holds no standard library.
    let fake = root.path().join("rustc");
    std::fs::write(&fake, "#!/bin/sh\necho /nonexistent/lib\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(wasmcharm_bin())
        .current_dir(root.path().join("lonely"))
        .arg("build")
        .env("RUSTC", &fake)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rustup target add wasm32-wasip2"),
        "{stderr}"
    );
}

#[test]
fn the_version_names_every_contract_it_runs() {
    let out = Command::new(wasmcharm_bin())
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("wasmcharm 0.1.0"), "{text}");
    assert!(text.contains("wasmcharm-sdk 0.1.0"), "{text}");
    assert!(
        text.contains("juju:charm WIT versions: 0.1.1, 0.1.0"),
        "{text}"
    );
}

#[test]
fn juju_debug_turns_on_the_hosts_own_logs() {
    let dir = wasmcharm_tests::charm_dir("openssh");
    let stubs = Stubs::new();
    let mut env = juju_env(dir.path(), "hooks/start");
    env.push(("JUJU_DEBUG".into(), "/tmp/debug-hooks".into()));
    let out = wasmcharm_tests::dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "hooks/start in",
        "ran `systemctl enable --now -- ssh`: exit 0",
        "handler done",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    let quiet = wasmcharm_tests::dispatch(&stubs, &juju_env(dir.path(), "hooks/start"));
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
}

/// What a charm author outside this repository gets: the SDK release of the host's own
/// version, from crates.io, and a README that says so. (Built only with `--sdk` here:
/// the suite fetches nothing.)
#[test]
fn by_default_a_new_charm_depends_on_the_sdk_release_of_its_host() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(wasmcharm_bin())
        .args(["new", "web", "--kubernetes"])
        .current_dir(root.path())
        .env_remove("WASMCHARM_SDK")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let manifest = std::fs::read_to_string(root.path().join("web/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\nwasmcharm-sdk = \"0.1.0\"\n"),
        "{manifest}"
    );
    let readme = std::fs::read_to_string(root.path().join("web/README.md")).unwrap();
    assert!(readme.contains("`wasmcharm-sdk` 0.1.0"), "{readme}");

    // A contributor's checkout, by a path relative to the charm.
    let sdk = workspace().join("guest-sdk");
    let out = Command::new(wasmcharm_bin())
        .args(["new", "local", "--machine", "--sdk"])
        .arg(&sdk)
        .current_dir(root.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let manifest = std::fs::read_to_string(root.path().join("local/Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("wasmcharm-sdk"))
        .unwrap();
    assert!(line.contains("path = \"../"), "{line}");
    assert!(!line.contains(&root.path().display().to_string()), "{line}");
}
