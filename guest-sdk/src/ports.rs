//! The ports this unit opens (what `juju expose` exposes).
//!
//! ```no_run
//! use wasmcharm_sdk::ports;
//!
//! ports::open_tcp(22)?;
//! let open = ports::opened()?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::__bindings::juju::charm::ports as host;
use crate::Result;
use crate::error::host as call;

pub use host::{PortRange, Protocol};

/// Opens one TCP port.
///
/// ```no_run
/// wasmcharm_sdk::ports::open_tcp(443)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn open_tcp(port: u16) -> Result<()> {
    open(PortRange {
        protocol: Protocol::Tcp,
        from: port,
        to: port,
    })
}

/// Opens a port or range (`from == to` for one port; 0 and 0 for icmp).
///
/// ```no_run
/// use wasmcharm_sdk::ports::{self, PortRange, Protocol};
/// ports::open(PortRange { protocol: Protocol::Udp, from: 8000, to: 8100 })?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn open(ports: PortRange) -> Result<()> {
    call(host::open(ports))
}

/// Closes a port or range.
///
/// ```no_run
/// use wasmcharm_sdk::ports::{self, PortRange, Protocol};
/// ports::close(PortRange { protocol: Protocol::Tcp, from: 22, to: 22 })?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn close(ports: PortRange) -> Result<()> {
    call(host::close(ports))
}

/// What this unit has opened.
///
/// ```no_run
/// let open = wasmcharm_sdk::ports::opened()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn opened() -> Result<Vec<PortRange>> {
    call(host::opened())
}

/// Opens a port or range on some of the charm's endpoints only (at least one: [`open`]
/// opens it on all).
///
/// ```no_run
/// use wasmcharm_sdk::ports::{self, PortRange, Protocol};
/// ports::open_on(PortRange { protocol: Protocol::Tcp, from: 5432, to: 5432 }, &["db"])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn open_on(ports: PortRange, endpoints: &[&str]) -> Result<()> {
    call(host::open_on(ports, &names(endpoints)?))
}

/// Closes a port or range on some endpoints.
///
/// ```no_run
/// use wasmcharm_sdk::ports::{self, PortRange, Protocol};
/// ports::close_on(PortRange { protocol: Protocol::Tcp, from: 5432, to: 5432 }, &["db"])?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn close_on(ports: PortRange, endpoints: &[&str]) -> Result<()> {
    call(host::close_on(ports, &names(endpoints)?))
}

/// The endpoints, if there is one: an empty list would mean all of them to the host,
/// which is not what "on some endpoints" says.
fn names(endpoints: &[&str]) -> Result<Vec<String>> {
    if endpoints.is_empty() {
        return Err(crate::Error::new(
            crate::ErrorKind::InvalidInput,
            "name at least one endpoint (ports::open and ports::close act on all)",
        ));
    }
    Ok(endpoints.iter().map(|e| e.to_string()).collect())
}
