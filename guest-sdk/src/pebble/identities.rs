//! A container's Pebble identities, and signals to its services.

use super::container::names;
use super::{Container, Identity, host};
use crate::Result;
use crate::error::host as call;

impl Container {
    /// The identities Pebble knows, by name (password hashes shown as `*****`).
    ///
    /// ```no_run
    /// let ids = wasmcharm_sdk::pebble::container("db").identities()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn identities(&self) -> Result<Vec<(String, Identity)>> {
        call(host::get_identities(&self.name))
    }

    /// Adds identities, or replaces those of the same name.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, Identity, IdentityAccess};
    /// let metrics = Identity {
    ///     access: IdentityAccess::Metrics,
    ///     local_user_id: None,
    ///     basic_password_hash: Some("$6$salt$hash".into()),
    ///     cert_pem: None,
    /// };
    /// pebble::container("db").replace_identities(&[("prometheus", metrics)])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn replace_identities(&self, identities: &[(&str, Identity)]) -> Result<()> {
        let named: Vec<(String, Identity)> = identities
            .iter()
            .map(|(n, i)| (n.to_string(), i.clone()))
            .collect();
        call(host::replace_identities(&self.name, &named))
    }

    /// Removes identities by name.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("db").remove_identities(&["prometheus"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remove_identities(&self, names_: &[&str]) -> Result<()> {
        call(host::remove_identities(&self.name, &names(names_)))
    }

    /// Sends a signal (`SIGHUP`, `SIGUSR1`, ...) to running services.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("db").send_signal("SIGHUP", &["db"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
        call(host::send_signal(&self.name, signal, &names(services)))
    }
}
