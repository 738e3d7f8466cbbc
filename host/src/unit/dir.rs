//! Where the host keeps a unit's own files: its stored state and lock, and the charm's
//! precompiled code. The charm directory when it can be written, as it is under Juju;
//! else a directory beside it, in the unit's agent directory, which Juju's unit agent
//! owns and writes (`/var/lib/juju/agents/unit-app-0/charm.wasmcharm` for the charm
//! directory `/var/lib/juju/agents/unit-app-0/charm`).
//!
//! A unit that has lived in one place stays there: the first place that already holds a
//! unit's files wins over a writable one, so that a charm directory which becomes
//! writable later does not hide the state kept beside it.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use nix::unistd::AccessFlags;

use crate::runtime::precompiled::Cache;
use crate::unit::store;

#[derive(Debug, thiserror::Error)]
#[error(
    "nowhere to keep this unit's state and compiled charm: {tried}. The charm directory, \
     or the directory that holds it (the unit's agent directory under Juju), must be \
     writable by the user running the hook"
)]
pub struct NowhereWritable {
    tried: String,
}

/// A directory the host may write a unit's files in, and trusts what it reads there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDir {
    path: PathBuf,
}

impl UnitDir {
    /// The directory for the unit whose charm is in `charm_dir`.
    pub fn for_charm(charm_dir: &Path) -> Result<UnitDir, NowhereWritable> {
        // Every hook but a unit's first: two system calls, and nothing resolved.
        let here = Candidate {
            path: charm_dir.to_path_buf(),
            made_by_host: false,
        };
        if holds_unit_files(&here.path) && here.usable().is_ok() {
            return Ok(UnitDir { path: here.path });
        }
        let candidates = candidates(charm_dir);
        let lived_in = candidates.iter().position(|c| holds_unit_files(&c.path));
        let others = (0..candidates.len()).filter(|i| Some(*i) != lived_in);
        let mut tried = Vec::new();
        for i in lived_in.into_iter().chain(others) {
            let candidate = &candidates[i];
            let shown = candidate.path.display();
            match candidate.usable() {
                Ok(()) => {
                    return Ok(UnitDir {
                        path: candidate.path.clone(),
                    });
                }
                // Moving on would start the unit afresh, its stored state left behind.
                Err(why)
                    if Some(i) == lived_in && candidate.path.join(store::STATE_FILE).exists() =>
                {
                    return Err(NowhereWritable {
                        tried: format!("{shown} holds the unit's stored state but {why}"),
                    });
                }
                Err(why) => tried.push(format!("{shown} {why}")),
            }
        }
        Err(NowhereWritable {
            tried: tried.join("; "),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The precompiled components kept for this unit.
    pub fn cache(&self) -> Cache {
        Cache::in_dir(&self.path.join(crate::runtime::precompiled::CACHE_DIR))
    }
}

/// A place the unit's files may go, and whether the host makes it.
struct Candidate {
    path: PathBuf,
    /// The charm directory is Juju's to make; the fallback is the host's.
    made_by_host: bool,
}

fn candidates(charm_dir: &Path) -> Vec<Candidate> {
    let mut list = vec![Candidate {
        path: charm_dir.to_path_buf(),
        made_by_host: false,
    }];
    // The real path, so that `.` or `charm/..` still has a parent and a name.
    let absolute = std::fs::canonicalize(charm_dir)
        .or_else(|_| std::path::absolute(charm_dir))
        .unwrap_or_else(|_| charm_dir.to_path_buf());
    if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) {
        let mut beside = name.to_os_string();
        beside.push(".wasmcharm");
        list.push(Candidate {
            path: parent.join(beside),
            made_by_host: true,
        });
    }
    list
}

fn holds_unit_files(dir: &Path) -> bool {
    dir.join(store::LOCK_FILE).exists() || dir.join(store::STATE_FILE).exists()
}

impl Candidate {
    /// `Ok` when the host can write here and may trust what it finds; else why not, to
    /// follow the path in a message.
    fn usable(&self) -> Result<(), String> {
        if self.made_by_host {
            match std::fs::DirBuilder::new().mode(0o700).create(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("cannot be made ({e})")),
            }
            // Its files are trusted (the precompiled code is mapped and run), so it must
            // be the host's own: nobody else may have made it or be able to write in it.
            let meta = std::fs::symlink_metadata(&self.path)
                .map_err(|e| format!("cannot be read ({e})"))?;
            if !meta.is_dir() {
                return Err("is not a directory".into());
            }
            let me = nix::unistd::geteuid().as_raw();
            if meta.uid() != me {
                return Err(format!(
                    "belongs to uid {}, not to the hook's user (uid {me})",
                    meta.uid()
                ));
            }
            if meta.mode() & 0o022 != 0 {
                return Err(format!(
                    "can be written by others (mode {:o})",
                    meta.mode() & 0o777
                ));
            }
        }
        // EROFS on a read-only mount, which root meets too; EACCES for another user.
        nix::unistd::access(&self.path, AccessFlags::W_OK)
            .map_err(|e| format!("is not writable ({})", std::io::Error::from(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_charm_directory_keeps_the_units_files() {
        let dir = tempfile::tempdir().unwrap();
        let charm = dir.path().join("charm");
        std::fs::create_dir(&charm).unwrap();
        assert_eq!(UnitDir::for_charm(&charm).unwrap().path(), charm);
        assert!(!dir.path().join("charm.wasmcharm").exists());
    }

    #[test]
    fn a_unit_stays_where_it_has_lived() {
        let dir = tempfile::tempdir().unwrap();
        let charm = dir.path().join("charm");
        let beside = dir.path().join("charm.wasmcharm");
        std::fs::create_dir(&charm).unwrap();
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&beside)
            .unwrap();
        std::fs::write(beside.join(store::STATE_FILE), "{}").unwrap();
        assert_eq!(UnitDir::for_charm(&charm).unwrap().path(), beside);
    }

    #[test]
    fn a_fallback_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let beside = dir.path().join("charm.wasmcharm");
        std::fs::create_dir(&beside).unwrap();
        std::fs::set_permissions(&beside, std::fs::Permissions::from_mode(0o777)).unwrap();
        let candidate = Candidate {
            path: beside,
            made_by_host: true,
        };
        let why = candidate.usable().unwrap_err();
        assert!(why.contains("can be written by others (mode 777)"), "{why}");
    }

    #[test]
    fn a_relative_charm_directory_has_a_place_beside_it() {
        let names: Vec<_> = candidates(Path::new("."))
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[1].is_absolute() && names[1].to_string_lossy().ends_with(".wasmcharm"));
    }
}
