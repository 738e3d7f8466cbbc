//! Packed charms on a real Debian machine (systemd as PID 1, the real apt-get,
//! dpkg-query, add-apt-repository and systemctl), each `.charm` unzipped into a unit
//! directory as Juju's agent does and its `dispatch` run for each hook; only the hook
//! tools are stand-ins, recording what the charm told Juju.
//!
//! Needs root, `debootstrap`, `systemd-nspawn` (systemd-container), `dpkg-dev`, the
//! Debian archive, and a free port 22 (`./dev test` installs the tools); without them it
//! says why on its output and passes without running. With them, any failure fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use wasmcharm::backends::pebble::client::PebbleClient;
use wasmcharm::backends::pebble::{Current, Pebble};
use wasmcharm_tests::debian::{self, Machine};
use wasmcharm_tests::{
    Stubs, charm_dir, packed_dispatch, unit_env, unzip_with_unzip, wasmcharm_bin,
};

/// `charm` packed by `wasmcharm pack` with the host these tests built: its directory
/// and the `.charm`.
fn packed(charm: &str) -> (tempfile::TempDir, PathBuf) {
    let source = charm_dir(charm);
    let archive = source.path().join("packed.charm");
    let out = Command::new(wasmcharm_bin())
        .arg("pack")
        .arg(source.path())
        .arg("--out")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "pack {charm}: {out:?}");
    (source, archive)
}

/// One unit of a packed charm in the machine.
struct Unit {
    /// The charm directory as the machine sees it.
    charm: String,
    stubs: Stubs,
    name: String,
}

impl Unit {
    /// Packs `charm` with the host these tests built and unzips it where Juju's agent
    /// keeps unit `name`'s charm, with hook tools beside it.
    fn deploy(machine: &Machine, charm: &str, name: &str) -> Unit {
        let (_source, archive) = packed(charm);
        let agent = format!("/var/lib/juju/agents/unit-{}", name.replace('/', "-"));
        let charm_in_machine = format!("{agent}/charm");
        std::fs::create_dir_all(machine.path(&charm_in_machine)).unwrap();
        unzip_with_unzip(&archive, &machine.path(&charm_in_machine));
        let tools = format!("{agent}/tools");
        let stubs = Stubs::hook_tools_in(&machine.path(&tools), Path::new(&tools));
        Unit {
            charm: charm_in_machine,
            stubs,
            name: name.to_string(),
        }
    }

    /// Runs `hook` through the unit's `dispatch` as Juju runs it; returns how it ended
    /// and what it told Juju.
    fn hook(&self, machine: &Machine, hook: &str) -> (Output, Vec<Vec<String>>) {
        self.stubs.clear();
        let mut env = unit_env(Path::new(&self.charm), &format!("hooks/{hook}"), &self.name);
        env.push((
            "PATH".into(),
            format!(
                "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                self.stubs.seen_as().display()
            ),
        ));
        let started = Instant::now();
        let out = machine.run_with(&env, &[&format!("{}/dispatch", self.charm)]);
        println!("{} {hook}: {:.1?}", self.name, started.elapsed());
        (out, self.stubs.calls())
    }
}

/// The statuses a hook set, as (status, message).
fn statuses(calls: &[Vec<String>]) -> Vec<(String, String)> {
    calls
        .iter()
        .filter(|c| c[0] == "status-set")
        .map(|c| {
            // `status-set --application=false STATUS [-- MESSAGE]`
            let message = c[3..].iter().rfind(|a| *a != "--");
            (c[2].clone(), message.cloned().unwrap_or_default())
        })
        .collect()
}

fn status(status: &str, message: &str) -> (String, String) {
    (status.to_string(), message.to_string())
}

fn installed(machine: &Machine, package: &str) -> bool {
    let out = machine.run(&[
        "dpkg-query",
        "--show",
        "--showformat=${Status}",
        "--",
        package,
    ]);
    out.stdout == b"install ok installed"
}

