//! The host's Pebble client against the real Pebble daemon (`../shared/tools/pebble`,
//! v1.32.1), call by call. Where the daemon is not there (a clone without `../shared`),
//! each test says so and passes without running.
//!
//! The daemon runs as this user on this machine, so files go to a temporary directory
//! and services and execs are real processes (`sleep`, `sh`, `cat`).

// A test that cannot go on fails at once: here unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use wasmcharm::backends::error::BackendError;
use wasmcharm::backends::pebble::client::PebbleClient;
use wasmcharm::backends::pebble::identities::{BasicIdentity, IdentityAccess, LocalIdentity};
use wasmcharm::backends::pebble::layer::CheckLevel;
use wasmcharm::backends::pebble::layer::Layer;
use wasmcharm::backends::pebble::notices::{NoticeFilter, NoticeKey, NoticeType};
use wasmcharm::backends::pebble::{
    CheckStatus, ChecksAction, Current, CustomKey, ExecRequest, FileOptions, FileType, Identity,
    IdentityName, Pebble, ServiceAction, Signal,
};

/// A real Pebble serving container `web` under a temporary socket directory.
struct Daemon {
    dir: tempfile::TempDir,
    child: Child,
}

impl Daemon {
    /// `None` (said on the output) where the daemon is not there.
    fn start() -> Option<Daemon> {
        let binary = support::pebble_binary()?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("web")).unwrap();
        let child = support::start_pebble(
            &binary,
            &dir.path().join("state"),
            &dir.path().join("web/pebble.socket"),
        );
        Some(Daemon { dir, child })
    }

    fn client(&self) -> PebbleClient {
        PebbleClient::new(self.dir.path())
    }

    /// A directory for the test's files, which the daemon sees at the same path.
    fn files(&self) -> PathBuf {
        let files = self.dir.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        files
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        support::stop(&mut self.child);
    }
}

fn layer(yaml: &str) -> Layer {
    Layer::parse("test", yaml).unwrap()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn pebble_error(e: BackendError) -> (u16, Option<String>, String) {
    match e {
        BackendError::Pebble(api) => (api.status, api.kind, api.message),
        other => panic!("expected a Pebble error, got {other:?}"),
    }
}

const SERVICES: &str = "services:\n  web:\n    override: replace\n    command: sleep 1000\n    \
                        startup: enabled\n    requires: [db]\n  db:\n    override: replace\n    \
                        command: sleep 1000\n";

#[test]
fn layers_and_the_plan() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    assert!(client.can_connect("web"));
    assert_eq!(client.plan("web").unwrap(), Layer::default());
    client
        .add_layer("web", "base", &layer(SERVICES), false)
        .unwrap();
    assert_eq!(
        client.plan("web").unwrap().services,
        layer(SERVICES).services
    );
    let merge = layer(
        "services:\n  web:\n    override: merge\n    environment: {A: '1'}\n    after: [db]\n",
    );
    client.add_layer("web", "base", &merge, true).unwrap();
    let plan = client.plan("web").unwrap();
    assert_eq!(plan.services["web"].environment["A"], "1");
    assert_eq!(plan.services["web"].command, "sleep 1000");
    let (status, _, message) =
        pebble_error(client.add_layer("web", "base", &merge, false).unwrap_err());
    assert_eq!(
        (status, message.as_str()),
        (400, "layer \"base\" already exists")
    );
    let no_command = layer("services:\n  x:\n    override: merge\n    startup: enabled\n");
    let (status, _, message) = pebble_error(
        client
            .add_layer("web", "bad", &no_command, false)
            .unwrap_err(),
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "plan must define \"command\" for service \"x\"")
    );
}

