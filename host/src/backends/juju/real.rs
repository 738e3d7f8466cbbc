//! The hook tools Juju puts on PATH for the length of a hook, run as subprocesses with
//! the argv forms `ops` uses (so Juju sees nothing new).

use std::time::Duration;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    AddressKind, CloudSpec, GoalState, HookTools, LogLevel, NetworkInfo, PortRange, RebootWhen,
    SecretContent, SecretInfo, SecretMetadata, SecretOwner, SecretRef, SecretRevision, Status,
    StatusKind, StorageInstance, Target,
};
use crate::argv;
use crate::backends::error::BackendError;
use crate::backends::process::{Invocation, display};
use crate::sandbox::caps;
use crate::sandbox::names::{
    ActionKey, BindingName, RelationMember, ResourceName, SecretUri, StorageId, StorageName,
    UnitName,
};

/// Hook tools answer from the unit agent in milliseconds; this only stops a wedged
/// agent from holding the hook forever.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Default)]
pub struct HookToolsExec {
    deadline: Option<std::time::Instant>,
    // Neither changes within a dispatch in a way the charm could observe, so each is
    // asked for once, and only if the charm asks.
    config: Option<Map<String, Value>>,
    leader: Option<bool>,
}

impl HookToolsExec {
    pub fn new() -> Self {
        Self::default()
    }
}

fn application_flag(target: Target) -> String {
    format!("--application={}", target == Target::App)
}

