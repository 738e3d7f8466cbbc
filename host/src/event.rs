//! From Juju's environment to a typed event: `JUJU_DISPATCH_PATH` names the hook or
//! action, the charm's metadata says which derived hook names (relations, storage,
//! containers) exist, and the other `JUJU_*` variables carry the event's details.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::charm_dir::Metadata;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    #[error(
        "JUJU_DISPATCH_PATH is not set. wasmcharm dispatch is run by Juju (through the \
         charm's dispatch script) with JUJU_DISPATCH_PATH set to hooks/<hook-name> or \
         actions/<action-name>; to run an event by hand, use `wasmcharm run CHARM_DIR EVENT`."
    )]
    NoDispatchPath,
    #[error(
        "JUJU_DISPATCH_PATH is {0:?}, which is not of the form hooks/<hook-name> or \
         actions/<action-name> (e.g. hooks/install, actions/backup)."
    )]
    BadDispatchPath(String),
    #[error("{name} is not set; Juju sets it for {context}.")]
    Missing {
        name: &'static str,
        context: &'static str,
    },
    #[error("{name} is {value:?}, expected {expected}.")]
    Malformed {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "actions/{0} names an action that the charm's metadata does not declare \
         (actions in charmcraft.yaml or actions.yaml)."
    )]
    UnknownAction(String),
}

/// What `JUJU_DISPATCH_PATH` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchPath {
    Hook(String),
    Action(String),
}

