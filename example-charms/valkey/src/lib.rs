//! The Valkey Kubernetes charm: Valkey in its `valkey` container under a Pebble layer
//! with a health check, its data on the `data` storage, and the admin password generated
//! by the leader, kept in a secret the application owns and granted to each application
//! related on `db`.
//!
//! The unit's status follows from one place ([`Valkey::assess`]): what is missing
//! (storage, the password, Pebble) makes it wait; a health check that has failed past
//! its threshold blocks it; otherwise it is active. Every event that can change one of
//! those ends by configuring the workload again, which changes nothing when nothing
//! changed.

use std::time::Duration;

use serde::Deserialize;
use wasmcharm_sdk::FileOptions;
use wasmcharm_sdk::pebble::{Check, CheckLevel, CheckStatus, Startup};
use wasmcharm_sdk::ports::{PortRange, Protocol};
use wasmcharm_sdk::prelude::*;
use wasmcharm_sdk::random;
use wasmcharm_sdk::relation::Relation;
use wasmcharm_sdk::secrets::{Metadata, Revision, RotatePolicy, Secret, SecretOwner};

const CONTAINER: &str = "valkey";
const SERVICE: &str = "valkey";
const CHECK: &str = "valkey-up";
const CONFIG: &str = "/etc/valkey/valkey.conf";
const PEERS: &str = "cluster";
/// The peer databag key that tells every unit where the password is.
const SECRET_KEY: &str = "admin-secret-id";
const SECRET_LABEL: &str = "admin-password";

#[derive(Default)]
struct Valkey;

/// What the workload needs before it can run.
struct Ready {
    password: String,
    data: String,
    port: u16,
}

fn peers() -> Result<Option<Relation>> {
    Ok(relation::on(PEERS)?.into_iter().next())
}

/// The admin password's secret, as the leader published it in the peer databag.
fn admin_secret() -> Result<Option<Secret>> {
    let Some(peers) = peers()? else {
        return Ok(None);
    };
    let app = wasmcharm_sdk::context().app_name;
    Ok(peers
        .app_data(&app)?
        .get(SECRET_KEY)
        .map(|id| Secret::from_id(id.as_str())))
}

/// The charm's options, as `charmcraft.yaml` declares them (each has a default).
#[derive(Deserialize)]
struct Config {
    port: i64,
}

fn port() -> Result<u16> {
    let Config { port } = config::load()?;
    u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("port {port} is not a TCP port"),
        )
    })
}

fn layer(ready: &Ready) -> Layer {
    let check = Check::tcp(ready.port)
        .level(CheckLevel::Ready)
        .period(Duration::from_secs(10))
        .timeout(Duration::from_secs(3))
        .threshold(3);
    Layer::new()
        .summary("valkey layer")
        .service(
            SERVICE,
            Service::replace()
                .summary("valkey server")
                .command(&format!("valkey-server {CONFIG}"))
                .startup(Startup::Enabled),
        )
        .check(CHECK, check)
}

impl Valkey {
    /// What the workload needs, or the status that says what is missing.
    fn ready(&self) -> Result<std::result::Result<Ready, Status>> {
        let Some(data) = storage::get("data")?.into_iter().next() else {
            return Ok(Err(Status::waiting("waiting for the data storage")));
        };
        let Some(secret) = admin_secret()? else {
            return Ok(Err(Status::waiting(
                "waiting for the leader's admin password",
            )));
        };
        let content = secret.content(Revision::Refresh)?;
        let Some(password) = content.get("password").cloned() else {
            return Ok(Err(Status::blocked(
                "the admin password secret has no password",
            )));
        };
        Ok(Ok(Ready {
            password,
            data: data.location,
            port: port()?,
        }))
    }

    /// Configures the workload for what there is, and sets the status that follows.
    fn assess(&self) -> Result<()> {
        let workload = container(CONTAINER);
        if !workload.can_connect() {
            return unit::set_status(Status::waiting("waiting for Pebble"));
        }
        let ready = match self.ready()? {
            Ok(ready) => ready,
            Err(status) => return unit::set_status(status),
        };
        let config = format!(
            "port {}\ndir {}\nrequirepass {}\nprotected-mode no\n",
            ready.port, ready.data, ready.password
        );
        // Only the workload's own user may read the password.
        workload.push_with(
            CONFIG,
            config,
            FileOptions::new().make_parents().mode(0o600),
        )?;
        workload.combine_layer(SERVICE, &layer(&ready))?;
        workload.replan()?;
        let wanted = PortRange {
            protocol: Protocol::Tcp,
            from: ready.port,
            to: ready.port,
        };
        // The port of an earlier config goes.
        for open in ports::opened()? {
            if open != wanted {
                ports::close(open)?;
            }
        }
        ports::open(wanted)?;
        match workload.check(CHECK) {
            Ok(check) if check.status == CheckStatus::Down => {
                unit::set_status(Status::blocked(format!(
                    "valkey does not answer: {CHECK} failed {} times",
                    check.failures
                )))
            }
            Ok(_) => unit::set_status(Status::active()),
            Err(e) => Err(e),
        }
    }

