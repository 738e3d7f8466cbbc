//! Health checks as Pebble reports and runs them (`/v1/checks`, `/v1/health`).

use serde::{Deserialize, Serialize};

use super::layer::{CheckLevel, Startup};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Up,
    Down,
    Inactive,
}

/// One check, in the words of `GET /v1/checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "CheckLevel::is_unset")]
    pub level: CheckLevel,
    #[serde(default)]
    pub startup: Startup,
    pub status: CheckStatus,
    /// Pebble leaves it out when it is 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
    #[serde(default)]
    pub threshold: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `POST /v1/checks` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksAction {
    Start,
    Stop,
}

impl ChecksAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksAction::Start => "start",
            ChecksAction::Stop => "stop",
        }
    }
}

/// What `POST /v1/checks/refresh` answers: the check after running it, and why that run
/// failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRun {
    pub info: CheckInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether `level` (of a check) counts towards a health query at `asked`: all levels
/// when none is asked, and `ready` includes `alive`.
pub fn counts_towards(level: &CheckLevel, asked: &CheckLevel) -> bool {
    match asked {
        CheckLevel::Unset => true,
        CheckLevel::Alive => *level == CheckLevel::Alive,
        CheckLevel::Ready => matches!(level, CheckLevel::Alive | CheckLevel::Ready),
        CheckLevel::Unknown(_) => false,
    }
}
