//! The unit's storage, as the metadata's `storage:` declares it (`ops`' `model.storages`).
//!
//! ```no_run
//! use wasmcharm_sdk::storage;
//!
//! if let Some(data) = storage::get("data")?.first() {
//!     log::info!("data is at {}", data.location);
//! }
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::storage as host;
use crate::Result;
use crate::error::host as call;

pub use crate::event::StorageKind;
pub use host::{StorageId, StorageInstance};

/// The attached instances of one storage, each with its location.
///
/// ```no_run
/// let instances = wasmcharm_sdk::storage::get("data")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get(name: &str) -> Result<Vec<StorageInstance>> {
    call(host::list(Some(name)))?
        .iter()
        .map(|id| call(host::get(id)))
        .collect()
}

/// Every attached instance, of every storage.
///
/// ```no_run
/// let all = wasmcharm_sdk::storage::list()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn list() -> Result<Vec<StorageId>> {
    call(host::list(None))
}

/// One instance: where it is, and what kind it is.
///
/// ```no_run
/// use wasmcharm_sdk::storage::{self, StorageId};
/// let data = storage::instance(&StorageId { name: "data".into(), index: 0 })?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn instance(id: &StorageId) -> Result<StorageInstance> {
    call(host::get(id))
}

/// Asks Juju for `count` more instances; each arrives with its own `storage-attached`.
///
/// ```no_run
/// wasmcharm_sdk::storage::request("data", 1)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn request(name: &str, count: u32) -> Result<()> {
    call(host::add(name, count))
}
