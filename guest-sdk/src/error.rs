use std::fmt;

use crate::__bindings::juju::charm::types;

/// What kind of failure an [`Error`] is, for a charm to match on.
pub use types::ErrorKind;

/// Why a call to the host, or a charm's handler, failed.
///
/// ```no_run
/// use wasmcharm_sdk::{ErrorKind, apt};
///
/// match apt::install(&["nginx"]) {
///     Err(e) if e.kind() == ErrorKind::PermissionDenied => log::error!("{e}"),
///     Err(e) => log::warn!("apt failed with exit code {:?}: {}", e.exit_code(), e),
///     Ok(()) => {}
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    exit_code: Option<i32>,
    stderr: Option<String>,
}

/// `Result` with [`Error`] as its error.
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of the given kind, e.g. to fail a handler:
    ///
    /// ```
    /// use wasmcharm_sdk::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::InvalidInput, "port must be below 65536");
    /// assert_eq!(e.to_string(), "port must be below 65536");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            exit_code: None,
            stderr: None,
        }
    }

    /// An error of kind [`ErrorKind::Internal`] with this message.
    ///
    /// ```
    /// let e = wasmcharm_sdk::Error::msg("workload did not come up");
    /// assert_eq!(e.kind(), wasmcharm_sdk::ErrorKind::Internal);
    /// ```
    pub fn msg(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The kind to match on.
    ///
    /// ```
    /// # use wasmcharm_sdk::{Error, ErrorKind};
    /// assert_eq!(Error::new(ErrorKind::NotFound, "x").kind(), ErrorKind::NotFound);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, naming what failed.
    ///
    /// ```
    /// # use wasmcharm_sdk::Error;
    /// assert_eq!(Error::msg("boom").message(), "boom");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit code of the command that failed, for [`ErrorKind::FailedCommand`].
    ///
    /// ```
    /// # use wasmcharm_sdk::Error;
    /// assert_eq!(Error::msg("boom").exit_code(), None);
    /// ```
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// The standard error of the command that failed, for [`ErrorKind::FailedCommand`].
    ///
    /// ```
    /// # use wasmcharm_sdk::Error;
    /// assert_eq!(Error::msg("boom").stderr(), None);
    /// ```
    pub fn stderr(&self) -> Option<&str> {
        self.stderr.as_deref()
    }
}

impl Error {
    /// A command (`what`, as a person would name it) that exited non-zero.
    pub(crate) fn command_failed(what: &str, exit_code: i32, stderr: &[u8]) -> Self {
        let stderr = String::from_utf8_lossy(stderr).into_owned();
        Error {
            kind: ErrorKind::FailedCommand,
            message: format!("{what} exited with code {exit_code}: {}", stderr.trim()),
            exit_code: Some(exit_code),
            stderr: Some(stderr),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<types::Error> for Error {
    fn from(e: types::Error) -> Self {
        Error {
            kind: e.kind,
            message: e.message,
            exit_code: e.exit_code,
            stderr: e.stderr,
        }
    }
}

impl From<Error> for types::Error {
    fn from(e: Error) -> Self {
        types::Error {
            kind: e.kind,
            message: e.message,
            exit_code: e.exit_code,
            stderr: e.stderr,
        }
    }
}

/// Calls the host and turns its error into the SDK's.
pub(crate) fn host<T>(result: std::result::Result<T, types::Error>) -> Result<T> {
    result.map_err(Error::from)
}
