//! One event through a charm on a simulated unit: the runner under `wasmcharm run`,
//! `wasmcharm test` and [`crate::testing`]. It takes the same steps as a dispatch on a
//! unit ([`crate::dispatch`]), with the simulated backends of [`crate::sim`].

use std::path::Path;
use std::sync::Arc;

use crate::backends::error::BackendError;
use crate::backends::pebble::CheckStatus;
use crate::charm_dir::{CharmDir, CharmDirError, Metadata, PolicyOverride};
use crate::dispatch::{self, Ended};
use crate::event::{self, DispatchPath, EventError};
use crate::runtime::engine::{Instances, LoadError, Wanted};
use crate::runtime::invoke::{Backends, GuestOutput, LoadedCharm, Nondeterminism};
use crate::unit::dir::UnitDir;

use crate::sim::pebble::SimContainer;
use crate::sim::state::{Happened, State, StateError};

#[derive(Debug, thiserror::Error)]
pub enum TestingError {
    #[error(transparent)]
    CharmDir(#[from] CharmDirError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("the simulated unit failed: {0}")]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Store(#[from] crate::unit::store::StoreError),
    #[error(
        "`{event}` is not an event this charm can receive: Juju's hooks (install, start, \
         config-changed, update-status, leader-elected, ...), {own}"
    )]
    UnknownEvent { event: String, own: String },
}

/// The events a charm's metadata gives it, by kind, as an example of each.
fn own_events(meta: &Metadata) -> String {
    let mut parts = Vec::new();
    let some = |names: Vec<&String>, example: &dyn Fn(&str) -> String| {
        names.first().map(|first| {
            let list: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            format!("{} (e.g. {})", list.join(", "), example(first))
        })
    };
    if let Some(p) = some(meta.endpoints.keys().collect(), &|e| {
        format!("{e}-relation-changed")
    }) {
        parts.push(format!("the hooks of its relations {p}"));
    }
    if let Some(p) = some(meta.storage.iter().collect(), &|e| {
        format!("{e}-storage-attached")
    }) {
        parts.push(format!("of its storage {p}"));
    }
    if let Some(p) = some(meta.containers.iter().collect(), &|e| {
        format!("{e}-pebble-ready")
    }) {
        parts.push(format!("of its containers {p}"));
    }
    let actions: Vec<&str> = meta.actions.keys().map(String::as_str).collect();
    parts.push(if actions.is_empty() {
        "and no actions".to_string()
    } else {
        format!("and its actions {}", actions.join(", "))
    });
    parts.join(", ")
}

/// A charm loaded for testing: its metadata, its manifest, its compiled component.
pub struct TestCharm {
    charm: LoadedCharm,
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The unit after the event: what Juju would have committed.
    pub state: State,
    /// What the charm did on the way: statuses, logs, commands, Pebble changes and execs,
    /// the action's results, the guest's output, and how it ended.
    pub happened: Happened,
}

impl Run {
    /// Whether the handler finished without error (or the event was one the charm
    /// ignores), as Juju would see it from `dispatch`'s exit code.
    pub fn succeeded(&self) -> bool {
        self.happened.outcome != "failed"
    }
}

