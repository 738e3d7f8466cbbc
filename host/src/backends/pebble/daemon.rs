//! One simulated Pebble daemon, with Pebble's outcomes: layers fold into a plan, services start,
//! stop, restart and replan in Pebble's order with its quirks (a start adopts the current
//! definition; replan restarts every started service whose definition changed, stops its
//! dependants, and starts what is enabled). It reports outcomes at once, without Pebble's
//! real waits such as the one-second check that a service stays up.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::ApiError;
use super::layer::{ExitAction, Layer, Service, Startup};
use super::plan::Layers;

/// A service's state as `GET /v1/services` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Current {
    Active,
    #[default]
    Inactive,
    Backoff,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub name: String,
    /// `enabled` or `disabled`.
    pub startup: Startup,
    pub current: Current,
}

/// What the simulation knows of a service beyond its plan entry.
#[derive(Debug, Clone, Default, PartialEq)]
struct ServiceState {
    current: Current,
    /// The definition it was last started with; `None` if never started.
    started: Option<Service>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub kind: String,
    pub summary: String,
    pub status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
}

/// A change, already finished: the simulation never leaves one in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub id: String,
    pub kind: String,
    pub summary: String,
    /// `Done` or `Error`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    pub tasks: Vec<Task>,
}

impl Change {
    pub fn ready(&self) -> bool {
        true
    }
}

/// One Pebble daemon.
#[derive(Debug, Clone, Default)]
pub struct Daemon {
    layers: Layers,
    services: BTreeMap<String, ServiceState>,
    /// Services whose command exits at once with this code, to simulate a workload that
    /// will not stay up.
    crashing: BTreeMap<String, i32>,
    changes: Vec<Change>,
    next_task: u64,
}

fn change_summary(verb: &str, names: &[String]) -> String {
    match names {
        [] => format!("{verb} - no services"),
        [one] => format!("{verb} service {one:?}"),
        [first, rest @ ..] => format!("{verb} service {first:?} and {} more", rest.len()),
    }
}

impl Daemon {
    pub fn plan(&self) -> &Layer {
        self.layers.plan()
    }

    pub fn layers(&self) -> &Layers {
        &self.layers
    }

