//! Relations, actions, ports, network, secrets and resources, through `run` and through
//! `dispatch`.

use serde_yaml::Value;
use wasmcharm_tests::{Stubs, argv, assert_clean_error, charm_dir, dispatch, juju_env, run_event};

fn unit_status(r: &Value) -> String {
    r["state"]["unit-status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const DB: &str = "relations:\n  - id: 7\n    endpoint: db\n    remote-app: postgresql\n    \
                  remote-units: {postgresql/0: {}, postgresql/1: {}}\n    remote-app-data: {password: s3cret}\n";

#[test]
fn relation_data_is_read_and_written_with_the_databag_rules() {
    let charm = charm_dir("faulty");
    let state = format!("{DB}event: {{relation-id: 7, remote-unit: postgresql/0}}\n");
    let (out, r) = run_event(charm.path(), "db-relation-changed", &state);
    assert!(out.status.success(), "{out:?}");
    // A non-leader may not write the application bag.
    assert_eq!(
        unit_status(&r),
        "db 7: 2 units, ErrorKind::PermissionDenied"
    );
    let rel = &r["state"]["relations"][0];
    assert_eq!(rel["local-unit-data"]["seen-units"], "2");
    assert!(rel["local-app-data"].as_mapping().unwrap().is_empty());

    let (_, r) = run_event(
        charm.path(),
        "db-relation-changed",
        &format!("leader: true\n{state}"),
    );
    assert_eq!(unit_status(&r), "db 7: 2 units, app bag written");
    assert_eq!(
        r["state"]["relations"][0]["local-app-data"]["leader-was-here"],
        "yes"
    );
}

#[test]
fn relation_data_is_not_committed_when_the_hook_fails() {
    let charm = charm_dir("faulty");
    let state = format!(
        "{}event: {{relation-id: 7, remote-unit: postgresql/0}}\n",
        DB.replace("password: s3cret", "fail: 'yes'")
    );
    let (out, r) = run_event(charm.path(), "db-relation-changed", &state);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        r["state"]["relations"][0]["local-unit-data"]
            .as_mapping()
            .unwrap()
            .is_empty()
    );
    // The status was set at once, and stands.
    assert_eq!(
        unit_status(&r),
        "db 7: 2 units, ErrorKind::PermissionDenied"
    );
}

#[test]
fn relations_must_fit_the_metadata() {
    let charm = charm_dir("faulty");
    let (out, _) = run_event(
        charm.path(),
        "update-status",
        &DB.replace("endpoint: db", "endpoint: cache"),
    );
    assert_clean_error(
        &out,
        "relation 7 is on endpoint `cache`, which the charm's metadata does not declare",
    );
}

#[test]
fn openssh_publishes_its_port_on_the_ssh_relation() {
    let charm = charm_dir("openssh");
    let state = "relations:\n  - {id: 3, endpoint: ssh, remote-app: client, remote-units: {client/0: {}}}\n\
                 event: {relation-id: 3, remote-unit: client/0}\n";
    let (out, r) = run_event(charm.path(), "ssh-relation-joined", state);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(r["state"]["relations"][0]["local-unit-data"]["port"], "22");

    let stubs = Stubs::new();
    let mut env = juju_env(charm.path(), "hooks/ssh-relation-joined");
    env.extend([
        ("JUJU_RELATION_ID".to_string(), "ssh:3".to_string()),
        ("JUJU_REMOTE_APP".to_string(), "client".to_string()),
        ("JUJU_REMOTE_UNIT".to_string(), "client/0".to_string()),
    ]);
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![argv(&["relation-set", "-r", "ssh:3", "--file", "-"])]
    );
}

#[test]
fn actions_take_typed_params_with_defaults_and_report_results() {
    let charm = charm_dir("faulty");
    let (out, r) = run_event(charm.path(), "echo", "event: {params: {times: 3}}\n");
    assert!(out.status.success(), "{out:?}");
    let action = &r["happened"]["action"];
    assert_eq!(action["params"]["message"], "hi");
    assert_eq!(action["results"]["echo"], "hihihi");
    assert_eq!(action["logs"][0], "echoing 3 times");

    let (out, _) = run_event(charm.path(), "echo", "event: {params: {times: many}}\n");
    assert_clean_error(
        &out,
        "event.params `times` is \"many\", but action `echo` declares it as integer",
    );
    let (out, _) = run_event(charm.path(), "echo", "event: {params: {loud: true}}\n");
    assert_clean_error(
        &out,
        "event.params has `loud`, which action `echo` does not declare",
    );

    let stubs = Stubs::new();
    stubs.print("action-get", r#"{"message": "hey", "times": 2}"#);
    let mut env = juju_env(charm.path(), "actions/echo");
    env.push(("JUJU_ACTION_UUID".into(), "42".into()));
    let out = dispatch(&stubs, &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![
            argv(&["action-get", "--format=json"]),
            argv(&["action-log", "--", "echoing 2 times"]),
            argv(&["action-set", "--", "echo=heyhey"]),
        ]
    );
}

#[test]
fn get_host_keys() {
    let charm = charm_dir("openssh");
    let state = "machine:\n  files:\n    /etc/ssh/ssh_host_ed25519_key.pub: \"ssh-ed25519 AAAAC3 root@host\\n\"\n";
    let (out, r) = run_event(charm.path(), "get-host-keys", state);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r["happened"]["action"]["results"]["keys.ed25519"],
        "ssh-ed25519 AAAAC3 root@host"
    );
    assert!(r["happened"]["action"]["failed"].is_null());

    let (out, r) = run_event(charm.path(), "get-host-keys", "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        r["happened"]["action"]["failed"],
        "no host keys found: is openssh-server installed?"
    );
}

