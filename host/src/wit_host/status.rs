//! `juju:charm/status`.

use crate::backends::juju::{self, Target};
use crate::runtime::bindings::v0_1::status;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind, Status};

use super::{ToolsView, error};

/// A text that must fit in one argument of a hook tool.
pub(super) fn one_argument(what: &str, text: &str) -> Result<(), Error> {
    crate::sandbox::caps::one_argument(what, text)
        .map(drop)
        .map_err(|e| error(ErrorKind::InvalidInput, e))
}

fn settable(status: Status) -> Result<juju::Status, Error> {
    let status = juju::Status::from(status);
    one_argument("the status message", &status.message)?;
    if status.kind.settable() {
        Ok(status)
    } else {
        Err(error(
            ErrorKind::InvalidInput,
            format!(
                "a charm cannot set the status `{}`: it sets active, blocked, maintenance \
                 or waiting",
                status.kind.as_str()
            ),
        ))
    }
}

impl status::Host for ToolsView<'_> {
    fn set_unit(&mut self, status: Status) -> Result<(), Error> {
        Ok(self.juju.status_set(Target::Unit, &settable(status)?)?)
    }

    fn get_unit(&mut self) -> Result<Status, Error> {
        Ok(self.juju.status_get(Target::Unit)?.into())
    }

    fn set_app(&mut self, status: Status) -> Result<(), Error> {
        Ok(self.juju.status_set(Target::App, &settable(status)?)?)
    }

    fn get_app(&mut self) -> Result<Status, Error> {
        Ok(self.juju.status_get(Target::App)?.into())
    }

    fn set_workload_version(&mut self, version: String) -> Result<(), Error> {
        one_argument("the workload version", &version)?;
        Ok(self.juju.application_version_set(&version)?)
    }
}
