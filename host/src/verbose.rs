//! Verbose host logs: what the host does, with times, on stderr — the hook being run,
//! how the component was had, every command and Pebble request and how long each took.
//! Asked for with `-v`, or by `JUJU_DEBUG`, which `juju debug-hooks` sets. Off, each log
//! point costs one atomic load.

use std::sync::OnceLock;
use std::time::Instant;

use log::{LevelFilter, Log, Metadata, Record};

/// Variables that turn verbose logs on, when set and not empty.
pub const ENV: &[&str] = &["JUJU_DEBUG", "WASMCHARM_VERBOSE"];

struct Stderr {
    started: OnceLock<Instant>,
}

static LOGGER: Stderr = Stderr {
    started: OnceLock::new(),
};

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        // The host's own, not its dependencies' (wasmtime's are many, and not for
        // charm authors).
        metadata.target().starts_with("wasmcharm")
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            let since = self.started.get_or_init(Instant::now).elapsed();
            eprintln!(
                "wasmcharm [{:7.2} ms] {}",
                since.as_secs_f64() * 1000.0,
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

/// Turns verbose logs on.
pub fn init() {
    LOGGER.started.get_or_init(Instant::now);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Debug);
    }
}

/// Turns verbose logs on if the environment asks for them.
pub fn init_from_env() {
    if ENV
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    {
        init();
    }
}
