//! `juju:charm/model` (0.1.1): `goal-state`, `credential-get`, `juju-reboot` and
//! `unit-get`.

use crate::backends::juju::model::{self as juju, AddressKind as JujuAddress, RebootWhen};
use crate::runtime::bindings::v0_1::model::{
    self, AddressKind, CloudCredential, CloudSpec, Goal, GoalRelation, GoalUnit,
};
use crate::runtime::bindings::v0_1::types::Error;

use super::ToolsView;

fn goal_units(members: std::collections::BTreeMap<String, juju::GoalStatus>) -> Vec<GoalUnit> {
    members
        .into_iter()
        .map(|(name, status)| GoalUnit {
            name,
            status: status.status,
            since: status.since,
        })
        .collect()
}

impl model::Host for ToolsView<'_> {
    fn goal_state(&mut self) -> Result<Goal, Error> {
        let goal = self.juju.goal_state()?;
        Ok(Goal {
            units: goal_units(goal.units),
            relations: goal
                .relations
                .into_iter()
                .map(|(endpoint, members)| GoalRelation {
                    endpoint,
                    members: goal_units(members),
                })
                .collect(),
        })
    }

    fn cloud(&mut self) -> Result<CloudSpec, Error> {
        let spec = self.juju.credential_get()?;
        Ok(CloudSpec {
            type_: spec.kind,
            name: spec.name,
            region: spec.region,
            endpoint: spec.endpoint,
            identity_endpoint: spec.identity_endpoint,
            storage_endpoint: spec.storage_endpoint,
            credential: spec.credential.map(|c| CloudCredential {
                auth_type: c.auth_type,
                attributes: c.attrs.into_iter().collect(),
            }),
            ca_certificates: spec.ca_certificates,
            skip_tls_verify: spec.skip_tls_verify,
            is_controller_cloud: spec.is_controller_cloud,
        })
    }

    fn reboot(&mut self, when: model::RebootWhen) -> Result<(), Error> {
        self.policy.check_reboot()?;
        Ok(self.juju.juju_reboot(match when {
            model::RebootWhen::AfterHook => RebootWhen::AfterHook,
            model::RebootWhen::Now => RebootWhen::Now,
        })?)
    }

    fn unit_address(&mut self, kind: AddressKind) -> Result<String, Error> {
        Ok(self.juju.unit_get(match kind {
            AddressKind::Private => JujuAddress::Private,
            AddressKind::Public => JujuAddress::Public,
        })?)
    }
}