#[test]
fn services_start_stop_restart_replan_autostart() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    client
        .add_layer("web", "base", &layer(SERVICES), false)
        .unwrap();
    let current = |client: &mut PebbleClient, name: &str| {
        client.services("web", &names(&[name])).unwrap()[0].current
    };
    assert_eq!(current(&mut client, "web"), Current::Inactive);
    client
        .services_action("web", ServiceAction::Autostart, &[])
        .unwrap();
    assert_eq!(current(&mut client, "web"), Current::Active);
    assert_eq!(current(&mut client, "db"), Current::Active);
    client
        .services_action("web", ServiceAction::Stop, &names(&["db"]))
        .unwrap();
    // As the simulation has it: stopping what another requires stops that too.
    assert_eq!(current(&mut client, "web"), Current::Inactive);
    client
        .services_action("web", ServiceAction::Start, &names(&["web"]))
        .unwrap();
    assert_eq!(current(&mut client, "db"), Current::Active);
    client
        .services_action("web", ServiceAction::Restart, &names(&["web"]))
        .unwrap();
    client
        .services_action("web", ServiceAction::Replan, &[])
        .unwrap();
    assert_eq!(current(&mut client, "web"), Current::Active);
    let all = client.services("web", &[]).unwrap();
    assert_eq!(
        all.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["db", "web"]
    );
    assert_eq!(all[1].startup.as_str(), "enabled");
    let (status, _, message) = pebble_error(
        client
            .services_action("web", ServiceAction::Start, &names(&["ghost"]))
            .unwrap_err(),
    );
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "cannot start services: service \"ghost\" does not exist"
        )
    );
    // A service that exits at once fails its start change.
    client
        .add_layer(
            "web",
            "broken",
            &layer("services:\n  broken:\n    override: replace\n    command: /bin/false\n"),
            false,
        )
        .unwrap();
    let err = client
        .services_action("web", ServiceAction::Start, &names(&["broken"]))
        .unwrap_err();
    assert!(matches!(err, BackendError::ChangeFailed(_)), "{err:?}");
}

