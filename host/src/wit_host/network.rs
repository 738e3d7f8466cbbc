//! `juju:charm/network`.

use crate::runtime::bindings::v0_1::network::{self, Address, BindAddress, NetworkInfo};
use crate::runtime::bindings::v0_1::types::Error;

use super::RelationsView;

impl network::Host for RelationsView<'_> {
    fn get(&mut self, binding: String, relation_id: Option<u32>) -> Result<NetworkInfo, Error> {
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
