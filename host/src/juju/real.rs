//! The hook tools Juju puts on PATH for the length of a hook, run as subprocesses with
//! the argv forms `ops` uses (so Juju sees nothing new).

use std::time::Duration;

use serde_json::{Map, Value};

use super::{HookTools, LogLevel, Status, StatusKind, Target};
use crate::argv;
use crate::error::BackendError;
use crate::process::{Invocation, display};

/// Hook tools answer from the unit agent in milliseconds; this only stops a wedged
/// agent from holding the hook forever.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// Juju's limit on one `juju-log` argument; longer messages go in pieces, as in `ops`.
const LOG_CHUNK: usize = 131_071;

#[derive(Debug, Default)]
pub struct HookToolsExec {
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

fn tool(argv: Vec<String>) -> Result<String, BackendError> {
    let output = Invocation::new(&argv, TOOL_TIMEOUT).check()?;
    Ok(output.stdout_str())
}

fn json(argv: Vec<String>) -> Result<Value, BackendError> {
    let command = display(&argv);
    let out = tool(argv)?;
    serde_json::from_str(&out).map_err(|e| BackendError::BadOutput {
        command,
        detail: format!("{e} in {out:?}"),
    })
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
    fn status_set(&mut self, target: Target, status: &Status) -> Result<(), BackendError> {
        let mut argv = argv!["status-set", application_flag(target), status.kind.as_str()];
        if !status.message.is_empty() {
            argv.extend(argv!["--", status.message.as_str()]);
        }
        match tool(argv) {
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
        let value = json(argv)?;
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
        let config = match json(argv)? {
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
        let leader = json(argv)?
            .as_bool()
            .ok_or_else(|| BackendError::BadOutput {
                command,
                detail: "expected true or false".into(),
            })?;
        self.leader = Some(leader);
        Ok(leader)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        let mut rest = message;
        loop {
            let mut cut = rest.len().min(LOG_CHUNK);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (piece, tail) = rest.split_at(cut);
            tool(argv![
                "juju-log",
                "--log-level",
                level.as_str(),
                "--",
                piece
            ])?;
            if tail.is_empty() {
                return Ok(());
            }
            rest = tail;
        }
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        tool(argv!["application-version-set", "--", version]).map(drop)
    }
}
