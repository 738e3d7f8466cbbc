//! The requirer side of Juju's `ingress` relation interface, version 2: what Traefik
//! (`traefik-k8s`) and the NGINX ingress integrator provide, and what `ops` charms
//! require through `charms.traefik_k8s.v2.ingress`. A charm asks for a route to its
//! workload's port and is told the URL the provider gives it.
//!
//! ```no_run
//! use wasmcharm_ingress::{Ingress, IngressEvent};
//! use wasmcharm_sdk::prelude::*;
//!
//! #[derive(Default)]
//! struct Web;
//!
//! impl Charm for Web {
//!     fn reconcile(&mut self, event: &Event) -> Result<()> {
//!         match Ingress::new("ingress", 8080).handle(event)? {
//!             Some(IngressEvent::Ready { url }) => log::info!("reachable at {url}"),
//!             Some(IngressEvent::Revoked) => log::info!("no longer routed"),
//!             None => {}
//!         }
//!         wasmcharm_sdk::route(self, event)
//!     }
//! }
//! ```
//!
//! [`Ingress::handle`] is called with every event, before the charm's own handling: it
//! publishes the request wherever it may be missing or stale (the application's databag
//! by the leader, each unit's address by that unit) and turns the provider's answer
//! into this library's own events. Which URL this unit last reported is kept in the
//! unit's stored state, so that [`IngressEvent::Ready`] comes once per URL, as the `ops`
//! library's `ready` event does.
//!
//! The data on the wire is the interface's, as the Python library writes it: every value
//! JSON-encoded, the request in the requirer application's databag (`model`, `name`,
//! `port`, and `scheme`, `strip-prefix`, `redirect-https` only when not at their
//! defaults) and its units' (`host`, and `ip` when the unit has an address), the answer
//! in the provider application's (`ingress`: `{"url": ...}`).
//!
//! Where it differs from the Python library: a URL the provider withdraws is reported
//! as [`IngressEvent::Revoked`] (the Python library stays silent and keeps the old URL);
//! the relation's end is reported only if a URL had been; on Kubernetes the unit's
//! `host` assumes the cluster's default domain (`cluster.local`), as the sandbox has no
//! resolver to ask for the pod's FQDN; `healthcheck_params` and the `h2c` scheme are not
//! offered yet.

use serde::Deserialize;
use wasmcharm_sdk::event::{Event, RelationEvent};
use wasmcharm_sdk::relation::Relation;
use wasmcharm_sdk::{Error, ErrorKind, Result, network, relation, store, unit};

/// The longest URL taken from a provider; anything longer is not a URL for this unit.
const MAX_URL: usize = 2048;

/// How the provider reaches the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Plain HTTP (the default).
    #[default]
    Http,
    /// HTTPS: the workload serves TLS itself.
    Https,
}

/// What changed on the relation, as the charm needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngressEvent {
    /// The provider routes to this application at `url`: new, or changed since last
    /// reported.
    Ready {
        /// Where clients reach the application, e.g. `http://foo.example/model-app`.
        url: String,
    },
    /// The URL reported before is gone: the provider withdrew it or the relation ended.
    Revoked,
}

/// The request one endpoint of the charm makes (its `requires:` entry, interface
/// `ingress`, usually with `limit: 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    endpoint: String,
    port: u16,
    scheme: Scheme,
    strip_prefix: bool,
    redirect_https: bool,
}

/// The provider's answer, as the interface encodes it.
#[derive(Deserialize)]
struct Answer {
    url: String,
}

impl Ingress {
    /// Ingress on `endpoint` to the workload's `port`.
    pub fn new(endpoint: &str, port: u16) -> Self {
        Ingress {
            endpoint: endpoint.to_string(),
            port,
            scheme: Scheme::Http,
            strip_prefix: false,
            redirect_https: false,
        }
    }

    /// How the provider reaches the workload.
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Asks the provider to strip the route's path prefix before forwarding.
    pub fn stripping_prefix(mut self) -> Self {
        self.strip_prefix = true;
        self
    }

    /// Asks the provider to redirect plain HTTP to HTTPS.
    pub fn redirecting_https(mut self) -> Self {
        self.redirect_https = true;
        self
    }

