//! Pebble's layer schema and the rules for folding layers into a plan, as Pebble v1.19
//! applies them: field-wise `override: merge` (lists append without de-duplication, maps
//! merge key by key, a merge never unsets anything) and wholesale `override: replace`.
//! Validation messages are Pebble's own, because charms and their tests match on them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ApiError;
use super::duration::GoDuration;

/// A field Pebble reads as one of a few words. A word it does not know is kept as
/// written (`Unknown`), so that a layer reads back as it was and validation refuses it
/// with Pebble's own message; `Unset` is the field not given, which a lower layer's
/// word outlives in a merge.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            #[default]
            Unset,
            $($variant,)+
            Unknown(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    Self::Unset => "",
                    $(Self::$variant => $word,)+
                    Self::Unknown(word) => word,
                }
            }

            pub fn is_unset(&self) -> bool {
                *self == Self::Unset
            }

        }

        impl From<&str> for $name {
            fn from(word: &str) -> Self {
                match word {
                    "" => Self::Unset,
                    $($word => Self::$variant,)+
                    other => Self::Unknown(other.into()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// A null (`startup:` with nothing after it) is the field not given, as
            /// Pebble's YAML reads it.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Option::<String>::deserialize(deserializer)
                    .map(|word| word.map_or(Self::Unset, |w| Self::from(w.as_str())))
            }
        }
    };
}

words!(
    /// `startup:` of a service or check. Pebble starts only `enabled` services on
    /// `autostart` and `replan`; it accepts any other word for a service.
    Startup { Enabled = "enabled", Disabled = "disabled" }
);

words!(
    /// `override:` of an entry: how it combines with what lower layers built.
    Override { Merge = "merge", Replace = "replace" }
);

words!(
    /// `on-success:`, `on-failure:` and each `on-check-failure:` value: what Pebble does
    /// when a service exits or a check fails.
    ExitAction {
        Restart = "restart",
        Shutdown = "shutdown",
        Ignore = "ignore",
        SuccessShutdown = "success-shutdown",
        FailureShutdown = "failure-shutdown",
    }
);

words!(
    /// `level:` of a check.
    CheckLevel { Alive = "alive", Ready = "ready" }
);

/// One service entry of a layer (or of the plan, once folded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Service {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Startup::is_unset")]
    pub startup: Startup,
    #[serde(
        default,
        rename = "override",
        skip_serializing_if = "Override::is_unset"
    )]
    pub override_: Override,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Pebble v1.26+; kept so that newer plans read back.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workload: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(default, skip_serializing_if = "ExitAction::is_unset")]
    pub on_success: ExitAction,
    #[serde(default, skip_serializing_if = "ExitAction::is_unset")]
    pub on_failure: ExitAction,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, ExitAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_delay: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_delay: Option<GoDuration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpCheck {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TcpCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExecCheck {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_context: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Check {
    #[serde(
        default,
        rename = "override",
        skip_serializing_if = "Override::is_unset"
    )]
    pub override_: Override,
    #[serde(default, skip_serializing_if = "CheckLevel::is_unset")]
    pub level: CheckLevel,
    #[serde(default, skip_serializing_if = "Startup::is_unset")]
    pub startup: Startup,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LogTarget {
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(
        default,
        rename = "override",
        skip_serializing_if = "Override::is_unset"
    )]
    pub override_: Override,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A layer: what a charm adds, and (folded) what Pebble runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
}

/// Whether an entry's override is one Pebble folds by: `Ok(true)` to merge, `Ok(false)`
/// to replace.
fn merges(label: &str, what: &str, name: &str, value: &Override) -> Result<bool, ApiError> {
    match value {
        Override::Merge => Ok(true),
        Override::Replace => Ok(false),
        Override::Unset => Err(ApiError::bad_request(format!(
            "layer {label:?} must define \"override\" for {what} {name:?}"
        ))),
        Override::Unknown(_) => Err(ApiError::bad_request(format!(
            "layer {label:?} has invalid \"override\" value for {what} {name:?}"
        ))),
    }
}

