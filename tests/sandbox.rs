//! The sandbox against a charm written to break it, each rule proved by its effect: the
//! argv a tool was run with (or that it never ran), the file that must not exist, the
//! environment a program saw, the host's peak memory, the hook's wall time.
//!
//! Every attack runs through `dispatch` with the real backends, stub hook tools and
//! system tools first on PATH, and a policy of `"*"` for every kind of name: a wildcard
//! must widen which names are allowed, never what a name may look like.

use std::path::Path;
use std::time::{Duration, Instant};

use wasmcharm_tests::{Stubs, apt_install, argv, charm_dir, dispatch, unit_env};

/// Everything allowed, by wildcard.
const WILDCARDS: &str = "component: charm.wasm
limits: {memory: 64MiB, timeout: 3s}
machine:
  packages: ['*']
  repositories: ['*']
  services: ['*']
  snaps: ['*']
  commands: ['*']
  files: {write: [/tmp/wasmcharm-allowed]}
";

const ALLOWED: &str = "/tmp/wasmcharm-allowed";

struct Attack {
    out: std::process::Output,
    stubs: Stubs,
    elapsed: Duration,
    charm: tempfile::TempDir,
}

impl Attack {
    /// The message of the last status the charm set.
    fn status(&self) -> String {
        self.stubs
            .calls()
            .iter()
            .rev()
            .find(|c| c[0] == "status-set")
            .and_then(|c| c.get(4).cloned())
            .unwrap_or_default()
    }

    fn ran(&self, tool: &str) -> Vec<Vec<String>> {
        self.stubs
            .calls()
            .into_iter()
            .filter(|c| c[0] == tool)
            .collect()
    }

    fn logged_error(&self) -> String {
        self.stubs
            .calls()
            .into_iter()
            .find(|c| c[0] == "juju-log" && c[2] == "ERROR")
            .map(|c| c[4].clone())
            .unwrap_or_default()
    }
}

/// Runs the hostile charm's `call` attack through `dispatch`, under `manifest`.
fn attack_with(manifest: &str, call: &str, arg: &str, env: &[(&str, &str)]) -> Attack {
    let charm = charm_dir("hostile");
    std::fs::write(charm.path().join("wasmcharm.yaml"), manifest).unwrap();
    std::fs::create_dir_all(ALLOWED).unwrap();
    let stubs = Stubs::new();
    let config = serde_json::json!({"attack": "call", "call": call, "arg": arg});
    stubs.print("config-get", &config.to_string());
    stubs.print("relation-ids", r#"["db:1"]"#);
    stubs.print("relation-get", "{}");
    stubs.print("network-get", "{}");
    stubs.print("secret-get", r#"{"k": "v"}"#);
    stubs.print("resource-get", "/var/lib/juju/resources/installer.tgz\n");
    stubs.print("dpkg-query", "ii \t1.0\n");
    let mut env_vars = unit_env(charm.path(), "hooks/config-changed", "hostile/0");
    env_vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let started = Instant::now();
    let out = dispatch(&stubs, &env_vars);
    Attack {
        out,
        stubs,
        elapsed: started.elapsed(),
        charm,
    }
}

fn attack(call: &str, arg: &str) -> Attack {
    attack_with(WILDCARDS, call, arg, &[])
}

#[test]
fn no_name_from_the_charm_reaches_a_tool_as_an_option() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "apt-install",
            "apt-get",
            "-oDPkg::Pre-Invoke::=touch /tmp/wasmcharm-pwned",
        ),
        ("apt-install", "apt-get", "--simulate"),
        ("apt-remove", "apt-get", "-oAPT::Get::Assume-Yes=1"),
        ("package", "dpkg-query", "--admindir=/tmp"),
        ("package", "dpkg-query", "open*"),
        ("add-repository", "add-apt-repository", "--remove"),
        (
            "add-repository",
            "add-apt-repository",
            "deb http://archive.example/ jammy main\ndeb http://evil.example/ jammy main",
        ),
        ("remove-repository", "add-apt-repository", "-y"),
        ("systemd-start", "systemctl", "--root=/tmp"),
        ("is-active", "systemctl", "-H"),
        ("is-enabled", "systemctl", "--global"),
        ("snap-install", "snap", "--devmode"),
        ("snap-channel", "snap", "stable --dangerous"),
        ("snap-remove", "snap", "--purge"),
        ("snap-info", "snap", "--all"),
        (
            "relation-get",
            "relation-get",
            "--output=/tmp/wasmcharm-pwned",
        ),
        ("relation-app-get", "relation-get", "--format=yaml"),
        (
            "network-get",
            "network-get",
            "--output=/tmp/wasmcharm-pwned",
        ),
        ("secret-get", "secret-get", "--output=/tmp/wasmcharm-pwned"),
        (
            "secret-label",
            "secret-get",
            "--output=/tmp/wasmcharm-pwned",
        ),
        ("secret-info", "secret-info-get", "--label=x"),
        (
            "resource-get",
            "resource-get",
            "--output=/tmp/wasmcharm-pwned",
        ),
    ];
    for (call, tool, arg) in cases {
        let a = attack(call, arg);
        assert!(a.out.status.success(), "{call} {arg:?}: {:?}", a.out);
        let status = a.status();
        assert!(
            status.starts_with("refused: ErrorKind::InvalidInput: ") && status.contains(" is not "),
            "{call} {arg:?}: {status}"
        );
        assert!(
            a.ran(tool).is_empty(),
            "{call} {arg:?} ran {tool}: {:?}",
            a.ran(tool)
        );
        assert!(
            !a.stubs.calls().iter().flatten().any(|word| word == arg),
            "{call} {arg:?} reached a program: {:?}",
            a.stubs.calls()
        );
    }
    assert!(!Path::new("/tmp/wasmcharm-pwned").exists());
}

