//! `juju:charm/secrets`: the consumer side, and (0.1.1) the owner's. Content reaches
//! the backend only as [`SecretContent`], checked by Juju's rules; a grant names a
//! relation by id, which becomes the `endpoint:id` Juju checks.

use crate::backends::juju::secrets::{self as juju, SecretDescription};
use crate::backends::juju::{SecretContent, SecretMetadata, SecretRef, SecretRevision};
use crate::runtime::bindings::v0_1::secrets::{
    self, OwnedSecret, Revision, RotatePolicy, SecretInfo, SecretOwner,
};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::{SecretExpiry, SecretLabel, SecretUri, UnitName};

use super::{RelationsView, error};

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

fn metadata(metadata: secrets::SecretMetadata) -> Result<SecretMetadata, Error> {
    Ok(SecretMetadata {
        label: metadata
            .label
            .as_deref()
            .map(SecretLabel::parse)
            .transpose()?,
        description: metadata
            .description
            .as_deref()
            .map(SecretDescription::parse)
            .transpose()?,
        expire: metadata
            .expire
            .as_deref()
            .map(SecretExpiry::parse)
            .transpose()?,
        rotate: metadata.rotate.map(rotate_policy),
    })
}

fn content(pairs: Vec<(String, String)>) -> Result<SecretContent, Error> {
    SecretContent::parse(pairs).map_err(|e| error(ErrorKind::InvalidInput, e.to_string()))
}

fn rotate_policy(policy: RotatePolicy) -> juju::RotatePolicy {
    match policy {
        RotatePolicy::Never => juju::RotatePolicy::Never,
        RotatePolicy::Hourly => juju::RotatePolicy::Hourly,
        RotatePolicy::Daily => juju::RotatePolicy::Daily,
        RotatePolicy::Weekly => juju::RotatePolicy::Weekly,
        RotatePolicy::Monthly => juju::RotatePolicy::Monthly,
        RotatePolicy::Quarterly => juju::RotatePolicy::Quarterly,
        RotatePolicy::Yearly => juju::RotatePolicy::Yearly,
    }
}

fn rotate_policy_of(policy: juju::RotatePolicy) -> RotatePolicy {
    match policy {
        juju::RotatePolicy::Never => RotatePolicy::Never,
        juju::RotatePolicy::Hourly => RotatePolicy::Hourly,
        juju::RotatePolicy::Daily => RotatePolicy::Daily,
        juju::RotatePolicy::Weekly => RotatePolicy::Weekly,
        juju::RotatePolicy::Monthly => RotatePolicy::Monthly,
        juju::RotatePolicy::Quarterly => RotatePolicy::Quarterly,
        juju::RotatePolicy::Yearly => RotatePolicy::Yearly,
    }
}

fn owner(owner: SecretOwner) -> juju::SecretOwner {
    match owner {
        SecretOwner::Application => juju::SecretOwner::Application,
        SecretOwner::Unit => juju::SecretOwner::Unit,
    }
}

impl RelationsView<'_> {
    /// The relation and (if named) unit a grant or revoke is for.
    fn grantee(
        &mut self,
        relation_id: u32,
        unit: Option<String>,
    ) -> Result<(String, Option<UnitName>), Error> {
        let unit = unit.as_deref().map(UnitName::parse).transpose()?;
        Ok((self.relation_ref(relation_id)?, unit))
    }
}

impl secrets::Host for RelationsView<'_> {
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

    fn create(
        &mut self,
        pairs: Vec<(String, String)>,
        metadata: secrets::SecretMetadata,
        secret_owner: SecretOwner,
    ) -> Result<String, Error> {
        let content = content(pairs)?;
        let metadata = self::metadata(metadata)?;
        Ok(self
            .juju
            .secret_add(&content, &metadata, owner(secret_owner))?
            .canonical())
    }

    fn update(
        &mut self,
        id: String,
        pairs: Option<Vec<(String, String)>>,
        metadata: secrets::SecretMetadata,
    ) -> Result<(), Error> {
        let id = SecretUri::parse(&id)?;
        let content = pairs.map(content).transpose()?;
        let metadata = self::metadata(metadata)?;
        if content.is_none() && metadata == SecretMetadata::default() {
            return Err(error(
                ErrorKind::InvalidInput,
                "an update of a secret needs new content or metadata; it was given neither",
            ));
        }
        Ok(self.juju.secret_set(&id, content.as_ref(), &metadata)?)
    }

    fn grant(&mut self, id: String, relation_id: u32, unit: Option<String>) -> Result<(), Error> {
        let id = SecretUri::parse(&id)?;
        let (relation, unit) = self.grantee(relation_id, unit)?;
        Ok(self.juju.secret_grant(&id, &relation, unit.as_ref())?)
    }

    fn revoke(&mut self, id: String, relation_id: u32, unit: Option<String>) -> Result<(), Error> {
        let id = SecretUri::parse(&id)?;
        let (relation, unit) = self.grantee(relation_id, unit)?;
        Ok(self.juju.secret_revoke(&id, &relation, unit.as_ref())?)
    }

    fn remove(&mut self, id: String, revision: Option<u32>) -> Result<(), Error> {
        let id = SecretUri::parse(&id)?;
        if revision == Some(0) {
            return Err(error(
                ErrorKind::InvalidInput,
                "secret revisions start at 1; there is no revision 0",
            ));
        }
        Ok(self.juju.secret_remove(&id, revision)?)
    }

    fn owned(&mut self) -> Result<Vec<String>, Error> {
        Ok(self
            .juju
            .secret_ids()?
            .iter()
            .map(SecretUri::canonical)
            .collect())
    }

    fn owned_info(
        &mut self,
        id: Option<String>,
        label: Option<String>,
    ) -> Result<OwnedSecret, Error> {
        let secret = named(id, label)?;
        let (id, info) = self.juju.secret_info(&secret)?;
        let Some(secret_owner) = info.owner else {
            return Err(error(
                ErrorKind::NotFound,
                format!("secret {id} is not one this unit or its application owns"),
            ));
        };
        let rotation = match info.rotation.as_deref() {
            None | Some("") => None,
            Some(text) => Some(
                juju::RotatePolicy::parse(text)
                    .map(rotate_policy_of)
                    .ok_or_else(|| {
                        error(
                            ErrorKind::Internal,
                            format!("Juju reported secret {id}'s rotation as {text:?}"),
                        )
                    })?,
            ),
        };
        Ok(OwnedSecret {
            id: id.clone(),
            owner: match secret_owner {
                juju::SecretOwner::Application => SecretOwner::Application,
                juju::SecretOwner::Unit => SecretOwner::Unit,
            },
            label: info.label,
            description: info.description,
            expiry: info.expiry,
            rotation,
            rotates: info.rotates,
            revision: info.revision.ok_or_else(|| {
                error(
                    ErrorKind::Internal,
                    format!("Juju reported no revision for secret {id}"),
                )
            })?,
        })
    }
}
