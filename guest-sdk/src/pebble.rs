//! Workload containers, through their Pebble: layers, services, files and exec, as
//! `ops`' `Container` offers them.
//!
//! ```no_run
//! use wasmcharm_sdk::pebble::{self, Layer, Service, Startup};
//!
//! let web = pebble::container("web");
//! let layer = Layer::new().service(
//!     "web",
//!     Service::replace()
//!         .command("/usr/bin/web --port 8080")
//!         .startup(Startup::Enabled)
//!         .env("LOG_LEVEL", "info"),
//! );
//! web.add_layer("web", &layer, true)?;
//! web.replan()?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use crate::__bindings::juju::charm::pebble as host;
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

/// A health check; exactly one of `http`, `tcp` and `exec`.
pub use host::Check;
/// What an exec left behind: exit code, stdout and stderr.
pub use host::ExecOutput;
/// Where Pebble forwards service logs.
pub use host::LogTarget;
pub use host::{
    CheckLevel, ExecCheck, ExitAction, FileInfo, FileType, HttpCheck, LogTargetType, Override,
    ServiceInfo, ServiceStatus, Startup, TcpCheck,
};

/// A service in a layer, with every field of Pebble's schema. Build one with
/// [`Service::replace`] or [`Service::merge`] and the setters; compare with `==`.
///
/// ```
/// use wasmcharm_sdk::pebble::{Service, Startup};
/// let s = Service::replace().command("/pause").startup(Startup::Enabled).env("TIMEOUT", "30");
/// assert_eq!(s.environment["TIMEOUT"], "30");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub override_: Override,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub startup: Option<Startup>,
    pub command: Option<String>,
    pub after: Vec<String>,
    pub before: Vec<String>,
    pub requires: Vec<String>,
    pub environment: BTreeMap<String, String>,
    pub user_id: Option<u32>,
    pub user: Option<String>,
    pub group_id: Option<u32>,
    pub group: Option<String>,
    pub working_dir: Option<String>,
    pub on_success: Option<ExitAction>,
    pub on_failure: Option<ExitAction>,
    pub on_check_failure: BTreeMap<String, ExitAction>,
    pub backoff_delay: Option<Duration>,
    pub backoff_factor: Option<f64>,
    pub backoff_limit: Option<Duration>,
    pub kill_delay: Option<Duration>,
}

impl Service {
    fn new(override_: Override) -> Self {
        Service {
            override_,
            summary: None,
            description: None,
            startup: None,
            command: None,
            after: Vec::new(),
            before: Vec::new(),
            requires: Vec::new(),
            environment: BTreeMap::new(),
            user_id: None,
            user: None,
            group_id: None,
            group: None,
            working_dir: None,
            on_success: None,
            on_failure: None,
            on_check_failure: BTreeMap::new(),
            backoff_delay: None,
            backoff_factor: None,
            backoff_limit: None,
            kill_delay: None,
        }
    }

    /// An entry that replaces whatever lower layers say of the service.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().command("/pause");
    /// ```
    pub fn replace() -> Self {
        Self::new(Override::Replace)
    }