/// `from`, if it is given (not empty, `None` or an unset word): a merge never unsets a
/// field.
fn set_given<T: Clone + Default + PartialEq>(into: &mut T, from: &T) {
    if *from != T::default() {
        into.clone_from(from);
    }
}

impl Service {
    /// `override: merge`: copy what `other` sets; lists append, maps merge.
    fn merge(&mut self, other: &Service) {
        set_given(&mut self.summary, &other.summary);
        set_given(&mut self.description, &other.description);
        set_given(&mut self.startup, &other.startup);
        set_given(&mut self.command, &other.command);
        self.after.extend(other.after.iter().cloned());
        self.before.extend(other.before.iter().cloned());
        self.requires.extend(other.requires.iter().cloned());
        set_given(&mut self.workload, &other.workload);
        self.environment.extend(other.environment.clone());
        set_given(&mut self.user_id, &other.user_id);
        set_given(&mut self.user, &other.user);
        set_given(&mut self.group_id, &other.group_id);
        set_given(&mut self.group, &other.group);
        set_given(&mut self.working_dir, &other.working_dir);
        set_given(&mut self.on_success, &other.on_success);
        set_given(&mut self.on_failure, &other.on_failure);
        self.on_check_failure.extend(other.on_check_failure.clone());
        set_given(&mut self.backoff_delay, &other.backoff_delay);
        set_given(&mut self.backoff_factor, &other.backoff_factor);
        set_given(&mut self.backoff_limit, &other.backoff_limit);
        set_given(&mut self.kill_delay, &other.kill_delay);
    }

    /// Whether the plan starts this service on `autostart` and `replan`.
    pub fn enabled(&self) -> bool {
        self.startup == Startup::Enabled
    }
}

impl Check {
    fn merge(&mut self, other: &Check) {
        set_given(&mut self.level, &other.level);
        set_given(&mut self.startup, &other.startup);
        set_given(&mut self.period, &other.period);
        set_given(&mut self.timeout, &other.timeout);
        set_given(&mut self.threshold, &other.threshold);
        if let Some(o) = &other.http {
            let h = self.http.get_or_insert_with(HttpCheck::default);
            set_given(&mut h.url, &o.url);
            h.headers.extend(o.headers.clone());
        }
        if let Some(o) = &other.tcp {
            let t = self.tcp.get_or_insert_with(TcpCheck::default);
            set_given(&mut t.port, &o.port);
            set_given(&mut t.host, &o.host);
        }
        if let Some(o) = &other.exec {
            let e = self.exec.get_or_insert_with(ExecCheck::default);
            set_given(&mut e.command, &o.command);
            set_given(&mut e.service_context, &o.service_context);
            e.environment.extend(o.environment.clone());
            set_given(&mut e.user_id, &o.user_id);
            set_given(&mut e.user, &o.user);
            set_given(&mut e.group_id, &o.group_id);
            set_given(&mut e.group, &o.group);
            set_given(&mut e.working_dir, &o.working_dir);
        }
    }
}

impl LogTarget {
    fn merge(&mut self, other: &LogTarget) {
        set_given(&mut self.kind, &other.kind);
        set_given(&mut self.location, &other.location);
        self.services.extend(other.services.iter().cloned());
        self.labels.extend(other.labels.clone());
    }
}

/// Folds one section's entries into the accumulated ones.
fn fold_section<T: Clone>(
    label: &str,
    what: &str,
    into: &mut BTreeMap<String, T>,
    from: &BTreeMap<String, T>,
    override_field: impl Fn(&T) -> &Override,
    merge: impl Fn(&mut T, &T),
) -> Result<(), ApiError> {
    for (name, entry) in from {
        match (
            merges(label, what, name, override_field(entry))?,
            into.get_mut(name),
        ) {
            (true, Some(existing)) => merge(existing, entry),
            _ => {
                into.insert(name.clone(), entry.clone());
            }
        }
    }
    Ok(())
}

