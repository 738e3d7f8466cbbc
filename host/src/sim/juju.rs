//! An in-memory Juju for `wasmcharm run`: the same answers the hook tools would give,
//! from a model the caller sets up and reads back.

use std::sync::{Arc, Mutex, MutexGuard};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::backends::error::BackendError;
use crate::backends::juju::model::GoalStatus;
use crate::backends::juju::secrets::RotatePolicy;
use crate::backends::juju::storage::StorageKind;
use crate::backends::juju::{
    Address, AddressKind, BindAddress, CloudSpec, GoalState, HookTools, LogLevel, NetworkInfo,
    PortRange, RebootWhen, SecretContent, SecretInfo, SecretMetadata, SecretOwner, SecretRef,
    SecretRevision, Status, StorageInstance, Target,
};
use crate::sandbox::names::{
    ActionKey, BindingName, RelationMember, ResourceName, SecretUri, StorageId, StorageName,
    UnitName,
};
use crate::sim::budget::Budget;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}

/// One relation as a state file describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Relation {
    pub id: u32,
    pub endpoint: String,
    pub remote_app: String,
    /// Remote units and their databags.
    pub remote_units: BTreeMap<String, BTreeMap<String, String>>,
    pub remote_app_data: BTreeMap<String, String>,
    pub local_unit_data: BTreeMap<String, String>,
    pub local_app_data: BTreeMap<String, String>,
    /// The UUID of the model the remote application is in; this model's when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_model_uuid: Option<String>,
}

/// A secret, as a state file describes it: one this unit has been granted, or (with an
/// `owner`) one this unit or its application owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Secret {
    pub id: String,
    /// Set for a secret this unit (`unit`) or its application (`application`) owns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<SecretOwner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotatePolicy>,
    /// The revision this unit tracks (the newest, for an owned secret), and its content.
    pub revision: u32,
    pub content: BTreeMap<String, String>,
    /// A newer revision's content, if the owner has made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<BTreeMap<String, String>>,
    /// An owned secret's revisions still kept; `[revision]` when not given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<u32>,
    /// An owned secret's grants: relation id to the applications and units it is
    /// granted to there.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub grants: BTreeMap<u32, Vec<String>>,
    /// An owned secret's consumers, as Juju knows them: each unit that reads it, and the
    /// revision it tracks. Juju sends `secret-remove` for a revision none tracks.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub consumers: BTreeMap<String, u32>,
}

impl Secret {
    pub fn kept_revisions(&self) -> Vec<u32> {
        if self.revisions.is_empty() {
            vec![self.revision]
        } else {
            self.revisions.clone()
        }
    }
}

/// A port the unit has opened, on every endpoint or on some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedPort {
    pub range: PortRange,
    /// Empty: every endpoint.
    pub endpoints: Vec<String>,
}

/// `80/tcp`, or `{ports: 80/tcp, endpoints: [db]}`.
impl Serialize for OpenedPort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct OnEndpoints<'a> {
            ports: PortRange,
            endpoints: &'a [String],
        }
        if self.endpoints.is_empty() {
            self.range.serialize(s)
        } else {
            OnEndpoints {
                ports: self.range,
                endpoints: &self.endpoints,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for OpenedPort {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct On {
            ports: PortRange,
            endpoints: Vec<String>,
        }
        let value = serde_yaml::Value::deserialize(d)?;
        if value.is_string() {
            let range = PortRange::deserialize(value).map_err(serde::de::Error::custom)?;
            return Ok(OpenedPort {
                range,
                endpoints: Vec::new(),
            });
        }
        let on = On::deserialize(value).map_err(|e| {
            serde::de::Error::custom(format!(
                "an opened port is `80/tcp` or {{ports: 80/tcp, endpoints: [NAME...]}}: {e}"
            ))
        })?;
        Ok(OpenedPort {
            range: on.ports,
            endpoints: on.endpoints,
        })
    }
}

/// A storage instance attached to the simulated unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Storage {
    pub name: String,
    #[serde(default)]
    pub index: u32,
    #[serde(default = "filesystem")]
    pub kind: StorageKind,
    /// Where it is mounted; `/var/lib/juju/storage/NAME/INDEX` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

fn filesystem() -> StorageKind {
    StorageKind::Filesystem
}

impl Storage {
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }

    pub fn location(&self) -> String {
        self.location
            .clone()
            .unwrap_or_else(|| format!("/var/lib/juju/storage/{}/{}", self.name, self.index))
    }
}

