//! The unit's own machine: apt-get, dpkg-query, add-apt-repository, systemctl and snap
//! run as subprocesses; files written in place by the host. Every failure comes back as
//! a [`BackendError`] carrying the exit code and stderr.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::fcntl::{AT_FDCWD, AtFlags, OFlag, OpenHow, ResolveFlag, openat2};
use nix::unistd::{Gid, Group, Uid, User};

use super::{
    CommandRequest, DEFAULT_COMMAND_TIMEOUT, FileAttributes, Machine, PackageInfo, SnapInfo,
    SnapInstall, SystemdAction, argv,
};
use crate::backends::error::BackendError;
use crate::backends::process::{Invocation, Output, display};
use crate::sandbox::caps;
use crate::sandbox::names::{PackageName, PackageSpec, Repository, SnapName, SystemdUnit};

/// Proxies Juju hands the charm, under the names programs look for.
const PROXIES: [(&str, &[&str]); 4] = [
    ("JUJU_CHARM_HTTP_PROXY", &["http_proxy", "HTTP_PROXY"]),
    ("JUJU_CHARM_HTTPS_PROXY", &["https_proxy", "HTTPS_PROXY"]),
    ("JUJU_CHARM_FTP_PROXY", &["ftp_proxy", "FTP_PROXY"]),
    ("JUJU_CHARM_NO_PROXY", &["no_proxy", "NO_PROXY"]),
];

/// The environment the hook runs in, read once at start.
#[derive(Debug, Clone, Default)]
pub struct RealMachine {
    proxies: Vec<(String, String)>,
    path: String,
    deadline: Option<std::time::Instant>,
    /// Set when a read that did not end by the deadline has ended after all.
    blocked_read: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl RealMachine {
    pub fn from_env() -> Self {
        let mut proxies = Vec::new();
        for (juju, names) in PROXIES {
            if let Some(value) = std::env::var(juju).ok().filter(|v| !v.is_empty()) {
                proxies.extend(names.iter().map(|n| (n.to_string(), value.clone())));
            }
        }
        RealMachine {
            proxies,
            deadline: None,
            blocked_read: None,
            path: std::env::var("PATH").unwrap_or_else(|_| {
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
            }),
        }
    }

    fn system<'a>(&self, argv: &'a [String]) -> Invocation<'a> {
        let left = self.deadline.map_or(DEFAULT_COMMAND_TIMEOUT, |d| {
            d.saturating_duration_since(std::time::Instant::now())
        });
        let mut inv = Invocation::new(argv, DEFAULT_COMMAND_TIMEOUT.min(left));
        inv.env = self.proxies.clone();
        inv.env
            .push(("DEBIAN_FRONTEND".into(), "noninteractive".into()));
        inv
    }

    fn check(&self, argv: Vec<String>) -> Result<Output, BackendError> {
        self.system(&argv).check()
    }
}

impl Machine for RealMachine {
    fn set_deadline(&mut self, deadline: std::time::Instant) {
        self.deadline = Some(deadline);
    }

    fn apt_update(&mut self) -> Result<(), BackendError> {
        self.check(argv::apt_update()).map(drop)
    }

    fn apt_install(&mut self, packages: &[PackageSpec]) -> Result<(), BackendError> {
        self.check(argv::apt_install(packages)).map(drop)
    }

    fn apt_remove(&mut self, packages: &[PackageSpec], purge: bool) -> Result<(), BackendError> {
        self.check(argv::apt_remove(packages, purge)).map(drop)
    }

    fn apt_add_repository(&mut self, repository: &Repository) -> Result<(), BackendError> {
        self.check(argv::add_repository(repository, false))
            .map(drop)
    }

    fn apt_remove_repository(&mut self, repository: &Repository) -> Result<(), BackendError> {
        self.check(argv::add_repository(repository, true)).map(drop)
    }