fn parse_status(command: &str, value: &Value) -> Result<Status, BackendError> {
    let bad = |detail: &str| BackendError::BadOutput {
        command: command.to_string(),
        detail: format!("{detail} in {value}"),
    };
    let kind = value
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no status"))?;
    Ok(Status {
        kind: StatusKind::parse(kind).ok_or_else(|| bad("unknown status"))?,
        message: value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

impl HookTools for HookToolsExec {
    fn set_deadline(&mut self, deadline: std::time::Instant) {
        self.deadline = Some(deadline);
    }

    fn status_set(&mut self, target: Target, status: &Status) -> Result<(), BackendError> {
        let mut argv = argv!["status-set", application_flag(target), status.kind.as_str()];
        if !status.message.is_empty() {
            argv.extend(argv!["--", status.message.as_str()]);
        }
        match self.tool(argv) {
            // Juju refuses an application status from a non-leader in these words.
            Err(BackendError::CommandFailed { stderr, .. })
                if stderr.contains("not the leader") =>
            {
                Err(BackendError::PermissionDenied(
                    "only the leader may set the application status".into(),
                ))
            }
            other => other.map(drop),
        }
    }

    fn status_get(&mut self, target: Target) -> Result<Status, BackendError> {
        let argv = argv![
            "status-get",
            "--include-data",
            "--format=json",
            application_flag(target)
        ];
        let command = display(&argv);
        let value = self.json(argv)?;
        match target {
            Target::Unit => parse_status(&command, &value),
            Target::App => parse_status(
                &command,
                value.get("application-status").unwrap_or(&Value::Null),
            ),
        }
    }

    fn config_get(&mut self) -> Result<Map<String, Value>, BackendError> {
        if let Some(config) = &self.config {
            return Ok(config.clone());
        }
        let argv = argv!["config-get", "--format=json"];
        let command = display(&argv);
        let config = match self.json(argv)? {
            Value::Object(map) => map,
            // An application with no options set and none declared prints null.
            Value::Null => Map::new(),
            other => {
                return Err(BackendError::BadOutput {
                    command,
                    detail: format!("expected a JSON object, got {other}"),
                });
            }
        };
        self.config = Some(config.clone());
        Ok(config)
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        if let Some(leader) = self.leader {
            return Ok(leader);
        }
        let argv = argv!["is-leader", "--format=json"];
        let command = display(&argv);
        let leader = self
            .json(argv)?
            .as_bool()
            .ok_or_else(|| BackendError::BadOutput {
                command,
                detail: "expected true or false".into(),
            })?;
        self.leader = Some(leader);
        Ok(leader)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        // One call, however long the message: a guest's message is cut, not split.
        let message = caps::cut_message(message);
        self.tool(argv![
            "juju-log",
            "--log-level",
            level.as_str(),
            "--",
            message.as_ref()
        ])
        .map(drop)
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.tool(argv!["application-version-set", "--", version])
            .map(drop)
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<String>, BackendError> {
        self.strings(argv!["relation-ids", "--format=json", "--", endpoint])
    }

    fn relation_units(&mut self, relation: &str) -> Result<Vec<String>, BackendError> {
        self.strings(argv!["relation-list", "--format=json", "-r", relation])
    }

    fn relation_remote_app(&mut self, relation: &str) -> Result<String, BackendError> {
        let argv = argv!["relation-list", "--format=json", "--app", "-r", relation];
        let command = display(&argv);
        self.json(argv)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| BackendError::BadOutput {
                command,
                detail: "expected an application name".into(),
            })
    }

    fn relation_get(
        &mut self,
        relation: &str,
        member: &RelationMember,
        app: bool,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let mut argv = argv!["relation-get", "--format=json", "-r", relation];
        if app {
            argv.push("--app".into());
        }
        // `-`: every key of the bag.
        argv.extend(argv!["--", "-", member.as_str()]);
        relation_errors(self.bag(argv))
    }

    fn relation_set(
        &mut self,
        relation: &str,
        app: bool,
        data: &BTreeMap<String, String>,
    ) -> Result<(), BackendError> {
        let mut argv = argv!["relation-set", "-r", relation];
        if app {
            argv.push("--app".into());
        }
        argv.extend(argv!["--file", "-"]);
        let input = BackendError::serialised("the relation data, as JSON", |buffer| {
            serde_json::to_writer(buffer, data)
        })?;
        let mut invocation = Invocation::new(&argv, self.budget());
        invocation.stdin = Some(&input);
        relation_errors(invocation.check().map(drop))
    }

    fn action_get(&mut self) -> Result<serde_json::Value, BackendError> {
        self.json(argv!["action-get", "--format=json"])
    }

    fn action_set(&mut self, results: &[(ActionKey, String)]) -> Result<(), BackendError> {
        let mut argv = argv!["action-set", "--"];
        argv.extend(results.iter().map(|(k, v)| format!("{k}={v}")));
        self.tool(argv).map(drop)
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.tool(argv!["action-log", "--", message]).map(drop)
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.tool(argv!["action-fail", "--", message]).map(drop)
    }

    fn open_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError> {
        self.tool(Self::port_args("open-port", range, endpoints))
            .map(drop)
    }

    fn close_port(
        &mut self,
        range: PortRange,
        endpoints: &[BindingName],
    ) -> Result<(), BackendError> {
        self.tool(Self::port_args("close-port", range, endpoints))
            .map(drop)
    }

    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError> {
        let argv = argv!["opened-ports", "--format=json"];
        let command = display(&argv);
        self.strings(argv)?
            .iter()
            .map(|spec| {
                PortRange::parse(spec).ok_or_else(|| BackendError::BadOutput {
                    command: command.clone(),
                    detail: format!("{spec:?} is not a port range"),
                })
            })
            .collect()
    }

    fn network_get(
        &mut self,
        binding: &BindingName,
        relation: Option<&str>,
    ) -> Result<NetworkInfo, BackendError> {
        let mut argv = argv!["network-get", "--format=json"];
        if let Some(relation) = relation {
            argv.extend(argv!["-r", relation]);
        }
        argv.extend(argv!["--", binding.as_str()]);
        let command = display(&argv);
        serde_json::from_value(self.json(argv)?).map_err(|e| BackendError::BadOutput {
            command,
            detail: e.to_string(),
        })
    }

    fn secret_get(
        &mut self,
        secret: &SecretRef,
        revision: SecretRevision,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let mut argv = argv!["secret-get", "--format=json"];
        match revision {
            SecretRevision::Tracked => {}
            SecretRevision::Refresh => argv.push("--refresh".into()),
            SecretRevision::Peek => argv.push("--peek".into()),
        }
        Self::secret_args(&mut argv, secret);
        secret_errors(self.parsed_secret::<Bag>(argv).map(|bag| bag.0))
    }

    fn secret_info(&mut self, secret: &SecretRef) -> Result<(String, SecretInfo), BackendError> {
        let mut argv = argv!["secret-info-get", "--format=json"];
        // Juju takes an id or a label here, not both: the id names it.
        match secret {
            SecretRef::Both(id, _) => Self::secret_args(&mut argv, &SecretRef::Id(id.clone())),
            one => Self::secret_args(&mut argv, one),
        }
        let command = display(&argv);
        let value = secret_errors(self.json(argv))?;
        let map: BTreeMap<String, SecretInfo> =
            serde_json::from_value(value).map_err(|e| BackendError::BadOutput {
                command: command.clone(),
                detail: e.to_string(),
            })?;
        map.into_iter()
            .next()
            .ok_or_else(|| BackendError::BadOutput {
                command,
                detail: "no secret in the answer".into(),
            })
    }

    fn resource_get(&mut self, name: &ResourceName) -> Result<String, BackendError> {
        Ok(self
            .tool(argv!["resource-get", "--", name.as_str()])?
            .trim()
            .to_string())
    }

    fn secret_add(
        &mut self,
        content: &SecretContent,
        metadata: &SecretMetadata,
        owner: SecretOwner,
    ) -> Result<SecretUri, BackendError> {
        let mut argv = argv!["secret-add", format!("--owner={}", owner.as_str())];
        Self::metadata_args(&mut argv, metadata);
        let files = ContentFiles::write(content)?;
        argv.push("--".into());
        argv.extend(files.args);
        let command = display(&argv);
        let out = self.tool(argv)?;
        SecretUri::parse(out.trim()).map_err(|e| BackendError::BadOutput {
            command,
            detail: e.to_string(),
        })
    }

    fn secret_set(
        &mut self,
        id: &SecretUri,
        content: Option<&SecretContent>,
        metadata: &SecretMetadata,
    ) -> Result<(), BackendError> {
        let mut argv = argv!["secret-set"];
        Self::metadata_args(&mut argv, metadata);
        argv.extend(argv!["--", id.canonical()]);
        // Kept until the tool has read them.
        let files = content.map(ContentFiles::write).transpose()?;
        if let Some(files) = &files {
            argv.extend(files.args.iter().cloned());
        }
        secret_errors(self.tool(argv)).map(drop)
    }

    fn secret_grant(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError> {
        let argv = Self::access_args("secret-grant", id, relation, unit);
        secret_errors(relation_errors(self.tool(argv))).map(drop)
    }

    fn secret_revoke(
        &mut self,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Result<(), BackendError> {
        let argv = Self::access_args("secret-revoke", id, relation, unit);
        secret_errors(relation_errors(self.tool(argv))).map(drop)
    }

    fn secret_remove(&mut self, id: &SecretUri, revision: Option<u32>) -> Result<(), BackendError> {
        let mut argv = argv!["secret-remove"];
        if let Some(revision) = revision {
            argv.push(format!("--revision={revision}"));
        }
        argv.extend(argv!["--", id.canonical()]);
        secret_errors(self.tool(argv)).map(drop)
    }

    fn secret_ids(&mut self) -> Result<Vec<SecretUri>, BackendError> {
        let argv = argv!["secret-ids", "--format=json"];
        let command = display(&argv);
        self.strings(argv)?
            .iter()
            .map(|id| {
                SecretUri::parse(id).map_err(|e| BackendError::BadOutput {
                    command: command.clone(),
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    fn storage_list(&mut self, name: Option<&StorageName>) -> Result<Vec<StorageId>, BackendError> {
        let mut argv = argv!["storage-list", "--format=json"];
        if let Some(name) = name {
            argv.extend(argv!["--", name.as_str()]);
        }
        let command = display(&argv);
        self.strings(argv)?
            .iter()
            .map(|id| {
                StorageId::parse(id).map_err(|e| BackendError::BadOutput {
                    command: command.clone(),
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    fn storage_get(&mut self, id: &StorageId) -> Result<StorageInstance, BackendError> {
        // `-s` is the tool's only way to name the instance; an id starts with a letter.
        let argv = argv!["storage-get", "--format=json", "-s", id.to_string()];
        storage_errors(self.parsed(argv))
    }

    fn storage_add(&mut self, name: &StorageName, count: u32) -> Result<(), BackendError> {
        storage_errors(self.tool(argv!["storage-add", "--", format!("{name}={count}")])).map(drop)
    }

    fn goal_state(&mut self) -> Result<GoalState, BackendError> {
        self.parsed(argv!["goal-state", "--format=json"])
    }

    fn credential_get(&mut self) -> Result<CloudSpec, BackendError> {
        match self.parsed_secret(argv!["credential-get", "--format=json"]) {
            Err(BackendError::CommandFailed { stderr, .. })
                if stderr.contains("not trusted") || stderr.contains("permission denied") =>
            {
                Err(BackendError::PermissionDenied(format!(
                    "Juju gives the cloud's credential only to a trusted application (`juju \
                     trust APP` or `juju deploy --trust`): {}",
                    stderr.trim()
                )))
            }
            other => other,
        }
    }

    fn juju_reboot(&mut self, when: RebootWhen) -> Result<(), BackendError> {
        let argv = match when {
            RebootWhen::AfterHook => argv!["juju-reboot"],
            RebootWhen::Now => argv!["juju-reboot", "--now"],
        };
        self.tool(argv).map(drop)
    }

    fn unit_get(&mut self, kind: AddressKind) -> Result<String, BackendError> {
        let argv = argv!["unit-get", "--format=json", "--", kind.as_str()];
        self.parsed(argv)
    }

    fn relation_model_uuid(&mut self, relation: &str) -> Result<String, BackendError> {
        #[derive(serde::Deserialize)]
        struct RemoteModel {
            uuid: String,
        }
        let argv = argv!["relation-model-get", "--format=json", "-r", relation];
        relation_errors(self.parsed::<RemoteModel>(argv)).map(|m| m.uuid)
    }
}

/// A secret's content in files only this process's user can read, one per key, named on
/// the command line as `key#file=PATH` so that no value is ever an argument. Removed when
/// dropped.
struct ContentFiles {
    _dir: tempfile::TempDir,
    args: Vec<String>,
}

impl ContentFiles {
    fn write(content: &SecretContent) -> Result<Self, BackendError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        // tempfile makes the directory 0700.
        let dir = tempfile::Builder::new()
            .prefix("wasmcharm-secret-")
            .tempdir()
            .map_err(|e| BackendError::io("a directory for the secret's content", e))?;
        let mut args = Vec::new();
        for (key, value) in content.iter() {
            let path = dir.path().join(key.as_str());
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut f| f.write_all(value.as_bytes()))
                .map_err(|e| BackendError::io(path.display().to_string(), e))?;
            args.push(format!("{key}#file={}", path.display()));
        }
        Ok(ContentFiles { _dir: dir, args })
    }
}

/// The most keys the host reads of one databag: each costs the host memory beyond its
/// bytes, and a remote unit fills it.
const BAG_KEYS: usize = 10_000;

/// A JSON object (or `null`, an empty bag) of at most [`BAG_KEYS`] keys, each value as a
/// string (Juju's are strings; anything else as its JSON).
struct Bag(BTreeMap<String, String>);

impl<'de> serde::Deserialize<'de> for Bag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Bag;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of strings")
            }

            fn visit_unit<E>(self) -> Result<Bag, E> {
                Ok(Bag(BTreeMap::new()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Bag, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    if out.len() == BAG_KEYS {
                        return Err(serde::de::Error::custom(format!(
                            "more than {BAG_KEYS} keys, the most the host reads"
                        )));
                    }
                    let value = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string);
                    out.insert(key, value);
                }
                Ok(Bag(out))
            }
        }
        d.deserialize_any(Keys)
    }
}

/// Juju's words for a secret the unit cannot see.
fn secret_errors<T>(result: Result<T, BackendError>) -> Result<T, BackendError> {
    match result {
        Err(BackendError::CommandFailed { stderr, .. }) if stderr.contains("not found") => {
            Err(BackendError::NotFound(stderr.trim().to_string()))
        }
        other => other,
    }
}

/// Juju's words for storage the unit does not have.
fn storage_errors<T>(result: Result<T, BackendError>) -> Result<T, BackendError> {
    match result {
        Err(BackendError::CommandFailed { stderr, .. }) if stderr.contains("not found") => {
            Err(BackendError::NotFound(stderr.trim().to_string()))
        }
        other => other,
    }
}

impl HookToolsExec {
    /// `--label=`, `--description=`, `--expire=`, `--rotate=`: each value in the word of
    /// its option, so none can be read as another.
    fn metadata_args(argv: &mut Vec<String>, metadata: &SecretMetadata) {
        if let Some(label) = &metadata.label {
            argv.push(format!("--label={label}"));
        }
        if let Some(description) = &metadata.description {
            argv.push(format!("--description={}", description.as_str()));
        }
        if let Some(expire) = &metadata.expire {
            argv.push(format!("--expire={expire}"));
        }
        if let Some(rotate) = metadata.rotate {
            argv.push(format!("--rotate={}", rotate.as_str()));
        }
    }

    fn access_args(
        tool: &str,
        id: &SecretUri,
        relation: &str,
        unit: Option<&UnitName>,
    ) -> Vec<String> {
        let mut argv = argv![tool, "--relation", relation];
        if let Some(unit) = unit {
            argv.push(format!("--unit={unit}"));
        }
        argv.extend(argv!["--", id.canonical()]);
        argv
    }

    fn port_args(tool: &str, range: PortRange, endpoints: &[BindingName]) -> Vec<String> {
        let mut argv = argv![tool];
        if !endpoints.is_empty() {
            let names: Vec<&str> = endpoints.iter().map(|e| e.as_str()).collect();
            argv.push(format!("--endpoints={}", names.join(",")));
        }
        argv.push(range.to_string());
        argv
    }

    /// The time a tool may take: its own limit, cut to the dispatch's deadline.
    fn budget(&self) -> Duration {
        self.deadline.map_or(TOOL_TIMEOUT, |d| {
            TOOL_TIMEOUT.min(d.saturating_duration_since(std::time::Instant::now()))
        })
    }

    fn tool(&self, argv: Vec<String>) -> Result<String, BackendError> {
        let output = Invocation::new(&argv, self.budget()).check()?;
        Ok(output.stdout_str())
    }

    fn json(&self, argv: Vec<String>) -> Result<Value, BackendError> {
        self.parsed(argv)
    }

    /// A tool's JSON answer as `T`; a bad one is named with the start of it only.
    fn parsed<T: serde::de::DeserializeOwned>(&self, argv: Vec<String>) -> Result<T, BackendError> {
        let command = display(&argv);
        let out = self.tool(argv)?;
        serde_json::from_str(&out).map_err(|e| BackendError::BadOutput {
            command,
            detail: format!("{e} in {}", crate::sandbox::names::shown(&out)),
        })
    }

    /// A tool's JSON answer that holds secrets (a secret's content, a credential): a bad
    /// one is named by where serde stopped, never by what it holds.
    fn parsed_secret<T: serde::de::DeserializeOwned>(
        &self,
        argv: Vec<String>,
    ) -> Result<T, BackendError> {
        let command = display(&argv);
        let out = self.tool(argv)?;
        serde_json::from_str(&out).map_err(|e| BackendError::BadOutput {
            command,
            detail: format!(
                "not what was expected at line {} column {} (the output is secret, so not shown)",
                e.line(),
                e.column()
            ),
        })
    }

    /// A databag (a relation's) another unit may have filled.
    fn bag(&self, argv: Vec<String>) -> Result<BTreeMap<String, String>, BackendError> {
        self.parsed::<Bag>(argv).map(|bag| bag.0)
    }

    /// A JSON list of strings from a tool.
    fn strings(&self, argv: Vec<String>) -> Result<Vec<String>, BackendError> {
        let command = display(&argv);
        match relation_errors(self.json(argv))? {
            serde_json::Value::Null => Ok(Vec::new()),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| BackendError::BadOutput {
                            command: command.clone(),
                            detail: format!("expected strings, got {v}"),
                        })
                })
                .collect(),
            other => Err(BackendError::BadOutput {
                command,
                detail: format!("expected a JSON list, got {other}"),
            }),
        }
    }

    /// The label as one `--label=` word, then the id after the options' end.
    fn secret_args(argv: &mut Vec<String>, secret: &SecretRef) {
        if let Some(label) = secret.label() {
            argv.push(format!("--label={label}"));
        }
        if let Some(id) = secret.id() {
            argv.extend(argv!["--", id.canonical()]);
        }
    }
}

/// Juju's words for a relation that is gone, or a bag the unit may not touch.
fn relation_errors<T>(result: Result<T, BackendError>) -> Result<T, BackendError> {
    match result {
        Err(BackendError::CommandFailed { stderr, .. }) if stderr.contains("not found") => {
            Err(BackendError::NotFound(stderr.trim().to_string()))
        }
        Err(BackendError::CommandFailed { stderr, .. }) if stderr.contains("permission denied") => {
            Err(BackendError::PermissionDenied(stderr.trim().to_string()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_databag_is_read_with_a_bound_on_its_keys() {
        let bag: Bag = serde_json::from_str("null").unwrap();
        assert!(bag.0.is_empty());
        let bag: Bag = serde_json::from_str(r#"{"a": "1", "b": 2}"#).unwrap();
        assert_eq!(bag.0["a"], "1");
        assert_eq!(bag.0["b"], "2");
        let many: String = (0..=BAG_KEYS)
            .map(|i| format!("\"k{i}\":\"\""))
            .collect::<Vec<_>>()
            .join(",");
        let err = serde_json::from_str::<Bag>(&format!("{{{many}}}"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("more than 10000 keys"), "{err}");
        assert!(serde_json::from_str::<Bag>("[1]").is_err());
    }

    #[test]
    fn json_written_for_a_tool_stops_at_its_cap() {
        use std::io::Write;
        let mut capped = caps::CappedBuffer::new(10);
        // Eight NULs are 48 bytes of JSON.
        let err = serde_json::to_writer(&mut capped, &"\0".repeat(8)).unwrap_err();
        assert!(capped.full, "{err}");
        let mut capped = caps::CappedBuffer::new(10);
        capped.write_all(b"0123456789").unwrap();
        assert_eq!(capped.bytes.len(), 10);
    }
}