/// This unit's addresses, as `unit-get` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Addresses {
    pub private: String,
    pub public: String,
}

impl Default for Addresses {
    fn default() -> Self {
        Addresses {
            private: "192.0.2.0".into(),
            public: "192.0.2.0".into(),
        }
    }
}

/// What a simulated action did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ActionRecord {
    pub params: serde_json::Value,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// The simulated unit as Juju sees it, and what the charm did to it.
#[derive(Debug, Clone, Default)]
pub struct JujuModel {
    pub leader: bool,
    /// Effective config: set values over the declared defaults.
    pub config: Map<String, Value>,
    pub unit_status: Status,
    pub app_status: Status,
    pub workload_version: Option<String>,
    /// Every status the charm set, in order.
    pub unit_status_history: Vec<Status>,
    pub app_status_history: Vec<Status>,
    pub logs: Vec<LogLine>,
    pub unit_name: String,
    pub app_name: String,
    pub relations: Vec<Relation>,
    /// Endpoints that are peer relations.
    pub peers: Vec<String>,
    /// The running action, if the event is one.
    pub action: Option<ActionRecord>,
    pub opened_ports: Vec<OpenedPort>,
    /// Network info by binding; others get [`default_network`].
    pub networks: BTreeMap<String, NetworkInfo>,
    pub secrets: Vec<Secret>,
    /// Resource paths by name.
    pub resources: BTreeMap<String, String>,
    pub model_uuid: String,
    /// Storage instances attached to the unit.
    pub storage: Vec<Storage>,
    /// Instances asked for with `storage-add`, by storage name.
    pub storage_requested: BTreeMap<String, u32>,
    /// The storage names the metadata declares.
    pub storage_declared: Vec<String>,
    /// The application's unit count, for `goal-state`; this unit and its peers when none.
    pub planned_units: Option<u32>,
    /// `credential-get`'s answer, and whether the application is trusted with it.
    pub cloud_spec: Option<CloudSpec>,
    pub trusted: bool,
    /// A reboot the charm asked for.
    pub reboot: Option<RebootWhen>,
    pub addresses: Addresses,
}

/// What `network-get` answers for a binding the state does not describe (as Scenario).
pub fn default_network() -> NetworkInfo {
    NetworkInfo {
        bind_addresses: vec![BindAddress {
            interface_name: "eth0".into(),
            mac_address: None,
            addresses: vec![Address {
                value: "192.0.2.0".into(),
                cidr: Some("192.0.2.0/24".into()),
                hostname: None,
            }],
        }],
        ingress_addresses: vec!["192.0.2.0".into()],
        egress_subnets: vec!["192.0.2.0/24".into()],
    }
}

impl JujuModel {
    fn relation(&mut self, reference: &str) -> Result<&mut Relation, BackendError> {
        let id: Option<u32> = reference.rsplit(':').next().and_then(|n| n.parse().ok());
        self.relations
            .iter_mut()
            .find(|r| Some(r.id) == id)
            .ok_or_else(|| BackendError::NotFound(format!("relation {reference} not found")))
    }

    fn secret(&mut self, secret: &SecretRef) -> Result<&mut Secret, BackendError> {
        let id = secret.id().map(|id| id.canonical());
        let label = secret.label().map(|l| l.as_str());
        self.secrets
            .iter_mut()
            .find(|s| match &id {
                Some(id) => s.id == *id,
                None => s.label.as_deref() == label,
            })
            .ok_or_else(|| {
                BackendError::NotFound(format!(
                    "secret {} not found",
                    id.as_deref().or(label).unwrap_or_default()
                ))
            })
    }

