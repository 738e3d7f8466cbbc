//! Secrets this unit has been granted (the consumer side).
//!
//! ```no_run
//! use wasmcharm_sdk::secrets::{self, Revision};
//!
//! let content = secrets::get_by_label("db-password", Revision::Tracked)?;
//! let password = content.get("password");
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::__bindings::juju::charm::secrets as host;
use crate::Result;
use crate::error::host as call;

pub use host::{Revision, SecretInfo};

/// A secret's content by its id (`secret:...`).
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Revision};
/// let c = secrets::get("secret:cr4n0eog5r6d8t2rjmf0", Revision::Refresh)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get(id: &str, revision: Revision) -> Result<BTreeMap<String, String>> {
    Ok(call(host::get(Some(id), None, revision))?
        .into_iter()
        .collect())
}

/// A secret's content by the label this unit gave it.
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Revision};
/// let c = secrets::get_by_label("db-password", Revision::Peek)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get_by_label(label: &str, revision: Revision) -> Result<BTreeMap<String, String>> {
    Ok(call(host::get(None, Some(label), revision))?
        .into_iter()
        .collect())
}

/// What Juju knows of a secret, by id.
///
/// ```no_run
/// let info = wasmcharm_sdk::secrets::info("secret:cr4n0eog5r6d8t2rjmf0")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn info(id: &str) -> Result<SecretInfo> {
    call(host::info(Some(id), None))
}
