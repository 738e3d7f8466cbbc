//! Workload containers, through their Pebble: layers, services, files and exec, as
//! `ops`' `Container` offers them.
//!
//! ```no_run
//! use wasmcharm_sdk::pebble::{self, Layer, Service, Startup};
//!
//! let web = pebble::container("web");
//! let layer = Layer::new().service(
//!     "web",
//!     Service::replace()
//!         .command("/usr/bin/web --port 8080")
//!         .startup(Startup::Enabled)
//!         .env("LOG_LEVEL", "info"),
//! );
//! web.combine_layer("web", &layer)?;
//! web.replan()?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

mod check;
mod checks;
mod container;
mod exec;
mod files;
mod identities;
mod layer;
mod notices;

use crate::__bindings::juju::charm::pebble as host;

/// The crate's one [`crate::FileOptions`], for pushes and directories.
pub use crate::FileOptions;
pub use check::{Check, LogTarget};
pub use container::{Container, container};
pub use exec::Exec;
pub use layer::{Layer, Service};

/// What an exec left behind: exit code, stdout and stderr.
pub use host::ExecOutput;
pub use host::{
    CheckInfo, CheckRun, CheckStatus, Identity, IdentityAccess, Notice, NoticeFilter, NoticeType,
};
pub use host::{
    CheckLevel, ExecCheck, ExitAction, FileInfo, FileType, HttpCheck, LogTargetType, Override,
    ServiceInfo, ServiceStatus, Startup, TcpCheck,
};