fn systemctl(machine: &Machine, query: &str, unit: &str) -> String {
    let out = machine.run(&["systemctl", query, "--", unit]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The first line sshd sends on port 22.
fn ssh_banner() -> String {
    let started = Instant::now();
    loop {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", 22)) {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut line = String::new();
            let _ = BufReader::new(stream).read_line(&mut line);
            return line.trim().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing listens on port 22"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn packed_charms_on_a_real_debian_machine() {
    if let Some(why) = debian::unavailable() {
        println!("skipped: {why}");
        return;
    }
    // With root, the tools and the archive at hand, a root that cannot be made is a
    // failure, not a reason to skip.
    let base = debian::base().unwrap_or_else(|why| panic!("no Debian root: {why}"));
    let mut machine = Machine::boot_copy_of(&base);
    // A root made on an earlier day may list versions the archive no longer has.
    machine.sh("apt-get update -qq");

    openssh(&machine);
    let ua = ubuntu_advantage(&machine);
    pause(&machine);

    // The machine reboots: the units' state is on its disk, and nothing is done again.
    let history = std::fs::read_to_string(machine.path("/var/log/apt/history.log")).unwrap();
    machine.reboot();
    assert_eq!(systemctl(&machine, "is-active", "ssh"), "active");
    assert!(ssh_banner().starts_with("SSH-2.0-OpenSSH"));
    let (out, calls) = ua.hook(&machine, "config-changed");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        statuses(&calls),
        [
            status("maintenance", "Configuring"),
            status("active", "Attached")
        ]
    );
    assert_eq!(
        std::fs::read_to_string(machine.path("/var/log/ua-calls")).unwrap(),
        "attach t0ken\n",
        "attached again: the stored state was lost"
    );
    assert_eq!(
        std::fs::read_to_string(machine.path("/var/log/apt/history.log")).unwrap(),
        history,
        "apt ran again: the stored state was lost"
    );
}

/// openssh: a package apt cannot find, then its lifecycle.
fn openssh(machine: &Machine) {
    let unit = Unit::deploy(machine, "openssh", "openssh/0");
    assert!(!installed(machine, "openssh-server"));

    // With no package lists, apt cannot find openssh-server: the charm blocks the unit
    // with its message and the hook succeeds, as the ops charm does.
    machine.sh("rm -rf /var/lib/apt/lists/*");
    let (out, calls) = unit.hook(machine, "install");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        statuses(&calls),
        [status("blocked", "Failed to install packages")]
    );
    assert!(!installed(machine, "openssh-server"));

    // The operator fixes the machine's sources and resolves the unit: install again.
    machine.sh("apt-get update -qq");
    let (out, calls) = unit.hook(machine, "install");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(statuses(&calls), []);
    assert!(installed(machine, "openssh-server"));

    let (out, calls) = unit.hook(machine, "config-changed");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(calls, Vec::<Vec<String>>::new());

    let (out, calls) = unit.hook(machine, "start");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(statuses(&calls), [status("active", "")]);
    assert_eq!(systemctl(machine, "is-enabled", "ssh"), "enabled");
    assert_eq!(systemctl(machine, "is-active", "ssh"), "active");
    let banner = ssh_banner();
    assert!(banner.starts_with("SSH-2.0-OpenSSH"), "{banner}");

    for hook in ["update-status", "stop"] {
        let (out, calls) = unit.hook(machine, hook);
        assert!(out.status.success(), "{hook}: {out:?}");
        assert_eq!(calls, Vec::<Vec<String>>::new(), "{hook}");
    }
}

/// ubuntu-advantage, as far as Debian can take it: its repository is a one-line `deb`
/// source (Debian has no PPAs), served here over HTTP, and the package in it is a
/// stand-in whose `ua` only records how it was run (Ubuntu Pro's client and contract
/// server are not Debian's). add-apt-repository, apt-get and dpkg are real.
fn ubuntu_advantage(machine: &Machine) -> Unit {
    let repository = stand_in_repository();
    let port = serve(repository.path().to_path_buf());
    let line = format!("deb [trusted=yes] http://127.0.0.1:{port}/ ./");
    let unit = Unit::deploy(machine, "ubuntu-advantage", "ubuntu-advantage/0");
    unit.stubs.print(
        "config-get",
        &serde_json::json!({"ppa": line, "token": "t0ken"}).to_string(),
    );
    let (out, calls) = unit.hook(machine, "config-changed");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        statuses(&calls),
        [
            status("maintenance", "Configuring"),
            status("active", "Attached")
        ]
    );
    let sources = machine.sh("cat /etc/apt/sources.list.d/*.list");
    assert!(sources.lines().any(|l| l == line), "{sources}");
    assert!(installed(machine, "ubuntu-advantage-tools"));
    assert_eq!(
        std::fs::read_to_string(machine.path("/var/log/ua-calls")).unwrap(),
        "attach t0ken\n"
    );
    // The repository stays up for the rest of the test (its thread outlives this).
    std::mem::forget(repository);
    unit
}

