//! Simulated workload containers for `wasmcharm run`: each a [`Daemon`] with Pebble's
//! plan and service semantics, an in-memory filesystem ([`files`]), checks whose outcomes
//! the state gives ([`checks`]), notices ([`notices`]), identities ([`identities`]), and
//! canned results for exec.

pub mod checks;
pub mod files;
pub mod identities;
pub mod notices;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::backends::pebble::daemon::{Current, Daemon, ServiceInfo};
use crate::backends::pebble::layer::{CheckLevel, Layer};
use crate::backends::pebble::notices::NoticeFilter;
use crate::backends::pebble::{
    ApiError, CheckInfo, CheckRun, ChecksAction, CustomKey, ExecRequest, FileInfo, FileOptions,
    Identity, IdentityName, Notice, Pebble, ServiceAction, Signal,
};
use crate::backends::process::Output;
use crate::sim::budget::Budget;
use checks::{CheckModel, Checks};
use files::{DirModel, FileModel, Files};
use identities::Identities;
use notices::Notices;

/// What an exec whose command starts with `command` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ExecResult {
    pub command: Vec<String>,
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A container as a state file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ContainerModel {
    /// Whether its Pebble answers.
    pub can_connect: bool,
    /// Layers by label, lowest first, as Pebble holds them (combined in place).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub layers: IndexMap<String, Layer>,
    /// Service states; services not listed are inactive.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Current>,
    /// Services that exit with this code as soon as they start.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub crash_on_start: BTreeMap<String, i32>,
    /// Files by absolute path: their text, or `{content, permissions, user, ...}`.
    /// Their parent directories exist.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileModel>,
    /// Directories: their paths, or `{path, permissions, user, group}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub directories: Vec<DirModel>,
    /// How each check is faring: `{db-ready: {failures: 3}}` is down at a threshold
    /// of 3. Checks not listed are up (or inactive, when `startup: disabled`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, CheckModel>,
    /// Notices as Pebble lists them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// Identities by name, in Pebble's form.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub identities: BTreeMap<String, Identity>,
    /// Canned exec results, matched on command prefix (longest wins).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub execs: Vec<ExecResult>,
    /// Changes never finish: waiting on one times out, as with a workload that hangs.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hold_changes: bool,
}

impl Default for ContainerModel {
    fn default() -> Self {
        ContainerModel {
            can_connect: true,
            layers: IndexMap::new(),
            services: BTreeMap::new(),
            crash_on_start: BTreeMap::new(),
            files: BTreeMap::new(),
            directories: Vec::new(),
            checks: BTreeMap::new(),
            notices: Vec::new(),
            identities: BTreeMap::new(),
            execs: Vec::new(),
            hold_changes: false,
        }
    }
}

/// One simulated container.
#[derive(Debug, Clone)]
pub struct SimContainer {
    pub can_connect: bool,
    pub daemon: Daemon,
    files: Files,
    checks: Checks,
    notices: Notices,
    identities: Identities,
    execs: Vec<ExecResult>,
    /// Every command exec'd, in order.
    pub exec_history: Vec<Vec<String>>,
    /// Every signal sent, as `SIGHUP web`.
    pub signal_history: Vec<String>,
    /// What the charm stores here is charged to its unit's budget.
    budget: Budget,
    /// See [`ContainerModel::hold_changes`].
    pub hold_changes: bool,
}

impl SimContainer {
    /// Builds the container a state describes; its layers must form a valid plan.
    pub fn from_model(name: &str, model: &ContainerModel) -> Result<Self, String> {
        let mut daemon = Daemon::default();
        for (label, layer) in &model.layers {
            daemon
                .add_layer(label, layer, false)
                .map_err(|e| format!("containers.{name}.layers.{label}: {e}"))?;
        }
        for (service, current) in &model.services {
            if !daemon.plan().services.contains_key(service) {
                return Err(format!(
                    "containers.{name}.services names `{service}`, which no layer defines"
                ));
            }
            daemon.set_current(service, *current);
        }
        for (service, code) in &model.crash_on_start {
            daemon.set_crashing(service, Some(*code));
        }
        let context =
            |what: &'static str| move |e: String| format!("containers.{name}.{what}: {e}");
        Ok(SimContainer {
            can_connect: model.can_connect,
            files: Files::from_model(&model.files, &model.directories).map_err(context("files"))?,
            checks: Checks::from_model(&model.checks, daemon.plan()).map_err(context("checks"))?,
            notices: Notices::from_model(&model.notices).map_err(context("notices"))?,
            identities: Identities::from_model(&model.identities).map_err(context("identities"))?,
            daemon,
            execs: model.execs.clone(),
            exec_history: Vec::new(),
            signal_history: Vec::new(),
            budget: Budget::default(),
            hold_changes: model.hold_changes,
        })
    }

