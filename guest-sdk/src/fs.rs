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
use crate::{Error, ErrorKind, FileOptions, Result};

/// What [`write_with`] and [`make_dir`] take: the crate's one [`FileOptions`].
pub type Options = FileOptions;

/// The machine's form of the options: owners by name only.
fn machine(options: &FileOptions) -> Result<host::FileOptions> {
    if options.owner_id.is_some() || options.group_id.is_some() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "files on the machine take their owner and group by name, not by id",
        ));
    }
    Ok(host::FileOptions {
        owner: options.owner.clone(),
        group: options.group.clone(),
        mode: options.mode,
    })
}

/// The directory a path is in.
fn parent(path: &str) -> Option<&str> {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
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
    write_with(path, content, FileOptions::new())
}

/// Replaces the file's content atomically, with this owner, group and mode (and its
/// missing parents made first, with [`FileOptions::make_parents`]).
///
/// ```no_run
/// use wasmcharm_sdk::{FileOptions, fs};
/// fs::write_with("/etc/app/secret", "s3cret", FileOptions::new().mode(0o600))?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn write_with(path: &str, content: impl AsRef<[u8]>, options: FileOptions) -> Result<()> {
    let file = machine(&options)?;
    if options.make_parents
        && let Some(dir) = parent(path)
    {
        call(host::make_dir(dir, &machine(&FileOptions::new())?))?;
    }
    call(host::write_file(path, content.as_ref(), &file))
}

/// Creates the directory and any missing parents (on the machine, always); an existing
/// one is fine.
///
/// ```no_run
/// use wasmcharm_sdk::{FileOptions, fs};
/// fs::make_dir("/etc/app/conf.d", FileOptions::new())?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn make_dir(path: &str, options: FileOptions) -> Result<()> {
    call(host::make_dir(path, &machine(&options)?))
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
