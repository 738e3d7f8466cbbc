//! The hook tools of contract 0.1.1 (owner secrets, storage, goal-state, credential-get,
//! juju-reboot, unit-get, relation-model-get, ports on endpoints), driven by the toolkit
//! charm's actions: through Juju's tools (stubbed, so the argv is what is checked) and
//! through the simulated unit of `wasmcharm run`.

use std::path::Path;
use std::process::Output;

use wasmcharm_tests::{Stubs, argv, charm_dir, dispatch, juju_env, run_event};

const SECRET: &str = "secret:cs000000000000000001";

/// Runs `action` of the toolkit charm as Juju would, `params` what `action-get` prints.
fn act(charm: &Path, stubs: &Stubs, action: &str, params: serde_json::Value) -> Output {
    stubs.print("action-get", &params.to_string());
    let mut env = juju_env(charm, &format!("actions/{action}"));
    env.push(("JUJU_ACTION_UUID".into(), "1".into()));
    dispatch(stubs, &env)
}

/// The calls after `action-get`, without the action's results or failure, or the log.
fn tool_calls(stubs: &Stubs) -> Vec<Vec<String>> {
    stubs
        .calls()
        .into_iter()
        .filter(|c| {
            !["action-get", "action-set", "action-fail", "juju-log"].contains(&c[0].as_str())
        })
        .collect()
}

/// What the host told Juju's log, where a failed hook's error goes.
fn logged(stubs: &Stubs) -> String {
    stubs
        .calls()
        .into_iter()
        .filter(|c| c[0] == "juju-log")
        .map(|c| c.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn secret_content_reaches_juju_in_files_never_in_argv() {
    let charm = charm_dir("toolkit");
    let stubs = Stubs::new();
    stubs.print("secret-add", &format!("{SECRET}\n"));
    let out = act(
        charm.path(),
        &stubs,
        "secret-add",
        serde_json::json!({
            "owner": "application",
            "content": {"password": "hunter2", "username": "admin"},
            "label": "admin",
            "description": "the admin login",
            "expire": "2027-01-01T00:00:00Z",
            "rotate": "monthly",
        }),
    );
    assert!(out.status.success(), "{out:?}");
    let calls = tool_calls(&stubs);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(
        call[..7],
        argv(&[
            "secret-add",
            "--owner=application",
            "--label=admin",
            "--description=the admin login",
            "--expire=2027-01-01T00:00:00Z",
            "--rotate=monthly",
            "--",
        ])
    );
    assert!(call[7].starts_with("password#file=/"), "{call:?}");
    assert!(call[8].starts_with("username#file=/"), "{call:?}");
    assert!(
        !call.iter().any(|a| a.contains("hunter2")),
        "a secret value is in the argv: {call:?}"
    );
    // The tool read the values from its files, which are gone once the call is over.
    let files = stubs.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0].1, "hunter2");
    assert_eq!(files[1].1, "admin");
    for (path, _) in &files {
        assert!(!Path::new(path).exists(), "{path} outlived the call");
    }
    assert!(
        stubs
            .calls()
            .contains(&argv(&["action-set", "--", &format!("id={SECRET}")])),
        "{:?}",
        stubs.calls()
    );
}

#[test]
fn secret_content_juju_would_refuse_is_refused_by_the_host() {
    let charm = charm_dir("toolkit");
    for (content, expected) in [
        (
            serde_json::json!({"pw": "hunter2"}),
            "\"pw\" is not a secret content key",
        ),
        (
            serde_json::json!({"Password": "hunter2"}),
            "\"Password\" is not a secret content key",
        ),
        (
            serde_json::json!({}),
            "a secret's content needs at least one key",
        ),
        (
            serde_json::json!({"blob": "x".repeat(750_001)}),
            "Juju takes at most 1000000 a value",
        ),
        (
            serde_json::Value::Object(
                (0..1001)
                    .map(|i| (format!("key{i:04}"), serde_json::json!("hunter2")))
                    .collect(),
            ),
            "the secret content has 1001 keys; the host passes at most 1000",
        ),
    ] {
        let stubs = Stubs::new();
        let out = act(
            charm.path(),
            &stubs,
            "secret-add",
            serde_json::json!({ "content": content }),
        );
        assert!(!out.status.success(), "{out:?}");
        let text = format!("{}{}", stderr(&out), logged(&stubs));
        assert!(text.contains(expected), "{text}");
        assert!(
            !text.contains("hunter2"),
            "a secret value is in an error: {text}"
        );
        assert!(tool_calls(&stubs).is_empty(), "{:?}", stubs.calls());
    }
    let stubs = Stubs::new();
    let out = act(
        charm.path(),
        &stubs,
        "secret-add",
        serde_json::json!({"content": {"password": "x"}, "expire": "--rotate=hourly"}),
    );
    assert!(!out.status.success());
    assert!(logged(&stubs).contains("is not a secret expiry"), "{out:?}");
    assert!(tool_calls(&stubs).is_empty());
}

