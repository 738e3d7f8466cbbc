//! The unit's stored state and deferred-event queue, in `.wasmcharm-state/` in the unit's
//! directory (the charm directory, or beside it: [`crate::unit::dir`]), locked for the
//! whole dispatch (Juju may run an action beside a hook).
//!
//! A hook pays only for the state it touches: `index.json` names each key's value file
//! (in `values/`) and holds the deferred events, and a value is read when the charm asks
//! for it. A commit writes the changed values to new files, then replaces the index
//! atomically (temp file, fsync, rename, fsync of the directory), then removes the files
//! no index names any more: a crash at any point leaves the old index and every file it
//! names, or the new one and every file it names. Nothing is committed unless the
//! dispatch succeeded.
//!
//! What a charm stores is bounded ([`crate::sandbox::caps`]): a key, a value and the
//! whole. State kept by an older host in one file (`.wasmcharm-state.json`) is read
//! whole once and moved into this layout at once.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::sandbox::caps;

pub const STATE_DIR: &str = ".wasmcharm-state";
/// The index of [`STATE_DIR`], whose presence says a unit lives here.
pub const INDEX_FILE: &str = "index.json";
/// Where an older host kept the whole state, in one file.
pub const LEGACY_STATE_FILE: &str = ".wasmcharm-state.json";
pub const LOCK_FILE: &str = ".wasmcharm-state.lock";
const VALUES_DIR: &str = "values";
/// How long a dispatch waits for another one on the same unit to finish.
const LOCK_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another dispatch of this unit has held {path} for {}s; giving up",
        LOCK_TIMEOUT.as_secs()
    )]
    LockTimeout { path: String },
    #[error("{path} is not a wasmcharm state file ({message}); move it aside to start afresh")]
    Corrupt { path: String, message: String },
}

/// A value the charm may not store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreLimit {
    #[error(
        "the stored-state key {key} is {len} bytes; a key is at most {} bytes",
        caps::STORED_KEY
    )]
    Key { key: String, len: usize },
    #[error(
        "the value for stored-state key {key:?} is {len} bytes; a value is at most {} bytes",
        caps::STORED_VALUE
    )]
    Value { key: String, len: usize },
    #[error(
        "storing {key:?} would make the unit's stored state {total} bytes; it is at most {} \
         bytes (keys and values together, and {} for each entry)",
        caps::STORED_TOTAL,
        caps::STORED_ENTRY_OVERHEAD
    )]
    Total { key: String, total: usize },
    #[error(
        "storing {key} would make more than {} keys, the most a unit keeps",
        caps::STORED_KEYS
    )]
    Keys { key: String },
}

/// One value: in memory (set by the charm, or read whole from an older host's file),
/// or in its file, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Here(Arc<Vec<u8>>),
    Kept { file: String, len: usize },
}

impl Slot {
    fn len(&self) -> usize {
        match self {
            Slot::Here(bytes) => bytes.len(),
            Slot::Kept { len, .. } => *len,
        }
    }
}

/// What a unit keeps between dispatches. Two states are equal when they hold the same
/// values and events: the host commits only a changed one.
#[derive(Debug, Clone, Default)]
pub struct StoredState {
    values: BTreeMap<String, Slot>,
    /// Deferred events, oldest first.
    pub deferred: Vec<Event>,
    /// Keys and values together, in bytes.
    bytes: usize,
    /// Where [`Slot::Kept`] values are read from.
    values_dir: Option<Arc<PathBuf>>,
}

impl PartialEq for StoredState {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values && self.deferred == other.deferred
    }
}

impl Eq for StoredState {}

/// What an entry counts against [`caps::STORED_TOTAL`]: its key, its value, and what
/// keeping it costs (an index entry, perhaps a file), so that empty values are not free.
fn entry_bytes(key: &str, len: usize) -> usize {
    key.len() + len + caps::STORED_ENTRY_OVERHEAD
}

/// Values this small are kept in the index itself, not in a file of their own.
const INLINE: usize = 512;

