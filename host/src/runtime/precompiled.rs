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

use super::engine::Tier;

pub const CACHE_DIR: &str = ".wasmcharm-cache";

/// Which component file something was made from, as it was then. The inode and change
/// time are there because no copy or unpack can carry them over: a new file of the same
/// size and time is still a new file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    size: u64,
    mtime_ns: i128,
    inode: u64,
    ctime_ns: i128,
}

impl Identity {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn of(path: &Path) -> std::io::Result<Identity> {
        let meta = std::fs::metadata(path)?;
        Ok(Identity {
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
            inode: meta.ino(),
            ctime_ns: ctime_ns(&meta),
        })
    }
}

/// What a precompiled file was made from, and what it was when written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    wasm: Identity,
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
        Self::made_from(engine, Identity::of(wasm)?, cwasm)
    }

    /// The record for `cwasm`, made from the component that was `wasm`.
    fn made_from(engine: &Engine, wasm: Identity, cwasm: &Path) -> std::io::Result<Record> {
        let cwasm_meta = std::fs::metadata(cwasm)?;
        Ok(Record {
            wasm,
            engine: engine_hash(engine),
            cwasm_size: cwasm_meta.len(),
            cwasm_mtime_ns: mtime_ns(&cwasm_meta),
            cwasm_inode: cwasm_meta.ino(),
        })
    }
}

/// The tries to make a component's optimised code, kept so that a failure is not paid
/// for again on every hook: why it cannot be made, once that is known, or how many
/// tries began (an optimiser killed from outside notes nothing else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Unoptimizable {
    wasm: Identity,
    why: Option<String>,
    tries: u32,
}

