//! Juju's side of a unit: the hook tools (`status-set`, `config-get`, `juju-log`, ...).
//! [`real::HookToolsExec`] runs the tools Juju puts on PATH; [`crate::sim::juju::SimJuju`]
//! answers from an in-memory model for `wasmcharm run`.

pub mod real;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::sandbox::names::{
    ActionKey, BindingName, RelationMember, ResourceName, SecretLabel, SecretUri,
};

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

/// One secret as `secret-info-get` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct SecretInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
}

/// Which revision of a secret `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRevision {
    Tracked,
    Refresh,
    Peek,
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

/// A secret as a charm names it: by its id, its label, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Id(SecretUri),
    Label(SecretLabel),
    Both(SecretUri, SecretLabel),
}

impl SecretRef {
    pub fn id(&self) -> Option<&SecretUri> {
        match self {
            SecretRef::Id(id) | SecretRef::Both(id, _) => Some(id),
            SecretRef::Label(_) => None,
        }
    }

    pub fn label(&self) -> Option<&SecretLabel> {
        match self {
            SecretRef::Label(label) | SecretRef::Both(_, label) => Some(label),
            SecretRef::Id(_) => None,
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

    /// `open-port` / `close-port` with a spec such as `80/tcp`, `8000-8100/udp`, `icmp`.
    fn open_port(&mut self, spec: &str) -> Result<(), BackendError>;
    fn close_port(&mut self, spec: &str) -> Result<(), BackendError>;
    /// `opened-ports`, as specs.
    fn opened_ports(&mut self) -> Result<Vec<String>, BackendError>;

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

    /// `resource-get`: the resource's local path.
    fn resource_get(&mut self, name: &ResourceName) -> Result<String, BackendError>;
}
