//! `juju:charm/secrets`: the consumer side.

use crate::backends::juju::{SecretRef, SecretRevision};
use crate::runtime::bindings::v0_1::secrets::{self, Revision, SecretInfo};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::{SecretLabel, SecretUri};

use super::{ToolsView, error};

/// The secret the charm names, each part parsed by its grammar.
fn named(id: Option<String>, label: Option<String>) -> Result<SecretRef, Error> {
    let id = id.as_deref().map(SecretUri::parse).transpose()?;
    let label = label.as_deref().map(SecretLabel::parse).transpose()?;
    match (id, label) {
        (Some(id), Some(label)) => Ok(SecretRef::Both(id, label)),
        (Some(id), None) => Ok(SecretRef::Id(id)),
        (None, Some(label)) => Ok(SecretRef::Label(label)),
        (None, None) => Err(error(
            ErrorKind::InvalidInput,
            "name a secret by its id or its label",
        )),
    }
}

impl secrets::Host for ToolsView<'_> {
    fn get(
        &mut self,
        id: Option<String>,
        label: Option<String>,
        revision: Revision,
    ) -> Result<Vec<(String, String)>, Error> {
        let secret = named(id, label)?;
        let revision = match revision {
            Revision::Tracked => SecretRevision::Tracked,
            Revision::Refresh => SecretRevision::Refresh,
            Revision::Peek => SecretRevision::Peek,
        };
        Ok(self
            .juju
            .secret_get(&secret, revision)?
            .into_iter()
            .collect())
    }

    fn info(&mut self, id: Option<String>, label: Option<String>) -> Result<SecretInfo, Error> {
        let secret = named(id, label)?;
        let (id, info) = self.juju.secret_info(&secret)?;
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
