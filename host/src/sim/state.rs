//! The simulated unit `wasmcharm run` works on: a YAML state in, one event, the state
//! out with a record of what happened. The format grows with the contract (Pebble
//! containers, relations and stored state come next); every key is checked, so a typo is
//! an error naming the key, never a silently ignored setting.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::backends::juju::NetworkInfo;
use crate::backends::juju::Status;
use crate::backends::juju::{CloudSpec, RebootWhen};
use crate::backends::process::display;
use crate::charm_dir::Metadata;
use crate::event::{Env, Event};
use crate::sim::budget::Budget;
use crate::sim::juju::{
    ActionRecord, Addresses, JujuModel, LogLine, OpenedPort, Relation, Secret, SimJuju, Storage,
};
use crate::sim::machine::{MachineModel, SimMachine};
use crate::sim::pebble::{ContainerModel, SimContainer, SimPebble};
use crate::unit::store::{StoreError, StoredState};
use crate::unit::{UnitContext, app_of};

/// What a report shows in place of a secret value.
pub const REDACTED: &str = "<redacted>";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the state file {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error("the state does not fit the charm: {0}")]
    Inconsistent(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelInfo {
    pub name: String,
    pub uuid: String,
}

impl Default for ModelInfo {
    fn default() -> Self {
        ModelInfo {
            name: "test-model".into(),
            uuid: "00000000-0000-4000-8000-000000000000".into(),
        }
    }
}

/// Details of the event that Juju would pass in `JUJU_*` variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct EventDetails {
    pub relation_id: Option<u32>,
    pub remote_app: Option<String>,
    pub remote_unit: Option<String>,
    pub departing_unit: Option<String>,
    /// `data/0`
    pub storage_id: Option<String>,
    pub storage_location: Option<String>,
    pub storage_kind: Option<String>,
    pub container: Option<String>,
    pub notice_id: Option<String>,
    pub notice_type: Option<String>,
    pub notice_key: Option<String>,
    pub check_name: Option<String>,
    pub secret_id: Option<String>,
    pub secret_label: Option<String>,
    pub secret_revision: Option<u32>,
    pub action_id: Option<String>,
    /// An action's parameters; the action's declared defaults fill the rest.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, Value>,
}

impl EventDetails {
    fn is_empty(&self) -> bool {
        *self == EventDetails::default()
    }

    /// The variables Juju would set for these details.
    fn env(&self) -> HashMap<&'static str, String> {
        let mut env = HashMap::new();
        let mut set = |name, value: Option<String>| {
            if let Some(value) = value {
                env.insert(name, value);
            }
        };
        set(
            "JUJU_RELATION_ID",
            self.relation_id.map(|id| id.to_string()),
        );
        set("JUJU_REMOTE_APP", self.remote_app.clone());
        set("JUJU_REMOTE_UNIT", self.remote_unit.clone());
        set("JUJU_DEPARTING_UNIT", self.departing_unit.clone());
        set("JUJU_STORAGE_ID", self.storage_id.clone());
        set("JUJU_STORAGE_LOCATION", self.storage_location.clone());
        set("JUJU_STORAGE_KIND", self.storage_kind.clone());
        set("JUJU_WORKLOAD_NAME", self.container.clone());
        set("JUJU_NOTICE_ID", self.notice_id.clone());
        set("JUJU_NOTICE_TYPE", self.notice_type.clone());
        set("JUJU_NOTICE_KEY", self.notice_key.clone());
        set("JUJU_PEBBLE_CHECK_NAME", self.check_name.clone());
        set("JUJU_SECRET_ID", self.secret_id.clone());
        set("JUJU_SECRET_LABEL", self.secret_label.clone());
        set(
            "JUJU_SECRET_REVISION",
            self.secret_revision.map(|r| r.to_string()),
        );
        set(
            "JUJU_ACTION_UUID",
            Some(self.action_id.clone().unwrap_or_else(|| "1".into())),
        );
        env
    }
}