    /// Publishes the request where an event may have made it missing or stale, and
    /// reports what the provider's answer changed. Call it for every event.
    pub fn handle(&self, event: &Event) -> Result<Option<IngressEvent>> {
        match event {
            Event::RelationBroken(e) if self.is_mine(e) => {
                let had = stored_url(&self.key(e.relation_id)).is_some();
                store::delete(&self.key(e.relation_id));
                Ok(had.then_some(IngressEvent::Revoked))
            }
            Event::RelationCreated(e)
            | Event::RelationJoined(e)
            | Event::RelationChanged(e)
            | Event::RelationDeparted(e)
                if self.is_mine(e) =>
            {
                let relation = Relation::from(e);
                self.publish(relation)?;
                self.observe(relation)
            }
            // Leadership, a new charm revision or new addresses: the request may be stale.
            Event::LeaderElected | Event::UpgradeCharm | Event::ConfigChanged => {
                for relation in relation::on(&self.endpoint)? {
                    self.publish(relation)?;
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// The URL the provider gives this application now, if any.
    pub fn url(&self) -> Result<Option<String>> {
        match relation::on(&self.endpoint)?.first() {
            Some(relation) => Ok(self.answer(*relation)?.ok()),
            None => Ok(None),
        }
    }

    fn is_mine(&self, event: &RelationEvent) -> bool {
        event.endpoint == self.endpoint
    }

    fn key(&self, relation_id: u32) -> String {
        format!("wasmcharm-ingress/{}/{relation_id}/url", self.endpoint)
    }

    /// The application's request (the leader's to write) and this unit's address. As
    /// the Python library writes them: options at their defaults are left out (and
    /// removed if an earlier request set them), and no address is no `ip` key.
    fn publish(&self, relation: Relation) -> Result<()> {
        // Traefik refuses a request outside 0 < port < 65535, and with it the route.
        if self.port == 0 || self.port == u16::MAX {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "ingress on {}: port {} is not one a provider routes to (1 to 65534)",
                    self.endpoint, self.port
                ),
            ));
        }
        let context = wasmcharm_sdk::context();
        let json = |s: &str| serde_json::Value::from(s).to_string();
        if unit::is_leader()? {
            let port = self.port.to_string();
            let scheme = match self.scheme {
                Scheme::Http => String::new(),
                Scheme::Https => json("https"),
            };
            let flag = |set: bool| if set { "true" } else { "" };
            relation.set_app(&[
                ("model", &json(&context.model_name)),
                ("name", &json(&context.app_name)),
                ("port", &port),
                ("scheme", &scheme),
                ("strip-prefix", flag(self.strip_prefix)),
                ("redirect-https", flag(self.redirect_https)),
            ])?;
        }
        // The address the unit binds on the endpoint, as the Python library reads it
        // (`network.bind_address`); a provider checks that it is an IP address.
        let network = network::get(&self.endpoint, Some(relation.id))?;
        let ip = network
            .bind_addresses
            .iter()
            .flat_map(|bind| bind.addresses.iter())
            .map(|address| address.value.clone())
            .next()
            .unwrap_or_default();
        let host = match context.machine_id {
            // The pod's name in the application's headless service (the Python library
            // asks the pod for its FQDN; the sandbox has no resolver to ask, so the
            // cluster's default domain is assumed).
            None => format!(
                "{}.{}-endpoints.{}.svc.cluster.local",
                context.unit_name.replace('/', "-"),
                context.app_name,
                context.model_name
            ),
            Some(_) => ip.clone(),
        };
        let ip = if ip.is_empty() { ip } else { json(&ip) };
        relation.set(&[("host", &json(&host)), ("ip", &ip)])
    }

    /// Compares the provider's answer with what this unit last reported.
    fn observe(&self, relation: Relation) -> Result<Option<IngressEvent>> {
        let key = self.key(relation.id);
        let before = stored_url(&key);
        let now = match self.answer(relation)? {
            Ok(url) => Some(url),
            Err(Unanswered::Not) => None,
            Err(Unanswered::Malformed(provider)) => {
                log::warn!(
                    "{provider} on {}: `ingress` is not {{\"url\": \"http(s)://...\"}}; \
                     taken as no URL",
                    self.endpoint
                );
                None
            }
        };
        if now == before {
            return Ok(None);
        }
        match &now {
            Some(url) => store::set(&key, url.as_bytes()),
            None => store::delete(&key),
        }
        Ok(Some(match now {
            Some(url) => IngressEvent::Ready { url },
            None => IngressEvent::Revoked,
        }))
    }

    /// The URL in the provider's databag, or why there is none.
    fn answer(&self, relation: Relation) -> Result<std::result::Result<String, Unanswered>> {
        let provider = relation.remote_app()?;
        let data = relation.app_data(&provider)?;
        let Some(raw) = data.get("ingress") else {
            return Ok(Err(Unanswered::Not));
        };
        Ok(match serde_json::from_str::<Answer>(raw) {
            Ok(Answer { url }) if is_url(&url) => Ok(url),
            _ => Err(Unanswered::Malformed(provider)),
        })
    }
}

/// Why the provider's databag holds no URL.
enum Unanswered {
    /// It has not answered (yet).
    Not,
    /// It answered with something that is not a URL; the provider application's name.
    Malformed(String),
}

fn stored_url(key: &str) -> Option<String> {
    store::get(key).and_then(|bytes| String::from_utf8(bytes).ok())
}

/// An absolute HTTP(S) URL of reasonable length with nothing in it that could break the
/// line it is shown or logged on.
fn is_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    url.len() <= MAX_URL
        && rest.is_some_and(|rest| !rest.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_urls_are_taken() {
        assert!(is_url("http://foo.example/model-app"));
        assert!(is_url("https://10.0.0.1:8443/"));
        for bad in [
            "",
            "http://",
            "ftp://foo",
            "foo.example",
            "http://foo\nbar",
            "http://foo bar",
            "http://foo\u{1b}[2J",
        ] {
            assert!(!is_url(bad), "{bad:?}");
        }
        assert!(!is_url(&format!("http://{}", "a".repeat(MAX_URL))));
    }
}