    fn package_info(&mut self, name: &PackageName) -> Result<PackageInfo, BackendError> {
        let argv = argv::package_info(name);
        let out = self.system(&argv).run()?;
        parse_package_info(name, &display(&argv), &out)
    }

    fn service(&mut self, action: SystemdAction, unit: &SystemdUnit) -> Result<(), BackendError> {
        self.check(argv::systemctl(action, unit)).map(drop)
    }

    fn service_is_active(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError> {
        // Non-zero means "not active" (inactive, failed, or no such unit).
        Ok(self.system(&argv::is_active(unit)).run()?.code == 0)
    }

    fn service_is_enabled(&mut self, unit: &SystemdUnit) -> Result<bool, BackendError> {
        let argv = argv::is_enabled(unit);
        let out = self.system(&argv).run()?;
        if out.code == 0 {
            return Ok(true);
        }
        let stderr = out.stderr_str();
        if stderr.contains("No such file") || stderr.contains("not found") {
            return Err(BackendError::NotFound(format!(
                "systemd has no unit `{unit}`: {}",
                stderr.trim()
            )));
        }
        Ok(false)
    }

    fn daemon_reload(&mut self) -> Result<(), BackendError> {
        self.check(argv::daemon_reload()).map(drop)
    }

    fn snap_install(&mut self, name: &SnapName, options: &SnapInstall) -> Result<(), BackendError> {
        self.check(argv::snap_install(name, options)).map(drop)
    }

    fn snap_remove(&mut self, name: &SnapName) -> Result<(), BackendError> {
        self.check(argv::snap_remove(name)).map(drop)
    }

    fn snap_info(&mut self, name: &SnapName) -> Result<SnapInfo, BackendError> {
        let argv = argv::snap_info(name);
        let out = self.system(&argv).run()?;
        parse_snap_list(name, &display(&argv), &out)
    }

    fn resolve_path(&mut self, path: &Path) -> std::path::PathBuf {
        // The deepest part of the path that exists, resolved, and the rest as given.
        let mut existing = path;
        let mut rest = Vec::new();
        loop {
            if let Ok(real) = fs::canonicalize(existing) {
                return rest.iter().rev().fold(real, |p, c| p.join(c));
            }
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return path.to_path_buf(),
            }
        }
    }

