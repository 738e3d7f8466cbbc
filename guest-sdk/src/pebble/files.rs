//! Files in a container: push, pull, list, make and remove, with ownership and mode.

use super::host;
use super::{Container, FileInfo};
use crate::Result;
use crate::error::host as call;

/// Ownership and mode for files and directories created in a container.
///
/// ```
/// let opts = wasmcharm_sdk::pebble::FileOptions::new().make_parents().permissions(0o600).user("app");
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileOptions(host::FileOptions);

// The type is generated from the WIT, so it cannot carry the derive itself.
#[allow(clippy::derivable_impls)]
impl Default for host::FileOptions {
    fn default() -> Self {
        host::FileOptions {
            make_parents: false,
            permissions: None,
            user_id: None,
            user: None,
            group_id: None,
            group: None,
        }
    }
}

impl FileOptions {
    /// Root-owned, 0o644 files and 0o755 directories, parents not created.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Create missing parent directories.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().make_parents();
    /// ```
    pub fn make_parents(mut self) -> Self {
        self.0.make_parents = true;
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().permissions(0o600);
    /// ```
    pub fn permissions(mut self, mode: u32) -> Self {
        self.0.permissions = Some(mode);
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().user("app");
    /// ```
    pub fn user(mut self, user: &str) -> Self {
        self.0.user = Some(user.into());
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().group("app");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.0.group = Some(group.into());
        self
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
    /// use wasmcharm_sdk::pebble::{self, FileOptions};
    /// pebble::container("web").push_with("/etc/web/key", "s3cret", FileOptions::new().make_parents().permissions(0o600))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn push_with(
        &self,
        path: &str,
        content: impl AsRef<[u8]>,
        options: FileOptions,
    ) -> Result<()> {
        call(host::push(&self.name, path, content.as_ref(), &options.0))
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
    /// use wasmcharm_sdk::pebble::{self, FileOptions};
    /// pebble::container("web").make_dir("/srv/data", FileOptions::new().make_parents())?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn make_dir(&self, path: &str, options: FileOptions) -> Result<()> {
        call(host::make_dir(&self.name, path, &options.0))
    }

    /// Removes a file, or a directory (with everything in it when `recursive`).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").remove_path("/tmp/cache", true)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        call(host::remove_path(&self.name, path, recursive))
    }
}
