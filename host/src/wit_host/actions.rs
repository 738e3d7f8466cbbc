//! `juju:charm/actions`: only while an action runs.

use crate::event::Event;
use crate::runtime::bindings::v0_1::actions;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};

use super::{ActionsView, error};

impl ActionsView<'_> {
    fn in_action(&self) -> Result<(), Error> {
        match &self.delivery.event {
            Some(Event::Action(_)) => Ok(()),
            _ => Err(error(
                ErrorKind::Unsupported,
                "action calls are for actions; this dispatch is a hook",
            )),
        }
    }
}

impl actions::Host for ActionsView<'_> {
    fn params(&mut self) -> Result<String, Error> {
        self.in_action()?;
        Ok(self.juju.action_get()?.to_string())
    }

    fn set_results(&mut self, results: Vec<(String, String)>) -> Result<(), Error> {
        self.in_action()?;
        Ok(self.juju.action_set(&results)?)
    }

    fn log(&mut self, message: String) -> Result<(), Error> {
        self.in_action()?;
        Ok(self.juju.action_log(&message)?)
    }

    fn fail(&mut self, message: String) -> Result<(), Error> {
        self.in_action()?;
        Ok(self.juju.action_fail(&message)?)
    }
}
