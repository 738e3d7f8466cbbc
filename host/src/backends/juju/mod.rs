//! Juju's side of a unit: the hook tools (`status-set`, `config-get`, `juju-log`, ...).
//! [`real::HookToolsExec`] runs the tools Juju puts on PATH; [`crate::sim::juju::SimJuju`]
//! answers from an in-memory model for `wasmcharm run`.

pub mod model;
pub mod ports;
pub mod real;
pub mod secrets;
pub mod storage;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::sandbox::names::{
    ActionKey, BindingName, RelationMember, ResourceName, SecretUri, StorageId, StorageName,
    UnitName,
};

pub use model::{AddressKind, CloudSpec, GoalState, RebootWhen};
pub use ports::PortRange;
pub use secrets::{
    SecretContent, SecretInfo, SecretMetadata, SecretOwner, SecretRef, SecretRevision,
};
pub use storage::StorageInstance;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusKind {
    Active,
    Blocked,
    Maintenance,
    Waiting,
    #[default]
    Unknown,
    Error,
}

impl StatusKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Active => "active",
            StatusKind::Blocked => "blocked",
            StatusKind::Maintenance => "maintenance",
            StatusKind::Waiting => "waiting",
            StatusKind::Unknown => "unknown",
            StatusKind::Error => "error",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => StatusKind::Active,
            "blocked" => StatusKind::Blocked,
            "maintenance" => StatusKind::Maintenance,
            "waiting" => StatusKind::Waiting,
            "unknown" => StatusKind::Unknown,
            "error" => StatusKind::Error,
            _ => return None,
        })
    }

    /// Juju lets a charm set these; `unknown` and `error` are Juju's own.
    pub fn settable(self) -> bool {
        !matches!(self, StatusKind::Unknown | StatusKind::Error)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    #[serde(rename = "status")]
    pub kind: StatusKind,
    #[serde(default)]
    pub message: String,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.kind.as_str())
        } else {
            write!(f, "{} {:?}", self.kind.as_str(), self.message)
        }
    }
}

/// `network-get --format=json`, as Juju prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct NetworkInfo {
    pub bind_addresses: Vec<BindAddress>,
    pub ingress_addresses: Vec<String>,
    pub egress_subnets: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct BindAddress {
    pub interface_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    pub addresses: Vec<Address>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Address {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

/// Whose status: this unit's, or (leader only) the application's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Unit,
    App,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

/// The hook tools a charm reaches through the host. Each method is one tool call, made
/// only when the guest asks for it. What the charm named arrives parsed by its grammar
/// ([`crate::sandbox::names`]); relation references (`endpoint:id`) are the host's own.
pub trait HookTools: Send {
    /// No call may outlive this (the dispatch's deadline).
    fn set_deadline(&mut self, _deadline: std::time::Instant) {}

    fn status_set(&mut self, target: Target, status: &Status) -> Result<(), BackendError>;
    fn status_get(&mut self, target: Target) -> Result<Status, BackendError>;
    /// The charm's config as Juju reports it: set values and defaults, unset options
    /// without a default absent.
    fn config_get(&mut self) -> Result<serde_json::Map<String, serde_json::Value>, BackendError>;
    fn is_leader(&mut self) -> Result<bool, BackendError>;
    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError>;
    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError>;

    /// `relation-ids`: the relations on an endpoint, as `endpoint:id`.
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, BackendError>;
    /// `relation-list`: the remote units of a relation (`endpoint:id`).
    fn relation_units(&mut self, relation: &str) -> Result<Vec<String>, BackendError>;
    /// `relation-list --app`: the remote application.
    fn relation_remote_app(&mut self, relation: &str) -> Result<String, BackendError>;
    /// `relation-get`: a unit's or (with `app`) an application's databag.
    fn relation_get(
        &mut self,
        relation: &str,
        member: &RelationMember,
        app: bool,
    ) -> Result<BTreeMap<String, String>, BackendError>;
    /// `relation-set`: this unit's or (with `app`) this application's databag; an empty
    /// value deletes the key.
    fn relation_set(
        &mut self,
        relation: &str,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), BackendError>;

    /// `action-get`: the running action's parameters.
    fn action_get(&mut self) -> Result<serde_json::Value, BackendError>;
    /// `action-set`: results with dotted keys.
    fn action_set(&mut self, results: &[(ActionKey, String)]) -> Result<(), BackendError>;
    fn action_log(&mut self, message: &str) -> Result<(), BackendError>;
    fn action_fail(&mut self, message: &str) -> Result<(), BackendError>;

    /// `open-port` / `close-port`, on the given endpoints or (none given) all.
    fn open_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError>;
    fn close_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError>;
    /// `opened-ports`.
    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError>;

    /// `network-get`, optionally for a relation (`endpoint:id`).
    fn network_get(
        &mut self,
        binding: &BindingName,
        relation: Option<&str>,
    ) -> Result<NetworkInfo, BackendError>;

    /// `secret-get` by id and/or label.
    fn secret_get(
        &mut self,
        secret: &SecretRef,
        revision: SecretRevision,
    ) -> Result<BTreeMap<String, String>, BackendError>;
    /// `secret-info-get` by id or label: the secret's id and what Juju knows of it.
    fn secret_info(&mut self, secret: &SecretRef) -> Result<(String, SecretInfo), BackendError>;

    /// `secret-add`: a new secret; its id.
    fn secret_add(
        &mut self,
        content: &SecretContent,
        metadata: &SecretMetadata,
        owner: SecretOwner,
    ) -> Result<SecretUri, BackendError>;
    /// `secret-set`: new content (a revision, unless unchanged) and/or metadata.
    fn secret_set(
        &mut self,
        id: &SecretUri,
        content: Option<&SecretContent>,
        metadata: &SecretMetadata,
    ) -> Result<(), BackendError>;
    /// `secret-grant` to a relation's remote application, or one of its units.
    fn secret_grant(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError>;
    fn secret_revoke(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError>;
    /// `secret-remove`: one revision, or the secret.
    fn secret_remove(&mut self, id: &SecretUri, revision: Option<u32>) -> Result<(), BackendError>;
    /// `secret-ids`: the secrets this unit and its application own.
    fn secret_ids(&mut self) -> Result<Vec<SecretUri>, BackendError>;

    /// `resource-get`: the resource's local path.
    fn resource_get(&mut self, name: &ResourceName) -> Result<String, BackendError>;

    /// `storage-list`: the attached instances, of one storage or all.
    fn storage_list(&mut self, name: Option<&StorageName>) -> Result<Vec<StorageId>, BackendError>;
    /// `storage-get`: where an instance is.
    fn storage_get(&mut self, id: &StorageId) -> Result<StorageInstance, BackendError>;
    /// `storage-add NAME=COUNT`.
    fn storage_add(&mut self, name: &StorageName, count: u32) -> Result<(), BackendError>;

    fn goal_state(&mut self) -> Result<GoalState, BackendError>;
    /// `credential-get`: the cloud spec, for a trusted application.
    fn credential_get(&mut self) -> Result<CloudSpec, BackendError>;
    fn juju_reboot(&mut self, when: RebootWhen) -> Result<(), BackendError>;
    /// `unit-get private-address` / `public-address`.
    fn unit_get(&mut self, kind: AddressKind) -> Result<String, BackendError>;
    /// `relation-model-get`: the UUID of the model on a relation's other side.
    fn relation_model_uuid(&mut self, relation: &str) -> Result<String, BackendError>;
}
