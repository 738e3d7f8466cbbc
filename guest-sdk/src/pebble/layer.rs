//! Layers and services: Pebble's schema, built with setters, converted to the host's.

use std::collections::BTreeMap;
use std::time::Duration;

use super::host;
use super::{Check, ExitAction, LogTarget, Override, Startup};

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
    /// `replace` or `merge` with what lower layers say.
    pub override_: Override,
    /// One line on what the service is.
    pub summary: Option<String>,
    /// More on what the service is.
    pub description: Option<String>,
    /// `enabled` services start on `replan` and `autostart`.
    pub startup: Option<Startup>,
    /// The command line, shell-like words, optionally ending in `[ default args ]`.
    pub command: Option<String>,
    /// Services this one starts after (when both start).
    pub after: Vec<String>,
    /// Services this one starts before (when both start).
    pub before: Vec<String>,
    /// Services started with this one, and stopped with them.
    pub requires: Vec<String>,
    /// Variables set for the service.
    pub environment: BTreeMap<String, String>,
    /// The user it runs as, by id.
    pub user_id: Option<u32>,
    /// The user it runs as, by name.
    pub user: Option<String>,
    /// The group it runs as, by id.
    pub group_id: Option<u32>,
    /// The group it runs as, by name.
    pub group: Option<String>,
    /// The directory it starts in.
    pub working_dir: Option<String>,
    /// What Pebble does when it exits 0.
    pub on_success: Option<ExitAction>,
    /// What Pebble does when it exits non-zero.
    pub on_failure: Option<ExitAction>,
    /// What Pebble does when a check fails, by check.
    pub on_check_failure: BTreeMap<String, ExitAction>,
    /// The first wait before a restart.
    pub backoff_delay: Option<Duration>,
    /// How much each wait grows.
    pub backoff_factor: Option<f64>,
    /// The longest wait before a restart.
    pub backoff_limit: Option<Duration>,
    /// How long Pebble waits after SIGTERM before SIGKILL.
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

pub(super) fn ms(d: Option<Duration>) -> Option<u64> {
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

/// A Pebble layer; also what [`Container::plan`](super::Container::plan) returns, all layers folded together.
///
/// ```
/// use wasmcharm_sdk::pebble::{Layer, Service};
/// let layer = Layer::new().summary("pause layer").service("pause", Service::replace().command("/pause"));
/// assert!(layer.services.contains_key("pause"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    /// One line on what the layer is.
    pub summary: Option<String>,
    /// More on what the layer is.
    pub description: Option<String>,
    /// The services, by name.
    pub services: BTreeMap<String, Service>,
    /// The checks, by name.
    pub checks: BTreeMap<String, Check>,
    /// The log targets, by name.
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
    /// use wasmcharm_sdk::pebble::{Check, CheckLevel, Layer};
    /// let layer = Layer::new().check("up", Check::tcp(8080).level(CheckLevel::Ready));
    /// ```
    pub fn check(mut self, name: &str, check: Check) -> Self {
        self.checks.insert(name.into(), check);
        self
    }

    /// Adds (or replaces) a log target.
    ///
    /// ```
    /// use wasmcharm_sdk::pebble::{Layer, LogTarget};
    /// let layer = Layer::new()
    ///     .log_target("loki", LogTarget::loki("http://loki:3100/loki/api/v1/push").services(&["all"]));
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
            checks: l
                .checks
                .iter()
                .map(|(n, c)| (n.clone(), c.into()))
                .collect(),
            log_targets: l
                .log_targets
                .iter()
                .map(|(n, t)| (n.clone(), t.into()))
                .collect(),
        }
    }
}

impl From<host::Layer> for Layer {
    fn from(l: host::Layer) -> Self {
        Layer {
            summary: l.summary,
            description: l.description,
            services: l.services.into_iter().map(|(n, s)| (n, s.into())).collect(),
            checks: l.checks.into_iter().map(|(n, c)| (n, c.into())).collect(),
            log_targets: l
                .log_targets
                .into_iter()
                .map(|(n, t)| (n, t.into()))
                .collect(),
        }
    }
}
