//! Helpers for the end-to-end tests: the built `wasmcharm` binary, example charms built
//! for wasm32-wasip2, and stub hook tools / system tools that record how they were run.

pub mod debian;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The `wasmcharm` binary built alongside these tests (same profile), or `$WASMCHARM_BIN`.
pub fn wasmcharm_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("WASMCHARM_BIN") {
        return bin.into();
    }
    // Test binaries live in target/<profile>/deps; the host binary in target/<profile>.
    let exe = std::env::current_exe().expect("the test binary knows where it is");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .join("wasmcharm");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (which builds it) or \
         set WASMCHARM_BIN",
        bin.display()
    );
    bin
}

/// The charms the tests run: the examples, and test charms that misbehave on purpose.
pub const CHARMS: &[(&str, &str)] = &[
    ("openssh", "example-charms"),
    ("pause", "example-charms"),
    ("ubuntu-advantage", "example-charms"),
    ("valkey", "example-charms"),
    ("webserver", "example-charms"),
    ("faulty", "tests/charms"),
    ("stateful", "tests/charms"),
    ("hostile", "tests/charms"),
    ("toolkit", "tests/charms"),
];

/// Builds a charm's component and returns its path. All the charms are built in one
/// cargo run, once per test binary.
pub fn built_component(charm: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace()).args([
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "charm",
        ]);
        for (name, _) in CHARMS {
            cmd.args(["--package", name]);
        }
        let status = cmd.status().expect("cargo runs");
        assert!(
            status.success(),
            "building the charms for wasm32-wasip2 failed (is the target installed? \
             `rustup target add wasm32-wasip2`)"
        );
    });
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    target
        .join("wasm32-wasip2/charm")
        .join(format!("{}.wasm", charm.replace('-', "_")))
}

/// A copy of an example charm's directory (its YAML, `dispatch` and scenarios) with its
/// freshly built component in place, so that tests never write into the source tree.
pub fn charm_dir(charm: &str) -> tempfile::TempDir {
    let (_, parent) = CHARMS
        .iter()
        .find(|(name, _)| *name == charm)
        .unwrap_or_else(|| panic!("{charm} is not in CHARMS"));
    let src = workspace().join(parent).join(charm);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let keep = path.extension().is_some_and(|e| e == "yaml") || name == "dispatch";
        if path.is_file() && keep {
            std::fs::copy(&path, dir.path().join(name)).unwrap();
        }
    }
    std::fs::copy(built_component(charm), dir.path().join("charm.wasm")).unwrap();
    let scenarios = src.join("tests/scenarios");
    if scenarios.is_dir() {
        let to = dir.path().join("tests/scenarios");
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&scenarios).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Stand-ins for hook tools and system tools, first on PATH. Each records its name and
/// argv; `<tool>.exit`, `<tool>.stdout` and `<tool>.stderr` files set what it returns.
pub struct Stubs {
    /// Where the scripts are, as this process sees it.
    dir: PathBuf,
    /// Where they are as the programs that run them see it (inside a machine's root).
    seen_as: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

pub const HOOK_TOOLS: &[&str] = &[
    "status-set",
    "status-get",
    "config-get",
    "juju-log",
    "is-leader",
    "application-version-set",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "open-port",
    "close-port",
    "opened-ports",
    "network-get",
    "secret-get",
    "secret-info-get",
    "secret-add",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "resource-get",
    "storage-list",
    "storage-get",
    "storage-add",
    "goal-state",
    "credential-get",
    "juju-reboot",
    "unit-get",
    "relation-model-get",
];

pub const SYSTEM_TOOLS: &[&str] = &[
    "apt-get",
    "dpkg-query",
    "add-apt-repository",
    "systemctl",
    "snap",
    "ua",
];

impl Stubs {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        write_stubs(&dir, &dir, HOOK_TOOLS.iter().chain(SYSTEM_TOOLS));
        Stubs {
            seen_as: dir.clone(),
            dir,
            _temp: Some(temp),
        }
    }

