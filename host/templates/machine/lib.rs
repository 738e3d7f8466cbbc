//! {{name}}: installs {{package}} and keeps the `{{service}}` unit enabled and running.

use wasmcharm_sdk::prelude::*;

const PACKAGE: &str = "{{package}}";
const SERVICE: &str = "{{service}}";

#[derive(Default)]
struct {{type}};

impl Charm for {{type}} {
    fn on_install(&mut self) -> Result<()> {
        unit::set_status(Status::maintenance(format!("installing {PACKAGE}")))?;
        if let Err(e) = apt::install(&[PACKAGE]) {
            log::error!("installing {PACKAGE} failed: {e}");
            return unit::set_status(Status::blocked(format!("cannot install {PACKAGE}")));
        }
        Ok(())
    }

    fn on_start(&mut self) -> Result<()> {
        if let Err(e) = systemd::enable_now(SERVICE) {
            log::error!("starting {SERVICE} failed: {e}");
            return unit::set_status(Status::blocked(format!("cannot start {SERVICE}")));
        }
        unit::set_status(Status::active())
    }
}

export_charm!({{type}});
