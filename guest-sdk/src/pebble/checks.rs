//! A container's health checks, as `ops`' `Container.get_checks`, `start_checks`,
//! `stop_checks` and the check's level-based health.

use super::container::names;
use super::{CheckInfo, CheckLevel, CheckRun, Container, host};
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

impl Container {
    /// The checks in the plan (all when `names` is empty), of one level or all.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, CheckStatus};
    /// let down: Vec<_> = pebble::container("db")
    ///     .checks(None, &[])?
    ///     .into_iter()
    ///     .filter(|c| c.status == CheckStatus::Down)
    ///     .collect();
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn checks(&self, level: Option<CheckLevel>, names_: &[&str]) -> Result<Vec<CheckInfo>> {
        call(host::get_checks(&self.name, level, &names(names_)))
    }

    /// One check; a not-found error if the plan has no such check.
    ///
    /// ```no_run
    /// let failures = wasmcharm_sdk::pebble::container("db").check("ready")?.failures;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn check(&self, name: &str) -> Result<CheckInfo> {
        self.checks(None, &[name])?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("container {:?} has no check {name:?}", self.name),
                )
            })
    }

    /// Starts checks; returns those that were not running. A name not in the plan is
    /// an invalid-input error, and nothing starts.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("db").start_checks(&["ready"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        call(host::start_checks(&self.name, &names(checks)))
    }

    /// Stops checks; returns those that were running.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("db").stop_checks(&["ready"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        call(host::stop_checks(&self.name, &names(checks)))
    }

    /// Runs a check now and says how it went (Pebble 1.26 or later).
    ///
    /// ```no_run
    /// let run = wasmcharm_sdk::pebble::container("db").refresh_check("ready")?;
    /// if let Some(why) = run.error { log::warn!("ready: {why}"); }
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn refresh_check(&self, name: &str) -> Result<CheckRun> {
        call(host::refresh_check(&self.name, name))
    }

    /// Whether the checks at `level` (all levels when none; `Ready` counts `Alive` too)
    /// are up: Pebble's `/v1/health`.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, CheckLevel};
    /// let ready = pebble::container("db").healthy(Some(CheckLevel::Ready), &[])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn healthy(&self, level: Option<CheckLevel>, checks: &[&str]) -> Result<bool> {
        call(host::health(&self.name, level, &names(checks)))
    }
}
