//! Python charms: the SDK (`python-sdk/`, `wasmcharm-ops`) and the example charms in
//! `example-charms/python/`, built by `wasmcharm build` with componentize-py and held to
//! their Rust twins' scenario suites. componentize-py comes from PyPI: `./dev test`
//! installs it in `target/python`; `WASMCHARM_COMPONENTIZE_PY` names another. Where it
//! is absent, each test says so and passes without running.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasmcharm_tests::{
    PebbleSim, Stubs, argv, packed_dispatch, text, unit_env, unzip_with_unzip, wait_for_optimizer,
    wasmcharm_bin, workspace,
};

fn componentize_py() -> Option<PathBuf> {
    let path = std::env::var_os("WASMCHARM_COMPONENTIZE_PY")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/python/bin/componentize-py"));
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "skipped: {} is missing (./dev test installs componentize-py there)",
            path.display()
        );
        None
    }
}

/// A copy of a directory, links followed (the Python charms' scenarios are links to
/// their Rust twins').
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn wasmcharm(componentize: &Path, args: &[&str], dir: &Path) -> Output {
    Command::new(wasmcharm_bin())
        .args(args)
        .arg(dir)
        .env("WASMCHARM_COMPONENTIZE_PY", componentize)
        .env("WASMCHARM_PYTHON_SDK", workspace().join("python-sdk"))
        .output()
        .unwrap()
}

/// Builds the Python charm `name` in a copy and runs its suite; returns the report.
fn build_and_test(componentize: &Path, name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &workspace().join("example-charms/python").join(name),
        dir.path(),
    );
    let out = wasmcharm(componentize, &["build"], dir.path());
    assert!(out.status.success(), "{name}: {}", text(&out));
    assert!(text(&out).contains("juju:charm@0.1.1"), "{}", text(&out));
    let out = wasmcharm(componentize, &["test"], dir.path());
    assert!(out.status.success(), "{name}: {}", text(&out));
    text(&out)
}

#[test]
fn the_python_charms_pass_their_rust_twins_suites() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    for (charm, scenarios) in [
        ("pause", 5),
        ("openssh", 8),
        ("ubuntu-advantage", 7),
        ("valkey", 26),
    ] {
        let report = build_and_test(&componentize, charm);
        assert!(
            report.contains(&format!("{scenarios} passed, 0 failed")),
            "{charm}: {report}"
        );
    }
}

#[test]
fn an_ops_charm_and_its_ops_charm_library_run_unchanged() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = workspace().join("example-charms/python/hello-ingress");
    // Written for ops, not for wasmcharm: nothing in it names the SDK.
    for file in ["src/charm.py", "lib/charms/hello_ingress/v0/ingress.py"] {
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(!source.contains("wasmcharm_ops"), "{file}");
        assert!(
            source.contains("\nimport ops\n") || source.contains("\nfrom ops."),
            "{file}"
        );
    }
    let report = build_and_test(&componentize, "hello-ingress");
    assert!(report.contains("8 passed, 0 failed"), "{report}");
    // The same library under the real ops, held to the same behaviour.
    let python = workspace().join("target/python-ops/bin/python");
    if !python.is_file() {
        println!(
            "not run under the real ops: {} is missing (./dev test installs ops there)",
            python.display()
        );
        return;
    }
    let out = Command::new(&python)
        .arg("tests/real_ops.py")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Ran 3 tests"), "{}", text(&out));
}

#[test]
fn the_python_charms_suites_are_their_rust_twins() {
    let python = workspace().join("example-charms/python");
    let rust = workspace().join("example-charms");
    for charm in ["pause", "openssh", "valkey"] {
        let scenarios = |root: &Path| {
            root.join(charm)
                .join("tests/scenarios")
                .canonicalize()
                .unwrap()
        };
        assert_eq!(scenarios(&python), scenarios(&rust), "{charm}");
    }
    // ubuntu-advantage keeps its state under ops' name for it; nothing else differs.
    let read = |root: &Path| {
        std::fs::read_to_string(root.join("ubuntu-advantage/tests/scenarios/config-changed.yaml"))
            .unwrap()
    };
    assert_eq!(
        read(&python),
        read(&rust).replace(
            " state: '{",
            " UbuntuAdvantageCharm/StoredStateData[_state]: '{"
        )
    );
}

