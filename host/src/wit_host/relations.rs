//! `juju:charm/relations`: relation ids become the `endpoint:id` references hook tools
//! take, so that Juju checks the id belongs to that endpoint.

use std::collections::BTreeMap;

use crate::event::Event;
use crate::runtime::bindings::v0_1::relations;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::RelationMember;

use super::{RelationsView, error};

fn id_of(reference: &str) -> Option<u32> {
    reference.rsplit(':').next()?.parse().ok()
}

impl RelationsView<'_> {
    pub(super) fn relation_ref(&mut self, id: u32) -> Result<String, Error> {
        let from_event = match &self.delivery.event {
            Some(
                Event::RelationCreated(r)
                | Event::RelationJoined(r)
                | Event::RelationChanged(r)
                | Event::RelationDeparted(r)
                | Event::RelationBroken(r),
            ) if r.relation_id == id => Some(r.endpoint.clone()),
            _ => None,
        };
        if let Some(endpoint) = from_event.or_else(|| self.relation_endpoints.get(&id).cloned()) {
            return Ok(format!("{endpoint}:{id}"));
        }
        let endpoints: Vec<String> = self.metadata.endpoints.keys().cloned().collect();
        for endpoint in endpoints {
            for reference in self.juju.relation_ids(&endpoint)? {
                if let Some(found) = id_of(&reference) {
                    self.relation_endpoints.insert(found, endpoint.clone());
                }
            }
            if self.relation_endpoints.contains_key(&id) {
                return Ok(format!("{endpoint}:{id}"));
            }
        }
        Err(error(
            ErrorKind::NotFound,
            format!("there is no relation {id}"),
        ))
    }
}

impl relations::Host for RelationsView<'_> {
    fn ids(&mut self, endpoint: String) -> Result<Vec<u32>, Error> {
        if !self.metadata.endpoints.contains_key(&endpoint) {
            return Err(error(
                ErrorKind::NotFound,
                format!("the charm's metadata declares no relation endpoint `{endpoint}`"),
            ));
        }
        let mut ids = Vec::new();
        for reference in self.juju.relation_ids(&endpoint)? {
            if let Some(id) = id_of(&reference) {
                self.relation_endpoints.insert(id, endpoint.clone());
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn units(&mut self, relation_id: u32) -> Result<Vec<String>, Error> {
        let reference = self.relation_ref(relation_id)?;
        Ok(self.juju.relation_units(&reference)?)
    }

    fn remote_app(&mut self, relation_id: u32) -> Result<String, Error> {
        let reference = self.relation_ref(relation_id)?;
        Ok(self.juju.relation_remote_app(&reference)?)
    }

    fn get(
        &mut self,
        relation_id: u32,
        member: String,
        app: bool,
    ) -> Result<Vec<(String, String)>, Error> {
        let member = RelationMember::parse(&member)?;
        let reference = self.relation_ref(relation_id)?;
        Ok(self
            .juju
            .relation_get(&reference, &member, app)?
            .into_iter()
            .collect())
    }

    fn set(
        &mut self,
        relation_id: u32,
        app: bool,
        data: Vec<(String, String)>,
    ) -> Result<(), Error> {
        let reference = self.relation_ref(relation_id)?;
        let data: BTreeMap<String, String> = data.into_iter().collect();
        Ok(self.juju.relation_set(&reference, app, &data)?)
    }

    fn remote_model(&mut self, relation_id: u32) -> Result<String, Error> {
        let reference = self.relation_ref(relation_id)?;
        Ok(self.juju.relation_model_uuid(&reference)?)
    }
}