#[test]
fn names_that_follow_their_grammar_come_after_the_end_of_options() {
    let apt = |package: &str| apt_install(&[package]);
    let cases: Vec<(&str, &str, Vec<String>)> = vec![
        (
            "apt-install",
            "nginx=1.18.0-6ubuntu14",
            apt("nginx=1.18.0-6ubuntu14"),
        ),
        ("apt-install", "libc6:amd64", apt("libc6:amd64")),
        (
            "package",
            "openssh-server",
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${db:Status-Abbrev}\\t${Version}\\n",
                "--",
                "openssh-server",
            ]),
        ),
        (
            "add-repository",
            "ppa:ua-client/stable",
            argv(&["add-apt-repository", "--yes", "--", "ppa:ua-client/stable"]),
        ),
        (
            "systemd-start",
            "getty@tty1.service",
            argv(&["systemctl", "start", "--", "getty@tty1.service"]),
        ),
        (
            "snap-channel",
            "5.21/stable",
            argv(&["snap", "install", "--channel=5.21/stable", "--", "lxd"]),
        ),
        (
            "relation-get",
            "postgresql/0",
            argv(&[
                "relation-get",
                "--format=json",
                "-r",
                "db:1",
                "--",
                "-",
                "postgresql/0",
            ]),
        ),
        (
            "network-get",
            "admin",
            argv(&["network-get", "--format=json", "--", "admin"]),
        ),
        (
            "secret-label",
            "db password",
            argv(&["secret-get", "--format=json", "--label=db password"]),
        ),
        (
            "secret-get",
            "cr4n0eog5r6d8t2rjmf0",
            argv(&[
                "secret-get",
                "--format=json",
                "--",
                "secret:cr4n0eog5r6d8t2rjmf0",
            ]),
        ),
        (
            "resource-get",
            "installer",
            argv(&["resource-get", "--", "installer"]),
        ),
    ];
    for (call, arg, expected) in cases {
        let a = attack(call, arg);
        assert!(
            a.status().starts_with("did it: "),
            "{call} {arg:?}: {}",
            a.status()
        );
        assert_eq!(a.ran(&expected[0]), vec![expected], "{call} {arg:?}");
    }
}

#[test]
fn bindings_and_resources_must_be_declared() {
    for (call, tool) in [
        ("network-get", "network-get"),
        ("resource-get", "resource-get"),
    ] {
        let a = attack(call, "undeclared");
        assert!(
            a.status()
                .starts_with("refused: ErrorKind::NotFound: the charm's metadata declares no"),
            "{call}: {}",
            a.status()
        );
        assert!(a.ran(tool).is_empty());
    }
}