    /// Hook tools only (the machine's own tools are real), in `dir`, which programs see
    /// as `seen_as`: a directory inside a machine's root.
    pub fn hook_tools_in(dir: &Path, seen_as: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        write_stubs(dir, seen_as, HOOK_TOOLS.iter());
        Stubs {
            dir: dir.to_path_buf(),
            seen_as: seen_as.to_path_buf(),
            _temp: None,
        }
    }

    /// Hook tools and system tools, in `dir`, which programs see as `seen_as`.
    pub fn all_in(dir: &Path, seen_as: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        write_stubs(dir, seen_as, HOOK_TOOLS.iter().chain(SYSTEM_TOOLS));
        Stubs {
            dir: dir.to_path_buf(),
            seen_as: seen_as.to_path_buf(),
            _temp: None,
        }
    }

    /// Makes `tool` exit with `code` and print `stderr`.
    pub fn fail(&self, tool: &str, code: i32, stderr: &str) {
        std::fs::write(self.dir.join(format!("{tool}.exit")), code.to_string()).unwrap();
        std::fs::write(self.dir.join(format!("{tool}.stderr")), stderr).unwrap();
    }

    /// Makes `tool` print `stdout`.
    pub fn print(&self, tool: &str, stdout: &str) {
        std::fs::write(self.dir.join(format!("{tool}.stdout")), stdout).unwrap();
    }

    /// Every call so far: the tool's name, then its arguments.
    pub fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.dir.join("calls")).unwrap_or_default();
        text.split_terminator('\x1e')
            .map(|line| line.split('\x1f').map(str::to_string).collect())
            .collect()
    }

    pub fn path(&self) -> String {
        format!("{}:/usr/bin:/bin", self.seen_as().display())
    }

    /// The stubs' directory as the programs that run them see it.
    pub fn seen_as(&self) -> &Path {
        &self.seen_as
    }

    /// Every file a tool was handed as `KEY#file=PATH` (how secret content reaches Juju),
    /// with what it held when the tool ran.
    pub fn files(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.dir.join("files")).unwrap_or_default();
        text.split_terminator('\x1e')
            .filter_map(|entry| entry.split_once('\x1f'))
            .map(|(path, content)| (path.to_string(), content.to_string()))
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.dir.join("calls"));
    }
}

