//! Real Debian roots for the tests that drive one, made by `debootstrap` and cached
//! between runs. A bookworm root is booted by `systemd-nspawn` so that systemd is its
//! PID 1, sharing the host's network (apt reaches the archive; its sshd takes the host's
//! port 22 while it runs); commands run in it through `nsenter`, since the host's PID 1 is
//! not systemd and `machinectl` cannot reach the machine. A bullseye root is only
//! entered with `chroot`: it is there for its older C library.
//!
//! What a plain clone or an unprivileged user lacks (root, the tools, the archive) is a
//! reason to skip, said on the output by the caller, never a failure.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const MIRROR: &str = "http://deb.debian.org/debian";
/// Where roots are kept between runs, unless `WASMCHARM_MACHINE_CACHE` says.
const CACHE: &str = "/var/cache/wasmcharm";

/// A Debian release to make a root of.
pub struct Release {
    pub suite: &'static str,
    /// Packages beyond minbase, for debootstrap's `--include`.
    include: &'static str,
    /// Packages installed after debootstrap, in the new root.
    after: &'static str,
}

/// The machine the machine charms run on. Beyond minbase: what a cloud image of Debian
/// has, an init and a bus for systemctl; and add-apt-repository, which Ubuntu's images
/// carry and charms call, installed after debootstrap, whose own configuring of Python
/// packages fails.
pub const BOOKWORM: Release = Release {
    suite: "bookworm",
    include: "systemd,systemd-sysv,dbus",
    after: "software-properties-common",
};

/// glibc 2.31, as Ubuntu 20.04 has it: older than what builds the host here.
pub const BULLSEYE: Release = Release {
    suite: "bullseye",
    include: "",
    after: "",
};

/// Why a root cannot be made here, or `None`.
pub fn unavailable_to_make() -> Option<String> {
    if !is_root() {
        return Some("not root (debootstrap, chroot and systemd-nspawn need it)".into());
    }
    for tool in ["debootstrap", "chroot", "unzip", "unshare", "mount"] {
        if !on_path(tool) {
            return Some(format!(
                "`{tool}` is not installed (./dev test installs debootstrap and unzip)"
            ));
        }
    }
    // Root without the right to make mount namespaces (an unprivileged container).
    let unshare = Command::new(find("unshare").unwrap_or_else(|| "unshare".into()))
        .args(["--mount", "true"])
        .output();
    if !unshare.is_ok_and(|o| o.status.success()) {
        return Some("mount namespaces cannot be made here (`unshare --mount` fails)".into());
    }
    let archive = std::net::ToSocketAddrs::to_socket_addrs(&("deb.debian.org", 80))
        .ok()
        .and_then(|mut a| a.next());
    if archive
        .is_none_or(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(5)).is_err())
    {
        return Some(format!("the Debian archive ({MIRROR}) is out of reach"));
    }
    None
}

/// Why a bookworm machine cannot be made and booted here, or `None`.
pub fn unavailable() -> Option<String> {
    if let Some(why) = unavailable_to_make() {
        return Some(why);
    }
    for tool in ["systemd-nspawn", "nsenter", "dpkg-deb", "dpkg-scanpackages"] {
        if !on_path(tool) {
            return Some(format!(
                "`{tool}` is not installed (./dev test installs systemd-container and \
                 dpkg-dev)"
            ));
        }
    }
    if std::net::TcpStream::connect(("127.0.0.1", 22)).is_ok() {
        return Some("something already listens on port 22, which the machine's sshd needs".into());
    }
    None
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn on_path(tool: &str) -> bool {
    find(tool).is_some()
}

fn find(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(tool))
        .find(|path| path.is_file())
}

/// `chroot ROOT`, to which the program and its arguments are added, with `/proc`
/// mounted in the root as on any machine Juju runs a charm on (the host finds its own
/// binary through it), in a mount namespace of its own so that nothing is left mounted.
/// The tools are found here, so that the environment given to the program (its PATH)
/// does not decide which run.
pub fn chroot(root: &Path) -> Command {
    let tool = |name: &str| find(name).unwrap_or_else(|| name.into());
    let mut command = Command::new(tool("unshare"));
    command
        .args(["--mount", "--propagation", "private", "--"])
        .arg(tool("sh"))
        .arg("-c")
        .arg(
            r#"mount=$1 chroot=$2 root=$3; shift 3
               "$mount" -t proc proc "$root/proc" && exec "$chroot" "$root" "$@""#,
        )
        .arg("sh")
        .arg(tool("mount"))
        .arg(tool("chroot"))
        .arg(root);
    command
}

/// The cached bookworm root, made on first use.
pub fn base() -> Result<PathBuf, String> {
    root(&BOOKWORM)
}

