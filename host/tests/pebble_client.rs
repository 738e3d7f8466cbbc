//! The real Pebble client against `wasmcharm pebble-sim`, call by call, errors included.

// A test that cannot go on fails at once: here unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use wasmcharm::backends::error::BackendError;
use wasmcharm::backends::pebble::client::PebbleClient;
use wasmcharm::backends::pebble::layer::Layer;
use wasmcharm::backends::pebble::{
    Current, ExecRequest, FileOptions, FileType, Pebble, ServiceAction,
};

/// A pebble-sim serving container `web` under a temporary socket directory.
struct Sim {
    dir: tempfile::TempDir,
    child: Child,
}

impl Sim {
    fn start(state: &str) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("web")).unwrap();
        let state_file = dir.path().join("state.yaml");
        std::fs::write(&state_file, state).unwrap();
        let socket = dir.path().join("web/pebble.socket");
        let child = Command::new(env!("CARGO_BIN_EXE_wasmcharm"))
            .args(["pebble-sim", "--socket"])
            .arg(&socket)
            .arg("--state")
            .arg(&state_file)
            .spawn()
            .unwrap();
        let started = Instant::now();
        // The file appears at bind(), a moment before the server listens.
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "pebble-sim did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Sim { dir, child }
    }

    fn client(&self) -> PebbleClient {
        PebbleClient::new(self.dir.path())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

const WEB: &str = "services:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n    \
                   requires: [db]\n  db:\n    override: replace\n    command: /bin/db\n";

#[test]
fn an_absent_socket_cannot_connect() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = PebbleClient::new(dir.path());
    assert!(!client.can_connect("web"));
    let err = client.plan("web").unwrap_err();
    assert!(matches!(err, BackendError::Connection(_)), "{err:?}");
    assert!(err.to_string().contains("pebble.socket"), "{err}");
}

#[test]
fn layers_and_the_plan() {
    let sim = Sim::start("");
    let mut client = sim.client();
    assert!(client.can_connect("web"));
    assert_eq!(client.plan("web").unwrap(), Layer::default());
    client.add_layer("web", "base", &layer(WEB), false).unwrap();
    assert_eq!(client.plan("web").unwrap().services, layer(WEB).services);
    let merge = layer(
        "services:\n  web:\n    override: merge\n    environment: {A: '1'}\n    after: [db]\n",
    );
    client.add_layer("web", "base", &merge, true).unwrap();
    let plan = client.plan("web").unwrap();
    assert_eq!(plan.services["web"].environment["A"], "1");
    assert_eq!(plan.services["web"].command, "/bin/web");

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
    let sim = Sim::start("");
    let mut client = sim.client();
    client.add_layer("web", "base", &layer(WEB), false).unwrap();
    let current = |client: &mut PebbleClient, name: &str| {
        client.services("web", &names(&[name])).unwrap()[0].current
    };
    client
        .services_action("web", ServiceAction::Autostart, &[])
        .unwrap();
    assert_eq!(current(&mut client, "web"), Current::Active);
    assert_eq!(current(&mut client, "db"), Current::Active);
    client
        .services_action("web", ServiceAction::Stop, &names(&["db"]))
        .unwrap();
    assert_eq!(current(&mut client, "web"), Current::Inactive);
    client
        .services_action("web", ServiceAction::Start, &names(&["web"]))
        .unwrap();
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
    assert!(
        client
            .services("web", &names(&["ghost"]))
            .unwrap()
            .is_empty()
    );

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
    let (_, _, message) = pebble_error(
        client
            .services_action("web", ServiceAction::Replan, &names(&["web"]))
            .unwrap_err(),
    );
    assert_eq!(message, "replan accepts no service names");
}

#[test]
fn autostart_with_nothing_enabled() {
    let sim = Sim::start("");
    let mut client = sim.client();
    client
        .add_layer(
            "web",
            "base",
            &layer("services:\n  x:\n    override: replace\n    command: x\n"),
            false,
        )
        .unwrap();
    let (status, kind, message) = pebble_error(
        client
            .services_action("web", ServiceAction::Autostart, &[])
            .unwrap_err(),
    );
    assert_eq!(
        (status, kind.as_deref(), message.as_str()),
        (400, Some("no-default-services"), "no default services")
    );
}

