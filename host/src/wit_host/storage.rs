//! `juju:charm/storage` (0.1.1): instances of the storage the metadata declares.

use crate::backends::juju::storage::StorageKind as JujuKind;
use crate::runtime::bindings::v0_1::event::StorageKind;
use crate::runtime::bindings::v0_1::storage::{self, StorageId, StorageInstance};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::{self, StorageName};

use super::{ToolsView, error};

impl ToolsView<'_> {
    /// A storage name by its grammar, and one the metadata declares.
    fn storage_name(&self, name: &str) -> Result<StorageName, Error> {
        let parsed = StorageName::parse(name)?;
        if !self.metadata.storage.iter().any(|s| s == name) {
            return Err(error(
                ErrorKind::NotFound,
                format!("the charm's metadata declares no storage `{name}`"),
            ));
        }
        Ok(parsed)
    }
}

impl storage::Host for ToolsView<'_> {
    fn list(&mut self, name: Option<String>) -> Result<Vec<StorageId>, Error> {
        let name = name.as_deref().map(|n| self.storage_name(n)).transpose()?;
        Ok(self
            .juju
            .storage_list(name.as_ref())?
            .iter()
            .map(|id| StorageId {
                name: id.name().to_string(),
                index: id.index(),
            })
            .collect())
    }

    fn get(&mut self, id: StorageId) -> Result<StorageInstance, Error> {
        let parsed = names::StorageId::new(self.storage_name(&id.name)?, id.index);
        let instance = self.juju.storage_get(&parsed)?;
        Ok(StorageInstance {
            id,
            kind: match instance.kind {
                JujuKind::Filesystem => StorageKind::Filesystem,
                JujuKind::Block => StorageKind::Block,
            },
            location: instance.location,
        })
    }

    fn add(&mut self, name: String, count: u32) -> Result<(), Error> {
        let name = self.storage_name(&name)?;
        if count == 0 {
            return Err(error(
                ErrorKind::InvalidInput,
                "storage add needs a count of at least 1",
            ));
        }
        Ok(self.juju.storage_add(&name, count)?)
    }
}