/// The cached root of `release`, made on first use; `Err` says why it could not be, with
/// debootstrap's last words (see its log in the `.partial` directory).
pub fn root(release: &Release) -> Result<PathBuf, String> {
    let suite = release.suite;
    let cache = std::env::var_os("WASMCHARM_MACHINE_CACHE").map_or(CACHE.into(), PathBuf::from);
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let base = cache.join(format!("debian-{suite}"));
    // One maker at a time; a second waits and finds it made.
    let lock = File::create(cache.join(format!("debian-{suite}.lock")))
        .map_err(|e| format!("{}: {e}", cache.display()))?;
    lock.lock().map_err(|e| format!("locking the cache: {e}"))?;
    if base.join("etc/os-release").exists() {
        return Ok(base);
    }
    let partial = cache.join(format!("debian-{suite}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    let started = Instant::now();
    println!(
        "making a Debian {suite} root with debootstrap (once; kept in {})",
        cache.display()
    );
    // In a mount namespace of its own: if it is killed, nothing it mounted in the root
    // (proc, sys) stays mounted on the host for the next attempt to walk into.
    let mut debootstrap = Command::new(find("unshare").unwrap_or_else(|| "unshare".into()));
    debootstrap
        .args(["--mount", "--propagation", "private", "--"])
        .arg(find("debootstrap").unwrap_or_else(|| "debootstrap".into()))
        .arg("--variant=minbase");
    if !release.include.is_empty() {
        debootstrap.arg(format!("--include={}", release.include));
    }
    let out = debootstrap
        .arg(suite)
        .arg(&partial)
        .arg(MIRROR)
        .output()
        .map_err(|e| format!("debootstrap: {e}"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stdout);
        let tail: Vec<&str> = said.lines().rev().take(3).collect();
        return Err(format!("debootstrap failed: {}", tail.join(" / ")));
    }
    if !release.after.is_empty() {
        let out = Command::new("systemd-nspawn")
            .args(["--register=no", "--keep-unit", "--quiet", "--directory"])
            .arg(&partial)
            .args(["apt-get", "install", "-y", "-q", release.after])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map_err(|e| format!("systemd-nspawn: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(format!("installing {}: {out:?}", release.after));
        }
    }
    std::fs::rename(&partial, &base).map_err(|e| format!("{}: {e}", base.display()))?;
    println!("made it in {:.0?}", started.elapsed());
    Ok(base)
}

/// A booted machine on its own copy of the base.
pub struct Machine {
    root: tempfile::TempDir,
    name: String,
    nspawn: Option<Child>,
    leader: u32,
}

impl Machine {
    /// Copies `base` and boots it; returns once systemd says the machine is up.
    pub fn boot_copy_of(base: &Path) -> Machine {
        // Beside the cache, on a disk (the root is hundreds of MB), not in a tmpfs.
        let root = tempfile::Builder::new()
            .prefix("wasmcharm-machine-")
            .tempdir_in(base.parent().unwrap())
            .unwrap();
        let copied = Command::new("cp")
            .args(["-a", "--reflink=auto", "--"])
            .arg(format!("{}/.", base.display()))
            .arg(root.path())
            .status()
            .unwrap();
        assert!(copied.success(), "copying {}", base.display());
        let name = format!("wasmcharm-{}", std::process::id());
        let mut machine = Machine {
            root,
            name,
            nspawn: None,
            leader: 0,
        };
        machine.boot();
        machine
    }

    /// The machine's root as this process sees it.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// `path` inside the machine, as this process sees it.
    pub fn path(&self, path: &str) -> PathBuf {
        self.root.path().join(path.trim_start_matches('/'))
    }

    fn boot(&mut self) {
        let log = File::create(self.root.path().with_extension("boot.log")).unwrap();
        let nspawn = Command::new("systemd-nspawn")
            // No machined or bus on this host: nothing to register with, no scope to make.
            .args([
                "--register=no",
                "--keep-unit",
                "--console=read-only",
                "--boot",
            ])
            .arg(format!("--machine={}", self.name))
            .arg("--directory")
            .arg(self.root.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("systemd-nspawn starts");
        let pid = nspawn.id();
        self.nspawn = Some(nspawn);
        let started = Instant::now();
        // The machine's PID 1, as the host numbers it: nspawn's child.
        self.leader = loop {
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            if let Some(child) = children.split_whitespace().next() {
                break child.parse().unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the machine did not start: {}",
                self.boot_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // `running`, or `degraded` (a unit that cannot work in a container); `starting`
        // until then. `--wait` needs a bus to the machine's systemd, which comes up late.
        loop {
            let state = self.run(&["systemctl", "is-system-running"]);
            let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
            if state == "running" || state == "degraded" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the machine did not come up ({state:?}): {}",
                self.boot_log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("booted {} in {:.1?}", self.name, started.elapsed());
    }

    fn boot_log(&self) -> String {
        std::fs::read_to_string(self.root.path().with_extension("boot.log")).unwrap_or_default()
    }

    /// Powers the machine off and boots it again, on the same root.
    pub fn reboot(&mut self) {
        self.power_off();
        self.boot();
    }

    fn power_off(&mut self) {
        let Some(mut nspawn) = self.nspawn.take() else {
            return;
        };
        let _ = self.run(&["systemctl", "poweroff", "--no-block"]);
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(_)) = nspawn.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = nspawn.kill();
        let _ = nspawn.wait();
    }

    /// `argv` in the machine, in all its namespaces, with the environment `env` only.
    pub fn run_with(&self, env: &[(String, String)], argv: &[&str]) -> Output {
        Command::new("nsenter")
            .arg("--target")
            .arg(self.leader.to_string())
            .args(["--all", "--", "/usr/bin/env", "-i"])
            .args(env.iter().map(|(k, v)| format!("{k}={v}")))
            .args(argv)
            .output()
            .expect("nsenter runs")
    }

    /// `argv` in the machine with a root shell's PATH.
    pub fn run(&self, argv: &[&str]) -> Output {
        let path = (
            "PATH".to_string(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        );
        self.run_with(&[path], argv)
    }

    /// `script` in the machine's `sh`; panics with its output if it fails.
    pub fn sh(&self, script: &str) -> String {
        let out = self.run(&["sh", "-ec", script]);
        assert!(out.status.success(), "{script}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        self.power_off();
        let _ = std::fs::remove_file(self.root.path().with_extension("boot.log"));
    }
}
