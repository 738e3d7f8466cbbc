//! Pebble, the service manager in every Kubernetes workload container: its layer
//! schema and plan semantics ([`layer`], [`plan`]), one simulated daemon with Pebble's
//! outcomes ([`daemon`]), and the backends a charm's `pebble` calls go to: the real
//! daemons over their sockets ([`client`]), or simulated ones ([`crate::sim::pebble`]).

pub mod checks;
pub mod client;
pub mod daemon;
pub mod duration;
pub mod identities;
pub mod layer;
pub mod notices;
pub mod plan;
#[cfg(test)]
mod properties;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::backends::process::Output;
pub use checks::{CheckInfo, CheckRun, CheckStatus, ChecksAction};
pub use daemon::{Current, ServiceInfo};
pub use identities::{Identity, IdentityName, Signal};
use layer::{CheckLevel, Layer};
pub use notices::{CustomKey, Notice, NoticeFilter};

pub use crate::backends::error::ApiError;

/// `POST /v1/services` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceAction {
    Start,
    Stop,
    Restart,
    Replan,
    Autostart,
}

impl ServiceAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceAction::Start => "start",
            ServiceAction::Stop => "stop",
            ServiceAction::Restart => "restart",
            ServiceAction::Replan => "replan",
            ServiceAction::Autostart => "autostart",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    File,
    Directory,
    Symlink,
    Socket,
    NamedPipe,
    Device,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub path: String,
    pub name: String,
    pub kind: FileType,
    pub size: Option<u64>,
    pub permissions: u32,
    pub last_modified: String,
    pub user_id: Option<u32>,
    pub user: Option<String>,
    pub group_id: Option<u32>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    pub make_parents: bool,
    pub permissions: Option<u32>,
    pub user_id: Option<u32>,
    pub user: Option<String>,
    pub group_id: Option<u32>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecRequest {
    pub command: Vec<String>,
    pub environment: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub service_context: Option<String>,
    pub user_id: Option<u32>,
    pub user: Option<String>,
    pub group_id: Option<u32>,
    pub group: Option<String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout_ms: Option<u64>,
}

/// The workload containers' Pebbles, by container name. Every method is one API
/// exchange (or, for service actions, the request and the wait for its change).
pub trait Pebble: Send {
    /// No call may outlive this (the dispatch's deadline). Simulated Pebbles answer at
    /// once and need not care.
    fn set_deadline(&mut self, _deadline: std::time::Instant) {}

    fn can_connect(&mut self, container: &str) -> bool;
    fn add_layer(
        &mut self,
        container: &str,
        label: &str,
        layer: &Layer,
        combine: bool,
    ) -> Result<(), BackendError>;
    fn plan(&mut self, container: &str) -> Result<Layer, BackendError>;
    fn services(
        &mut self,
        container: &str,
        names: &[String],
    ) -> Result<Vec<ServiceInfo>, BackendError>;
    /// Asks for the action and waits for its change to finish.
    fn services_action(
        &mut self,
        container: &str,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), BackendError>;
    /// `content` is taken, not borrowed: the client sends it without a copy of its own.
    fn push(
        &mut self,
        container: &str,
        path: &str,
        content: Vec<u8>,
        options: &FileOptions,
    ) -> Result<(), BackendError>;
    fn pull(&mut self, container: &str, path: &str) -> Result<Vec<u8>, BackendError>;
    fn list_files(
        &mut self,
        container: &str,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, BackendError>;
    fn make_dir(
        &mut self,
        container: &str,
        path: &str,
        options: &FileOptions,
    ) -> Result<(), BackendError>;
    fn remove_path(
        &mut self,
        container: &str,
        path: &str,
        recursive: bool,
    ) -> Result<(), BackendError>;
    /// The request is taken, so that its stdin is sent without a copy.
    fn exec(&mut self, container: &str, request: ExecRequest) -> Result<Output, BackendError>;

    /// `GET /v1/checks`: of one level (or all, `Unset`), and the named (or all).
    fn checks(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<Vec<CheckInfo>, BackendError>;
    /// `POST /v1/checks`: the names it started or stopped.
    fn checks_action(
        &mut self,
        container: &str,
        action: ChecksAction,
        names: &[String],
    ) -> Result<Vec<String>, BackendError>;
    /// `POST /v1/checks/refresh`: runs one check now.
    fn refresh_check(&mut self, container: &str, name: &str) -> Result<CheckRun, BackendError>;
    /// `GET /v1/health`.
    fn health(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<bool, BackendError>;

    fn notice(&mut self, container: &str, id: &str) -> Result<Notice, BackendError>;
    fn notices(
        &mut self,
        container: &str,
        filter: &NoticeFilter,
    ) -> Result<Vec<Notice>, BackendError>;
    /// Records a custom notice; its id.
    fn notify(
        &mut self,
        container: &str,
        key: &CustomKey,
        data: &BTreeMap<String, String>,
        repeat_after_ms: Option<u64>,
    ) -> Result<String, BackendError>;

    fn identities(&mut self, container: &str) -> Result<BTreeMap<String, Identity>, BackendError>;
    /// Adds the identities, or replaces those of the same name.
    fn replace_identities(
        &mut self,
        container: &str,
        identities: &BTreeMap<IdentityName, Identity>,
    ) -> Result<(), BackendError>;
    fn remove_identities(
        &mut self,
        container: &str,
        names: &[IdentityName],
    ) -> Result<(), BackendError>;

    fn send_signal(
        &mut self,
        container: &str,
        signal: Signal,
        services: &[String],
    ) -> Result<(), BackendError>;
}