#[test]
fn checks_health_notices_identities_and_signals() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    let checks = "services:\n  srv:\n    override: replace\n    command: sleep 1000\n\
                  checks:\n  bad: {override: replace, level: alive, period: 100ms, threshold: 1, \
                  exec: {command: \"false\"}}\n  good: {override: replace, level: ready, period: \
                  100ms, exec: {command: \"true\"}}\n  off: {override: replace, startup: disabled, \
                  tcp: {port: 1}}\n";
    client
        .add_layer("web", "checks", &layer(checks), false)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = |client: &mut PebbleClient, name: &str| {
        client
            .checks("web", &CheckLevel::Unset, &names(&[name]))
            .unwrap()[0]
            .status
    };
    while status(&mut client, "bad") != CheckStatus::Down {
        assert!(
            Instant::now() < deadline,
            "the failing check never went down"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = client.checks("web", &CheckLevel::Unset, &[]).unwrap();
    let seen: Vec<(&str, CheckStatus)> = all.iter().map(|c| (c.name.as_str(), c.status)).collect();
    assert_eq!(
        seen,
        [
            ("bad", CheckStatus::Down),
            ("good", CheckStatus::Up),
            ("off", CheckStatus::Inactive)
        ]
    );
    assert!(all[0].failures >= 1 && all[0].threshold == 1, "{all:?}");
    assert!(!client.health("web", &CheckLevel::Unset, &[]).unwrap());
    assert!(
        client
            .health("web", &CheckLevel::Ready, &names(&["good"]))
            .unwrap()
    );
    assert_eq!(
        client
            .checks_action("web", ChecksAction::Start, &names(&["off", "good"]))
            .unwrap(),
        ["off"]
    );
    assert_eq!(
        client
            .checks_action("web", ChecksAction::Stop, &names(&["bad"]))
            .unwrap(),
        ["bad"]
    );
    let (status_code, _, message) = pebble_error(
        client
            .checks_action("web", ChecksAction::Start, &names(&["nope"]))
            .unwrap_err(),
    );
    assert_eq!(
        (status_code, message.as_str()),
        (400, "cannot start checks: cannot find checks in plan: nope")
    );
    let run = client.refresh_check("web", "good").unwrap();
    assert_eq!((run.info.status, run.error), (CheckStatus::Up, None));
    let run = client.refresh_check("web", "bad").unwrap();
    assert!(run.error.is_some(), "{run:?}");

    let key = CustomKey::parse("example.com/backup").unwrap();
    let one = [("x".to_string(), "1".to_string())].into();
    let id = client.notify("web", &key, &one, None).unwrap();
    let two = [("y".to_string(), "2".to_string())].into();
    assert_eq!(
        client.notify("web", &key, &two, Some(3_600_000)).unwrap(),
        id
    );
    let notice = client.notice("web", &id).unwrap();
    assert_eq!(
        (notice.kind.as_str(), notice.occurrences, &notice.last_data),
        ("custom", 2, &two)
    );
    assert_eq!(notice.repeat_after.as_deref(), Some("1h0m0s"));
    let filter = NoticeFilter {
        types: vec![NoticeType::Custom],
        keys: vec![NoticeKey::parse("example.com/backup").unwrap()],
        after: None,
    };
    assert_eq!(client.notices("web", &filter).unwrap(), [notice]);
    let (status_code, _, _) = pebble_error(client.notice("web", "999").unwrap_err());
    assert_eq!(status_code, 404);

    let named = |n: &str| IdentityName::parse(n).unwrap();
    let bob = Identity {
        access: IdentityAccess::Read,
        local: Some(LocalIdentity { user_id: 1000 }),
        basic: None,
        cert: None,
    };
    let carol = Identity {
        access: IdentityAccess::Admin,
        local: None,
        basic: Some(BasicIdentity {
            password: "$6$salt$hash".into(),
        }),
        cert: None,
    };
    client
        .replace_identities(
            "web",
            &[(named("bob"), bob.clone()), (named("carol"), carol)].into(),
        )
        .unwrap();
    let identities = client.identities("web").unwrap();
    assert_eq!(identities["bob"], bob);
    assert_eq!(
        identities["carol"].basic.as_ref().unwrap().password,
        "*****"
    );
    let (status_code, _, message) = pebble_error(
        client
            .remove_identities("web", &[named("zed")])
            .unwrap_err(),
    );
    assert_eq!(
        (status_code, message.as_str()),
        (400, "identities do not exist: zed")
    );
    client.remove_identities("web", &[named("carol")]).unwrap();
    assert_eq!(client.identities("web").unwrap().len(), 1);

    let hup = Signal::parse("SIGHUP").unwrap();
    let (status_code, _, message) = pebble_error(
        client
            .send_signal("web", hup, &names(&["srv"]))
            .unwrap_err(),
    );
    assert_eq!(
        (status_code, message.as_str()),
        (500, "cannot send signal to \"srv\": service is not running")
    );
    client
        .services_action("web", ServiceAction::Start, &names(&["srv"]))
        .unwrap();
    client.send_signal("web", hup, &names(&["srv"])).unwrap();
}

#[test]
fn files() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    let root = daemon.files();
    let at = |p: &str| root.join(p).display().to_string();
    let opts = FileOptions {
        make_parents: true,
        permissions: Some(0o600),
        ..FileOptions::default()
    };
    client
        .push(
            "web",
            &at("app/config.yaml"),
            b"port: 8080\n".to_vec(),
            &opts,
        )
        .unwrap();
    assert_eq!(
        client.pull("web", &at("app/config.yaml")).unwrap(),
        b"port: 8080\n"
    );
    assert_eq!(
        std::fs::read(root.join("app/config.yaml")).unwrap(),
        b"port: 8080\n"
    );
    client
        .make_dir("web", &at("app/cache"), &FileOptions::default())
        .unwrap();
    let list = client.list_files("web", &at("app"), None, false).unwrap();
    let names: Vec<(&str, FileType)> = list.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert_eq!(
        names,
        [
            ("cache", FileType::Directory),
            ("config.yaml", FileType::File)
        ]
    );
    assert_eq!(list[1].permissions, 0o600);
    assert_eq!(list[1].size, Some(11));
    let yaml_only = client
        .list_files("web", &at("app"), Some("*.yaml"), false)
        .unwrap();
    assert_eq!(yaml_only.len(), 1);
    let (status, kind, message) = pebble_error(client.pull("web", &at("nope")).unwrap_err());
    assert_eq!(
        (status, kind.as_deref(), message),
        (
            404,
            Some("not-found"),
            format!("stat {}: no such file or directory", at("nope"))
        )
    );
    let (_, kind, message) = pebble_error(client.pull("web", &at("app")).unwrap_err());
    assert_eq!(
        (kind.as_deref(), message),
        (
            Some("generic-file-error"),
            format!("can only read a regular file: {:?}", at("app"))
        )
    );
    let (_, kind, _) = pebble_error(client.remove_path("web", &at("app"), false).unwrap_err());
    assert_eq!(kind.as_deref(), Some("generic-file-error"));
    client.remove_path("web", &at("app"), true).unwrap();
    assert!(!root.join("app").exists());
}

