//! Files on the unit's machine, within the prefixes declared under `machine.files` in
//! `wasmcharm.yaml` (`read:` and `write:`). Paths are absolute.
//!
//! ```no_run
//! use wasmcharm_sdk::fs;
//!
//! fs::write("/etc/ssh/sshd_config.d/10-charm.conf", "PasswordAuthentication no\n")?;
//! let config = fs::read_to_string("/etc/ssh/sshd_config")?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::machine as host;
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

/// Owner, group and mode for a file or directory the charm creates.
///
/// ```
/// let opts = wasmcharm_sdk::fs::Options::new().owner("root").group("ssh").mode(0o640);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Options {
    owner: Option<String>,
    group: Option<String>,
    mode: Option<u32>,
}

impl Options {
    /// Owned by root, mode 0o644 (files) or 0o755 (directories).
    ///
    /// ```
    /// let opts = wasmcharm_sdk::fs::Options::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The owning user, by name.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::fs::Options::new().owner("www-data");
    /// ```
    pub fn owner(mut self, user: &str) -> Self {
        self.owner = Some(user.to_string());
        self
    }

    /// The owning group, by name.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::fs::Options::new().group("www-data");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_string());
        self
    }

    /// Permission bits.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::fs::Options::new().mode(0o600);
    /// ```
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }
}

impl From<Options> for host::FileOptions {
    fn from(o: Options) -> Self {
        host::FileOptions {
            owner: o.owner,
            group: o.group,
            mode: o.mode,
        }
    }
}

/// The file's bytes.
///
/// ```no_run
/// let key = wasmcharm_sdk::fs::read("/etc/ssh/ssh_host_ed25519_key.pub")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn read(path: &str) -> Result<Vec<u8>> {
    call(host::read_file(path))
}

/// The file's text; an error if it is not UTF-8.
///
/// ```no_run
/// let text = wasmcharm_sdk::fs::read_to_string("/etc/hostname")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn read_to_string(path: &str) -> Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|_| Error::new(ErrorKind::InvalidInput, format!("{path} is not UTF-8 text")))
}

/// Replaces the file's content atomically (mode 0o644, owned by root).
///
/// ```no_run
/// wasmcharm_sdk::fs::write("/etc/motd", "Managed by Juju\n")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn write(path: &str, content: impl AsRef<[u8]>) -> Result<()> {
    write_with(path, content, Options::new())
}

/// Replaces the file's content atomically, with this owner, group and mode.
///
/// ```no_run
/// use wasmcharm_sdk::fs;
/// fs::write_with("/etc/app/secret", "s3cret", fs::Options::new().mode(0o600))?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn write_with(path: &str, content: impl AsRef<[u8]>, options: Options) -> Result<()> {
    call(host::write_file(path, content.as_ref(), &options.into()))
}

/// Creates the directory and any missing parents; an existing one is fine.
///
/// ```no_run
/// use wasmcharm_sdk::fs;
/// fs::make_dir("/etc/app/conf.d", fs::Options::new())?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn make_dir(path: &str, options: Options) -> Result<()> {
    call(host::make_dir(path, &options.into()))
}

/// Removes a file or an empty directory.
///
/// ```no_run
/// wasmcharm_sdk::fs::remove("/etc/app/old.conf")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn remove(path: &str) -> Result<()> {
    call(host::remove_path(path, false))
}

/// Removes a file, or a directory and everything in it.
///
/// ```no_run
/// wasmcharm_sdk::fs::remove_all("/var/cache/app")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn remove_all(path: &str) -> Result<()> {
    call(host::remove_path(path, true))
}
