//! The `log` crate's macros, routed to the unit's log (`juju-log`).

use std::sync::Once;

use crate::__bindings::juju::charm::log::{Level, log as host_log};

struct JujuLogger;

impl log::Log for JujuLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let level = match record.level() {
            log::Level::Error => Level::Error,
            log::Level::Warn => Level::Warning,
            log::Level::Info => Level::Info,
            log::Level::Debug => Level::Debug,
            log::Level::Trace => Level::Trace,
        };
        host_log(level, &record.args().to_string());
    }

    fn flush(&self) {}
}

static LOGGER: JujuLogger = JujuLogger;

/// Installs the logger and a panic hook that puts the panic's message in the unit's log
/// before the guest traps, so that `juju debug-log` says why a hook failed.
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if log::set_logger(&LOGGER).is_ok() {
            // Juju filters by the model's logging-config; the charm sends everything.
            log::set_max_level(log::LevelFilter::Trace);
        }
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(no message)");
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            host_log(
                Level::Critical,
                &format!("charm panicked{place}: {message}"),
            );
        }));
    });
}
