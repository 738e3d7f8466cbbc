//! `juju:charm/store`: the working copy of the unit's stored state, each value read when
//! the charm first asks for it. The host commits it when the dispatch succeeds.
//!
//! `get` and `set` trap rather than return an error (contract 0.1 gives them none): a
//! value past the caps, or one that cannot be read, fails the hook with its reason, and
//! nothing of the hook is committed.

use crate::runtime::bindings::v0_1::store;

use super::StoreView;

impl store::Host for StoreView<'_> {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        self.stored
            .get(&key)
            .map_err(|e| wasmtime::format_err!("the unit's stored state: {e}"))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<()> {
        self.stored
            .set(&key, value)
            .map_err(|e| wasmtime::format_err!("{e}"))
    }

    fn delete(&mut self, key: String) {
        self.stored.delete(&key);
    }

    fn keys(&mut self) -> Vec<String> {
        self.stored.keys().map(str::to_string).collect()
    }
}
