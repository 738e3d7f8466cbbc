//! The unit a dispatch runs for: who it is ([`context`]), where the host keeps its files
//! ([`dir`]), and the state it keeps between dispatches ([`store`]).

pub mod context;
pub mod dir;
pub mod store;

pub use context::{UnitContext, app_of};
