//! Pebble, the service manager in every Kubernetes workload container: its layer
//! schema and plan semantics ([`layer`], [`plan`]), and an in-memory Pebble with the
//! same outcomes ([`sim`]).

pub mod duration;
pub mod layer;
pub mod plan;
pub mod sim;

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