    /// An entry merged field by field into lower layers' (lists append, maps merge).
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::merge().env("TIMEOUT", "60");
    /// ```
    pub fn merge() -> Self {
        Self::new(Override::Merge)
    }

    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().summary("pause service");
    /// ```
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().description("does nothing, well");
    /// ```
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }

    /// ```
    /// use wasmcharm_sdk::pebble::{Service, Startup};
    /// let s = Service::replace().startup(Startup::Enabled);
    /// ```
    pub fn startup(mut self, startup: Startup) -> Self {
        self.startup = Some(startup);
        self
    }

    /// The command line: shell words, optionally ending in a `[ default args ]` group.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().command("nginx -g 'daemon off;'");
    /// ```
    pub fn command(mut self, command: &str) -> Self {
        self.command = Some(command.into());
        self
    }

    /// Sets one environment variable.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().env("TIMEOUT", "30");
    /// ```
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Start after these services (when they start together).
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().after(&["db"]);
    /// ```
    pub fn after(mut self, services: &[&str]) -> Self {
        self.after.extend(services.iter().map(|s| s.to_string()));
        self
    }

    /// Start before these services (when they start together).
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().before(&["web"]);
    /// ```
    pub fn before(mut self, services: &[&str]) -> Self {
        self.before.extend(services.iter().map(|s| s.to_string()));
        self
    }

    /// Starting this service starts these too; stopping them stops this.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().requires(&["db"]);
    /// ```
    pub fn requires(mut self, services: &[&str]) -> Self {
        self.requires.extend(services.iter().map(|s| s.to_string()));
        self
    }

    /// Run as this user.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().user("www-data");
    /// ```
    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Run as this group.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().group("www-data");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Run in this directory.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().working_dir("/srv");
    /// ```
    pub fn working_dir(mut self, dir: &str) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// What Pebble does when the service exits with 0, and otherwise.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{ExitAction, Service};
    /// let s = Service::replace().on_exit(ExitAction::Ignore, ExitAction::Restart);
    /// ```
    pub fn on_exit(mut self, success: ExitAction, failure: ExitAction) -> Self {
        self.on_success = Some(success);
        self.on_failure = Some(failure);
        self
    }

    /// What Pebble does with this service when a check fails.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{ExitAction, Service};
    /// let s = Service::replace().on_check_failure("alive", ExitAction::Restart);
    /// ```
    pub fn on_check_failure(mut self, check: &str, action: ExitAction) -> Self {
        self.on_check_failure.insert(check.into(), action);
        self
    }

    /// Backoff between restarts: first delay, growth factor, cap.
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = wasmcharm_sdk::pebble::Service::replace()
    ///     .backoff(Duration::from_millis(500), 2.0, Duration::from_secs(30));
    /// ```
    pub fn backoff(mut self, delay: Duration, factor: f64, limit: Duration) -> Self {
        self.backoff_delay = Some(delay);
        self.backoff_factor = Some(factor);
        self.backoff_limit = Some(limit);
        self
    }

    /// How long Pebble waits after SIGTERM before SIGKILL.
    ///
    /// ```
    /// let s = wasmcharm_sdk::pebble::Service::replace().kill_delay(std::time::Duration::from_secs(10));
    /// ```
    pub fn kill_delay(mut self, delay: Duration) -> Self {
        self.kill_delay = Some(delay);
        self
    }
}

fn ms(d: Option<Duration>) -> Option<u64> {
    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn pairs<V: Clone>(map: &BTreeMap<String, V>) -> Vec<(String, V)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl From<&Service> for host::Service {
    fn from(s: &Service) -> Self {
        host::Service {
            override_: s.override_,
            summary: s.summary.clone(),
            description: s.description.clone(),
            startup: s.startup,
            command: s.command.clone(),
            after: s.after.clone(),
            before: s.before.clone(),
            requires: s.requires.clone(),
            environment: pairs(&s.environment),
            user_id: s.user_id,
            user: s.user.clone(),
            group_id: s.group_id,
            group: s.group.clone(),
            working_dir: s.working_dir.clone(),
            on_success: s.on_success,
            on_failure: s.on_failure,
            on_check_failure: pairs(&s.on_check_failure),
            backoff_delay: ms(s.backoff_delay),
            backoff_factor: s.backoff_factor,
            backoff_limit: ms(s.backoff_limit),
            kill_delay: ms(s.kill_delay),
        }
    }
}

impl From<host::Service> for Service {
    fn from(s: host::Service) -> Self {
        let d = |ms: Option<u64>| ms.map(Duration::from_millis);
        Service {
            override_: s.override_,
            summary: s.summary,
            description: s.description,
            startup: s.startup,
            command: s.command,
            after: s.after,
            before: s.before,
            requires: s.requires,
            environment: s.environment.into_iter().collect(),
            user_id: s.user_id,
            user: s.user,
            group_id: s.group_id,
            group: s.group,
            working_dir: s.working_dir,
            on_success: s.on_success,
            on_failure: s.on_failure,
            on_check_failure: s.on_check_failure.into_iter().collect(),
            backoff_delay: d(s.backoff_delay),
            backoff_factor: s.backoff_factor,
            backoff_limit: d(s.backoff_limit),
            kill_delay: d(s.kill_delay),
        }
    }
}

/// A Pebble layer; also what [`Container::plan`] returns, all layers folded together.
///
/// ```
/// use wasmcharm_sdk::pebble::{Layer, Service};
/// let layer = Layer::new().summary("pause layer").service("pause", Service::replace().command("/pause"));
/// assert!(layer.services.contains_key("pause"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub summary: Option<String>,
    pub description: Option<String>,
    pub services: BTreeMap<String, Service>,
    pub checks: BTreeMap<String, Check>,
    pub log_targets: BTreeMap<String, LogTarget>,
}