    fn read_file(&mut self, path: &Path) -> Result<Vec<u8>, BackendError> {
        let io = |e| BackendError::io(path.display().to_string(), e);
        // Looked at before it is opened (a device may act on an open, a FIFO would wait
        // for a writer past the deadline), through no link swapped in since the path
        // was checked; then opened again from that same handle.
        let handle = open_resolved(path, OFlag::O_PATH).map_err(io)?;
        let meta = handle.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(not_regular(path, &meta));
        }
        let cap = caps::TRANSFER;
        if meta.len() > cap as u64 {
            return Err(BackendError::TooLarge {
                what: format!("{} ({} bytes)", path.display(), meta.len()),
                limit: cap,
            });
        }
        if self
            .blocked_read
            .as_ref()
            .is_some_and(|ended| !ended.load(std::sync::atomic::Ordering::Acquire))
        {
            return Err(BackendError::InvalidInput(format!(
                "{} not read: an earlier read in this hook is still blocked in the kernel",
                path.display()
            )));
        }
        // A regular file can still block in the kernel (`/proc/kmsg`, a FUSE or NFS
        // mount): the open and the read happen on a thread of their own, waited for
        // until the deadline and left behind after it (it ends with the process, holding
        // at most the cap; and no second one is started).
        let (tx, rx) = std::sync::mpsc::channel();
        let reopened = fd_path(&handle);
        let expected = meta.len();
        let ended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ended_here = ended.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            let read = File::open(&reopened).and_then(|file| {
                // A file that grows while it is read stops at the cap all the same.
                let mut content = Vec::with_capacity(expected.min(cap as u64) as usize);
                file.take(cap as u64 + 1).read_to_end(&mut content)?;
                Ok(content)
            });
            let _ = tx.send(read);
            drop(handle);
            ended_here.store(true, std::sync::atomic::Ordering::Release);
        });
        if let Err(e) = spawned {
            return Err(io(e));
        }
        let left = self.deadline.map_or(DEFAULT_COMMAND_TIMEOUT, |d| {
            d.saturating_duration_since(std::time::Instant::now())
        });
        let content = match rx.recv_timeout(left) {
            Ok(read) => read.map_err(io)?,
            Err(_) => {
                self.blocked_read = Some(ended);
                return Err(BackendError::Timeout {
                    command: format!("reading {}", path.display()),
                    timeout: left,
                });
            }
        };
        if content.len() > cap {
            return Err(BackendError::TooLarge {
                what: path.display().to_string(),
                limit: cap,
            });
        }
        Ok(content)
    }

    fn write_file(
        &mut self,
        path: &Path,
        content: &[u8],
        options: &FileAttributes,
    ) -> Result<(), BackendError> {
        let io = |e| BackendError::io(path.display().to_string(), e);
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(BackendError::InvalidInput(format!(
                "{} is not a file path",
                path.display()
            )));
        };
        // Everything below happens in the directory that was checked, through a handle
        // on it: a link swapped in for it, or for the file, is never followed.
        let dir = open_resolved(parent, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(io)?;
        let dir_path = fd_path(&dir);
        let target = dir_path.join(name);
        // Only a regular file is replaced: not a directory, a device, a FIFO or a socket.
        let existing = fs::symlink_metadata(&target).ok();
        if let Some(meta) = &existing
            && !meta.is_file()
        {
            return Err(not_regular(path, meta));
        }
        // Written beside the target and renamed over it, so that a reader (or a crash)
        // sees the old content or the new, never half of it.
        let mut temp = tempfile::Builder::new()
            .prefix(".wasmcharm-")
            .tempfile_in(&dir_path)
            .map_err(io)?;
        temp.write_all(content).map_err(io)?;
        // A rewritten file keeps its mode and owner unless the charm says otherwise: a
        // 0600 file of credentials must not come back world-readable. Not a setuid,
        // setgid or sticky bit: new content under an old setuid bit would be a program
        // of the charm's running as the file's owner.
        let mode = options
            .mode
            .or_else(|| existing.as_ref().map(|m| m.permissions().mode() & 0o777))
            .unwrap_or(0o644);
        // On the open file, never by path.
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io)?;
        if let Some(meta) = &existing
            && options.owner.is_none()
            && options.group.is_none()
        {
            use std::os::unix::fs::MetadataExt;
            std::os::unix::fs::fchown(temp.as_file(), Some(meta.uid()), Some(meta.gid()))
                .map_err(io)?;
        }
        set_owner(temp.as_file(), path, options)?;
        temp.as_file().sync_all().map_err(io)?;
        temp.persist(&target).map_err(|e| io(e.error))?;
        Ok(())
    }

    fn make_dir(&mut self, path: &Path, options: &FileAttributes) -> Result<(), BackendError> {
        let io = |e| BackendError::io(path.display().to_string(), e);
        // Made one directory at a time, each in the handle of the one above and opened
        // with no link followed: a link swapped in anywhere on the way is an error, never
        // a directory made, chmod'ed or chown'ed where it points.
        let dir = match make_dirs_beneath(path) {
            // A kernel before openat2 (5.6): made by path, the last one opened unfollowed.
            Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ENOSYS as i32) => {
                fs::create_dir_all(path)
                    .and_then(|()| open_resolved(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY))
            }
            other => other,
        }
        .map_err(io)?;
        let mode = options.mode.unwrap_or(0o755) & 0o777;
        dir.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io)?;
        set_owner(&dir, path, options)
    }

    fn remove_path(&mut self, path: &Path, recursive: bool) -> Result<(), BackendError> {
        let io = |e| BackendError::io(path.display().to_string(), e);
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(BackendError::InvalidInput(format!(
                "{} is not a path that can be removed",
                path.display()
            )));
        };
        // In the directory that was checked, through a handle on it; std's
        // remove_dir_all follows no link below it either.
        let dir = open_resolved(parent, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(io)?;
        let target = fd_path(&dir).join(name);
        let meta = fs::symlink_metadata(&target).map_err(io)?;
        if meta.is_dir() {
            if recursive {
                let deadline = self.deadline;
                let past = || deadline.is_some_and(|d| std::time::Instant::now() >= d);
                let left = deadline.map_or(DEFAULT_COMMAND_TIMEOUT, |d| {
                    d.saturating_duration_since(std::time::Instant::now())
                });
                return remove_tree(std::os::fd::AsFd::as_fd(&dir), name, 0, &past).map_err(|e| {
                    match e {
                        Removal::Io(e) => io(e),
                        Removal::PastDeadline => BackendError::Timeout {
                            command: format!("removing {}", path.display()),
                            timeout: left,
                        },
                    }
                });
            } else {
                fs::remove_dir(&target)
            }
        } else {
            fs::remove_file(&target)
        }
        .map_err(io)
    }

    fn run_command(&mut self, command: &CommandRequest) -> Result<Output, BackendError> {
        let mut inv = Invocation::new(&command.argv, command.timeout);
        // The charm's commands start from nothing but a PATH and the proxies: the host's
        // environment (Juju's tokens among it) is not theirs to read.
        inv.clear_env = true;
        inv.env = vec![
            ("PATH".into(), self.path.clone()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        inv.env.extend(self.proxies.iter().cloned());
        inv.env.extend(command.env.iter().cloned());
        inv.stdin = command.stdin.as_deref();
        // The program starts in the directory that was checked, entered through a handle
        // on it (held open, close-on-exec, until it has started), never through a link
        // swapped in since.
        let working_dir = match &command.working_dir {
            Some(dir) => Some(
                open_resolved(dir, OFlag::O_PATH | OFlag::O_DIRECTORY)
                    .map_err(|e| BackendError::io(dir.display().to_string(), e))?,
            ),
            None => None,
        };
        let working_dir_path = working_dir.as_ref().map(fd_path);
        inv.working_dir = working_dir_path.as_deref();
        inv.secret_args = &command.secret_args;
        inv.run()
    }
}

fn not_regular(path: &Path, meta: &fs::Metadata) -> BackendError {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kind = if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    };
    BackendError::InvalidInput(format!(
        "{} is {kind}: a charm reads and writes regular files only",
        path.display()
    ))
}

