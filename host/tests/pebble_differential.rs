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
    let body = body.map(Value::to_string).unwrap_or_default();
    exchange(socket, method, path, "application/json", &body)
}

/// A request with its body, and the status code and the body of the answer as JSON.
fn exchange(
    socket: &Path,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n\
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

/// What a step compares of a successful answer's result, beyond its status and type.
#[derive(Clone, Copy)]
enum Compare {
    /// The keys and the types of their values.
    Shape,
    /// These fields of the result, or of each item of a list, by value.
    Fields(&'static [&'static str]),
    /// Nothing of the result (it holds ids or times), only that there is one.
    Nothing,
}

fn project(result: &Value, compare: Compare) -> Value {
    match compare {
        Compare::Shape => shape(result),
        Compare::Nothing => json!(!result.is_null()),
        Compare::Fields(fields) => {
            let pick = |item: &Value| {
                Value::Object(
                    fields
                        .iter()
                        .map(|f| (f.to_string(), item[*f].clone()))
                        .collect(),
                )
            };
            match result {
                Value::Array(items) => Value::Array(items.iter().map(pick).collect()),
                one => pick(one),
            }
        }
    }
}

/// A message without the name of the temporary file Pebble wrote first
/// (`/x/f.1439412419~`), which is new each time.
fn without_temp_names(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(dot) = rest.find('.') {
        out.push_str(&rest[..dot]);
        let after = &rest[dot + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with('~') {
            rest = &after[digits + 1..];
        } else {
            out.push('.');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn checks_notices_identities_signals_and_file_errors_answer_as_the_real_pebble_does() {
    let Some(real) = real() else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let dir = files.path().display().to_string();
    let checks = "services:\n  srv:\n    override: replace\n    command: sleep 1000\n\
                  checks:\n  \
                  bad: {override: replace, level: alive, period: 100ms, threshold: 1, exec: {command: \"false\"}}\n  \
                  good: {override: replace, level: ready, period: 100ms, exec: {command: \"true\"}}\n  \
                  off: {override: replace, startup: disabled, tcp: {port: 1}}\n";
    // The simulation holds what the real daemon will have once the script has added
    // the layer and its `bad` check has failed; the script's layer then changes nothing.
    let sim = {
        let state = tempfile::NamedTempFile::new().unwrap();
        let text = format!(
            "layers:\n  checks:\n{}checks: {{bad: {{failures: 1}}}}\ndirectories: [{dir}]\n",
            checks
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        std::fs::write(state.path(), text).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("pebble.socket");
        let child = Command::new(env!("CARGO_BIN_EXE_wasmcharm"))
            .args(["pebble-sim", "--socket"])
            .arg(&socket)
            .arg("--state")
            .arg(state.path())
            .spawn()
            .unwrap();
        support::wait_for(&socket);
        Server {
            socket,
            child,
            _dir: dir,
        }
    };
    let push = |path: &str, make_dirs: bool, permissions: Option<&str>| {
        let mut file = json!({"path": format!("{dir}/{path}"), "make-dirs": make_dirs});
        if let Some(p) = permissions {
            file["permissions"] = json!(p);
        }
        file
    };
    let mkdir = |path: &str, parents: bool, permissions: Option<&str>| {
        let mut d = json!({"path": format!("{dir}/{path}"), "make-parents": parents});
        if let Some(p) = permissions {
            d["permissions"] = json!(p);
        }
        Some(json!({"action": "make-dirs", "dirs": [d]}))
    };
    let remove = |path: &str, recursive: bool| {
        Some(json!({"action": "remove",
            "paths": [{"path": format!("{dir}/{path}"), "recursive": recursive}]}))
    };
    let list = |path: &str, extra: &str| format!("/v1/files?action=list&path={dir}/{path}{extra}");
    let file_fields: &[&str] = &["name", "type", "permissions", "user-id", "group-id"];
    let item_fields: &[&str] = &["path", "error"];
    let check_fields: &[&str] = &["name", "level", "startup", "status", "threshold"];
    type Step = (&'static str, &'static str, String, Option<Value>, Compare);
    let mut steps: Vec<Step> = vec![
        (
            "add the checks layer",
            "POST",
            "/v1/layers".into(),
            Some(
                json!({"action": "add", "label": "checks", "format": "yaml", "combine": true, "layer": checks}),
            ),
            Compare::Shape,
        ),
        (
            "checks",
            "GET",
            "/v1/checks".into(),
            None,
            Compare::Fields(check_fields),
        ),
        (
            "ready checks",
            "GET",
            "/v1/checks?level=ready".into(),
            None,
            Compare::Fields(check_fields),
        ),
        (
            "named checks",
            "GET",
            "/v1/checks?names=off,bad".into(),
            None,
            Compare::Fields(check_fields),
        ),
        (
            "health",
            "GET",
            "/v1/health".into(),
            None,
            Compare::Fields(&["healthy"]),
        ),
        (
            "health of one ready check",
            "GET",
            "/v1/health?level=ready&names=good".into(),
            None,
            Compare::Fields(&["healthy"]),
        ),
        (
            "health at a bad level",
            "GET",
            "/v1/health?level=deep".into(),
            None,
            Compare::Shape,
        ),
        (
            "start checks",
            "POST",
            "/v1/checks".into(),
            Some(json!({"action": "start", "checks": ["off", "good"]})),
            Compare::Fields(&["changed"]),
        ),
        (
            "stop a check",
            "POST",
            "/v1/checks".into(),
            Some(json!({"action": "stop", "checks": ["bad"]})),
            Compare::Fields(&["changed"]),
        ),
        (
            "stop no checks",
            "POST",
            "/v1/checks".into(),
            Some(json!({"action": "stop", "checks": []})),
            Compare::Shape,
        ),
        (
            "start a check not in the plan",
            "POST",
            "/v1/checks".into(),
            Some(json!({"action": "start", "checks": ["nope"]})),
            Compare::Shape,
        ),
        (
            "refresh a check not in the plan",
            "POST",
            "/v1/checks/refresh".into(),
            Some(json!({"name": "nope"})),
            Compare::Shape,
        ),
        (
            "add a notice",
            "POST",
            "/v1/notices".into(),
            Some(
                json!({"action": "add", "type": "custom", "key": "example.com/a", "data": {"x": "1"}}),
            ),
            Compare::Nothing,
        ),
        (
            "add it again",
            "POST",
            "/v1/notices".into(),
            Some(
                json!({"action": "add", "type": "custom", "key": "example.com/a", "data": {"y": "2"}}),
            ),
            Compare::Nothing,
        ),
        (
            "a notice with a bad key",
            "POST",
            "/v1/notices".into(),
            Some(json!({"action": "add", "type": "custom", "key": "bad"})),
            Compare::Shape,
        ),
        (
            "a warning notice",
            "POST",
            "/v1/notices".into(),
            Some(json!({"action": "add", "type": "warning", "key": "example.com/a"})),
            Compare::Shape,
        ),
        (
            "custom notices",
            "GET",
            "/v1/notices?types=custom&keys=example.com/a".into(),
            None,
            Compare::Fields(&[
                "type",
                "key",
                "occurrences",
                "last-data",
                "user-id",
                "expire-after",
            ]),
        ),
        (
            "notices of an unknown type",
            "GET",
            "/v1/notices?types=bogus".into(),
            None,
            Compare::Shape,
        ),
        (
            "notices after a time to come",
            "GET",
            "/v1/notices?after=2030-01-01T00:00:00Z".into(),
            None,
            Compare::Shape,
        ),
        (
            "no such notice",
            "GET",
            "/v1/notices/999".into(),
            None,
            Compare::Shape,
        ),
        (
            "no identities",
            "GET",
            "/v1/identities".into(),
            None,
            Compare::Shape,
        ),
        (
            "add an identity",
            "POST",
            "/v1/identities".into(),
            Some(json!({"action": "replace", "identities": {
                "bob": {"access": "read", "local": {"user-id": 1000}},
                "carol": {"access": "admin", "basic": {"password": "$6$salt$hash"}}}})),
            Compare::Shape,
        ),
        (
            "identities",
            "GET",
            "/v1/identities".into(),
            None,
            Compare::Fields(&["bob", "carol"]),
        ),
        (
            "an identity with no type",
            "POST",
            "/v1/identities".into(),
            Some(json!({"action": "replace", "identities": {"eve": {"access": "read"}}})),
            Compare::Shape,
        ),
        (
            "remove an identity that is not there",
            "POST",
            "/v1/identities".into(),
            Some(json!({"action": "remove", "identities": {"zed": null}})),
            Compare::Shape,
        ),
        (
            "remove an identity",
            "POST",
            "/v1/identities".into(),
            Some(json!({"action": "remove", "identities": {"carol": null}})),
            Compare::Shape,
        ),
        (
            "signal a service that is not running",
            "POST",
            "/v1/signals".into(),
            Some(json!({"signal": "SIGHUP", "services": ["srv"]})),
            Compare::Shape,
        ),
        (
            "signal no services",
            "POST",
            "/v1/signals".into(),
            Some(json!({"signal": "SIGHUP", "services": []})),
            Compare::Shape,
        ),
        (
            "push into a missing directory",
            "POST",
            "/v1/files".into(),
            None,
            Compare::Fields(item_fields),
        ),
    ];
    // Pushes are multipart: sent below, by name.
    steps.pop();
    let json_steps: Vec<Step> = vec![
        (
            "make a directory in a missing one",
            "POST",
            "/v1/files".into(),
            mkdir("m/n", false, None),
            Compare::Fields(item_fields),
        ),
        (
            "make a directory and its parents with a mode",
            "POST",
            "/v1/files".into(),
            mkdir("r/s/t", true, Some("700")),
            Compare::Fields(item_fields),
        ),
        (
            "list the new parent itself",
            "GET",
            list("r/s", "&itself=true"),
            None,
            Compare::Fields(file_fields),
        ),
        (
            "make a directory that exists",
            "POST",
            "/v1/files".into(),
            mkdir("r", false, None),
            Compare::Fields(item_fields),
        ),
        (
            "make a directory that exists, with parents",
            "POST",
            "/v1/files".into(),
            mkdir("r", true, None),
            Compare::Fields(item_fields),
        ),
        (
            "remove a directory that is not empty",
            "POST",
            "/v1/files".into(),
            remove("r", false),
            Compare::Fields(item_fields),
        ),
        (
            "remove what is not there",
            "POST",
            "/v1/files".into(),
            remove("nope", false),
            Compare::Fields(item_fields),
        ),
        (
            "remove what is not there, recursively",
            "POST",
            "/v1/files".into(),
            remove("nope", true),
            Compare::Fields(item_fields),
        ),
        (
            "list with a pattern",
            "GET",
            list("", "&pattern=r*"),
            None,
            Compare::Fields(file_fields),
        ),
        (
            "list with a bad pattern",
            "GET",
            list("", "&pattern=%5B"),
            None,
            Compare::Shape,
        ),
    ];
    steps.extend(json_steps);

    let mut differences = Vec::new();
    let mut compare = |name: &str, real: (u16, Value), sim: (u16, Value), how: Compare| {
        let view = |(status, body): &(u16, Value)| {
            let mut out = vec![("status", json!(status)), ("type", body["type"].clone())];
            if body["type"] == "error" {
                out.push(("kind", body["result"]["kind"].clone()));
                let message = body["result"]["message"].as_str().unwrap_or_default();
                out.push(("message", json!(without_temp_names(message))));
            } else {
                let mut result = body["result"].clone();
                // Per-item file errors: their messages without temporary names.
                if let Some(items) = result.as_array_mut() {
                    for item in items {
                        if let Some(message) = item["error"]["message"].as_str() {
                            item["error"]["message"] = json!(without_temp_names(message));
                        }
                    }
                }
                out.push(("result", project(&result, how)));
            }
            out
        };
        for ((what, r), (_, s)) in view(&real).iter().zip(&view(&sim)) {
            if r != s {
                differences.push(format!(
                    "{name}: {what}: the daemon gives {r}, the simulation {s}"
                ));
            }
        }
    };
    let mut waited = false;
    for (name, method, path, body, how) in &steps {
        if !waited && path.starts_with("/v1/checks") {
            // The real `bad` check fails within a period or two; the simulation has it
            // down already.
            std::thread::sleep(Duration::from_millis(800));
            waited = true;
        }
        let r = call(&real.socket, method, path, body.as_ref());
        let s = call(&sim.socket, method, path, body.as_ref());
        compare(name, r, s, *how);
    }
    // A file pushed to each, through the multipart form Pebble takes.
    for (name, file) in [
        (
            "push into a missing directory",
            push("missing/f", false, None),
        ),
        ("push a file to be a parent", push("afile", false, None)),
        ("push under a file", push("afile/f", false, None)),
        (
            "push under a file, with parents",
            push("afile/f", true, None),
        ),
        (
            "push with parents and a mode",
            push("p/q/f", true, Some("600")),
        ),
    ] {
        let r = multipart_push(&real.socket, &file);
        let s = multipart_push(&sim.socket, &file);
        compare(name, r, s, Compare::Fields(item_fields));
    }
    for (name, path, how) in [
        (
            "list a pushed file",
            list("p/q", ""),
            Compare::Fields(file_fields),
        ),
        (
            "list a made parent",
            list("p", ""),
            Compare::Fields(file_fields),
        ),
        ("list under a file", list("afile/x", ""), Compare::Shape),
        (
            "make a directory under a file",
            String::new(),
            Compare::Fields(item_fields),
        ),
    ] {
        let (r, s) = if path.is_empty() {
            let body = mkdir("afile/n", false, None);
            (
                call(&real.socket, "POST", "/v1/files", body.as_ref()),
                call(&sim.socket, "POST", "/v1/files", body.as_ref()),
            )
        } else {
            (
                call(&real.socket, "GET", &path, None),
                call(&sim.socket, "GET", &path, None),
            )
        };
        compare(name, r, s, how);
    }
    assert!(
        differences.is_empty(),
        "{} difference(s):\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// `POST /v1/files` with a `write` of one file holding `x`.
fn multipart_push(socket: &Path, file: &Value) -> (u16, Value) {
    let boundary = "wasmcharm-differential-boundary-0123456789";
    let path = file["path"].as_str().unwrap();
    let request = json!({"action": "write", "files": [file]});
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n\
         Content-Type: application/json\r\n\r\n{request}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\nx\r\n--{boundary}--\r\n"
    );
    exchange(
        socket,
        "POST",
        "/v1/files",
        &format!("multipart/form-data; boundary={boundary}"),
        &body,
    )
}