/// A charm whose handlers import modules only when they run.
fn lazy_charm(import: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("example-charms/python/pause"), dir.path());
    std::fs::write(
        dir.path().join("src/charm.py"),
        format!(
            "import wasmcharm_ops as ops\n\n\
             class Lazy(ops.CharmBase):\n    \
                 def __init__(self, framework):\n        \
                     super().__init__(framework)\n        \
                     framework.observe(self.on.install, self._on_install)\n\n    \
                 def _on_install(self, event):\n        \
                     {import}\n        \
                     self.unit.status = ops.ActiveStatus(str(decimal.Decimal('1.5')))\n\n\
             ops.main(Lazy)\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_module_imported_inside_a_handler_is_loaded_at_build_time() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = lazy_charm("import decimal");
    build_and_install(&componentize, dir.path(), "message: '1.5'");
}

#[test]
fn a_codec_looked_up_by_name_is_there_at_hook_time() {
    // Python imports a codec when it is first named, from inside the standard library
    // too (socket.getfqdn needs idna): with the codecs not loaded at build time this
    // failed with `LookupError: unknown encoding: idna`.
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = lazy_charm(
        "import decimal; assert 'b\u{fc}cher.example'.encode('idna') == b'xn--bcher-kva.example'",
    );
    build_and_install(&componentize, dir.path(), "message: '1.5'");
}

/// A copy of the Python charm `base` with `tests/fixtures/python/<fixture>` as its
/// `charm.py` and, if given, `manifest` as its `wasmcharm.yaml`.
fn fixture_charm(base: &str, fixture: &str, manifest: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &workspace().join("example-charms/python").join(base),
        dir.path(),
    );
    std::fs::copy(
        workspace().join("tests/fixtures/python").join(fixture),
        dir.path().join("src/charm.py"),
    )
    .unwrap();
    if let Some(manifest) = manifest {
        std::fs::write(dir.path().join("wasmcharm.yaml"), manifest).unwrap();
    }
    dir
}

#[test]
fn the_sdk_reaches_pebbles_files_checks_notices_identities_and_signals() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = fixture_charm("pause", "pebble_calls.py", None);
    build_and_install(
        &componentize,
        dir.path(),
        "message: '[(''a.txt'', ''file'', 2)] example.com/backup True {''k'': ''v''} \
         {''prom'': ''metrics''} [''up''] [''up'']'",
    );
}

#[test]
fn the_sdk_installs_snaps_as_the_manifest_allows() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let manifest = "component: charm.wasm\nmachine:\n  snaps: [hello-world]\n";
    let dir = fixture_charm("openssh", "snap_calls.py", Some(manifest));
    build_and_install(
        &componentize,
        dir.path(),
        "message: True latest/edge invalid-input",
    );
}

#[test]
fn the_sdk_reads_bindings_resources_planned_units_and_the_cloud() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = fixture_charm("hello-ingress", "model_calls.py", None);
    build_and_install_on(
        &componentize,
        dir.path(),
        "resources: {web-image: /var/lib/juju/resources/web-image/image}\n",
        // Not deployed with --trust: the cloud is refused.
        "message: 192.0.2.0 192.0.2.0 1 permission-denied image",
    );
}

#[test]
fn what_ops_charms_lean_on_behaves_as_in_ops() {
    // Two event sets on one object, `from ops.main import main` under __main__ with a
    // base charm class beside the charm, a secret that is not there, an undeclared
    // storage, a remote unit, and a layer the SDK refuses.
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = fixture_charm("hello-ingress", "ops_details.py", None);
    build_and_install(
        &componentize,
        dir.path(),
        "message: '[''ping'', ''pong''] SecretNotFoundError KeyError unknown RuntimeError \
         InvalidInputError'",
    );
}

