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

    /// Tells each related application which port ssh listens on.
    fn on_relation_joined(&mut self, event: &RelationEvent) -> Result<()> {
        if event.endpoint == "ssh" {
            relation::Relation::from(event).set(&[("port", SSH_PORT)])?;
        }
        Ok(())
    }

    /// `get-host-keys`: the machine's public host keys, by type.
    fn on_action(&mut self, event: &ActionEvent) -> Result<()> {
        if event.name != "get-host-keys" {
            return Ok(());
        }
        let mut found = 0;
        for kind in HOST_KEY_TYPES {
            let path = format!("/etc/ssh/ssh_host_{kind}_key.pub");
            match fs::read_to_string(&path) {
                Ok(key) => {
                    action::set_results(&[(&format!("keys.{kind}"), key.trim())])?;
                    found += 1;
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        if found == 0 {
            action::fail("no host keys found: is openssh-server installed?")?;
        }
        Ok(())
    }
}

const SSH_PORT: &str = "22";
const HOST_KEY_TYPES: [&str; 3] = ["ed25519", "ecdsa", "rsa"];

export_charm!(OpenSsh);
