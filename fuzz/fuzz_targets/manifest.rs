//! `wasmcharm.yaml` and the operator's policy override: parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmcharm::charm_dir::{Manifest, PolicyOverride};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = serde_yaml::from_str::<Manifest>(text);
        let _ = serde_yaml::from_str::<PolicyOverride>(text);
    }
});
