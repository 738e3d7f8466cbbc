//! What answers a charm's calls on a real unit, one trait per side of it, each with its
//! real implementation here and a simulated one in [`crate::sim`]: Juju's hook tools
//! ([`juju`]), the machine's tools ([`machine`]), and each workload container's Pebble
//! ([`pebble`]). [`process`] runs their programs under a deadline; [`error`] is what a
//! failed call becomes before the guest sees it.

pub mod error;
pub mod juju;
pub mod machine;
pub mod pebble;
pub mod process;
