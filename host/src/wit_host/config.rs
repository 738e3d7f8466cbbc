//! `juju:charm/config`: Juju's JSON values, typed by the options the charm declares.

use serde_json::Value as Json;

use crate::charm_dir::OptionType;
use crate::runtime::bindings::v0_1::config::{self, Value};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};

use super::{ConfigView, error};

/// Types one value; `None` when it does not fit the declared type.
fn typed(kind: OptionType, value: &Json) -> Option<Value> {
    Some(match kind {
        OptionType::String => Value::String(value.as_str()?.to_string()),
        OptionType::Secret => Value::Secret(value.as_str()?.to_string()),
        OptionType::Int => Value::Int(value.as_i64()?),
        OptionType::Float => Value::Float(value.as_f64()?),
        OptionType::Boolean => Value::Boolean(value.as_bool()?),
    })
}

impl ConfigView<'_> {
    fn typed_option(&self, key: &str, value: &Json) -> Result<Option<Value>, Error> {
        let Some(option) = self.metadata.config.get(key) else {
            return Err(error(
                ErrorKind::NotFound,
                format!("the charm declares no config option `{key}`"),
            ));
        };
        if value.is_null() {
            return Ok(None);
        }
        typed(option.kind, value).map(Some).ok_or_else(|| {
            error(
                ErrorKind::Internal,
                format!(
                    "Juju gave {value} for config option `{key}`, which the charm declares \
                     as {}",
                    option.kind
                ),
            )
        })
    }
}

impl config::Host for ConfigView<'_> {
    fn get(&mut self, key: String) -> Result<Option<Value>, Error> {
        if !self.metadata.config.contains_key(&key) {
            return Err(error(
                ErrorKind::NotFound,
                format!("the charm declares no config option `{key}`"),
            ));
        }
        let all = self.juju.config_get()?;
        match all.get(&key) {
            None => Ok(None),
            Some(value) => self.typed_option(&key, value),
        }
    }

    fn get_all(&mut self) -> Result<Vec<(String, Value)>, Error> {
        let all = self.juju.config_get()?;
        let mut values = Vec::with_capacity(all.len());
        for (key, value) in &all {
            // Juju reports only declared options; anything else is not the charm's.
            if !self.metadata.config.contains_key(key) {
                continue;
            }
            if let Some(typed) = self.typed_option(key, value)? {
                values.push((key.clone(), typed));
            }
        }
        Ok(values)
    }
}