#[test]
fn action_calls_outside_an_action_are_unsupported() {
    let charm = charm_dir("faulty");
    let (out, r) = run_event(charm.path(), "leader-settings-changed", "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(unit_status(&r), "ErrorKind::Unsupported");
}

#[test]
fn ports_network_secrets_and_resources_on_a_simulated_unit() {
    let charm = charm_dir("faulty");
    let state = "opened-ports: [22/tcp]\n\
                 networks: {db: {ingress-addresses: [10.1.2.3]}}\n\
                 secrets:\n  - {id: 'secret:cr4n0eog5r6d8t2rjmf0', label: db-password, revision: 4, content: {password: old}, \
                 latest: {password: newer}}\n\
                 resources: {installer: /var/lib/juju/resources/installer.tgz}\n";
    let (out, r) = run_event(charm.path(), "upgrade-charm", state);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        unit_status(&r),
        "2 ports open; 10.1.2.3; password 5 chars, revision 5; /var/lib/juju/resources/installer.tgz"
    );
    assert_eq!(
        r["state"]["opened-ports"],
        serde_yaml::from_str::<Value>("[8080/tcp, 9000-9100/udp]").unwrap()
    );
    // The refresh made the unit track the newer revision; the report does not show it.
    assert_eq!(r["state"]["secrets"][0]["revision"], 5);
    assert_eq!(
        r["state"]["secrets"][0]["content"]["password"],
        "<redacted>"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("newer"));

    // Nothing of this is committed when the hook fails: a missing resource fails it.
    let (out, r) = run_event(
        charm.path(),
        "upgrade-charm",
        &state.replace("installer:", "other:"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        r["state"]["opened-ports"],
        serde_yaml::from_str::<Value>("[22/tcp]").unwrap()
    );
    assert_eq!(r["state"]["secrets"][0]["revision"], 4);
}

#[test]
fn ports_network_secrets_and_resources_through_hook_tools() {
    let charm = charm_dir("faulty");
    let stubs = Stubs::new();
    stubs.print("opened-ports", r#"["8080/tcp", "9000-9100/udp"]"#);
    stubs.print(
        "network-get",
        r#"{"bind-addresses": [{"mac-address": "", "interface-name": "eth0", "addresses": [{"value": "10.0.0.5", "cidr": "10.0.0.0/24"}]}], "ingress-addresses": ["10.0.0.5"], "egress-subnets": ["10.0.0.0/24"]}"#,
    );
    stubs.print("secret-get", r#"{"password": "hunter2"}"#);
    stubs.print(
        "secret-info-get",
        r#"{"secret:cr4n0eog5r6d8t2rjmf0": {"label": "db-password", "revision": 2}}"#,
    );
    stubs.print(
        "resource-get",
        "/var/lib/juju/agents/unit-faulty-0/resources/installer/installer.tgz\n",
    );
    let out = dispatch(&stubs, &juju_env(charm.path(), "hooks/upgrade-charm"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stubs.calls(),
        vec![
            argv(&["open-port", "8080/tcp"]),
            argv(&["open-port", "9000-9100/udp"]),
            argv(&["close-port", "22/tcp"]),
            argv(&["opened-ports", "--format=json"]),
            argv(&["network-get", "--format=json", "--", "db"]),
            argv(&[
                "secret-get",
                "--format=json",
                "--refresh",
                "--label=db-password"
            ]),
            argv(&[
                "secret-info-get",
                "--format=json",
                "--",
                "secret:cr4n0eog5r6d8t2rjmf0"
            ]),
            argv(&["resource-get", "--", "installer"]),
            argv(&[
                "status-set",
                "--application=false",
                "active",
                "--",
                "2 ports open; 10.0.0.5; password 7 chars, revision 2; \
                 /var/lib/juju/agents/unit-faulty-0/resources/installer/installer.tgz"
            ]),
        ]
    );
}
