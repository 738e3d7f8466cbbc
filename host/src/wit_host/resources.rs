//! `juju:charm/resources`.

use crate::runtime::bindings::v0_1::resources;
use crate::runtime::bindings::v0_1::types::Error;

use super::ToolsView;

impl resources::Host for ToolsView<'_> {
    fn get(&mut self, name: String) -> Result<String, Error> {
        Ok(self.juju.resource_get(&name)?)
    }
}