/// A recording script for each of `tools` in `dir`, which refer to it as `seen_as`.
fn write_stubs<'a>(dir: &Path, seen_as: &Path, tools: impl Iterator<Item = &'a &'a str>) {
    let d = seen_as.display();
    for tool in tools {
        let script = format!(
            "#!/bin/sh\n\
             n=$(basename \"$0\")\n\
             {{ printf '%s' \"$n\"; for a in \"$@\"; do printf '\\037%s' \"$a\"; done; printf '\\036'; }} >> '{d}/calls'\n\
             for a in \"$@\"; do case \"$a\" in *'#file='*) f=\"${{a#*#file=}}\"; {{ printf '%s\\037' \"$f\"; cat \"$f\"; printf '\\036'; }} >> '{d}/files';; esac; done\n\
             [ -f '{d}/'\"$n\".stdout ] && cat '{d}/'\"$n\".stdout\n\
             [ -f '{d}/'\"$n\".stderr ] && cat '{d}/'\"$n\".stderr >&2\n\
             [ -f '{d}/'\"$n\".exit ] && exit \"$(cat '{d}/'\"$n\".exit)\"\n\
             exit 0\n"
        );
        let path = dir.join(tool);
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

impl Default for Stubs {
    fn default() -> Self {
        Self::new()
    }
}

/// The environment Juju gives a hook of unit `openssh/0`.
pub fn juju_env(charm_dir: &Path, dispatch_path: &str) -> Vec<(String, String)> {
    [
        ("JUJU_DISPATCH_PATH", dispatch_path.to_string()),
        ("JUJU_CHARM_DIR", charm_dir.display().to_string()),
        ("JUJU_UNIT_NAME", "openssh/0".into()),
        ("JUJU_MODEL_NAME", "testing".into()),
        (
            "JUJU_MODEL_UUID",
            "cdac5656-2423-4d6c-8a4c-3a1e6a5f0b4c".into(),
        ),
        ("JUJU_VERSION", "3.6.4".into()),
        ("JUJU_CONTEXT_ID", "openssh/0-install-1".into()),
        ("JUJU_MACHINE_ID", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// [`juju_env`] for a unit of another application.
pub fn unit_env(charm_dir: &Path, dispatch_path: &str, unit: &str) -> Vec<(String, String)> {
    juju_env(charm_dir, dispatch_path)
        .into_iter()
        .map(|(k, v)| {
            if k == "JUJU_UNIT_NAME" {
                (k, unit.to_string())
            } else {
                (k, v)
            }
        })
        .collect()
}

/// Runs the host the way Juju runs it: a fresh environment of `JUJU_*` variables and a
/// PATH with the stubs first.
pub fn dispatch(stubs: &Stubs, env: &[(String, String)]) -> Output {
    let mut host = Command::new(wasmcharm_bin());
    host.arg("dispatch");
    as_juju_runs(host, stubs, env)
}

/// `program` in a fresh environment of `env` and a PATH with the stubs first.
fn as_juju_runs(mut program: Command, stubs: &Stubs, env: &[(String, String)]) -> Output {
    program
        .env_clear()
        .env("PATH", stubs.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap_or_else(|e| panic!("{:?} runs: {e}", program.get_program()))
}

/// `wasmcharm run CHARM EVENT --state <state>`: the process's output and its report.
pub fn run_event(charm: &Path, event: &str, state: &str) -> (Output, serde_yaml::Value) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), state).unwrap();
    let out = Command::new(wasmcharm_bin())
        .arg("run")
        .arg(charm)
        .arg(event)
        .arg("--state")
        .arg(file.path())
        .output()
        .expect("wasmcharm runs");
    let report = serde_yaml::from_slice(&out.stdout).unwrap_or(serde_yaml::Value::Null);
    (out, report)
}

/// The unit status in a `run` report: (status, message).
pub fn unit_status(report: &serde_yaml::Value) -> (String, String) {
    let s = &report["state"]["unit-status"];
    (
        s["status"].as_str().unwrap_or_default().to_string(),
        s["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// Every command a `run` report says the machine ran.
pub fn commands(report: &serde_yaml::Value) -> Vec<String> {
    report["happened"]["commands"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// The argv of a call, for comparing with [`Stubs::calls`].
pub fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The apt-get line the host runs to install packages.
pub fn apt_install(packages: &[&str]) -> Vec<String> {
    let mut a = argv(&[
        "apt-get",
        "install",
        "--assume-yes",
        "--option",
        "DPkg::Lock::Timeout=300",
        "--option",
        "Dpkg::Options::=--force-confold",
        "--",
    ]);
    a.extend(argv(packages));
    a
}

/// Asserts an error was reported as one plain paragraph: no panic, no backtrace.
pub fn assert_clean_error(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    assert!(!stderr.contains("backtrace"), "a backtrace: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one paragraph: {stderr}"
    );
}

/// A `wasmcharm pebble-sim` serving container `name` at `<dir>/<name>/pebble.socket`,
/// stopped when dropped.
pub struct PebbleSim {
    pub dir: tempfile::TempDir,
    name: String,
    child: std::process::Child,
}

impl PebbleSim {
    pub fn start(name: &str, state: &str) -> PebbleSim {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(name)).unwrap();
        let state_file = dir.path().join("state.yaml");
        std::fs::write(&state_file, state).unwrap();
        let socket = dir.path().join(name).join("pebble.socket");
        let child = Command::new(wasmcharm_bin())
            .args(["pebble-sim", "--socket"])
            .arg(&socket)
            .arg("--state")
            .arg(&state_file)
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        // The file appears at bind(), a moment before the server listens.
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "pebble-sim did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        PebbleSim {
            dir,
            name: name.to_string(),
            child,
        }
    }

    /// `GET path` on the socket; the envelope's `result`.
    pub fn get(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let socket = self.dir.path().join(&self.name).join("pebble.socket");
        let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let envelope: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
        envelope["result"].clone()
    }
}

impl Drop for PebbleSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The hot `dispatch` binary built alongside these tests (`cargo test --workspace` builds
/// it), which `wasmcharm pack` packs when it sits beside the host.
/// The host linked statically, as `./dev test` and `./dev dist` relink it into
/// `target/static` (`WASMCHARM_STATIC_BIN` points at another), with its hot `dispatch`
/// beside it; `Err` says why there is none.
pub fn static_host_bin() -> Result<PathBuf, String> {
    let bin = match std::env::var_os("WASMCHARM_STATIC_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => wasmcharm_bin()
            .parent()
            .and_then(Path::parent)
            .map(|target| target.join("static/wasmcharm"))
            .ok_or("the test binary is not in target/<profile>")?,
    };
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: `./dev test` relinks the host statically there before the suite \
             (or set WASMCHARM_STATIC_BIN)",
            bin.display()
        ))
    }
}

pub fn hot_dispatch_bin() -> PathBuf {
    let hot = wasmcharm_bin().with_file_name("dispatch");
    assert!(
        hot.is_file(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        hot.display()
    );
    hot
}

/// Unpacks a .charm with the zip library's own extraction, which restores each file's
/// Unix mode; returns the names in it, sorted.
pub fn unzip_with_library(charm: &Path, into: &Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(charm).unwrap()).unwrap();
    zip.extract(into).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    names
}

/// Unpacks a .charm with Info-ZIP's `unzip`, as an operator would by hand.
pub fn unzip_with_unzip(charm: &Path, into: &Path) {
    let out = Command::new("unzip")
        .arg("-q")
        .arg(charm)
        .arg("-d")
        .arg(into)
        .output()
        .expect("unzip is installed (apt-get install unzip)");
    assert!(out.status.success(), "{out:?}");
}

/// An unpacked charm's own `dispatch`, run as Juju runs it: in a fresh environment of
/// `env` and a PATH with the stubs first.
pub fn packed_dispatch(unit: &Path, stubs: &Stubs, env: &[(String, String)]) -> Output {
    as_juju_runs(Command::new(unit.join("dispatch")), stubs, env)
}

/// Every byte of the stored state a unit keeps in `unit_dir`: its index, the values kept
/// in it (decoded), and each value file, one after another.
pub fn stored_bytes(unit_dir: &Path) -> Vec<u8> {
    let dir = unit_dir.join(".wasmcharm-state");
    let mut bytes = std::fs::read(dir.join("index.json")).unwrap_or_default();
    let index: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    for entry in index["values"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        if let Some(inline) = entry["inline"].as_str() {
            bytes.extend(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, inline)
                    .unwrap_or_default(),
            );
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("values")) {
        for entry in entries.flatten() {
            bytes.extend(std::fs::read(entry.path()).unwrap_or_default());
        }
    }
    bytes
}

/// Waits for the unit's background optimiser (started by a dispatch that ran baseline
/// code) to end: the dispatch hands it the lock before it exits, so once the lock can
/// be taken there is none. Panics after `limit`, which is more than the compile bound.
pub fn wait_for_optimizer(unit_dir: &Path) {
    let lock = unit_dir.join(".wasmcharm-cache/optimize.lock");
    let Ok(file) = std::fs::File::open(&lock) else {
        return;
    };
    let limit = std::time::Duration::from_secs(180);
    let started = std::time::Instant::now();
    while file.try_lock_shared().is_err() {
        assert!(
            started.elapsed() < limit,
            "the optimiser still holds {} after {limit:?}",
            lock.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A finished command's standard output, then its standard error, for a message.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
