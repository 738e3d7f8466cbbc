//! A charm for testing the hook tools a charm reaches beyond status and config: each
//! action makes the call it is named for with its parameters, and reports what came back
//! as its results, so that a test can drive each call through the simulated unit and
//! through Juju's real hook tools (stubbed) alike.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasmcharm_sdk::model::{AddressKind, RebootWhen};
use wasmcharm_sdk::ports::{PortRange, Protocol};
use wasmcharm_sdk::prelude::*;
use wasmcharm_sdk::relation::Relation;
use wasmcharm_sdk::secrets::{Metadata, RotatePolicy, Secret, SecretOwner};

#[derive(Default)]
struct Toolkit;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Params {
    owner: Option<String>,
    content: Option<BTreeMap<String, String>>,
    id: Option<String>,
    label: Option<String>,
    description: Option<String>,
    expire: Option<String>,
    rotate: Option<String>,
    relation: Option<u32>,
    unit: Option<String>,
    revision: Option<u32>,
    name: Option<String>,
    count: Option<u32>,
    now: bool,
    port: Option<u16>,
    endpoints: Vec<String>,
    call: Option<String>,
    names: Vec<String>,
    key: Option<String>,
    signal: Option<String>,
    identity: Option<String>,
    access: Option<String>,
    user_id: Option<u32>,
}

fn needed<T>(value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| Error::new(ErrorKind::InvalidInput, format!("`{name}` is needed")))
}

fn rotate(text: &str) -> Result<RotatePolicy> {
    Ok(match text {
        "never" => RotatePolicy::Never,
        "hourly" => RotatePolicy::Hourly,
        "daily" => RotatePolicy::Daily,
        "weekly" => RotatePolicy::Weekly,
        "monthly" => RotatePolicy::Monthly,
        "quarterly" => RotatePolicy::Quarterly,
        "yearly" => RotatePolicy::Yearly,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("no rotate policy {other:?}"),
            ));
        }
    })
}

impl Params {
    fn metadata(&self) -> Result<Metadata> {
        let mut metadata = Metadata::new();
        if let Some(label) = &self.label {
            metadata = metadata.label(label);
        }
        if let Some(description) = &self.description {
            metadata = metadata.description(description);
        }
        if let Some(expire) = &self.expire {
            metadata = metadata.expire_at(expire);
        }
        if let Some(policy) = &self.rotate {
            metadata = metadata.rotate(rotate(policy)?);
        }
        Ok(metadata)
    }

    fn secret(&self) -> Result<Secret> {
        Ok(Secret::from_id(needed(self.id.clone(), "id")?))
    }

    fn relation(&self) -> Result<Relation> {
        Ok(Relation {
            id: needed(self.relation, "relation")?,
        })
    }

    fn tcp(&self) -> Result<PortRange> {
        let port = needed(self.port, "port")?;
        Ok(PortRange {
            protocol: Protocol::Tcp,
            from: port,
            to: port,
        })
    }
}

