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
use std::path::{Component, Path, PathBuf};

use nix::unistd::AccessFlags;

use crate::runtime::precompiled::Cache;
use crate::unit::store;

#[derive(Debug, thiserror::Error)]
#[error(
    "nowhere to keep this unit's state and compiled charm: {tried}. The charm directory, \
     or a directory beside it in the one that holds it (the unit's agent directory under \
     Juju), must be writable by the user running the hook, and be that user's alone"
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
        let candidates = candidates(charm_dir);
        // Every hook but a unit's first: two or three system calls, nothing made or
        // resolved. The charm directory serves when it holds the unit's state, or
        // nothing was ever kept beside it.
        let here = &candidates[0];
        let beside_unused = || {
            candidates
                .get(1)
                .is_none_or(|beside| std::fs::symlink_metadata(&beside.path).is_err())
        };
        if (holds_state(&here.path) || beside_unused()) && here.usable().is_ok() {
            return Ok(UnitDir {
                path: here.path.clone(),
            });
        }
        let lived_in = candidates.iter().position(|c| holds_state(&c.path));
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
                Err(why) if Some(i) == lived_in => {
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

    /// The charm directory itself, if the host may keep files there; never a place
    /// beside it. For simulated runs, which must leave nothing outside the charm.
    pub fn in_charm_dir(charm_dir: &Path) -> Option<UnitDir> {
        let here = Candidate {
            path: charm_dir.to_path_buf(),
            made_by_host: false,
        };
        here.usable().ok().map(|()| UnitDir { path: here.path })
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
    // Juju's absolute JUJU_CHARM_DIR is taken as written; `.` or `charm/..` is resolved
    // first, so that it still has a parent and a name.
    let plain = charm_dir.is_absolute()
        && matches!(
            charm_dir.components().next_back(),
            Some(Component::Normal(_))
        );
    let absolute = if plain {
        charm_dir.components().collect()
    } else {
        std::fs::canonicalize(charm_dir)
            .or_else(|_| std::path::absolute(charm_dir))
            .unwrap_or_else(|_| charm_dir.to_path_buf())
    };
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

fn holds_state(dir: &Path) -> bool {
    store::holds_state(dir)
}

/// Whether `path` is a directory the host may trust what it finds in: a real directory
/// (not a link to one) of the hook's user that nobody else can write. Its files are
/// mapped and run (precompiled code) or believed (stored state).
pub(crate) fn trusted_dir(path: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot be read ({e})"))?;
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
    Ok(())
}

impl Candidate {
    /// `Ok` when the host can write here and may trust what it finds; else why not, to
    /// follow the path in a message.
    fn usable(&self) -> Result<(), String> {
        if self.made_by_host {
            // Its files are trusted, so it must be the host's own, and stay so: in a
            // directory others can write it could be swapped for another between the
            // check and the use, unless that directory is sticky.
            if let Some(parent) = self.path.parent() {
                let mode = std::fs::metadata(parent)
                    .map_err(|e| format!("sits in a directory that cannot be read ({e})"))?
                    .mode();
                if mode & 0o022 != 0 && mode & 0o1000 == 0 {
                    return Err(format!(
                        "sits in {}, which others can write (mode {:o})",
                        parent.display(),
                        mode & 0o7777
                    ));
                }
            }
            match std::fs::DirBuilder::new().mode(0o700).create(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("cannot be made ({e})")),
            }
            trusted_dir(&self.path)?;
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
        std::fs::create_dir(beside.join(store::STATE_DIR)).unwrap();
        std::fs::write(beside.join(store::STATE_DIR).join(store::INDEX_FILE), "{}").unwrap();
        // A lock left by a hook when the charm directory could be written says nothing
        // of where the state is.
        std::fs::write(charm.join(store::LOCK_FILE), "").unwrap();
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
    fn a_fallback_in_a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let candidate = Candidate {
            path: open.join("charm.wasmcharm"),
            made_by_host: true,
        };
        let why = candidate.usable().unwrap_err();
        assert!(why.contains("which others can write (mode 777)"), "{why}");
        assert!(!candidate.path.exists(), "made before it was refused");
        // Sticky, as /tmp is: nobody else can move it away.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(candidate.usable(), Ok(()));
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
