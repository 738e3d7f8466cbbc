//! `juju:charm/log`.

use crate::backends::juju::LogLevel;
use crate::runtime::bindings::v0_1::log::{self, Level};

use super::ToolsView;

impl log::Host for ToolsView<'_> {
    fn log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warning => LogLevel::Warning,
            Level::Error => LogLevel::Error,
            Level::Critical => LogLevel::Critical,
        };
        if let Err(e) = self.juju.juju_log(level, &message) {
            // The log must never fail the charm; stderr still reaches Juju's log.
            eprintln!(
                "{}: {} (juju-log failed: {e})",
                level.as_str(),
                crate::sandbox::caps::cut_message(&message)
            );
        }
    }
}
