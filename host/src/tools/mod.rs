//! From nothing to a `.charm`: `wasmcharm new` ([`scaffold`]), `build` ([`build`]) and
//! `pack` ([`pack`]), with the progress lines they print ([`progress`]).

pub mod build;
pub mod pack;
pub mod progress;
pub mod scaffold;
pub mod sign;