#[test]
fn a_deferred_event_goes_again_only_to_the_observer_that_deferred_it() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = fixture_charm("pause", "deferral.py", None);
    let out = wasmcharm(&componentize, &["build"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let run = |event: &str, state: Option<&Path>, out: &Path| {
        let mut command = Command::new(wasmcharm_bin());
        command
            .arg("run")
            .arg(dir.path())
            .arg(event)
            .arg("--out")
            .arg(out);
        if let Some(state) = state {
            command.arg("--state").arg(state);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", text(&output));
        std::fs::read_to_string(out).unwrap()
    };
    let first = dir.path().join("first.yaml");
    run("config-changed", None, &first);
    // The next dispatch delivers the deferred config-changed first: to _wait alone.
    let second = run(
        "update-status",
        Some(&first),
        &dir.path().join("second.yaml"),
    );
    let state: serde_yaml::Value = serde_yaml::from_str(&second).unwrap();
    let stored = state["stored"]["Deferring/StoredStateData[_stored]"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(stored, r#"{"counter":1,"waiter":2}"#, "{second}");
}

/// Builds the charm in `dir`, runs `install` on a simulated unit, and finds `expected`
/// in the report.
fn build_and_install(componentize: &Path, dir: &Path, expected: &str) {
    build_and_install_on(componentize, dir, "{}", expected)
}

/// As [`build_and_install`], on a unit in `state` (a `wasmcharm run` state, YAML).
fn build_and_install_on(componentize: &Path, dir: &Path, state: &str, expected: &str) {
    let out = wasmcharm(componentize, &["build"], dir);
    assert!(out.status.success(), "{}", text(&out));
    let state_file = dir.join("state.yaml");
    std::fs::write(&state_file, state).unwrap();
    let out = Command::new(wasmcharm_bin())
        .arg("run")
        .arg(dir)
        .arg("install")
        .arg("--state")
        .arg(&state_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(expected), "{}", text(&out));
}

#[test]
fn a_module_that_cannot_be_imported_fails_the_build_naming_it() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = lazy_charm("import decimal, no_such_module_here");
    std::fs::write(dir.path().join("charm.wasm"), b"the old component").unwrap();
    let out = wasmcharm(&componentize, &["build"], dir.path());
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("no_such_module_here cannot be imported when the charm is built"),
        "{}",
        text(&out)
    );
    // The component that was there is still there.
    assert_eq!(
        std::fs::read(dir.path().join("charm.wasm")).unwrap(),
        b"the old component"
    );
}

#[test]
fn without_componentize_py_build_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("example-charms/python/pause"), dir.path());
    let missing = dir.path().join("no-componentize-py");
    let out = wasmcharm(&missing, &["build"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is not installed: a Python charm is built by componentize-py")
            && text(&out).contains("pip install componentize-py==0.25.1 wasmcharm-ops"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_component_of_38_core_instances_runs_in_the_test_runner() {
    // componentize-py's --stub-wasi output makes 38 core module instances, more than
    // the test runner's pool once took (16) though a dispatch ran it.
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("example-charms/python/pause"), dir.path());
    let out = Command::new(&componentize)
        .arg("--wit-path")
        .arg(workspace().join("wit"))
        .args(["--world", "charm", "componentize", "--stub-wasi"])
        .arg("--python-path")
        .arg(workspace().join("python-sdk"))
        .arg("--python-path")
        .arg(dir.path().join("src"))
        .args(["wasmcharm_ops.world", "--output"])
        .arg(dir.path().join("charm.wasm"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // Every scenario runs; those that log trap, as they would in a dispatch: with WASI
    // stubbed out, Python's logging cannot read the clock (so the SDK needs the
    // ordinary build, which `wasmcharm build` makes).
    let out = wasmcharm(&componentize, &["test"], dir.path());
    let report = text(&out);
    assert!(
        report.contains("ok      pebble-ready adds the layer and starts the service"),
        "{report}"
    );
    let failed = report.matches("\nFAILED  ").count();
    assert_eq!(
        report.matches("libc.so!wall_clock_now").count(),
        failed,
        "{report}"
    );
}

#[test]
fn new_python_charms_build_and_pass_their_scenarios() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let parent = tempfile::tempdir().unwrap();
    for (kind, name, scenarios) in [
        ("--machine", "py-machine", 4),
        ("--kubernetes", "py-k8s", 3),
    ] {
        let out = Command::new(wasmcharm_bin())
            .args(["new", name, kind, "--python"])
            .current_dir(parent.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let dir = parent.path().join(name);
        assert!(dir.join("src/charm.py").is_file() && !dir.join("Cargo.toml").exists());
        let out = wasmcharm(&componentize, &["build"], &dir);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let out = wasmcharm(&componentize, &["test"], &dir);
        assert!(
            text(&out).contains(&format!("{scenarios} passed, 0 failed")),
            "{name}: {}",
            text(&out)
        );
    }
    // --python and --sdk (a Rust SDK) do not go together.
    let out = Command::new(wasmcharm_bin())
        .args(["new", "both", "--python", "--sdk", "guest-sdk"])
        .current_dir(parent.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!parent.path().join("both").exists());
}

#[test]
fn the_python_pause_packed_runs_pebble_ready_and_update_status() {
    // As shipped: packed, unzipped as an operator would, its own dispatch run with the
    // hook tools stubbed (every call recorded) against a Pebble on its socket.
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("example-charms/python/pause"), dir.path());
    let out = wasmcharm(&componentize, &["build"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let archive = dir.path().join("pause.charm");
    let out = Command::new(wasmcharm_bin())
        .arg("pack")
        .arg(dir.path())
        .arg("--out")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let unit = tempfile::tempdir().unwrap();
    unzip_with_unzip(&archive, unit.path());
    let sim = PebbleSim::start("pause", "");
    let stubs = Stubs::new();
    stubs.print("config-get", r#"{"timeout": 45}"#);
    let env = |hook: &str| {
        let mut env = unit_env(unit.path(), hook, "pause/0");
        env.push(("JUJU_WORKLOAD_NAME".into(), "pause".into()));
        env.push((
            "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
            sim.dir.path().display().to_string(),
        ));
        env
    };
    // The first hook on the unit compiles the component (the packed full host): an
    // 18 MB component gets baseline code, and its optimised code is made afterwards.
    let cache = unit.path().join(".wasmcharm-cache");
    let out = packed_dispatch(unit.path(), &stubs, &env("hooks/pause-pebble-ready"));
    assert!(out.status.success(), "{out:?}");
    assert!(cache.join("charm.wasm.baseline.cwasm").is_file());
    assert_eq!(
        stubs.calls().last(),
        Some(&argv(&["status-set", "--application=false", "active"]))
    );
    let plan: serde_yaml::Value =
        serde_yaml::from_str(sim.get("/v1/plan?format=yaml").as_str().unwrap()).unwrap();
    assert_eq!(plan["services"]["pause"]["environment"]["TIMEOUT"], "45");
    assert_eq!(sim.get("/v1/services?names=pause")[0]["current"], "active");
    // A hook the charm does not observe calls no hook tool at all (not even is-leader).
    stubs.clear();
    let out = packed_dispatch(unit.path(), &stubs, &env("hooks/update-status"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), Vec::<Vec<String>>::new());

    // Once the optimiser is done, the optimised code replaces the baseline code, and
    // the hot binary runs it with no full host to hand over to.
    wait_for_optimizer(unit.path());
    assert!(cache.join("charm.wasm.cwasm").is_file());
    assert!(!cache.join("charm.wasm.baseline.cwasm").exists());
    assert!(!cache.join("charm.wasm.unoptimizable.json").exists());
    std::fs::write(unit.path().join("bin/wasmcharm"), "#!/bin/sh\nexit 97\n").unwrap();
    let out = packed_dispatch(unit.path(), &stubs, &env("hooks/update-status"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), Vec::<Vec<String>>::new());
}

#[test]
fn a_charm_librarys_imports_are_loaded_at_build_time_and_guarded_ones_are_optional() {
    let Some(componentize) = componentize_py() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("example-charms/python/pause"), dir.path());
    // A library as `charmcraft fetch-lib` lays one out, importing inside a function;
    // an import only for type checkers, and one a try block makes optional.
    let lib = dir.path().join("lib/charms/demo/v0");
    std::fs::create_dir_all(&lib).unwrap();
    for package in ["lib/charms", "lib/charms/demo", "lib/charms/demo/v0"] {
        std::fs::write(dir.path().join(package).join("__init__.py"), "").unwrap();
    }
    std::fs::write(
        lib.join("helper.py"),
        "from typing import TYPE_CHECKING\n\
         if TYPE_CHECKING:\n    import no_such_typing_module\n\
         try:\n    import no_such_optional_module\nexcept ImportError:\n    pass\n\n\
         def half(text):\n    import fractions\n    return str(fractions.Fraction(text) / 2)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/charm.py"),
        "import wasmcharm_ops as ops\n\
         from charms.demo.v0 import helper\n\n\
         class Lib(ops.CharmBase):\n    \
             def __init__(self, framework):\n        \
                 super().__init__(framework)\n        \
                 framework.observe(self.on.install, self._on_install)\n\n    \
             def _on_install(self, event):\n        \
                 self.unit.status = ops.ActiveStatus(helper.half('3'))\n\n\
         ops.main(Lib)\n",
    )
    .unwrap();
    build_and_install(&componentize, dir.path(), "message: 3/2");
}
