//! Signed native code shipped in a `.charm`: run without compiling where the operator
//! trusts its key, and compiled over where they do not, or where it was changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasmcharm_tests::{
    Stubs, apt_install, charm_dir, juju_env, packed_dispatch, text, unzip_with_unzip, wasmcharm_bin,
};

const ARCH: &str = std::env::consts::ARCH;
const CWASM: &str = ".wasmcharm-cache/charm.wasm.cwasm";

fn wasmcharm(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(wasmcharm_bin())
        .args(args)
        .args(paths)
        .output()
        .unwrap()
}

/// A key (and its public half), openssh signed with it and packed, and the .charm
/// unzipped into a unit directory.
struct Shipped {
    _charm: tempfile::TempDir,
    keys: tempfile::TempDir,
    public: String,
    unit: tempfile::TempDir,
}

impl Shipped {
    fn new() -> Shipped {
        let charm = charm_dir("openssh");
        let keys = tempfile::tempdir().unwrap();
        let key = keys.path().join("signing.key");
        let out = wasmcharm(&["keygen"], &[&key]);
        assert!(out.status.success(), "{}", text(&out));
        let public = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = wasmcharm(&["sign", "--key"], &[&key, charm.path()]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).starts_with(&format!("compiled for {ARCH}-unknown-linux-gnu in ")),
            "{}",
            text(&out)
        );
        let archive = charm.path().join("openssh.charm");
        let out = wasmcharm(&["pack", "--out"], &[&archive, charm.path()]);
        assert!(out.status.success(), "{}", text(&out));
        let unit = tempfile::tempdir().unwrap();
        unzip_with_unzip(&archive, unit.path());
        assert!(
            unit.path()
                .join(format!("charm.wasm.{ARCH}.cwasm"))
                .is_file()
        );
        assert!(unit.path().join(format!("charm.wasm.{ARCH}.sig")).is_file());
        Shipped {
            _charm: charm,
            keys,
            public,
            unit,
        }
    }

    /// A trusted-keys file holding `lines`.
    fn trusted(&self, lines: &str) -> PathBuf {
        let path = self.keys.path().join("trusted-keys");
        std::fs::write(&path, lines).unwrap();
        path
    }

    /// The install hook, with `trusted` as the operator's keys and `env` besides.
    fn install(&self, trusted: &Path, env: &[(&str, &str)]) -> (Output, Stubs) {
        let mut full = juju_env(self.unit.path(), "hooks/install");
        full.push((
            "WASMCHARM_TRUSTED_KEYS".into(),
            trusted.display().to_string(),
        ));
        full.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let stubs = Stubs::new();
        let out = packed_dispatch(self.unit.path(), &stubs, &full);
        (out, stubs)
    }

    fn shipped_code(&self) -> PathBuf {
        self.unit.path().join(format!("charm.wasm.{ARCH}.cwasm"))
    }

    fn kept_code(&self) -> Vec<u8> {
        std::fs::read(self.unit.path().join(CWASM)).unwrap()
    }
}

/// Too little memory to compile anything in: a hook that succeeds under it compiled
/// nothing.
const NO_COMPILING: (&str, &str) = ("WASMCHARM_COMPILE_MEMORY", "1MiB");