    /// A secret this unit or its application owns; the application's only to the leader
    /// when `manage`.
    fn owned(&mut self, id: &SecretUri, manage: bool) -> Result<&mut Secret, BackendError> {
        let leader = self.leader;
        let id = id.canonical();
        let secret = self
            .secrets
            .iter_mut()
            .find(|s| s.id == id && s.owner.is_some())
            .ok_or_else(|| {
                BackendError::NotFound(format!("secret {id} not found among those this unit owns"))
            })?;
        if manage && secret.owner == Some(SecretOwner::Application) && !leader {
            return Err(BackendError::PermissionDenied(format!(
                "secret {id} belongs to the application: only the leader may change it"
            )));
        }
        Ok(secret)
    }

    fn label_taken(&self, label: &str, except: Option<&str>) -> Result<(), BackendError> {
        if self
            .secrets
            .iter()
            .any(|s| s.label.as_deref() == Some(label) && Some(s.id.as_str()) != except)
        {
            return Err(BackendError::InvalidInput(format!(
                "a secret labelled {label:?} already exists"
            )));
        }
        Ok(())
    }

    /// A fresh id, of Juju's form, not among the secrets the state has.
    fn new_secret_id(&self) -> String {
        let mut n = self.secrets.len() as u64 + 1;
        loop {
            let id = format!("secret:cs{n:018}");
            if !self.secrets.iter().any(|s| s.id == id) {
                return id;
            }
            n += 1;
        }
    }

    fn check_storage_name(&self, name: &StorageName) -> Result<(), BackendError> {
        if self.storage_declared.iter().any(|s| s == name.as_str()) {
            Ok(())
        } else {
            Err(BackendError::NotFound(format!(
                "storage {name:?} not found: the charm's metadata declares {}",
                if self.storage_declared.is_empty() {
                    "no storage".to_string()
                } else {
                    self.storage_declared.join(", ")
                }
            )))
        }
    }

    fn action(&mut self) -> Result<&mut ActionRecord, BackendError> {
        self.action
            .as_mut()
            .ok_or_else(|| BackendError::Unsupported("not running an action".into()))
    }
}

/// A [`HookTools`] over a shared [`JujuModel`]; the caller keeps a clone of the handle
/// to read the model after the guest has run.
#[derive(Debug, Clone, Default)]
pub struct SimJuju(Arc<Mutex<JujuModel>>, Budget);

impl SimJuju {
    pub fn new(model: JujuModel) -> Self {
        SimJuju(Arc::new(Mutex::new(model)), Budget::default())
    }

