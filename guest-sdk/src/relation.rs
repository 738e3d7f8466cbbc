//! Relations and their databags, as `ops`' `Relation` and `RelationDataContent`.
//!
//! ```no_run
//! use wasmcharm_sdk::relation;
//!
//! for db in relation::on("db")? {
//!     let app = db.remote_app()?;
//!     let endpoint = db.app_data(&app)?.get("endpoint").cloned();
//!     db.set(&[("database", "app")])?;
//! }
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::__bindings::juju::charm::relations as host;
use crate::Result;
use crate::error::host as call;
use crate::event::RelationEvent;

/// One relation, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// The relation's id (`db:7` is 7).
    pub id: u32,
}

/// The relations on one of the charm's endpoints.
///
/// ```no_run
/// let peers = wasmcharm_sdk::relation::on("cluster")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn on(endpoint: &str) -> Result<Vec<Relation>> {
    Ok(call(host::ids(endpoint))?
        .into_iter()
        .map(|id| Relation { id })
        .collect())
}

impl From<&RelationEvent> for Relation {
    fn from(event: &RelationEvent) -> Self {
        Relation {
            id: event.relation_id,
        }
    }
}

fn pairs(data: &[(&str, &str)]) -> Vec<(String, String)> {
    data.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Relation {
    /// The remote units.
    ///
    /// ```no_run
    /// let units = wasmcharm_sdk::relation::Relation { id: 7 }.units()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn units(&self) -> Result<Vec<String>> {
        call(host::units(self.id))
    }

    /// The application on the other side.
    ///
    /// ```no_run
    /// let app = wasmcharm_sdk::relation::Relation { id: 7 }.remote_app()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remote_app(&self) -> Result<String> {
        call(host::remote_app(self.id))
    }

    /// A unit's databag (this unit's, or a remote one's).
    ///
    /// ```no_run
    /// let bag = wasmcharm_sdk::relation::Relation { id: 7 }.data("postgresql/0")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn data(&self, unit: &str) -> Result<BTreeMap<String, String>> {
        Ok(call(host::get(self.id, unit, false))?.into_iter().collect())
    }

    /// An application's databag (the remote one's, or this one's on the leader).
    ///
    /// ```no_run
    /// let bag = wasmcharm_sdk::relation::Relation { id: 7 }.app_data("postgresql")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn app_data(&self, app: &str) -> Result<BTreeMap<String, String>> {
        Ok(call(host::get(self.id, app, true))?.into_iter().collect())
    }

    /// Writes keys to this unit's databag; an empty value deletes the key.
    ///
    /// ```no_run
    /// wasmcharm_sdk::relation::Relation { id: 7 }.set(&[("port", "22")])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn set(&self, data: &[(&str, &str)]) -> Result<()> {
        call(host::set(self.id, false, &pairs(data)))
    }

    /// Writes keys to this application's databag (the leader only).
    ///
    /// ```no_run
    /// wasmcharm_sdk::relation::Relation { id: 7 }.set_app(&[("version", "9.6")])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn set_app(&self, data: &[(&str, &str)]) -> Result<()> {
        call(host::set(self.id, true, &pairs(data)))
    }

    /// The UUID of the model the other side is in (another model's, for a cross-model
    /// relation), as `ops`' `relation.remote_model`.
    ///
    /// ```no_run
    /// let uuid = wasmcharm_sdk::relation::Relation { id: 7 }.remote_model()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remote_model(&self) -> Result<String> {
        call(host::remote_model(self.id))
    }
}
