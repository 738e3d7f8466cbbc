//! What Juju plans for the application, the cloud it runs on, and what the unit may ask
//! of Juju besides its status: `ops`' `app.planned_units()`, `model.get_cloud_spec()`,
//! `unit.reboot()`.
//!
//! ```no_run
//! use wasmcharm_sdk::model;
//!
//! if model::planned_units()? > 1 {
//!     log::info!("clustered");
//! }
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::model as host;
use crate::Result;
use crate::error::host as call;

pub use host::{AddressKind, CloudCredential, CloudSpec, Goal, GoalRelation, GoalUnit, RebootWhen};

/// The units and relations Juju is working towards (`goal-state`).
///
/// ```no_run
/// let goal = wasmcharm_sdk::model::goal_state()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn goal_state() -> Result<Goal> {
    call(host::goal_state())
}

/// How many units the application is to have, as `ops` counts them: those not dying.
///
/// ```no_run
/// let n = wasmcharm_sdk::model::planned_units()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn planned_units() -> Result<usize> {
    Ok(goal_state()?
        .units
        .iter()
        .filter(|u| u.status != "dying")
        .count())
}

/// The cloud's spec and credential (for an application deployed with `--trust`; an
/// error of kind `PermissionDenied` otherwise).
///
/// ```no_run
/// let cloud = wasmcharm_sdk::model::cloud_spec()?;
/// log::info!("on {} in {:?}", cloud.type_, cloud.region);
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn cloud_spec() -> Result<CloudSpec> {
    call(host::cloud())
}

/// Asks Juju to reboot the machine once the hook has succeeded
/// ([`RebootWhen::AfterHook`]) or at once ([`RebootWhen::Now`]).
///
/// ```no_run
/// use wasmcharm_sdk::model::{self, RebootWhen};
/// model::reboot(RebootWhen::AfterHook)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn reboot(when: RebootWhen) -> Result<()> {
    call(host::reboot(when))
}

/// This unit's private or public address (`unit-get`).
///
/// ```no_run
/// use wasmcharm_sdk::model::{self, AddressKind};
/// let address = model::unit_address(AddressKind::Private)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn unit_address(kind: AddressKind) -> Result<String> {
    call(host::unit_address(kind))
}
