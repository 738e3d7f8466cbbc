//! `juju:charm/types`: the conversions every other interface uses.

use crate::backends::error::BackendError;
use crate::backends::juju;
use crate::runtime::bindings::v0_1::types::{self, Error, ErrorKind, Status, StatusKind};
use crate::sandbox::names::Malformed;
use crate::sandbox::{Denied, Refusal};

use super::HostState;

impl types::Host for HostState {}

/// An error value for the guest.
pub fn error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        kind,
        message: message.into(),
        exit_code: None,
        stderr: None,
    }
}

/// The kind as the WIT names it, for messages.
pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not-found",
        ErrorKind::PermissionDenied => "permission-denied",
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::Connection => "connection",
        ErrorKind::FailedCommand => "failed-command",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Internal => "internal",
    }
}

impl From<BackendError> for Error {
    fn from(e: BackendError) -> Self {
        let message = e.to_string();
        match e {
            BackendError::CommandFailed { code, stderr, .. } => Error {
                kind: ErrorKind::FailedCommand,
                message,
                exit_code: Some(code),
                stderr: Some(stderr),
            },
            BackendError::Spawn { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                error(ErrorKind::NotFound, message)
            }
            BackendError::Spawn { .. }
            | BackendError::BadOutput { .. }
            | BackendError::Io { .. } => error(ErrorKind::Internal, message),
            BackendError::Timeout { .. } => error(ErrorKind::Timeout, message),
            BackendError::NotFound(_) => error(ErrorKind::NotFound, message),
            BackendError::Connection(_) => error(ErrorKind::Connection, message),
            BackendError::ChangeFailed(_) => error(ErrorKind::FailedCommand, message),
            BackendError::Pebble(api) => error(
                match api.status {
                    400 => ErrorKind::InvalidInput,
                    401 | 403 => ErrorKind::PermissionDenied,
                    404 => ErrorKind::NotFound,
                    504 => ErrorKind::Timeout,
                    _ => ErrorKind::Internal,
                },
                message,
            ),
            BackendError::InvalidInput(_) | BackendError::TooLarge { .. } => {
                error(ErrorKind::InvalidInput, message)
            }
            BackendError::PermissionDenied(_) => error(ErrorKind::PermissionDenied, message),
            BackendError::Unsupported(_) => error(ErrorKind::Unsupported, message),
        }
    }
}

impl From<Denied> for Error {
    fn from(denied: Denied) -> Self {
        error(ErrorKind::PermissionDenied, denied.to_string())
    }
}

impl From<Malformed> for Error {
    fn from(malformed: Malformed) -> Self {
        error(ErrorKind::InvalidInput, malformed.to_string())
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Malformed(m) => m.into(),
            Refusal::Denied(d) => d.into(),
        }
    }
}

impl From<juju::StatusKind> for StatusKind {
    fn from(kind: juju::StatusKind) -> Self {
        match kind {
            juju::StatusKind::Active => StatusKind::Active,
            juju::StatusKind::Blocked => StatusKind::Blocked,
            juju::StatusKind::Maintenance => StatusKind::Maintenance,
            juju::StatusKind::Waiting => StatusKind::Waiting,
            juju::StatusKind::Unknown => StatusKind::Unknown,
            juju::StatusKind::Error => StatusKind::Error,
        }
    }
}

impl From<StatusKind> for juju::StatusKind {
    fn from(kind: StatusKind) -> Self {
        match kind {
            StatusKind::Active => juju::StatusKind::Active,
            StatusKind::Blocked => juju::StatusKind::Blocked,
            StatusKind::Maintenance => juju::StatusKind::Maintenance,
            StatusKind::Waiting => juju::StatusKind::Waiting,
            StatusKind::Unknown => juju::StatusKind::Unknown,
            StatusKind::Error => juju::StatusKind::Error,
        }
    }
}

impl From<juju::Status> for Status {
    fn from(s: juju::Status) -> Self {
        Status {
            kind: s.kind.into(),
            message: s.message,
        }
    }
}

impl From<Status> for juju::Status {
    fn from(s: Status) -> Self {
        juju::Status {
            kind: s.kind.into(),
            message: s.message,
        }
    }
}