#[test]
fn a_service_that_will_not_start_fails_its_change() {
    let sim = Sim::start(&format!(
        "layers:\n  base:\n{}crash-on-start: {{db: 3}}\n",
        WEB.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    ));
    let mut client = sim.client();
    let err = client
        .services_action("web", ServiceAction::Start, &names(&["db"]))
        .unwrap_err();
    assert!(matches!(err, BackendError::ChangeFailed(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("exited quickly with code 3, will restart"),
        "{err}"
    );
    assert_eq!(
        client.services("web", &names(&["db"])).unwrap()[0].current,
        Current::Backoff
    );
}

#[test]
fn waiting_on_a_change_is_bounded() {
    let sim = Sim::start(&format!(
        "hold-changes: true\nlayers:\n  base:\n{}",
        WEB.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    ));
    let mut client = sim.client().with_change_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = client
        .services_action("web", ServiceAction::Start, &names(&["db"]))
        .unwrap_err();
    assert!(matches!(err, BackendError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn files() {
    let sim = Sim::start("files: {/etc/motd: hello}\n");
    let mut client = sim.client();
    assert_eq!(client.pull("web", "/etc/motd").unwrap(), b"hello");
    let opts = FileOptions {
        make_parents: true,
        permissions: Some(0o600),
        ..FileOptions::default()
    };
    client
        .push(
            "web",
            "/srv/app/config.yaml",
            b"port: 8080\n".to_vec(),
            &opts,
        )
        .unwrap();
    assert_eq!(
        client.pull("web", "/srv/app/config.yaml").unwrap(),
        b"port: 8080\n"
    );
    client
        .make_dir("web", "/srv/app/cache", &FileOptions::default())
        .unwrap();
    let list = client.list_files("web", "/srv/app", None, false).unwrap();
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
        .list_files("web", "/srv/app", Some("*.yaml"), false)
        .unwrap();
    assert_eq!(yaml_only.len(), 1);

    let (status, kind, message) = pebble_error(client.pull("web", "/nope").unwrap_err());
    assert_eq!(
        (status, kind.as_deref(), message.as_str()),
        (
            404,
            Some("not-found"),
            "stat /nope: no such file or directory"
        )
    );
    let (_, kind, message) = pebble_error(client.pull("web", "/srv/app").unwrap_err());
    assert_eq!(
        (kind.as_deref(), message.as_str()),
        (
            Some("generic-file-error"),
            "can only read a regular file: \"/srv/app\""
        )
    );
    let (_, kind, _) = pebble_error(client.remove_path("web", "/srv/app", false).unwrap_err());
    assert_eq!(kind.as_deref(), Some("generic-file-error"));
    client.remove_path("web", "/srv/app", true).unwrap();
    let (status, _, _) = pebble_error(
        client
            .list_files("web", "/srv/app", None, false)
            .unwrap_err(),
    );
    assert_eq!(status, 404);
}

#[test]
fn exec() {
    let sim = Sim::start(
        "execs:\n  - command: [web, --version]\n    stdout: \"web 1.2\\n\"\n  - command: [web, check]\n    \
         exit-code: 3\n    stderr: broken\n",
    );
    let mut client = sim.client();
    let run = |client: &mut PebbleClient, cmd: &[&str], stdin: Option<&str>| {
        client.exec(
            "web",
            ExecRequest {
                command: names(cmd),
                stdin: stdin.map(|s| s.as_bytes().to_vec()),
                ..ExecRequest::default()
            },
        )
    };
    let out = run(&mut client, &["web", "--version"], Some("ignored input")).unwrap();
    assert_eq!(
        (out.code, out.stdout.as_slice()),
        (0, b"web 1.2\n".as_slice())
    );
    let out = run(&mut client, &["web", "check", "--all"], None).unwrap();
    assert_eq!((out.code, out.stderr.as_slice()), (3, b"broken".as_slice()));
    let (status, _, message) = pebble_error(run(&mut client, &["nope"], None).unwrap_err());
    assert_eq!(
        (status, message.as_str()),
        (400, "cannot find executable \"nope\"")
    );
}

#[test]
fn unknown_endpoints_and_methods() {
    use std::io::{Read, Write};
    let sim = Sim::start("");
    let get = |path: &str| {
        let mut stream =
            std::os::unix::net::UnixStream::connect(sim.dir.path().join("web/pebble.socket"))
                .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let answer = get("/v1/layers");
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(
        answer.contains(r#""message":"method \"GET\" not allowed""#),
        "{answer}"
    );
    let answer = get("/v1/nothing");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(
        answer.contains("invalid API endpoint requested"),
        "{answer}"
    );
}

/// A workload's answers are bounded on the host: a pull, or an exec's stdout and stderr
/// together, past 16 MiB is refused, not held.
#[test]
fn what_the_workload_sends_back_is_capped() {
    let big = "x".repeat(9 << 20);
    let sim = Sim::start(&format!(
        "execs:\n  - command: [flood]\n    stdout: {big}\n    stderr: {big}\n  - command: [half]\n    stdout: {big}\n"
    ));
    let mut client = sim.client();
    let exec = |client: &mut PebbleClient, cmd: &str| {
        client.exec(
            "web",
            ExecRequest {
                command: names(&[cmd]),
                ..ExecRequest::default()
            },
        )
    };
    assert_eq!(exec(&mut client, "half").unwrap().stdout.len(), 9 << 20);
    let err = exec(&mut client, "flood").unwrap_err();
    assert!(
        matches!(err, BackendError::TooLarge { limit, .. } if limit == 16 << 20),
        "{err:?}"
    );
    assert!(err.to_string().contains("is larger than 16MiB"), "{err}");

    let opts = FileOptions {
        make_parents: true,
        ..FileOptions::default()
    };
    let file = vec![b'y'; (16 << 20) + 1];
    client.push("web", "/srv/big", file.clone(), &opts).unwrap();
    let err = client.pull("web", "/srv/big").map(|v| v.len()).unwrap_err();
    assert!(matches!(err, BackendError::TooLarge { .. }), "{err:?}");
    client
        .push("web", "/srv/ok", file[..16 << 20].to_vec(), &opts)
        .unwrap();
    assert_eq!(client.pull("web", "/srv/ok").unwrap().len(), 16 << 20);
}

/// A Pebble that takes every connection and then stalls: with `trickle`, it answers
/// with headers and then one byte of body every 100 ms forever (which no per-read
/// timeout would catch); without, it never answers at all.
fn stalling_pebble(trickle: bool) -> tempfile::TempDir {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("web")).unwrap();
    let listener =
        std::os::unix::net::UnixListener::bind(dir.path().join("web/pebble.socket")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                if !trickle {
                    // Held open, never answered.
                    std::thread::sleep(Duration::from_secs(3600));
                    return;
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                      Transfer-Encoding: chunked\r\n\r\n",
                );
                while stream.write_all(b"1\r\n \r\n").is_ok() {
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
    });
    dir
}

#[test]
fn every_call_ends_by_the_deadline_however_pebble_stalls() {
    type Call = fn(&mut PebbleClient) -> Result<(), BackendError>;
    let calls: &[(&str, Call)] = &[
        ("plan", |c| c.plan("web").map(drop)),
        ("add-layer", |c| {
            c.add_layer("web", "base", &layer(WEB), false)
        }),
        ("services", |c| c.services("web", &[]).map(drop)),
        ("start", |c| {
            c.services_action("web", ServiceAction::Start, &names(&["web"]))
        }),
        ("push", |c| {
            c.push(
                "web",
                "/etc/web.conf",
                b"x".to_vec(),
                &FileOptions::default(),
            )
        }),
        ("pull", |c| c.pull("web", "/etc/web.conf").map(drop)),
        ("list", |c| {
            c.list_files("web", "/etc", None, false).map(drop)
        }),
        ("exec", |c| {
            let request = ExecRequest {
                command: names(&["true"]),
                ..ExecRequest::default()
            };
            c.exec("web", request).map(drop)
        }),
    ];
    const LIMIT: Duration = Duration::from_millis(700);
    for trickle in [false, true] {
        let pebble = stalling_pebble(trickle);
        for (name, call) in calls {
            let mut client = PebbleClient::new(pebble.path());
            let started = Instant::now();
            client.set_deadline(std::time::Instant::now() + LIMIT);
            let err = call(&mut client).unwrap_err();
            let took = started.elapsed();
            println!("{name} (trickle: {trickle}): ended after {took:?}: {err}");
            assert!(
                matches!(err, BackendError::Timeout { .. }),
                "{name} (trickle: {trickle}): {err:?}"
            );
            // The deadline and a margin for the machine, far below the five minutes a
            // change may take or the request timeout.
            assert!(
                took < LIMIT + Duration::from_millis(500),
                "{name} (trickle: {trickle}): {took:?}"
            );
        }
    }
}

/// A Pebble (a workload serving its own socket, say) that answers every request with
/// `body`.
fn answering_pebble(body: Vec<u8>) -> tempfile::TempDir {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("web")).unwrap();
    let listener =
        std::os::unix::net::UnixListener::bind(dir.path().join("web/pebble.socket")).unwrap();
    let body = std::sync::Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                // One answer per connection, and said so: a client that kept the
                // connection for its next call would find it closed under it.
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Connection: close\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    dir
}

#[test]
fn an_answer_is_read_as_what_the_call_expects_never_as_any_json() {
    // 15 MiB of `[0,0,...]` where a plan (a string) or a list of files is expected: as
    // a generic JSON value it would take the host 16 times its size; read as what the
    // call expects, it is refused at its first byte, or read into as many small structs.
    let mut body = br#"{"type":"sync","status-code":200,"status":"OK","result":["#.to_vec();
    body.extend(std::iter::repeat_n(b"0,".as_slice(), 15 << 19).flatten());
    body.extend_from_slice(b"0]}");
    let pebble = answering_pebble(body);
    let mut client = PebbleClient::new(pebble.path());
    let err = client.plan("web").unwrap_err();
    assert!(
        matches!(&err, BackendError::BadOutput { .. })
            && err.to_string().contains("expected a string"),
        "{err}"
    );
    let err = client.list_files("web", "/", None, false).unwrap_err();
    assert!(matches!(err, BackendError::BadOutput { .. }), "{err}");
    // A list of entries that are each a struct of the host's, from `{}`: read up to a
    // number of entries, never as many as fit in the answer.
    let mut body = br#"{"type":"sync","status-code":200,"result":["#.to_vec();
    body.extend(std::iter::repeat_n(b"{},".as_slice(), 200_000).flatten());
    body.extend_from_slice(b"{}]}");
    let pebble = answering_pebble(body);
    let err = PebbleClient::new(pebble.path())
        .list_files("web", "/", None, false)
        .unwrap_err();
    assert!(
        err.to_string().contains("more than 100000 entries"),
        "{err}"
    );
    // A plan of anchors and aliases (which Pebble never writes) is not parsed: each
    // alias would be the whole anchored list again.
    let mut plan = String::from("services:\n    s0:\n        after: &a [");
    plan.push_str(&"x,".repeat(100_000));
    plan.push_str("x]\n");
    for i in 1..20_000 {
        plan.push_str(&format!("    s{i}:\n        after: *a\n"));
    }
    let body = serde_json::json!({"type": "sync", "status-code": 200, "result": plan});
    let pebble = answering_pebble(body.to_string().into_bytes());
    let err = PebbleClient::new(pebble.path()).plan("web").unwrap_err();
    assert!(
        err.to_string().contains("the plan: it has an alias"),
        "{err}"
    );
    // An answer that is not JSON is shown cut, not whole.
    let pebble = answering_pebble(vec![b'<'; 1 << 20]);
    let err = PebbleClient::new(pebble.path()).plan("web").unwrap_err();
    assert!(
        err.to_string().len() < 1024,
        "{} bytes",
        err.to_string().len()
    );
}

/// A change or task id the workload's Pebble makes up goes into a request path only if
/// it is one: `1 2` would have made the path unparsable, and hyperlocal panicked on it.
#[test]
fn ids_from_pebble_are_checked_before_they_are_used() {
    for (call, body) in [
        (
            "start",
            r#"{"type":"async","status-code":202,"change":"1 2","result":null}"#,
        ),
        (
            "exec",
            r#"{"type":"async","status-code":202,"change":"3","result":{"task-id":"`x"}}"#,
        ),
    ] {
        let pebble = answering_pebble(body.as_bytes().to_vec());
        let mut client = PebbleClient::new(pebble.path());
        let err = match call {
            "start" => client
                .services_action("web", ServiceAction::Start, &names(&["srv"]))
                .unwrap_err(),
            _ => client
                .exec(
                    "web",
                    ExecRequest {
                        command: names(&["true"]),
                        ..ExecRequest::default()
                    },
                )
                .unwrap_err(),
        };
        assert!(
            err.to_string().contains("is not one Pebble gives"),
            "{call}: {err}"
        );
    }
}
