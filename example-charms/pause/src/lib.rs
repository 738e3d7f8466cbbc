//! The pause Kubernetes charm: runs `/pause` in the `pause` container under Pebble, with
//! the `timeout` option in its environment. The wasmcharm port of the example in Juju's
//! "How to run workloads with your charm", with its two flaws fixed: config-changed
//! compares the desired service with the plan's (the seed compared a layer with the
//! plan's services, which always differ, so it always restarted), and it sends a whole
//! `replace` entry (the seed's merge-only layer failed when config-changed came before
//! pebble-ready, Juju's usual order, as there was no command to merge into).

use wasmcharm_sdk::pebble::Startup;
use wasmcharm_sdk::prelude::*;

const CONTAINER: &str = "pause";
const SERVICE: &str = "pause";

#[derive(Default)]
struct Pause;

/// The one layer the charm wants Pebble to hold, from the current config.
fn desired_layer() -> Result<Layer> {
    let timeout: i64 = config::get_or("timeout", 30)?;
    Ok(Layer::new()
        .summary("pause layer")
        .description("pebble config layer for google/pause")
        .service(
            SERVICE,
            Service::replace()
                .summary("pause service")
                .command("/pause")
                .startup(Startup::Enabled)
                .env("TIMEOUT", timeout.to_string()),
        ))
}

impl Charm for Pause {
    fn on_pebble_ready(&mut self, event: &WorkloadEvent) -> Result<()> {
        let workload = container(&event.container);
        workload.combine_layer(SERVICE, &desired_layer()?)?;
        // Starts the service, or restarts it if its definition changed since it started.
        workload.replan()?;
        unit::set_status(Status::active())
    }

    fn on_config_changed(&mut self) -> Result<()> {
        let workload = container(CONTAINER);
        if !workload.can_connect() {
            // pebble-ready will apply the config once the container is up.
            return unit::set_status(Status::waiting("waiting for Pebble"));
        }
        let desired = desired_layer()?;
        let current = workload.plan()?.services.remove(SERVICE);
        if current.as_ref() != desired.services.get(SERVICE) {
            workload.combine_layer(SERVICE, &desired)?;
            log::debug!("Added config layer to Pebble plan");
            workload.restart(&[SERVICE])?;
            log::info!("Restarted pause service");
        }
        unit::set_status(Status::active())
    }
}

export_charm!(Pause);
