//! `juju:charm/pebble`: typed layers in, typed plans out; every call limited to the
//! containers the charm's metadata declares.

use std::collections::BTreeMap;

use crate::backends::pebble::duration::GoDuration;
use crate::backends::pebble::identities::{BasicIdentity, CertIdentity, LocalIdentity};
use crate::backends::pebble::layer::{self, ExecCheck, HttpCheck, Layer, TcpCheck};
use crate::backends::pebble::notices::{CustomKey, NOTICE_DATA, NoticeKey};
use crate::backends::pebble::{self as backend, Current, ServiceAction};
use crate::runtime::bindings::v0_1::pebble::{
    self as wit, CheckInfo, CheckLevel, CheckRun, CheckStatus, ExecCommand, ExecOutput, ExitAction,
    FileInfo, FileOptions, FileType, Identity, IdentityAccess, LogTargetType, Notice, NoticeFilter,
    NoticeType, Override, ServiceInfo, ServiceStatus, Startup,
};
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};
use crate::sandbox::caps;
use crate::sandbox::names::shown;

use super::{PebbleView, error};

impl PebbleView<'_> {
    fn container(&self, name: &str) -> Result<(), Error> {
        if self.metadata.containers.iter().any(|c| c == name) {
            Ok(())
        } else {
            Err(error(
                ErrorKind::PermissionDenied,
                format!(
                    "the charm's metadata declares no container {} (containers: {})",
                    shown(name),
                    if self.metadata.containers.is_empty() {
                        "none".to_string()
                    } else {
                        self.metadata.containers.join(", ")
                    }
                ),
            ))
        }
    }

    /// `names` if each is a name Pebble could have (no longer than a systemd unit's, no
    /// control characters) and there are no more than a plan could hold.
    fn names(what: &str, names: &[String]) -> Result<(), Error> {
        const MOST: usize = 1000;
        if names.len() > MOST {
            return Err(error(
                ErrorKind::InvalidInput,
                format!("{} {what}; at most {MOST} in one call", names.len()),
            ));
        }
        for name in names {
            // Names travel comma-separated in queries (`names=a,b`), which Pebble splits
            // and trims, and an empty one there means all.
            let odd = name.is_empty() || name.contains(',') || name.trim() != name;
            if odd {
                return Err(error(
                    ErrorKind::InvalidInput,
                    format!(
                        "{what}: {} is not a name Pebble takes (empty, or with a comma or \
                         spaces around it)",
                        shown(name)
                    ),
                ));
            }
            plain(what, name, 255)?;
        }
        Ok(())
    }

    fn checks_action(
        &mut self,
        container: &str,
        action: backend::ChecksAction,
        checks: &[String],
    ) -> Result<Vec<String>, Error> {
        self.container(container)?;
        Self::names("check names", checks)?;
        Ok(self.pebble.checks_action(container, action, checks)?)
    }

    fn services_action(
        &mut self,
        container: &str,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), Error> {
        self.container(container)?;
        Self::names("service names", names)?;
        Ok(self.pebble.services_action(container, action, names)?)
    }
}

/// `text` if it is no longer than `most` bytes and has no control characters: what goes
/// into a URL or a JSON body for Pebble is read as written, and stays small.
fn plain<'a>(what: &str, text: &'a str, most: usize) -> Result<&'a str, Error> {
    if text.len() <= most && !text.chars().any(char::is_control) {
        return Ok(text);
    }
    Err(error(
        ErrorKind::InvalidInput,
        format!(
            "{what} {} is not one Pebble takes: at most {most} bytes, no control characters",
            shown(text)
        ),
    ))
}

/// A path in a container: the kernel's `PATH_MAX`.
fn container_path<'a>(what: &str, path: &'a str) -> Result<&'a str, Error> {
    plain(what, path, 4096)
}

// The WIT's enums and the host's typed layer words, both ways. A word the WIT has no
// case for (one Pebble does not know, or a newer Pebble's) goes out as Pebble reads it.

fn override_in(o: Override) -> layer::Override {
    match o {
        Override::Merge => layer::Override::Merge,
        Override::Replace => layer::Override::Replace,
    }
}

fn override_out(o: &layer::Override) -> Override {
    match o {
        layer::Override::Merge => Override::Merge,
        _ => Override::Replace,
    }
}