#[test]
fn signed_code_runs_without_compiling_where_its_key_is_trusted() {
    let shipped = Shipped::new();
    let trusted = shipped.trusted(&format!("# CI\n{} ci@example\n", shipped.public));
    let (out, stubs) = shipped.install(&trusted, &[NO_COMPILING]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    assert_eq!(
        shipped.kept_code(),
        std::fs::read(shipped.shipped_code()).unwrap()
    );
    // And it is the unit's code from then on: the hot binary maps it itself.
    std::fs::write(
        shipped.unit.path().join("bin/wasmcharm"),
        "#!/bin/sh\nexit 97\n",
    )
    .unwrap();
    let (out, _) = shipped.install(&trusted, &[]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn signed_code_is_not_run_for_a_key_the_operator_does_not_trust() {
    let shipped = Shipped::new();
    let other = shipped.keys.path().join("other.key");
    let out = wasmcharm(&["keygen"], &[&other]);
    let other_public = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let trusted = shipped.trusted(&format!("{other_public}\n"));
    // It would have to compile, and cannot.
    let (out, _) = shipped.install(&trusted, &[NO_COMPILING]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needed more than 1MiB of memory"),
        "{out:?}"
    );
    // An ordinary case, not a warning: nothing about the shipped code is said.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("shipped"));
    let (out, stubs) = shipped.install(&trusted, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    assert_ne!(
        shipped.kept_code(),
        std::fs::read(shipped.shipped_code()).unwrap()
    );
}

#[test]
fn changed_code_or_a_trusted_keys_file_others_can_write_is_compiled_over() {
    use std::os::unix::fs::PermissionsExt;
    let shipped = Shipped::new();
    let trusted = shipped.trusted(&format!("{}\n", shipped.public));
    let code = std::fs::read(shipped.shipped_code()).unwrap();
    // One byte of the code changed after it was signed.
    let mut changed = code.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x40;
    std::fs::write(shipped.shipped_code(), &changed).unwrap();
    let (out, stubs) = shipped.install(&trusted, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stubs.calls(), vec![apt_install(&["openssh-server"])]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not running the code shipped with")
            && stderr.contains("its signature does not hold"),
        "{stderr}"
    );
    assert_ne!(shipped.kept_code(), changed);

    // A signature that does not hold costs no copy: the code is not even read (here it
    // cannot be, being a directory).
    let sig = shipped.unit.path().join(format!("charm.wasm.{ARCH}.sig"));
    let text = std::fs::read_to_string(&sig).unwrap();
    let mut signed: serde_json::Value = serde_json::from_str(&text).unwrap();
    signed["code_sha256"] = "0".repeat(64).into();
    std::fs::write(&sig, signed.to_string()).unwrap();
    std::fs::remove_file(shipped.shipped_code()).unwrap();
    std::fs::create_dir(shipped.shipped_code()).unwrap();
    std::fs::remove_dir_all(shipped.unit.path().join(".wasmcharm-cache")).unwrap();
    let (out, _) = shipped.install(&trusted, &[]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its signature does not hold (code sha256 0000"),
        "{stderr}"
    );
    std::fs::remove_dir(shipped.shipped_code()).unwrap();
    std::fs::write(&sig, text).unwrap();

    // The code as signed, but a keys file anyone could have added their key to.
    std::fs::write(shipped.shipped_code(), &code).unwrap();
    std::fs::remove_dir_all(shipped.unit.path().join(".wasmcharm-cache")).unwrap();
    std::fs::set_permissions(&trusted, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (out, _) = shipped.install(&trusted, &[NO_COMPILING]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("can be written by others (mode 666), so none of its keys is trusted"),
        "{stderr}"
    );
}

#[test]
fn pack_refuses_a_signature_for_another_component_and_keys_are_guarded() {
    let charm = charm_dir("openssh");
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("signing.key");
    assert!(wasmcharm(&["keygen"], &[&key]).status.success());
    // Never over another key.
    let out = wasmcharm(&["keygen"], &[&key]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    assert!(
        wasmcharm(&["sign", "--key"], &[&key, charm.path()])
            .status
            .success()
    );
    // A new build of the component: the signature is for the old one.
    let other = charm_dir("pause");
    std::fs::copy(
        other.path().join("charm.wasm"),
        charm.path().join("charm.wasm"),
    )
    .unwrap();
    let archive = charm.path().join("openssh.charm");
    let out = wasmcharm(&["pack", "--out"], &[&archive, charm.path()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out)
            .contains("was signed for another build of the component: run `wasmcharm sign` again"),
        "{}",
        text(&out)
    );
    assert!(!archive.exists());
    // A key others can read signs nothing.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = wasmcharm(&["sign", "--key"], &[&key, charm.path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("can be read by others (mode 644)"),
        "{}",
        text(&out)
    );
}