impl Layer {
    /// Folds `upper` onto this layer with Pebble's per-entry override rules. The
    /// summary and description become `upper`'s.
    pub fn fold(&mut self, label: &str, upper: &Layer) -> Result<(), ApiError> {
        fold_section(
            label,
            "service",
            &mut self.services,
            &upper.services,
            |s| &s.override_,
            Service::merge,
        )?;
        fold_section(
            label,
            "check",
            &mut self.checks,
            &upper.checks,
            |c| &c.override_,
            Check::merge,
        )?;
        fold_section(
            label,
            "log target",
            &mut self.log_targets,
            &upper.log_targets,
            |t| &t.override_,
            LogTarget::merge,
        )?;
        self.summary.clone_from(&upper.summary);
        self.description.clone_from(&upper.description);
        Ok(())
    }

    /// The layer (or plan) as Pebble prints it: 4-space indents, sequences indented
    /// under their key, strings double-quoted when they need quotes.
    pub fn to_pebble_yaml(&self) -> String {
        let value = serde_yaml::to_value(self).unwrap_or(serde_yaml::Value::Null);
        let mut out = String::new();
        match &value {
            serde_yaml::Value::Mapping(m) if !m.is_empty() => emit_yaml(&value, 0, &mut out),
            _ => out.push_str("{}\n"),
        }
        out
    }

