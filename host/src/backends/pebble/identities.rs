//! Identities (`/v1/identities`): who may use a container's Pebble, and how they prove
//! it.

use serde::{Deserialize, Serialize};

use crate::sandbox::names::Malformed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityAccess {
    Admin,
    Read,
    Metrics,
    Untrusted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LocalIdentity {
    pub user_id: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicIdentity {
    /// A crypt(3) hash; Pebble answers `*****`.
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertIdentity {
    pub pem: String,
}

/// One identity in the words of `/v1/identities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub access: IdentityAccess,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<CertIdentity>,
}

impl Identity {
    /// Pebble's own check: at least one way to prove it.
    pub fn has_a_type(&self) -> bool {
        self.local.is_some() || self.basic.is_some() || self.cert.is_some()
    }
}

/// An identity's name by Pebble's rule: a letter, then letters, digits, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdentityName(String);

impl IdentityName {
    pub fn parse(name: &str) -> Result<Self, Malformed> {
        let mut chars = name.chars();
        let ok = name.len() <= 255
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(IdentityName(name.to_string()))
        } else {
            Err(Malformed::new(
                "an identity name",
                name,
                "a letter, then letters, digits, `_` and `-`",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The signals Pebble sends, as it names them (Go's names, `SIG` and upper case).
pub const SIGNALS: &[&str] = &[
    "SIGABRT",
    "SIGALRM",
    "SIGBUS",
    "SIGCHLD",
    "SIGCONT",
    "SIGFPE",
    "SIGHUP",
    "SIGILL",
    "SIGINT",
    "SIGIO",
    "SIGKILL",
    "SIGPIPE",
    "SIGPROF",
    "SIGPWR",
    "SIGQUIT",
    "SIGSEGV",
    "SIGSTKFLT",
    "SIGSTOP",
    "SIGSYS",
    "SIGTERM",
    "SIGTRAP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGUSR1",
    "SIGUSR2",
    "SIGVTALRM",
    "SIGWINCH",
    "SIGXCPU",
    "SIGXFSZ",
];

/// A signal by name, one of [`SIGNALS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(&'static str);

impl Signal {
    pub fn parse(name: &str) -> Result<Self, Malformed> {
        SIGNALS
            .iter()
            .find(|s| **s == name)
            .map(|s| Signal(s))
            .ok_or_else(|| {
                Malformed::new(
                    "a signal",
                    name,
                    "a signal's name as Pebble takes it: `SIGHUP`, `SIGUSR1`, `SIGTERM`, ...",
                )
            })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}