impl Layer {
    /// An empty layer.
    ///
    /// ```
    /// let layer = wasmcharm_sdk::pebble::Layer::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// ```
    /// let layer = wasmcharm_sdk::pebble::Layer::new().summary("pause layer");
    /// ```
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// ```
    /// let layer = wasmcharm_sdk::pebble::Layer::new().description("pebble config layer");
    /// ```
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds (or replaces) a service entry.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{Layer, Service};
    /// let layer = Layer::new().service("pause", Service::replace().command("/pause"));
    /// ```
    pub fn service(mut self, name: &str, service: Service) -> Self {
        self.services.insert(name.into(), service);
        self
    }

    /// Adds (or replaces) a check.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{Check, Layer, Override, TcpCheck};
    /// let layer = Layer::new().check("up", Check {
    ///     override_: Override::Replace, level: None, startup: None, period: None,
    ///     timeout: None, threshold: None, http: None,
    ///     tcp: Some(TcpCheck { port: 8080, host: None }), exec: None,
    /// });
    /// ```
    pub fn check(mut self, name: &str, check: Check) -> Self {
        self.checks.insert(name.into(), check);
        self
    }

    /// Adds (or replaces) a log target.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{Layer, LogTarget, LogTargetType, Override};
    /// let layer = Layer::new().log_target("loki", LogTarget {
    ///     override_: Override::Replace, type_: Some(LogTargetType::Loki),
    ///     location: Some("http://loki:3100/loki/api/v1/push".into()),
    ///     services: vec!["all".into()], labels: vec![],
    /// });
    /// ```
    pub fn log_target(mut self, name: &str, target: LogTarget) -> Self {
        self.log_targets.insert(name.into(), target);
        self
    }
}

impl From<&Layer> for host::Layer {
    fn from(l: &Layer) -> Self {
        host::Layer {
            summary: l.summary.clone(),
            description: l.description.clone(),
            services: l
                .services
                .iter()
                .map(|(n, s)| (n.clone(), s.into()))
                .collect(),
            checks: pairs(&l.checks),
            log_targets: pairs(&l.log_targets),
        }
    }
}

impl From<host::Layer> for Layer {
    fn from(l: host::Layer) -> Self {
        Layer {
            summary: l.summary,
            description: l.description,
            services: l.services.into_iter().map(|(n, s)| (n, s.into())).collect(),
            checks: l.checks.into_iter().collect(),
            log_targets: l.log_targets.into_iter().collect(),
        }
    }
}

/// Ownership and mode for files and directories created in a container.
///
/// ```
/// let opts = wasmcharm_sdk::pebble::FileOptions::new().make_parents().permissions(0o600).user("app");
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileOptions(host::FileOptions);

// The type is generated from the WIT, so it cannot carry the derive itself.
#[allow(clippy::derivable_impls)]
impl Default for host::FileOptions {
    fn default() -> Self {
        host::FileOptions {
            make_parents: false,
            permissions: None,
            user_id: None,
            user: None,
            group_id: None,
            group: None,
        }
    }
}

