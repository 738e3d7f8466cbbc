//! What a charm may import, defined interface by interface and only when imported.
//!
//! Defining every WASI and `juju:charm` function costs a dispatch about a fifth of its
//! start-up work, and most charms import a handful of interfaces (a machine charm's
//! standard library wants `wasi:io` and `wasi:cli`, not files or clocks). So the linker
//! for a component holds what that component imports and nothing more.
//!
//! `wasi:sockets` links, so that a charm whose dependencies mention the network still
//! loads, but WASI's context grants no address: a charm reaches its workload through
//! Pebble and the machine through its declared commands, never by its own connections.

use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings as nonblocking;
use wasmtime_wasi::p2::bindings::sync as wasi;
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};

use crate::runtime::bindings::v0_1::juju::charm as juju;
use crate::wit_host::HostState;
use crate::wit_host::clocks::DeadlineClocks;

type Define = fn(&mut Linker<HostState>) -> wasmtime::Result<()>;

/// `wasi:io` hosts see only the resource table.
struct HasTable;

impl HasData for HasTable {
    type Data<'a> = &'a mut ResourceTable;
}

fn table(state: &mut HostState) -> &mut ResourceTable {
    &mut state.table
}

/// How to define `interface` (a name without its version, `wasi:cli/stdout`), if the
/// host provides it.
pub fn definition(interface: &str) -> Option<Define> {
    use crate::wit_host::views as v;
    type H = HostState;
    let define: Define = match interface {
        "wasi:io/error" => |l| wasi::io::error::add_to_linker::<_, HasTable>(l, table),
        "wasi:io/poll" => |l| wasi::io::poll::add_to_linker::<_, HasTable>(l, table),
        "wasi:io/streams" => |l| wasi::io::streams::add_to_linker::<_, HasTable>(l, table),
        "wasi:cli/environment" => {
            |l| wasi::cli::environment::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:cli/exit" => |l| wasi::cli::exit::add_to_linker::<_, WasiCli>(l, HostState::cli),
        "wasi:cli/stdin" => |l| wasi::cli::stdin::add_to_linker::<_, WasiCli>(l, HostState::cli),
        "wasi:cli/stdout" => |l| wasi::cli::stdout::add_to_linker::<_, WasiCli>(l, HostState::cli),
        "wasi:cli/stderr" => |l| wasi::cli::stderr::add_to_linker::<_, WasiCli>(l, HostState::cli),
        "wasi:cli/terminal-input" => {
            |l| wasi::cli::terminal_input::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:cli/terminal-output" => {
            |l| wasi::cli::terminal_output::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:cli/terminal-stdin" => {
            |l| wasi::cli::terminal_stdin::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:cli/terminal-stdout" => {
            |l| wasi::cli::terminal_stdout::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:cli/terminal-stderr" => {
            |l| wasi::cli::terminal_stderr::add_to_linker::<_, WasiCli>(l, HostState::cli)
        }
        "wasi:clocks/wall-clock" => {
            |l| wasi::clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, HostState::clocks)
        }
        // Its waits end by the deadline (wit_host::clocks).
        "wasi:clocks/monotonic-clock" => |l| {
            wasi::clocks::monotonic_clock::add_to_linker::<_, DeadlineClocks>(
                l,
                HostState::deadline_clocks,
            )
        },
        "wasi:random/random" => {
            |l| wasi::random::random::add_to_linker::<_, WasiRandom>(l, HostState::random)
        }
        "wasi:random/insecure" => {
            |l| wasi::random::insecure::add_to_linker::<_, WasiRandom>(l, HostState::random)
        }
        "wasi:random/insecure-seed" => {
            |l| wasi::random::insecure_seed::add_to_linker::<_, WasiRandom>(l, HostState::random)
        }
        "wasi:filesystem/types" => |l| {
            wasi::filesystem::types::add_to_linker::<_, WasiFilesystem>(l, HostState::filesystem)
        },
        "wasi:filesystem/preopens" => |l| {
            wasi::filesystem::preopens::add_to_linker::<_, WasiFilesystem>(l, HostState::filesystem)
        },
        "wasi:sockets/network" => |l| {
            let options = nonblocking::sockets::network::LinkOptions::default();
            nonblocking::sockets::network::add_to_linker::<_, WasiSockets>(
                l,
                &options,
                HostState::sockets,
            )
        },
        "wasi:sockets/instance-network" => |l| {
            nonblocking::sockets::instance_network::add_to_linker::<_, WasiSockets>(
                l,
                HostState::sockets,
            )
        },
        "wasi:sockets/tcp" => {
            |l| wasi::sockets::tcp::add_to_linker::<_, WasiSockets>(l, HostState::sockets)
        }
        "wasi:sockets/tcp-create-socket" => |l| {
            nonblocking::sockets::tcp_create_socket::add_to_linker::<_, WasiSockets>(
                l,
                HostState::sockets,
            )
        },
        "wasi:sockets/udp" => {
            |l| wasi::sockets::udp::add_to_linker::<_, WasiSockets>(l, HostState::sockets)
        }
        "wasi:sockets/udp-create-socket" => |l| {
            wasi::sockets::udp_create_socket::add_to_linker::<_, WasiSockets>(l, HostState::sockets)
        },
        "wasi:sockets/ip-name-lookup" => |l| {
            nonblocking::sockets::ip_name_lookup::add_to_linker::<_, WasiSockets>(
                l,
                HostState::sockets,
            )
        },
        "juju:charm/context" => |l| juju::context::add_to_linker::<_, v::Context>(l, H::context),
        "juju:charm/status" => |l| juju::status::add_to_linker::<_, v::Tools>(l, H::tools),
        "juju:charm/config" => |l| juju::config::add_to_linker::<_, v::Config>(l, H::config),
        "juju:charm/log" => |l| juju::log::add_to_linker::<_, v::Tools>(l, H::tools),
        "juju:charm/machine" => |l| juju::machine::add_to_linker::<_, v::Machine>(l, H::machine),
        "juju:charm/pebble" => |l| juju::pebble::add_to_linker::<_, v::Pebble>(l, H::pebble),
        "juju:charm/store" => |l| juju::store::add_to_linker::<_, v::Store>(l, H::store),
        "juju:charm/deferral" => {
            |l| juju::deferral::add_to_linker::<_, v::Deferral>(l, H::deferral)
        }
        "juju:charm/relations" => {
            |l| juju::relations::add_to_linker::<_, v::Relations>(l, H::relations)
        }
        "juju:charm/actions" => |l| juju::actions::add_to_linker::<_, v::Actions>(l, H::actions),
        "juju:charm/ports" => |l| juju::ports::add_to_linker::<_, v::Tools>(l, H::tools),
        "juju:charm/network" => {
            |l| juju::network::add_to_linker::<_, v::Relations>(l, H::relations)
        }
        "juju:charm/secrets" => {
            |l| juju::secrets::add_to_linker::<_, v::Relations>(l, H::relations)
        }
        "juju:charm/storage" => |l| juju::storage::add_to_linker::<_, v::Tools>(l, H::tools),
        "juju:charm/model" => |l| juju::model::add_to_linker::<_, v::Tools>(l, H::tools),
        "juju:charm/resources" => |l| juju::resources::add_to_linker::<_, v::Tools>(l, H::tools),
        // Types only: nothing to define.
        "juju:charm/types" | "juju:charm/event" => |_| Ok(()),
        _ => return None,
    };
    Some(define)
}

/// An import's interface without its version: `wasi:cli/stdout@0.2.6` is
/// `wasi:cli/stdout`.
pub fn interface(import: &str) -> &str {
    import.split_once('@').map_or(import, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_of_the_contract_is_defined() {
        let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");
        for entry in std::fs::read_dir(wit).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                if let Some(name) = line.trim().strip_prefix("interface ") {
                    let name = name.trim_end_matches(" {").trim();
                    assert!(
                        definition(&format!("juju:charm/{name}")).is_some(),
                        "juju:charm/{name} ({}) has no definition",
                        path.display()
                    );
                }
            }
        }
    }

    #[test]
    fn only_what_wasi_p2_and_the_contract_name_is_provided() {
        assert!(definition("wasi:sockets/tcp").is_some());
        assert!(definition("wasi:http/outgoing-handler").is_none());
        assert!(definition("juju:charm/telepathy").is_none());
        assert_eq!(interface("wasi:cli/stdout@0.2.6"), "wasi:cli/stdout");
        assert_eq!(interface("juju:charm/status"), "juju:charm/status");
    }
}