fn startup_in(s: Option<Startup>) -> layer::Startup {
    match s {
        None => layer::Startup::Unset,
        Some(Startup::Enabled) => layer::Startup::Enabled,
        Some(Startup::Disabled) => layer::Startup::Disabled,
    }
}

/// Pebble takes any startup word and treats all but `enabled` as disabled.
fn startup_out(s: &layer::Startup) -> Option<Startup> {
    match s {
        layer::Startup::Unset => None,
        layer::Startup::Enabled => Some(Startup::Enabled),
        _ => Some(Startup::Disabled),
    }
}

fn action_in(a: Option<ExitAction>) -> layer::ExitAction {
    match a {
        None => layer::ExitAction::Unset,
        Some(ExitAction::Restart) => layer::ExitAction::Restart,
        Some(ExitAction::Shutdown) => layer::ExitAction::Shutdown,
        Some(ExitAction::Ignore) => layer::ExitAction::Ignore,
        Some(ExitAction::SuccessShutdown) => layer::ExitAction::SuccessShutdown,
        Some(ExitAction::FailureShutdown) => layer::ExitAction::FailureShutdown,
    }
}

fn action_out(a: &layer::ExitAction) -> Option<ExitAction> {
    Some(match a {
        layer::ExitAction::Restart => ExitAction::Restart,
        layer::ExitAction::Shutdown => ExitAction::Shutdown,
        layer::ExitAction::Ignore => ExitAction::Ignore,
        layer::ExitAction::SuccessShutdown => ExitAction::SuccessShutdown,
        layer::ExitAction::FailureShutdown => ExitAction::FailureShutdown,
        layer::ExitAction::Unset | layer::ExitAction::Unknown(_) => return None,
    })
}

fn level_in(l: Option<CheckLevel>) -> layer::CheckLevel {
    match l {
        None => layer::CheckLevel::Unset,
        Some(CheckLevel::Alive) => layer::CheckLevel::Alive,
        Some(CheckLevel::Ready) => layer::CheckLevel::Ready,
    }
}

fn level_out(l: &layer::CheckLevel) -> Option<CheckLevel> {
    match l {
        layer::CheckLevel::Alive => Some(CheckLevel::Alive),
        layer::CheckLevel::Ready => Some(CheckLevel::Ready),
        layer::CheckLevel::Unset | layer::CheckLevel::Unknown(_) => None,
    }
}