/// A flat apt repository holding a stand-in `ubuntu-advantage-tools`, built with
/// dpkg-deb and dpkg-scanpackages.
fn stand_in_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("package");
    std::fs::create_dir_all(package.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(package.join("usr/bin")).unwrap();
    std::fs::write(
        package.join("DEBIAN/control"),
        "Package: ubuntu-advantage-tools\nVersion: 0.1-wasmcharm\nArchitecture: all\n\
         Maintainer: wasmcharm tests <tests@wasmcharm.invalid>\n\
         Description: stand-in for Ubuntu Pro's client, recording how it is run\n",
    )
    .unwrap();
    let ua = package.join("usr/bin/ua");
    std::fs::write(&ua, "#!/bin/sh\necho \"$*\" >> /var/log/ua-calls\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ua, std::fs::Permissions::from_mode(0o755)).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let built = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&package)
        .arg(repo.join("ubuntu-advantage-tools_0.1-wasmcharm_all.deb"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    let index = Command::new("dpkg-scanpackages")
        .args(["--multiversion", ".", "/dev/null"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(index.status.success(), "{index:?}");
    std::fs::write(repo.join("Packages"), index.stdout).unwrap();
    let served = tempfile::tempdir().unwrap();
    std::fs::rename(&repo, served.path().join("r")).unwrap();
    // What is served is the repository alone.
    let root = served.path().join("r");
    let kept = tempfile::Builder::new().tempdir().unwrap();
    std::fs::remove_dir(kept.path()).unwrap();
    std::fs::rename(&root, kept.path()).unwrap();
    kept
}

/// Serves the files of `dir` over HTTP on a free local port, for as long as the test
/// runs; anything else is 404.
fn serve(dir: PathBuf) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || answer(stream, &dir));
        }
    });
    port
}

