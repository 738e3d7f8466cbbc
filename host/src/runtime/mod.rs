//! The WebAssembly side of a dispatch: the one engine configuration ([`engine`]), the
//! `juju:charm` bindings ([`bindings`]) and a linker holding only what a component
//! imports ([`linking`]), compiling within bounds ([`compile`]), the precompiled code
//! kept for a unit ([`precompiled`]), the
//! memory, time and output limits ([`limits`], [`output`]), and one event through a fresh
//! instance ([`invoke`]).

pub mod bindings;
pub mod compile;
pub mod engine;
pub mod invoke;
pub mod limits;
pub mod linking;
pub mod output;
pub mod precompiled;
pub mod shipped;
