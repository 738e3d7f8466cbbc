//! Who this unit is: fixed for the length of a dispatch.

use crate::event::{Env, EventError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitContext {
    pub unit_name: String,
    pub app_name: String,
    pub model_name: String,
    pub model_uuid: String,
    pub juju_version: String,
    pub machine_id: Option<String>,
    pub availability_zone: Option<String>,
    pub principal_unit: Option<String>,
}

impl UnitContext {
    /// Reads the variables Juju sets for every hook; a missing one is an error naming
    /// it, as in `ops`.
    pub fn from_env(env: &dyn Env) -> Result<Self, EventError> {
        let required = |name: &'static str| {
            env.var(name).ok_or(EventError::Missing {
                name,
                context: "every hook and action",
            })
        };
        let unit_name = required("JUJU_UNIT_NAME")?;
        let app_name = app_of(&unit_name)
            .ok_or_else(|| EventError::Malformed {
                name: "JUJU_UNIT_NAME",
                value: unit_name.clone(),
                expected: "<application>/<number>, e.g. openssh/0",
            })?
            .to_string();
        Ok(UnitContext {
            unit_name,
            app_name,
            model_name: required("JUJU_MODEL_NAME")?,
            model_uuid: required("JUJU_MODEL_UUID")?,
            juju_version: required("JUJU_VERSION")?,
            machine_id: env.var("JUJU_MACHINE_ID"),
            availability_zone: env.var("JUJU_AVAILABILITY_ZONE"),
            principal_unit: env.var("JUJU_PRINCIPAL_UNIT"),
        })
    }
}

/// `myapp/0` -> `myapp`.
pub fn app_of(unit: &str) -> Option<&str> {
    let (app, number) = unit.split_once('/')?;
    (!app.is_empty() && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then_some(app)
}