/// A simulated unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct State {
    pub model: ModelInfo,
    /// This unit's name; `<charm-name>/0` when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub juju_version: String,
    pub leader: bool,
    /// Set config values; options not given take their declared defaults.
    pub config: BTreeMap<String, Value>,
    pub unit_status: Status,
    pub app_status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_version: Option<String>,
    pub machine: MachineModel,
    /// Relations, each with its databags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<Relation>,
    /// Ports this unit has opened: `80/tcp`, `8000-8100/udp`, `icmp`, or
    /// `{ports: 80/tcp, endpoints: [db]}` for some endpoints only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opened_ports: Vec<OpenedPort>,
    /// `network-get` answers by binding; a binding not listed gets 192.0.2.0/24.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Secrets this unit has been granted, and (with an `owner`) those it or its
    /// application owns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    /// Storage instances attached to the unit, each of a storage the metadata declares.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<Storage>,
    /// The application's unit count as `goal-state` plans it; this unit and its peers
    /// when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_units: Option<u32>,
    /// Whether the application is trusted with the cloud's credential (`--trust`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub trusted: bool,
    /// What `credential-get` answers, for a trusted application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_spec: Option<CloudSpec>,
    /// `unit-get`'s addresses; 192.0.2.0 when not given.
    #[serde(skip_serializing_if = "is_default")]
    pub addresses: Addresses,
    /// The machine this unit is on; `0` when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// For a subordinate charm, the unit it is attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_unit: Option<String>,
    /// File resources: their local paths by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, String>,
    /// Workload containers by name; a container the metadata declares and the state
    /// does not list is reachable, with no layers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub containers: BTreeMap<String, ContainerModel>,
    /// The unit's stored state: text values by key (`base64:` before bytes that are
    /// not UTF-8).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub stored: BTreeMap<String, String>,
    /// Events deferred by earlier dispatches, oldest first: `config-changed`,
    /// `{relation-changed: {endpoint: db, relation-id: 7, remote-app: pg}}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deferred: Vec<Event>,
    #[serde(skip_serializing_if = "EventDetails::is_empty")]
    pub event: EventDetails,
    /// What the guest's clocks and random numbers start from.
    #[serde(skip_serializing_if = "Clock::is_default")]
    pub clock: Clock,
}

/// The guest's time and randomness in a simulated run: fixed, so that a run gives the
/// same result on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Clock {
    /// When the run starts, as RFC 3339 (`2026-01-01T00:00:00Z`); the clocks advance a
    /// millisecond each time the guest reads them.
    #[serde(with = "rfc3339")]
    pub start: SystemTime,
    /// Where the guest's random numbers come from.
    pub seed: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            // 2026-01-01T00:00:00Z
            start: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600),
            seed: 0,
        }
    }
}

impl Clock {
    fn is_default(&self) -> bool {
        *self == Clock::default()
    }

    /// The start as time since the Unix epoch (zero for anything before it).
    pub fn since_epoch(&self) -> std::time::Duration {
        self.start
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
    }
}

mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "clock.start is {text:?}: {e}; expected a time such as 2026-01-01T00:00:00Z"
            ))
        })
    }
}

impl Default for State {
    fn default() -> Self {
        State {
            model: ModelInfo::default(),
            unit: None,
            juju_version: "3.6.4".into(),
            leader: false,
            config: BTreeMap::new(),
            unit_status: Status::default(),
            app_status: Status::default(),
            workload_version: None,
            machine: MachineModel::default(),
            relations: Vec::new(),
            opened_ports: Vec::new(),
            networks: BTreeMap::new(),
            secrets: Vec::new(),
            storage: Vec::new(),
            planned_units: None,
            trusted: false,
            cloud_spec: None,
            addresses: Addresses::default(),
            machine_id: None,
            availability_zone: None,
            principal_unit: None,
            resources: BTreeMap::new(),
            containers: BTreeMap::new(),
            stored: BTreeMap::new(),
            deferred: Vec::new(),
            event: EventDetails::default(),
            clock: Clock::default(),
        }
    }
}