#[test]
fn exec() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    let run = |client: &mut PebbleClient, cmd: &[&str], stdin: Option<&str>, timeout_ms| {
        client.exec(
            "web",
            ExecRequest {
                command: names(cmd),
                stdin: stdin.map(|s| s.as_bytes().to_vec()),
                environment: vec![("GREETING".to_string(), "hello".to_string())],
                timeout_ms,
                ..ExecRequest::default()
            },
        )
    };
    let out = run(&mut client, &["cat"], Some("from stdin"), None).unwrap();
    assert_eq!(
        (out.code, out.stdout.as_slice()),
        (0, b"from stdin".as_slice())
    );
    let out = run(
        &mut client,
        &["sh", "-c", "echo \"$GREETING\"; echo oops >&2; exit 3"],
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        (out.code, out.stdout.as_slice(), out.stderr.as_slice()),
        (3, b"hello\n".as_slice(), b"oops\n".as_slice())
    );
    let started = Instant::now();
    let err = run(&mut client, &["sleep", "30"], None, Some(500)).unwrap_err();
    assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // With no timeout of its own, an exec still may not outlive the dispatch: nothing
    // the charm started keeps running in the container after the hook. (Pebble ends a
    // command when the call's websockets close, as they do at the deadline; the client
    // also sends what is left of the dispatch as the exec's own timeout.)
    let pid_file = daemon.files().join("exec.pid");
    let mut bounded = daemon.client();
    bounded.set_deadline(std::time::Instant::now() + Duration::from_secs(1));
    let script = format!("echo $$ > {}; exec sleep 30", pid_file.display());
    let started = Instant::now();
    let err = run(&mut bounded, &["sh", "-c", &script], None, None).unwrap_err();
    assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_ends(&pid_file, "the command outlived the dispatch");
    let (status, _, message) = pebble_error(run(&mut client, &["nope"], None, None).unwrap_err());
    assert_eq!(
        (status, message.as_str()),
        (400, "cannot find executable \"nope\"")
    );
}

#[test]
fn what_the_workload_sends_is_capped() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let mut client = daemon.client();
    // A file one byte past what the host carries: refused, naming the cap.
    let big = daemon.files().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    let err = client.pull("web", &big.display().to_string()).unwrap_err();
    assert!(
        matches!(err, BackendError::TooLarge { limit, .. } if limit == 16 << 20),
        "{err:?}"
    );
    // A command flooding its output: refused at the cap, stdout and stderr together,
    // and the command does not go on in the container.
    let pid_file = daemon.files().join("flood.pid");
    let script = format!(
        "echo $$ > {}; exec sh -c 'yes & yes >&2; wait'",
        pid_file.display()
    );
    let started = Instant::now();
    let err = client
        .exec(
            "web",
            ExecRequest {
                command: names(&["sh", "-c", &script]),
                ..ExecRequest::default()
            },
        )
        .unwrap_err();
    println!("flood refused after {:?}: {err}", started.elapsed());
    assert!(
        matches!(err, BackendError::TooLarge { limit, .. } if limit == 16 << 20),
        "{err:?}"
    );
    assert_ends(&pid_file, "the flood outlived the call");
}

/// The process whose PID is in `pid_file` is gone within 5 s, or `failure`.
fn assert_ends(pid_file: &Path, failure: &str) {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let proc = Path::new("/proc").join(pid.trim());
    let waited = Instant::now();
    while proc.exists() && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!proc.exists(), "{failure}: {}", proc.display());
}
