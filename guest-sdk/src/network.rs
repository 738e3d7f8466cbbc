//! Where this unit is on the network (`network-get`).
//!
//! ```no_run
//! let info = wasmcharm_sdk::network::get("website", None)?;
//! let address = info.ingress_addresses.first().cloned();
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::network as host;
use crate::Result;
use crate::error::host as call;

pub use host::{Address, BindAddress, NetworkInfo};

/// The addresses for a binding (an endpoint or extra-binding), optionally as seen in one
/// relation.
///
/// ```no_run
/// let info = wasmcharm_sdk::network::get("db", Some(7))?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get(binding: &str, relation_id: Option<u32>) -> Result<NetworkInfo> {
    call(host::get(binding, relation_id))
}
