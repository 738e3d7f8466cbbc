//! The openssh machine charm: installs openssh-server and keeps the `ssh` unit enabled
//! and running. The wasmcharm port of the example in Juju's "How to run workloads with
//! your charm".

use wasmcharm_sdk::prelude::*;

#[derive(Default)]
struct OpenSsh;

impl Charm for OpenSsh {
    fn on_install(&mut self) -> Result<()> {
        if let Err(e) = apt::install(&["openssh-server"]) {
            log::debug!("Package install failed: {e}");
            unit::set_status(Status::blocked("Failed to install packages"))?;
        }
        Ok(())
    }

    fn on_start(&mut self) -> Result<()> {
        if let Err(e) = systemd::enable_now("ssh") {
            log::debug!("Starting systemd unit failed: {e}");
            unit::set_status(Status::blocked("Failed to start/enable ssh service"))?;
            return Ok(());
        }
        unit::set_status(Status::active())
    }
}

export_charm!(OpenSsh);
