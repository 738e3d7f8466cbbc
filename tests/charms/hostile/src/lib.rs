//! A charm that attacks its host, one way per value of its `attack` option, and reports
//! through its status what the host let it do.

use wasmcharm_sdk::prelude::*;

#[derive(Default)]
struct Hostile;

fn report(what: std::result::Result<String, String>) -> Result<()> {
    match what {
        Ok(done) => unit::set_status(Status::Active(format!("did it: {done}"))),
        Err(refused) => unit::set_status(Status::blocked(format!("refused: {refused}"))),
    }
}

/// Never returns: each call waits on the next, until wasmtime's stack limit.
#[allow(unconditional_recursion, clippy::only_used_in_recursion)]
fn recurse(depth: u64) -> u64 {
    std::hint::black_box(recurse(depth + 1)) + 1
}

/// One host call with a string the test chooses (`arg`), reported as `did it: ...` or
/// `refused: Kind: message`.
fn call(name: &str, arg: &str) -> std::result::Result<String, String> {
    let done = |what: &str| what.to_string();
    let result: Result<String> = match name {
        "apt-install" => apt::install(&[arg]).map(|()| done("installed")),
        "apt-remove" => apt::remove(&[arg]).map(|()| done("removed")),
        "package" => apt::package(arg).map(|p| format!("{p:?}")),
        "add-repository" => apt::add_repository(arg).map(|()| done("added")),
        "remove-repository" => apt::remove_repository(arg).map(|()| done("removed")),
        "systemd-start" => systemd::start(arg).map(|()| done("started")),
        "is-active" => systemd::is_active(arg).map(|a| a.to_string()),
        "is-enabled" => systemd::is_enabled(arg).map(|e| e.to_string()),
        "snap-install" => snap::Install::new(arg).run().map(|()| done("installed")),
        "snap-channel" => snap::Install::new("lxd")
            .channel(arg)
            .run()
            .map(|()| done("installed")),
        "snap-remove" => snap::remove(arg).map(|()| done("removed")),
        "snap-info" => snap::info(arg).map(|s| format!("{s:?}")),
        "relation-get" => relation::on("db").and_then(|r| match r.first() {
            Some(r) => r.data(arg).map(|d| format!("{d:?}")),
            None => Ok(done("no relation")),
        }),
        "relation-app-get" => relation::on("db").and_then(|r| match r.first() {
            Some(r) => r.app_data(arg).map(|d| format!("{d:?}")),
            None => Ok(done("no relation")),
        }),
        "network-get" => network::get(arg, None).map(|n| format!("{n:?}")),
        "secret-get" => secrets::get(arg, secrets::Revision::Tracked).map(|c| format!("{c:?}")),
        "secret-label" => {
            secrets::get_by_label(arg, secrets::Revision::Tracked).map(|c| format!("{c:?}"))
        }
        "secret-info" => secrets::info(arg).map(|i| format!("{i:?}")),
        "resource-get" => resources::path(arg),
        // `NAME`, or `NAME|VALUE`.
        "command-env" => Command::new("env")
            .env(
                arg.split('|').next().unwrap_or_default(),
                arg.split_once('|').map_or("set-by-the-charm", |(_, v)| v),
            )
            .run()
            .map(|o| String::from_utf8_lossy(&o.stdout).replace('\n', " ")),
        "command-cwd" => Command::new("pwd")
            .current_dir(arg)
            .run()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()),
        "write-mode" => {
            let mode = u32::from_str_radix(arg, 8).unwrap_or(0);
            fs::write_with(
                "/tmp/wasmcharm-allowed/moded",
                "#!/bin/sh\n",
                fs::Options::new().mode(mode),
            )
            .map(|()| done("wrote"))
        }
        "write" => fs::write(arg, "rewritten").map(|()| done("wrote")),
        "read" => fs::read(arg).map(|b| format!("{} bytes", b.len())),
        // Eight million components under a declared prefix: resolving them one by one
        // would hold the host for an hour.
        "read-long" => fs::read(&format!("/tmp/wasmcharm-allowed/{}", "a/".repeat(4 << 20)))
            .map(|b| format!("{} bytes", b.len())),
        "flood-command" => Command::new("sh")
            .args(["-c", arg])
            .output()
            .map(|o| format!("{} bytes", o.stdout.len())),
        "fill-then-flood" => {
            // The guest's own memory near its limit, and then a host call that fills the
            // host's buffer: the two add up, and no more.
            let hoard = std::hint::black_box(vec![1u8; 40 << 20]);
            let out = Command::new("sh").args(["-c", arg]).output();
            drop(hoard);
            out.map(|o| format!("{} bytes", o.stdout.len()))
        }
        "fill-files" => {
            // 8 MiB files, one after another, until the host says no: on a simulated
            // unit each is kept in the host's memory.
            let content = vec![b'x'; 8 << 20];
            let mut written = 0;
            loop {
                if written == 1000 {
                    break Ok(format!("wrote {written}"));
                }
                match fs::write(&format!("/tmp/wasmcharm-allowed/fill-{written}"), &content) {
                    Ok(()) => written += 1,
                    Err(e) => break Err(Error::new(e.kind(), format!("after {written}: {e}"))),
                }
            }
        }
        "big-stdin" => {
            let input = std::hint::black_box(vec![b'x'; 15 << 20]);
            Command::new("sh")
                .args(["-c", "cat >/dev/null"])
                .stdin(input)
                .output()
                .map(|o| format!("exit {}", o.exit_code))
        }
        // Most of the guest's memory handed to one call, as bytes and as text: wasmtime
        // would copy it all into the host before the host could look at it.
        "hand-over" => {
            let content = std::hint::black_box(vec![b'x'; 48 << 20]);
            fs::write("/tmp/wasmcharm-allowed/handed", &content).map(|()| done("wrote"))
        }
        "hand-over-text" => {
            unit::set_status(Status::blocked(std::hint::black_box("y".repeat(48 << 20))))
                .map(|()| done("set"))
        }
        "scrub" => {
            // Many long secrets that almost match an output of 15 MB of `a`s.
            let mut command = Command::new("sh").args(["-c", arg]);
            for i in 0..60 {
                command = command.secret_arg(format!("{}b", "a".repeat(4000 + i)));
            }
            command
                .output()
                .map(|o| format!("{} bytes", o.stdout.len()))
        }
        // `arg` secrets as long as one argument may be, each different all along (a
        // matcher's worst case: a state for every byte).
        "scrub-long" => {
            let mut command = Command::new("sh").args(["-c", "echo done"]);
            for k in 0..arg.parse().unwrap_or(0usize) {
                let secret: String = (0..(128 << 10) - 1)
                    .map(|i: usize| char::from(b'a' + ((i * 31 + k * 17) ^ (i >> 3)) as u8 % 26))
                    .collect();
                command = command.secret_arg(secret);
            }
            command
                .output()
                .map(|o| format!("{} bytes", o.stdout.len()))
        }
        // One call of 690,000 one-byte arguments: within the bound on what a call may
        // pass as wasmtime counts it (25 bytes each), but a String of the host's each.
        "many-strings" => Command::new("true")
            .args(std::hint::black_box(vec!["x"; 690_000]))
            .run()
            .map(|_| done("ran")),
        // Asleep in the host, where epoch interruption cannot reach.
        "sleep" => {
            std::thread::sleep(std::time::Duration::from_secs(
                arg.parse().unwrap_or(u64::MAX),
            ));
            Ok(done("slept"))
        }
        "log" => {
            log::error!("{}", "x".repeat(arg.parse().unwrap_or(0)));
            Ok(done("logged"))
        }
        "status" => unit::set_status(Status::blocked("y".repeat(arg.parse().unwrap_or(0))))
            .map(|()| done("set")),
        "store-many" => {
            let n: usize = arg.parse().unwrap_or(0);
            for i in 0..n {
                store::set(&format!("key-{i}"), &[0u8; 1024]);
            }
            Ok(done("stored"))
        }
        "defer-many" => wasmcharm_sdk::defer().map(|()| done("deferred")),
        other => Ok(format!("no call {other:?}")),
    };
    result.map_err(|e| format!("{:?}: {e}", e.kind()))
}

