//! `juju:charm/resources`: only resources the metadata declares.

use crate::runtime::bindings::v0_1::resources;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::ResourceName;

use super::{ToolsView, error};

impl resources::Host for ToolsView<'_> {
    fn get(&mut self, name: String) -> Result<String, Error> {
        let name = ResourceName::parse(&name)?;
        if !self.metadata.resources.iter().any(|r| r == name.as_str()) {
            return Err(error(
                ErrorKind::NotFound,
                format!("the charm's metadata declares no resource `{name}`"),
            ));
        }
        Ok(self.juju.resource_get(&name)?)
    }
}