    /// Parses layer YAML as Pebble's `POST /v1/layers` does, with its messages.
    pub fn parse(label: &str, yaml: &str) -> Result<Layer, ApiError> {
        let prefix = "cannot parse layer YAML: ";
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|e| {
            ApiError::bad_request(format!("{prefix}cannot parse layer {label:?}: {e}"))
        })?;
        let mapping = match value {
            serde_yaml::Value::Null => serde_yaml::Mapping::new(),
            serde_yaml::Value::Mapping(m) => m,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{prefix}cannot parse layer {label:?}: a layer is a mapping"
                )));
            }
        };
        let mut layer = Layer::default();
        for (key, section) in mapping {
            let key = key.as_str().unwrap_or_default().to_string();
            let section_error = |e: serde_yaml::Error| {
                ApiError::bad_request(format!(
                    "{prefix}cannot parse layer {label:?} section {key:?}: {e}"
                ))
            };
            match key.as_str() {
                "summary" => {
                    layer.summary = serde_yaml::from_value(section).map_err(section_error)?
                }
                "description" => {
                    layer.description = serde_yaml::from_value(section).map_err(section_error)?
                }
                "services" => layer.services = null_free(&key, section, section_error)?,
                "checks" => layer.checks = null_free(&key, section, section_error)?,
                "log-targets" => layer.log_targets = null_free(&key, section, section_error)?,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "{prefix}cannot parse layer {label:?}: unknown section {key:?}"
                    )));
                }
            }
        }
        layer.validate(label).map_err(|e| e.prefixed(prefix))?;
        Ok(layer)
    }

    /// The checks Pebble makes of one layer on its own, before folding.
    pub fn validate(&self, label: &str) -> Result<(), ApiError> {
        let bad = ApiError::bad_request;
        if label.starts_with("pebble-") {
            return Err(bad("cannot use reserved label prefix \"pebble-\"".into()));
        }
        for (name, s) in &self.services {
            if name.is_empty() {
                return Err(bad("cannot use empty string as service name".into()));
            }
            if name == "pebble" {
                return Err(bad(format!("cannot use reserved service name {name:?}")));
            }
            if name.starts_with('-') {
                return Err(bad(format!(
                    "cannot use service name {name:?}: starting with \"-\" not allowed"
                )));
            }
            if let Err(e) = parse_command(&s.command) {
                return Err(bad(format!(
                    "plan service {name:?} command invalid: cannot parse service {name:?} \
                     command: {e}"
                )));
            }
            if !valid_action(&s.on_success, &ExitAction::FailureShutdown) {
                return Err(bad(format!(
                    "plan service {name:?} on-success action {:?} invalid",
                    s.on_success.as_str()
                )));
            }
            if !valid_action(&s.on_failure, &ExitAction::SuccessShutdown) {
                return Err(bad(format!(
                    "plan service {name:?} on-failure action {:?} invalid",
                    s.on_failure.as_str()
                )));
            }
            for action in s.on_check_failure.values() {
                if !valid_action(action, &ExitAction::SuccessShutdown) {
                    return Err(bad(format!(
                        "plan service {name:?} on-check-failure action {:?} invalid",
                        action.as_str()
                    )));
                }
            }
            if let Some(f) = s.backoff_factor
                && f < 1.0
            {
                return Err(bad(format!(
                    "plan service {name:?} backoff-factor must be 1.0 or greater, not {f}"
                )));
            }
        }
        for (name, c) in &self.checks {
            if name.is_empty() {
                return Err(bad("cannot use empty string as check name".into()));
            }
            if matches!(c.level, CheckLevel::Unknown(_)) {
                return Err(bad(format!(
                    "plan check {name:?} level must be \"alive\" or \"ready\""
                )));
            }
            if matches!(c.startup, Startup::Unknown(_)) {
                return Err(bad(format!(
                    "plan check {name:?} startup must be \"enabled\" or \"disabled\""
                )));
            }
            if c.period.as_ref().is_some_and(GoDuration::is_zero) {
                return Err(bad(format!("plan check {name:?} period must not be zero")));
            }
            if c.timeout.as_ref().is_some_and(GoDuration::is_zero) {
                return Err(bad(format!("plan check {name:?} timeout must not be zero")));
            }
            if let Some(exec) = &c.exec
                && let Err(e) = shlex::split(&exec.command).ok_or("invalid quoting")
            {
                return Err(bad(format!("plan check {name:?} command invalid: {e}")));
            }
        }
        for (name, t) in &self.log_targets {
            if name.is_empty() {
                return Err(bad("cannot use empty string as log target name".into()));
            }
            if let Some(l) = t.labels.keys().find(|l| l.starts_with("pebble_")) {
                return Err(bad(format!(
                    "log target {name:?}: label {l:?} uses reserved prefix \"pebble_\""
                )));
            }
            if !matches!(t.kind.as_str(), "" | "loki" | "opentelemetry" | "syslog") {
                return Err(bad(format!(
                    "log target {name:?} has unsupported type {:?}, must be \"loki\", \
                     \"opentelemetry\" or \"syslog\"",
                    t.kind
                )));
            }
        }
        Ok(())
    }
}

/// A section's entries, refusing null ones as Pebble does.
fn null_free<T: serde::de::DeserializeOwned>(
    section: &str,
    value: serde_yaml::Value,
    error: impl Fn(serde_yaml::Error) -> ApiError,
) -> Result<BTreeMap<String, T>, ApiError> {
    let raw: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_value(value).map_err(&error)?;
    let what = match section {
        "services" => "service",
        "checks" => "check",
        _ => "log target",
    };
    raw.into_iter()
        .map(|(name, v)| {
            if v.is_null() {
                return Err(ApiError::bad_request(format!(
                    "cannot parse layer YAML: {what} object cannot be null for {what} {name:?}"
                )));
            }
            Ok((name, serde_yaml::from_value(v).map_err(&error)?))
        })
        .collect()
}

