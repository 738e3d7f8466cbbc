//! Precompiled components: a dispatch must never compile. The first load of a component
//! compiles it and keeps the native code in the unit's directory (`.wasmcharm-cache/`,
//! see [`crate::unit::dir`]), with a record of what it was made from; later loads check that record with two `stat`s and
//! map the file. Anything amiss (a changed component, another wasmtime configuration, a
//! damaged file) is a miss: compile again, never a crash.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wasmtime::Engine;
use wasmtime::component::Component;

pub const CACHE_DIR: &str = ".wasmcharm-cache";

/// What a precompiled file was made from, and what it was when written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    wasm_size: u64,
    wasm_mtime_ns: i128,
    /// The inode and change time, which no copy or unpack can carry over: a new file
    /// of the same size and time is still a new file.
    wasm_inode: u64,
    wasm_ctime_ns: i128,
    /// `Engine::precompile_compatibility_hash`: wasmtime's version, configuration and
    /// the CPU's features. A host built without a compiler cannot compute it and leaves
    /// the check to wasmtime's own, which reads the same facts from the file's header.
    engine: u64,
    cwasm_size: u64,
    cwasm_mtime_ns: i128,
    cwasm_inode: u64,
}

impl Record {
    /// The record for `wasm` and its precompiled `cwasm` as they are now.
    fn of(engine: &Engine, wasm: &Path, cwasm: &Path) -> std::io::Result<Record> {
        let wasm_meta = std::fs::metadata(wasm)?;
        let cwasm_meta = std::fs::metadata(cwasm)?;
        Ok(Record {
            wasm_size: wasm_meta.len(),
            wasm_mtime_ns: mtime_ns(&wasm_meta),
            wasm_inode: wasm_meta.ino(),
            wasm_ctime_ns: ctime_ns(&wasm_meta),
            engine: engine_hash(engine),
            cwasm_size: cwasm_meta.len(),
            cwasm_mtime_ns: mtime_ns(&cwasm_meta),
            cwasm_inode: cwasm_meta.ino(),
        })
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

fn ctime_ns(meta: &std::fs::Metadata) -> i128 {
    i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec())
}

#[cfg(feature = "compiler")]
fn engine_hash(engine: &Engine) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same configuration hashes the same in every process.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.finish()
}

/// Zero stands for "not known here"; no compiled file is written without the real hash.
#[cfg(not(feature = "compiler"))]
fn engine_hash(_: &Engine) -> u64 {
    0
}

impl Record {
    fn matches(&self, now: &Record) -> bool {
        let engine_known = now.engine != 0;
        let engine_agrees = !engine_known || self.engine == now.engine;
        engine_agrees
            && Record {
                engine: now.engine,
                ..self.clone()
            } == *now
    }
}

/// How a component was had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Mapped from the precompiled file.
    Precompiled,
    /// Compiled now, and kept if there was a cache to keep it in.
    Compiled,
    /// Compiled now, and the cache could not keep it, for this reason.
    CompiledNotKept(String),
}

/// A directory of precompiled components, each beside the record of what it was made
/// from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn in_dir(dir: &Path) -> Cache {
        Cache { dir: dir.into() }
    }

    /// Where the precompiled form of `wasm` and its record live.
    fn paths(&self, wasm: &Path) -> (PathBuf, PathBuf) {
        let stem = wasm
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "component".into());
        (
            self.dir.join(format!("{stem}.cwasm")),
            self.dir.join(format!("{stem}.json")),
        )
    }

    /// The precompiled component for `wasm`, if there is a sound one.
    pub fn load(&self, engine: &Engine, wasm: &Path) -> Option<Component> {
        // Native code is run from here: only from a directory that is the host's own.
        if let Err(why) = crate::unit::dir::trusted_dir(&self.dir) {
            log::debug!("not using {}: it {why}", self.dir.display());
            return None;
        }
        let (cwasm, record_path) = self.paths(wasm);
        let record: Record = serde_json::from_slice(&std::fs::read(&record_path).ok()?).ok()?;
        if !record.matches(&Record::of(engine, wasm, &cwasm).ok()?) {
            return None;
        }
        // SAFETY: the file is the host's own output for this component and this engine,
        // as the record (written with it, in a directory no charm may write and nobody
        // else owns) says; wasmtime checks its header and configuration again, and any
        // failure is a miss.
        unsafe { Component::deserialize_file(engine, &cwasm) }.ok()
    }

    /// Keeps `component`'s native code for `wasm`.
    pub fn store(
        &self,
        engine: &Engine,
        wasm: &Path,
        component: &Component,
    ) -> std::io::Result<()> {
        let (cwasm, record_path) = self.paths(wasm);
        match std::fs::DirBuilder::new().mode(0o700).create(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        crate::unit::dir::trusted_dir(&self.dir)
            .map_err(|why| std::io::Error::other(format!("{} {why}", self.dir.display())))?;
        let bytes = component.serialize().map_err(std::io::Error::other)?;
        write_atomically(&self.dir, &cwasm, &bytes)?;
        let record = Record::of(engine, wasm, &cwasm)?;
        let json = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        write_atomically(&self.dir, &record_path, &json)
    }

    /// Removes what is kept for `wasm`.
    pub fn forget(&self, wasm: &Path) {
        let (cwasm, record) = self.paths(wasm);
        let _ = std::fs::remove_file(record);
        let _ = std::fs::remove_file(cwasm);
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut temp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