impl FileOptions {
    /// Root-owned, 0o644 files and 0o755 directories, parents not created.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Create missing parent directories.
    ///
    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().make_parents();
    /// ```
    pub fn make_parents(mut self) -> Self {
        self.0.make_parents = true;
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().permissions(0o600);
    /// ```
    pub fn permissions(mut self, mode: u32) -> Self {
        self.0.permissions = Some(mode);
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().user("app");
    /// ```
    pub fn user(mut self, user: &str) -> Self {
        self.0.user = Some(user.into());
        self
    }

    /// ```
    /// let opts = wasmcharm_sdk::pebble::FileOptions::new().group("app");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.0.group = Some(group.into());
        self
    }
}

/// A workload container, by the name the charm's metadata gives it.
///
/// ```no_run
/// let c = wasmcharm_sdk::pebble::container("pause");
/// if c.can_connect() { c.replan()?; }
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    name: String,
}

/// The container of this name.
///
/// ```no_run
/// let c = wasmcharm_sdk::pebble::container("pause");
/// ```
pub fn container(name: &str) -> Container {
    Container { name: name.into() }
}

fn names(services: &[&str]) -> Vec<String> {
    services.iter().map(|s| s.to_string()).collect()
}

impl Container {
    /// ```
    /// assert_eq!(wasmcharm_sdk::pebble::container("pause").name(), "pause");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether Pebble answers in this container now.
    ///
    /// ```no_run
    /// let up = wasmcharm_sdk::pebble::container("pause").can_connect();
    /// ```
    pub fn can_connect(&self) -> bool {
        host::can_connect(&self.name)
    }

    /// Adds a layer; with `combine`, folds it into the layer of the same label.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, Layer, Service};
    /// let layer = Layer::new().service("pause", Service::replace().command("/pause"));
    /// pebble::container("pause").add_layer("pause", &layer, true)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        call(host::add_layer(&self.name, label, &layer.into(), combine))
    }

    /// Every layer folded together.
    ///
    /// ```no_run
    /// let plan = wasmcharm_sdk::pebble::container("pause").plan()?;
    /// let pause = plan.services.get("pause");
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn plan(&self) -> Result<Layer> {
        call(host::get_plan(&self.name)).map(Layer::from)
    }

    /// The named services (all when `names` is empty).
    ///
    /// ```no_run
    /// let all = wasmcharm_sdk::pebble::container("pause").services(&[])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn services(&self, names_: &[&str]) -> Result<Vec<ServiceInfo>> {
        call(host::get_services(&self.name, &names(names_)))
    }

    /// One service; a not-found error if the plan has no such service.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, ServiceStatus};
    /// let running = pebble::container("pause").service("pause")?.current == ServiceStatus::Active;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn service(&self, name: &str) -> Result<ServiceInfo> {
        self.services(&[name])?.into_iter().next().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("container {:?} has no service {name:?}", self.name),
            )
        })
    }

    /// Starts the services (and what they require), waiting until Pebble is done.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").start(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn start(&self, services: &[&str]) -> Result<()> {
        call(host::start(&self.name, &names(services)))
    }

    /// Stops the services (and what requires them).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").stop(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn stop(&self, services: &[&str]) -> Result<()> {
        call(host::stop(&self.name, &names(services)))
    }

    /// Stops then starts the services, picking up their current definitions.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").restart(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn restart(&self, services: &[&str]) -> Result<()> {
        call(host::restart(&self.name, &names(services)))
    }

    /// Restarts services whose definition changed and starts the enabled ones.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").replan()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn replan(&self) -> Result<()> {
        call(host::replan(&self.name))
    }

    /// Starts the `startup: enabled` services.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").autostart()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn autostart(&self) -> Result<()> {
        call(host::autostart(&self.name))
    }

    /// Writes a file atomically (0o644, root).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").push("/etc/web.conf", "port: 8080\n")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn push(&self, path: &str, content: impl AsRef<[u8]>) -> Result<()> {
        self.push_with(path, content, FileOptions::new())
    }

    /// Writes a file atomically with these options.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, FileOptions};
    /// pebble::container("web").push_with("/etc/web/key", "s3cret", FileOptions::new().make_parents().permissions(0o600))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn push_with(
        &self,
        path: &str,
        content: impl AsRef<[u8]>,
        options: FileOptions,
    ) -> Result<()> {
        call(host::push(&self.name, path, content.as_ref(), &options.0))
    }

    /// A file's bytes.
    ///
    /// ```no_run
    /// let conf = wasmcharm_sdk::pebble::container("web").pull("/etc/web.conf")?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn pull(&self, path: &str) -> Result<Vec<u8>> {
        call(host::pull(&self.name, path))
    }

    /// A directory's entries (or a file's own).
    ///
    /// ```no_run
    /// let entries = wasmcharm_sdk::pebble::container("web").list_files("/etc", Some("*.conf"))?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn list_files(&self, path: &str, pattern: Option<&str>) -> Result<Vec<FileInfo>> {
        call(host::list_files(&self.name, path, pattern, false))
    }

    /// Creates a directory.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, FileOptions};
    /// pebble::container("web").make_dir("/srv/data", FileOptions::new().make_parents())?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn make_dir(&self, path: &str, options: FileOptions) -> Result<()> {
        call(host::make_dir(&self.name, path, &options.0))
    }

    /// Removes a file, or a directory (with everything in it when `recursive`).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").remove_path("/tmp/cache", true)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        call(host::remove_path(&self.name, path, recursive))
    }

    /// A command to run in the container.
    ///
    /// ```no_run
    /// let out = wasmcharm_sdk::pebble::container("web").exec(&["web", "--version"]).run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn exec(&self, command: &[&str]) -> Exec {
        Exec {
            container: self.name.clone(),
            command: host::ExecCommand {
                command: names(command),
                environment: Vec::new(),
                working_dir: None,
                service_context: None,
                user_id: None,
                user: None,
                group_id: None,
                group: None,
                stdin: None,
                timeout: None,
            },
        }
    }
}

