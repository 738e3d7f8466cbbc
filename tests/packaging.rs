//! What a charm author outside this repository gets: `wasmcharm-sdk` and `wasmcharm` as
//! `cargo package` makes them for crates.io, each carrying the WIT contract, and a charm
//! made by `wasmcharm new` (which depends on the SDK release of the host's version)
//! built against the packaged SDK and passing its scenarios. Nothing is fetched: the
//! packaged SDK stands in for crates.io through `[patch.crates-io]`, and cargo runs
//! offline. (Verifying the host's package builds wasmtime once more: `./dev
//! release-check` does it, outside the suite.)

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmcharm_tests::{wasmcharm_bin, workspace};

fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", workspace().join("target/packaging"))
        .env("CARGO_NET_OFFLINE", "true");
    cargo
}

/// `cargo package` of `crate_name` (with `extra` arguments), unpacked into `into`.
fn package(crate_name: &str, extra: &[&str], into: &Path) -> PathBuf {
    let out = cargo()
        .args(["package", "--allow-dirty", "-p", crate_name])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo package -p {crate_name}: {out:?}"
    );
    let archive = workspace()
        .join("target/packaging/package")
        .join(format!("{crate_name}-0.1.0.crate"));
    let untar = Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(untar.success());
    into.join(format!("{crate_name}-0.1.0"))
}

/// Each `.wit` file of the repository's contract, byte for byte, in `dir/wit`.
fn assert_carries_the_contract(dir: &Path) {
    let wit = workspace().join("wit");
    let mut count = 0;
    for entry in std::fs::read_dir(&wit).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wit") {
            let name = path.file_name().unwrap();
            let packaged = std::fs::read(dir.join("wit").join(name))
                .unwrap_or_else(|e| panic!("{}: {name:?}: {e}", dir.display()));
            assert_eq!(packaged, std::fs::read(&path).unwrap(), "{name:?}");
            count += 1;
        }
    }
    assert!(count >= 17, "{count} files");
    assert!(
        !dir.join("wit/released").exists(),
        "released versions are left out"
    );
}

#[test]
fn a_charm_builds_against_the_packaged_sdk_and_the_host_package_is_whole() {
    let unpacked = tempfile::tempdir().unwrap();
    // The SDK is verified: built from its package alone.
    let sdk = package("wasmcharm-sdk", &[], unpacked.path());
    assert_carries_the_contract(&sdk);
    let host = package("wasmcharm", &["--no-verify"], unpacked.path());
    assert_carries_the_contract(&host);
    for template in [
        "common/Cargo.toml.in",
        "common/README.md",
        "kubernetes/lib.rs",
    ] {
        assert!(
            host.join("templates").join(template).is_file(),
            "{template}"
        );
    }
    for manifest in [&sdk, &host] {
        let text = std::fs::read_to_string(manifest.join("Cargo.toml")).unwrap();
        for field in [
            "description",
            "license",
            "readme",
            "keywords",
            "categories",
            "documentation",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{field} ="))),
                "{}: no {field}",
                manifest.display()
            );
        }
        let mut section = "";
        for line in text.lines() {
            if line.starts_with('[') {
                section = line;
            } else if section.contains("dependencies") && line.starts_with("path =") {
                panic!("a path dependency in {section} of {}", manifest.display());
            }
        }
    }

    let root = tempfile::tempdir().unwrap();
    let made = Command::new(wasmcharm_bin())
        .args(["new", "outsider", "--kubernetes"])
        .current_dir(root.path())
        .env_remove("WASMCHARM_SDK")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let charm = root.path().join("outsider");
    let manifest = charm.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("wasmcharm-sdk = \"0.1.0\""), "{text}");
    // crates.io, as the packaged SDK would be there.
    text.push_str(&format!(
        "\n[patch.crates-io]\nwasmcharm-sdk = {{ path = \"{}\" }}\n",
        sdk.display()
    ));
    std::fs::write(&manifest, text).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(wasmcharm_bin())
            .args(args)
            .current_dir(&charm)
            .env("CARGO_TARGET_DIR", workspace().join("target/packaging"))
            .env("CARGO_NET_OFFLINE", "true")
            .output()
            .unwrap();
        assert!(out.status.success(), "wasmcharm {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let built = run(&["build"]);
    assert!(built.contains("juju:charm@0.1.1"), "{built}");
    let tested = run(&["test"]);
    assert!(tested.contains(" passed, 0 failed"), "{tested}");
    // The SDK it was built with is the packaged one, not the repository's.
    let lock = std::fs::read_to_string(charm.join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"wasmcharm-sdk\""), "{lock}");
}