impl DispatchPath {
    pub fn parse(value: &str) -> Result<Self, EventError> {
        let bad = || EventError::BadDispatchPath(value.to_string());
        let (kind, name) = value.split_once('/').ok_or_else(bad)?;
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            && !name.starts_with('.');
        match kind {
            "hooks" if valid => Ok(DispatchPath::Hook(name.to_string())),
            "actions" if valid => Ok(DispatchPath::Action(name.to_string())),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for DispatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchPath::Hook(name) => write!(f, "hooks/{name}"),
            DispatchPath::Action(name) => write!(f, "actions/{name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RelationEvent {
    pub endpoint: String,
    pub relation_id: u32,
    pub remote_app: String,
    pub remote_unit: Option<String>,
    pub departing_unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    Filesystem,
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StorageEvent {
    pub name: String,
    pub index: u32,
    pub location: Option<String>,
    pub kind: Option<StorageKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NoticeEvent {
    pub container: String,
    pub id: String,
    pub kind: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckEvent {
    pub container: String,
    pub check: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretEvent {
    pub id: String,
    pub label: Option<String>,
    pub revision: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActionEvent {
    pub name: String,
    pub id: String,
}

/// Every event Juju delivers to a charm. Serialised as in a state file: `config-changed`,
/// `{relation-changed: {endpoint: db, relation-id: 7, ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    Install,
    Start,
    Stop,
    Remove,
    ConfigChanged,
    UpdateStatus,
    UpgradeCharm,
    LeaderElected,
    LeaderSettingsChanged,
    PreSeriesUpgrade,
    PostSeriesUpgrade,
    RelationCreated(RelationEvent),
    RelationJoined(RelationEvent),
    RelationChanged(RelationEvent),
    RelationDeparted(RelationEvent),
    RelationBroken(RelationEvent),
    StorageAttached(StorageEvent),
    StorageDetaching(StorageEvent),
    PebbleReady { container: String },
    PebbleCustomNotice(NoticeEvent),
    PebbleCheckFailed(CheckEvent),
    PebbleCheckRecovered(CheckEvent),
    SecretChanged(SecretEvent),
    SecretRotate(SecretEvent),
    SecretRemove(SecretEvent),
    SecretExpired(SecretEvent),
    Action(ActionEvent),
}

impl Event {
    /// Juju re-runs these itself, or cannot: `ops` refuses to defer them too.
    pub fn deferrable(&self) -> bool {
        !matches!(
            self,
            Event::Action(_)
                | Event::Stop
                | Event::Remove
                | Event::SecretRotate(_)
                | Event::SecretExpired(_)
        )
    }

    /// The event's name as in a state file, for messages.
    pub fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            Ok(serde_json::Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

/// What a dispatch turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// An event for the charm.
    Event(Event),
    /// A legacy hook Juju runs in a restricted context (no `JUJU_VERSION`, no
    /// `is-leader`): exit 0 without loading anything, as `ops` does.
    Restricted(String),
    /// A hook name that is neither a Juju hook nor derived from this charm's metadata,
    /// such as one from a newer Juju: ignored, so that it never breaks an older charm.
    Unknown(String),
}

/// Hooks Juju runs without the context the charm needs.
const RESTRICTED_HOOKS: [&str; 2] = ["collect-metrics", "meter-status-changed"];

/// Reads a variable of the dispatch's environment; `None` when unset or empty.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name).filter(|v| !v.is_empty())
    }
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// Whether the hook is one that must exit at once; checked before anything is loaded.
pub fn is_restricted(path: &DispatchPath) -> bool {
    matches!(path, DispatchPath::Hook(name) if RESTRICTED_HOOKS.contains(&name.as_str()))
}

/// Turns a dispatch path and the environment into what the charm should see.
pub fn classify(
    path: &DispatchPath,
    meta: &Metadata,
    env: &dyn Env,
) -> Result<Dispatch, EventError> {
    let hook = match path {
        DispatchPath::Action(name) => {
            if !meta.actions.contains_key(name) {
                return Err(EventError::UnknownAction(name.clone()));
            }
            let id = env.var("JUJU_ACTION_UUID").ok_or(EventError::Missing {
                name: "JUJU_ACTION_UUID",
                context: "every action",
            })?;
            return Ok(Dispatch::Event(Event::Action(ActionEvent {
                name: name.clone(),
                id,
            })));
        }
        DispatchPath::Hook(hook) => hook.as_str(),
    };
    if RESTRICTED_HOOKS.contains(&hook) {
        return Ok(Dispatch::Restricted(hook.to_string()));
    }
    let event = match hook {
        "install" => Event::Install,
        "start" => Event::Start,
        "stop" => Event::Stop,
        "remove" => Event::Remove,
        "config-changed" => Event::ConfigChanged,
        "update-status" => Event::UpdateStatus,
        "upgrade-charm" => Event::UpgradeCharm,
        "leader-elected" => Event::LeaderElected,
        "leader-settings-changed" => Event::LeaderSettingsChanged,
        "pre-series-upgrade" => Event::PreSeriesUpgrade,
        "post-series-upgrade" => Event::PostSeriesUpgrade,
        "secret-changed" => Event::SecretChanged(secret(env, false)?),
        "secret-rotate" => Event::SecretRotate(secret(env, false)?),
        "secret-remove" => Event::SecretRemove(secret(env, true)?),
        "secret-expired" => Event::SecretExpired(secret(env, true)?),
        _ => match derived(hook, meta, env)? {
            Some(event) => event,
            None => return Ok(Dispatch::Unknown(hook.to_string())),
        },
    };
    Ok(Dispatch::Event(event))
}

/// Hook names built from the metadata: `<endpoint>-relation-*`, `<storage>-storage-*`,
/// `<container>-pebble-*`.
fn derived(hook: &str, meta: &Metadata, env: &dyn Env) -> Result<Option<Event>, EventError> {
    type Build = fn(RelationEvent) -> Event;
    const RELATION: [(&str, Build); 5] = [
        ("-relation-created", Event::RelationCreated),
        ("-relation-joined", Event::RelationJoined),
        ("-relation-changed", Event::RelationChanged),
        ("-relation-departed", Event::RelationDeparted),
        ("-relation-broken", Event::RelationBroken),
    ];
    for (suffix, build) in RELATION {
        if let Some(endpoint) = hook.strip_suffix(suffix)
            && meta.endpoints.contains_key(endpoint)
        {
            return Ok(Some(build(relation(endpoint, env)?)));
        }
    }
    for (suffix, attached) in [("-storage-attached", true), ("-storage-detaching", false)] {
        if let Some(name) = hook.strip_suffix(suffix)
            && meta.storage.iter().any(|s| s == name)
        {
            let storage = storage(name, env)?;
            return Ok(Some(if attached {
                Event::StorageAttached(storage)
            } else {
                Event::StorageDetaching(storage)
            }));
        }
    }
    let container_of = |suffix: &str| {
        hook.strip_suffix(suffix)
            .filter(|c| meta.containers.iter().any(|d| d == c))
            .map(str::to_string)
    };
    if let Some(container) = container_of("-pebble-ready") {
        return Ok(Some(Event::PebbleReady { container }));
    }
    if let Some(container) = container_of("-pebble-custom-notice") {
        return Ok(Some(Event::PebbleCustomNotice(NoticeEvent {
            container,
            id: required(env, "JUJU_NOTICE_ID", "pebble-custom-notice hooks")?,
            kind: required(env, "JUJU_NOTICE_TYPE", "pebble-custom-notice hooks")?,
            key: required(env, "JUJU_NOTICE_KEY", "pebble-custom-notice hooks")?,
        })));
    }
    for (suffix, failed) in [
        ("-pebble-check-failed", true),
        ("-pebble-check-recovered", false),
    ] {
        if let Some(container) = container_of(suffix) {
            let check = CheckEvent {
                container,
                check: required(env, "JUJU_PEBBLE_CHECK_NAME", "pebble-check-* hooks")?,
            };
            return Ok(Some(if failed {
                Event::PebbleCheckFailed(check)
            } else {
                Event::PebbleCheckRecovered(check)
            }));
        }
    }
    Ok(None)
}

fn required(
    env: &dyn Env,
    name: &'static str,
    context: &'static str,
) -> Result<String, EventError> {
    env.var(name).ok_or(EventError::Missing { name, context })
}

fn relation(endpoint: &str, env: &dyn Env) -> Result<RelationEvent, EventError> {
    const CONTEXT: &str = "relation hooks";
    let id = required(env, "JUJU_RELATION_ID", CONTEXT)?;
    // Juju gives `<endpoint>:<id>`; the number is what identifies the relation.
    let relation_id = id
        .rsplit_once(':')
        .map_or(id.as_str(), |(_, n)| n)
        .parse()
        .map_err(|_| EventError::Malformed {
            name: "JUJU_RELATION_ID",
            value: id.clone(),
            expected: "<endpoint>:<number>, e.g. db:7",
        })?;
    Ok(RelationEvent {
        endpoint: endpoint.to_string(),
        relation_id,
        remote_app: required(env, "JUJU_REMOTE_APP", CONTEXT)?,
        remote_unit: env.var("JUJU_REMOTE_UNIT"),
        departing_unit: env.var("JUJU_DEPARTING_UNIT"),
    })
}

fn storage(name: &str, env: &dyn Env) -> Result<StorageEvent, EventError> {
    let id = required(env, "JUJU_STORAGE_ID", "storage hooks")?;
    let index = id
        .rsplit_once('/')
        .and_then(|(_, n)| n.parse().ok())
        .ok_or_else(|| EventError::Malformed {
            name: "JUJU_STORAGE_ID",
            value: id.clone(),
            expected: "<storage-name>/<index>, e.g. data/0",
        })?;
    let kind = match env.var("JUJU_STORAGE_KIND").as_deref() {
        None => None,
        Some("filesystem") => Some(StorageKind::Filesystem),
        Some("block") => Some(StorageKind::Block),
        Some(other) => {
            return Err(EventError::Malformed {
                name: "JUJU_STORAGE_KIND",
                value: other.to_string(),
                expected: "filesystem or block",
            });
        }
    };
    Ok(StorageEvent {
        name: name.to_string(),
        index,
        location: env.var("JUJU_STORAGE_LOCATION"),
        kind,
    })
}

fn secret(env: &dyn Env, with_revision: bool) -> Result<SecretEvent, EventError> {
    let revision = if with_revision {
        let value = required(
            env,
            "JUJU_SECRET_REVISION",
            "secret-remove and secret-expired",
        )?;
        Some(value.parse().map_err(|_| EventError::Malformed {
            name: "JUJU_SECRET_REVISION",
            value,
            expected: "a revision number",
        })?)
    } else {
        None
    };
    Ok(SecretEvent {
        id: required(env, "JUJU_SECRET_ID", "secret hooks")?,
        label: env.var("JUJU_SECRET_LABEL"),
        revision,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::charm_dir::ActionSpec;

    fn meta() -> Metadata {
        Metadata {
            name: "demo".into(),
            endpoints: [("db".to_string(), "pgsql".to_string())].into(),
            storage: vec!["data".into()],
            containers: vec!["web".into()],
            actions: [("backup".to_string(), ActionSpec::default())].into(),
            ..Metadata::default()
        }
    }

    fn run(path: &str, vars: &[(&str, &str)]) -> Result<Dispatch, EventError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| vars.get(name).cloned();
        classify(&DispatchPath::parse(path)?, &meta(), &env)
    }

    #[test]
    fn dispatch_paths_must_be_hooks_or_actions() {
        assert_eq!(
            DispatchPath::parse("hooks/install"),
            Ok(DispatchPath::Hook("install".into()))
        );
        assert_eq!(
            DispatchPath::parse("actions/backup"),
            Ok(DispatchPath::Action("backup".into()))
        );
        for bad in [
            "install",
            "hooks/",
            "hooks/a/b",
            "bin/install",
            "./dispatch",
            "hooks/..",
        ] {
            assert_eq!(
                DispatchPath::parse(bad),
                Err(EventError::BadDispatchPath(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn plain_hooks() {
        assert_eq!(
            run("hooks/install", &[]),
            Ok(Dispatch::Event(Event::Install))
        );
        assert_eq!(
            run("hooks/config-changed", &[]),
            Ok(Dispatch::Event(Event::ConfigChanged))
        );
        assert_eq!(
            run("hooks/collect-metrics", &[]),
            Ok(Dispatch::Restricted("collect-metrics".into()))
        );
    }

    #[test]
    fn relation_hooks_carry_their_details() {
        let got = run(
            "hooks/db-relation-departed",
            &[
                ("JUJU_RELATION_ID", "db:7"),
                ("JUJU_REMOTE_APP", "postgresql"),
                ("JUJU_REMOTE_UNIT", "postgresql/1"),
                ("JUJU_DEPARTING_UNIT", "postgresql/1"),
            ],
        );
        assert_eq!(
            got,
            Ok(Dispatch::Event(Event::RelationDeparted(RelationEvent {
                endpoint: "db".into(),
                relation_id: 7,
                remote_app: "postgresql".into(),
                remote_unit: Some("postgresql/1".into()),
                departing_unit: Some("postgresql/1".into()),
            })))
        );
        let app_bag_changed = run(
            "hooks/db-relation-changed",
            &[
                ("JUJU_RELATION_ID", "db:7"),
                ("JUJU_REMOTE_APP", "postgresql"),
                ("JUJU_REMOTE_UNIT", ""),
            ],
        );
        assert!(matches!(
            app_bag_changed,
            Ok(Dispatch::Event(Event::RelationChanged(RelationEvent {
                remote_unit: None,
                ..
            })))
        ));
        assert_eq!(
            run(
                "hooks/db-relation-changed",
                &[("JUJU_RELATION_ID", "db:x"), ("JUJU_REMOTE_APP", "pg")]
            ),
            Err(EventError::Malformed {
                name: "JUJU_RELATION_ID",
                value: "db:x".into(),
                expected: "<endpoint>:<number>, e.g. db:7"
            })
        );
    }

    #[test]
    fn hooks_not_derived_from_the_metadata_are_unknown() {
        assert_eq!(
            run("hooks/cache-relation-changed", &[]),
            Ok(Dispatch::Unknown("cache-relation-changed".into()))
        );
        assert_eq!(
            run("hooks/redis-pebble-ready", &[]),
            Ok(Dispatch::Unknown("redis-pebble-ready".into()))
        );
        assert_eq!(
            run("hooks/some-future-hook", &[]),
            Ok(Dispatch::Unknown("some-future-hook".into()))
        );
    }

    #[test]
    fn pebble_storage_secret_and_action_events() {
        assert_eq!(
            run("hooks/web-pebble-ready", &[]),
            Ok(Dispatch::Event(Event::PebbleReady {
                container: "web".into()
            }))
        );
        assert_eq!(
            run(
                "hooks/web-pebble-check-failed",
                &[("JUJU_PEBBLE_CHECK_NAME", "http-ready")]
            ),
            Ok(Dispatch::Event(Event::PebbleCheckFailed(CheckEvent {
                container: "web".into(),
                check: "http-ready".into()
            })))
        );
        assert_eq!(
            run(
                "hooks/data-storage-attached",
                &[
                    ("JUJU_STORAGE_ID", "data/3"),
                    ("JUJU_STORAGE_KIND", "filesystem"),
                    ("JUJU_STORAGE_LOCATION", "/srv/data")
                ]
            ),
            Ok(Dispatch::Event(Event::StorageAttached(StorageEvent {
                name: "data".into(),
                index: 3,
                location: Some("/srv/data".into()),
                kind: Some(StorageKind::Filesystem),
            })))
        );
        assert_eq!(
            run(
                "hooks/secret-expired",
                &[
                    ("JUJU_SECRET_ID", "secret:abc"),
                    ("JUJU_SECRET_REVISION", "3")
                ]
            ),
            Ok(Dispatch::Event(Event::SecretExpired(SecretEvent {
                id: "secret:abc".into(),
                label: None,
                revision: Some(3),
            })))
        );
        assert_eq!(
            run("actions/backup", &[("JUJU_ACTION_UUID", "42")]),
            Ok(Dispatch::Event(Event::Action(ActionEvent {
                name: "backup".into(),
                id: "42".into()
            })))
        );
        assert_eq!(
            run("actions/restore", &[("JUJU_ACTION_UUID", "42")]),
            Err(EventError::UnknownAction("restore".into()))
        );
    }
}