fn answer(mut stream: TcpStream, dir: &Path) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let name = request.split(' ').nth(1).unwrap_or("/");
    let name = name.trim_start_matches('/');
    let file = (!name.split('/').any(|p| p == ".."))
        .then(|| dir.join(name))
        .filter(|p| p.is_file());
    let mut body = Vec::new();
    let head = match file.map(|p| std::fs::File::open(p).and_then(|mut f| f.read_to_end(&mut body)))
    {
        Some(Ok(_)) => "200 OK",
        _ => "404 Not Found",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

/// The real Pebble (`../shared/tools/pebble`, v1.32.1), if this clone has it.
fn pebble_binary() -> Option<PathBuf> {
    let path = wasmcharm_tests::workspace().join("../shared/tools/pebble");
    path.exists().then_some(path)
}

/// The pause charm, packed, against the real Pebble. The machine is the workload
/// container: Pebble runs in it (as a service of its systemd), its `/pause` a script
/// that records each start and its environment and then sleeps; the charm runs beside
/// it, as in a pod, and reaches it through the socket on their shared volume.
fn pause(machine: &Machine) {
    let Some(pebble) = pebble_binary() else {
        println!("skipped the pause charm: the real Pebble is not in ../shared/tools");
        return;
    };
    std::fs::copy(&pebble, machine.path("/usr/local/bin/pebble")).unwrap();
    let script = machine.path("/pause");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$$ TIMEOUT=$TIMEOUT\" >> /var/log/pause-runs\nexec sleep infinity\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let start_container = || {
        machine.sh(
            "mkdir -p /charm/containers/pause
             systemd-run --quiet --unit=pebble --setenv=PEBBLE=/var/lib/pebble/default \
               --setenv=PEBBLE_SOCKET=/charm/containers/pause/pebble.socket \
               /usr/local/bin/pebble run --create-dirs
             for i in $(seq 100); do [ -S /charm/containers/pause/pebble.socket ] && exit 0; sleep 0.1; done
             exit 1",
        );
    };
    start_container();
    let sockets = machine.path("/charm/containers");

    // The charm's own container: the packed charm on this side of the pod.
    let (_source, archive) = packed("pause");
    let unit = tempfile::tempdir().unwrap();
    unzip_with_unzip(&archive, unit.path());
    let hook = |hook: &str, timeout: u32| {
        let stubs = Stubs::new();
        stubs.print("config-get", &format!(r#"{{"timeout": {timeout}}}"#));
        let mut env = unit_env(unit.path(), &format!("hooks/{hook}"), "pause/0");
        env.push(("JUJU_WORKLOAD_NAME".into(), "pause".into()));
        env.push((
            "WASMCHARM_PEBBLE_SOCKET_DIR".into(),
            sockets.display().to_string(),
        ));
        let started = Instant::now();
        let out = packed_dispatch(unit.path(), &stubs, &env);
        println!(
            "pause/0 {hook} (timeout {timeout}): {:.1?}",
            started.elapsed()
        );
        assert!(out.status.success(), "{hook}: {out:?}");
        statuses(&stubs.calls())
    };
    let runs = || {
        std::fs::read_to_string(machine.path("/var/log/pause-runs"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let service = || {
        let mut client = PebbleClient::new(&sockets);
        let plan = client.plan("pause").unwrap();
        let pause = &plan.services["pause"];
        let current = client.services("pause", &["pause".into()]).unwrap()[0].current;
        (
            pause.command.clone(),
            pause.environment.get("TIMEOUT").cloned(),
            current,
        )
    };
    // The workload's process is alive in the container, with what its plan says.
    let alive = |line: &str| {
        let pid = line.split(' ').next().unwrap();
        machine.run(&["kill", "-0", pid]).status.success()
    };

    assert_eq!(hook("pause-pebble-ready", 45), [status("active", "")]);
    assert_eq!(
        service(),
        (
            "/pause".to_string(),
            Some("45".to_string()),
            Current::Active
        )
    );
    let started = runs();
    assert_eq!(started.len(), 1, "{started:?}");
    assert!(
        started[0].ends_with(" TIMEOUT=45") && alive(&started[0]),
        "{started:?}"
    );

    // The same config: the service is left alone.
    hook("config-changed", 45);
    assert_eq!(runs(), started);

    // A new timeout: the service restarts with it, and the old process is gone.
    hook("config-changed", 60);
    let restarted = runs();
    assert_eq!(restarted.len(), 2, "{restarted:?}");
    assert!(restarted[1].ends_with(" TIMEOUT=60") && alive(&restarted[1]));
    assert!(
        !alive(&restarted[0]),
        "the old process still runs: {restarted:?}"
    );
    assert_eq!(
        service(),
        (
            "/pause".to_string(),
            Some("60".to_string()),
            Current::Active
        )
    );

    // The container restarts, fresh: Pebble has no plan until pebble-ready gives it one
    // again, from the config Juju holds.
    machine.sh("systemctl stop pebble; rm -rf /var/lib/pebble/default");
    start_container();
    assert!(
        PebbleClient::new(&sockets)
            .plan("pause")
            .unwrap()
            .services
            .is_empty()
    );
    assert_eq!(hook("pause-pebble-ready", 60), [status("active", "")]);
    let after = runs();
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        after[2].ends_with(" TIMEOUT=60") && alive(&after[2]),
        "{after:?}"
    );
    assert_eq!(
        service(),
        (
            "/pause".to_string(),
            Some("60".to_string()),
            Current::Active
        )
    );
    println!("pause/0: the workload ran {after:?}");
    machine.sh("systemctl stop pebble");
}
