//! One script of Pebble API calls, replayed against the real Pebble daemon
//! (`../shared/tools/pebble`, v1.32.1) and against `wasmcharm pebble-sim`, each answer
//! compared: the status code, the answer's type, an error's kind and message, and the
//! shape of a result (its keys and the types of their values, not the values, which
//! hold ids and times). A difference the simulation keeps on purpose is listed in
//! [`KEPT`] with its reason; any other fails the test. Where the daemon is absent the
//! test says so and passes without running.

// A test that cannot go on fails at once: here unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::{Value, json};

/// Differences the simulation keeps, by step name and what differs, with why.
const KEPT: &[(&str, &str, &str)] = &[(
    "exec a program",
    "environment",
    "the daemon answers with the environment the command will get, its own (in a \
     container, the image's) under the request's; the simulation has none of its own",
)];

struct Server {
    socket: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        support::stop(&mut self.child);
    }
}

fn real() -> Option<Server> {
    let binary = support::pebble_binary()?;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pebble.socket");
    let child = support::start_pebble(&binary, &dir.path().join("state"), &socket);
    Some(Server {
        socket,
        child,
        _dir: dir,
    })
}

fn simulated() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pebble.socket");
    // The simulation runs no programs: it answers exec from what its state says.
    let state = dir.path().join("state.yaml");
    std::fs::write(&state, "execs:\n  - command: [\"true\"]\n").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_wasmcharm"))
        .args(["pebble-sim", "--socket"])
        .arg(&socket)
        .arg("--state")
        .arg(&state)
        .spawn()
        .unwrap();
    support::wait_for(&socket);
    Server {
        socket,
        child,
        _dir: dir,
    }
}