    /// The container as a state file describes it.
    pub fn to_model(&self, crash_on_start: &BTreeMap<String, i32>) -> ContainerModel {
        let (files, directories) = self.files.to_model();
        ContainerModel {
            can_connect: self.can_connect,
            layers: self
                .daemon
                .layers()
                .layers()
                .map(|(label, layer)| (label.to_string(), layer.clone()))
                .collect(),
            services: self
                .daemon
                .services(&[])
                .into_iter()
                .filter(|s| s.current != Current::Inactive)
                .map(|s| (s.name, s.current))
                .collect(),
            crash_on_start: crash_on_start.clone(),
            files,
            directories,
            checks: self.checks.to_model(),
            notices: self.notices.to_model(),
            identities: self.identities.to_model(),
            execs: self.execs.clone(),
            hold_changes: self.hold_changes,
        }
    }

    /// Charges what the charm stores here to `budget`, shared with the unit's other
    /// backends.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    fn charge(&self, bytes: usize, what: &str) -> Result<(), ApiError> {
        self.budget.take(bytes, what).map_err(ApiError::bad_request)
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), ApiError> {
        let size = serde_json::to_vec(layer).map_or(0, |json| json.len());
        self.charge(size + label.len(), "a layer")?;
        self.daemon.add_layer(label, layer, combine)
    }

    fn services_action(
        &mut self,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), BackendError> {
        // A change and a task for each service are kept.
        let size: usize = names.iter().map(|n| n.len() + 256).sum();
        self.charge(size + 256, "a change")?;
        let id = match action {
            ServiceAction::Start => self.daemon.start(names),
            ServiceAction::Stop => self.daemon.stop(names),
            ServiceAction::Restart => self.daemon.restart(names),
            ServiceAction::Replan if !names.is_empty() => Err(ApiError::bad_request(
                "replan accepts no service names".into(),
            )),
            ServiceAction::Replan => self.daemon.replan(),
            ServiceAction::Autostart if !names.is_empty() => Err(ApiError::bad_request(
                "autostart accepts no service names".into(),
            )),
            ServiceAction::Autostart => self.daemon.autostart(),
        }?;
        if self.hold_changes {
            return Err(BackendError::Timeout {
                command: format!("Pebble change {id}"),
                timeout: std::time::Duration::ZERO,
            });
        }
        let change = self.daemon.change(&id)?;
        match &change.err {
            Some(err) => Err(BackendError::ChangeFailed(err.clone())),
            None => Ok(()),
        }
    }

    pub fn push(
        &mut self,
        path: &str,
        content: &[u8],
        options: &FileOptions,
    ) -> Result<(), ApiError> {
        self.charge(content.len() + path.len() + 64, "a file")?;
        self.files.push(path, content, options)
    }

    pub fn pull(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        self.files.pull(path)
    }

    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, ApiError> {
        self.files.list(path, pattern, itself)
    }

    pub fn make_dir(&mut self, path: &str, options: &FileOptions) -> Result<(), ApiError> {
        // Each parent made is an entry of its own: a path's worth each, at most.
        let depth = path.split('/').filter(|p| !p.is_empty()).count();
        self.charge((path.len() + 64) * depth.max(1), "a directory")?;
        self.files.make_dir(path, options)
    }

    pub fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), ApiError> {
        self.files.remove(path, recursive)
    }

    pub fn checks(&self, level: &CheckLevel, names: &[String]) -> Vec<CheckInfo> {
        self.checks.list(self.daemon.plan(), level, names)
    }

    pub fn checks_action(
        &mut self,
        action: ChecksAction,
        names: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.checks.act(self.daemon.plan(), action, names)
    }

    pub fn refresh_check(&mut self, name: &str) -> Result<CheckRun, ApiError> {
        self.checks.refresh(self.daemon.plan(), name)
    }

    pub fn health(&self, level: &CheckLevel, names: &[String]) -> Result<bool, ApiError> {
        self.checks.healthy(self.daemon.plan(), level, names)
    }

    /// A check's status, for checking an event against the state.
    pub fn check_status(&self, name: &str) -> Option<crate::backends::pebble::CheckStatus> {
        self.checks.status(self.daemon.plan(), name)
    }

    pub fn notice(&self, id: &str) -> Result<Notice, ApiError> {
        self.notices.get(id)
    }

    pub fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, ApiError> {
        self.notices.list(filter)
    }

    pub fn notify(
        &mut self,
        key: &CustomKey,
        data: &BTreeMap<String, String>,
        repeat_after_ms: Option<u64>,
    ) -> Result<String, ApiError> {
        let size: usize = data.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > crate::backends::pebble::notices::NOTICE_DATA {
            return Err(ApiError::bad_request(format!(
                "total size of data must be {} bytes or less",
                crate::backends::pebble::notices::NOTICE_DATA
            )));
        }
        // Pebble reads a repeat-after of 0 as none.
        self.charge(size + key.as_str().len() + 128, "a notice")?;
        let repeat_after = repeat_after_ms
            .filter(|ms| *ms > 0)
            .map(crate::backends::pebble::duration::format_ms);
        self.notices.add_custom(key, data, repeat_after)
    }

    pub fn identities(&self) -> BTreeMap<String, Identity> {
        self.identities.list()
    }

    pub fn replace_identities(
        &mut self,
        identities: &BTreeMap<IdentityName, Identity>,
    ) -> Result<(), ApiError> {
        let size = serde_json::to_vec(&identities.values().collect::<Vec<_>>())
            .map_or(0, |json| json.len());
        self.charge(size, "identities")?;
        self.identities.replace(identities)
    }

    pub fn remove_identities(&mut self, names: &[IdentityName]) -> Result<(), ApiError> {
        self.identities.remove(names)
    }

    /// As Pebble: every service named must be running, or none is signalled.
    pub fn send_signal(&mut self, signal: Signal, services: &[String]) -> Result<(), ApiError> {
        if services.is_empty() {
            return Err(ApiError::bad_request(
                "must specify one or more services".into(),
            ));
        }
        let running = self.daemon.services(services);
        for name in services {
            let active = running
                .iter()
                .any(|s| s.name == *name && s.current == Current::Active);
            if !active {
                return Err(ApiError {
                    status: 500,
                    kind: None,
                    message: format!("cannot send signal to {name:?}: service is not running"),
                });
            }
        }
        let size: usize = services.iter().map(|n| n.len() + 16).sum();
        self.charge(size, "a signal's record")?;
        for name in services {
            self.signal_history
                .push(format!("{} {name}", signal.as_str()));
        }
        Ok(())
    }

    pub fn exec(&mut self, request: &ExecRequest) -> Result<Output, ApiError> {
        let program = request
            .command
            .first()
            .ok_or_else(|| ApiError::bad_request("must specify command".into()))?;
        let canned = self
            .execs
            .iter()
            .filter(|e| request.command.starts_with(&e.command))
            .max_by_key(|e| e.command.len())
            .cloned();
        let size: usize = request.command.iter().map(|w| w.len() + 16).sum();
        self.charge(size, "an exec's record")?;
        self.exec_history.push(request.command.clone());
        match canned {
            Some(result) => Ok(Output {
                code: result.exit_code,
                stdout: result.stdout.into_bytes(),
                stderr: result.stderr.into_bytes(),
            }),
            None => Err(ApiError::bad_request(format!(
                "cannot find executable {program:?}"
            ))),
        }
    }
}