impl Charm for Toolkit {
    fn on_action(&mut self, event: &ActionEvent) -> Result<()> {
        let p: Params = action::params()?;
        let endpoints: Vec<&str> = p.endpoints.iter().map(String::as_str).collect();
        match event.name.as_str() {
            "secret-add" => {
                let owner = match p.owner.as_deref() {
                    Some("unit") => SecretOwner::Unit,
                    _ => SecretOwner::Application,
                };
                let content = p.content.clone().unwrap_or_default();
                let secret = secrets::add(owner, &content, p.metadata()?)?;
                action::set_results(&[("id", secret.id())])
            }
            "secret-set" => {
                let secret = p.secret()?;
                if let Some(content) = &p.content {
                    secret.set_content(content)?;
                }
                if p.label.is_some() || p.description.is_some() {
                    secret.set_info(p.metadata()?)?;
                }
                Ok(())
            }
            "secret-grant" => match &p.unit {
                Some(unit) => p.secret()?.grant_unit(p.relation()?, unit),
                None => p.secret()?.grant(p.relation()?),
            },
            "secret-revoke" => match &p.unit {
                Some(unit) => p.secret()?.revoke_unit(p.relation()?, unit),
                None => p.secret()?.revoke(p.relation()?),
            },
            "secret-remove" => match p.revision {
                Some(revision) => p.secret()?.remove_revision(revision),
                None => p.secret()?.remove_all_revisions(),
            },
            "secret-owned" => {
                for (i, secret) in secrets::owned()?.iter().enumerate() {
                    let info = secret.info()?;
                    action::set_results(&[
                        (&format!("secrets.s{i}.id"), secret.id()),
                        (
                            &format!("secrets.s{i}.revision"),
                            &info.revision.to_string(),
                        ),
                        (
                            &format!("secrets.s{i}.owner"),
                            match info.owner {
                                SecretOwner::Application => "application",
                                SecretOwner::Unit => "unit",
                            },
                        ),
                        (
                            &format!("secrets.s{i}.label"),
                            info.label.as_deref().unwrap_or(""),
                        ),
                    ])?;
                }
                Ok(())
            }
            "storage" => {
                let instances = match &p.name {
                    Some(name) => storage::get(name)?,
                    None => storage::list()?
                        .iter()
                        .map(storage::instance)
                        .collect::<Result<_>>()?,
                };
                for instance in instances {
                    let key = format!("storage.{}-{}", instance.id.name, instance.id.index);
                    action::set_results(&[(&key, &instance.location)])?;
                }
                Ok(())
            }
            "storage-add" => storage::request(&needed(p.name, "name")?, p.count.unwrap_or(1)),
            "goal" => {
                let goal = model::goal_state()?;
                let units: Vec<&str> = goal.units.iter().map(|u| u.name.as_str()).collect();
                action::set_results(&[
                    ("planned", &model::planned_units()?.to_string()),
                    ("units", &units.join(" ")),
                    ("relations", &goal.relations.len().to_string()),
                ])
            }
            "cloud" => {
                let cloud = model::cloud_spec()?;
                let auth = cloud.credential.map(|c| c.auth_type).unwrap_or_default();
                action::set_results(&[
                    ("type", &cloud.type_),
                    ("name", &cloud.name),
                    ("auth", &auth),
                ])
            }
            "reboot" => model::reboot(if p.now {
                RebootWhen::Now
            } else {
                RebootWhen::AfterHook
            }),
            "address" => action::set_results(&[
                ("private", &model::unit_address(AddressKind::Private)?),
                ("public", &model::unit_address(AddressKind::Public)?),
            ]),
            "remote-model" => action::set_results(&[("uuid", &p.relation()?.remote_model()?)]),
            "pebble" => pebble_call(&p),
            "open-on" => ports::open_on(p.tcp()?, &endpoints),
            "close-on" => ports::close_on(p.tcp()?, &endpoints),
            other => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("toolkit has no action {other}"),
            )),
        }
    }
}

/// One Pebble call of 0.1.1 on the `workload` container, its outcome as results.
fn pebble_call(p: &Params) -> Result<()> {
    use wasmcharm_sdk::pebble::{Identity, IdentityAccess, NoticeFilter};
    let workload = container("workload");
    let names: Vec<&str> = p.names.iter().map(String::as_str).collect();
    match p.call.as_deref().unwrap_or_default() {
        "checks" => {
            for check in workload.checks(None, &names)? {
                action::set_results(&[(
                    &format!("checks.{}", check.name),
                    &format!("{:?} {}/{}", check.status, check.failures, check.threshold),
                )])?;
            }
            Ok(())
        }
        "start-checks" => {
            let started = workload.start_checks(&names)?;
            action::set_results(&[("changed", &started.join(" "))])
        }
        "health" => {
            action::set_results(&[("healthy", &workload.healthy(None, &names)?.to_string())])
        }
        "notify" => {
            let id = workload.notify(&needed(p.key.clone(), "key")?, &[("k", "v")], None)?;
            let notice = workload.notice(&id)?;
            action::set_results(&[
                ("id", &id),
                ("occurrences", &notice.occurrences.to_string()),
            ])
        }
        "notices" => {
            let all = workload.notices(&NoticeFilter {
                types: vec![],
                keys: p.key.iter().cloned().collect(),
                after: None,
            })?;
            action::set_results(&[("count", &all.len().to_string())])
        }
        "notice" => {
            let notice = workload.notice(&needed(p.id.clone(), "id")?)?;
            action::set_results(&[("key", &notice.key)])
        }
        "identity" => {
            let access = match p.access.as_deref() {
                Some("admin") => IdentityAccess::Admin,
                Some("metrics") => IdentityAccess::Metrics,
                _ => IdentityAccess::Read,
            };
            let identity = Identity {
                access,
                local_user_id: p.user_id,
                basic_password_hash: None,
                cert_pem: None,
            };
            let name = needed(p.identity.clone(), "identity")?;
            workload.replace_identities(&[(name.as_str(), identity)])?;
            action::set_results(&[("count", &workload.identities()?.len().to_string())])
        }
        "signal" => workload.send_signal(&needed(p.signal.clone(), "signal")?, &names),
        "exec" => match workload.exec(&names).run() {
            Ok(out) => action::set_results(&[("exit", &out.exit_code.to_string())]),
            Err(e) => action::set_results(&[("kind", &format!("{:?}", e.kind()))]),
        },
        other => Err(Error::new(
            ErrorKind::InvalidInput,
            format!("no pebble call {other:?}"),
        )),
    }
}

export_charm!(Toolkit);