#[test]
fn owners_set_grant_revoke_and_remove_with_the_forms_juju_takes() {
    let charm = charm_dir("toolkit");
    let run = |action: &str, params: serde_json::Value| {
        let stubs = Stubs::new();
        stubs.print("relation-ids", r#"["db:7"]"#);
        let out = act(charm.path(), &stubs, action, params);
        assert!(out.status.success(), "{action}: {out:?}");
        tool_calls(&stubs)
            .into_iter()
            .filter(|c| c[0] != "relation-ids")
            .collect::<Vec<_>>()
    };
    let set = run(
        "secret-set",
        serde_json::json!({"id": SECRET, "content": {"password": "n3w"}}),
    );
    assert_eq!(set.len(), 1);
    assert_eq!(set[0][..3], argv(&["secret-set", "--", SECRET]));
    assert!(set[0][3].starts_with("password#file=/"), "{set:?}");
    assert_eq!(
        run(
            "secret-set",
            serde_json::json!({"id": SECRET, "label": "admin-2"})
        ),
        vec![argv(&["secret-set", "--label=admin-2", "--", SECRET])]
    );
    assert_eq!(
        run(
            "secret-grant",
            serde_json::json!({"id": SECRET, "relation": 7, "unit": "pg/0"})
        ),
        vec![argv(&[
            "secret-grant",
            "--relation",
            "db:7",
            "--unit=pg/0",
            "--",
            SECRET
        ])]
    );
    assert_eq!(
        run(
            "secret-revoke",
            serde_json::json!({"id": SECRET, "relation": 7})
        ),
        vec![argv(&["secret-revoke", "--relation", "db:7", "--", SECRET])]
    );
    assert_eq!(
        run(
            "secret-remove",
            serde_json::json!({"id": SECRET, "revision": 2})
        ),
        vec![argv(&["secret-remove", "--revision=2", "--", SECRET])]
    );
    assert_eq!(
        run("secret-remove", serde_json::json!({"id": SECRET})),
        vec![argv(&["secret-remove", "--", SECRET])]
    );

    // A unit name that is not one, an id that is not one: refused before any tool.
    for params in [
        serde_json::json!({"id": SECRET, "relation": 7, "unit": "--app=x"}),
        serde_json::json!({"id": "--label=x", "relation": 7}),
    ] {
        let stubs = Stubs::new();
        stubs.print("relation-ids", r#"["db:7"]"#);
        let out = act(charm.path(), &stubs, "secret-grant", params);
        assert!(!out.status.success());
        assert!(
            !stubs.calls().iter().any(|c| c[0] == "secret-grant"),
            "{:?}",
            stubs.calls()
        );
    }
}

#[test]
fn owned_secrets_are_listed_with_their_owner() {
    let charm = charm_dir("toolkit");
    let stubs = Stubs::new();
    stubs.print("secret-ids", &format!(r#"["{SECRET}"]"#));
    stubs.print(
        "secret-info-get",
        &format!(
            r#"{{"{}": {{"revision": 3, "label": "admin", "owner": "application", "rotation": "monthly"}}}}"#,
            &SECRET["secret:".len()..]
        ),
    );
    let out = act(charm.path(), &stubs, "secret-owned", serde_json::json!({}));
    assert!(out.status.success(), "{out:?}");
    let calls = stubs.calls();
    assert!(
        calls.contains(&argv(&["secret-ids", "--format=json"])),
        "{calls:?}"
    );
    assert!(
        calls.contains(&argv(&["secret-info-get", "--format=json", "--", SECRET])),
        "{calls:?}"
    );
    let set = calls.iter().find(|c| c[0] == "action-set").unwrap();
    for expected in [
        "secrets.s0.revision=3",
        "secrets.s0.owner=application",
        "secrets.s0.label=admin",
    ] {
        assert!(set.contains(&expected.to_string()), "{set:?}");
    }
}

#[test]
fn storage_is_listed_read_and_added_by_declared_name() {
    let charm = charm_dir("toolkit");
    let stubs = Stubs::new();
    stubs.print("storage-list", r#"["data/0"]"#);
    stubs.print(
        "storage-get",
        r#"{"kind": "filesystem", "location": "/srv/data"}"#,
    );
    let out = act(
        charm.path(),
        &stubs,
        "storage",
        serde_json::json!({"name": "data"}),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        tool_calls(&stubs),
        vec![
            argv(&["storage-list", "--format=json", "--", "data"]),
            argv(&["storage-get", "--format=json", "-s", "data/0"]),
        ]
    );
    assert!(
        stubs
            .calls()
            .contains(&argv(&["action-set", "--", "storage.data-0=/srv/data"]))
    );

    let stubs = Stubs::new();
    let out = act(
        charm.path(),
        &stubs,
        "storage-add",
        serde_json::json!({"name": "cache", "count": 2}),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        tool_calls(&stubs),
        vec![argv(&["storage-add", "--", "cache=2"])]
    );

    for params in [
        serde_json::json!({"name": "logs"}),
        serde_json::json!({"name": "--help"}),
        serde_json::json!({"name": "data", "count": 0}),
    ] {
        let stubs = Stubs::new();
        let out = act(charm.path(), &stubs, "storage-add", params.clone());
        assert!(!out.status.success(), "{params}: {out:?}");
        assert!(
            tool_calls(&stubs).is_empty(),
            "{params}: {:?}",
            stubs.calls()
        );
    }
}

#[test]
fn goal_state_credentials_reboot_addresses_and_remote_models() {
    let charm = charm_dir("toolkit");
    let stubs = Stubs::new();
    stubs.print(
        "goal-state",
        r#"{"units": {"toolkit/0": {"status": "active", "since": "2026-01-01 00:00:00Z"},
            "toolkit/1": {"status": "waiting"}},
           "relations": {"db": {"pg": {"status": "joined"}, "pg/0": {"status": "active"}}}}"#,
    );
    let out = act(charm.path(), &stubs, "goal", serde_json::json!({}));
    assert!(out.status.success(), "{out:?}");
    let set = stubs
        .calls()
        .into_iter()
        .find(|c| c[0] == "action-set")
        .unwrap();
    assert!(set.contains(&"planned=2".to_string()), "{set:?}");
    assert!(set.contains(&"relations=1".to_string()), "{set:?}");

    let stubs = Stubs::new();
    stubs.fail(
        "credential-get",
        1,
        "ERROR cannot access cloud credentials: application not trusted\n",
    );
    let out = act(charm.path(), &stubs, "cloud", serde_json::json!({}));
    assert!(!out.status.success());
    assert!(
        logged(&stubs).contains("only to a trusted application"),
        "{out:?}"
    );
    let stubs = Stubs::new();
    stubs.print(
        "credential-get",
        r#"{"type": "ec2", "name": "aws", "region": "us-east-1",
            "credential": {"auth-type": "access-key", "attrs": {"access-key": "AK"}},
            "skip-tls-verify": false, "is-controller-cloud": true}"#,
    );
    let out = act(charm.path(), &stubs, "cloud", serde_json::json!({}));
    assert!(out.status.success(), "{out:?}");
    let set = stubs
        .calls()
        .into_iter()
        .find(|c| c[0] == "action-set")
        .unwrap();
    assert!(set.contains(&"auth=access-key".to_string()), "{set:?}");

    let stubs = Stubs::new();
    let out = act(
        charm.path(),
        &stubs,
        "reboot",
        serde_json::json!({"now": true}),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(tool_calls(&stubs), vec![argv(&["juju-reboot", "--now"])]);

    let stubs = Stubs::new();
    stubs.print("unit-get", "\"10.1.2.3\"");
    let out = act(charm.path(), &stubs, "address", serde_json::json!({}));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        tool_calls(&stubs),
        vec![
            argv(&["unit-get", "--format=json", "--", "private-address"]),
            argv(&["unit-get", "--format=json", "--", "public-address"]),
        ]
    );

    let stubs = Stubs::new();
    stubs.print("relation-ids", r#"["db:7"]"#);
    stubs.print("relation-model-get", r#"{"uuid": "f00d"}"#);
    let out = act(
        charm.path(),
        &stubs,
        "remote-model",
        serde_json::json!({"relation": 7}),
    );
    assert!(out.status.success(), "{out:?}");
    assert!(stubs.calls().contains(&argv(&[
        "relation-model-get",
        "--format=json",
        "-r",
        "db:7"
    ])));
    assert!(
        stubs
            .calls()
            .contains(&argv(&["action-set", "--", "uuid=f00d"]))
    );
}

#[test]
fn ports_open_on_declared_endpoints_only() {
    let charm = charm_dir("toolkit");
    let stubs = Stubs::new();
    let out = act(
        charm.path(),
        &stubs,
        "open-on",
        serde_json::json!({"port": 5432, "endpoints": ["db", "replicas"]}),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        tool_calls(&stubs),
        vec![argv(&["open-port", "--endpoints=db,replicas", "5432/tcp"])]
    );
    for endpoints in [
        serde_json::json!(["website"]),
        serde_json::json!(["db,website"]),
        serde_json::json!(["--help"]),
    ] {
        let stubs = Stubs::new();
        let out = act(
            charm.path(),
            &stubs,
            "open-on",
            serde_json::json!({"port": 80, "endpoints": endpoints}),
        );
        assert!(!out.status.success(), "{endpoints}");
        assert!(tool_calls(&stubs).is_empty(), "{:?}", stubs.calls());
    }
}

// --- the simulated unit ---

fn sim(action: &str, state: &str) -> (Output, serde_yaml::Value) {
    let charm = charm_dir("toolkit");
    run_event(charm.path(), action, state)
}

/// `wasmcharm run` with `--out`: the report, and the state written for the next run.
fn sim_out(action: &str, state: &str) -> (Output, serde_yaml::Value, serde_yaml::Value) {
    let charm = charm_dir("toolkit");
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.yaml"), dir.path().join("out.yaml"));
    std::fs::write(&input, state).unwrap();
    let out = std::process::Command::new(wasmcharm_tests::wasmcharm_bin())
        .arg("run")
        .arg(charm.path())
        .arg(action)
        .arg("--state")
        .arg(&input)
        .arg("--out")
        .arg(&output)
        .output()
        .unwrap();
    let report = serde_yaml::from_slice(&out.stdout).unwrap_or_default();
    let state = std::fs::read(&output)
        .map(|text| serde_yaml::from_slice(&text).unwrap())
        .unwrap_or_default();
    (out, report, state)
}

fn results(report: &serde_yaml::Value) -> &serde_yaml::Value {
    &report["happened"]["action"]["results"]
}

#[test]
fn a_simulated_owner_creates_revises_grants_and_removes_a_secret() {
    let relation = "relations: [{id: 7, endpoint: db, remote-app: pg, remote-units: {pg/0: {}}}]\n";
    let (out, r, state) = sim_out(
        "secret-add",
        &format!(
            "leader: true\n{relation}event: {{params: {{content: {{password: hunter2}}, label: admin, rotate: daily}}}}\n"
        ),
    );
    assert!(out.status.success(), "{out:?}");
    let id = results(&r)["id"].as_str().unwrap().to_string();
    let secret = &state["secrets"][0];
    assert_eq!(secret["id"], id.as_str());
    assert_eq!(secret["owner"], "application");
    assert_eq!(secret["revision"], 1);
    assert_eq!(secret["rotation"], "daily");
    assert_eq!(secret["content"]["password"], "hunter2");
    // The report shows that there is a value, never the value (the action's parameters,
    // which the operator gave, are shown as given).
    assert_eq!(
        r["state"]["secrets"][0]["content"]["password"],
        "<redacted>"
    );
    assert!(
        !serde_yaml::to_string(&r["state"])
            .unwrap()
            .contains("hunter2")
    );

    // Each run starts from the state the last one wrote.
    let mut state = state;
    fn step(state: &mut serde_yaml::Value, action: &str, params: &str) -> serde_yaml::Value {
        let text = serde_yaml::to_string(&state).unwrap();
        let (out, r, after) = sim_out(action, &format!("{text}event: {{params: {params}}}\n"));
        assert!(out.status.success(), "{action}: {out:?}");
        assert_eq!(r["happened"]["outcome"], "ok", "{action}: {r:?}");
        *state = after;
        r
    }
    step(
        &mut state,
        "secret-set",
        &format!("{{id: '{id}', content: {{password: hunter2}}}}"),
    );
    assert_eq!(
        state["secrets"][0]["revision"], 1,
        "same content, same revision"
    );
    step(
        &mut state,
        "secret-set",
        &format!("{{id: '{id}', content: {{password: n3w}}}}"),
    );
    assert_eq!(state["secrets"][0]["revision"], 2);
    assert_eq!(
        state["secrets"][0]["revisions"],
        serde_yaml::to_value([1, 2]).unwrap()
    );
    step(
        &mut state,
        "secret-grant",
        &format!("{{id: '{id}', relation: 7}}"),
    );
    step(
        &mut state,
        "secret-grant",
        &format!("{{id: '{id}', relation: 7, unit: pg/0}}"),
    );
    assert_eq!(
        state["secrets"][0]["grants"][7],
        serde_yaml::to_value(["pg", "pg/0"]).unwrap()
    );
    step(
        &mut state,
        "secret-revoke",
        &format!("{{id: '{id}', relation: 7}}"),
    );
    assert_eq!(
        state["secrets"][0]["grants"][7],
        serde_yaml::to_value(["pg/0"]).unwrap()
    );
    let r = step(&mut state, "secret-owned", "{}");
    assert_eq!(results(&r)["secrets.s0.revision"], "2");
    step(
        &mut state,
        "secret-remove",
        &format!("{{id: '{id}', revision: 1}}"),
    );
    assert_eq!(
        state["secrets"][0]["revisions"],
        serde_yaml::to_value([2]).unwrap()
    );
    step(&mut state, "secret-remove", &format!("{{id: '{id}'}}"));
    assert!(state["secrets"].is_null(), "{state:?}");
}

#[test]
fn a_simulated_non_leader_cannot_manage_the_applications_secrets() {
    let (out, r) = sim("secret-add", "event: {params: {content: {password: x}}}\n");
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(r["happened"]["outcome"], "failed");
    assert!(
        r["happened"]["error"]
            .as_str()
            .unwrap()
            .contains("only the leader may create a secret the application owns"),
        "{r:?}"
    );
    assert!(
        r["happened"]["action"]["failed"]
            .as_str()
            .unwrap_or_default()
            .contains("only the leader may create a secret the application owns"),
        "{r:?}"
    );
    assert!(r["state"]["secrets"].is_null());
    let (out, r, state) = sim_out(
        "secret-add",
        "event: {params: {owner: unit, content: {password: x}}}\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(r["state"]["secrets"][0]["owner"], "unit");
    // Another label of the same name is refused.
    let text = serde_yaml::to_string(&state).unwrap();
    let (_, r, state) = sim_out(
        "secret-add",
        &format!("{text}event: {{params: {{owner: unit, content: {{token: y}}, label: x}}}}\n"),
    );
    assert_eq!(r["happened"]["outcome"], "ok", "{r:?}");
    let text = serde_yaml::to_string(&state).unwrap();
    let (_, r) = sim(
        "secret-add",
        &format!("{text}event: {{params: {{owner: unit, content: {{token: z}}, label: x}}}}\n"),
    );
    assert!(
        r["happened"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("a secret labelled \"x\" already exists"),
        "{r:?}"
    );
}

#[test]
fn simulated_storage_goal_state_cloud_reboot_and_addresses() {
    let storage = "storage: [{name: data, location: /srv/data}, {name: cache, index: 3}]\n";
    let (out, r) = sim("storage", &format!("{storage}event: {{params: {{}}}}\n"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(results(&r)["storage.data-0"], "/srv/data");
    assert_eq!(
        results(&r)["storage.cache-3"],
        "/var/lib/juju/storage/cache/3"
    );

    let (_, r) = sim("storage-add", "event: {params: {name: cache, count: 2}}\n");
    assert_eq!(r["happened"]["storage-added"]["cache"], 2, "{r:?}");

    let (out, _) = sim("storage", "storage: [{name: logs}]\n");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("storage has `logs`, which the charm's metadata does not declare")
    );

    let (_, r) = sim("goal", "planned-units: 3\n");
    assert_eq!(results(&r)["planned"], "3");
    assert_eq!(results(&r)["units"], "toolkit/0 toolkit/1 toolkit/2");

    let (_, r) = sim("cloud", "");
    assert!(
        r["happened"]["error"]
            .as_str()
            .unwrap()
            .contains("only to a trusted application"),
        "{r:?}"
    );
    let (_, r) = sim(
        "cloud",
        "trusted: true\ncloud-spec: {type: lxd, name: localhost, credential: {auth-type: certificate}}\n",
    );
    assert_eq!(results(&r)["type"], "lxd", "{r:?}");
    assert_eq!(results(&r)["auth"], "certificate");

    let (_, r) = sim("reboot", "event: {params: {now: true}}\n");
    assert_eq!(r["happened"]["reboot"], "now");

    let (_, r) = sim(
        "address",
        "addresses: {private: 10.0.0.5, public: 203.0.113.5}\n",
    );
    assert_eq!(results(&r)["private"], "10.0.0.5");
    assert_eq!(results(&r)["public"], "203.0.113.5");

    let (_, r) = sim(
        "remote-model",
        "relations: [{id: 7, endpoint: db, remote-app: pg, remote-model-uuid: beef}]\nevent: {params: {relation: 7}}\n",
    );
    assert_eq!(results(&r)["uuid"], "beef");
}

#[test]
fn simulated_ports_open_per_endpoint() {
    let (_, r) = sim(
        "open-on",
        "event: {params: {port: 5432, endpoints: [db]}}\n",
    );
    assert_eq!(
        r["state"]["opened-ports"][0],
        serde_yaml::from_str::<serde_yaml::Value>("{ports: 5432/tcp, endpoints: [db]}").unwrap()
    );
    let (_, r) = sim(
        "close-on",
        "opened-ports: [{ports: 5432/tcp, endpoints: [db, replicas]}]\nevent: {params: {port: 5432, endpoints: [db]}}\n",
    );
    assert_eq!(
        r["state"]["opened-ports"][0]["endpoints"],
        serde_yaml::to_value(["replicas"]).unwrap()
    );
    let (out, _) = sim("open-on", "opened-ports: [80/sctp]\n");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("\"80/sctp\" is not a port range"),
        "{out:?}"
    );
}

// --- Pebble's checks, notices, identities and signals (0.1.1), through the guest ---

const WORKLOAD: &str = "containers:\n  workload:\n    layers:\n      base:\n        services:\n          \
                        srv: {override: replace, command: srv}\n        checks:\n          \
                        up: {override: replace, level: ready, threshold: 2, tcp: {port: 80}}\n          \
                        off: {override: replace, startup: disabled, tcp: {port: 81}}\n    \
                        services: {srv: active}\n    checks: {up: {failures: 2}}\n";

fn pebble(params: &str) -> (Output, serde_yaml::Value) {
    sim(
        "pebble",
        &format!("{WORKLOAD}event: {{params: {params}}}\n"),
    )
}

fn failed_with(r: &serde_yaml::Value, expected: &str) {
    assert_eq!(r["happened"]["outcome"], "failed", "{r:?}");
    let error = r["happened"]["error"].as_str().unwrap_or_default();
    assert!(error.contains(expected), "{error}");
}

#[test]
fn a_simulated_container_runs_its_checks_from_the_state() {
    let (_, r) = pebble("{call: checks}");
    assert_eq!(results(&r)["checks.up"], "CheckStatus::Down 2/2", "{r:?}");
    assert_eq!(results(&r)["checks.off"], "CheckStatus::Inactive 0/3");
    let (_, r) = pebble("{call: health}");
    assert_eq!(results(&r)["healthy"], "false");
    let (_, r) = pebble("{call: health, names: [off]}");
    assert_eq!(results(&r)["healthy"], "true");
    let (_, r) = pebble("{call: start-checks, names: [off, up]}");
    assert_eq!(results(&r)["changed"], "off");
    assert_eq!(
        r["state"]["containers"]["workload"]["checks"]["off"]["active"],
        true
    );
    // A name not in the plan: Pebble's error, and nothing started.
    let (_, r) = pebble("{call: start-checks, names: [off, nope]}");
    failed_with(&r, "cannot start checks: cannot find checks in plan: nope");
    assert!(r["state"]["containers"]["workload"]["checks"]["off"].is_null());
    let (_, r) = pebble("{call: checks, names: [\"a\\nb\"]}");
    failed_with(&r, "is not one Pebble takes");
    // In a query Pebble splits names at commas, and an empty one means all.
    for names in ["['up,off']", "['']", "[' up']"] {
        let (_, r) = pebble(&format!("{{call: health, names: {names}}}"));
        failed_with(&r, "is not a name Pebble takes");
    }
}

#[test]
fn notices_count_their_occurrences_and_keys_follow_pebbles_rule() {
    let (out, r, state) = sim_out(
        "pebble",
        &format!("{WORKLOAD}event: {{params: {{call: notify, key: example.com/backup}}}}\n"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(results(&r)["occurrences"], "1");
    let text = serde_yaml::to_string(&state).unwrap();
    let (_, r) = sim(
        "pebble",
        &format!("{text}event: {{params: {{call: notify, key: example.com/backup}}}}\n"),
    );
    assert_eq!(results(&r)["id"], "1");
    assert_eq!(results(&r)["occurrences"], "2");
    for (key, expected) in [
        ("Example.com/x", "is not a custom notice key"),
        ("example.com", "is not a custom notice key"),
        ("example.com/a_b", "is not a custom notice key"),
    ] {
        let (_, r) = pebble(&format!("{{call: notify, key: '{key}'}}"));
        failed_with(&r, expected);
    }
    let (_, r) = pebble("{call: notice, id: '../1'}");
    failed_with(&r, "is not a notice id");
    let (_, r) = pebble("{call: notice, id: '7'}");
    failed_with(&r, "cannot find notice with ID \"7\"");
    let (_, r) = pebble("{call: notices, key: 'a,b'}");
    failed_with(&r, "is not a notice key");
}

#[test]
fn identities_and_signals_are_checked_before_pebble_sees_them() {
    let (_, r) = pebble("{call: identity, identity: prometheus, access: metrics, user-id: 1000}");
    assert_eq!(results(&r)["count"], "1", "{r:?}");
    assert_eq!(
        r["state"]["containers"]["workload"]["identities"]["prometheus"]["access"],
        "metrics"
    );
    let (_, r) = pebble("{call: identity, identity: nobody-at-all}");
    failed_with(&r, "has no way to prove it");
    let (_, r) = pebble("{call: identity, identity: '9lives', user-id: 1}");
    failed_with(&r, "is not an identity name");

    let (_, r) = pebble("{call: signal, signal: SIGHUP, names: [srv]}");
    assert_eq!(r["happened"]["outcome"], "ok", "{r:?}");
    assert_eq!(
        r["happened"]["pebble"]["workload"]["signals"],
        serde_yaml::to_value(["SIGHUP srv"]).unwrap()
    );
    // A program the container lacks is not-found, a kind a charm can fall back on.
    let (_, r) = pebble("{call: exec, names: [curl, -s, x]}");
    assert_eq!(results(&r)["kind"], "ErrorKind::NotFound", "{r:?}");
    let (_, r) = pebble("{call: signal, signal: HUP, names: [srv]}");
    failed_with(&r, "\"HUP\" is not a signal");
    let (_, r) = pebble("{call: signal, signal: SIGTERM, names: [other]}");
    failed_with(
        &r,
        "cannot send signal to \"other\": service is not running",
    );
}

#[test]
fn check_and_notice_events_must_fit_the_state() {
    let charm = charm_dir("toolkit");
    let (out, _) = run_event(
        charm.path(),
        "workload-pebble-check-failed",
        &format!("{WORKLOAD}event: {{check-name: off}}\n"),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the event says check `off` failed, but the state has it inactive"),
        "{out:?}"
    );
    let (out, _) = run_event(
        charm.path(),
        "workload-pebble-check-recovered",
        &format!("{WORKLOAD}event: {{check-name: up}}\n"),
    );
    assert!(
        stderr(&out).contains("but the state has it down"),
        "{out:?}"
    );
    let (out, _) = run_event(
        charm.path(),
        "workload-pebble-custom-notice",
        &format!(
            "{WORKLOAD}event: {{notice-id: '3', notice-type: custom, notice-key: example.com/x}}\n"
        ),
    );
    assert!(
        stderr(&out).contains("notice 3 of container `workload`, which the state does not have"),
        "{out:?}"
    );
}
