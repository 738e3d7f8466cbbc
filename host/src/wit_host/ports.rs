//! `juju:charm/ports`: typed ranges to and from Juju's `80/tcp` specs.

use crate::runtime::bindings::v0_1::ports::{self, PortRange, Protocol};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};

use super::{ToolsView, error};

fn spec(range: &PortRange) -> Result<String, Error> {
    let protocol = match range.protocol {
        Protocol::Icmp => return Ok("icmp".into()),
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
    };
    if range.from == 0 || range.to < range.from {
        return Err(error(
            ErrorKind::InvalidInput,
            format!(
                "{}-{} is not a port range: ports run from 1, and `to` is not below `from`",
                range.from, range.to
            ),
        ));
    }
    Ok(if range.from == range.to {
        format!("{}/{protocol}", range.from)
    } else {
        format!("{}-{}/{protocol}", range.from, range.to)
    })
}

/// `80/tcp`, `8000-8100/udp`, `icmp`; a bare range is tcp, as Juju prints it.
fn parse(spec: &str) -> Option<PortRange> {
    if spec == "icmp" {
        return Some(PortRange {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        });
    }
    let (ports, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return None,
    };
    let (from, to) = ports.split_once('-').unwrap_or((ports, ports));
    Some(PortRange {
        protocol,
        from: from.parse().ok()?,
        to: to.parse().ok()?,
    })
}

impl ports::Host for ToolsView<'_> {
    fn open(&mut self, ports: PortRange) -> Result<(), Error> {
        Ok(self.juju.open_port(&spec(&ports)?)?)
    }

    fn close(&mut self, ports: PortRange) -> Result<(), Error> {
        Ok(self.juju.close_port(&spec(&ports)?)?)
    }

    fn opened(&mut self) -> Result<Vec<PortRange>, Error> {
        self.juju
            .opened_ports()?
            .iter()
            .map(|s| {
                parse(s).ok_or_else(|| {
                    error(
                        ErrorKind::Internal,
                        format!("Juju reported an opened port {s:?} this host cannot read"),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip() {
        for s in ["80/tcp", "8000-8100/udp", "icmp"] {
            assert_eq!(spec(&parse(s).unwrap()).unwrap(), s);
        }
        assert_eq!(spec(&parse("8000-8100").unwrap()).unwrap(), "8000-8100/tcp");
        assert!(parse("80/sctp").is_none());
        let bad = PortRange {
            protocol: Protocol::Tcp,
            from: 90,
            to: 80,
        };
        assert!(spec(&bad).is_err());
    }
}