fn set_owner(file: &File, path: &Path, options: &FileAttributes) -> Result<(), BackendError> {
    let uid = match &options.owner {
        None => None,
        Some(name) => Some(lookup_user(name)?.as_raw()),
    };
    let gid = match &options.group {
        None => None,
        Some(name) => Some(lookup_group(name)?.as_raw()),
    };
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, uid, gid)
        .map_err(|e| BackendError::io(path.display().to_string(), e))
}

/// Opens `path`, which the policy checked as resolved (it holds no links), refusing any
/// link met on the way: one swapped in since the check fails the call (`ELOOP`) rather
/// than leading out of a declared prefix. Kernels before openat2 (5.6) get the last
/// component's `O_NOFOLLOW` only.
fn open_resolved(path: &Path, flags: OFlag) -> std::io::Result<File> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
        .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS);
    match openat2(AT_FDCWD, path, how) {
        Ok(fd) => Ok(File::from(fd)),
        Err(nix::errno::Errno::ENOSYS) => {
            let fd = nix::fcntl::open(
                path,
                flags | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW,
                nix::sys::stat::Mode::empty(),
            )?;
            Ok(File::from(fd))
        }
        Err(e) => Err(e.into()),
    }
}

/// `mkdir -p` through handles: from `/`, each component opened (or made, then opened)
/// in the one above it, never through a link. Returns the last, open for reading.
fn make_dirs_beneath(path: &Path) -> std::io::Result<File> {
    use std::path::Component;
    let how = |flags: OFlag| {
        OpenHow::new()
            .flags(flags | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
            .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS | ResolveFlag::RESOLVE_BENEATH)
    };
    let names: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect();
    let mut dir = open_resolved(Path::new("/"), OFlag::O_PATH | OFlag::O_DIRECTORY)?;
    for (i, name) in names.iter().enumerate() {
        let flags = if i + 1 == names.len() {
            OFlag::O_RDONLY
        } else {
            OFlag::O_PATH
        };
        let next = match openat2(&dir, *name, how(flags)) {
            Err(nix::errno::Errno::ENOENT) => {
                match nix::sys::stat::mkdirat(
                    &dir,
                    *name,
                    nix::sys::stat::Mode::from_bits_truncate(0o755),
                ) {
                    // Made meanwhile by someone else: opened below like any other.
                    Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
                    Err(e) => return Err(e.into()),
                }
                openat2(&dir, *name, how(flags))
            }
            other => other,
        }?;
        dir = File::from(next);
    }
    if names.is_empty() {
        return File::open("/");
    }
    Ok(dir)
}