/// One HTTP/1.1 exchange on the socket: the status code and the body as JSON.
fn call(socket: &Path, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// What a value looks like: objects by their keys, arrays by their first element,
/// everything else by its type.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

/// What is compared of an answer.
fn summary(status: u16, body: &Value) -> Vec<(&'static str, Value)> {
    let mut out = vec![("status", json!(status)), ("type", body["type"].clone())];
    if body["type"] == "error" {
        out.push(("kind", body["result"]["kind"].clone()));
        out.push(("message", body["result"]["message"].clone()));
    } else {
        let mut result = body["result"].clone();
        // Named on its own, so that a difference kept in it hides nothing else.
        if let Some(environment) = result.as_object_mut().and_then(|r| r.remove("environment")) {
            out.push(("environment", shape(&environment)));
        } else {
            out.push(("environment", Value::Null));
        }
        out.push(("result", shape(&result)));
    }
    out
}

#[test]
fn the_simulation_answers_as_the_real_pebble_does() {
    let Some(real) = real() else {
        return;
    };
    let sim = simulated();
    let files = tempfile::tempdir().unwrap();
    let dir = files.path().display().to_string();
    let layer = "services:\n  srv:\n    override: replace\n    command: sleep 1000\n";
    let steps: Vec<(&str, &str, String, Option<Value>)> = vec![
        ("system-info", "GET", "/v1/system-info".into(), None),
        ("empty plan", "GET", "/v1/plan?format=yaml".into(), None),
        (
            "add a layer",
            "POST",
            "/v1/layers".into(),
            Some(json!({"action": "add", "label": "base", "format": "yaml", "layer": layer})),
        ),
        (
            "add it again",
            "POST",
            "/v1/layers".into(),
            Some(json!({"action": "add", "label": "base", "format": "yaml", "layer": layer})),
        ),
        (
            "a layer with no command",
            "POST",
            "/v1/layers".into(),
            Some(json!({"action": "add", "label": "bad", "format": "yaml",
                "layer": "services:\n  x:\n    override: replace\n"})),
        ),
        (
            "an unknown layer action",
            "POST",
            "/v1/layers".into(),
            Some(json!({"action": "frobnicate", "label": "x", "format": "yaml", "layer": ""})),
        ),
        ("the plan", "GET", "/v1/plan?format=yaml".into(), None),
        ("services", "GET", "/v1/services".into(), None),
        ("one service", "GET", "/v1/services?names=srv".into(), None),
        (
            "no such service",
            "GET",
            "/v1/services?names=ghost".into(),
            None,
        ),
        (
            "start a service that does not exist",
            "POST",
            "/v1/services".into(),
            Some(json!({"action": "start", "services": ["ghost"]})),
        ),
        (
            "replan with names",
            "POST",
            "/v1/services".into(),
            Some(json!({"action": "replan", "services": ["srv"]})),
        ),
        (
            "an unknown service action",
            "POST",
            "/v1/services".into(),
            Some(json!({"action": "bogus", "services": ["srv"]})),
        ),
        (
            "make a directory",
            "POST",
            "/v1/files".into(),
            Some(json!({"action": "make-dirs",
                "dirs": [{"path": format!("{dir}/a/b"), "make-parents": true}]})),
        ),
        (
            "list it",
            "GET",
            format!("/v1/files?action=list&path={dir}/a"),
            None,
        ),
        (
            "list what is not there",
            "GET",
            format!("/v1/files?action=list&path={dir}/nope"),
            None,
        ),
        (
            "remove a directory that is not empty",
            "POST",
            "/v1/files".into(),
            Some(json!({"action": "remove", "paths": [{"path": format!("{dir}/a")}]})),
        ),
        (
            "remove it whole",
            "POST",
            "/v1/files".into(),
            Some(json!({"action": "remove",
                "paths": [{"path": format!("{dir}/a"), "recursive": true}]})),
        ),
        (
            "exec a program",
            "POST",
            "/v1/exec".into(),
            Some(json!({"command": ["true"], "split-stderr": true})),
        ),
        (
            "exec a program that is not there",
            "POST",
            "/v1/exec".into(),
            Some(json!({"command": ["no-such-program"]})),
        ),
        (
            "an unknown endpoint",
            "GET",
            "/v1/nothing-here".into(),
            None,
        ),
        (
            "a method an endpoint does not take",
            "DELETE",
            "/v1/plan".into(),
            None,
        ),
    ];
    let mut differences = Vec::new();
    for (name, method, path, body) in &steps {
        let (real_status, real_body) = call(&real.socket, method, path, body.as_ref());
        let (sim_status, sim_body) = call(&sim.socket, method, path, body.as_ref());
        let real_summary = summary(real_status, &real_body);
        let sim_summary = summary(sim_status, &sim_body);
        for ((what, r), (_, s)) in real_summary.iter().zip(&sim_summary) {
            if r != s
                && !KEPT
                    .iter()
                    .any(|(step, field, _)| step == name && field == what)
            {
                differences.push(format!(
                    "{name} ({method} {path}): {what}: the daemon gives {r}, the simulation {s}"
                ));
            }
        }
    }
    // A change: started on each, waited for by its own id.
    let mut compare = |name: &str, real: (u16, Value), sim: (u16, Value)| {
        for ((what, r), (_, s)) in summary(real.0, &real.1).iter().zip(&summary(sim.0, &sim.1)) {
            if r != s
                && !KEPT
                    .iter()
                    .any(|(step, field, _)| *step == name && field == what)
            {
                differences.push(format!(
                    "{name}: {what}: the daemon gives {r}, the simulation {s}"
                ));
            }
        }
    };
    for action in ["start", "stop"] {
        let body = json!({"action": action, "services": ["srv"]});
        let started_real = call(&real.socket, "POST", "/v1/services", Some(&body));
        let started_sim = call(&sim.socket, "POST", "/v1/services", Some(&body));
        let wait = |socket: &Path, answer: &Value| {
            let change = answer["change"].as_str().unwrap_or("none");
            call(
                socket,
                "GET",
                &format!("/v1/changes/{change}/wait?timeout=20s"),
                None,
            )
        };
        let waited_real = wait(&real.socket, &started_real.1);
        let waited_sim = wait(&sim.socket, &started_sim.1);
        // Both changes end, and end the same way.
        assert_eq!(
            waited_real.1["result"]["status"], waited_sim.1["result"]["status"],
            "{action}: {} / {}",
            waited_real.1, waited_sim.1
        );
        println!("{action}: {}", summary(waited_real.0, &waited_real.1)[2].1);
        compare(&format!("{action} a service"), started_real, started_sim);
        compare(&format!("wait for the {action}"), waited_real, waited_sim);
    }
    assert!(
        differences.is_empty(),
        "{} difference(s):\n{}",
        differences.len(),
        differences.join("\n")
    );
}
