//! A packed charm on a base older than the machine that built its host: Debian
//! bullseye, whose glibc (2.31) is Ubuntu 20.04's. Juju runs `dispatch` there as it does
//! everywhere; a host linked against a newer glibc fails before its first line, so
//! `pack` refuses one for such a base, and the host relinked statically (`./dev test`
//! and `./dev dist` make it) runs there.

use std::path::Path;
use std::process::{Command, Output};

use wasmcharm::tools::pack::base::{Base, Executable, Glibc, Linkage};
use wasmcharm_tests::debian::{self, BULLSEYE};
use wasmcharm_tests::{
    Stubs, apt_install, argv, charm_dir, juju_env, static_host_bin, wasmcharm_bin,
};

/// openssh, declared for `base`.
fn openssh_on(base: &str) -> tempfile::TempDir {
    let dir = charm_dir("openssh");
    let path = dir.path().join("charmcraft.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("base: ubuntu@24.04\n"), "{yaml}");
    std::fs::write(
        &path,
        yaml.replace("base: ubuntu@24.04\n", &format!("base: {base}\n")),
    )
    .unwrap();
    dir
}

fn pack(charm: &Path, extra: &[&str]) -> Output {
    Command::new(wasmcharm_bin())
        .arg("pack")
        .arg(charm)
        .arg("--out")
        .arg(charm.join("packed.charm"))
        .args(extra)
        .output()
        .unwrap()
}

/// This machine's `true`, a program linked dynamically against its glibc, and the
/// glibc it needs.
fn a_dynamic_program() -> Option<(std::path::PathBuf, Glibc)> {
    let path = ["/usr/bin/true", "/bin/true"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())?;
    match Executable::read(&std::fs::read(&path).ok()?).ok()?.linkage {
        Linkage::Glibc(Some(needs)) => Some((path, needs)),
        _ => None,
    }
}

#[test]
fn pack_refuses_a_host_the_base_cannot_run() {
    let Some((program, needs)) = a_dynamic_program() else {
        println!("skipped: this machine's `true` is not linked dynamically against glibc");
        return;
    };
    let base = Base {
        name: "ubuntu".into(),
        channel: "18.04".into(),
    };
    if needs <= Glibc(2, 27, 0) {
        println!("skipped: this machine's `true` needs glibc {needs}, which ubuntu@18.04 has");
        return;
    }
    let dir = openssh_on(&base.to_string());
    let arch = wasmcharm::tools::pack::this_architecture();
    let out = pack(
        dir.path(),
        &["--host-binary", &format!("{arch}={}", program.display())],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot run on ubuntu@18.04")
            && stderr.contains(&format!(
                "`bin/wasmcharm`: it needs glibc {needs}, and ubuntu@18.04 has glibc 2.27"
            ))
            && stderr.contains("target-feature=+crt-static"),
        "{stderr}"
    );
    assert!(!dir.path().join("packed.charm").exists());
}

#[test]
fn the_suites_dynamic_host_is_not_packed_for_ubuntu_20_04() {
    // The case met in the wild: a host built here, packed for focal.
    let needs = match Executable::read(&std::fs::read(wasmcharm_bin()).unwrap())
        .unwrap()
        .linkage
    {
        Linkage::Glibc(Some(needs)) if needs > Glibc(2, 31, 0) => needs,
        other => {
            println!("skipped: the suite's host ({other:?}) runs on ubuntu@20.04");
            return;
        }
    };
    let dir = openssh_on("ubuntu@20.04");
    let out = pack(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for binary in ["dispatch", "bin/wasmcharm"] {
        assert!(
            stderr.contains(&format!(
                "`{binary}`: it needs glibc {needs}, and ubuntu@20.04 has glibc 2.31"
            )),
            "{stderr}"
        );
    }
    // The same charm declared for 22.04 (glibc 2.35) packs, if that is new enough.
    if needs <= Glibc(2, 35, 0) {
        let dir = openssh_on("ubuntu@22.04");
        let out = pack(dir.path(), &[]);
        assert!(out.status.success(), "{out:?}");
    }
}

#[test]
fn a_packed_charm_runs_its_hooks_where_glibc_is_2_31() {
    let host = match static_host_bin() {
        Ok(host) => host,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    for binary in [host.clone(), host.with_file_name("dispatch")] {
        let read = Executable::read(&std::fs::read(&binary).unwrap()).unwrap();
        assert_eq!(read.linkage, Linkage::Static, "{}", binary.display());
    }
    if let Some(why) = debian::unavailable_to_make() {
        println!("skipped: {why}");
        return;
    }
    let root = debian::root(&BULLSEYE).unwrap_or_else(|why| panic!("no bullseye root: {why}"));

    // Packed for Ubuntu 20.04 with the static pair, and unpacked inside the old root.
    let dir = openssh_on("ubuntu@20.04");
    let arch = wasmcharm::tools::pack::this_architecture();
    let out = pack(
        dir.path(),
        &["--host-binary", &format!("{arch}={}", host.display())],
    );
    assert!(out.status.success(), "{out:?}");
    let inside = tempfile::Builder::new()
        .prefix("wasmcharm-unit-")
        .tempdir_in(root.join("tmp"))
        .unwrap();
    let seen_as = Path::new("/tmp").join(inside.path().file_name().unwrap());
    let unit = inside.path().join("charm");
    wasmcharm_tests::unzip_with_unzip(&dir.path().join("packed.charm"), &unit);
    let stubs = Stubs::all_in(&inside.path().join("stubs"), &seen_as.join("stubs"));
    let hook = |name: &str| {
        stubs.clear();
        let env = juju_env(&seen_as.join("charm"), &format!("hooks/{name}"));
        let out = debian::chroot(&root)
            .arg(seen_as.join("charm/dispatch"))
            .env_clear()
            .env("PATH", stubs.path())
            .envs(env)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {out:?}");
        stubs.calls()
    };
    // The first hook is compiled by the packed full host, the rest take the hot path.
    assert_eq!(hook("install"), vec![apt_install(&["openssh-server"])]);
    assert!(unit.join(".wasmcharm-cache/charm.wasm.cwasm").is_file());
    assert_eq!(
        hook("start"),
        vec![
            argv(&["systemctl", "enable", "--now", "--", "ssh"]),
            argv(&["status-set", "--application=false", "active"]),
        ]
    );

    // What pack refuses, by its effect: a program linked against this machine's glibc
    // does not start there.
    if let Some((program, needs)) = a_dynamic_program().filter(|(_, n)| *n > Glibc(2, 31, 0)) {
        std::fs::copy(&program, inside.path().join("dynamic")).unwrap();
        let out = debian::chroot(&root)
            .arg(seen_as.join("dynamic"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("GLIBC_") && stderr.contains("not found"),
            "a program needing glibc {needs}: {out:?}"
        );
    }
}