impl TestCharm {
    /// Loads the charm in `dir` (charmcraft.yaml or metadata.yaml, wasmcharm.yaml and
    /// the component it names), compiling the component or mapping its precompiled form,
    /// for as many runs at once as there are cores.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, TestingError> {
        Self::load_for_threads(dir, default_threads())
    }

    /// As [`TestCharm::load`], for up to `threads` runs at once: each run in progress
    /// holds one of the instance slots the charm is loaded with.
    pub fn load_for_threads(dir: impl AsRef<Path>, threads: usize) -> Result<Self, TestingError> {
        Self::from_dir(CharmDir::open(dir.as_ref())?, threads)
    }

    /// Loads the charm for a single run, as `wasmcharm run` makes, narrowed by an
    /// operator's policy override if one is given. Its instance is allocated on demand:
    /// a pool of warm slots pays off over many runs, and costs one run more than the run.
    pub fn load_for_one_run(
        dir: impl AsRef<Path>,
        narrower: Option<&PolicyOverride>,
    ) -> Result<Self, TestingError> {
        let mut charm_dir = CharmDir::open(dir.as_ref())?;
        if let Some(narrower) = narrower {
            charm_dir.narrow(narrower);
        }
        let unit = UnitDir::in_charm_dir(&charm_dir.path);
        Ok(TestCharm {
            charm: LoadedCharm::load(charm_dir, unit.as_ref(), Wanted::Optimized)?.0,
        })
    }

    fn from_dir(charm_dir: CharmDir, threads: usize) -> Result<Self, TestingError> {
        // Warm slots for every run that may go at once, and as many again for runs
        // whose instance is still being torn down.
        let instances = Instances::Pooled {
            slots: u32::try_from(threads.max(1) * 2).unwrap_or(u32::MAX),
            memory: charm_dir.manifest.limits.memory,
        };
        // The compiled component is kept for the next run where it can be; a charm
        // directory nobody can write only means compiling each time.
        let unit = UnitDir::in_charm_dir(&charm_dir.path);
        Ok(TestCharm {
            charm: LoadedCharm::load_for(charm_dir, instances, unit.as_ref(), Wanted::Optimized)?.0,
        })
    }

    pub fn metadata(&self) -> &Metadata {
        &self.charm.dir.metadata
    }

    /// The charm directory as loaded (and narrowed).
    pub fn dir(&self) -> &CharmDir {
        &self.charm.dir
    }

    /// Which dispatch `event` names: a hook (`install`, `db-relation-changed`,
    /// `hooks/install`), or an action (`backup`, `actions/backup`).
    pub fn dispatch_path(&self, event: &str) -> Result<DispatchPath, EventError> {
        if event.starts_with("hooks/") || event.starts_with("actions/") {
            DispatchPath::parse(event)
        } else if self.metadata().actions.contains_key(event) {
            Ok(DispatchPath::Action(event.to_string()))
        } else {
            DispatchPath::parse(&format!("hooks/{event}"))
        }
    }

    /// Runs `event` against the unit `state` describes, in a fresh instance. An `Err`
    /// means the inputs do not fit the charm (an undeclared container, config key,
    /// endpoint, action or parameter; an event with no charm meaning); a charm that
    /// fails is an `Ok` whose [`Run::succeeded`] is false.
    pub fn run(&self, event: &str, state: &State) -> Result<Run, TestingError> {
        let meta = self.metadata();
        let path = self.dispatch_path(event)?;
        let simulation = state.simulate(meta)?;
        if let Some(id) = state.event.relation_id
            && !state.relations.iter().any(|r| r.id == id)
        {
            return Err(StateError::Inconsistent(format!(
                "the event is on relation {id}, which the state does not have (relations: {})",
                relation_ids(state)
            ))
            .into());
        }
        // Outside a real dispatch a hook the charm cannot receive is a mistake (a typo
        // of an action, say), not a newer Juju's hook to let pass.
        if let event::Dispatch::Unknown(hook) = event::classify(&path, meta, &state.event_env())? {
            return Err(TestingError::UnknownEvent {
                event: hook,
                own: own_events(meta),
            });
        }
        let event = dispatch::event_for(
            &path,
            meta,
            &state.event_env(),
            &mut simulation.juju.clone(),
        )?;
        if let Some(event) = &event {
            check_event(event, state)?;
        }
        if let Some(event::Event::Action(action)) = &event {
            simulation.juju.model().action = Some(crate::sim::juju::ActionRecord {
                params: state.action_params(meta, &action.name)?,
                ..Default::default()
            });
        }
        let mut outcome = ("ignored", None);
        let mut output = None;
        // Whether Juju would commit the hook, and what the charm stored if it changed it.
        let mut succeeded = false;
        let mut kept = None;
        if let Some(event) = event {
            let unit = Arc::new(state.unit_context(meta)?);
            let captured = GuestOutput::capture(&self.charm.dir.manifest.limits);
            let backends = Backends {
                juju: Box::new(simulation.juju.clone()),
                machine: Box::new(simulation.machine.clone()),
                pebble: Box::new(simulation.pebble.clone()),
                nondeterminism: Nondeterminism::Fixed {
                    start: state.clock.since_epoch(),
                    seed: state.clock.seed,
                },
            };
            let ended = dispatch::run_event(
                &self.charm,
                unit,
                &path,
                &event,
                backends,
                &captured,
                state.stored()?,
                |stored| {
                    kept = Some(stored.clone());
                    Ok(())
                },
                &mut simulation.juju.clone(),
            );
            outcome = match ended {
                Ended::Done => {
                    succeeded = true;
                    ("ok", None)
                }
                Ended::Failed(message) => ("failed", Some(message)),
            };
            output = Some(captured);
        }
        let mut after = simulation.state_after(state);
        if succeeded {
            if let Some(stored) = &kept {
                after.set_stored(stored)?;
            }
            // Juju commits these with the hook, and only if it succeeds.
            after.set_committed(&simulation.juju.model());
        }
        let mut happened = simulation.happened();
        happened.outcome = outcome.0.into();
        happened.error = outcome.1;
        if let Some(GuestOutput::Capture { stdout, stderr }) = output {
            happened.stdout = String::from_utf8_lossy(&stdout.contents()).into_owned();
            happened.stderr = String::from_utf8_lossy(&stderr.contents()).into_owned();
        }
        Ok(Run {
            state: after,
            happened,
        })
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What Juju would never do: deliver an event about something the unit does not have.
fn check_event(event: &event::Event, state: &State) -> Result<(), StateError> {
    use event::Event as E;
    let inconsistent = |message: String| Err(StateError::Inconsistent(message));
    match event {
        E::RelationCreated(r)
        | E::RelationJoined(r)
        | E::RelationChanged(r)
        | E::RelationDeparted(r)
        | E::RelationBroken(r) => {
            let Some(relation) = state.relations.iter().find(|rel| rel.id == r.relation_id) else {
                return inconsistent(format!(
                    "the event is on relation {}, which the state does not have (relations: {})",
                    r.relation_id,
                    relation_ids(state)
                ));
            };
            if relation.endpoint != r.endpoint {
                return inconsistent(format!(
                    "the event is on endpoint `{}`, but relation {} in the state is on `{}`",
                    r.endpoint, relation.id, relation.endpoint
                ));
            }
            if let (E::RelationJoined(_) | E::RelationChanged(_), Some(unit)) =
                (event, &r.remote_unit)
                && !relation.remote_units.contains_key(unit)
            {
                return inconsistent(format!(
                    "the event's remote unit {unit} is not among relation {}'s remote units \
                     in the state",
                    relation.id
                ));
            }
        }
        E::PebbleReady { container }
        | E::PebbleCustomNotice(event::NoticeEvent { container, .. })
        | E::PebbleCheckFailed(event::CheckEvent { container, .. })
        | E::PebbleCheckRecovered(event::CheckEvent { container, .. })
            if state
                .containers
                .get(container)
                .is_some_and(|c| !c.can_connect) =>
        {
            return inconsistent(format!(
                "the event comes from container `{container}`'s Pebble, but the state says \
                 it cannot connect"
            ));
        }
        E::PebbleCheckFailed(c) | E::PebbleCheckRecovered(c) => {
            let model = state
                .containers
                .get(&c.container)
                .cloned()
                .unwrap_or_default();
            let sim =
                SimContainer::from_model(&c.container, &model).map_err(StateError::Inconsistent)?;
            let failed = matches!(event, E::PebbleCheckFailed(_));
            match sim.check_status(&c.check) {
                None => {
                    return inconsistent(format!(
                        "the event is about check `{}`, which no layer of container `{}` in \
                         the state defines",
                        c.check, c.container
                    ));
                }
                Some(status) if failed != (status == CheckStatus::Down) => {
                    return inconsistent(format!(
                        "the event says check `{}` {}, but the state has it {}: {}",
                        c.check,
                        if failed { "failed" } else { "recovered" },
                        serde_json::to_value(status)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        if failed {
                            "give it `failures:` of at least its threshold under the \
                             container's `checks:`"
                        } else {
                            "give it fewer `failures:` than its threshold"
                        }
                    ));
                }
                Some(_) => {}
            }
        }
        E::PebbleCustomNotice(n) => {
            let found = state
                .containers
                .get(&n.container)
                .and_then(|c| c.notices.iter().find(|notice| notice.id == n.id));
            match found {
                None => {
                    return inconsistent(format!(
                        "the event is about notice {} of container `{}`, which the state does \
                         not have (give it under the container's `notices:`)",
                        n.id, n.container
                    ));
                }
                Some(notice) if notice.kind != n.kind || notice.key != n.key => {
                    return inconsistent(format!(
                        "the event's notice {} is {} {}, but the state has it as {} {}",
                        n.id, n.kind, n.key, notice.kind, notice.key
                    ));
                }
                Some(_) => {}
            }
        }
        E::SecretRemove(s) | E::SecretExpired(s)
            if state
                .secrets
                .iter()
                .any(|secret| secret.id == s.id && secret.owner.is_some()) =>
        {
            let Some(secret) = state.secrets.iter().find(|secret| secret.id == s.id) else {
                return Ok(());
            };
            let Some(revision) = s.revision else {
                return inconsistent(format!(
                    "the event is about a revision of secret {}, but names none \
                     (event.secret-revision)",
                    s.id
                ));
            };
            if !secret.kept_revisions().contains(&revision) {
                return inconsistent(format!(
                    "the event is about revision {revision} of secret {}, which keeps {:?}",
                    s.id,
                    secret.kept_revisions()
                ));
            }
            if let E::SecretRemove(_) = event
                && let Some((consumer, _)) = secret
                    .consumers
                    .iter()
                    .find(|(_, tracked)| **tracked == revision)
            {
                return inconsistent(format!(
                    "Juju sends secret-remove for a revision no consumer tracks, but {consumer} \
                     tracks revision {revision} of secret {}",
                    s.id
                ));
            }
        }
        E::SecretChanged(s) | E::SecretRotate(s) | E::SecretRemove(s) | E::SecretExpired(s)
            if !state.secrets.iter().any(|secret| secret.id == s.id) =>
        {
            return inconsistent(format!(
                "the event is about secret {}, which the state does not have",
                s.id
            ));
        }
        _ => {}
    }
    Ok(())
}

fn relation_ids(state: &State) -> String {
    let ids: Vec<String> = state.relations.iter().map(|r| r.id.to_string()).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, RelationEvent, SecretEvent};

    fn refused(event: Event, state: &State) -> String {
        check_event(&event, state).unwrap_err().to_string()
    }

    #[test]
    fn events_about_what_the_state_lacks_are_refused() {
        let state = State::parse(
            "relations:\n- {id: 1, endpoint: db, remote-app: pg, remote-units: {pg/0: {}}}\n\
             containers: {web: {can-connect: false}}\n",
        )
        .unwrap();
        let relation = |endpoint: &str, id, unit: &str| RelationEvent {
            endpoint: endpoint.into(),
            relation_id: id,
            remote_app: "pg".into(),
            remote_unit: Some(unit.into()),
            departing_unit: None,
        };
        assert!(check_event(&Event::RelationChanged(relation("db", 1, "pg/0")), &state).is_ok());
        assert!(
            refused(Event::RelationChanged(relation("db", 2, "pg/0")), &state)
                .contains("relation 2, which the state does not have (relations: 1)")
        );
        assert!(
            refused(Event::RelationChanged(relation("cache", 1, "pg/0")), &state)
                .contains("on endpoint `cache`, but relation 1 in the state is on `db`")
        );
        assert!(
            refused(Event::RelationJoined(relation("db", 1, "pg/7")), &state)
                .contains("remote unit pg/7 is not among relation 1's remote units")
        );
        let ready = Event::PebbleReady {
            container: "web".into(),
        };
        assert!(refused(ready, &state).contains("says it cannot connect"));
        let secret = Event::SecretChanged(SecretEvent {
            id: "secret:abc".into(),
            label: None,
            revision: None,
        });
        assert!(refused(secret, &state).contains("secret secret:abc, which the state"));
    }

    #[test]
    fn secret_removal_is_for_a_kept_revision_no_consumer_tracks() {
        let state = State::parse(
            "secrets:\n- {id: 'secret:abc', owner: application, revision: 3, revisions: [1, 2, 3],\n   \
             content: {a: b}, consumers: {webapp/0: 2}}\n",
        )
        .unwrap();
        let remove = |revision| {
            Event::SecretRemove(SecretEvent {
                id: "secret:abc".into(),
                label: None,
                revision,
            })
        };
        assert!(check_event(&remove(Some(1)), &state).is_ok());
        assert!(refused(remove(Some(2)), &state).contains("webapp/0 tracks revision 2"));
        assert!(refused(remove(Some(7)), &state).contains("which keeps [1, 2, 3]"));
        assert!(refused(remove(None), &state).contains("names none"));
    }
}
