//! `juju:charm/actions`: only while an action runs.

use crate::event::Event;
use crate::runtime::bindings::v0_1::actions;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::caps;
use crate::sandbox::names::{ActionKey, RESERVED_ACTION_KEYS};

use super::status::one_argument;

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
        let total: usize = results.iter().map(|(k, v)| k.len() + v.len() + 1).sum();
        if total > caps::ACTION_RESULTS {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "the results are {total} bytes; one action-set takes at most {}",
                    caps::ACTION_RESULTS
                ),
            ));
        }
        let results = results
            .into_iter()
            .map(|(key, value)| {
                one_argument(
                    &format!("the result `{key}` (as `key=value`)"),
                    &format!("{key}={value}"),
                )?;
                let key = ActionKey::parse(&key)?;
                if RESERVED_ACTION_KEYS.contains(&key.as_str()) {
                    return Err(error(
                        ErrorKind::InvalidInput,
                        format!(
                            "`{key}` is a result key Juju fills itself from the action's output"
                        ),
                    ));
                }
                Ok((key, value))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(self.juju.action_set(&results)?)
    }

    fn log(&mut self, message: String) -> Result<(), Error> {
        self.in_action()?;
        one_argument("the action's log message", &message)?;
        Ok(self.juju.action_log(&message)?)
    }

    fn fail(&mut self, message: String) -> Result<(), Error> {
        self.in_action()?;
        one_argument("the action's failure message", &message)?;
        Ok(self.juju.action_fail(&message)?)
    }
}