    /// The leader's part: the admin password exists, is published to the peers, and is
    /// granted to every related application, each told where to find it.
    fn lead(&self) -> Result<()> {
        if !unit::is_leader()? {
            return Ok(());
        }
        let Some(peers) = peers()? else {
            return Ok(());
        };
        let secret = match admin_secret()? {
            Some(secret) => secret,
            None => {
                let secret = secrets::add(
                    SecretOwner::Application,
                    [("password", random::token(32)?)],
                    Metadata::new()
                        .label(SECRET_LABEL)
                        .description("the Valkey admin password")
                        .rotate(RotatePolicy::Monthly),
                )?;
                peers.set_app(&[(SECRET_KEY, secret.id())])?;
                log::info!("created the admin password");
                secret
            }
        };
        for db in relation::on("db")? {
            secret.grant(db)?;
            db.set_app(&[("secret-id", secret.id()), ("port", &port()?.to_string())])?;
        }
        Ok(())
    }
}

impl Charm for Valkey {
    fn on_leader_elected(&mut self) -> Result<()> {
        self.lead()?;
        self.assess()
    }

    fn on_relation_created(&mut self, event: &RelationEvent) -> Result<()> {
        // The peer relation is there from the start: the leader can publish now.
        if event.endpoint == PEERS {
            self.lead()?;
        }
        Ok(())
    }

    fn on_relation_changed(&mut self, event: &RelationEvent) -> Result<()> {
        match event.endpoint.as_str() {
            // The leader published (or changed) the password.
            PEERS => self.assess(),
            _ => Ok(()),
        }
    }

    fn on_relation_joined(&mut self, event: &RelationEvent) -> Result<()> {
        if event.endpoint == "db" {
            self.lead()?;
        }
        Ok(())
    }

    fn on_pebble_ready(&mut self, _event: &WorkloadEvent) -> Result<()> {
        self.assess()
    }

    fn on_config_changed(&mut self) -> Result<()> {
        self.lead()?;
        self.assess()
    }

    fn on_storage_attached(&mut self, event: &StorageEvent) -> Result<()> {
        log::info!("storage {}/{} attached", event.name, event.index);
        self.assess()
    }

    fn on_storage_detaching(&mut self, _event: &StorageEvent) -> Result<()> {
        let workload = container(CONTAINER);
        if workload.can_connect() && !workload.services(&[SERVICE])?.is_empty() {
            workload.stop(&[SERVICE])?;
        }
        unit::set_status(Status::maintenance("the data storage is detaching"))
    }

    fn on_pebble_check_failed(&mut self, event: &CheckEvent) -> Result<()> {
        if event.check_name != CHECK {
            return Ok(());
        }
        self.assess()
    }

    fn on_pebble_check_recovered(&mut self, event: &CheckEvent) -> Result<()> {
        if event.check_name != CHECK {
            return Ok(());
        }
        self.assess()
    }

    fn on_secret_rotate(&mut self, event: &SecretEvent) -> Result<()> {
        if event.label.as_deref() != Some(SECRET_LABEL) {
            return Ok(());
        }
        let secret = Secret::from_id(event.id.as_str());
        secret.set_content([("password", random::token(32)?)])?;
        // The other units learn of it through the peer relation; this one at once.
        if let Some(peers) = peers()? {
            let revision = secret.info()?.revision.to_string();
            peers.set_app(&[("admin-secret-revision", revision.as_str())])?;
        }
        log::info!("rotated the admin password");
        self.assess()
    }

    /// No unit tracks this revision any more: it can go.
    fn on_secret_remove(&mut self, event: &SecretEvent) -> Result<()> {
        if event.label.as_deref() != Some(SECRET_LABEL) {
            return Ok(());
        }
        let Some(revision) = event.revision else {
            return Ok(());
        };
        Secret::from_id(event.id.as_str()).remove_revision(revision)
    }

    fn on_secret_changed(&mut self, _event: &SecretEvent) -> Result<()> {
        self.assess()
    }

    fn on_update_status(&mut self) -> Result<()> {
        self.assess()
    }
}

export_charm!(Valkey);
