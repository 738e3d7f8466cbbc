//! The unit's stored state and deferred-event queue: one file in the unit's directory
//! (the charm directory, or beside it: [`crate::unit::dir`]), locked for the whole
//! dispatch (Juju may run an action beside a hook), replaced atomically (temp file,
//! fsync, rename, fsync of the directory) and only when the dispatch succeeded.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::event::Event;

pub const STATE_FILE: &str = ".wasmcharm-state.json";
pub const LOCK_FILE: &str = ".wasmcharm-state.lock";
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

/// What a unit keeps between dispatches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredState {
    pub values: BTreeMap<String, Vec<u8>>,
    /// Deferred events, oldest first.
    pub deferred: Vec<Event>,
}

/// The file's shape: values base64-encoded, so that any bytes survive JSON.
#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    values: BTreeMap<String, String>,
    deferred: Vec<Event>,
}

/// The state of one unit, locked until dropped.
pub struct UnitStore {
    path: PathBuf,
    _lock: Flock<File>,
}

impl UnitStore {
    /// Takes the unit's lock (waiting for another dispatch to finish) and reads the state.
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
            path: unit_dir.join(STATE_FILE),
            _lock: lock,
        };
        let state = store.read()?;
        Ok((store, state))
    }

    fn read(&self) -> Result<StoredState, StoreError> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoredState::default()),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        decode(&text).map_err(|message| StoreError::Corrupt {
            path: self.path.display().to_string(),
            message,
        })
    }

    /// Replaces the state file with `state`, atomically.
    pub fn commit(&self, state: &StoredState) -> Result<(), StoreError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let io = |action, source| StoreError::Io {
            action,
            path: self.path.display().to_string(),
            source,
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".wasmcharm-state.")
            .tempfile_in(dir)
            .map_err(|e| io("write", e))?;
        let bytes = encode(state).map_err(|e| io("encode", std::io::Error::other(e)))?;
        temp.write_all(&bytes).map_err(|e| io("write", e))?;
        temp.as_file().sync_all().map_err(|e| io("sync", e))?;
        temp.persist(&self.path)
            .map_err(|e| io("replace", e.error))?;
        // The rename itself must reach the disk before the hook is reported done.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("sync the directory of", e))?;
        Ok(())
    }
}

pub fn encode(state: &StoredState) -> serde_json::Result<Vec<u8>> {
    let on_disk = OnDisk {
        version: 1,
        values: state
            .values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, v),
                )
            })
            .collect(),
        deferred: state.deferred.clone(),
    };
    serde_json::to_vec(&on_disk)
}

pub fn decode(bytes: &[u8]) -> Result<StoredState, String> {
    let on_disk: OnDisk = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if on_disk.version != 1 {
        return Err(format!(
            "version {} is not one this host reads",
            on_disk.version
        ));
    }
    let mut values = BTreeMap::new();
    for (key, value) in on_disk.values {
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &value)
            .map_err(|e| format!("the value of {key:?}: {e}"))?;
        values.insert(key, bytes);
    }
    Ok(StoredState {
        values,
        deferred: on_disk.deferred,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let state = StoredState {
            values: [("k".to_string(), vec![0, 159, 146, 150])].into(),
            deferred: vec![
                Event::ConfigChanged,
                Event::PebbleReady {
                    container: "c".into(),
                },
            ],
        };
        {
            let (store, empty) = UnitStore::open(dir.path()).unwrap();
            assert_eq!(empty, StoredState::default());
            store.commit(&state).unwrap();
        }
        let (_, read) = UnitStore::open(dir.path()).unwrap();
        assert_eq!(read, state);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != STATE_FILE && n != LOCK_FILE)
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
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
    fn a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "{not json").unwrap();
        let err = UnitStore::open(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains(".wasmcharm-state.json is not a wasmcharm state file"),
            "{err}"
        );
    }
}
