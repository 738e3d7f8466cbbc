//! The one place the `juju:charm` WIT becomes Rust. Each shipped version of the package
//! gets its own module here, so that guests built against it keep linking.

/// `juju:charm@0.1.0`.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "charm",
    });

    pub use juju::charm::*;
}

pub use v0_1::{Charm, CharmPre};

/// The `juju:charm` versions this host links, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["0.1.0"];
