//! `juju:charm/ports`: typed ranges to and from Juju's `80/tcp` specs, on the endpoints
//! the metadata declares.

use crate::backends::juju::ports::{self as juju, PortRange};
use crate::runtime::bindings::v0_1::ports::{self, Protocol};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::BindingName;

use super::{ToolsView, error};

fn range(ports: ports::PortRange) -> Result<PortRange, Error> {
    let protocol = match ports.protocol {
        Protocol::Tcp => juju::Protocol::Tcp,
        Protocol::Udp => juju::Protocol::Udp,
        Protocol::Icmp => juju::Protocol::Icmp,
    };
    PortRange::new(protocol, ports.from, ports.to).map_err(|e| error(ErrorKind::InvalidInput, e))
}

fn wit(range: PortRange) -> ports::PortRange {
    ports::PortRange {
        protocol: match range.protocol() {
            juju::Protocol::Tcp => Protocol::Tcp,
            juju::Protocol::Udp => Protocol::Udp,
            juju::Protocol::Icmp => Protocol::Icmp,
        },
        from: range.from(),
        to: range.to(),
    }
}

impl ToolsView<'_> {
    /// Each endpoint by its grammar, and one the metadata declares.
    fn endpoints(&self, endpoints: Vec<String>) -> Result<Vec<BindingName>, Error> {
        let mut endpoints = endpoints;
        endpoints.sort();
        endpoints.dedup();
        endpoints
            .iter()
            .map(|name| {
                let parsed = BindingName::parse(name)?;
                if !self.metadata.endpoints.contains_key(name) {
                    return Err(error(
                        ErrorKind::NotFound,
                        format!("the charm's metadata declares no relation endpoint `{name}`"),
                    ));
                }
                Ok(parsed)
            })
            .collect()
    }
}

impl ports::Host for ToolsView<'_> {
    fn open(&mut self, ports: ports::PortRange) -> Result<(), Error> {
        Ok(self.juju.open_port(range(ports)?, &[])?)
    }

    fn close(&mut self, ports: ports::PortRange) -> Result<(), Error> {
        Ok(self.juju.close_port(range(ports)?, &[])?)
    }

    fn opened(&mut self) -> Result<Vec<ports::PortRange>, Error> {
        Ok(self.juju.opened_ports()?.into_iter().map(wit).collect())
    }

    fn open_on(&mut self, ports: ports::PortRange, endpoints: Vec<String>) -> Result<(), Error> {
        let range = range(ports)?;
        let endpoints = self.endpoints(endpoints)?;
        Ok(self.juju.open_port(range, &endpoints)?)
    }

    fn close_on(&mut self, ports: ports::PortRange, endpoints: Vec<String>) -> Result<(), Error> {
        let range = range(ports)?;
        let endpoints = self.endpoints(endpoints)?;
        Ok(self.juju.close_port(range, &endpoints)?)
    }
}