/// The simulated containers of one unit, shared with the caller that reads them back.
#[derive(Debug, Clone, Default)]
pub struct SimPebble(Arc<Mutex<BTreeMap<String, SimContainer>>>);

impl SimPebble {
    pub fn new(containers: BTreeMap<String, SimContainer>) -> Self {
        SimPebble(Arc::new(Mutex::new(containers)))
    }

    pub fn containers(&self) -> MutexGuard<'_, BTreeMap<String, SimContainer>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<T>(
        &self,
        container: &str,
        f: impl FnOnce(&mut SimContainer) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let mut containers = self.containers();
        match containers.get_mut(container) {
            Some(c) if c.can_connect => f(c),
            _ => Err(BackendError::Connection(format!(
                "cannot connect to the Pebble of container {container:?}"
            ))),
        }
    }
}

impl Pebble for SimPebble {
    fn can_connect(&mut self, container: &str) -> bool {
        self.containers()
            .get(container)
            .is_some_and(|c| c.can_connect)
    }

    fn add_layer(
        &mut self,
        container: &str,
        label: &str,
        layer: &Layer,
        combine: bool,
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.add_layer(label, layer, combine)?))
    }

    fn plan(&mut self, container: &str) -> Result<Layer, BackendError> {
        self.with(container, |c| Ok(c.daemon.plan().clone()))
    }

    fn services(
        &mut self,
        container: &str,
        names: &[String],
    ) -> Result<Vec<ServiceInfo>, BackendError> {
        self.with(container, |c| Ok(c.daemon.services(names)))
    }

    fn services_action(
        &mut self,
        container: &str,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), BackendError> {
        self.with(container, |c| c.services_action(action, names))
    }

    fn push(
        &mut self,
        container: &str,
        path: &str,
        content: Vec<u8>,
        options: &FileOptions,
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.push(path, &content, options)?))
    }

    fn pull(&mut self, container: &str, path: &str) -> Result<Vec<u8>, BackendError> {
        self.with(container, |c| Ok(c.pull(path)?))
    }

    fn list_files(
        &mut self,
        container: &str,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, BackendError> {
        self.with(container, |c| Ok(c.list_files(path, pattern, itself)?))
    }

    fn make_dir(
        &mut self,
        container: &str,
        path: &str,
        options: &FileOptions,
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.make_dir(path, options)?))
    }

    fn remove_path(
        &mut self,
        container: &str,
        path: &str,
        recursive: bool,
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.remove_path(path, recursive)?))
    }

    fn exec(&mut self, container: &str, request: ExecRequest) -> Result<Output, BackendError> {
        self.with(container, |c| Ok(c.exec(&request)?))
    }

    fn checks(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<Vec<CheckInfo>, BackendError> {
        self.with(container, |c| Ok(c.checks(level, names)))
    }

    fn checks_action(
        &mut self,
        container: &str,
        action: ChecksAction,
        names: &[String],
    ) -> Result<Vec<String>, BackendError> {
        self.with(container, |c| Ok(c.checks_action(action, names)?))
    }

    fn refresh_check(&mut self, container: &str, name: &str) -> Result<CheckRun, BackendError> {
        self.with(container, |c| Ok(c.refresh_check(name)?))
    }

    fn health(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<bool, BackendError> {
        self.with(container, |c| Ok(c.health(level, names)?))
    }

    fn notice(&mut self, container: &str, id: &str) -> Result<Notice, BackendError> {
        self.with(container, |c| Ok(c.notice(id)?))
    }

    fn notices(
        &mut self,
        container: &str,
        filter: &NoticeFilter,
    ) -> Result<Vec<Notice>, BackendError> {
        self.with(container, |c| Ok(c.notices(filter)?))
    }

    fn notify(
        &mut self,
        container: &str,
        key: &CustomKey,
        data: &BTreeMap<String, String>,
        repeat_after_ms: Option<u64>,
    ) -> Result<String, BackendError> {
        self.with(container, |c| Ok(c.notify(key, data, repeat_after_ms)?))
    }

    fn identities(&mut self, container: &str) -> Result<BTreeMap<String, Identity>, BackendError> {
        self.with(container, |c| Ok(c.identities()))
    }

    fn replace_identities(
        &mut self,
        container: &str,
        identities: &BTreeMap<IdentityName, Identity>,
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.replace_identities(identities)?))
    }

    fn remove_identities(
        &mut self,
        container: &str,
        names: &[IdentityName],
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.remove_identities(names)?))
    }

    fn send_signal(
        &mut self,
        container: &str,
        signal: Signal,
        services: &[String],
    ) -> Result<(), BackendError> {
        self.with(container, |c| Ok(c.send_signal(signal, services)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::pebble::FileType;

    fn container() -> SimContainer {
        SimContainer::from_model("c", &ContainerModel::default()).unwrap()
    }

    #[test]
    fn files_push_pull_list_remove() {
        let mut c = container();
        let opts = FileOptions {
            make_parents: true,
            ..FileOptions::default()
        };
        c.push("/etc/app/app.conf", b"x=1", &opts).unwrap();
        c.push("/etc/app/other.txt", b"y", &opts).unwrap();
        assert_eq!(c.pull("/etc/app/app.conf").unwrap(), b"x=1");
        let names: Vec<String> = c
            .list_files("/etc/app", None, false)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["app.conf", "other.txt"]);
        let names: Vec<String> = c
            .list_files("/etc/app", Some("*.conf"), false)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["app.conf"]);
        assert_eq!(
            c.list_files("/etc", None, false).unwrap()[0].kind,
            FileType::Directory
        );
        assert_eq!(c.list_files("/etc/app", None, true).unwrap().len(), 1);
        let err = c.remove_path("/etc/app", false).unwrap_err();
        assert_eq!(err.kind.as_deref(), Some("generic-file-error"));
        c.remove_path("/etc/app", true).unwrap();
        assert_eq!(c.pull("/etc/app/app.conf").unwrap_err().status, 404);
        assert_eq!(c.remove_path("/nowhere", false).unwrap_err().status, 404);
        c.remove_path("/nowhere", true).unwrap();
        assert_eq!(
            c.list_files("/nowhere", None, false).unwrap_err().status,
            404
        );
        assert_eq!(c.pull("relative").unwrap_err().status, 400);
    }

    #[test]
    fn exec_uses_the_longest_matching_prefix_and_refuses_the_unknown() {
        let mut c = SimContainer::from_model(
            "c",
            &ContainerModel {
                execs: vec![
                    ExecResult {
                        command: vec!["ls".into()],
                        stdout: "a".into(),
                        ..ExecResult::default()
                    },
                    ExecResult {
                        command: vec!["ls".into(), "-l".into()],
                        exit_code: 2,
                        ..ExecResult::default()
                    },
                ],
                ..ContainerModel::default()
            },
        )
        .unwrap();
        let run = |c: &mut SimContainer, cmd: &[&str]| {
            c.exec(&ExecRequest {
                command: cmd.iter().map(|s| s.to_string()).collect(),
                ..ExecRequest::default()
            })
        };
        assert_eq!(run(&mut c, &["ls", "/"]).unwrap().stdout, b"a");
        assert_eq!(run(&mut c, &["ls", "-l", "/"]).unwrap().code, 2);
        assert_eq!(
            run(&mut c, &["nope"]).unwrap_err().message,
            "cannot find executable \"nope\""
        );
        assert_eq!(c.exec_history.len(), 3);
    }

    #[test]
    fn an_unreachable_container_is_a_connection_error() {
        let model = ContainerModel {
            can_connect: false,
            ..ContainerModel::default()
        };
        let mut sim = SimPebble::new(
            [(
                "c".to_string(),
                SimContainer::from_model("c", &model).unwrap(),
            )]
            .into(),
        );
        assert!(!sim.can_connect("c"));
        assert!(matches!(sim.plan("c"), Err(BackendError::Connection(_))));
        assert!(matches!(
            sim.plan("other"),
            Err(BackendError::Connection(_))
        ));
    }

    #[test]
    fn a_failed_start_is_a_failed_change() {
        let yaml = "services:\n  s:\n    override: replace\n    command: x\n";
        let model = ContainerModel {
            layers: [("base".to_string(), Layer::parse("base", yaml).unwrap())]
                .into_iter()
                .collect(),
            crash_on_start: [("s".to_string(), 1)].into(),
            ..ContainerModel::default()
        };
        let mut c = SimContainer::from_model("c", &model).unwrap();
        let err = c
            .services_action(ServiceAction::Start, &["s".to_string()])
            .unwrap_err();
        assert!(
            err.to_string().contains("exited quickly with code 1"),
            "{err}"
        );
        let err = c
            .services_action(ServiceAction::Replan, &["s".to_string()])
            .unwrap_err();
        assert_eq!(err.to_string(), "replan accepts no service names");
    }
}
