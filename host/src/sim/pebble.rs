//! Simulated workload containers for `wasmcharm run`: each a [`Daemon`] with Pebble's
//! plan and service semantics, an in-memory filesystem, and canned results for exec.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::backends::error::BackendError;
use crate::backends::pebble::daemon::{Current, Daemon, ServiceInfo};
use crate::backends::pebble::layer::Layer;
use crate::backends::pebble::{
    ApiError, ExecRequest, FileInfo, FileOptions, FileType, Pebble, ServiceAction,
};
use crate::backends::process::Output;

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
    /// File contents by absolute path.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub directories: BTreeSet<String>,
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
            directories: BTreeSet::new(),
            execs: Vec::new(),
            hold_changes: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SimFile {
    content: Vec<u8>,
    permissions: u32,
}

/// One simulated container.
#[derive(Debug, Clone)]
pub struct SimContainer {
    pub can_connect: bool,
    pub daemon: Daemon,
    files: BTreeMap<String, SimFile>,
    directories: BTreeSet<String>,
    execs: Vec<ExecResult>,
    /// Every command exec'd, in order.
    pub exec_history: Vec<Vec<String>>,
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
        Ok(SimContainer {
            can_connect: model.can_connect,
            daemon,
            files: model
                .files
                .iter()
                .map(|(path, content)| {
                    (
                        path.clone(),
                        SimFile {
                            content: content.clone().into_bytes(),
                            permissions: 0o644,
                        },
                    )
                })
                .collect(),
            directories: model.directories.clone(),
            execs: model.execs.clone(),
            exec_history: Vec::new(),
            hold_changes: model.hold_changes,
        })
    }

    /// The container as a state file describes it.
    pub fn to_model(&self, crash_on_start: &BTreeMap<String, i32>) -> ContainerModel {
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
            files: self
                .files
                .iter()
                .map(|(p, f)| (p.clone(), String::from_utf8_lossy(&f.content).into_owned()))
                .collect(),
            directories: self.directories.clone(),
            execs: self.execs.clone(),
            hold_changes: self.hold_changes,
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        path == "/"
            || self.directories.contains(path)
            || self
                .files
                .keys()
                .chain(&self.directories)
                .any(|p| is_under(p, path))
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), ApiError> {
        self.daemon.add_layer(label, layer, combine)
    }

    fn services_action(
        &mut self,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), BackendError> {
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
        absolute(path)?;
        if self.is_dir(path) {
            return Err(file_error(format!("open {path}: is a directory")));
        }
        if options.make_parents {
            let mut parent = std::path::Path::new(path).parent();
            while let Some(p) = parent.filter(|p| p.as_os_str() != "/") {
                self.directories.insert(p.to_string_lossy().into_owned());
                parent = p.parent();
            }
        }
        self.files.insert(
            path.to_string(),
            SimFile {
                content: content.to_vec(),
                permissions: options.permissions.unwrap_or(0o644),
            },
        );
        Ok(())
    }

    pub fn pull(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        absolute(path)?;
        match self.files.get(path) {
            Some(f) => Ok(f.content.clone()),
            // In the real daemon's words (v1.32.1, tests/real_pebble.rs).
            None if self.is_dir(path) => Err(file_error(format!(
                "can only read a regular file: {path:?}"
            ))),
            None => Err(ApiError::not_found(format!(
                "stat {path}: no such file or directory"
            ))),
        }
    }

    fn info(&self, path: &str) -> FileInfo {
        let name = std::path::Path::new(path)
            .file_name()
            .map_or("/".to_string(), |n| n.to_string_lossy().into_owned());
        let file = self.files.get(path);
        FileInfo {
            path: path.to_string(),
            name,
            kind: if file.is_some() {
                FileType::File
            } else {
                FileType::Directory
            },
            size: file.map(|f| f.content.len() as u64),
            permissions: file.map_or(0o755, |f| f.permissions),
            last_modified: "2026-01-01T00:00:00Z".into(),
            user_id: Some(0),
            user: Some("root".into()),
            group_id: Some(0),
            group: Some("root".into()),
        }
    }

    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, ApiError> {
        absolute(path)?;
        if self.files.contains_key(path) || (itself && self.is_dir(path)) {
            return Ok(vec![self.info(path)]);
        }
        if !self.is_dir(path) {
            return Err(ApiError::not_found(format!(
                "stat {path}: no such file or directory"
            )));
        }
        let children: BTreeSet<String> = self
            .files
            .keys()
            .chain(&self.directories)
            .filter(|p| is_under(p, path))
            .map(|p| {
                let rest = p[path.trim_end_matches('/').len() + 1..].to_string();
                let first = rest.split('/').next().unwrap_or_default().to_string();
                format!("{}/{first}", path.trim_end_matches('/'))
            })
            .collect();
        Ok(children
            .into_iter()
            .map(|p| self.info(&p))
            .filter(|info| pattern.is_none_or(|pat| glob(pat, &info.name)))
            .collect())
    }

    pub fn make_dir(&mut self, path: &str, options: &FileOptions) -> Result<(), ApiError> {
        absolute(path)?;
        if self.files.contains_key(path) {
            return Err(file_error(format!("mkdir {path}: file exists")));
        }
        if options.make_parents {
            let mut p = Some(std::path::Path::new(path));
            while let Some(dir) = p.filter(|d| d.as_os_str() != "/") {
                self.directories.insert(dir.to_string_lossy().into_owned());
                p = dir.parent();
            }
        } else {
            self.directories.insert(path.to_string());
        }
        Ok(())
    }

    pub fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), ApiError> {
        absolute(path)?;
        if self.files.remove(path).is_some() {
            return Ok(());
        }
        let exists = self.is_dir(path);
        if !exists {
            // Pebble removes a missing path recursively without complaint.
            return if recursive {
                Ok(())
            } else {
                Err(ApiError::not_found(format!(
                    "remove {path}: no such file or directory"
                )))
            };
        }
        let has_children = self
            .files
            .keys()
            .chain(&self.directories)
            .any(|p| is_under(p, path));
        if has_children && !recursive {
            return Err(file_error(format!("remove {path}: directory not empty")));
        }
        self.files.retain(|p, _| !is_under(p, path));
        self.directories.retain(|p| !is_under(p, path) && p != path);
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

fn is_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path.len() > dir.len() + 1 && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

fn absolute(path: &str) -> Result<(), ApiError> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "paths must be absolute, got {path:?}"
        )))
    }
}

fn file_error(message: String) -> ApiError {
    ApiError {
        status: 500,
        kind: Some("generic-file-error".into()),
        message,
    }
}

/// Shell-style glob on one name: `*` and `?`.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