/// Builders, for tests written in Rust: `State::default().leader(true).config("port", 2222)`.
impl State {
    pub fn leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }

    /// This unit's name, `<application>/<number>`.
    pub fn unit(mut self, name: &str) -> Self {
        self.unit = Some(name.into());
        self
    }

    /// Sets a config option; the ones not set keep their declared defaults.
    pub fn config(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    pub fn container(mut self, name: &str, container: ContainerModel) -> Self {
        self.containers.insert(name.into(), container);
        self
    }

    pub fn relation(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }

    pub fn machine(mut self, machine: MachineModel) -> Self {
        self.machine = machine;
        self
    }

    /// A stored-state value, as the charm's `store::save` would have left it.
    pub fn with_stored(mut self, key: &str, text: &str) -> Self {
        self.stored.insert(key.into(), text.into());
        self
    }

    /// An event an earlier dispatch deferred.
    pub fn deferred(mut self, event: Event) -> Self {
        self.deferred.push(event);
        self
    }

    /// The details Juju would give the event (relation id, remote unit, action
    /// parameters...).
    pub fn event(mut self, details: EventDetails) -> Self {
        self.event = details;
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl State {
    pub fn load(path: &Path) -> Result<Self, StateError> {
        let text = std::fs::read_to_string(path).map_err(|source| StateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|message| StateError::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        // An empty file is the default state.
        let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        if value.is_null() {
            return Ok(State::default());
        }
        serde_path_to_error::deserialize(value).map_err(|e| e.to_string())
    }

    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        serde_yaml::to_string(self)
    }

    /// The state as a report shows it: each secret value and cloud credential replaced by
    /// [`REDACTED`]. (The state written for the next run keeps them: it stands for
    /// Juju's own store.)
    pub fn redacted(&self) -> State {
        let mut state = self.clone();
        let hide = |bag: &mut BTreeMap<String, String>| {
            bag.values_mut().for_each(|v| *v = REDACTED.to_string())
        };
        for secret in &mut state.secrets {
            hide(&mut secret.content);
            if let Some(latest) = &mut secret.latest {
                hide(latest);
            }
        }
        if let Some(credential) = state
            .cloud_spec
            .as_mut()
            .and_then(|spec| spec.credential.as_mut())
        {
            hide(&mut credential.attrs);
        }
        for container in state.containers.values_mut() {
            for identity in container.identities.values_mut() {
                if let Some(basic) = &mut identity.basic {
                    basic.password = REDACTED.to_string();
                }
            }
        }
        state
    }

    pub fn unit_context(&self, meta: &Metadata) -> Result<UnitContext, StateError> {
        let unit_name = self
            .unit
            .clone()
            .unwrap_or_else(|| format!("{}/0", meta.name));
        let app_name = app_of(&unit_name)
            .ok_or_else(|| {
                StateError::Inconsistent(format!(
                    "unit is {unit_name:?}; expected <application>/<number>, e.g. {}/0",
                    meta.name
                ))
            })?
            .to_string();
        Ok(UnitContext {
            unit_name,
            app_name,
            model_name: self.model.name.clone(),
            model_uuid: self.model.uuid.clone(),
            juju_version: self.juju_version.clone(),
            // Juju gives a machine id to units on machines, not to Kubernetes pods.
            machine_id: self
                .machine_id
                .clone()
                .or_else(|| meta.containers.is_empty().then(|| "0".into())),
            availability_zone: self.availability_zone.clone(),
            principal_unit: self.principal_unit.clone(),
        })
    }

    /// The config `config-get` would report: declared defaults under the set values.
    pub fn effective_config(&self, meta: &Metadata) -> Result<Map<String, Value>, StateError> {
        let mut config = Map::new();
        for (key, option) in &meta.config {
            if let Some(default) = option.default.clone().filter(|d| !d.is_null()) {
                config.insert(key.clone(), default);
            }
        }
        for (key, value) in &self.config {
            let option = meta.config.get(key).ok_or_else(|| {
                StateError::Inconsistent(format!(
                    "config has `{key}`, which is not an option the charm declares ({})",
                    names(meta.config.keys())
                ))
            })?;
            if !option.kind.accepts(value) {
                return Err(StateError::Inconsistent(format!(
                    "config `{key}` is {value}, but the charm declares it as {}",
                    option.kind
                )));
            }
            config.insert(key.clone(), value.clone());
        }
        Ok(config)
    }

    /// The stored state as the host keeps it.
    pub fn stored(&self) -> Result<StoredState, StateError> {
        let mut values = BTreeMap::new();
        for (key, text) in &self.stored {
            let bytes = match text.strip_prefix("base64:") {
                Some(encoded) => {
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded)
                        .map_err(|e| {
                            StateError::Inconsistent(format!(
                                "stored `{key}` is not valid base64: {e}"
                            ))
                        })?
                }
                None => text.clone().into_bytes(),
            };
            values.insert(key.clone(), bytes);
        }
        Ok(StoredState::from_values(values, self.deferred.clone()))
    }

    /// Takes what Juju commits when a hook succeeds, besides stored state: relation
    /// data, opened ports, and which secret revisions the unit tracks.
    pub fn set_committed(&mut self, juju: &JujuModel) {
        self.relations = juju.relations.clone();
        self.opened_ports = juju.opened_ports.clone();
        self.secrets = juju.secrets.clone();
    }

    /// Takes the stored state a successful dispatch left.
    pub fn set_stored(&mut self, stored: &StoredState) -> Result<(), StoreError> {
        let mut stored = stored.clone();
        self.stored = stored
            .entries()?
            .iter()
            .map(|(k, v)| {
                let text = match std::str::from_utf8(v) {
                    Ok(text) if !text.starts_with("base64:") => text.to_string(),
                    _ => format!(
                        "base64:{}",
                        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, v)
                    ),
                };
                (k.clone(), text)
            })
            .collect();
        self.deferred = stored.deferred.clone();
        Ok(())
    }

    /// The event details as the environment Juju would set; a relation event's remote
    /// application comes from the relation the state gives, when not set.
    pub fn event_env(&self) -> impl Env + use<> {
        let mut env = self.event.env();
        // A storage event's location and kind from the instance the state gives.
        if let Some(storage) = self
            .event
            .storage_id
            .as_ref()
            .and_then(|id| self.storage.iter().find(|s| s.id() == *id))
        {
            env.entry("JUJU_STORAGE_LOCATION")
                .or_insert_with(|| storage.location());
            env.entry("JUJU_STORAGE_KIND")
                .or_insert_with(|| storage.kind.as_str().to_string());
        }
        if let Some(relation) = self
            .event
            .relation_id
            .and_then(|id| self.relations.iter().find(|r| r.id == id))
        {
            env.entry("JUJU_REMOTE_APP")
                .or_insert_with(|| relation.remote_app.clone());
        }
        move |name: &str| env.get(name).cloned()
    }

    /// An action's parameters: the declared defaults under those the state gives.
    pub fn action_params(&self, meta: &Metadata, action: &str) -> Result<Value, StateError> {
        let spec = meta.actions.get(action).cloned().unwrap_or_default();
        let mut params = serde_json::Map::new();
        for (name, schema) in &spec.params {
            if let Some(default) = schema.get("default") {
                params.insert(name.clone(), default.clone());
            }
        }
        for (name, value) in &self.event.params {
            let Some(schema) = spec.params.get(name) else {
                return Err(StateError::Inconsistent(format!(
                    "event.params has `{name}`, which action `{action}` does not declare ({})",
                    names(spec.params.keys())
                )));
            };
            let fits = match schema.get("type").and_then(Value::as_str) {
                Some("string") => value.is_string(),
                Some("integer") => value.is_i64() || value.is_u64(),
                Some("number") => value.is_number(),
                Some("boolean") => value.is_boolean(),
                Some("array") => value.is_array(),
                Some("object") => value.is_object(),
                _ => true,
            };
            if !fits {
                return Err(StateError::Inconsistent(format!(
                    "event.params `{name}` is {value}, but action `{action}` declares it as {}",
                    schema
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                )));
            }
            params.insert(name.clone(), value.clone());
        }
        Ok(Value::Object(params))
    }

    /// Simulated backends holding this state.
    pub fn simulate(&self, meta: &Metadata) -> Result<Simulation, StateError> {
        let unit = self.unit_context(meta)?;
        // Juju's applications are far smaller; goal-state lists each unit.
        const MOST_UNITS: u32 = 10_000;
        if self.planned_units.is_some_and(|n| n > MOST_UNITS) {
            return Err(StateError::Inconsistent(format!(
                "planned-units is at most {MOST_UNITS}"
            )));
        }
        let mut instances = std::collections::BTreeSet::new();
        for storage in &self.storage {
            if !meta.storage.contains(&storage.name) {
                return Err(StateError::Inconsistent(format!(
                    "storage has `{}`, which the charm's metadata does not declare ({})",
                    storage.name,
                    names(meta.storage.iter())
                )));
            }
            if !instances.insert(storage.id()) {
                return Err(StateError::Inconsistent(format!(
                    "storage has {} twice",
                    storage.id()
                )));
            }
        }
        if let Some(id) = &self.event.storage_id
            && !self.storage.is_empty()
            && !instances.contains(id)
        {
            return Err(StateError::Inconsistent(format!(
                "event.storage-id is {id}, which is not among the state's storage ({})",
                instances.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        let mut ids = std::collections::BTreeSet::new();
        for relation in &self.relations {
            if !meta.endpoints.contains_key(&relation.endpoint) {
                return Err(StateError::Inconsistent(format!(
                    "relation {} is on endpoint `{}`, which the charm's metadata does not \
                     declare ({})",
                    relation.id,
                    relation.endpoint,
                    names(meta.endpoints.keys())
                )));
            }
            if !ids.insert(relation.id) {
                return Err(StateError::Inconsistent(format!(
                    "two relations have the id {}",
                    relation.id
                )));
            }
        }
        let budget = Budget::default();
        Ok(Simulation {
            juju: SimJuju::new(JujuModel {
                leader: self.leader,
                config: self.effective_config(meta)?,
                unit_status: self.unit_status.clone(),
                app_status: self.app_status.clone(),
                workload_version: self.workload_version.clone(),
                unit_name: unit.unit_name,
                app_name: unit.app_name,
                relations: self.relations.clone(),
                peers: meta.peers.clone(),
                opened_ports: self.opened_ports.clone(),
                networks: self.networks.clone(),
                secrets: self.secrets.clone(),
                resources: self.resources.clone(),
                model_uuid: self.model.uuid.clone(),
                storage: self.storage.clone(),
                storage_declared: meta.storage.clone(),
                planned_units: self.planned_units,
                cloud_spec: self.cloud_spec.clone(),
                trusted: self.trusted,
                addresses: self.addresses.clone(),
                ..JujuModel::default()
            })
            .with_budget(budget.clone()),
            machine: SimMachine::new(self.machine.clone()).with_budget(budget.clone()),
            pebble: SimPebble::new(
                self.containers(meta)?
                    .into_iter()
                    .map(|(name, c)| (name, c.with_budget(budget.clone())))
                    .collect(),
            ),
        })
    }

    /// The simulated containers: every one the metadata declares.
    fn containers(&self, meta: &Metadata) -> Result<BTreeMap<String, SimContainer>, StateError> {
        if let Some(name) = self
            .containers
            .keys()
            .find(|c| !meta.containers.contains(c))
        {
            return Err(StateError::Inconsistent(format!(
                "containers has `{name}`, which the charm's metadata does not declare ({})",
                names(meta.containers.iter())
            )));
        }
        meta.containers
            .iter()
            .map(|name| {
                let model = self.containers.get(name).cloned().unwrap_or_default();
                SimContainer::from_model(name, &model)
                    .map(|c| (name.clone(), c))
                    .map_err(StateError::Inconsistent)
            })
            .collect()
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "it declares none".into()
    } else {
        format!("it declares {}", list.join(", "))
    }
}

/// The simulated backends of one run.
pub struct Simulation {
    pub juju: SimJuju,
    pub machine: SimMachine,
    pub pebble: SimPebble,
}

/// What happened in one container.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ContainerHappened {
    /// Each Pebble change, as `<kind>: <summary> (<status>)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Every command exec'd.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub execs: Vec<String>,
    /// Every signal sent, as `SIGHUP web`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
}

/// What a run did, besides changing the state.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Happened {
    /// `ok`, `failed`, or `ignored` for a hook the charm has no event for.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub unit_status_history: Vec<Status>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub app_status_history: Vec<Status>,
    /// The action's parameters, results, log and failure, when the event was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionRecord>,
    pub logs: Vec<LogLine>,
    /// Every command the machine ran (or, simulated, would have run), as a shell
    /// would show it.
    pub commands: Vec<String>,
    /// What the charm did in its workload containers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pebble: BTreeMap<String, ContainerHappened>,
    /// A reboot the charm asked Juju for (which Juju makes only if the hook succeeds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reboot: Option<RebootWhen>,
    /// Storage instances asked for with `storage-add`, by storage name (added only if
    /// the hook succeeds).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub storage_added: BTreeMap<String, u32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stderr: String,
}

impl Simulation {
    /// The state after the run. As on a real unit, status, logs and machine changes
    /// stand even when the handler failed.
    pub fn state_after(&self, before: &State) -> State {
        let juju = self.juju.model();
        let machine = self.machine.sim();
        State {
            unit_status: juju.unit_status.clone(),
            app_status: juju.app_status.clone(),
            workload_version: juju.workload_version.clone(),
            machine: machine.model.clone(),
            containers: self
                .pebble
                .containers()
                .iter()
                .map(|(name, c)| {
                    let before = before.containers.get(name).cloned().unwrap_or_default();
                    (name.clone(), c.to_model(&before.crash_on_start))
                })
                .collect(),
            event: EventDetails::default(),
            ..before.clone()
        }
    }

    pub fn happened(&self) -> Happened {
        let juju = self.juju.model();
        Happened {
            unit_status_history: juju.unit_status_history.clone(),
            app_status_history: juju.app_status_history.clone(),
            action: juju.action.clone(),
            logs: juju.logs.clone(),
            commands: self
                .machine
                .sim()
                .ran
                .iter()
                .map(|argv| display(argv))
                .collect(),
            pebble: self
                .pebble
                .containers()
                .iter()
                .map(|(name, c)| {
                    let happened = ContainerHappened {
                        changes: c
                            .daemon
                            .changes()
                            .iter()
                            .map(|ch| format!("{}: {} ({})", ch.kind, ch.summary, ch.status))
                            .collect(),
                        execs: c.exec_history.iter().map(|argv| display(argv)).collect(),
                        signals: c.signal_history.clone(),
                    };
                    (name.clone(), happened)
                })
                .filter(|(_, h)| {
                    !h.changes.is_empty() || !h.execs.is_empty() || !h.signals.is_empty()
                })
                .collect(),
            reboot: juju.reboot,
            storage_added: juju.storage_requested.clone(),
            ..Happened::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charm_dir::{ConfigOption, OptionType};

    fn meta() -> Metadata {
        Metadata {
            name: "demo".into(),
            config: [(
                "port".to_string(),
                ConfigOption {
                    kind: OptionType::Int,
                    default: Some(serde_json::json!(22)),
                    description: None,
                },
            )]
            .into(),
            ..Metadata::default()
        }
    }

    #[test]
    fn an_empty_state_is_the_default() {
        assert_eq!(State::parse("").unwrap(), State::default());
        assert_eq!(State::parse("# nothing\n").unwrap(), State::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = State::parse("leadr: true\n").unwrap_err();
        assert!(err.contains("unknown field `leadr`"), "{err}");
        let err = State::parse("machine: {services: {ssh: {runing: true}}}\n").unwrap_err();
        assert!(err.contains("unknown field `runing`"), "{err}");
    }

    #[test]
    fn config_is_checked_against_the_options() {
        let state = State::parse("config: {port: 2222}\n").unwrap();
        assert_eq!(state.effective_config(&meta()).unwrap()["port"], 2222);
        let defaults = State::default().effective_config(&meta()).unwrap();
        assert_eq!(defaults["port"], 22);
        let err = State::parse("config: {prot: 1}\n")
            .unwrap()
            .effective_config(&meta())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`prot`") && err.contains("it declares port"),
            "{err}"
        );
        let err = State::parse("config: {port: ssh}\n")
            .unwrap()
            .effective_config(&meta())
            .unwrap_err()
            .to_string();
        assert!(err.contains("declares it as int"), "{err}");
    }

    #[test]
    fn the_unit_defaults_from_the_charm_name() {
        let ctx = State::default().unit_context(&meta()).unwrap();
        assert_eq!(
            (ctx.unit_name.as_str(), ctx.app_name.as_str()),
            ("demo/0", "demo")
        );
        let bad = State {
            unit: Some("demo".into()),
            ..State::default()
        };
        assert!(bad.unit_context(&meta()).is_err());
    }
}
