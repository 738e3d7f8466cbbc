//! Health checks and log targets in a layer, built with setters (durations as
//! [`Duration`]), converted to the host's records.

use std::collections::BTreeMap;
use std::time::Duration;

use super::host;
use super::layer::ms;
use super::{CheckLevel, ExecCheck, HttpCheck, LogTargetType, Override, Startup, TcpCheck};

/// A health check, with every field of Pebble's schema: exactly one of `http`, `tcp`
/// and `exec`. Build one with [`Check::tcp`], [`Check::http`] or [`Check::exec`] and
/// the setters; compare with `==`.
///
/// ```
/// use std::time::Duration;
/// use wasmcharm_sdk::pebble::{Check, CheckLevel};
/// let up = Check::tcp(6379).level(CheckLevel::Ready).period(Duration::from_secs(10)).threshold(3);
/// assert_eq!(up.tcp.unwrap().port, 6379);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `replace` (the default) or `merge` with what lower layers say.
    pub override_: Override,
    /// `alive` or `ready`: which health query the check counts towards.
    pub level: Option<CheckLevel>,
    /// `enabled` (runs from the start) or `disabled` (runs once started).
    pub startup: Option<Startup>,
    /// How often it runs.
    pub period: Option<Duration>,
    /// How long one run may take.
    pub timeout: Option<Duration>,
    /// Failures in a row that make it down.
    pub threshold: Option<u32>,
    /// A check that a URL answers 2xx.
    pub http: Option<HttpCheck>,
    /// A check that a TCP port accepts connections.
    pub tcp: Option<TcpCheck>,
    /// A check that a command exits 0.
    pub exec: Option<ExecCheck>,
}

impl Check {
    fn new() -> Self {
        Check {
            override_: Override::Replace,
            level: None,
            startup: None,
            period: None,
            timeout: None,
            threshold: None,
            http: None,
            tcp: None,
            exec: None,
        }
    }

    /// A check that a TCP port on localhost accepts connections.
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::tcp(8080);
    /// ```
    pub fn tcp(port: u16) -> Self {
        Check {
            tcp: Some(TcpCheck { port, host: None }),
            ..Check::new()
        }
    }

    /// A check that a URL answers with a 2xx status.
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::http("http://localhost:8080/health");
    /// ```
    pub fn http(url: &str) -> Self {
        Check {
            http: Some(HttpCheck {
                url: url.into(),
                headers: Vec::new(),
            }),
            ..Check::new()
        }
    }

    /// A check that a command exits 0.
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::exec("pg_isready");
    /// ```
    pub fn exec(command: &str) -> Self {
        Check {
            exec: Some(ExecCheck {
                command: command.into(),
                service_context: None,
                environment: Vec::new(),
                user_id: None,
                user: None,
                group_id: None,
                group: None,
                working_dir: None,
            }),
            ..Check::new()
        }
    }

    /// Merge this entry field by field into what lower layers say (the default is to
    /// replace it).
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::tcp(8080).merged();
    /// ```
    pub fn merged(mut self) -> Self {
        self.override_ = Override::Merge;
        self
    }

    /// ```
    /// use wasmcharm_sdk::pebble::{Check, CheckLevel};
    /// let c = Check::tcp(8080).level(CheckLevel::Alive);
    /// ```
    pub fn level(mut self, level: CheckLevel) -> Self {
        self.level = Some(level);
        self
    }

    /// ```
    /// use wasmcharm_sdk::pebble::{Check, Startup};
    /// let c = Check::tcp(8080).startup(Startup::Disabled);
    /// ```
    pub fn startup(mut self, startup: Startup) -> Self {
        self.startup = Some(startup);
        self
    }

    /// How often it runs (Pebble's default: 10 s).
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::tcp(8080).period(std::time::Duration::from_secs(5));
    /// ```
    pub fn period(mut self, period: Duration) -> Self {
        self.period = Some(period);
        self
    }