impl Charm for Hostile {
    fn on_action(&mut self, event: &ActionEvent) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Params {
            key: String,
        }
        let Params { key } = action::params()?;
        let _ = event;
        match action::set_results(&[(key.as_str(), "v")]) {
            Ok(()) => action::log("did it"),
            Err(e) => action::log(&format!("refused: {:?}: {e}", e.kind())),
        }
    }

    fn on_config_changed(&mut self) -> Result<()> {
        let attack: String = config::get_or("attack", String::new())?;
        match attack.as_str() {
            "loop" => loop {
                std::hint::black_box(0u64);
            },
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 16 << 20]);
                }
            }
            "panic" => panic!("the charm gives up"),
            "recursion" => {
                recurse(0);
                Ok(())
            }
            "shadow" => report(
                std::fs::read("/etc/shadow")
                    .map(|b| format!("{} bytes", b.len()))
                    .map_err(|e| e.to_string()),
            ),
            "state-file" => report(
                std::fs::read(".wasmcharm-state.json")
                    .map(|b| format!("{} bytes", b.len()))
                    .map_err(|e| e.to_string()),
            ),
            "socket" => report(
                std::net::TcpStream::connect("127.0.0.1:22")
                    .map(|_| "connected".to_string())
                    .map_err(|e| e.to_string()),
            ),
            "command" => report(
                Command::new("rm")
                    .args(["-rf", "/tmp/wasmcharm-hostile"])
                    .run()
                    .map(|_| "rm ran".to_string())
                    .map_err(|e| e.to_string()),
            ),
            "dotdot" => report(
                fs::write("/tmp/wasmcharm-allowed/../wasmcharm-escaped", "owned")
                    .map(|_| "wrote".to_string())
                    .map_err(|e| e.to_string()),
            ),
            "symlink" => report(
                fs::write("/tmp/wasmcharm-allowed/link/escaped", "owned")
                    .map(|_| "wrote".to_string())
                    .map_err(|e| e.to_string()),
            ),
            "write" => {
                let path: String = config::get_or("path", String::new())?;
                report(
                    fs::write(&path, "owned")
                        .map(|_| "wrote".to_string())
                        .map_err(|e| e.to_string()),
                )
            }
            "remove" => {
                let path: String = config::get_or("path", String::new())?;
                report(
                    fs::remove_all(&path)
                        .map(|_| "removed".to_string())
                        .map_err(|e| e.to_string()),
                )
            }
            "flood" => {
                let line = "x".repeat(1023);
                for _ in 0..(8 << 10) {
                    println!("{line}");
                }
                report(Ok("flooded".into()))
            }
            "calls" => {
                for i in 0..10_000u32 {
                    unit::set_status(Status::maintenance(format!("call {i}")))?;
                }
                let last = unit::status()?;
                report(Ok(last.message().to_string()))
            }
            "layer" => {
                // No command anywhere, and a name Pebble reserves.
                let bad = Layer::new()
                    .service("pebble", Service::replace())
                    .service("web", Service::merge().env("A", "1"));
                report(
                    container("workload")
                        .add_layer("bad", &bad)
                        .map(|_| "added".to_string())
                        .map_err(|e| format!("{:?}: {e}", e.kind())),
                )
            }
            "range" => report(
                config::get::<u8>("big")
                    .map(|v| format!("{v:?}"))
                    .map_err(|e| e.to_string()),
            ),
            "call" => {
                let name: String = config::get_or("call", String::new())?;
                let arg: String = config::get_or("arg", String::new())?;
                report(call(&name, &arg))
            }
            other => report(Err(format!("no attack {other:?}"))),
        }
    }
}

export_charm!(Hostile);
