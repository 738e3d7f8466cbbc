//! Snaps, through `snap` on the unit. Each snap must be declared under `machine.snaps`
//! in `wasmcharm.yaml`.
//!
//! ```no_run
//! use wasmcharm_sdk::snap;
//!
//! snap::Install::new("lxd").channel("5.21/stable").run()?;
//! let lxd = snap::info("lxd")?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::machine::{self as host, SnapInstallOptions};
use crate::Result;
use crate::error::host as call;

/// What snapd knows of a snap.
pub use host::Snap;

/// A `snap install` to run.
#[derive(Debug, Clone)]
pub struct Install {
    name: String,
    channel: Option<String>,
    classic: bool,
}

impl Install {
    /// Installs from the snap's default channel, confined.
    ///
    /// ```no_run
    /// wasmcharm_sdk::snap::Install::new("hello").run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn new(name: &str) -> Self {
        Install {
            name: name.to_string(),
            channel: None,
            classic: false,
        }
    }

    /// Tracks this channel, e.g. `latest/edge`.
    ///
    /// ```no_run
    /// wasmcharm_sdk::snap::Install::new("lxd").channel("5.21/stable").run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn channel(mut self, channel: &str) -> Self {
        self.channel = Some(channel.to_string());
        self
    }

    /// Installs with classic confinement.
    ///
    /// ```no_run
    /// wasmcharm_sdk::snap::Install::new("certbot").classic().run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn classic(mut self) -> Self {
        self.classic = true;
        self
    }

    /// Runs `snap install`.
    ///
    /// ```no_run
    /// wasmcharm_sdk::snap::Install::new("hello").run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn run(self) -> Result<()> {
        call(host::snap_install(
            &self.name,
            &SnapInstallOptions {
                channel: self.channel,
                classic: self.classic,
            },
        ))
    }
}

/// `snap remove`.
///
/// ```no_run
/// wasmcharm_sdk::snap::remove("hello")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn remove(name: &str) -> Result<()> {
    call(host::snap_remove(name))
}

/// Whether a snap is installed, with its version, revision and channel.
///
/// ```no_run
/// let installed = wasmcharm_sdk::snap::info("lxd")?.installed;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn info(name: &str) -> Result<Snap> {
    call(host::snap_info(name))
}
