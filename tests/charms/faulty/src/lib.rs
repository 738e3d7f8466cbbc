//! A charm for testing the failure contract: each event fails in its own way, after
//! doing something that must survive the failure.

use wasmcharm_sdk::prelude::*;

#[derive(Default)]
struct Faulty;

impl Charm for Faulty {
    /// Changes the machine and the status, then returns an error.
    fn on_install(&mut self) -> Result<()> {
        unit::set_status(Status::maintenance("installing"))?;
        apt::install(&["cowsay"])?;
        Err(Error::msg("install went wrong"))
    }

    /// Traps.
    fn on_start(&mut self) -> Result<()> {
        log::info!("about to fail");
        panic!("start exploded");
    }

    /// Reads typed config and reports it in the status.
    fn on_config_changed(&mut self) -> Result<()> {
        let greeting: String = config::get_or("greeting", String::new())?;
        let port: u16 = config::get_or("port", 0)?;
        let verbose: bool = config::get_or("verbose", false)?;
        unit::set_status(Status::Active(format!(
            "{greeting} on {port}, verbose={verbose}"
        )))
    }

    /// Reaches for a container the metadata does not declare, and reports what it got.
    fn on_update_status(&mut self) -> Result<()> {
        let ghost = container("ghost");
        let connected = ghost.can_connect();
        let err = ghost.plan().err().map(|e| format!("{:?}: {e}", e.kind()));
        unit::set_status(Status::blocked(format!(
            "can-connect={connected}; {}",
            err.unwrap_or_default()
        )))
    }

    /// Reports the notice it was given.
    fn on_pebble_custom_notice(&mut self, event: &NoticeEvent) -> Result<()> {
        unit::set_status(Status::Active(format!(
            "{}: notice {} {} {}",
            event.container, event.notice_id, event.notice_type, event.notice_key
        )))
    }

    /// Reports the check that failed.
    fn on_pebble_check_failed(&mut self, event: &CheckEvent) -> Result<()> {
        unit::set_status(Status::blocked(format!(
            "{}: {} failed",
            event.container, event.check_name
        )))
    }

    /// Uses ports, network, secrets and resources, and reports what it saw.
    fn on_upgrade_charm(&mut self) -> Result<()> {
        ports::open_tcp(8080)?;
        ports::open(ports::PortRange {
            protocol: ports::Protocol::Udp,
            from: 9000,
            to: 9100,
        })?;
        ports::close(ports::PortRange {
            protocol: ports::Protocol::Tcp,
            from: 22,
            to: 22,
        })?;
        let opened = ports::opened()?.len();
        let address = network::get("db", None)?
            .ingress_addresses
            .first()
            .cloned()
            .unwrap_or_default();
        let password = secrets::get_by_label("db-password", secrets::Revision::Refresh)?
            .get("password")
            .cloned()
            .unwrap_or_default();
        let revision = secrets::info("secret:cr4n0eog5r6d8t2rjmf0")?
            .revision
            .unwrap_or(0);
        let installer = resources::path("installer")?;
        unit::set_status(Status::Active(format!(
            "{opened} ports open; {address}; password {} chars, revision {revision}; {installer}",
            password.len()
        )))
    }

    /// Not an action: action calls are refused.
    fn on_leader_settings_changed(&mut self) -> Result<()> {
        let refused = action::log("hello")
            .err()
            .map(|e| format!("{:?}", e.kind()));
        unit::set_status(Status::blocked(refused.unwrap_or_default()))
    }

    /// `echo`: repeats `message` `times` times.
    fn on_action(&mut self, _event: &ActionEvent) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Params {
            message: String,
            times: usize,
        }
        let params: Params = action::params()?;
        action::log(&format!("echoing {} times", params.times))?;
        action::set_results(&[("echo", &params.message.repeat(params.times))])
    }

    /// Reads the remote side, writes its own bag, tries the application bag, and fails
    /// when the remote application asks it to.
    fn on_relation_changed(&mut self, event: &RelationEvent) -> Result<()> {
        let rel = relation::Relation::from(event);
        let remote = rel.app_data(&event.remote_app)?;
        let units = rel.units()?;
        rel.set(&[("seen-units", &units.len().to_string())])?;
        let app_write = match rel.set_app(&[("leader-was-here", "yes")]) {
            Ok(()) => "app bag written".to_string(),
            Err(e) => format!("{:?}", e.kind()),
        };
        unit::set_status(Status::Active(format!(
            "{} {}: {} units, {app_write}",
            event.endpoint,
            event.relation_id,
            units.len()
        )))?;
        if remote.get("fail").map(String::as_str) == Some("yes") {
            return Err(Error::msg("the remote side asked me to fail"));
        }
        Ok(())
    }

    /// Sets the application status: the leader only.
    fn on_leader_elected(&mut self) -> Result<()> {
        app::set_status(Status::active())
    }
}

export_charm!(Faulty);