    /// `POST /v1/layers`. Adding layers never starts or stops anything.
    pub fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), ApiError> {
        self.layers.add(label, layer, combine)
    }

    /// Makes `service` exit with `code` as soon as it is started.
    pub fn set_crashing(&mut self, service: &str, code: Option<i32>) {
        match code {
            Some(code) => self.crashing.insert(service.to_string(), code),
            None => self.crashing.remove(service),
        };
    }

    /// Sets a service's state directly, as a state file seeds it: an active service is
    /// taken to run its current plan definition.
    pub fn set_current(&mut self, service: &str, current: Current) {
        let definition = self.plan().services.get(service).cloned();
        let state = self.services.entry(service.to_string()).or_default();
        state.current = current;
        if current != Current::Inactive || state.started.is_some() {
            state.started = definition;
        }
    }

    /// `GET /v1/services?names=...`: sorted by name, unknown names skipped; all of them
    /// when `names` is empty.
    pub fn services(&self, names: &[String]) -> Vec<ServiceInfo> {
        self.plan()
            .services
            .iter()
            .filter(|(name, _)| names.is_empty() || names.contains(name))
            .map(|(name, service)| ServiceInfo {
                name: name.clone(),
                startup: if service.enabled() {
                    Startup::Enabled
                } else {
                    Startup::Disabled
                },
                current: self
                    .services
                    .get(name)
                    .map(|s| s.current)
                    .unwrap_or_default(),
            })
            .collect()
    }

    pub fn change(&self, id: &str) -> Result<&Change, ApiError> {
        self.changes
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ApiError::not_found(format!("cannot find change with id {id:?}")))
    }

    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// `POST /v1/services` `start`.
    pub fn start(&mut self, names: &[String]) -> Result<String, ApiError> {
        if names.is_empty() {
            return Err(ApiError::bad_request(
                "must specify services for start action".into(),
            ));
        }
        let order = self.start_order("start", names)?;
        let tasks = order.iter().map(|n| self.start_task(n)).collect();
        Ok(self.record(
            "start",
            change_summary("Start", &with_requested_first(names, &order)),
            tasks,
        ))
    }

    /// `POST /v1/services` `stop`.
    pub fn stop(&mut self, names: &[String]) -> Result<String, ApiError> {
        if names.is_empty() {
            return Err(ApiError::bad_request(
                "must specify services for stop action".into(),
            ));
        }
        let order = self.stop_order("stop", names)?;
        let tasks = order.iter().map(|n| self.stop_task(n)).collect();
        Ok(self.record(
            "stop",
            change_summary("Stop", &with_requested_first(names, &order)),
            tasks,
        ))
    }

    /// `POST /v1/services` `restart`: the named services stop, then they and what they
    /// require start.
    pub fn restart(&mut self, names: &[String]) -> Result<String, ApiError> {
        if names.is_empty() {
            return Err(ApiError::bad_request(
                "must specify services for restart action".into(),
            ));
        }
        let stops: Vec<String> = self
            .stop_order("restart", names)?
            .into_iter()
            .filter(|n| names.contains(n))
            .collect();
        let starts = self.start_order("restart", names)?;
        let mut tasks: Vec<Task> = stops.iter().map(|n| self.stop_task(n)).collect();
        tasks.extend(starts.iter().map(|n| self.start_task(n)));
        Ok(self.record(
            "restart",
            change_summary("Restart", &with_requested_first(names, &starts)),
            tasks,
        ))
    }

    /// `POST /v1/services` `autostart`: every `startup: enabled` service.
    pub fn autostart(&mut self) -> Result<String, ApiError> {
        let enabled = self.enabled();
        if enabled.is_empty() {
            return Err(ApiError::bad_request("no default services".into())
                .with_kind("no-default-services"));
        }
        let order = self.start_order("autostart", &enabled)?;
        let tasks = order.iter().map(|n| self.start_task(n)).collect();
        Ok(self.record("autostart", change_summary("Autostart", &order), tasks))
    }

    /// `POST /v1/services` `replan`.
    pub fn replan(&mut self) -> Result<String, ApiError> {
        // Every service Pebble ever started, whatever its state now, whose definition
        // differs in any way (summary included) from the one it last started with.
        let changed: Vec<String> = self
            .services
            .iter()
            .filter(|(name, state)| {
                state.started.is_some() && state.started.as_ref() != self.plan().services.get(*name)
            })
            .map(|(name, _)| name.clone())
            .filter(|name| self.plan().services.contains_key(name))
            .collect();
        let stops = if changed.is_empty() {
            Vec::new()
        } else {
            self.stop_order("replan", &changed)?
        };
        let wanted: Vec<String> = changed
            .iter()
            .cloned()
            .chain(self.enabled())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let starts = if wanted.is_empty() {
            Vec::new()
        } else {
            self.start_order("replan", &wanted)?
        };
        // Every start waits for every stop.
        let mut tasks: Vec<Task> = stops.iter().map(|n| self.stop_task(n)).collect();
        tasks.extend(starts.iter().map(|n| self.start_task(n)));
        Ok(self.record("replan", change_summary("Replan", &starts), tasks))
    }

    fn enabled(&self) -> Vec<String> {
        self.plan()
            .services
            .iter()
            .filter(|(_, s)| s.enabled())
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn start_order(&self, action: &str, names: &[String]) -> Result<Vec<String>, ApiError> {
        self.layers
            .start_order(names)
            .map_err(|e| e.prefixed(&format!("cannot {action} services: ")))
    }

    fn stop_order(&self, action: &str, names: &[String]) -> Result<Vec<String>, ApiError> {
        for name in names {
            if !self.plan().services.contains_key(name) {
                return Err(ApiError::bad_request(format!(
                    "cannot {action} services: service {name:?} does not exist"
                )));
            }
        }
        self.layers
            .stop_order(names)
            .map_err(|e| e.prefixed(&format!("cannot {action} services: ")))
    }

    fn start_task(&mut self, name: &str) -> Task {
        let definition = self.plan().services.get(name).cloned();
        let crash = self.crashing.get(name).copied();
        let state = self.services.entry(name.to_string()).or_default();
        let summary = format!("Start service {name:?}");
        // A start always adopts the current definition, even when nothing is started.
        state.started = definition.clone();
        if state.current == Current::Active {
            return Task {
                kind: "start".into(),
                summary,
                status: "Done".into(),
                log: vec![format!("INFO Service {name:?} already started.")],
            };
        }
        if let Some(code) = crash {
            let on_failure = definition.map(|d| d.on_failure).unwrap_or_default();
            let (current, then) = match on_failure {
                ExitAction::Ignore => (Current::Error, "ignore"),
                ExitAction::Shutdown | ExitAction::SuccessShutdown => (Current::Error, "shutdown"),
                _ => (Current::Backoff, "restart"),
            };
            state.current = current;
            return Task {
                kind: "start".into(),
                summary,
                status: "Error".into(),
                log: vec![format!(
                    "ERROR service start attempt: exited quickly with code {code}, will {then}"
                )],
            };
        }
        state.current = Current::Active;
        Task {
            kind: "start".into(),
            summary,
            status: "Done".into(),
            log: Vec::new(),
        }
    }

    fn stop_task(&mut self, name: &str) -> Task {
        let state = self.services.entry(name.to_string()).or_default();
        let log = match (state.current, state.started.is_some()) {
            (Current::Inactive, false) => {
                Some(format!("INFO Service {name:?} has never been started."))
            }
            (Current::Inactive, true) => Some(format!("INFO Service {name:?} already stopped.")),
            (Current::Error, _) => Some(format!("INFO Service {name:?} had already exited.")),
            _ => None,
        };
        state.current = Current::Inactive;
        Task {
            kind: "stop".into(),
            summary: format!("Stop service {name:?}"),
            status: "Done".into(),
            log: log.into_iter().collect(),
        }
    }

    /// Records an exec that has already run, as a change of one `exec` task.
    pub fn record_exec(&mut self, command: &[String], failure: Option<String>) -> String {
        let summary = format!(
            "Execute command {:?}",
            command.first().map_or("", String::as_str)
        );
        let task = Task {
            kind: "exec".into(),
            summary: summary.clone(),
            status: if failure.is_some() { "Error" } else { "Done" }.into(),
            log: failure.into_iter().map(|f| format!("ERROR {f}")).collect(),
        };
        self.record("exec", summary, vec![task])
    }

    fn record(&mut self, kind: &str, summary: String, tasks: Vec<Task>) -> String {
        self.next_task += tasks.len() as u64;
        let id = (self.changes.len() + 1).to_string();
        let failed: Vec<&Task> = tasks.iter().filter(|t| t.status == "Error").collect();
        let err = (!failed.is_empty()).then(|| {
            let lines: Vec<String> = failed
                .iter()
                .map(|t| {
                    let why = t.log.last().map_or("", |l| l.trim_start_matches("ERROR "));
                    format!("- {} ({why})", t.summary)
                })
                .collect();
            format!("cannot perform the following tasks:\n{}", lines.join("\n"))
        });
        self.changes.push(Change {
            id: id.clone(),
            kind: kind.into(),
            summary,
            status: if err.is_some() { "Error" } else { "Done" }.into(),
            err,
            tasks,
        });
        id
    }
}

