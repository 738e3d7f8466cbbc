//! The running action: parameters in, results, progress and failure out, as `ops`'
//! `ActionEvent`.
//!
//! ```no_run
//! use serde::Deserialize;
//! use wasmcharm_sdk::action;
//!
//! #[derive(Deserialize)]
//! struct Params { filename: String }
//!
//! let params: Params = action::params()?;
//! action::log("backing up")?;
//! action::set_results(&[("path", &params.filename)])?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use serde::de::DeserializeOwned;

use crate::__bindings::juju::charm::actions as host;
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

/// The parameters, with the declared defaults filled in, as any `serde` type.
///
/// ```no_run
/// let all: serde_json::Value = wasmcharm_sdk::action::params()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn params<T: DeserializeOwned>() -> Result<T> {
    let json = call(host::params())?;
    serde_json::from_str(&json).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("the action's parameters do not fit their type: {e}"),
        )
    })
}

/// Adds results; a dotted key (`keys.rsa`) nests.
///
/// ```no_run
/// wasmcharm_sdk::action::set_results(&[("keys.rsa", "ssh-rsa AAAA...")])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn set_results(results: &[(&str, &str)]) -> Result<()> {
    let results: Vec<(String, String)> = results
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    call(host::set_results(&results))
}

/// A progress message the operator sees.
///
/// ```no_run
/// wasmcharm_sdk::action::log("half way")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn log(message: &str) -> Result<()> {
    call(host::log(message))
}

/// Marks the action failed; return normally afterwards. (Returning an error fails it
/// too, with the error as its message.)
///
/// ```no_run
/// wasmcharm_sdk::action::fail("no host keys yet")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn fail(message: &str) -> Result<()> {
    call(host::fail(message))
}
