//! `wasmcharm pack --check`: the packed charm unpacked as Juju's unit agent unpacks it,
//! and its shipped binaries run from there, so that what is checked is what deploys.
//!
//! Nothing here runs the charm against the machine: the component is compiled by the
//! packed host, the packed `dispatch` is started for a hook no charm handles (it reads
//! the packed metadata and exits), and the install hook runs on a simulated unit by the
//! packed host. What the check judges is the packing: that the shipped binaries run the
//! shipped component through a hook to its end. Whether the charm succeeds is judged
//! only on the unit a state describes (`--check-state`): on an empty simulated unit, a
//! correct charm whose install needs Pebble or a relation fails, and that is noted, not
//! held against the package.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Unpacks `archive` into `into` as Juju does (juju/utils/zip over Go's `archive/zip`):
/// parent directories made as needed, each file created with the permission bits its
/// entry carries (under the process's umask). An entry with no Unix mode (which `pack`
/// never writes) is created with none, stricter than Go, which would give it 0666: a
/// check that passes here passes there. Returns the names unpacked.
pub fn unpack_as_juju(archive: &Path, into: &Path) -> std::io::Result<Vec<String>> {
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(archive)?).map_err(std::io::Error::other)?;
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(std::io::Error::other)?;
        let inside = entry.enclosed_name().ok_or_else(|| {
            std::io::Error::other(format!("`{}` leads outside the archive", entry.name()))
        })?;
        let path = into.join(&inside);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mode = entry.unix_mode().unwrap_or(0) & 0o777;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        std::io::Write::write_all(&mut file, &bytes)?;
        file.sync_all()?;
        names.push(entry.name().to_string());
    }
    Ok(names)
}

/// One step of the check and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub what: String,
    pub result: Result<String, String>,
}

/// Unpacks `archive` in a fresh directory and runs its binaries from there, install on
/// the unit `state` describes (an empty one when none). The steps stop at the first that
/// fails.
pub fn check(archive: &Path, state: Option<&Path>) -> Vec<Step> {
    let mut steps = Vec::new();
    let unit = match tempfile::Builder::new()
        .prefix("wasmcharm-check-")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            steps.push(Step {
                what: "make a directory to unpack into".into(),
                result: Err(e.to_string()),
            });
            return steps;
        }
    };
    let charm = unit.path().join("charm");
    let mut step = |what: &str, result: Result<String, String>| {
        let ok = result.is_ok();
        steps.push(Step {
            what: what.into(),
            result,
        });
        ok
    };
    let unpacked = unpack_as_juju(archive, &charm)
        .map(|names| format!("{} files into {}", names.len(), charm.display()))
        .map_err(|e| e.to_string());
    if !step("unpack as Juju does", unpacked) {
        return steps;
    }
    let _ = step("executables kept their mode", executables_ok(&charm))
        && step(
            "the packed host compiles the component",
            run(Command::new(charm.join("bin/wasmcharm"))
                .arg("precompile")
                .arg(&charm)),
        )
        && step(
            "the packed dispatch starts and reads the metadata",
            run(Command::new(charm.join("dispatch"))
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("JUJU_DISPATCH_PATH", "hooks/wasmcharm-pack-check")
                .env("JUJU_CHARM_DIR", &charm)
                .env("JUJU_UNIT_NAME", "check/0")
                .env("JUJU_MODEL_NAME", "check")
                // No hook tools answer: the host's note of an unknown hook goes nowhere.
                .env("JUJU_VERSION", "3.6.0")),
        )
        && step("install on a simulated unit", install(&charm, state));
    steps
}

/// The packed host runs install to its end. On the unit a state describes, the charm
/// must succeed; on an empty one, its failure is only noted.
fn install(charm: &Path, state: Option<&Path>) -> Result<String, String> {
    let mut command = Command::new(charm.join("bin/wasmcharm"));
    command.arg("run").arg(charm).arg("install");
    if let Some(state) = state {
        command.arg("--state").arg(state);
    }
    let out = command
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("the packed host could not be run: {e}"))?;
    let report = String::from_utf8_lossy(&out.stdout);
    match (out.status.code(), state) {
        (Some(0), _) => Ok(outcome_line(&report)),
        // The charm ran and failed: the package works.
        (Some(1), None) => Ok(format!(
            "{} (on an empty unit; give --check-state a state for the charm to succeed on)",
            outcome_line(&report)
        )),
        _ => Err(format!(
            "the packed host ended with {}: {}",
            out.status,
            [
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
                outcome_line(&report),
            ]
            .into_iter()
            .filter(|t| !t.is_empty() && t != "unknown")
            .collect::<Vec<_>>()
            .join(" / ")
        )),
    }
}

fn executables_ok(charm: &Path) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    for exe in super::verify::EXECUTABLES {
        let path: PathBuf = charm.join(exe);
        let mode = std::fs::metadata(&path)
            .map_err(|e| format!("{exe}: {e}"))?
            .permissions()
            .mode();
        if mode & 0o111 == 0 {
            return Err(format!("{exe} unpacked with mode {:o}", mode & 0o777));
        }
        found.push(format!("{exe} {:o}", mode & 0o777));
    }
    Ok(found.join(", "))
}

/// Runs a command to its end: its last line of output, or why it failed.
fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{}", command.get_program().to_string_lossy());
    let out: Output = command
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{shown} could not be run: {e}"))?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_string();
    if out.status.success() {
        let said = text(&out.stdout);
        Ok(if said.is_empty() {
            "exit 0".into()
        } else {
            said
        })
    } else {
        Err(format!(
            "{shown} ended with {}: {}",
            out.status,
            [text(&out.stderr), text(&out.stdout)]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" / ")
        ))
    }
}

/// The `outcome:` line of a `run` report, with the unit's status.
fn outcome_line(report: &str) -> String {
    let value: serde_yaml::Value = serde_yaml::from_str(report).unwrap_or_default();
    let outcome = value["happened"]["outcome"].as_str().unwrap_or("unknown");
    let status = &value["state"]["unit-status"];
    match (status["status"].as_str(), status["message"].as_str()) {
        (Some(s), Some(m)) if !m.is_empty() => format!("{outcome}; unit {s}: {m}"),
        (Some(s), _) => format!("{outcome}; unit {s}"),
        _ => outcome.to_string(),
    }
}