#[test]
fn action_result_keys_follow_jujus_rule() {
    let run = |key: &str| {
        let charm = charm_dir("hostile");
        let stubs = Stubs::new();
        stubs.print("action-get", &serde_json::json!({ "key": key }).to_string());
        let mut env = unit_env(charm.path(), "actions/attack", "hostile/0");
        env.push(("JUJU_ACTION_NAME".into(), "attack".into()));
        env.push(("JUJU_ACTION_UUID".into(), "7".into()));
        let out = dispatch(&stubs, &env);
        assert!(out.status.success(), "{key}: {out:?}");
        stubs.calls()
    };
    for key in ["--format=yaml", "a=b", "stdout", "A", "a..b"] {
        let calls = run(key);
        assert!(
            !calls.iter().any(|c| c[0] == "action-set"),
            "{key}: {calls:?}"
        );
        let log = calls.iter().find(|c| c[0] == "action-log").unwrap();
        assert!(
            log[2].starts_with("refused: ErrorKind::InvalidInput: "),
            "{key}: {log:?}"
        );
    }
    let calls = run("backup.size");
    assert!(
        calls.contains(&argv(&["action-set", "--", "backup.size=v"])),
        "{calls:?}"
    );
}

#[test]
fn a_command_gets_only_the_environment_its_rule_allows() {
    for (name, kind) in [
        ("OPENSSL_CONF", "PermissionDenied"),
        ("LD_PRELOAD", "PermissionDenied"),
        ("GIT_SSH_COMMAND", "PermissionDenied"),
        ("PATH", "PermissionDenied"),
        ("LD_PRELOAD=/tmp/x.so A", "InvalidInput"),
        ("A B", "InvalidInput"),
        // A language or time zone is a name: never a path to a catalog of the charm's.
        (
            "LANGUAGE|../../../../tmp/wasmcharm-allowed/catalog",
            "InvalidInput",
        ),
        ("TZ|:/tmp/wasmcharm-allowed/zone", "InvalidInput"),
        ("LANG|/tmp/wasmcharm-allowed/locale", "InvalidInput"),
    ] {
        let a = attack("command-env", name);
        assert!(
            a.status()
                .starts_with(&format!("refused: ErrorKind::{kind}: ")),
            "{name}: {}",
            a.status()
        );
    }
    let declared = WILDCARDS.replace(
        "commands: ['*']",
        "commands: [{program: env, env: [UA_LOG_LEVEL]}]",
    );
    let a = attack_with(&declared, "command-env", "UA_LOG_LEVEL", &[]);
    let status = a.status();
    let seen: std::collections::BTreeSet<&str> = status
        .trim_start_matches("did it: ")
        .split_whitespace()
        .filter_map(|pair| pair.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(seen, ["LANG", "PATH", "UA_LOG_LEVEL"].into(), "{status}");
    assert!(status.contains("UA_LOG_LEVEL=set-by-the-charm"), "{status}");
    // The host's own environment (Juju's, here JUJU_*) is not the command's.
    assert!(!status.contains("JUJU_"), "{status}");
    // Any command may be given a language.
    let a = attack_with(&declared, "command-env", "LC_ALL", &[]);
    assert!(
        a.status().contains("LC_ALL=set-by-the-charm"),
        "{}",
        a.status()
    );
}

#[test]
fn a_working_directory_is_used_where_it_was_checked() {
    let allowed = Path::new(ALLOWED);
    std::fs::create_dir_all(allowed.join("cwd-real")).unwrap();
    std::fs::create_dir_all("/tmp/wasmcharm-outside-cwd").unwrap();
    for (link, target) in [
        ("cwd-out", "/tmp/wasmcharm-outside-cwd"),
        ("cwd-in", "/tmp/wasmcharm-allowed/cwd-real"),
    ] {
        let link = allowed.join(link);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    let read_all = WILDCARDS.replace(
        "files: {write",
        "files: {read: [/tmp/wasmcharm-allowed], write",
    );
    let a = attack_with(
        &read_all,
        "command-cwd",
        "/tmp/wasmcharm-allowed/cwd-out",
        &[],
    );
    assert!(
        a.status()
            .contains("leads through a link to /tmp/wasmcharm-outside-cwd"),
        "{}",
        a.status()
    );
    let a = attack_with(
        &read_all,
        "command-cwd",
        "/tmp/wasmcharm-allowed/cwd-in",
        &[],
    );
    assert_eq!(a.status(), "did it: /tmp/wasmcharm-allowed/cwd-real");
}

#[test]
fn no_charm_writes_a_setuid_setgid_or_sticky_file() {
    let target = Path::new(ALLOWED).join("moded");
    for mode in ["4755", "2755", "1777", "6777"] {
        let _ = std::fs::remove_file(&target);
        let a = attack("write-mode", mode);
        assert!(
            a.status()
                .starts_with("refused: ErrorKind::PermissionDenied: mode 0o")
                && a.status().contains("setuid, setgid or sticky"),
            "{mode}: {}",
            a.status()
        );
        assert!(!target.exists(), "{mode}: the file was written");
    }
    let a = attack("write-mode", "755");
    assert_eq!(a.status(), "did it: wrote");
    // A file that has the bit keeps its mode, less the bit, when the charm rewrites it.
    use std::os::unix::fs::PermissionsExt;
    let setuid = Path::new(ALLOWED).join(format!("setuid-{}", std::process::id()));
    std::fs::write(&setuid, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&setuid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let a = attack("write", setuid.to_str().unwrap());
    assert_eq!(a.status(), "did it: wrote");
    let mode = std::fs::metadata(&setuid).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o755, "{mode:o}");
    std::fs::remove_file(&setuid).unwrap();
}

#[test]
fn only_regular_files_are_opened_and_a_fifo_never_blocks_the_hook() {
    let fifo = Path::new(ALLOWED).join(format!("fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let a = attack("read", fifo.to_str().unwrap());
    assert!(a.out.status.success(), "{:?}", a.out);
    assert!(
        a.status().starts_with("refused: ErrorKind::InvalidInput: ")
            && a.status().contains("is a FIFO"),
        "{}",
        a.status()
    );
    assert!(a.elapsed < Duration::from_secs(3), "{:?}", a.elapsed);
    // Nor is a FIFO replaced by a write: the charm gets the same answer.
    let a = attack("write", fifo.to_str().unwrap());
    assert!(a.status().contains("is a FIFO"), "{}", a.status());
    std::fs::remove_file(&fifo).unwrap();
    let a = attack("read", ALLOWED);
    assert!(a.status().contains("is a directory"), "{}", a.status());
}

/// The peak RSS in KiB that `/usr/bin/time -f %M -o REPORT` wrote.
fn peak_kib(report: &Path) -> u64 {
    std::fs::read_to_string(report)
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("time prints the peak RSS in KiB")
}

/// The host's peak RSS for a dispatch, from `/usr/bin/time`, or `None` (said on the
/// output) where it is not installed.
fn peak_rss(call: &str, arg: &str) -> Option<(Attack, u64)> {
    if !Path::new("/usr/bin/time").exists() {
        println!("/usr/bin/time is not installed (Debian's `time`): peak RSS not measured");
        return None;
    }
    let charm = charm_dir("hostile");
    std::fs::write(charm.path().join("wasmcharm.yaml"), WILDCARDS).unwrap();
    // Compiled beforehand, so that what is measured is the dispatch alone.
    assert!(
        std::process::Command::new(wasmcharm_tests::wasmcharm_bin())
            .arg("precompile")
            .arg(charm.path())
            .status()
            .unwrap()
            .success()
    );
    let stubs = Stubs::new();
    let config = serde_json::json!({"attack": "call", "call": call, "arg": arg});
    stubs.print("config-get", &config.to_string());
    let report = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(report.path())
        .arg(wasmcharm_tests::wasmcharm_bin())
        .arg("dispatch")
        .env_clear()
        .env("PATH", stubs.path())
        .envs(unit_env(charm.path(), "hooks/config-changed", "hostile/0"))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let kib = peak_kib(report.path());
    println!("{call}: peak RSS {} MiB, {elapsed:?}", kib >> 10);
    Some((
        Attack {
            out,
            stubs,
            elapsed,
            charm,
        },
        kib << 10,
    ))
}

/// `limits.memory` in [`WILDCARDS`].
const LIMIT: u64 = 64 << 20;
/// The host's memory for a dispatch stays within `limits.memory` and this (README: the
/// sandbox's bounds): one call's arguments (17 MiB as wasmtime counts them, up to
/// 38 MiB as the allocator does), an answer of 16 MiB up to three times over once
/// secret arguments are masked, and the runtime's own.
const HOST_OVERHEAD: u64 = 128 << 20;
const BOUND: u64 = LIMIT + HOST_OVERHEAD;
/// The runtime's own memory, with room: what a dispatch takes besides the guest's memory
/// when the host holds nothing of the guest's.
const RUNTIME: u64 = 32 << 20;

#[test]
fn the_hosts_memory_is_bounded_whatever_the_charm_asks_it_to_hold() {
    let sparse = Path::new(ALLOWED).join(format!("sparse-{}", std::process::id()));
    std::fs::create_dir_all(ALLOWED).unwrap();
    let file = std::fs::File::create(&sparse).unwrap();
    file.set_len(1 << 30).unwrap();
    let read_all = sparse.to_str().unwrap().to_string();
    let cases = [
        (
            "flood-command",
            "exec yes",
            "refused: ErrorKind::InvalidInput: ",
        ),
        (
            "flood-command",
            "exec yes >&2",
            "refused: ErrorKind::InvalidInput: ",
        ),
        (
            "fill-then-flood",
            "exec yes",
            "refused: ErrorKind::InvalidInput: ",
        ),
        (
            "read",
            read_all.as_str(),
            "refused: ErrorKind::InvalidInput: ",
        ),
        ("big-stdin", "", "did it: exit 0"),
        (
            "many-strings",
            "",
            "refused: ErrorKind::InvalidInput: the command's arguments and variables are",
        ),
    ];
    for (call, arg, expected) in cases {
        let Some((a, peak)) = peak_rss(call, arg) else {
            return;
        };
        assert!(a.out.status.success(), "{call}: {:?}", a.out);
        assert!(a.status().starts_with(expected), "{call}: {}", a.status());
        if expected.starts_with("refused") && call != "many-strings" {
            assert!(
                a.status().contains("larger than 16MiB"),
                "{call}: {}",
                a.status()
            );
        }
        assert!(peak <= BOUND, "{call}: peak RSS {} MiB", peak >> 20);
    }
    std::fs::remove_file(&sparse).unwrap();
}

#[test]
fn the_host_never_copies_a_call_larger_than_its_bound() {
    // The guest fills 48 of its 64 MiB and hands all of it to one call, as a file's
    // content and as a status message. wasmtime would copy it into the host before the
    // host could refuse it (48 MiB more); the bound on what one call may pass stops the
    // copy first, and the hook fails naming that bound.
    for call in ["hand-over", "hand-over-text"] {
        let handed = Path::new(ALLOWED).join("handed");
        let _ = std::fs::remove_file(&handed);
        let Some((a, peak)) = peak_rss(call, "") else {
            return;
        };
        assert!(!a.out.status.success(), "{call}: {:?}", a.out);
        assert!(
            a.logged_error().starts_with(
                "hooks/config-changed failed: the charm handed one host call more than 17MiB"
            ),
            "{call}: {}",
            a.logged_error()
        );
        assert!(!handed.exists(), "{call}: the content was written");
        assert!(
            a.ran("status-set").is_empty(),
            "{call}: {:?}",
            a.ran("status-set")
        );
        assert!(
            peak <= LIMIT + RUNTIME,
            "{call}: peak RSS {} MiB: the host copied what the guest handed it",
            peak >> 20
        );
    }
}

#[test]
fn long_messages_are_bounded() {
    // A log line of 8 MB goes to juju-log once, cut to one argument.
    let a = attack("log", "8000000");
    let logs: Vec<Vec<String>> = a
        .ran("juju-log")
        .into_iter()
        .filter(|c| c[2] == "ERROR")
        .collect();
    assert_eq!(logs.len(), 1, "{}", logs.len());
    assert!(logs[0][4].len() < 128 << 10, "{}", logs[0][4].len());
    assert!(logs[0][4].ends_with("more bytes cut]"));
    // A status past one argument is refused; the last status set is the report of it.
    let a = attack("status", "200000");
    assert!(
        a.status()
            .starts_with("refused: ErrorKind::InvalidInput: the status message is 200000 bytes"),
        "{}",
        &a.status()[..a.status().len().min(200)]
    );
}

#[test]
fn stored_state_is_capped_and_a_refused_value_commits_nothing() {
    // 3000 values of 1 KiB pass the 2 MiB the whole state may take.
    let a = attack("store-many", "3000");
    assert_eq!(a.out.status.code(), Some(1), "{:?}", a.out);
    assert!(
        a.logged_error()
            .contains("would make more than 1024 keys, the most a unit keeps"),
        "{}",
        a.logged_error()
    );
    assert!(
        !a.charm.path().join(".wasmcharm-state").exists(),
        "nothing of the failed hook was kept"
    );
    let a = attack("store-many", "100");
    assert!(a.out.status.success(), "{:?}", a.out);
    assert!(wasmcharm_tests::stored_bytes(a.charm.path()).len() >= 100 * 1024);
}

#[test]
fn scrubbing_secrets_from_output_ends_by_the_deadline() {
    // 15 MB of output against 60 secrets of 4 KB that almost match everywhere: a
    // naive scan compares for hours.
    let a = attack(
        "scrub",
        "yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | head -c 15000000",
    );
    assert!(a.out.status.success(), "{:?}", a.out);
    assert_eq!(a.status(), "did it: 15000000 bytes");
    println!("scrubbed in a hook of {:?}", a.elapsed);
    assert!(a.elapsed < Duration::from_secs(3 + 5), "{:?}", a.elapsed);
}

#[test]
fn a_charm_asleep_in_the_host_is_stopped_at_its_deadline() {
    // Ten minutes, and as long as a duration can say (wasmtime-wasi waits forever).
    for secs in ["600", "18446744073709551615"] {
        let a = attack("sleep", secs);
        assert!(!a.out.status.success(), "{secs}: {:?}", a.out);
        assert!(
            a.logged_error()
                .contains("the charm ran past limits.timeout (3s) in wasmcharm.yaml"),
            "{secs}: {}",
            a.logged_error()
        );
        println!("asleep for {secs} s: stopped after {:?}", a.elapsed);
        assert!(a.elapsed < Duration::from_secs(3 + 2), "{:?}", a.elapsed);
    }
}

#[test]
fn a_read_that_blocks_in_the_kernel_ends_at_the_deadline() {
    // A regular file under a lease: opening it waits for the holder to give it up (up
    // to the kernel's lease-break-time, 45 s), and this holder never does.
    let Ok(python) = which_python() else {
        println!("skipped: no python3 to hold a file lease");
        return;
    };
    std::fs::create_dir_all(ALLOWED).unwrap();
    let leased = Path::new(ALLOWED).join(format!("leased-{}", std::process::id()));
    std::fs::write(&leased, "x").unwrap();
    let mut holder = std::process::Command::new(python)
        .args([
            "-c",
            "import fcntl, signal, sys, time\n\
             signal.signal(signal.SIGIO, signal.SIG_IGN)\n\
             f = open(sys.argv[1], 'r+')\n\
             fcntl.fcntl(f, fcntl.F_SETLEASE, fcntl.F_WRLCK)\n\
             print('held', flush=True)\n\
             time.sleep(60)",
        ])
        .arg(&leased)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut held = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut held,
    )
    .unwrap();
    assert_eq!(held.trim(), "held");
    let a = attack("read", leased.to_str().unwrap());
    let _ = holder.kill();
    let _ = holder.wait();
    std::fs::remove_file(&leased).unwrap();
    println!(
        "blocked in the kernel: ended after {:?}: {}",
        a.elapsed,
        a.logged_error()
    );
    // The charm's handler got the timeout; by then no time was left for anything else,
    // so the hook failed with it.
    assert!(
        a.logged_error()
            .contains("`reading /tmp/wasmcharm-allowed/leased-"),
        "{:?}",
        a.out
    );
    assert!(a.elapsed < Duration::from_secs(3 + 2), "{:?}", a.elapsed);
}

fn which_python() -> Result<std::path::PathBuf, ()> {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
        .ok_or(())
}

#[test]
fn a_path_is_no_longer_than_the_kernel_takes() {
    let a = attack("read-long", "");
    assert!(
        a.status()
            .contains("is not a path: a path is at most 4096 bytes (the kernel's PATH_MAX)"),
        "{}",
        a.status()
    );
    assert!(a.elapsed < Duration::from_secs(3), "{:?}", a.elapsed);
}

#[test]
fn masking_secrets_is_bounded_in_memory() {
    // Two secrets of 128 KiB, every byte a new state of the matcher: as a DFA that would
    // be 256 MiB of table; the host stays within its bound.
    let Some((a, peak)) = peak_rss("scrub-long", "2") else {
        return;
    };
    assert_eq!(a.status(), "did it: 5 bytes");
    assert!(peak <= LIMIT + RUNTIME, "peak RSS {} MiB", peak >> 20);
    // A third is past what the host masks: refused before the command runs.
    let a = attack("scrub-long", "3");
    assert!(
        a.status()
            .starts_with("refused: ErrorKind::InvalidInput: the secret arguments are")
            && a.status().contains("at most 262144 can be masked"),
        "{}",
        a.status()
    );
}

#[test]
fn compiling_is_bounded_in_memory_and_time() {
    let charm = charm_dir("hostile");
    let stubs = Stubs::new();
    stubs.print("config-get", "{}");
    let mut env = unit_env(charm.path(), "hooks/config-changed", "hostile/0");
    env.push(("WASMCHARM_COMPILE_MEMORY".into(), "16MiB".into()));
    let out = dispatch(&stubs, &env);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needed more than 16MiB of memory, the most the host gives it"),
        "{stderr}"
    );
    env.pop();
    env.push(("WASMCHARM_COMPILE_TIME".into(), "1ms".into()));
    let out = dispatch(&stubs, &env);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not finish within 0.001s"), "{stderr}");
    assert!(!charm.path().join(".wasmcharm-cache").exists());
    // The environment only lowers the bounds: a huge one changes nothing.
    env.pop();
    env.push(("WASMCHARM_COMPILE_MEMORY".into(), "1000GiB".into()));
    assert!(dispatch(&stubs, &env).status.success());

    // A component past the size cap is not compiled at all.
    let big = charm_dir("hostile");
    let mut bytes = std::fs::read(big.path().join("charm.wasm")).unwrap();
    bytes.resize(65 << 20, 0);
    std::fs::write(big.path().join("charm.wasm"), bytes).unwrap();
    let out = dispatch(
        &stubs,
        &unit_env(big.path(), "hooks/config-changed", "hostile/0"),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the host compiles components of at most 67108864 bytes"),
        "{stderr}"
    );
}

#[test]
fn the_hosts_own_process_is_never_read_whatever_is_declared() {
    let everything = WILDCARDS.replace("files: {write", "files: {read: [/], write");
    for path in [
        "/proc/self/environ",
        "/proc/thread-self/environ",
        "/proc/self/mem",
    ] {
        let a = attack_with(&everything, "read", path, &[]);
        assert!(
            a.status()
                .starts_with("refused: ErrorKind::PermissionDenied: ")
                && a.status().contains("the host's own process"),
            "{path}: {}",
            a.status()
        );
    }
}

/// On a simulated unit, what the charm stores (files, logs, databags, secrets, execs) is
/// kept in the host's memory: it is charged to one budget, 128 MiB a unit, and a charm
/// writing 8 MiB files without end is refused at it. Without the budget, 1000 such
/// writes would have held 8 GiB.
#[test]
fn a_simulated_unit_keeps_a_bounded_amount_of_what_the_charm_gives_it() {
    if !Path::new("/usr/bin/time").exists() {
        println!("/usr/bin/time is not installed (Debian's `time`): peak RSS not measured");
        return;
    }
    let charm = charm_dir("hostile");
    std::fs::write(charm.path().join("wasmcharm.yaml"), WILDCARDS).unwrap();
    let state = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(state.path(), "config: {attack: call, call: fill-files}\n").unwrap();
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(report.path())
        .arg(wasmcharm_tests::wasmcharm_bin())
        .arg("run")
        .arg(charm.path())
        .arg("config-changed")
        .arg("--state")
        .arg(state.path())
        .output()
        .unwrap();
    let kib = peak_kib(report.path());
    let text = String::from_utf8_lossy(&out.stdout);
    println!("fill-files on a simulated unit: peak RSS {} MiB", kib >> 10);
    assert!(
        text.contains(
            "refused: ErrorKind::InvalidInput: after 15: the simulated unit keeps at most 128MiB"
        ),
        "{}",
        &text[..text.len().min(2000)]
    );
    // The budget, once in the machine's files and once more in the state written out,
    // the guest's 64 MiB, and the runtime's own.
    assert!(
        kib << 10 <= 3 * (128 << 20) + LIMIT + RUNTIME + (64 << 20),
        "{} MiB",
        kib >> 10
    );
}
