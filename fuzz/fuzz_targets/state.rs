//! `wasmcharm run` state files: parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmcharm::sim::state::State;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(state) = State::parse(text)
    {
        let _ = state.to_yaml();
    }
});
