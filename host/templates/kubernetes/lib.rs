//! {{name}}: runs its workload in the `{{container}}` container under Pebble, with the
//! `port` option in its environment.

use wasmcharm_sdk::pebble::Startup;
use wasmcharm_sdk::prelude::*;

const CONTAINER: &str = "{{container}}";
const SERVICE: &str = "{{container}}";

#[derive(Default)]
struct {{type}};

/// The layer the charm wants Pebble to hold, from the current config.
fn desired_layer() -> Result<Layer> {
    let port: i64 = config::get_or("port", 8080)?;
    Ok(Layer::new().summary("{{name}} layer").service(
        SERVICE,
        Service::replace()
            .summary("{{name}} workload")
            .command("/bin/workload")
            .startup(Startup::Enabled)
            .env("PORT", port.to_string()),
    ))
}

impl {{type}} {
    /// Makes Pebble's plan the desired one, restarting the service if it changed.
    fn apply_layer(&self) -> Result<()> {
        let workload = container(CONTAINER);
        if !workload.can_connect() {
            // pebble-ready will come once the container is up.
            return unit::set_status(Status::waiting("waiting for Pebble"));
        }
        let desired = desired_layer()?;
        let current = workload.plan()?.services.remove(SERVICE);
        if current.as_ref() != desired.services.get(SERVICE) {
            workload.combine_layer(SERVICE, &desired)?;
            workload.replan()?;
            log::info!("applied the {SERVICE} layer");
        }
        unit::set_status(Status::active())
    }
}

impl Charm for {{type}} {
    fn on_pebble_ready(&mut self, _event: &WorkloadEvent) -> Result<()> {
        self.apply_layer()
    }

    fn on_config_changed(&mut self) -> Result<()> {
        self.apply_layer()
    }
}

export_charm!({{type}});
