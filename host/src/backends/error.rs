//! The error a backend call ends in, before it becomes the guest's `error` value. It
//! depends on no backend: each backend depends on it.

use std::io;
use std::time::Duration;

use crate::sandbox::caps;

/// An error as Pebble's API reports it: an HTTP status, an optional kind, a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: u16,
    pub kind: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: String) -> Self {
        ApiError {
            status: 400,
            kind: None,
            message,
        }
    }

    pub fn not_found(message: String) -> Self {
        ApiError {
            status: 404,
            kind: Some("not-found".into()),
            message,
        }
    }

    pub fn with_kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// The same error with `prefix` before its message.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("`{command}` exited with code {code}{}", stderr_suffix(stderr))]
    CommandFailed {
        command: String,
        code: i32,
        stderr: String,
    },
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("`{command}` did not finish within {} and was stopped", Seconds(*timeout))]
    Timeout { command: String, timeout: Duration },
    #[error("unexpected output from `{command}`: {detail}")]
    BadOutput { command: String, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    NotFound(String),
    /// A service the call needs (a container's Pebble) cannot be reached.
    #[error("{0}")]
    Connection(String),
    /// Pebble refused the request; its status and message as it gave them.
    #[error("{0}")]
    Pebble(#[from] ApiError),
    /// A Pebble change (starting services, say) ended in error.
    #[error("{0}")]
    ChangeFailed(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Unsupported(String),
    /// More than the host carries for one call (see [`crate::sandbox::caps`]).
    #[error("{what} is larger than {}, the most the host carries for one call", crate::runtime::limits::Size(*limit as u64))]
    TooLarge { what: String, limit: usize },
}

fn stderr_suffix(stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

impl BackendError {
    /// What `write` serialises, into a buffer refused past [`caps::TRANSFER`]
    /// (escaping can make JSON or YAML several times the size of what it holds): past
    /// it, [`BackendError::TooLarge`] naming `what`; another failure, invalid input.
    pub fn serialised<E: std::fmt::Display>(
        what: &str,
        write: impl FnOnce(&mut caps::CappedBuffer) -> Result<(), E>,
    ) -> Result<Vec<u8>, BackendError> {
        let mut buffer = caps::CappedBuffer::new(caps::TRANSFER);
        match write(&mut buffer) {
            Ok(()) => Ok(buffer.bytes),
            Err(_) if buffer.full => Err(BackendError::TooLarge {
                what: what.to_string(),
                limit: caps::TRANSFER,
            }),
            Err(e) => Err(BackendError::InvalidInput(format!("{what}: {e}"))),
        }
    }

    pub fn io(path: impl Into<String>, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::NotFound => BackendError::NotFound(format!("{path}: {source}")),
            io::ErrorKind::PermissionDenied => {
                BackendError::PermissionDenied(format!("{path}: {source}"))
            }
            _ => BackendError::Io { path, source },
        }
    }
}

/// A time limit as people write one: `3s`, `0.7s`, `0.001s`, never `0.699918518s`.
struct Seconds(Duration);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let millis = format!("{:.3}", self.0.as_secs_f64());
        let shown = millis.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{shown}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_is_shown_as_people_write_one() {
        let shown = |ms| {
            BackendError::Timeout {
                command: "sleep 9".into(),
                timeout: Duration::from_micros(ms),
            }
            .to_string()
        };
        assert_eq!(
            shown(699_918),
            "`sleep 9` did not finish within 0.7s and was stopped"
        );
        assert_eq!(
            shown(3_000_000),
            "`sleep 9` did not finish within 3s and was stopped"
        );
        assert!(shown(1_000).contains("within 0.001s"));
        assert!(shown(0).contains("within 0s"));
    }
}
