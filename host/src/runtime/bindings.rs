//! The one place the `juju:charm` WIT becomes Rust.
//!
//! Versions that only add (new interfaces, new functions) share a module: wasmtime's
//! linker resolves an import of `juju:charm/status@0.1.0` to a `0.1.1` definition, as
//! semver allows. A change that is not additive is a new line (`0.2.0`), which gets its
//! own module beside this one, so that guests built against every shipped version keep
//! linking.

/// `juju:charm@0.1.x`, generated from the newest of the line (`wit/`).
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "charm",
        // The store's calls have no error in 0.1: a value past the caps, or one that
        // cannot be read, traps (see wit_host::store).
        imports: {
            "juju:charm/store.get": trappable,
            "juju:charm/store.set": trappable,
        },
    });

    pub use juju::charm::*;
}

pub use v0_1::{Charm, CharmPre};

/// The `juju:charm` versions this host runs, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["0.1.1", "0.1.0"];