/// Names the host gives value files (`tempfile`'s `v-` and six letters or digits): an
/// index naming anything else (a path, `..`) was not written by the host.
fn valid_value_file(name: &str) -> bool {
    name.strip_prefix("v-").is_some_and(|rest| {
        (1..=32).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

impl StoredState {
    /// A state held wholly in memory (a simulated unit's).
    pub fn from_values(values: BTreeMap<String, Vec<u8>>, deferred: Vec<Event>) -> Self {
        let bytes = values.iter().map(|(k, v)| entry_bytes(k, v.len())).sum();
        StoredState {
            values: values
                .into_iter()
                .map(|(k, v)| (k, Slot::Here(Arc::new(v))))
                .collect(),
            deferred,
            bytes,
            values_dir: None,
        }
    }

    /// The value of `key`, read from its file the first time it is asked for.
    pub fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(slot) = self.values.get(key) else {
            return Ok(None);
        };
        let bytes = match slot {
            Slot::Here(bytes) => return Ok(Some(bytes.as_ref().clone())),
            Slot::Kept { file, len } => self.read_kept(file, *len)?,
        };
        Ok(Some(bytes))
    }

    fn read_kept(&self, file: &str, len: usize) -> Result<Vec<u8>, StoreError> {
        let dir = self
            .values_dir
            .as_deref()
            .ok_or_else(|| StoreError::Corrupt {
                path: file.to_string(),
                message: "a kept value with no directory to read it from".into(),
            })?;
        let path = dir.join(file);
        let corrupt = |message: String| StoreError::Corrupt {
            path: path.display().to_string(),
            message,
        };
        use std::os::unix::fs::OpenOptionsExt;
        // Only the index's `len` is read (no more, and never a link): the index is not
        // trusted to name a size the host may allocate up front.
        let mut bytes = Vec::with_capacity(len.min(caps::STORED_VALUE));
        OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&path)
            .and_then(|f| f.take(len as u64 + 1).read_to_end(&mut bytes))
            .map_err(|source| StoreError::Io {
                action: "read",
                path: path.display().to_string(),
                source,
            })?;
        if bytes.len() != len {
            return Err(corrupt(format!(
                "it holds {} bytes where the index says {len}",
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// Stores `value` under `key`, within the caps. Storing what is already there
    /// changes nothing (and so commits nothing).
    pub fn set(&mut self, key: &str, value: Vec<u8>) -> Result<(), StoreSetError> {
        if key.len() > caps::STORED_KEY {
            return Err(StoreLimit::Key {
                key: crate::sandbox::names::shown(key),
                len: key.len(),
            }
            .into());
        }
        if value.len() > caps::STORED_VALUE {
            return Err(StoreLimit::Value {
                key: key.to_string(),
                len: value.len(),
            }
            .into());
        }
        let old = self.values.get(key).map(Slot::len);
        if old == Some(value.len()) && self.get(key)?.as_deref() == Some(value.as_slice()) {
            return Ok(());
        }
        if old.is_none() && self.values.len() >= caps::STORED_KEYS {
            return Err(StoreLimit::Keys {
                key: crate::sandbox::names::shown(key),
            }
            .into());
        }
        let old_bytes = old.map_or(0, |len| entry_bytes(key, len));
        let total = self.bytes - old_bytes + entry_bytes(key, value.len());
        // A unit whose state an older host let grow past the cap may still shrink it.
        if total > caps::STORED_TOTAL && total > self.bytes {
            return Err(StoreLimit::Total {
                key: key.to_string(),
                total,
            }
            .into());
        }
        self.bytes = total;
        self.values
            .insert(key.to_string(), Slot::Here(Arc::new(value)));
        Ok(())
    }

    pub fn delete(&mut self, key: &str) {
        if let Some(slot) = self.values.remove(key) {
            self.bytes -= entry_bytes(key, slot.len());
        }
    }

    /// Every key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Every key and value, each value read.
    pub fn entries(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let keys: Vec<String> = self.values.keys().cloned().collect();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(value) = self.get(&key)? {
                out.push((key, value));
            }
        }
        Ok(out)
    }

    /// Keys and values together, in bytes.
    pub fn size(&self) -> usize {
        self.bytes
    }
}

/// Why a value could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreSetError {
    #[error(transparent)]
    Limit(#[from] StoreLimit),
    /// The value it replaces could not be read to compare.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `index.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    version: u32,
    values: BTreeMap<String, IndexEntry>,
    deferred: Vec<Event>,
}

/// Where one value is: in a file of `values/`, or (a small one) here, base64-encoded.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, untagged)]
enum IndexEntry {
    File { file: String, len: usize },
    Inline { inline: String },
}

/// The state of one unit, locked until dropped.
pub struct UnitStore {
    dir: PathBuf,
    unit_dir: PathBuf,
    _lock: Flock<File>,
}

/// Whether a unit keeps its state in `dir`, in either layout.
pub fn holds_state(dir: &Path) -> bool {
    dir.join(STATE_DIR).join(INDEX_FILE).exists() || dir.join(LEGACY_STATE_FILE).exists()
}

impl UnitStore {
    /// Takes the unit's lock (waiting for another dispatch to finish) and reads the
    /// state's index: no value is read until the charm asks for it.
    pub fn open(unit_dir: &Path) -> Result<(Self, StoredState), StoreError> {
        let lock_path = unit_dir.join(LOCK_FILE);
        let io = |action, source| StoreError::Io {
            action,
            path: lock_path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io("open", e))?;
        let started = Instant::now();
        let lock = loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => break lock,
                Err((f, nix::errno::Errno::EWOULDBLOCK)) => {
                    if started.elapsed() > LOCK_TIMEOUT {
                        return Err(StoreError::LockTimeout {
                            path: lock_path.display().to_string(),
                        });
                    }
                    file = f;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err((_, errno)) => return Err(io("lock", errno.into())),
            }
        };
        let store = UnitStore {
            dir: unit_dir.join(STATE_DIR),
            unit_dir: unit_dir.to_path_buf(),
            _lock: lock,
        };
        let state = store.read()?;
        Ok((store, state))
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_FILE)
    }

    fn read(&self) -> Result<StoredState, StoreError> {
        let index_path = self.index_path();
        let corrupt = |message: String| StoreError::Corrupt {
            path: self.dir.display().to_string(),
            message,
        };
        // What the charm directory holds may have come in the charm's own archive: the
        // host reads only real directories of its own layout, never through a link.
        for dir in [self.dir.clone(), self.dir.join(VALUES_DIR)] {
            if let Ok(meta) = std::fs::symlink_metadata(&dir)
                && !meta.is_dir()
            {
                return Err(corrupt(format!("{} is not a directory", dir.display())));
            }
        }
        let read = File::open(&index_path).and_then(|f| {
            let mut bytes = Vec::new();
            f.take(caps::TRANSFER as u64 + 1).read_to_end(&mut bytes)?;
            Ok(bytes)
        });
        match read {
            Ok(bytes) => self.decode_index(&index_path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.read_legacy(),
            Err(source) => Err(StoreError::Io {
                action: "read",
                path: index_path.display().to_string(),
                source,
            }),
        }
    }

    fn decode_index(&self, path: &Path, bytes: &[u8]) -> Result<StoredState, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            path: path.display().to_string(),
            message,
        };
        if bytes.len() > caps::TRANSFER {
            return Err(corrupt(format!(
                "it is larger than {} bytes",
                caps::TRANSFER
            )));
        }
        let index: Index = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
        if index.version != 2 {
            return Err(corrupt(format!(
                "version {} is not one this host reads",
                index.version
            )));
        }
        let mut values = BTreeMap::new();
        let mut total = 0;
        for (key, entry) in index.values {
            let slot = match entry {
                IndexEntry::File { file, len } => {
                    if !valid_value_file(&file) {
                        return Err(corrupt(format!(
                            "the value of {key:?} is in {file:?}, not a file this host names"
                        )));
                    }
                    Slot::Kept { file, len }
                }
                IndexEntry::Inline { inline } => Slot::Here(Arc::new(
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &inline)
                        .map_err(|e| corrupt(format!("the value of {key:?}: {e}")))?,
                )),
            };
            total += entry_bytes(&key, slot.len());
            values.insert(key, slot);
        }
        let mut deferred = index.deferred;
        if deferred.len() > caps::DEFERRED_EVENTS {
            log::warn!(
                "{} holds {} deferred events; keeping the oldest {}",
                path.display(),
                deferred.len(),
                caps::DEFERRED_EVENTS
            );
            deferred.truncate(caps::DEFERRED_EVENTS);
        }
        Ok(StoredState {
            values,
            deferred,
            bytes: total,
            values_dir: Some(Arc::new(self.dir.join(VALUES_DIR))),
        })
    }

    fn read_legacy(&self) -> Result<StoredState, StoreError> {
        let path = self.unit_dir.join(LEGACY_STATE_FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoredState::default()),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let state = decode_legacy(&text).map_err(|message| StoreError::Corrupt {
            path: path.display().to_string(),
            message,
        })?;
        // Moved at once, under the lock, so that only this hook pays for reading it
        // whole; where it cannot be moved (a full disk), it is read whole again next time.
        match self.commit(&state) {
            Ok(()) => self.read(),
            Err(e) => {
                log::debug!("could not move {} into {STATE_DIR}: {e}", path.display());
                Ok(state)
            }
        }
    }

    /// Makes `state` the unit's state, atomically (see the module's documentation).
    pub fn commit(&self, state: &StoredState) -> Result<(), StoreError> {
        let values_dir = self.dir.join(VALUES_DIR);
        let io = |action: &'static str, path: &Path| {
            let path = path.display().to_string();
            move |source| StoreError::Io {
                action,
                path,
                source,
            }
        };
        std::fs::create_dir_all(&values_dir).map_err(io("create", &values_dir))?;
        let mut index = Index {
            version: 2,
            values: BTreeMap::new(),
            deferred: state.deferred.clone(),
        };
        for (key, slot) in &state.values {
            let entry = match slot {
                Slot::Kept { file, len } => IndexEntry::File {
                    file: file.clone(),
                    len: *len,
                },
                Slot::Here(bytes) if bytes.len() <= INLINE => IndexEntry::Inline {
                    inline: base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        bytes.as_slice(),
                    ),
                },
                Slot::Here(bytes) => IndexEntry::File {
                    file: write_durably(&values_dir, "v-", bytes)
                        .map_err(io("write a value in", &values_dir))?,
                    len: bytes.len(),
                },
            };
            index.values.insert(key.clone(), entry);
        }
        // The new values reach the disk (their directory's entries too) before an index
        // names them.
        sync_dir(&values_dir).map_err(io("sync", &values_dir))?;
        let encoded = serde_json::to_vec(&index)
            .map_err(|e| io("encode", &self.index_path())(std::io::Error::other(e)))?;
        let temp = write_durably(&self.dir, ".index-", &encoded)
            .map_err(io("write the index in", &self.dir))?;
        std::fs::rename(self.dir.join(&temp), self.index_path())
            .map_err(io("replace", &self.index_path()))?;
        // The rename itself must reach the disk before the hook is reported done.
        sync_dir(&self.dir).map_err(io("sync", &self.dir))?;
        self.collect(&values_dir, &index);
        Ok(())
    }

    /// Removes what no index names: values replaced or deleted, files of a commit that
    /// crashed, an older host's state file. A failure here loses nothing, so it is
    /// logged, not returned.
    fn collect(&self, values_dir: &Path, index: &Index) {
        let named: std::collections::BTreeSet<&str> = index
            .values
            .values()
            .filter_map(|e| match e {
                IndexEntry::File { file, .. } => Some(file.as_str()),
                IndexEntry::Inline { .. } => None,
            })
            .collect();
        if let Ok(entries) = std::fs::read_dir(values_dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if !named.contains(name.to_string_lossy().as_ref())
                    && let Err(e) = std::fs::remove_file(entry.path())
                {
                    log::debug!("could not remove {}: {e}", entry.path().display());
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(".index-") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let legacy = self.unit_dir.join(LEGACY_STATE_FILE);
        if legacy.exists()
            && let Err(e) = std::fs::remove_file(&legacy)
        {
            log::debug!("could not remove {}: {e}", legacy.display());
        }
    }
}

/// Writes `bytes` to a new file in `dir` and syncs it; returns its name.
fn write_durably(dir: &Path, prefix: &str, bytes: &[u8]) -> std::io::Result<String> {
    // Made 0600, as tempfile makes every file.
    let mut temp = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    let (_, path) = temp.keep().map_err(|e| e.error)?;
    Ok(path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

/// An older host's state file: values base64-encoded in one JSON document.
#[derive(Deserialize)]
struct LegacyFile {
    version: u32,
    values: BTreeMap<String, String>,
    deferred: Vec<Event>,
}

fn decode_legacy(bytes: &[u8]) -> Result<StoredState, String> {
    let file: LegacyFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != 1 {
        return Err(format!(
            "version {} is not one this host reads",
            file.version
        ));
    }
    let mut values = BTreeMap::new();
    for (key, value) in file.values {
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &value)
            .map_err(|e| format!("the value of {key:?}: {e}"))?;
        values.insert(key, bytes);
    }
    Ok(StoredState::from_values(values, file.deferred))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(STATE_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != INDEX_FILE && n != VALUES_DIR)
            .collect();
        names.sort();
        names
    }

    fn value_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join(STATE_DIR).join(VALUES_DIR))
            .unwrap()
            .count()
    }

    #[test]
    fn state_round_trips_and_values_are_read_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = StoredState::default();
        state.set("k", vec![0, 159, 146, 150]).unwrap();
        state.set("other", vec![b'x'; 600]).unwrap();
        state.deferred = vec![
            Event::ConfigChanged,
            Event::PebbleReady {
                container: "c".into(),
            },
        ];
        {
            let (store, empty) = UnitStore::open(dir.path()).unwrap();
            assert_eq!(empty, StoredState::default());
            store.commit(&state).unwrap();
        }
        let (_, mut read) = UnitStore::open(dir.path()).unwrap();
        assert_eq!(read.deferred, state.deferred);
        assert_eq!(read.size(), state.size());
        // Only the index was read: a value file removed behind the host's back is
        // noticed when that value is asked for, not before.
        let file = match &read.values["other"] {
            Slot::Kept { file, .. } => file.clone(),
            other => panic!("{other:?}"),
        };
        std::fs::remove_file(dir.path().join(STATE_DIR).join(VALUES_DIR).join(file)).unwrap();
        assert_eq!(read.get("k").unwrap().unwrap(), vec![0, 159, 146, 150]);
        assert!(read.get("other").is_err());
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
    }

    #[test]
    fn a_commit_keeps_unchanged_values_and_removes_replaced_ones() {
        let dir = tempfile::tempdir().unwrap();
        let big = |b: u8| vec![b; 600];
        let mut state = StoredState::default();
        state.set("a", big(1)).unwrap();
        state.set("b", big(2)).unwrap();
        state.set("small", b"kept in the index".to_vec()).unwrap();
        {
            let (store, _) = UnitStore::open(dir.path()).unwrap();
            store.commit(&state).unwrap();
        }
        assert_eq!(value_files(dir.path()), 2);
        let (store, mut state) = UnitStore::open(dir.path()).unwrap();
        let before = state.clone();
        state.set("a", big(1)).unwrap();
        assert_eq!(state, before, "storing the same value changes nothing");
        state.set("a", big(3)).unwrap();
        state.delete("b");
        assert_ne!(state, before);
        store.commit(&state).unwrap();
        drop(store);
        assert_eq!(value_files(dir.path()), 1);
        let (_, mut read) = UnitStore::open(dir.path()).unwrap();
        assert_eq!(
            read.entries().unwrap(),
            vec![
                ("a".into(), big(3)),
                ("small".into(), b"kept in the index".to_vec())
            ]
        );
    }

    #[test]
    fn an_older_hosts_state_file_is_read_and_moved() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(LEGACY_STATE_FILE),
            br#"{"version":1,"values":{"k":"dg=="},"deferred":["config-changed"]}"#,
        )
        .unwrap();
        assert!(holds_state(dir.path()));
        let (store, mut state) = UnitStore::open(dir.path()).unwrap();
        assert_eq!(state.get("k").unwrap().unwrap(), b"v");
        assert_eq!(state.deferred, vec![Event::ConfigChanged]);
        drop(store);
        assert!(!dir.path().join(LEGACY_STATE_FILE).exists());
        let (_, mut read) = UnitStore::open(dir.path()).unwrap();
        assert_eq!(read.get("k").unwrap().unwrap(), b"v");
    }

    #[test]
    fn what_a_charm_stores_is_capped() {
        let mut state = StoredState::default();
        let err = state.set(&"k".repeat(300), vec![]).unwrap_err().to_string();
        assert!(err.contains("a key is at most 256 bytes"), "{err}");
        let err = state
            .set("big", vec![0; caps::STORED_VALUE + 1])
            .unwrap_err()
            .to_string();
        assert!(err.contains("a value is at most 1048576 bytes"), "{err}");
        state.set("a", vec![0; caps::STORED_VALUE]).unwrap();
        state.set("b", vec![0; caps::STORED_VALUE - 200]).unwrap();
        let err = state.set("c", vec![0; 100]).unwrap_err().to_string();
        assert!(err.contains("at most 2097152 bytes"), "{err}");
        // Replacing a value counts only the difference.
        state.set("b", vec![1; caps::STORED_VALUE - 200]).unwrap();
        state.delete("a");
        state.set("c", vec![0; 100]).unwrap();
        let entry = caps::STORED_ENTRY_OVERHEAD + 1;
        assert_eq!(state.size(), caps::STORED_VALUE - 200 + entry + 100 + entry);
        // Empty values are not free: the number of keys is bounded too.
        let mut state = StoredState::default();
        for i in 0..caps::STORED_KEYS {
            state.set(&format!("k{i}"), vec![]).unwrap();
        }
        let err = state.set("one-more", vec![]).unwrap_err().to_string();
        assert!(err.contains("more than 1024 keys"), "{err}");
    }

    #[test]
    fn an_index_the_host_did_not_write_reaches_nothing_outside_its_values() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(STATE_DIR);
        std::fs::create_dir_all(state.join(VALUES_DIR)).unwrap();
        for file in ["/etc/passwd", "../../x", "v-../x", ""] {
            std::fs::write(
                state.join(INDEX_FILE),
                serde_json::json!({
                    "version": 2,
                    "values": {"k": {"file": file, "len": 4}},
                    "deferred": []
                })
                .to_string(),
            )
            .unwrap();
            let err = UnitStore::open(dir.path()).err().unwrap().to_string();
            assert!(err.contains("not a file this host names"), "{file}: {err}");
        }
        // A length the file does not have is an error, not an allocation.
        std::fs::write(state.join(VALUES_DIR).join("v-abc123"), "four").unwrap();
        std::fs::write(
            state.join(INDEX_FILE),
            r#"{"version":2,"values":{"k":{"file":"v-abc123","len":1125899906842624}},"deferred":[]}"#,
        )
        .unwrap();
        let (_, mut read) = UnitStore::open(dir.path()).unwrap();
        let err = read.get("k").unwrap_err().to_string();
        assert!(
            err.contains("it holds 4 bytes where the index says"),
            "{err}"
        );
        // A link where the values should be is not followed.
        std::fs::remove_dir_all(state.join(VALUES_DIR)).unwrap();
        std::os::unix::fs::symlink("/etc", state.join(VALUES_DIR)).unwrap();
        let err = UnitStore::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("is not a directory"), "{err}");
    }

    #[test]
    fn a_second_dispatch_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = UnitStore::open(dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let started = Instant::now();
            let _second = UnitStore::open(&path).unwrap();
            started.elapsed()
        });
        std::thread::sleep(Duration::from_millis(200));
        drop(first);
        assert!(waiter.join().unwrap() >= Duration::from_millis(150));
    }

    #[test]
    fn a_corrupt_index_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(STATE_DIR)).unwrap();
        std::fs::write(dir.path().join(STATE_DIR).join(INDEX_FILE), "{not json").unwrap();
        let err = UnitStore::open(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains(".wasmcharm-state/index.json is not a wasmcharm state file"),
            "{err}"
        );
    }
}
