//! Progress of the steps of `build` and `pack`, on stderr: a spinner while a step runs
//! on a terminal, and one plain line per step otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// One step under way.
pub struct Step {
    label: String,
    started: Instant,
    spinner: Option<ProgressBar>,
}

impl Step {
    /// A step whose child process writes to the terminal itself (cargo): one line, no
    /// spinner to draw over the child's output.
    pub fn start_plain(label: &str) -> Step {
        Self::begin(label, None)
    }

    pub fn start(label: &str) -> Step {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let spinner = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                spinner.set_style(style);
            }
            spinner.set_message(label.to_string());
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        });
        Self::begin(label, spinner)
    }

    fn begin(label: &str, spinner: Option<ProgressBar>) -> Step {
        if spinner.is_none() {
            eprintln!("{label}...");
        }
        Step {
            label: label.to_string(),
            started: Instant::now(),
            spinner,
        }
    }

    /// Ends the step with what it made.
    pub fn done(self, detail: &str) {
        let line = format!(
            "{}: {detail} ({:.1} s)",
            self.label,
            self.started.elapsed().as_secs_f64()
        );
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
        eprintln!("{line}");
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        // A step abandoned by an error leaves no spinner behind.
        if let Some(spinner) = &self.spinner
            && !spinner.is_finished()
        {
            spinner.finish_and_clear();
        }
    }
}