/// A path that leads to what `file` is open on, however its names change: the kernel's
/// link for the descriptor.
fn fd_path(file: &File) -> std::path::PathBuf {
    use std::os::fd::AsRawFd;
    std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

fn lookup_user(name: &str) -> Result<Uid, BackendError> {
    match User::from_name(name) {
        Ok(Some(user)) => Ok(user.uid),
        Ok(None) => Err(BackendError::NotFound(format!("no user named `{name}`"))),
        Err(e) => Err(BackendError::io(format!("user `{name}`"), e.into())),
    }
}

fn lookup_group(name: &str) -> Result<Gid, BackendError> {
    match Group::from_name(name) {
        Ok(Some(group)) => Ok(group.gid),
        Ok(None) => Err(BackendError::NotFound(format!("no group named `{name}`"))),
        Err(e) => Err(BackendError::io(format!("group `{name}`"), e.into())),
    }
}

/// `dpkg-query` prints `<want><status><err>\t<version>`; a package dpkg has never
/// heard of is an exit 1 with "no packages found".
fn parse_package_info(
    name: &str,
    command: &str,
    out: &Output,
) -> Result<PackageInfo, BackendError> {
    let not_installed = PackageInfo {
        name: name.to_string(),
        installed: false,
        version: None,
    };
    if out.code != 0 {
        let stderr = out.stderr_str();
        if stderr.contains("no packages found") {
            return Ok(not_installed);
        }
        return Err(BackendError::CommandFailed {
            command: command.to_string(),
            code: out.code,
            stderr,
        });
    }
    let stdout = out.stdout_str();
    let line = stdout.lines().next().unwrap_or_default();
    let (abbrev, version) = line
        .split_once('\t')
        .ok_or_else(|| BackendError::BadOutput {
            command: command.to_string(),
            detail: format!("expected `<status>\\t<version>`, got {line:?}"),
        })?;
    // The second letter is the package's current state; `i` is installed, `W`/`t`
    // installed with triggers pending.
    let installed = matches!(abbrev.chars().nth(1), Some('i' | 'W' | 't'));
    Ok(PackageInfo {
        name: name.to_string(),
        installed,
        version: installed.then(|| version.trim().to_string()),
    })
}

/// `snap list NAME` prints a header and one row: Name Version Rev Tracking Publisher Notes.
fn parse_snap_list(name: &str, command: &str, out: &Output) -> Result<SnapInfo, BackendError> {
    if out.code != 0 {
        let stderr = out.stderr_str();
        if stderr.contains("no matching snaps") {
            return Ok(SnapInfo {
                name: name.to_string(),
                ..SnapInfo::default()
            });
        }
        return Err(BackendError::CommandFailed {
            command: command.to_string(),
            code: out.code,
            stderr,
        });
    }
    let stdout = out.stdout_str();
    let row = stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cols| cols.first() == Some(&name))
        .ok_or_else(|| BackendError::BadOutput {
            command: command.to_string(),
            detail: format!("no row for `{name}` in {stdout:?}"),
        })?;
    let col = |i: usize| row.get(i).map(|s| s.to_string()).filter(|s| s != "-");
    Ok(SnapInfo {
        name: name.to_string(),
        installed: true,
        version: col(1),
        revision: col(2),
        channel: col(3),
    })
}

