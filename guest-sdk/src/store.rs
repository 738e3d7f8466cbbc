//! The unit's stored state, kept between dispatches: raw bytes by key, or typed values
//! (anything `serde` can write) with defaults, like `ops`' `StoredState`. Changes are
//! kept only if the whole dispatch succeeds.
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use wasmcharm_sdk::store;
//!
//! #[derive(Default, Serialize, Deserialize)]
//! #[serde(default)]
//! struct State {
//!     installed: bool,
//!     ppa: Option<String>,
//! }
//!
//! let mut state: State = store::load("state")?;
//! state.installed = true;
//! store::save("state", &state)?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::__bindings::juju::charm::store as host;
use crate::{Error, ErrorKind, Result};

/// The bytes stored under `key`.
///
/// ```no_run
/// let raw: Option<Vec<u8>> = wasmcharm_sdk::store::get("blob");
/// ```
pub fn get(key: &str) -> Option<Vec<u8>> {
    host::get(key)
}

/// Stores bytes under `key`.
///
/// ```no_run
/// wasmcharm_sdk::store::set("blob", b"\x00\x01");
/// ```
pub fn set(key: &str, value: &[u8]) {
    host::set(key, value)
}

/// Forgets `key`.
///
/// ```no_run
/// wasmcharm_sdk::store::delete("blob");
/// ```
pub fn delete(key: &str) {
    host::delete(key)
}

/// Every stored key, sorted.
///
/// ```no_run
/// for key in wasmcharm_sdk::store::keys() { log::debug!("{key}"); }
/// ```
pub fn keys() -> Vec<String> {
    host::keys()
}

/// The value stored under `key`, or `T::default()` when there is none: `ops`'
/// `set_default`. Mark the type `#[serde(default)]` so that fields added later take
/// their defaults too.
///
/// ```no_run
/// let count: u64 = wasmcharm_sdk::store::load("count")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn load<T: DeserializeOwned + Default>(key: &str) -> Result<T> {
    match get(key) {
        None => Ok(T::default()),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("the stored value of {key:?} does not fit its type: {e}"),
            )
        }),
    }
}

/// Stores a value under `key` (as JSON).
///
/// ```no_run
/// wasmcharm_sdk::store::save("count", &3u64)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn save<T: Serialize>(key: &str, value: &T) -> Result<()> {
    let bytes =
        serde_json::to_vec(value).map_err(|e| Error::msg(format!("cannot store {key:?}: {e}")))?;
    set(key, &bytes);
    Ok(())
}