fn emit_yaml(value: &serde_yaml::Value, indent: usize, out: &mut String) {
    use serde_yaml::Value;
    let pad = " ".repeat(indent);
    match value {
        Value::Mapping(map) => {
            for (key, v) in map {
                let key = scalar(key);
                match v {
                    Value::Mapping(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        emit_yaml(v, indent + 4, out);
                    }
                    Value::Sequence(s) if !s.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        emit_yaml(v, indent + 4, out);
                    }
                    _ => out.push_str(&format!("{pad}{key}: {}\n", scalar(v))),
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                out.push_str(&format!("{pad}- {}\n", scalar(item)));
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// One scalar as YAML, double-quoted (as Go's yaml.v3 does) when it needs quoting.
fn scalar(value: &serde_yaml::Value) -> String {
    let text = serde_yaml::to_string(value).unwrap_or_default();
    let text = text.trim_end();
    match (
        value,
        text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')),
    ) {
        (serde_yaml::Value::String(s), Some(_)) => serde_json::to_string(s).unwrap_or_default(),
        _ => text.to_string(),
    }
}

/// Each field takes the three common actions and one of the two `*-shutdown` ones.
fn valid_action(action: &ExitAction, extra: &ExitAction) -> bool {
    use ExitAction as A;
    matches!(action, A::Unset | A::Restart | A::Shutdown | A::Ignore) || action == extra
}

/// Splits a service command as Pebble does: shell words, with an optional trailing
/// `[ default args ]` group. Returns the base words and the default arguments.
pub fn parse_command(command: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let words = shlex::split(command).ok_or_else(|| "invalid quoting".to_string())?;
    let (mut base, mut extra) = (Vec::new(), Vec::new());
    let (mut in_group, mut had_group) = (false, false);
    for (i, word) in words.into_iter().enumerate() {
        if in_group {
            match word.as_str() {
                "[" => return Err("cannot nest [ ... ] groups".into()),
                "]" => in_group = false,
                _ => extra.push(word),
            }
            continue;
        }
        if had_group {
            return Err("cannot have any arguments after [ ... ] group".into());
        }
        match word.as_str() {
            "[" if i == 0 => return Err("cannot start command with [ ... ] group".into()),
            "[" => {
                in_group = true;
                had_group = true;
            }
            "]" => return Err("cannot have ] outside of [ ... ] group".into()),
            _ => base.push(word),
        }
    }
    Ok((base, extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_pebble_does_not_know_reads_back_as_written() {
        let layer = Layer::parse(
            "l",
            "services:\n  s:\n    override: replace\n    command: sleep 1\n    startup: sometimes\n",
        )
        .unwrap();
        let service = &layer.services["s"];
        assert_eq!(service.startup, Startup::Unknown("sometimes".into()));
        assert!(!service.enabled());
        assert!(
            layer.to_pebble_yaml().contains("startup: sometimes"),
            "{}",
            layer.to_pebble_yaml()
        );
        assert_eq!(service.on_success, ExitAction::Unset);
        assert!(!layer.to_pebble_yaml().contains("on-success"));
        let nulls = Layer::parse(
            "l",
            "services:\n  s:\n    override: replace\n    startup:\n    on-failure: ~\n",
        )
        .unwrap();
        assert_eq!(nulls.services["s"].startup, Startup::Unset);
        assert_eq!(nulls.services["s"].on_failure, ExitAction::Unset);
    }

    #[test]
    fn unknown_words_get_pebbles_messages() {
        let err = |yaml: &str| Layer::parse("l", yaml).unwrap_err().message;
        assert!(
            err("services:\n  s:\n    override: replace\n    on-success: explode\n")
                .contains("plan service \"s\" on-success action \"explode\" invalid")
        );
        assert!(
            err("services:\n  s:\n    override: replace\n    on-failure: failure-shutdown\n")
                .contains("on-failure action \"failure-shutdown\" invalid")
        );
        assert!(
            err("checks:\n  c:\n    override: replace\n    level: deep\n")
                .contains("level must be \"alive\" or \"ready\"")
        );
        let mut layer = Layer::default();
        let upper = Layer::parse(
            "u",
            "services:\n  s:\n    override: sideways\n    command: x\n",
        );
        // Parsing takes any override word; folding is where Pebble refuses it.
        let upper = upper.unwrap();
        let folded = layer.fold("u", &upper).unwrap_err().message;
        assert!(
            folded.contains("has invalid \"override\" value for service \"s\""),
            "{folded}"
        );
    }
}
