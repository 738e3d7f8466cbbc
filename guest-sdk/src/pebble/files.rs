//! Files in a container: push, pull, list, make and remove, with ownership and mode.

use super::host;
use super::{Container, FileInfo};
use crate::error::host as call;
use crate::{FileOptions, Result};

/// The container's form of the options.
fn pebble(o: &FileOptions) -> host::FileOptions {
    host::FileOptions {
        make_parents: o.make_parents,
        permissions: o.mode,
        user_id: o.owner_id,
        user: o.owner.clone(),
        group_id: o.group_id,
        group: o.group.clone(),
    }
}

impl Container {
    /// Writes a file atomically (0o644, root).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").push("/etc/web.conf", "port: 8080\n")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn push(&self, path: &str, content: impl AsRef<[u8]>) -> Result<()> {
        self.push_with(path, content, FileOptions::new())
    }

    /// Writes a file atomically with these options.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::{FileOptions, pebble};
    /// pebble::container("web").push_with("/etc/web/key", "s3cret", FileOptions::new().make_parents().mode(0o600))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn push_with(
        &self,
        path: &str,
        content: impl AsRef<[u8]>,
        options: FileOptions,
    ) -> Result<()> {
        call(host::push(
            &self.name,
            path,
            content.as_ref(),
            &pebble(&options),
        ))
    }

    /// A file's bytes.
    ///
    /// ```no_run
    /// let conf = wasmcharm_sdk::pebble::container("web").pull("/etc/web.conf")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn pull(&self, path: &str) -> Result<Vec<u8>> {
        call(host::pull(&self.name, path))
    }

    /// A directory's entries (or a file's own).
    ///
    /// ```no_run
    /// let entries = wasmcharm_sdk::pebble::container("web").list_files("/etc", Some("*.conf"))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn list_files(&self, path: &str, pattern: Option<&str>) -> Result<Vec<FileInfo>> {
        call(host::list_files(&self.name, path, pattern, false))
    }

    /// Creates a directory.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::{FileOptions, pebble};
    /// pebble::container("web").make_dir("/srv/data", FileOptions::new().make_parents())?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn make_dir(&self, path: &str, options: FileOptions) -> Result<()> {
        call(host::make_dir(&self.name, path, &pebble(&options)))
    }

    /// Removes a file or an empty directory.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").remove_path("/tmp/cache.db")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remove_path(&self, path: &str) -> Result<()> {
        call(host::remove_path(&self.name, path, false))
    }

    /// Removes a file, or a directory and everything in it; what is not there is fine.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").remove_all("/tmp/cache")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remove_all(&self, path: &str) -> Result<()> {
        call(host::remove_path(&self.name, path, true))
    }
}
