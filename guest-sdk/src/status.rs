use crate::__bindings::juju::charm::status as host;
use crate::__bindings::juju::charm::types::{self, StatusKind};
use crate::Result;
use crate::error::host as call;

/// A unit's or application's workload status, as `juju status` shows it.
///
/// ```
/// use wasmcharm_sdk::Status;
/// assert_eq!(Status::blocked("Failed to install packages").message(), "Failed to install packages");
/// assert_eq!(Status::active(), Status::Active(String::new()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The workload is up and doing its job.
    Active(String),
    /// The charm needs an operator to act (a missing relation, a bad config).
    Blocked(String),
    /// The charm is doing work (installing, configuring) and will be done by itself.
    Maintenance(String),
    /// The charm waits for something outside it (another application, Juju).
    Waiting(String),
    /// Juju's own: what a unit shows before the charm sets anything. Cannot be set.
    Unknown(String),
    /// Juju's own: a failed hook. Cannot be set.
    Error(String),
}

impl Status {
    /// Active with no message.
    ///
    /// ```
    /// assert_eq!(wasmcharm_sdk::Status::active().message(), "");
    /// ```
    pub fn active() -> Self {
        Status::Active(String::new())
    }

    /// Blocked: the charm needs a human to act.
    ///
    /// ```
    /// let s = wasmcharm_sdk::Status::blocked("set the `token` option");
    /// ```
    pub fn blocked(message: impl Into<String>) -> Self {
        Status::Blocked(message.into())
    }

    /// Maintenance: the charm is doing something that takes a while.
    ///
    /// ```
    /// let s = wasmcharm_sdk::Status::maintenance("Installing packages");
    /// ```
    pub fn maintenance(message: impl Into<String>) -> Self {
        Status::Maintenance(message.into())
    }

    /// Waiting: on something outside the charm, such as a relation.
    ///
    /// ```
    /// let s = wasmcharm_sdk::Status::waiting("waiting for the database");
    /// ```
    pub fn waiting(message: impl Into<String>) -> Self {
        Status::Waiting(message.into())
    }

    /// The message shown beside the status.
    ///
    /// ```
    /// assert_eq!(wasmcharm_sdk::Status::waiting("db").message(), "db");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Status::Active(m)
            | Status::Blocked(m)
            | Status::Maintenance(m)
            | Status::Waiting(m)
            | Status::Unknown(m)
            | Status::Error(m) => m,
        }
    }
}

impl From<Status> for types::Status {
    fn from(s: Status) -> Self {
        let (kind, message) = match s {
            Status::Active(m) => (StatusKind::Active, m),
            Status::Blocked(m) => (StatusKind::Blocked, m),
            Status::Maintenance(m) => (StatusKind::Maintenance, m),
            Status::Waiting(m) => (StatusKind::Waiting, m),
            Status::Unknown(m) => (StatusKind::Unknown, m),
            Status::Error(m) => (StatusKind::Error, m),
        };
        types::Status { kind, message }
    }
}

impl From<types::Status> for Status {
    fn from(s: types::Status) -> Self {
        match s.kind {
            StatusKind::Active => Status::Active(s.message),
            StatusKind::Blocked => Status::Blocked(s.message),
            StatusKind::Maintenance => Status::Maintenance(s.message),
            StatusKind::Waiting => Status::Waiting(s.message),
            StatusKind::Unknown => Status::Unknown(s.message),
            StatusKind::Error => Status::Error(s.message),
        }
    }
}

/// This unit.
pub mod unit {
    use super::*;

    /// This unit's name, e.g. `openssh/0`.
    ///
    /// ```no_run
    /// assert!(wasmcharm_sdk::unit::name().contains('/'));
    /// ```
    pub fn name() -> String {
        crate::context().unit_name
    }

    /// Sets this unit's status at once; it stands even if the handler then fails.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::{Status, unit};
    /// unit::set_status(Status::maintenance("Configuring"))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn set_status(status: Status) -> Result<()> {
        call(host::set_unit(&status.into()))
    }

    /// This unit's current status.
    ///
    /// ```no_run
    /// let status = wasmcharm_sdk::unit::status()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn status() -> Result<Status> {
        call(host::get_unit()).map(Status::from)
    }

    /// Whether this unit is the application's leader.
    ///
    /// ```no_run
    /// if wasmcharm_sdk::unit::is_leader()? { /* manage the application */ }
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn is_leader() -> Result<bool> {
        call(crate::__bindings::juju::charm::context::is_leader())
    }

    /// The workload version `juju status` shows for the application.
    ///
    /// ```no_run
    /// wasmcharm_sdk::unit::set_workload_version("9.6p1")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn set_workload_version(version: &str) -> Result<()> {
        call(host::set_workload_version(version))
    }
}

/// This unit's application.
pub mod app {
    use super::*;

    /// The application's name, e.g. `openssh`.
    ///
    /// ```no_run
    /// let app = wasmcharm_sdk::app::name();
    /// ```
    pub fn name() -> String {
        crate::context().app_name
    }

    /// Sets the application's status. The leader only: others get
    /// [`ErrorKind::PermissionDenied`](crate::ErrorKind::PermissionDenied).
    ///
    /// ```no_run
    /// use wasmcharm_sdk::{Status, app, unit};
    /// if unit::is_leader()? {
    ///     app::set_status(Status::active())?;
    /// }
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn set_status(status: Status) -> Result<()> {
        call(host::set_app(&status.into()))
    }

    /// The application's status.
    ///
    /// ```no_run
    /// let status = wasmcharm_sdk::app::status()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn status() -> Result<Status> {
        call(host::get_app()).map(Status::from)
    }
}
