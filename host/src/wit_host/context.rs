//! `juju:charm/context`.

use crate::runtime::bindings::v0_1::context::{self, JujuContext};
use crate::runtime::bindings::v0_1::types::Error;

use super::ContextView;

impl context::Host for ContextView<'_> {
    fn get(&mut self) -> JujuContext {
        let u = self.unit;
        JujuContext {
            unit_name: u.unit_name.clone(),
            app_name: u.app_name.clone(),
            model_name: u.model_name.clone(),
            model_uuid: u.model_uuid.clone(),
            juju_version: u.juju_version.clone(),
            machine_id: u.machine_id.clone(),
            availability_zone: u.availability_zone.clone(),
            principal_unit: u.principal_unit.clone(),
        }
    }

    fn is_leader(&mut self) -> Result<bool, Error> {
        Ok(self.juju.is_leader()?)
    }
}
