//! One builder for what a charm creates, on its machine ([`crate::fs`]) or in a
//! workload container ([`crate::pebble`]): owner, group, mode, and whether to make the
//! missing parents.

/// Owner, group and mode of a file or directory the charm creates, and whether its
/// missing parents are made too. Root's, 0o644 for files and 0o755 for directories,
/// unless set.
///
/// ```
/// use wasmcharm_sdk::FileOptions;
/// let opts = FileOptions::new().owner("app").group("app").mode(0o600).make_parents();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    pub(crate) make_parents: bool,
    pub(crate) mode: Option<u32>,
    pub(crate) owner: Option<String>,
    pub(crate) owner_id: Option<u32>,
    pub(crate) group: Option<String>,
    pub(crate) group_id: Option<u32>,
}

impl FileOptions {
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Make missing parent directories (0o755, owned as what is made; for a directory in
    /// a container, with its mode too, as Pebble makes them).
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().make_parents();
    /// ```
    pub fn make_parents(mut self) -> Self {
        self.make_parents = true;
        self
    }

    /// Permission bits (Pebble calls them `permissions`).
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().mode(0o640);
    /// ```
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The owning user, by name (Pebble calls it `user`).
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().owner("www-data");
    /// ```
    pub fn owner(mut self, user: &str) -> Self {
        self.owner = Some(user.to_string());
        self
    }

    /// The owning user, by id: in a workload container only (the machine takes names),
    /// and with a group, as Pebble requires.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().owner_id(584792).group_id(584792);
    /// ```
    pub fn owner_id(mut self, uid: u32) -> Self {
        self.owner_id = Some(uid);
        self
    }

    /// The owning group, by name; Pebble takes a group only with a user.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().group("www-data");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_string());
        self
    }

    /// The owning group, by id: in a workload container only.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::FileOptions::new().group_id(584792);
    /// ```
    pub fn group_id(mut self, gid: u32) -> Self {
        self.group_id = Some(gid);
        self
    }
}