/// A command to run in a container, built like [`crate::Command`].
#[derive(Debug, Clone)]
pub struct Exec {
    container: String,
    command: host::ExecCommand,
}

impl Exec {
    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["env"]).env("A", "1");
    /// ```
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.environment.push((key.into(), value.into()));
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["ls"]).working_dir("/srv");
    /// ```
    pub fn working_dir(mut self, dir: &str) -> Self {
        self.command.working_dir = Some(dir.into());
        self
    }

    /// Runs with the environment, user and working directory of this service.
    ///
    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["web", "reload"]).service_context("web");
    /// ```
    pub fn service_context(mut self, service: &str) -> Self {
        self.command.service_context = Some(service.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["id"]).user("app");
    /// ```
    pub fn user(mut self, user: &str) -> Self {
        self.command.user = Some(user.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["id"]).group("app");
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.command.group = Some(group.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["cat"]).stdin("hello");
    /// ```
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.command.stdin = Some(input.into());
        self
    }

    /// ```no_run
    /// let e = wasmcharm_sdk::pebble::container("web").exec(&["sleep", "9"]).timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.command.timeout = ms(Some(timeout));
        self
    }

    /// Runs to completion; a non-zero exit is an output.
    ///
    /// ```no_run
    /// let out = wasmcharm_sdk::pebble::container("web").exec(&["test", "-f", "/ready"]).output()?;
    /// let ready = out.exit_code == 0;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn output(&self) -> Result<ExecOutput> {
        call(host::exec(&self.container, &self.command))
    }

    /// Runs to completion; a non-zero exit is a failed-command error.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("web").exec(&["web", "migrate"]).run()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn run(&self) -> Result<ExecOutput> {
        let out = self.output()?;
        if out.exit_code == 0 {
            return Ok(out);
        }
        Err(Error::command_failed(
            &format!(
                "`{}` in container {:?}",
                self.command.command.join(" "),
                self.container
            ),
            out.exit_code,
            &out.stderr,
        ))
    }
}
