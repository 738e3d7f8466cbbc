//! A port range as `open-port` takes it and `opened-ports` prints it.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

/// `80/tcp`, `8000-8100/udp` or `icmp`; checked when made, so every one is a range Juju
/// takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortRange {
    protocol: Protocol,
    from: u16,
    to: u16,
}

impl PortRange {
    pub fn icmp() -> Self {
        PortRange {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        }
    }

    /// A tcp or udp range: ports run from 1, and `to` is not below `from`.
    pub fn new(protocol: Protocol, from: u16, to: u16) -> Result<Self, String> {
        if protocol == Protocol::Icmp {
            return Ok(Self::icmp());
        }
        if from == 0 || to < from {
            return Err(format!(
                "{from}-{to} is not a port range: ports run from 1, and `to` is not below `from`"
            ));
        }
        Ok(PortRange { protocol, from, to })
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn from(&self) -> u16 {
        self.from
    }

    pub fn to(&self) -> u16 {
        self.to
    }

    /// `80/tcp`, `8000-8100/udp`, `icmp`; a bare range is tcp, as Juju prints it.
    pub fn parse(spec: &str) -> Option<Self> {
        if spec == "icmp" {
            return Some(Self::icmp());
        }
        let (ports, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
        let protocol = match protocol {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            _ => return None,
        };
        let (from, to) = ports.split_once('-').unwrap_or((ports, ports));
        Self::new(protocol, from.parse().ok()?, to.parse().ok()?).ok()
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            Protocol::Icmp => return f.write_str("icmp"),
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        };
        if self.from == self.to {
            write!(f, "{}/{protocol}", self.from)
        } else {
            write!(f, "{}-{}/{protocol}", self.from, self.to)
        }
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = String::deserialize(d)?;
        PortRange::parse(&spec).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{spec:?} is not a port range: expected `80/tcp`, `8000-8100/udp` or `icmp`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip() {
        for s in ["80/tcp", "8000-8100/udp", "icmp"] {
            assert_eq!(PortRange::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            PortRange::parse("8000-8100").unwrap().to_string(),
            "8000-8100/tcp"
        );
        for bad in ["80/sctp", "0/tcp", "90-80/tcp", "-80/tcp", "80-/tcp"] {
            assert!(PortRange::parse(bad).is_none(), "{bad}");
        }
        assert!(PortRange::new(Protocol::Tcp, 90, 80).is_err());
    }
}