fn text(s: Option<String>) -> String {
    s.unwrap_or_default()
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn map(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    pairs.into_iter().collect()
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The longest duration Pebble reads: Go's, nanoseconds in an i64.
const MOST_MS: u64 = (i64::MAX / 1_000_000) as u64;

fn ms(d: Option<u64>) -> Option<GoDuration> {
    d.map(GoDuration::from_millis)
}

fn millis(d: &Option<GoDuration>) -> Option<u64> {
    d.as_ref().map(GoDuration::as_millis)
}

fn service_in(s: wit::Service) -> layer::Service {
    layer::Service {
        summary: text(s.summary),
        description: text(s.description),
        startup: startup_in(s.startup),
        override_: override_in(s.override_),
        command: text(s.command),
        after: s.after,
        before: s.before,
        requires: s.requires,
        workload: String::new(),
        environment: map(s.environment),
        user_id: s.user_id,
        user: text(s.user),
        group_id: s.group_id,
        group: text(s.group),
        working_dir: text(s.working_dir),
        on_success: action_in(s.on_success),
        on_failure: action_in(s.on_failure),
        on_check_failure: s
            .on_check_failure
            .into_iter()
            .map(|(k, a)| (k, action_in(Some(a))))
            .collect(),
        backoff_delay: ms(s.backoff_delay),
        backoff_factor: s.backoff_factor,
        backoff_limit: ms(s.backoff_limit),
        kill_delay: ms(s.kill_delay),
    }
}

fn service_out(s: &layer::Service) -> wit::Service {
    wit::Service {
        override_: override_out(&s.override_),
        summary: opt(&s.summary),
        description: opt(&s.description),
        startup: startup_out(&s.startup),
        command: opt(&s.command),
        after: s.after.clone(),
        before: s.before.clone(),
        requires: s.requires.clone(),
        environment: pairs(&s.environment),
        user_id: s.user_id,
        user: opt(&s.user),
        group_id: s.group_id,
        group: opt(&s.group),
        working_dir: opt(&s.working_dir),
        on_success: action_out(&s.on_success),
        on_failure: action_out(&s.on_failure),
        on_check_failure: s
            .on_check_failure
            .iter()
            .filter_map(|(k, a)| Some((k.clone(), action_out(a)?)))
            .collect(),
        backoff_delay: millis(&s.backoff_delay),
        backoff_factor: s.backoff_factor,
        backoff_limit: millis(&s.backoff_limit),
        kill_delay: millis(&s.kill_delay),
    }
}

fn check_in(c: wit::Check) -> layer::Check {
    layer::Check {
        override_: override_in(c.override_),
        level: level_in(c.level),
        startup: startup_in(c.startup),
        period: ms(c.period),
        timeout: ms(c.timeout),
        threshold: c.threshold,
        http: c.http.map(|h| HttpCheck {
            url: h.url,
            headers: map(h.headers),
        }),
        tcp: c.tcp.map(|t| TcpCheck {
            port: Some(t.port),
            host: text(t.host),
        }),
        exec: c.exec.map(|e| ExecCheck {
            command: e.command,
            service_context: text(e.service_context),
            environment: map(e.environment),
            user_id: e.user_id,
            user: text(e.user),
            group_id: e.group_id,
            group: text(e.group),
            working_dir: text(e.working_dir),
        }),
    }
}

fn check_out(c: &layer::Check) -> wit::Check {
    wit::Check {
        override_: override_out(&c.override_),
        level: level_out(&c.level),
        startup: startup_out(&c.startup),
        period: millis(&c.period),
        timeout: millis(&c.timeout),
        threshold: c.threshold,
        http: c.http.as_ref().map(|h| wit::HttpCheck {
            url: h.url.clone(),
            headers: pairs(&h.headers),
        }),
        tcp: c.tcp.as_ref().map(|t| wit::TcpCheck {
            port: t.port.unwrap_or(0),
            host: opt(&t.host),
        }),
        exec: c.exec.as_ref().map(|e| wit::ExecCheck {
            command: e.command.clone(),
            service_context: opt(&e.service_context),
            environment: pairs(&e.environment),
            user_id: e.user_id,
            user: opt(&e.user),
            group_id: e.group_id,
            group: opt(&e.group),
            working_dir: opt(&e.working_dir),
        }),
    }
}

fn log_target_in(t: wit::LogTarget) -> layer::LogTarget {
    layer::LogTarget {
        kind: match t.type_ {
            None => String::new(),
            Some(LogTargetType::Loki) => "loki".into(),
            Some(LogTargetType::Syslog) => "syslog".into(),
            Some(LogTargetType::Opentelemetry) => "opentelemetry".into(),
        },
        location: text(t.location),
        services: t.services,
        override_: override_in(t.override_),
        labels: map(t.labels),
    }
}

fn log_target_out(t: &layer::LogTarget) -> wit::LogTarget {
    wit::LogTarget {
        override_: override_out(&t.override_),
        type_: match t.kind.as_str() {
            "loki" => Some(LogTargetType::Loki),
            "syslog" => Some(LogTargetType::Syslog),
            "opentelemetry" => Some(LogTargetType::Opentelemetry),
            _ => None,
        },
        location: opt(&t.location),
        services: t.services.clone(),
        labels: pairs(&t.labels),
    }
}

/// A layer from the guest. Duplicate names are refused here: a YAML mapping (what
/// Pebble reads) cannot hold them.
pub fn layer_in(l: wit::Layer) -> Result<Layer, Error> {
    fn unique<T, U>(
        what: &str,
        entries: Vec<(String, T)>,
        f: impl Fn(T) -> U,
    ) -> Result<BTreeMap<String, U>, Error> {
        let mut out = BTreeMap::new();
        for (name, entry) in entries {
            if out.insert(name.clone(), f(entry)).is_some() {
                return Err(error(
                    ErrorKind::InvalidInput,
                    format!("the layer names {what} {name:?} twice"),
                ));
            }
        }
        Ok(out)
    }
    let durations = l
        .services
        .iter()
        .flat_map(|(_, s)| [s.backoff_delay, s.backoff_limit, s.kill_delay])
        .chain(l.checks.iter().flat_map(|(_, c)| [c.period, c.timeout]));
    if durations.flatten().any(|ms| ms > MOST_MS) {
        return Err(error(
            ErrorKind::InvalidInput,
            format!("a duration in the layer is longer than Pebble reads: at most {MOST_MS} ms"),
        ));
    }
    Ok(Layer {
        summary: text(l.summary),
        description: text(l.description),
        services: unique("service", l.services, service_in)?,
        checks: unique("check", l.checks, check_in)?,
        log_targets: unique("log target", l.log_targets, log_target_in)?,
    })
}

pub fn layer_out(l: &Layer) -> wit::Layer {
    wit::Layer {
        summary: opt(&l.summary),
        description: opt(&l.description),
        services: l
            .services
            .iter()
            .map(|(n, s)| (n.clone(), service_out(s)))
            .collect(),
        checks: l
            .checks
            .iter()
            .map(|(n, c)| (n.clone(), check_out(c)))
            .collect(),
        log_targets: l
            .log_targets
            .iter()
            .map(|(n, t)| (n.clone(), log_target_out(t)))
            .collect(),
    }
}

fn check_info(c: backend::CheckInfo) -> CheckInfo {
    CheckInfo {
        name: c.name,
        level: level_out(&c.level),
        startup: match c.startup {
            layer::Startup::Disabled => Startup::Disabled,
            _ => Startup::Enabled,
        },
        status: match c.status {
            backend::CheckStatus::Up => CheckStatus::Up,
            backend::CheckStatus::Down => CheckStatus::Down,
            backend::CheckStatus::Inactive => CheckStatus::Inactive,
        },
        failures: c.failures,
        threshold: c.threshold,
        change_id: c.change_id,
    }
}

/// A Go duration Pebble printed, in milliseconds; one that does not parse is none.
fn go_ms(text: Option<String>) -> Option<u64> {
    text.and_then(|t| crate::backends::pebble::duration::parse(&t))
        .map(|nanos| u64::try_from(nanos / 1_000_000).unwrap_or(u64::MAX))
}

fn notice(n: backend::Notice) -> Notice {
    Notice {
        id: n.id,
        user_id: n.user_id,
        type_: n.kind,
        key: n.key,
        first_occurred: n.first_occurred,
        last_occurred: n.last_occurred,
        last_repeated: n.last_repeated,
        occurrences: n.occurrences,
        last_data: n.last_data.into_iter().collect(),
        repeat_after: go_ms(n.repeat_after),
        expire_after: go_ms(n.expire_after),
    }
}

fn identity_in(name: &str, i: Identity) -> Result<backend::Identity, Error> {
    if i.local_user_id.is_none() && i.basic_password_hash.is_none() && i.cert_pem.is_none() {
        return Err(error(
            ErrorKind::InvalidInput,
            format!(
                "identity {} has no way to prove it: give a local user id, a basic password \
                 hash or a certificate",
                shown(name)
            ),
        ));
    }
    if let Some(hash) = &i.basic_password_hash {
        plain("a password hash", hash, 1024)?;
    }
    if let Some(pem) = &i.cert_pem
        && pem.len() > 64 << 10
    {
        return Err(error(
            ErrorKind::InvalidInput,
            "a certificate of more than 64 KiB is not one Pebble takes",
        ));
    }
    Ok(backend::Identity {
        access: match i.access {
            IdentityAccess::Admin => backend::identities::IdentityAccess::Admin,
            IdentityAccess::Read => backend::identities::IdentityAccess::Read,
            IdentityAccess::Metrics => backend::identities::IdentityAccess::Metrics,
            IdentityAccess::Untrusted => backend::identities::IdentityAccess::Untrusted,
        },
        local: i.local_user_id.map(|user_id| LocalIdentity { user_id }),
        basic: i
            .basic_password_hash
            .map(|password| BasicIdentity { password }),
        cert: i.cert_pem.map(|pem| CertIdentity { pem }),
    })
}

fn identity_out(i: backend::Identity) -> Identity {
    Identity {
        access: match i.access {
            backend::identities::IdentityAccess::Admin => IdentityAccess::Admin,
            backend::identities::IdentityAccess::Read => IdentityAccess::Read,
            backend::identities::IdentityAccess::Metrics => IdentityAccess::Metrics,
            backend::identities::IdentityAccess::Untrusted => IdentityAccess::Untrusted,
        },
        local_user_id: i.local.map(|l| l.user_id),
        basic_password_hash: i.basic.map(|b| b.password),
        cert_pem: i.cert.map(|c| c.pem),
    }
}

fn file_options(o: FileOptions) -> Result<backend::FileOptions, Error> {
    for name in [&o.user, &o.group].into_iter().flatten() {
        plain("a user or group", name, 255)?;
    }
    // Pebble takes three octal digits: no setuid, setgid or sticky bit (which the
    // host refuses on the machine too).
    if let Some(mode) = o.permissions
        && mode > 0o777
    {
        return Err(error(
            ErrorKind::InvalidInput,
            format!("permissions {mode:o} are not ones Pebble takes: at most 777 (octal)"),
        ));
    }
    // Pebble's own rules for ownership, refused here so that no backend differs.
    if o.user.is_none() && o.user_id.is_none() && (o.group.is_some() || o.group_id.is_some()) {
        return Err(error(
            ErrorKind::InvalidInput,
            "a group was given without a user: Pebble needs the user too",
        ));
    }
    if o.user_id.is_some() && o.user.is_none() && o.group.is_none() && o.group_id.is_none() {
        return Err(error(
            ErrorKind::InvalidInput,
            "a user id was given without a group: Pebble needs the group too",
        ));
    }
    Ok(backend::FileOptions {
        make_parents: o.make_parents,
        permissions: o.permissions,
        user_id: o.user_id,
        user: o.user,
        group_id: o.group_id,
        group: o.group,
    })
}

impl wit::Host for PebbleView<'_> {
    fn can_connect(&mut self, container: String) -> bool {
        self.container(&container).is_ok() && self.pebble.can_connect(&container)
    }

    fn add_layer(
        &mut self,
        container: String,
        label: String,
        layer: wit::Layer,
        combine: bool,
    ) -> Result<(), Error> {
        self.container(&container)?;
        plain("layer label", &label, 255)?;
        let layer = layer_in(layer)?;
        Ok(self.pebble.add_layer(&container, &label, &layer, combine)?)
    }

    fn get_plan(&mut self, container: String) -> Result<wit::Layer, Error> {
        self.container(&container)?;
        Ok(layer_out(&self.pebble.plan(&container)?))
    }

    fn get_services(
        &mut self,
        container: String,
        names: Vec<String>,
    ) -> Result<Vec<ServiceInfo>, Error> {
        self.container(&container)?;
        Self::names("service names", &names)?;
        Ok(self
            .pebble
            .services(&container, &names)?
            .into_iter()
            .map(|s| ServiceInfo {
                name: s.name,
                startup: if s.startup == layer::Startup::Enabled {
                    Startup::Enabled
                } else {
                    Startup::Disabled
                },
                current: match s.current {
                    Current::Active => ServiceStatus::Active,
                    Current::Inactive => ServiceStatus::Inactive,
                    Current::Backoff => ServiceStatus::Backoff,
                    Current::Error => ServiceStatus::Error,
                },
            })
            .collect())
    }

    fn start(&mut self, container: String, services: Vec<String>) -> Result<(), Error> {
        self.services_action(&container, ServiceAction::Start, &services)
    }

    fn stop(&mut self, container: String, services: Vec<String>) -> Result<(), Error> {
        self.services_action(&container, ServiceAction::Stop, &services)
    }

    fn restart(&mut self, container: String, services: Vec<String>) -> Result<(), Error> {
        self.services_action(&container, ServiceAction::Restart, &services)
    }

    fn replan(&mut self, container: String) -> Result<(), Error> {
        self.services_action(&container, ServiceAction::Replan, &[])
    }

    fn autostart(&mut self, container: String) -> Result<(), Error> {
        self.services_action(&container, ServiceAction::Autostart, &[])
    }

    fn push(
        &mut self,
        container: String,
        path: String,
        content: Vec<u8>,
        options: FileOptions,
    ) -> Result<(), Error> {
        self.container(&container)?;
        container_path("the path to push to", &path)?;
        Ok(self
            .pebble
            .push(&container, &path, content, &file_options(options)?)?)
    }

    fn pull(&mut self, container: String, path: String) -> Result<Vec<u8>, Error> {
        self.container(&container)?;
        container_path("the path to pull", &path)?;
        Ok(self.pebble.pull(&container, &path)?)
    }

    fn list_files(
        &mut self,
        container: String,
        path: String,
        pattern: Option<String>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, Error> {
        self.container(&container)?;
        container_path("the path to list", &path)?;
        // A name is at most 255 bytes, so no useful pattern is longer; Pebble reads an
        // empty one as none.
        if let Some(pattern) = &pattern {
            plain("the pattern", pattern, 1024)?;
        }
        let pattern = pattern.filter(|p| !p.is_empty());
        Ok(self
            .pebble
            .list_files(&container, &path, pattern.as_deref(), itself)?
            .into_iter()
            .map(|f| FileInfo {
                path: f.path,
                name: f.name,
                type_: match f.kind {
                    backend::FileType::File => FileType::File,
                    backend::FileType::Directory => FileType::Directory,
                    backend::FileType::Symlink => FileType::Symlink,
                    backend::FileType::Socket => FileType::Socket,
                    backend::FileType::NamedPipe => FileType::NamedPipe,
                    backend::FileType::Device => FileType::Device,
                    backend::FileType::Unknown => FileType::Unknown,
                },
                size: f.size,
                permissions: f.permissions,
                last_modified: f.last_modified,
                user_id: f.user_id,
                user: f.user,
                group_id: f.group_id,
                group: f.group,
            })
            .collect())
    }

    fn make_dir(
        &mut self,
        container: String,
        path: String,
        options: FileOptions,
    ) -> Result<(), Error> {
        self.container(&container)?;
        container_path("the directory to make", &path)?;
        Ok(self
            .pebble
            .make_dir(&container, &path, &file_options(options)?)?)
    }

    fn remove_path(
        &mut self,
        container: String,
        path: String,
        recursive: bool,
    ) -> Result<(), Error> {
        self.container(&container)?;
        container_path("the path to remove", &path)?;
        Ok(self.pebble.remove_path(&container, &path, recursive)?)
    }

    fn exec(&mut self, container: String, command: ExecCommand) -> Result<ExecOutput, Error> {
        self.container(&container)?;
        caps::command_line(&command.command, &command.environment)
            .map_err(|e| error(ErrorKind::InvalidInput, e))?;
        if let Some(dir) = &command.working_dir {
            container_path("the working directory", dir)?;
        }
        for name in [&command.service_context, &command.user, &command.group]
            .into_iter()
            .flatten()
        {
            plain("a name", name, 255)?;
        }
        let request = backend::ExecRequest {
            command: command.command,
            environment: command.environment,
            working_dir: command.working_dir,
            service_context: command.service_context,
            user_id: command.user_id,
            user: command.user,
            group_id: command.group_id,
            group: command.group,
            stdin: command.stdin,
            timeout_ms: command.timeout,
        };
        let out = match self.pebble.exec(&container, request) {
            // Pebble says so as a bad request; a charm falls back on a missing program,
            // so it gets a kind to match, not words.
            Err(crate::backends::error::BackendError::Pebble(e))
                if e.status == 400 && e.message.starts_with("cannot find executable") =>
            {
                return Err(error(ErrorKind::NotFound, e.message));
            }
            other => other?,
        };
        Ok(ExecOutput {
            exit_code: out.code,
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    fn get_checks(
        &mut self,
        container: String,
        level: Option<CheckLevel>,
        names: Vec<String>,
    ) -> Result<Vec<CheckInfo>, Error> {
        self.container(&container)?;
        Self::names("check names", &names)?;
        Ok(self
            .pebble
            .checks(&container, &level_in(level), &names)?
            .into_iter()
            .map(check_info)
            .collect())
    }

    fn start_checks(
        &mut self,
        container: String,
        checks: Vec<String>,
    ) -> Result<Vec<String>, Error> {
        self.checks_action(&container, backend::ChecksAction::Start, &checks)
    }

    fn stop_checks(
        &mut self,
        container: String,
        checks: Vec<String>,
    ) -> Result<Vec<String>, Error> {
        self.checks_action(&container, backend::ChecksAction::Stop, &checks)
    }

    fn refresh_check(&mut self, container: String, name: String) -> Result<CheckRun, Error> {
        self.container(&container)?;
        plain("a check name", &name, 255)?;
        let run = self.pebble.refresh_check(&container, &name)?;
        Ok(CheckRun {
            info: check_info(run.info),
            error: run.error,
        })
    }

    fn health(
        &mut self,
        container: String,
        level: Option<CheckLevel>,
        names: Vec<String>,
    ) -> Result<bool, Error> {
        self.container(&container)?;
        Self::names("check names", &names)?;
        Ok(self.pebble.health(&container, &level_in(level), &names)?)
    }

    fn get_notice(&mut self, container: String, id: String) -> Result<Notice, Error> {
        self.container(&container)?;
        if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "{} is not a notice id: Pebble's are decimal numbers",
                    shown(&id)
                ),
            ));
        }
        Ok(notice(self.pebble.notice(&container, &id)?))
    }

    fn get_notices(
        &mut self,
        container: String,
        filter: NoticeFilter,
    ) -> Result<Vec<Notice>, Error> {
        self.container(&container)?;
        const MOST: usize = 1000;
        if filter.keys.len() > MOST {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "{} notice keys; at most {MOST} in one call",
                    filter.keys.len()
                ),
            ));
        }
        let keys = filter
            .keys
            .iter()
            .map(|k| NoticeKey::parse(k))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(after) = &filter.after
            && !crate::sandbox::names::is_rfc3339(after)
        {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "{} is not an RFC 3339 time such as 2026-01-01T00:00:00Z",
                    shown(after)
                ),
            ));
        }
        // Three types at most, however many times the charm names them.
        let mut types: Vec<backend::notices::NoticeType> = Vec::new();
        for t in &filter.types {
            let t = match t {
                NoticeType::ChangeUpdate => backend::notices::NoticeType::ChangeUpdate,
                NoticeType::Custom => backend::notices::NoticeType::Custom,
                NoticeType::Warning => backend::notices::NoticeType::Warning,
            };
            if !types.contains(&t) {
                types.push(t);
            }
        }
        let filter = backend::NoticeFilter {
            types,
            keys,
            after: filter.after,
        };
        Ok(self
            .pebble
            .notices(&container, &filter)?
            .into_iter()
            .map(notice)
            .collect())
    }

    fn notify(
        &mut self,
        container: String,
        key: String,
        data: Vec<(String, String)>,
        repeat_after: Option<u64>,
    ) -> Result<String, Error> {
        self.container(&container)?;
        let key = CustomKey::parse(&key)?;
        // Pebble counts the data as JSON.
        let size = serde_json::to_vec(&map(data.clone()))
            .map(|json| json.len())
            .unwrap_or(usize::MAX);
        if size > NOTICE_DATA {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "a notice's data is {size} bytes as JSON; Pebble takes at most {NOTICE_DATA}"
                ),
            ));
        }
        for (k, _) in &data {
            plain("a notice data key", k, 255)?;
        }
        if repeat_after.is_some_and(|ms| ms > MOST_MS) {
            return Err(error(
                ErrorKind::InvalidInput,
                format!("a notice's repeat-after is at most {MOST_MS} ms"),
            ));
        }
        Ok(self
            .pebble
            .notify(&container, &key, &map(data), repeat_after)?)
    }

    fn get_identities(&mut self, container: String) -> Result<Vec<(String, Identity)>, Error> {
        self.container(&container)?;
        Ok(self
            .pebble
            .identities(&container)?
            .into_iter()
            .map(|(name, i)| (name, identity_out(i)))
            .collect())
    }

    fn replace_identities(
        &mut self,
        container: String,
        identities: Vec<(String, Identity)>,
    ) -> Result<(), Error> {
        self.container(&container)?;
        if identities.len() > 1000 {
            return Err(error(
                ErrorKind::InvalidInput,
                format!("{} identities; at most 1000 in one call", identities.len()),
            ));
        }
        let mut named = BTreeMap::new();
        for (name, identity) in identities {
            let parsed = backend::IdentityName::parse(&name)?;
            let identity = identity_in(&name, identity)?;
            if named.insert(parsed, identity).is_some() {
                return Err(error(
                    ErrorKind::InvalidInput,
                    format!("identity {} is given twice", shown(&name)),
                ));
            }
        }
        Ok(self.pebble.replace_identities(&container, &named)?)
    }

    fn remove_identities(&mut self, container: String, names: Vec<String>) -> Result<(), Error> {
        self.container(&container)?;
        Self::names("identity names", &names)?;
        let names = names
            .iter()
            .map(|n| backend::IdentityName::parse(n))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.pebble.remove_identities(&container, &names)?)
    }

    fn send_signal(
        &mut self,
        container: String,
        signal: String,
        services: Vec<String>,
    ) -> Result<(), Error> {
        self.container(&container)?;
        let signal = backend::Signal::parse(&signal)?;
        Self::names("service names", &services)?;
        Ok(self.pebble.send_signal(&container, signal, &services)?)
    }
}
