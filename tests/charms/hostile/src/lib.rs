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

impl Charm for Hostile {
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
                        .add_layer("bad", &bad, false)
                        .map(|_| "added".to_string())
                        .map_err(|e| format!("{:?}: {e}", e.kind())),
                )
            }
            "range" => report(
                config::get::<u8>("big")
                    .map(|v| format!("{v:?}"))
                    .map_err(|e| e.to_string()),
            ),
            other => report(Err(format!("no attack {other:?}"))),
        }
    }
}

export_charm!(Hostile);
