//! The charm's file resources (`resource-get`).
//!
//! ```no_run
//! let path = wasmcharm_sdk::resources::path("installer")?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::resources as host;
use crate::Result;
use crate::error::host as call;

/// The local path of a resource, fetched by Juju if need be.
///
/// ```no_run
/// let path = wasmcharm_sdk::resources::path("installer")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn path(name: &str) -> Result<String> {
    call(host::get(name))
}