/// Why a tree was not removed.
enum Removal {
    Io(std::io::Error),
    PastDeadline,
}

/// Directories below the one removed: deeper than this is an error, not a host stack
/// overflow or a descriptor for each level past the process's limit.
const REMOVE_DEPTH: usize = 256;

/// Removes the directory `name` in `parent` and everything in it. Each directory is
/// opened from its parent's handle with `O_NOFOLLOW` and its entries removed there, so
/// that a link swapped in for a directory during the removal is never followed (opening
/// it fails, and so does the removal); and the
/// deadline is looked at between entries (a tree of millions of entries, grown over
/// several hooks, would otherwise hold one hook for minutes). What was removed by then
/// stays removed. A level holds one descriptor and no names while the one below is
/// removed.
fn remove_tree(
    parent: std::os::fd::BorrowedFd<'_>,
    name: &std::ffi::OsStr,
    depth: usize,
    past: &dyn Fn() -> bool,
) -> Result<(), Removal> {
    use nix::dir::{Dir, Type};
    use nix::sys::stat::{Mode, SFlag, fstatat};
    use nix::unistd::{UnlinkatFlags, unlinkat};
    let errno = |e: nix::errno::Errno| Removal::Io(e.into());
    if depth > REMOVE_DEPTH {
        return Err(Removal::Io(std::io::Error::other(format!(
            "more than {REMOVE_DEPTH} directories deep"
        ))));
    }
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let here = nix::fcntl::openat(parent, name, flags, Mode::empty()).map_err(errno)?;
    loop {
        if past() {
            return Err(Removal::PastDeadline);
        }
        // A fresh listing each time round: files are removed as they are listed, and
        // the first directory found is removed on its own, with this listing closed.
        let mut listing = Dir::openat(&here, ".", flags, Mode::empty()).map_err(errno)?;
        let mut below = None;
        for entry in listing.iter() {
            // An error ends the removal: a listing that keeps failing is not retried.
            let entry = entry.map_err(errno)?;
            let entry_name = entry.file_name();
            if matches!(entry_name.to_bytes(), b"." | b"..") {
                continue;
            }
            if past() {
                return Err(Removal::PastDeadline);
            }
            let is_dir = match entry.file_type() {
                Some(kind) => kind == Type::Directory,
                None => {
                    let stat =
                        fstatat(&here, entry_name, AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?;
                    SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR
                }
            };
            if is_dir {
                below = Some(entry_name.to_owned());
                break;
            }
            unlinkat(&here, entry_name, UnlinkatFlags::NoRemoveDir).map_err(errno)?;
        }
        drop(listing);
        match below {
            Some(dir) => {
                let dir = std::os::unix::ffi::OsStrExt::from_bytes(dir.to_bytes());
                remove_tree(std::os::fd::AsFd::as_fd(&here), dir, depth + 1, past)?;
            }
            None => break,
        }
    }
    drop(here);
    unlinkat(parent, name, UnlinkatFlags::RemoveDir).map_err(errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn package_info_from_dpkg_query() {
        let installed = parse_package_info(
            "openssh-server",
            "q",
            &out(0, "ii \t1:9.6p1-3ubuntu13\n", ""),
        )
        .unwrap();
        assert!(installed.installed);
        assert_eq!(installed.version.as_deref(), Some("1:9.6p1-3ubuntu13"));
        let removed = parse_package_info("x", "q", &out(0, "rc \t1.0\n", "")).unwrap();
        assert!(!removed.installed && removed.version.is_none());
        let unknown = parse_package_info(
            "nope",
            "q",
            &out(1, "", "dpkg-query: no packages found matching nope\n"),
        )
        .unwrap();
        assert!(!unknown.installed);
        assert!(parse_package_info("x", "q", &out(2, "", "dpkg-query: error")).is_err());
    }

    #[test]
    fn snap_info_from_snap_list() {
        let listed = parse_snap_list(
            "lxd",
            "snap list lxd",
            &out(
                0,
                "Name  Version  Rev    Tracking     Publisher   Notes\nlxd   5.21.1   28463  5.21/stable  canonical✓  -\n",
                "",
            ),
        )
        .unwrap();
        assert_eq!(
            listed,
            SnapInfo {
                name: "lxd".into(),
                installed: true,
                version: Some("5.21.1".into()),
                revision: Some("28463".into()),
                channel: Some("5.21/stable".into()),
            }
        );
        let absent = parse_snap_list(
            "lxd",
            "s",
            &out(1, "", "error: no matching snaps installed\n"),
        )
        .unwrap();
        assert!(!absent.installed);
    }

    #[test]
    fn files_are_written_whole_with_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf");
        let mut m = RealMachine::default();
        let opts = FileAttributes {
            mode: Some(0o600),
            ..FileAttributes::default()
        };
        m.write_file(&path, b"one", &opts).unwrap();
        m.write_file(&path, b"two", &opts).unwrap();
        assert_eq!(m.read_file(&path).unwrap(), b"two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
        // Rewritten without a mode, it keeps the one it had.
        m.write_file(&path, b"three", &FileAttributes::default())
            .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        m.remove_path(&path, false).unwrap();
        assert!(matches!(m.read_file(&path), Err(BackendError::NotFound(_))));
    }

    #[test]
    fn directories_are_made_through_handles_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let mut m = RealMachine::default();
        let opts = FileAttributes {
            mode: Some(0o750),
            ..FileAttributes::default()
        };
        let nested = dir.path().join("a/b/c");
        m.make_dir(&nested, &opts).unwrap();
        let mode = fs::metadata(&nested).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        // Made again, it is already there: not an error.
        m.make_dir(&nested, &opts).unwrap();
        // A link on the way (as a workload could swap in) is refused, and nothing is
        // made where it points.
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let err = m.make_dir(&dir.path().join("link/x/y"), &opts).unwrap_err();
        assert!(!outside.path().join("x").exists(), "{err}");
    }

    #[test]
    fn a_tree_is_removed_without_following_its_links_and_stops_at_the_deadline() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep"), "kept").unwrap();
        let root = tempfile::tempdir().unwrap();
        let tree = root.path().join("tree");
        for i in 0..30 {
            let dir = tree.join(format!("d{i}/e/f"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("file"), "x").unwrap();
        }
        std::os::unix::fs::symlink(outside.path(), tree.join("d0/e/link")).unwrap();
        let parent = File::open(root.path()).unwrap();
        let parent = std::os::fd::AsFd::as_fd(&parent);
        let name = std::ffi::OsStr::new("tree");
        // The deadline passes after a few entries: stopped there, the rest left.
        let checks = std::cell::Cell::new(0);
        let soon = || {
            checks.set(checks.get() + 1);
            checks.get() > 10
        };
        assert!(matches!(
            remove_tree(parent, name, 0, &soon),
            Err(Removal::PastDeadline)
        ));
        assert!(tree.exists());
        // Then all of it, the link removed and what it points to kept.
        assert!(remove_tree(parent, name, 0, &|| false).is_ok());
        assert!(!tree.exists());
        assert_eq!(
            std::fs::read_to_string(outside.path().join("keep")).unwrap(),
            "kept"
        );
    }
}