/// The requested names first (in the order asked), then the rest in task order: how
/// Pebble names a change.
fn with_requested_first(requested: &[String], order: &[String]) -> Vec<String> {
    let mut names: Vec<String> = requested.to_vec();
    names.extend(order.iter().filter(|n| !requested.contains(n)).cloned());
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn pebble(yaml: &str) -> Daemon {
        let mut p = Daemon::default();
        p.add_layer("base", &Layer::parse("base", yaml).unwrap(), false)
            .unwrap();
        p
    }

    fn add(p: &mut Daemon, yaml: &str) {
        let label = format!("l{}", p.layers().labels().count());
        p.add_layer(&label, &Layer::parse(&label, yaml).unwrap(), false)
            .unwrap();
    }

    fn current(p: &Daemon, name: &str) -> Current {
        p.services(&names(&[name]))[0].current
    }

    fn tasks(p: &Daemon, id: &str) -> Vec<String> {
        p.change(id)
            .unwrap()
            .tasks
            .iter()
            .map(|t| t.summary.clone())
            .collect()
    }

    const SLEEPER: &str = "services:\n  sleeper:\n    override: replace\n    summary: sleeps\n    command: sleep 1000\n    \
                           startup: enabled\n  other:\n    override: replace\n    command: sleep 2000\n";

    #[test]
    fn services_report_startup_and_current() {
        let p = pebble(SLEEPER);
        let all = p.services(&[]);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].name, "other");
        assert_eq!(all[0].startup, Startup::Disabled);
        assert_eq!(all[1].startup, Startup::Enabled);
        assert!(all.iter().all(|s| s.current == Current::Inactive));
        assert!(p.services(&names(&["ghost"])).is_empty());
    }

    #[test]
    fn adding_a_layer_starts_nothing() {
        let mut p = pebble(SLEEPER);
        add(
            &mut p,
            "services:\n  sleeper:\n    override: merge\n    command: sleep 5\n",
        );
        assert_eq!(current(&p, "sleeper"), Current::Inactive);
    }

    #[test]
    fn start_and_an_already_started_service() {
        let mut p = pebble(SLEEPER);
        let id = p.start(&names(&["sleeper"])).unwrap();
        assert_eq!(p.change(&id).unwrap().summary, "Start service \"sleeper\"");
        assert_eq!(current(&p, "sleeper"), Current::Active);
        assert_eq!(current(&p, "other"), Current::Inactive);
        let id = p.start(&names(&["sleeper"])).unwrap();
        let change = p.change(&id).unwrap();
        assert_eq!(change.status, "Done");
        assert_eq!(
            change.tasks[0].log,
            ["INFO Service \"sleeper\" already started."]
        );
        let err = p.start(&names(&["ghost"])).unwrap_err();
        assert_eq!(
            err.message,
            "cannot start services: service \"ghost\" does not exist"
        );
        assert_eq!(
            p.start(&[]).unwrap_err().message,
            "must specify services for start action"
        );
    }

    #[test]
    fn replan_with_nothing_changed_only_no_op_starts() {
        let mut p = pebble(SLEEPER);
        p.start(&names(&["sleeper"])).unwrap();
        let id = p.replan().unwrap();
        assert_eq!(tasks(&p, &id), ["Start service \"sleeper\""]);
        assert_eq!(p.change(&id).unwrap().summary, "Replan service \"sleeper\"");
        assert_eq!(p.change(&id).unwrap().tasks[0].log.len(), 1);
    }

    #[test]
    fn replan_restarts_a_changed_service_even_for_a_summary() {
        let mut p = pebble(SLEEPER);
        p.start(&names(&["sleeper"])).unwrap();
        add(
            &mut p,
            "services:\n  sleeper:\n    override: merge\n    summary: sleeps more\n",
        );
        let id = p.replan().unwrap();
        assert_eq!(
            tasks(&p, &id),
            ["Stop service \"sleeper\"", "Start service \"sleeper\""]
        );
        assert_eq!(current(&p, "sleeper"), Current::Active);
    }

    #[test]
    fn replan_starts_a_stopped_changed_service_even_if_disabled() {
        let mut p = pebble(SLEEPER);
        p.start(&names(&["other"])).unwrap();
        p.stop(&names(&["other"])).unwrap();
        add(
            &mut p,
            "services:\n  other:\n    override: merge\n    command: sleep 3000\n",
        );
        p.replan().unwrap();
        assert_eq!(current(&p, "other"), Current::Active);
    }

    #[test]
    fn replan_stops_dependants_of_a_changed_service_and_restarts_only_enabled_ones() {
        let mut p = pebble(
            "services:\n  db:\n    override: replace\n    command: db\n  web:\n    override: replace\n    \
             command: web\n    requires: [db]\n    after: [db]\n  api:\n    override: replace\n    command: api\n    \
             requires: [db]\n    startup: enabled\n",
        );
        p.start(&names(&["web", "api"])).unwrap();
        add(
            &mut p,
            "services:\n  db:\n    override: merge\n    command: db --new\n",
        );
        let id = p.replan().unwrap();
        let t = tasks(&p, &id);
        let stops: Vec<&String> = t.iter().filter(|s| s.starts_with("Stop")).collect();
        assert_eq!(stops.len(), 3, "{t:?}");
        assert!(
            t.iter().position(|s| s == "Stop service \"web\"")
                < t.iter().position(|s| s == "Stop service \"db\"")
        );
        assert_eq!(current(&p, "db"), Current::Active);
        assert_eq!(current(&p, "api"), Current::Active);
        // web is neither enabled nor changed: stopped and left stopped.
        assert_eq!(current(&p, "web"), Current::Inactive);
    }

    #[test]
    fn a_start_adopts_the_current_definition_so_replan_then_restarts_nothing() {
        let mut p = pebble(SLEEPER);
        p.start(&names(&["sleeper"])).unwrap();
        add(
            &mut p,
            "services:\n  sleeper:\n    override: merge\n    command: sleep 7\n",
        );
        p.start(&names(&["sleeper"])).unwrap();
        let id = p.replan().unwrap();
        assert_eq!(tasks(&p, &id), ["Start service \"sleeper\""]);
    }

    #[test]
    fn start_pulls_in_requirements_and_stop_pulls_in_dependants() {
        let mut p = pebble(
            "services:\n  web:\n    override: replace\n    command: a\n    requires: [db]\n    after: [db]\n  \
             db:\n    override: replace\n    command: b\n",
        );
        let id = p.start(&names(&["web"])).unwrap();
        assert_eq!(
            tasks(&p, &id),
            ["Start service \"db\"", "Start service \"web\""]
        );
        assert_eq!(
            p.change(&id).unwrap().summary,
            "Start service \"web\" and 1 more"
        );
        let id = p.stop(&names(&["db"])).unwrap();
        assert_eq!(
            tasks(&p, &id),
            ["Stop service \"web\"", "Stop service \"db\""]
        );
        assert_eq!(current(&p, "web"), Current::Inactive);
    }

    #[test]
    fn restart_stops_only_the_named_then_starts_them_and_their_requirements() {
        let mut p = pebble(
            "services:\n  web:\n    override: replace\n    command: a\n    requires: [db]\n  \
             db:\n    override: replace\n    command: b\n",
        );
        p.start(&names(&["web"])).unwrap();
        let id = p.restart(&names(&["web"])).unwrap();
        assert_eq!(
            tasks(&p, &id),
            [
                "Stop service \"web\"",
                "Start service \"db\"",
                "Start service \"web\""
            ]
        );
        assert_eq!(
            p.change(&id).unwrap().summary,
            "Restart service \"web\" and 1 more"
        );
    }

    #[test]
    fn autostart_starts_the_enabled_and_needs_one() {
        let mut p = pebble(SLEEPER);
        let id = p.autostart().unwrap();
        assert_eq!(
            p.change(&id).unwrap().summary,
            "Autostart service \"sleeper\""
        );
        assert_eq!(current(&p, "sleeper"), Current::Active);
        let mut p = pebble("services:\n  x:\n    override: replace\n    command: a\n");
        let err = p.autostart().unwrap_err();
        assert_eq!(err.message, "no default services");
        assert_eq!(err.kind.as_deref(), Some("no-default-services"));
    }

    #[test]
    fn stop_logs_what_pebble_logs() {
        let mut p = pebble(SLEEPER);
        let id = p.stop(&names(&["other"])).unwrap();
        assert_eq!(
            p.change(&id).unwrap().tasks[0].log,
            ["INFO Service \"other\" has never been started."]
        );
        p.start(&names(&["other"])).unwrap();
        p.stop(&names(&["other"])).unwrap();
        let id = p.stop(&names(&["other"])).unwrap();
        assert_eq!(
            p.change(&id).unwrap().tasks[0].log,
            ["INFO Service \"other\" already stopped."]
        );
    }

    #[test]
    fn a_crashing_service_fails_its_start_and_backs_off() {
        let mut p = pebble(SLEEPER);
        p.set_crashing("other", Some(3));
        let id = p.start(&names(&["other"])).unwrap();
        let change = p.change(&id).unwrap();
        assert_eq!(change.status, "Error");
        assert_eq!(
            change.err.as_deref(),
            Some(
                "cannot perform the following tasks:\n- Start service \"other\" (service start \
                 attempt: exited quickly with code 3, will restart)"
            )
        );
        assert_eq!(current(&p, "other"), Current::Backoff);
        add(
            &mut p,
            "services:\n  c2:\n    override: replace\n    command: x\n    on-failure: ignore\n",
        );
        p.set_crashing("c2", Some(3));
        p.start(&names(&["c2"])).unwrap();
        assert_eq!(current(&p, "c2"), Current::Error);
    }

    #[test]
    fn change_ids_count_up_and_unknown_ones_are_not_found() {
        let mut p = pebble(SLEEPER);
        assert_eq!(p.start(&names(&["sleeper"])).unwrap(), "1");
        assert_eq!(p.stop(&names(&["sleeper"])).unwrap(), "2");
        let err = p.change("9").unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (404, "cannot find change with id \"9\"")
        );
    }
}
