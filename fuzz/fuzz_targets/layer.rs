//! Pebble layer YAML: parsing, folding into a plan, and printing never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmcharm::backends::pebble::layer::Layer;
use wasmcharm::backends::pebble::plan::Layers;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(layer) = Layer::parse("fuzz", text) else {
        return;
    };
    let mut layers = Layers::default();
    if layers.add("fuzz", &layer, false).is_ok() {
        let _ = layers.add("fuzz", &layer, true);
        let _ = layers.plan().to_pebble_yaml();
    }
});
