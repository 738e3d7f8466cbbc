//! The charm's config options, typed as the charm declares them.
//!
//! ```no_run
//! use wasmcharm_sdk::config;
//!
//! let port: u16 = config::get_or("port", 22)?;
//! let motd: Option<String> = config::get("motd")?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::config as host;
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

pub use host::Value;

/// A type a config value can be read as.
pub trait FromConfig: Sized {
    /// Converts the value, or says why it cannot.
    fn from_config(key: &str, value: Value) -> Result<Self>;
}

/// The URI of a secret held in an option of type `secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretUri(pub String);

fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Int(_) => "an int",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Secret(_) => "a secret",
    }
}

fn mismatch(key: &str, value: &Value, wanted: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("config option `{key}` is {}, not {wanted}", kind(value)),
    )
}

impl FromConfig for Value {
    fn from_config(_: &str, value: Value) -> Result<Self> {
        Ok(value)
    }
}

impl FromConfig for String {
    fn from_config(key: &str, value: Value) -> Result<Self> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(mismatch(key, &other, "a string")),
        }
    }
}

impl FromConfig for SecretUri {
    fn from_config(key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Secret(s) => Ok(SecretUri(s)),
            other => Err(mismatch(key, &other, "a secret")),
        }
    }
}

impl FromConfig for bool {
    fn from_config(key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Boolean(b) => Ok(b),
            other => Err(mismatch(key, &other, "a boolean")),
        }
    }
}

impl FromConfig for f64 {
    fn from_config(key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(mismatch(key, &other, "a float")),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl FromConfig for $t {
            fn from_config(key: &str, value: Value) -> Result<Self> {
                match value {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| Error::new(
                        ErrorKind::InvalidInput,
                        format!("config option `{key}` is {i}, out of range for {}", stringify!($t)),
                    )),
                    other => Err(mismatch(key, &other, "an int")),
                }
            }
        }
    )*};
}

from_int!(i64, i32, u64, u32, u16, u8, usize);

/// The option's value (set, else its default); `None` when it has neither.
///
/// ```no_run
/// let token: Option<String> = wasmcharm_sdk::config::get("token")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get<T: FromConfig>(key: &str) -> Result<Option<T>> {
    call(host::get(key))?
        .map(|v| T::from_config(key, v))
        .transpose()
}

/// The option's value, or `default` when it has none.
///
/// ```no_run
/// let port: u16 = wasmcharm_sdk::config::get_or("port", 22)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get_or<T: FromConfig>(key: &str, default: T) -> Result<T> {
    Ok(get(key)?.unwrap_or(default))
}

/// Every option that has a value.
///
/// ```no_run
/// for (key, value) in wasmcharm_sdk::config::all()? {
///     log::debug!("{key} = {value:?}");
/// }
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn all() -> Result<Vec<(String, Value)>> {
    call(host::get_all())
}

/// The whole config as one `serde` type, as [`crate::action::params`] reads an action's
/// parameters: each option (set, else its default) under its name; options with
/// neither are absent, so give those fields `#[serde(default)]` or an `Option`. A
/// `secret` option reads as its URI.
///
/// ```no_run
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Config {
///     port: u16,
///     log_level: String,
///     #[serde(default)]
///     motd: Option<String>,
/// }
/// let config: Config = wasmcharm_sdk::config::load()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn load<T: serde::de::DeserializeOwned>() -> Result<T> {
    let map: serde_json::Map<String, serde_json::Value> = all()?
        .into_iter()
        .map(|(key, value)| {
            let json = match value {
                Value::String(s) | Value::Secret(s) => serde_json::Value::String(s),
                Value::Int(n) => serde_json::Value::from(n),
                Value::Float(f) => serde_json::Value::from(f),
                Value::Boolean(b) => serde_json::Value::Bool(b),
            };
            (key, json)
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "the charm's config does not fit its type: {}",
                unquoted(&e.to_string())
            ),
        )
    })
}

/// serde's message without the values it quotes (`invalid type: string "hunter2"`): a
/// config value may be a password, and this message may end up in a status or a log.
fn unquoted(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' if quoted => {
                quoted = false;
                out.push_str("\"…\"");
            }
            '"' => quoted = true,
            _ if quoted => {}
            c => out.push(c),
        }
    }
    out
}
