//! The webserver Kubernetes charm: one page (the `greeting` option) served by Python's
//! http.server in the `web` container under Pebble, on the `port` option, with a route
//! to it asked of an ingress provider through the `wasmcharm-ingress` charm library.
//!
//! The library sees every event first and speaks only when the provider's answer
//! changes; the charm logs it, and its status says where the page can be reached.

use serde::Deserialize;
use wasmcharm_ingress::{Ingress, IngressEvent};
use wasmcharm_sdk::pebble::Startup;
use wasmcharm_sdk::prelude::*;
use wasmcharm_sdk::{FileOptions, Statuses};

const CONTAINER: &str = "web";
const SERVICE: &str = "web";
const ROOT: &str = "/srv/web";

/// The charm's options, as `charmcraft.yaml` declares them (each has a default).
#[derive(Deserialize)]
struct Config {
    port: u16,
    greeting: String,
}

#[derive(Default)]
struct Webserver;

/// The route asked for: the page is served at `/`, so the provider strips the route's
/// path (`/<model>-webserver`) before forwarding.
fn ingress(config: &Config) -> Ingress {
    Ingress::new("ingress", config.port).stripping_prefix()
}

/// The page and the layer that serves it, in place; the service (re)started if its
/// definition changed.
fn configure(config: &Config) -> Result<()> {
    let web = container(CONTAINER);
    if !web.can_connect() {
        // pebble-ready configures the workload once the container is up.
        return Ok(());
    }
    let page = format!(
        "<!doctype html>\n<title>webserver</title>\n<p>{}</p>\n",
        escape(&config.greeting)
    );
    web.push_with(
        &format!("{ROOT}/index.html"),
        page,
        FileOptions::new().make_parents(),
    )?;
    let command = format!("python3 -m http.server {} --directory {ROOT}", config.port);
    let layer = Layer::new().summary("webserver").service(
        SERVICE,
        Service::replace()
            .summary("the page, over HTTP")
            .command(&command)
            .startup(Startup::Enabled),
    );
    web.combine_layer(SERVICE, &layer)?;
    web.replan()
}

/// The greeting as HTML text: an operator's option is not markup.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            other => other.to_string(),
        })
        .collect()
}

impl Charm for Webserver {
    fn reconcile(&mut self, event: &Event) -> Result<()> {
        let config: Config = config::load()?;
        match ingress(&config).handle(event)? {
            Some(IngressEvent::Ready { url }) => log::info!("The page is reachable at {url}"),
            Some(IngressEvent::Revoked) => log::info!("The page is no longer routed"),
            None => {}
        }
        wasmcharm_sdk::route(self, event)
    }

    fn on_pebble_ready(&mut self, _event: &WorkloadEvent) -> Result<()> {
        configure(&config::load()?)
    }

    fn on_config_changed(&mut self) -> Result<()> {
        configure(&config::load()?)
    }

    fn collect_unit_status(&mut self, statuses: &mut Statuses) -> Result<()> {
        let config: Config = config::load()?;
        if !container(CONTAINER).can_connect() {
            statuses.add(Status::waiting("waiting for Pebble"));
            return Ok(());
        }
        statuses.add(Status::Active(match ingress(&config).url()? {
            Some(url) => format!("serving at {url}"),
            None => format!("serving on port {} (no ingress)", config.port),
        }));
        Ok(())
    }
}

export_charm!(Webserver);

#[cfg(test)]
mod tests {
    #[test]
    fn the_greeting_is_text_not_markup() {
        assert_eq!(
            super::escape("<b>Hi & \"bye\"</b>"),
            "&lt;b&gt;Hi &amp; &quot;bye&quot;&lt;/b&gt;"
        );
    }
}