    /// Charges what the charm stores to `budget`, shared with the unit's other backends.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.1 = budget;
        self
    }

    fn charge(&self, bytes: usize, what: &str) -> Result<(), BackendError> {
        self.1.take(bytes, what).map_err(BackendError::InvalidInput)
    }

    pub fn model(&self) -> MutexGuard<'_, JujuModel> {
        // A guest trap cannot poison this lock: no host code panics while holding it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HookTools for SimJuju {
    fn status_set(&mut self, target: Target, status: &Status) -> Result<(), BackendError> {
        self.charge(status.message.len() + 16, "a status")?;
        let mut m = self.model();
        match target {
            Target::Unit => {
                m.unit_status = status.clone();
                m.unit_status_history.push(status.clone());
            }
            Target::App => {
                if !m.leader {
                    return Err(BackendError::PermissionDenied(
                        "only the leader may set the application status".into(),
                    ));
                }
                m.app_status = status.clone();
                m.app_status_history.push(status.clone());
            }
        }
        Ok(())
    }

    fn status_get(&mut self, target: Target) -> Result<Status, BackendError> {
        let m = self.model();
        Ok(match target {
            Target::Unit => m.unit_status.clone(),
            Target::App => m.app_status.clone(),
        })
    }

    fn config_get(&mut self) -> Result<Map<String, Value>, BackendError> {
        Ok(self.model().config.clone())
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        Ok(self.model().leader)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        let message = crate::sandbox::caps::cut_message(message).into_owned();
        self.charge(message.len() + 16, "a log line")?;
        self.model().logs.push(LogLine { level, message });
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.charge(version.len(), "a workload version")?;
        self.model().workload_version = Some(version.to_string());
        Ok(())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, BackendError> {
        Ok(self
            .model()
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .map(|r| format!("{}:{}", r.endpoint, r.id))
            .collect())
    }

    fn relation_units(&mut self, relation: &str) -> Result<Vec<String>, BackendError> {
        Ok(self
            .model()
            .relation(relation)?
            .remote_units
            .keys()
            .cloned()
            .collect())
    }

    fn relation_remote_app(&mut self, relation: &str) -> Result<String, BackendError> {
        Ok(self.model().relation(relation)?.remote_app.clone())
    }

    fn relation_get(
        &mut self,
        relation: &str,
        member: &RelationMember,
        app: bool,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let member = member.as_str();
        let mut m = self.model();
        let (unit_name, app_name, leader) = (m.unit_name.clone(), m.app_name.clone(), m.leader);
        let peer = {
            let endpoint = m.relation(relation)?.endpoint.clone();
            m.peers.contains(&endpoint)
        };
        let r = m.relation(relation)?;
        let bag = match (app, member) {
            (false, unit) if unit == unit_name => &r.local_unit_data,
            (true, a) if a == app_name => {
                if !leader && !peer {
                    return Err(BackendError::PermissionDenied(
                        "only the leader may read its own application databag (except on \
                         peer relations)"
                            .into(),
                    ));
                }
                &r.local_app_data
            }
            (true, a) if a == r.remote_app => &r.remote_app_data,
            (false, unit) => r.remote_units.get(unit).ok_or_else(|| {
                BackendError::NotFound(format!("unit {unit} is not in relation {relation}"))
            })?,
            (true, a) => {
                return Err(BackendError::NotFound(format!(
                    "application {a} is not in relation {relation}"
                )));
            }
        };
        Ok(bag.clone())
    }

    fn relation_set(
        &mut self,
        relation: &str,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), BackendError> {
        let size: usize = data.iter().map(|(k, v)| k.len() + v.len() + 16).sum();
        self.charge(size, "relation data")?;
        let mut m = self.model();
        let leader = m.leader;
        let r = m.relation(relation)?;
        let bag = if app {
            if !leader {
                return Err(BackendError::PermissionDenied(
                    "only the leader may write the application databag".into(),
                ));
            }
            &mut r.local_app_data
        } else {
            &mut r.local_unit_data
        };
        for (key, value) in data {
            if value.is_empty() {
                bag.remove(key);
            } else {
                bag.insert(key.clone(), value.clone());
            }
        }
        Ok(())
    }

    fn action_get(&mut self) -> Result<serde_json::Value, BackendError> {
        Ok(self.model().action()?.params.clone())
    }

    fn action_set(&mut self, results: &[(ActionKey, String)]) -> Result<(), BackendError> {
        let size: usize = results.iter().map(|(k, v)| k.len() + v.len() + 16).sum();
        self.charge(size, "action results")?;
        let mut m = self.model();
        let action = m.action()?;
        action
            .results
            .extend(results.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.charge(message.len() + 16, "an action log line")?;
        self.model().action()?.logs.push(message.to_string());
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.charge(message.len(), "an action's failure")?;
        self.model().action()?.failed = Some(message.to_string());
        Ok(())
    }

    fn open_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError> {
        let size: usize = endpoints.iter().map(|e| e.len() + 16).sum();
        self.charge(size + 32, "an opened port")?;
        let mut m = self.model();
        let endpoints: Vec<String> = endpoints.iter().map(|e| e.to_string()).collect();
        match m.opened_ports.iter_mut().find(|p| p.range == range) {
            // Open everywhere now, or already.
            Some(port) if endpoints.is_empty() || port.endpoints.is_empty() => {
                if endpoints.is_empty() {
                    port.endpoints.clear();
                }
            }
            Some(port) => {
                for endpoint in endpoints {
                    if !port.endpoints.contains(&endpoint) {
                        port.endpoints.push(endpoint);
                    }
                }
                port.endpoints.sort();
            }
            None => m.opened_ports.push(OpenedPort { range, endpoints }),
        }
        Ok(())
    }

    fn close_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError> {
        let mut m = self.model();
        if endpoints.is_empty() {
            m.opened_ports.retain(|p| p.range != range);
        } else if let Some(port) = m.opened_ports.iter_mut().find(|p| p.range == range) {
            if port.endpoints.is_empty() {
                return Err(BackendError::InvalidInput(format!(
                    "{range} is open on every endpoint: close it on all, not on some"
                )));
            }
            port.endpoints
                .retain(|e| !endpoints.iter().any(|c| c.as_str() == e));
            if port.endpoints.is_empty() {
                m.opened_ports.retain(|p| p.range != range);
            }
        }
        Ok(())
    }

    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError> {
        Ok(self.model().opened_ports.iter().map(|p| p.range).collect())
    }

    fn network_get(
        &mut self,
        binding: &BindingName,
        _relation: Option<&str>,
    ) -> Result<NetworkInfo, BackendError> {
        Ok(self
            .model()
            .networks
            .get(binding.as_str())
            .cloned()
            .unwrap_or_else(default_network))
    }

    fn secret_get(
        &mut self,
        secret: &SecretRef,
        revision: SecretRevision,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let mut m = self.model();
        let secret = m.secret(secret)?;
        Ok(match (revision, secret.latest.clone()) {
            (SecretRevision::Tracked, _) | (_, None) => secret.content.clone(),
            (SecretRevision::Peek, Some(latest)) => latest,
            (SecretRevision::Refresh, Some(latest)) => {
                secret.content = latest.clone();
                secret.revision = secret.revision.saturating_add(1);
                secret.latest = None;
                latest
            }
        })
    }

    fn secret_info(&mut self, secret: &SecretRef) -> Result<(String, SecretInfo), BackendError> {
        let mut m = self.model();
        let secret = m.secret(secret)?;
        Ok((
            secret.id.clone(),
            SecretInfo {
                label: secret.label.clone(),
                description: secret.description.clone(),
                expiry: secret.expiry.clone(),
                rotation: secret.rotation.map(|r| r.as_str().to_string()),
                rotates: None,
                revision: Some(secret.revision),
                owner: secret.owner,
            },
        ))
    }

    fn secret_add(
        &mut self,
        content: &SecretContent,
        metadata: &SecretMetadata,
        owner: SecretOwner,
    ) -> Result<SecretUri, BackendError> {
        let size: usize = content.iter().map(|(k, v)| k.len() + v.len() + 16).sum();
        self.charge(size + 256, "a secret")?;
        let mut m = self.model();
        if owner == SecretOwner::Application && !m.leader {
            return Err(BackendError::PermissionDenied(
                "only the leader may create a secret the application owns".into(),
            ));
        }
        if let Some(label) = &metadata.label {
            m.label_taken(label, None)?;
        }
        let id = m.new_secret_id();
        let mut secret = Secret {
            id: id.clone(),
            owner: Some(owner),
            revision: 1,
            content: content.to_map(),
            revisions: vec![1],
            ..Secret::default()
        };
        apply_metadata(&mut secret, metadata);
        m.secrets.push(secret);
        SecretUri::parse(&id).map_err(|e| BackendError::InvalidInput(e.to_string()))
    }

    fn secret_set(
        &mut self,
        id: &SecretUri,
        content: Option<&SecretContent>,
        metadata: &SecretMetadata,
    ) -> Result<(), BackendError> {
        let size: usize = content
            .map(|c| c.iter().map(|(k, v)| k.len() + v.len() + 16).sum())
            .unwrap_or(0);
        self.charge(size + 256, "a secret's new revision")?;
        let mut m = self.model();
        if let Some(label) = &metadata.label {
            m.label_taken(label, Some(&id.canonical()))?;
        }
        let secret = m.owned(id, true)?;
        if let Some(content) = content.map(SecretContent::to_map) {
            // Juju 3.6: the same content again is no new revision.
            if content != secret.content {
                let mut kept = secret.kept_revisions();
                secret.revision = kept
                    .iter()
                    .max()
                    .copied()
                    .unwrap_or(secret.revision)
                    .checked_add(1)
                    .ok_or_else(|| {
                        BackendError::InvalidInput(format!("secret {id} has no revision left"))
                    })?;
                kept.push(secret.revision);
                secret.revisions = kept;
                secret.content = content;
            }
        }
        apply_metadata(secret, metadata);
        Ok(())
    }

    fn secret_grant(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError> {
        self.charge(64, "a grant")?;
        let mut m = self.model();
        let (relation_id, grantee) = access(&mut m, relation, unit)?;
        let secret = m.owned(id, true)?;
        let grantees = secret.grants.entry(relation_id).or_default();
        if !grantees.contains(&grantee) {
            grantees.push(grantee);
            grantees.sort();
        }
        Ok(())
    }

    fn secret_revoke(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError> {
        let mut m = self.model();
        let (relation_id, grantee) = access(&mut m, relation, unit)?;
        let secret = m.owned(id, true)?;
        if let Some(grantees) = secret.grants.get_mut(&relation_id) {
            grantees.retain(|g| *g != grantee);
            if grantees.is_empty() {
                secret.grants.remove(&relation_id);
            }
        }
        Ok(())
    }

    fn secret_remove(&mut self, id: &SecretUri, revision: Option<u32>) -> Result<(), BackendError> {
        let mut m = self.model();
        let secret = m.owned(id, true)?;
        let id = secret.id.clone();
        if let Some(revision) = revision {
            let mut kept = secret.kept_revisions();
            if !kept.contains(&revision) {
                return Err(BackendError::NotFound(format!(
                    "secret {id} has no revision {revision} (it keeps {kept:?})"
                )));
            }
            kept.retain(|r| *r != revision);
            if !kept.is_empty() {
                secret.revisions = kept;
                return Ok(());
            }
        }
        m.secrets.retain(|s| s.id != id);
        Ok(())
    }

    fn secret_ids(&mut self) -> Result<Vec<SecretUri>, BackendError> {
        self.model()
            .secrets
            .iter()
            .filter(|s| s.owner.is_some())
            .map(|s| SecretUri::parse(&s.id).map_err(|e| BackendError::InvalidInput(e.to_string())))
            .collect()
    }

    fn storage_list(&mut self, name: Option<&StorageName>) -> Result<Vec<StorageId>, BackendError> {
        let m = self.model();
        if let Some(name) = name {
            m.check_storage_name(name)?;
        }
        m.storage
            .iter()
            .filter(|s| name.is_none_or(|n| n.as_str() == s.name))
            .map(|s| {
                StorageName::parse(&s.name)
                    .map(|name| StorageId::new(name, s.index))
                    .map_err(|e| BackendError::InvalidInput(e.to_string()))
            })
            .collect()
    }

    fn storage_get(&mut self, id: &StorageId) -> Result<StorageInstance, BackendError> {
        let m = self.model();
        m.storage
            .iter()
            .find(|s| s.name == id.name().as_str() && s.index == id.index())
            .map(|s| StorageInstance {
                kind: s.kind,
                location: s.location(),
            })
            .ok_or_else(|| BackendError::NotFound(format!("storage {id} not found")))
    }

    fn storage_add(&mut self, name: &StorageName, count: u32) -> Result<(), BackendError> {
        let mut m = self.model();
        m.check_storage_name(name)?;
        if count == 0 {
            return Err(BackendError::InvalidInput(
                "storage-add needs a count of at least 1".into(),
            ));
        }
        let requested = m.storage_requested.entry(name.to_string()).or_default();
        *requested = requested.saturating_add(count);
        Ok(())
    }

    fn goal_state(&mut self) -> Result<GoalState, BackendError> {
        let m = self.model();
        let active = || GoalStatus {
            status: "active".into(),
            since: None,
        };
        let mut units = BTreeMap::new();
        match m.planned_units {
            Some(n) => {
                for i in 0..n {
                    units.insert(format!("{}/{i}", m.app_name), active());
                }
            }
            None => {
                units.insert(m.unit_name.clone(), active());
                for r in m.relations.iter().filter(|r| m.peers.contains(&r.endpoint)) {
                    for unit in r.remote_units.keys() {
                        units.insert(unit.clone(), active());
                    }
                }
            }
        }
        let mut relations: BTreeMap<String, BTreeMap<String, GoalStatus>> = BTreeMap::new();
        for r in m
            .relations
            .iter()
            .filter(|r| !m.peers.contains(&r.endpoint))
        {
            let joined = || GoalStatus {
                status: "joined".into(),
                since: None,
            };
            let members = relations.entry(r.endpoint.clone()).or_default();
            members.insert(r.remote_app.clone(), joined());
            for unit in r.remote_units.keys() {
                members.insert(unit.clone(), joined());
            }
        }
        Ok(GoalState { units, relations })
    }

    fn credential_get(&mut self) -> Result<CloudSpec, BackendError> {
        let m = self.model();
        if !m.trusted {
            return Err(BackendError::PermissionDenied(
                "Juju gives the cloud's credential only to a trusted application (`juju trust \
                 APP` or `juju deploy --trust`); the state's `trusted` is false"
                    .into(),
            ));
        }
        m.cloud_spec.clone().ok_or_else(|| {
            BackendError::NotFound("the state gives no `cloud-spec` for credential-get".into())
        })
    }

    fn juju_reboot(&mut self, when: RebootWhen) -> Result<(), BackendError> {
        let mut m = self.model();
        // `now` wins over a reboot after the hook.
        if m.reboot != Some(RebootWhen::Now) {
            m.reboot = Some(when);
        }
        Ok(())
    }

    fn unit_get(&mut self, kind: AddressKind) -> Result<String, BackendError> {
        let m = self.model();
        Ok(match kind {
            AddressKind::Private => m.addresses.private.clone(),
            AddressKind::Public => m.addresses.public.clone(),
        })
    }

    fn relation_model_uuid(&mut self, relation: &str) -> Result<String, BackendError> {
        let mut m = self.model();
        let uuid = m.model_uuid.clone();
        Ok(m.relation(relation)?
            .remote_model_uuid
            .clone()
            .unwrap_or(uuid))
    }

    fn resource_get(&mut self, name: &ResourceName) -> Result<String, BackendError> {
        self.model()
            .resources
            .get(name.as_str())
            .cloned()
            .ok_or_else(|| {
                BackendError::NotFound(format!("resource `{}` not found", name.as_str()))
            })
    }
}

fn apply_metadata(secret: &mut Secret, metadata: &SecretMetadata) {
    if let Some(label) = &metadata.label {
        secret.label = Some(label.to_string());
    }
    if let Some(description) = &metadata.description {
        secret.description = Some(description.as_str().to_string());
    }
    if let Some(expire) = &metadata.expire {
        secret.expiry = Some(expire.to_string());
    }
    if let Some(rotate) = metadata.rotate {
        secret.rotation = Some(rotate);
    }
}

/// The relation's id and who in it a grant names: one of its remote units, or its
/// remote application.
fn access(
    m: &mut JujuModel,
    relation: &str,
    unit: Option<&UnitName>,
) -> Result<(u32, String), BackendError> {
    let r = m.relation(relation)?;
    let grantee = match unit {
        Some(unit) if r.remote_units.contains_key(unit.as_str()) => unit.to_string(),
        Some(unit) => {
            return Err(BackendError::NotFound(format!(
                "unit {unit} is not in relation {relation}"
            )));
        }
        None => r.remote_app.clone(),
    };
    Ok((r.id, grantee))
}
