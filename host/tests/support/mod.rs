//! Starting the real Pebble daemon (`../shared/tools/pebble`) for the tests that drive
//! it, shared by those test files.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The daemon, or `None` (said on the output) in a clone without `../shared`.
pub fn pebble_binary() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/pebble");
    if path.exists() {
        Some(path)
    } else {
        println!(
            "skipped: the real Pebble is not at {} (a clone without ../shared); see \
             ../shared/tools/README.md",
            path.display()
        );
        None
    }
}

/// Waits until something listens on `socket`.
pub fn wait_for(socket: &Path) {
    let started = Instant::now();
    while UnixStream::connect(socket).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing listens on {}",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A daemon keeping its state in `state` and serving `socket`, services held until
/// started; returned once it listens.
pub fn start_pebble(binary: &Path, state: &Path, socket: &Path) -> Child {
    let child = Command::new(binary)
        .args(["run", "--create-dirs", "--hold"])
        .env("PEBBLE", state)
        .env("PEBBLE_SOCKET", socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(socket);
    child
}

/// Stops a daemon the way its init would: SIGTERM, on which Pebble stops the services it
/// started, and SIGKILL only if it has not gone in 5 s. (Killing it outright would leave
/// its services running after the test.)
pub fn stop(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    if nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).is_ok() {
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