    /// How long one run may take (Pebble's default: 3 s).
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::tcp(8080).timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many failures in a row make it down (Pebble's default: 3).
    ///
    /// ```
    /// let c = wasmcharm_sdk::pebble::Check::tcp(8080).threshold(5);
    /// ```
    pub fn threshold(mut self, failures: u32) -> Self {
        self.threshold = Some(failures);
        self
    }
}

impl From<&Check> for host::Check {
    fn from(c: &Check) -> Self {
        host::Check {
            override_: c.override_,
            level: c.level,
            startup: c.startup,
            period: ms(c.period),
            timeout: ms(c.timeout),
            threshold: c.threshold,
            http: c.http.clone(),
            tcp: c.tcp.clone(),
            exec: c.exec.clone(),
        }
    }
}

impl From<host::Check> for Check {
    fn from(c: host::Check) -> Self {
        Check {
            override_: c.override_,
            level: c.level,
            startup: c.startup,
            period: c.period.map(Duration::from_millis),
            timeout: c.timeout.map(Duration::from_millis),
            threshold: c.threshold,
            http: c.http,
            tcp: c.tcp,
            exec: c.exec,
        }
    }
}

/// Where Pebble sends services' logs. Build one with [`LogTarget::loki`],
/// [`LogTarget::syslog`] or [`LogTarget::opentelemetry`] and the setters.
///
/// ```
/// use wasmcharm_sdk::pebble::LogTarget;
/// let loki = LogTarget::loki("http://loki:3100/loki/api/v1/push").services(&["all"]).label("app", "web");
/// assert_eq!(loki.labels["app"], "web");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    /// `replace` (the default) or `merge` with what lower layers say.
    pub override_: Override,
    /// `loki`, `syslog` or `opentelemetry`.
    pub type_: Option<LogTargetType>,
    /// Where logs are sent.
    pub location: Option<String>,
    /// Service names; `all`, and `-name` to exclude.
    pub services: Vec<String>,
    /// Labels sent with each log line.
    pub labels: BTreeMap<String, String>,
}

impl LogTarget {
    fn new(kind: LogTargetType, location: &str) -> Self {
        LogTarget {
            override_: Override::Replace,
            type_: Some(kind),
            location: Some(location.into()),
            services: Vec::new(),
            labels: BTreeMap::new(),
        }
    }

    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::loki("http://loki:3100/loki/api/v1/push");
    /// ```
    pub fn loki(location: &str) -> Self {
        Self::new(LogTargetType::Loki, location)
    }

    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::syslog("udp://syslog:514");
    /// ```
    pub fn syslog(location: &str) -> Self {
        Self::new(LogTargetType::Syslog, location)
    }

    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::opentelemetry("http://otel:4318");
    /// ```
    pub fn opentelemetry(location: &str) -> Self {
        Self::new(LogTargetType::Opentelemetry, location)
    }

    /// Merge this entry field by field into what lower layers say.
    ///
    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::loki("http://loki").merged();
    /// ```
    pub fn merged(mut self) -> Self {
        self.override_ = Override::Merge;
        self
    }

    /// The services whose logs it takes: `all`, and `-name` to leave one out.
    ///
    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::loki("http://loki").services(&["all", "-noisy"]);
    /// ```
    pub fn services(mut self, services: &[&str]) -> Self {
        self.services.extend(services.iter().map(|s| s.to_string()));
        self
    }

    /// ```
    /// let t = wasmcharm_sdk::pebble::LogTarget::loki("http://loki").label("unit", "web/0");
    /// ```
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
}

impl From<&LogTarget> for host::LogTarget {
    fn from(t: &LogTarget) -> Self {
        host::LogTarget {
            override_: t.override_,
            type_: t.type_,
            location: t.location.clone(),
            services: t.services.clone(),
            labels: t
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

impl From<host::LogTarget> for LogTarget {
    fn from(t: host::LogTarget) -> Self {
        LogTarget {
            override_: t.override_,
            type_: t.type_,
            location: t.location,
            services: t.services,
            labels: t.labels.into_iter().collect(),
        }
    }
}
