//! The ubuntu-advantage machine charm: keeps `ubuntu-advantage-tools` installed (from an
//! optional PPA) and the machine attached with the configured token. The wasmcharm port
//! of the `ops` charm excerpted in Juju's "How to run workloads with your charm", with
//! its state in the unit's stored state and the token never shown anywhere.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmcharm_sdk::prelude::*;

const PACKAGE: &str = "ubuntu-advantage-tools";

/// What the charm remembers between hooks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
struct State {
    /// The sha256 of the token the machine is attached with; never the token itself.
    hashed_token: Option<String>,
    package_needs_installing: bool,
    /// The PPA the charm added, if any.
    ppa: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            hashed_token: None,
            package_needs_installing: true,
            ppa: None,
        }
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Default)]
struct UbuntuAdvantage;

impl UbuntuAdvantage {
    /// Makes the machine's PPA the configured one.
    fn handle_ppa(&self, state: &mut State) -> Result<()> {
        let wanted = config::get_or("ppa", String::new())?;
        let wanted = (!wanted.is_empty()).then_some(wanted);
        if wanted == state.ppa {
            return Ok(());
        }
        if let Some(old) = &state.ppa {
            log::info!("Removing PPA {old}");
            apt::remove_repository(old)?;
        }
        if let Some(new) = &wanted {
            log::info!("Adding PPA {new}");
            apt::add_repository(new)?;
        }
        state.ppa = wanted;
        // The package may come from a different source now.
        state.package_needs_installing = true;
        Ok(())
    }

    /// Installs the tools if they need (re)installing; false if that failed.
    fn handle_package(&self, state: &mut State) -> Result<bool> {
        if !state.package_needs_installing {
            return Ok(true);
        }
        if let Err(e) = apt::install(&[PACKAGE]) {
            log::error!("Failed to install {PACKAGE}: {e}");
            unit::set_status(Status::blocked(format!("Failed to install {PACKAGE}")))?;
            return Ok(false);
        }
        state.package_needs_installing = false;
        Ok(true)
    }

    /// Attaches with the configured token if it changed; false if the unit is blocked.
    fn handle_token(&self, state: &mut State) -> Result<bool> {
        let token: String = config::get_or("token", String::new())?;
        if token.is_empty() {
            unit::set_status(Status::blocked("No token configured"))?;
            return Ok(false);
        }
        let hashed = sha256(&token);
        if state.hashed_token.as_deref() == Some(hashed.as_str()) {
            return Ok(true);
        }
        match Command::new("ua").arg("attach").secret_arg(token).run() {
            Ok(_) => {
                state.hashed_token = Some(hashed);
                Ok(true)
            }
            Err(e) => {
                // The error shows the command with the token as ***.
                log::error!("Failed to attach: {e}");
                unit::set_status(Status::blocked("Failed to attach"))?;
                Ok(false)
            }
        }
    }
}

impl Charm for UbuntuAdvantage {
    fn on_config_changed(&mut self) -> Result<()> {
        log::info!("Beginning config_changed");
        unit::set_status(Status::maintenance("Configuring"))?;
        let mut state: State = store::load("state")?;
        let result = (|| {
            self.handle_ppa(&mut state)?;
            Ok::<bool, Error>(self.handle_package(&mut state)? && self.handle_token(&mut state)?)
        })();
        // What was done stays done, even when a later step blocked or failed.
        store::save("state", &state)?;
        if result? {
            unit::set_status(Status::Active("Attached".into()))?;
        }
        log::info!("Finished config_changed");
        Ok(())
    }
}

export_charm!(UbuntuAdvantage);
