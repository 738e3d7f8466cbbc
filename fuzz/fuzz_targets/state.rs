//! `wasmcharm run` state files: parsing never panics, and a state that parses writes
//! back out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmcharm::sim::state::State;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(state) = State::parse(text)
    {
        state.to_yaml().expect("a state that parses serialises");
    }
});
