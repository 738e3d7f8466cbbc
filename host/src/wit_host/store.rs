//! `juju:charm/store`: the working copy of the unit's stored state. The host commits it
//! when the dispatch succeeds.

use crate::runtime::bindings::v0_1::store;

use super::StoreView;

impl store::Host for StoreView<'_> {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.stored.values.get(&key).cloned()
    }

    fn set(&mut self, key: String, value: Vec<u8>) {
        self.stored.values.insert(key, value);
    }

    fn delete(&mut self, key: String) {
        self.stored.values.remove(&key);
    }

    fn keys(&mut self) -> Vec<String> {
        self.stored.values.keys().cloned().collect()
    }
}
