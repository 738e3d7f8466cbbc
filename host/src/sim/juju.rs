//! An in-memory Juju for `wasmcharm run`: the same answers the hook tools would give,
//! from a model the caller sets up and reads back.

use std::sync::{Arc, Mutex, MutexGuard};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::backends::error::BackendError;
use crate::backends::juju::{
    Address, BindAddress, HookTools, LogLevel, NetworkInfo, SecretInfo, SecretRef, SecretRevision,
    Status, Target,
};
use crate::sandbox::names::{ActionKey, BindingName, RelationMember, ResourceName};

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
}

/// A secret this unit has been granted, as a state file describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Secret {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The revision this unit tracks, and its content.
    pub revision: u32,
    pub content: BTreeMap<String, String>,
    /// A newer revision's content, if the owner has made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<BTreeMap<String, String>>,
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
    pub opened_ports: Vec<String>,
    /// Network info by binding; others get [`default_network`].
    pub networks: BTreeMap<String, NetworkInfo>,
    pub secrets: Vec<Secret>,
    /// Resource paths by name.
    pub resources: BTreeMap<String, String>,
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

    fn action(&mut self) -> Result<&mut ActionRecord, BackendError> {
        self.action
            .as_mut()
            .ok_or_else(|| BackendError::Unsupported("not running an action".into()))
    }
}

/// A [`HookTools`] over a shared [`JujuModel`]; the caller keeps a clone of the handle
/// to read the model after the guest has run.
#[derive(Debug, Clone, Default)]
pub struct SimJuju(Arc<Mutex<JujuModel>>);

impl SimJuju {
    pub fn new(model: JujuModel) -> Self {
        SimJuju(Arc::new(Mutex::new(model)))
    }

    pub fn model(&self) -> MutexGuard<'_, JujuModel> {
        // A guest trap cannot poison this lock: no host code panics while holding it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HookTools for SimJuju {
    fn status_set(&mut self, target: Target, status: &Status) -> Result<(), BackendError> {
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
        self.model().logs.push(LogLine {
            level,
            message: crate::sandbox::caps::cut_message(message).into_owned(),
        });
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
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
        let mut m = self.model();
        let action = m.action()?;
        action
            .results
            .extend(results.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.model().action()?.logs.push(message.to_string());
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.model().action()?.failed = Some(message.to_string());
        Ok(())
    }

    fn open_port(&mut self, spec: &str) -> Result<(), BackendError> {
        let mut m = self.model();
        if !m.opened_ports.iter().any(|p| p == spec) {
            m.opened_ports.push(spec.to_string());
        }
        Ok(())
    }

    fn close_port(&mut self, spec: &str) -> Result<(), BackendError> {
        self.model().opened_ports.retain(|p| p != spec);
        Ok(())
    }

    fn opened_ports(&mut self) -> Result<Vec<String>, BackendError> {
        Ok(self.model().opened_ports.clone())
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
                secret.revision += 1;
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
                expiry: None,
                rotation: None,
                revision: Some(secret.revision),
            },
        ))
    }

    fn resource_get(&mut self, name: &ResourceName) -> Result<String, BackendError> {
        self.model()
            .resources
            .get(name.as_str())
            .cloned()
            .ok_or_else(|| BackendError::NotFound(format!("resource {name:?} not found")))
    }
}
