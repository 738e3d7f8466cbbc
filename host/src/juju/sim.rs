//! An in-memory Juju for `wasmcharm run`: the same answers the hook tools would give,
//! from a model the caller sets up and reads back.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{HookTools, LogLevel, Status, Target};
use crate::error::BackendError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
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
            message: message.to_string(),
        });
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.model().workload_version = Some(version.to_string());
        Ok(())
    }
}
