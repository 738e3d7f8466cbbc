//! `juju:charm/network`.

use crate::runtime::bindings::v0_1::network::{self, Address, BindAddress, NetworkInfo};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::names::BindingName;

use super::{RelationsView, error};

impl network::Host for RelationsView<'_> {
    fn get(&mut self, binding: String, relation_id: Option<u32>) -> Result<NetworkInfo, Error> {
        let binding = BindingName::parse(&binding)?;
        // `juju-info` is every charm's implicit endpoint.
        let declared = binding.as_str() == "juju-info"
            || self.metadata.endpoints.contains_key(binding.as_str())
            || self
                .metadata
                .extra_bindings
                .iter()
                .any(|b| b == binding.as_str());
        if !declared {
            return Err(error(
                ErrorKind::NotFound,
                format!(
                    "the charm's metadata declares no binding `{binding}` (an endpoint or an \
                     extra-binding)"
                ),
            ));
        }
        let relation = match relation_id {
            Some(id) => Some(self.relation_ref(id)?),
            None => None,
        };
        let info = self.juju.network_get(&binding, relation.as_deref())?;
        Ok(NetworkInfo {
            bind_addresses: info
                .bind_addresses
                .into_iter()
                .map(|b| BindAddress {
                    interface_name: b.interface_name,
                    mac_address: b.mac_address,
                    addresses: b
                        .addresses
                        .into_iter()
                        .map(|a| Address {
                            value: a.value,
                            cidr: a.cidr,
                            hostname: a.hostname,
                        })
                        .collect(),
                })
                .collect(),
            ingress_addresses: info.ingress_addresses,
            egress_subnets: info.egress_subnets,
        })
    }
}
