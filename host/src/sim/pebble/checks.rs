//! Checks in a simulated container: the plan says which there are and their thresholds,
//! the state says how each is faring (its run of failures), as `ops.testing` has it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::backends::pebble::checks::counts_towards;
use crate::backends::pebble::layer::{CheckLevel, Layer, Startup};
use crate::backends::pebble::{ApiError, CheckInfo, CheckRun, CheckStatus, ChecksAction};

/// Pebble's default threshold.
const THRESHOLD: u32 = 3;

/// How one check is faring, as a state gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct CheckModel {
    /// Its run of consecutive failures: down once it reaches the check's threshold, and
    /// a check with any fails when it is run again.
    pub failures: u32,
    /// Whether it runs; `startup: disabled` checks do not until started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// The checks' outcomes, by name.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    outcomes: BTreeMap<String, CheckModel>,
}

impl Checks {
    pub fn from_model(
        outcomes: &BTreeMap<String, CheckModel>,
        plan: &Layer,
    ) -> Result<Self, String> {
        if let Some(name) = outcomes.keys().find(|n| !plan.checks.contains_key(*n)) {
            return Err(format!("checks names `{name}`, which no layer defines"));
        }
        Ok(Checks {
            outcomes: outcomes.clone(),
        })
    }

    pub fn to_model(&self) -> BTreeMap<String, CheckModel> {
        self.outcomes
            .iter()
            .filter(|(_, m)| **m != CheckModel::default())
            .map(|(n, m)| (n.clone(), m.clone()))
            .collect()
    }

    fn info(&self, name: &str, plan: &Layer) -> Option<CheckInfo> {
        let check = plan.checks.get(name)?;
        let outcome = self.outcomes.get(name).cloned().unwrap_or_default();
        let startup = if check.startup == Startup::Disabled {
            Startup::Disabled
        } else {
            Startup::Enabled
        };
        let active = outcome.active.unwrap_or(startup == Startup::Enabled);
        let threshold = check.threshold.unwrap_or(THRESHOLD);
        let status = if !active {
            CheckStatus::Inactive
        } else if outcome.failures >= threshold {
            CheckStatus::Down
        } else {
            CheckStatus::Up
        };
        Some(CheckInfo {
            name: name.to_string(),
            level: check.level.clone(),
            startup,
            status,
            failures: outcome.failures,
            threshold,
            change_id: None,
        })
    }

    /// Of one level exactly (or all), and the named (or all), sorted by name.
    pub fn list(&self, plan: &Layer, level: &CheckLevel, names: &[String]) -> Vec<CheckInfo> {
        let mut out: Vec<CheckInfo> = plan
            .checks
            .keys()
            .filter(|n| names.is_empty() || names.contains(n))
            .filter_map(|n| self.info(n, plan))
            .filter(|c| level.is_unset() || c.level == *level)
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    pub fn act(
        &mut self,
        plan: &Layer,
        action: ChecksAction,
        names: &[String],
    ) -> Result<Vec<String>, ApiError> {
        let verb = action.as_str();
        if names.is_empty() {
            return Err(ApiError::bad_request(format!(
                "must specify checks for {verb} action"
            )));
        }
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !plan.checks.contains_key(*n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::bad_request(format!(
                "cannot {verb} checks: cannot find checks in plan: {}",
                missing.join(", ")
            )));
        }
        let mut changed = Vec::new();
        for name in names {
            let running = self
                .info(name, plan)
                .is_some_and(|c| c.status != CheckStatus::Inactive);
            let want = action == ChecksAction::Start;
            if running != want {
                self.outcomes.entry(name.clone()).or_default().active = Some(want);
                changed.push(name.clone());
            }
        }
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// Runs a check once: it fails again if the state has it failing.
    pub fn refresh(&mut self, plan: &Layer, name: &str) -> Result<CheckRun, ApiError> {
        if !plan.checks.contains_key(name) {
            return Err(unknown_check(name));
        }
        let outcome = self.outcomes.entry(name.to_string()).or_default();
        let error = if outcome.failures > 0 {
            outcome.failures = outcome.failures.saturating_add(1);
            Some(format!(
                "check {name:?} failed (the state gives it a run of failures)"
            ))
        } else {
            None
        };
        let info = self.info(name, plan).ok_or_else(|| unknown_check(name))?;
        Ok(CheckRun { info, error })
    }

    /// Healthy unless an active check of `level` among `names` is down.
    pub fn healthy(
        &self,
        plan: &Layer,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<bool, ApiError> {
        if matches!(level, CheckLevel::Unknown(_)) {
            return Err(ApiError::bad_request(
                "level must be \"alive\" or \"ready\"".into(),
            ));
        }
        Ok(!plan
            .checks
            .keys()
            .filter(|n| names.is_empty() || names.contains(n))
            .filter_map(|n| self.info(n, plan))
            .any(|c| counts_towards(&c.level, level) && c.status == CheckStatus::Down))
    }

    /// The check's status, for checking an event against the state.
    pub fn status(&self, plan: &Layer, name: &str) -> Option<CheckStatus> {
        self.info(name, plan).map(|c| c.status)
    }
}

/// A 404 with no kind, as the daemon gives it.
fn unknown_check(name: &str) -> ApiError {
    ApiError {
        status: 404,
        kind: None,
        message: format!("cannot find check with name {name:?}"),
    }
}
