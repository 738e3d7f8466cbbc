//! What Juju plans for the application (`goal-state`), the cloud it runs on
//! (`credential-get`), and what the unit may ask of Juju besides its status.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One unit or application as `goal-state` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct GoalStatus {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// `goal-state --format=json`: the application's units, and per endpoint the remote
/// applications and units it is to be related to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct GoalState {
    pub units: BTreeMap<String, GoalStatus>,
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

/// `credential-get --format=json`, in the words Juju prints (as `ops.CloudSpec` reads
/// them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct CloudSpec {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<CloudCredential>,
    #[serde(rename = "cacertificates", skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<String>,
    pub skip_tls_verify: bool,
    pub is_controller_cloud: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct CloudCredential {
    pub auth_type: String,
    pub attrs: BTreeMap<String, String>,
}

/// When `juju-reboot` reboots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RebootWhen {
    AfterHook,
    Now,
}

/// Which address `unit-get` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Private,
    Public,
}

impl AddressKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Private => "private-address",
            AddressKind::Public => "public-address",
        }
    }
}
