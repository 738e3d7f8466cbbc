//! `juju:charm/secrets`: the consumer side.

use crate::backends::juju::SecretRevision;
use crate::runtime::bindings::v0_1::secrets::{self, Revision, SecretInfo};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};

use super::{ToolsView, error};

fn named(id: &Option<String>, label: &Option<String>) -> Result<(), Error> {
    if id.is_none() && label.is_none() {
        Err(error(
            ErrorKind::InvalidInput,
            "name a secret by its id or its label",
        ))
    } else {
        Ok(())
    }
}

impl secrets::Host for ToolsView<'_> {
    fn get(
        &mut self,
        id: Option<String>,
        label: Option<String>,
        revision: Revision,
    ) -> Result<Vec<(String, String)>, Error> {
        named(&id, &label)?;
        let revision = match revision {
            Revision::Tracked => SecretRevision::Tracked,
            Revision::Refresh => SecretRevision::Refresh,
            Revision::Peek => SecretRevision::Peek,
        };
        Ok(self
            .juju
            .secret_get(id.as_deref(), label.as_deref(), revision)?
            .into_iter()
            .collect())
    }

    fn info(&mut self, id: Option<String>, label: Option<String>) -> Result<SecretInfo, Error> {
        named(&id, &label)?;
        let (id, info) = self.juju.secret_info(id.as_deref(), label.as_deref())?;
        Ok(SecretInfo {
            id,
            label: info.label,
            description: info.description,
            expiry: info.expiry,
            rotation: info.rotation,
            revision: info.revision,
        })
    }
}
