//! Bad input from outside gets one clear paragraph naming the input and what was
//! expected, and exit 2: never a panic or a backtrace.

use wasmcharm_tests::{Stubs, assert_clean_error, charm_dir, dispatch, juju_env};

fn without(env: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    env.into_iter().filter(|(k, _)| k != name).collect()
}

fn with(env: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    let mut env = without(env, name);
    env.push((name.into(), value.into()));
    env
}

#[test]
fn a_missing_dispatch_path() {
    let charm = charm_dir("openssh");
    let env = without(
        juju_env(charm.path(), "hooks/install"),
        "JUJU_DISPATCH_PATH",
    );
    let out = dispatch(&Stubs::new(), &env);
    assert_clean_error(&out, "JUJU_DISPATCH_PATH is not set");
}

#[test]
fn a_malformed_dispatch_path() {
    let charm = charm_dir("openssh");
    for bad in [
        "install",
        "./dispatch",
        "hooks/",
        "bin/install",
        "hooks/a/b",
    ] {
        let env = juju_env(charm.path(), bad);
        let out = dispatch(&Stubs::new(), &env);
        assert_clean_error(
            &out,
            &format!("JUJU_DISPATCH_PATH is \"{bad}\", which is not of the form hooks/<hook-name>"),
        );
    }
}

#[test]
fn a_missing_juju_variable() {
    let charm = charm_dir("openssh");
    let env = without(juju_env(charm.path(), "hooks/install"), "JUJU_UNIT_NAME");
    assert_clean_error(&dispatch(&Stubs::new(), &env), "JUJU_UNIT_NAME is not set");
    let env = with(
        juju_env(charm.path(), "hooks/install"),
        "JUJU_UNIT_NAME",
        "openssh",
    );
    assert_clean_error(
        &dispatch(&Stubs::new(), &env),
        "JUJU_UNIT_NAME is \"openssh\", expected <application>/<number>",
    );
}

#[test]
fn a_file_that_is_not_wasm() {
    let charm = charm_dir("openssh");
    std::fs::write(charm.path().join("charm.wasm"), "#!/bin/sh\necho hi\n").unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "charm.wasm is not WebAssembly");
}

#[test]
fn a_core_module_that_is_not_a_component() {
    let charm = charm_dir("openssh");
    // The smallest core module: magic and version 1.
    std::fs::write(charm.path().join("charm.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "is a core WebAssembly module, not a component");
}

#[test]
fn a_component_of_another_world() {
    let charm = charm_dir("openssh");
    // The smallest component: magic, version 0x0d and layer 1, exporting nothing.
    std::fs::write(charm.path().join("charm.wasm"), b"\0asm\x0d\0\x01\0").unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(
        &out,
        "is not a juju:charm component: it does not export the function `handle`",
    );
}

#[test]
fn a_component_of_a_version_this_host_does_not_run() {
    let charm = charm_dir("openssh");
    let path = charm.path().join("charm.wasm");
    // The same charm with every `juju:charm/...@0.1.1` import renamed to 0.9.0.
    let bytes = std::fs::read(&path).unwrap();
    let (from, to) = (b"@0.1.1", b"@0.9.0");
    let mut renamed = bytes.clone();
    for i in 0..bytes.len().saturating_sub(from.len()) {
        if &bytes[i..i + from.len()] == from {
            renamed[i..i + to.len()].copy_from_slice(to);
        }
    }
    assert_ne!(renamed, bytes);
    std::fs::write(&path, renamed).unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(
        &out,
        "was built against juju:charm@0.9.0, which this wasmcharm does not run (it runs \
         juju:charm@0.1.1, 0.1.0)",
    );
}

#[test]
fn a_truncated_component() {
    let charm = charm_dir("openssh");
    let bytes = std::fs::read(charm.path().join("charm.wasm")).unwrap();
    std::fs::write(charm.path().join("charm.wasm"), &bytes[..bytes.len() / 2]).unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "is not a valid WebAssembly component");
}

#[test]
fn a_malformed_charmcraft_yaml() {
    let charm = charm_dir("openssh");
    std::fs::write(
        charm.path().join("charmcraft.yaml"),
        "name: openssh\nrequires: [db\n",
    )
    .unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "charmcraft.yaml is not valid");
}

#[test]
fn a_wasmcharm_yaml_naming_a_missing_file() {
    let charm = charm_dir("openssh");
    std::fs::write(
        charm.path().join("wasmcharm.yaml"),
        "component: gone.wasm\n",
    )
    .unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "gone.wasm does not exist");
}

#[test]
fn a_component_outside_the_charm_directory() {
    let charm = charm_dir("openssh");
    for outside in ["../charm.wasm", "/tmp/charm.wasm"] {
        std::fs::write(
            charm.path().join("wasmcharm.yaml"),
            format!("component: {outside}\n"),
        )
        .unwrap();
        let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
        assert_clean_error(&out, "it must be a path inside the charm directory");
    }
}

#[test]
fn a_missing_wasmcharm_yaml() {
    let charm = charm_dir("openssh");
    std::fs::remove_file(charm.path().join("wasmcharm.yaml")).unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(charm.path(), "hooks/install"));
    assert_clean_error(&out, "wasmcharm.yaml is not valid: the file is missing");
}

#[test]
fn a_directory_that_is_not_a_charm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dispatch(&Stubs::new(), &juju_env(dir.path(), "hooks/install"));
    assert_clean_error(&out, "is not a charm directory");
}