/// Tries after which a component's optimised code is given up on, when none of them
/// ended to say why.
pub const OPTIMIZE_TRIES: u32 = 3;

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
    /// Shipped with the charm, signed by a key the operator trusts, kept and mapped.
    Shipped,
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

    /// The name everything kept for `wasm` starts with.
    fn stem(wasm: &Path) -> String {
        wasm.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "component".into())
    }

    /// Where `tier`'s precompiled form of `wasm` and its record live. The optimised
    /// files keep the names they had before there were tiers.
    fn paths(&self, tier: Tier, wasm: &Path) -> (PathBuf, PathBuf) {
        let stem = Self::stem(wasm);
        let stem = match tier {
            Tier::Optimized => stem,
            Tier::Baseline => format!("{stem}.baseline"),
        };
        (
            self.dir.join(format!("{stem}.cwasm")),
            self.dir.join(format!("{stem}.json")),
        )
    }

    /// The precompiled component for `wasm` of `tier` (`engine` is that tier's), if
    /// there is a sound one.
    pub fn load(&self, engine: &Engine, tier: Tier, wasm: &Path) -> Option<Component> {
        // Native code is run from here: only from a directory that is the host's own.
        if let Err(why) = crate::unit::dir::trusted_dir(&self.dir) {
            log::debug!("not using {}: it {why}", self.dir.display());
            return None;
        }
        let (cwasm, record_path) = self.paths(tier, wasm);
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

    /// Keeps `component`'s native code of `tier` for `wasm`.
    pub fn store(
        &self,
        engine: &Engine,
        tier: Tier,
        wasm: &Path,
        made_from: &Identity,
        component: &Component,
    ) -> std::io::Result<()> {
        let (cwasm, record_path) = self.paths(tier, wasm);
        self.make()?;
        let bytes = component.serialize().map_err(std::io::Error::other)?;
        write_atomically(&self.dir, &cwasm, &bytes, PRIVATE)?;
        self.keep_record(engine, tier, wasm, made_from, &cwasm, &record_path)
    }

    /// Writes the record of the code just kept at `cwasm`. Optimised code makes the
    /// baseline code redundant, and it goes.
    fn keep_record(
        &self,
        engine: &Engine,
        tier: Tier,
        wasm: &Path,
        made_from: &Identity,
        cwasm: &Path,
        record_path: &Path,
    ) -> std::io::Result<()> {
        // A component replaced while its code was made (upgrade-charm under a running
        // optimiser) must not be credited with the old one's code: the next hook makes
        // its own.
        if Identity::of(wasm)? != *made_from {
            let _ = std::fs::remove_file(cwasm);
            return Err(std::io::Error::other(format!(
                "{} changed while its code was made",
                wasm.display()
            )));
        }
        let record = Record::made_from(engine, made_from.clone(), cwasm)?;
        let json = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        write_atomically(&self.dir, record_path, &json, PRIVATE)?;
        if tier == Tier::Optimized {
            self.forget_tier(Tier::Baseline, wasm);
            let _ = std::fs::remove_file(self.unoptimizable_path(wasm));
        }
        Ok(())
    }

    /// A file in the cache's directory to put code in before it is checked.
    pub fn stage(&self) -> std::io::Result<tempfile::NamedTempFile> {
        self.make()?;
        tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&self.dir)
    }

    /// Keeps `staged`, code already checked (see [`super::shipped`]), as the optimised
    /// code of `wasm` for `engine`.
    pub fn adopt(
        &self,
        engine: &Engine,
        wasm: &Path,
        made_from: &Identity,
        staged: tempfile::NamedTempFile,
    ) -> std::io::Result<()> {
        let (cwasm, record_path) = self.paths(Tier::Optimized, wasm);
        staged.as_file().sync_all()?;
        staged.persist(&cwasm).map_err(|e| e.error)?;
        self.keep_record(
            engine,
            Tier::Optimized,
            wasm,
            made_from,
            &cwasm,
            &record_path,
        )
    }

    /// Makes the directory if it is not there, and checks it is the host's own.
    fn make(&self) -> std::io::Result<()> {
        match std::fs::DirBuilder::new().mode(0o700).create(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        crate::unit::dir::trusted_dir(&self.dir)
            .map_err(|why| std::io::Error::other(format!("{} {why}", self.dir.display())))
    }

    /// Removes everything kept for `wasm`.
    pub fn forget(&self, wasm: &Path) {
        self.forget_tier(Tier::Optimized, wasm);
        self.forget_tier(Tier::Baseline, wasm);
        let _ = std::fs::remove_file(self.unoptimizable_path(wasm));
    }

    /// Removes what is kept of `tier` for `wasm`.
    pub fn forget_tier(&self, tier: Tier, wasm: &Path) {
        let (cwasm, record) = self.paths(tier, wasm);
        let _ = std::fs::remove_file(record);
        let _ = std::fs::remove_file(cwasm);
    }

    fn unoptimizable_path(&self, wasm: &Path) -> PathBuf {
        self.dir
            .join(format!("{}.unoptimizable.json", Self::stem(wasm)))
    }

    /// The note on `wasm` as it is now, if there is one.
    fn note(&self, wasm: &Path, now: &Identity) -> Option<Unoptimizable> {
        crate::unit::dir::trusted_dir(&self.dir).ok()?;
        let note: Unoptimizable =
            serde_json::from_slice(&std::fs::read(self.unoptimizable_path(wasm)).ok()?).ok()?;
        (note.wasm == *now).then_some(note)
    }

    fn write_note(&self, wasm: &Path, note: &Unoptimizable) -> std::io::Result<()> {
        self.make()?;
        let json = serde_json::to_vec(note).map_err(std::io::Error::other)?;
        write_atomically(&self.dir, &self.unoptimizable_path(wasm), &json, PRIVATE)
    }

    /// Notes that a try to optimise `wasm` (as it was: `made_from`) begins.
    pub fn note_try(&self, wasm: &Path, made_from: &Identity) -> std::io::Result<()> {
        let tries = self.note(wasm, made_from).map_or(0, |n| n.tries);
        self.write_note(
            wasm,
            &Unoptimizable {
                wasm: made_from.clone(),
                why: None,
                tries: tries + 1,
            },
        )
    }

    /// Notes that optimised code cannot be made for `wasm` (as it was: `made_from`),
    /// and `why`; nothing if it has changed since.
    pub fn note_unoptimizable(
        &self,
        wasm: &Path,
        made_from: &Identity,
        why: &str,
    ) -> std::io::Result<()> {
        if Identity::of(wasm)? != *made_from {
            return Ok(());
        }
        let tries = self.note(wasm, made_from).map_or(1, |n| n.tries);
        self.write_note(
            wasm,
            &Unoptimizable {
                wasm: made_from.clone(),
                why: Some(why.into()),
                tries,
            },
        )
    }

    /// Why optimised code is not to be made for `wasm` as it is now, if so: it cannot
    /// be, or [`OPTIMIZE_TRIES`] tries ended without saying.
    pub fn unoptimizable(&self, wasm: &Path) -> Option<String> {
        let note = self.note(wasm, &Identity::of(wasm).ok()?)?;
        match note.why {
            Some(why) => Some(why),
            None if note.tries >= OPTIMIZE_TRIES => Some(format!(
                "{} tries to optimise it ended without a result (killed, or out of time on \
                 a busy machine)",
                note.tries
            )),
            None => None,
        }
    }

    /// The lock the one optimising process of a unit holds, taken without waiting:
    /// `None` when another holds it.
    pub fn optimizer_lock(&self) -> std::io::Result<Option<std::fs::File>> {
        use std::os::unix::fs::OpenOptionsExt;
        self.make()?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(self.dir.join(OPTIMIZER_LOCK))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

const OPTIMIZER_LOCK: &str = "optimize.lock";

/// What the host keeps for itself: its user's alone, as the cache's directory is.
const PRIVATE: u32 = 0o600;

/// Writes `path` (in `dir`) whole or not at all, with `mode`.
pub(crate) fn write_atomically(
    dir: &Path,
    path: &Path,
    bytes: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let mut temp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, Cache, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, b"\0asm v1").unwrap();
        let cache = Cache::in_dir(&dir.path().join(CACHE_DIR));
        (dir, cache, wasm)
    }

    #[test]
    fn code_made_from_a_component_since_replaced_is_not_kept() {
        let (_dir, cache, wasm) = cache();
        let made_from = Identity::of(&wasm).unwrap();
        // upgrade-charm puts a new component in place while the old one compiles.
        std::fs::remove_file(&wasm).unwrap();
        std::fs::write(&wasm, b"\0asm v2").unwrap();
        cache.make().unwrap();
        let (cwasm, record) = cache.paths(Tier::Optimized, &wasm);
        std::fs::write(&cwasm, b"code of v1").unwrap();
        let engine = Engine::default();
        let e = cache
            .keep_record(&engine, Tier::Optimized, &wasm, &made_from, &cwasm, &record)
            .unwrap_err();
        assert!(
            e.to_string().ends_with("changed while its code was made"),
            "{e}"
        );
        assert!(!record.exists() && !cwasm.exists());
    }

    #[test]
    fn tries_that_end_without_saying_why_are_given_up_after_three() {
        let (_dir, cache, wasm) = cache();
        let id = Identity::of(&wasm).unwrap();
        for _ in 0..OPTIMIZE_TRIES - 1 {
            cache.note_try(&wasm, &id).unwrap();
        }
        assert_eq!(cache.unoptimizable(&wasm), None);
        cache.note_try(&wasm, &id).unwrap();
        assert!(
            cache
                .unoptimizable(&wasm)
                .unwrap()
                .starts_with("3 tries to optimise it")
        );
        // A new component starts afresh.
        std::fs::remove_file(&wasm).unwrap();
        std::fs::write(&wasm, b"\0asm v2").unwrap();
        assert_eq!(cache.unoptimizable(&wasm), None);
        let id = Identity::of(&wasm).unwrap();
        cache.note_unoptimizable(&wasm, &id, "too big").unwrap();
        assert_eq!(cache.unoptimizable(&wasm).as_deref(), Some("too big"));
    }
}
