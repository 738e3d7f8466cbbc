//! What a charm directory declares: its metadata (`metadata.yaml` + `config.yaml` +
//! `actions.yaml` in a packed charm, or one unified `charmcraft.yaml` in a source tree)
//! and its `wasmcharm.yaml` manifest.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sandbox::Policy;
use crate::sandbox::yaml;

#[derive(Debug, thiserror::Error)]
pub enum CharmDirError {
    #[error(
        "{dir} is not a charm directory: it has neither metadata.yaml nor charmcraft.yaml. \
         Point JUJU_CHARM_DIR (or the CHARM_DIR argument) at the directory holding the \
         charm's metadata."
    )]
    NoMetadata { dir: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

/// The type of a config option, as declared in `config.yaml` / `charmcraft.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    String,
    Int,
    Float,
    Boolean,
    Secret,
}

impl OptionType {
    /// Whether a value (as `config-get` prints it) is of this type.
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            OptionType::String | OptionType::Secret => value.is_string(),
            OptionType::Int => value.is_i64(),
            OptionType::Float => value.is_number(),
            OptionType::Boolean => value.is_boolean(),
        }
    }
}

impl fmt::Display for OptionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptionType::String => "string",
            OptionType::Int => "int",
            OptionType::Float => "float",
            OptionType::Boolean => "boolean",
            OptionType::Secret => "secret",
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConfigOption {
    #[serde(rename = "type")]
    pub kind: OptionType,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionSpec {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// The parts of a charm's metadata the host needs.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub name: String,
    pub subordinate: bool,
    /// Relation endpoints: `requires`, `provides` and `peers` together.
    pub endpoints: BTreeMap<String, String>,
    /// The peer endpoints among them.
    pub peers: Vec<String>,
    /// Bindings that are not relation endpoints (`extra-bindings`).
    pub extra_bindings: Vec<String>,
    pub storage: Vec<String>,
    pub containers: Vec<String>,
    pub resources: Vec<String>,
    pub config: BTreeMap<String, ConfigOption>,
    pub actions: BTreeMap<String, ActionSpec>,
}

#[derive(Debug, Deserialize)]
struct Endpoint {
    interface: String,
}

/// `metadata.yaml`, or the same keys at the top of `charmcraft.yaml`.
#[derive(Debug, Deserialize)]
struct MetadataFile {
    name: String,
    #[serde(default)]
    subordinate: bool,
    #[serde(default)]
    requires: Option<BTreeMap<String, Endpoint>>,
    #[serde(default)]
    provides: Option<BTreeMap<String, Endpoint>>,
    #[serde(default)]
    peers: Option<BTreeMap<String, Endpoint>>,
    #[serde(default)]
    storage: Option<BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    containers: Option<BTreeMap<String, serde_yaml::Value>>,
    #[serde(default, rename = "extra-bindings")]
    extra_bindings: Option<BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    resources: Option<BTreeMap<String, serde_yaml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    options: Option<BTreeMap<String, ConfigOption>>,
}

#[derive(Debug, Deserialize)]
struct CharmcraftFile {
    #[serde(flatten)]
    metadata: MetadataFile,
    #[serde(default)]
    config: Option<ConfigFile>,
    #[serde(default)]
    actions: Option<BTreeMap<String, Option<ActionSpec>>>,
}

impl Metadata {
    /// Reads the metadata the way Juju sees it: the packed files when present, else
    /// the unified `charmcraft.yaml` of a source tree.
    pub fn load(dir: &Path) -> Result<Self, CharmDirError> {
        let metadata_yaml = dir.join("metadata.yaml");
        if metadata_yaml.is_file() {
            let meta: MetadataFile = parse(&metadata_yaml)?;
            let config = optional::<ConfigFile>(&dir.join("config.yaml"))?.unwrap_or_default();
            let actions =
                optional::<BTreeMap<String, Option<ActionSpec>>>(&dir.join("actions.yaml"))?
                    .unwrap_or_default();
            return Self::assemble(meta, config, actions).checked(&metadata_yaml);
        }
        let charmcraft_yaml = dir.join("charmcraft.yaml");
        if charmcraft_yaml.is_file() {
            let file: CharmcraftFile = parse(&charmcraft_yaml)?;
            return Self::assemble(
                file.metadata,
                file.config.unwrap_or_default(),
                file.actions.unwrap_or_default(),
            )
            .checked(&charmcraft_yaml);
        }
        Err(CharmDirError::NoMetadata {
            dir: dir.display().to_string(),
        })
    }

    /// The metadata, if what the host takes from it as a name is one. A container's
    /// name is a directory of the socket path (`<dir>/<container>/pebble.socket`), and
    /// Kubernetes takes only an RFC 1123 label as a container's name.
    fn checked(self, file: &Path) -> Result<Self, CharmDirError> {
        let label = |name: &str| {
            name.len() <= 63
                && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if let Some(bad) = self.containers.iter().find(|c| !label(c)) {
            return Err(CharmDirError::Invalid {
                path: file.display().to_string(),
                message: format!(
                    "container {} is not a container name: lower-case letters, digits and \
                     `-`, starting and ending with a letter or digit, at most 63 (an RFC 1123 \
                     label, as Kubernetes takes)",
                    crate::sandbox::names::shown(bad)
                ),
            });
        }
        Ok(self)
    }

    fn assemble(
        meta: MetadataFile,
        config: ConfigFile,
        actions: BTreeMap<String, Option<ActionSpec>>,
    ) -> Self {
        let mut endpoints = BTreeMap::new();
        let peers = meta
            .peers
            .as_ref()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        for group in [meta.requires, meta.provides, meta.peers]
            .into_iter()
            .flatten()
        {
            endpoints.extend(group.into_iter().map(|(name, ep)| (name, ep.interface)));
        }
        Metadata {
            name: meta.name,
            subordinate: meta.subordinate,
            endpoints,
            peers,
            extra_bindings: meta
                .extra_bindings
                .unwrap_or_default()
                .into_keys()
                .collect(),
            storage: meta.storage.unwrap_or_default().into_keys().collect(),
            containers: meta.containers.unwrap_or_default().into_keys().collect(),
            resources: meta.resources.unwrap_or_default().into_keys().collect(),
            config: config.options.unwrap_or_default(),
            actions: actions
                .into_iter()
                .map(|(name, spec)| (name, spec.unwrap_or_default()))
                .collect(),
        }
    }
}

/// `wasmcharm.yaml`: which component to run and what it may touch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The component, relative to the charm directory.
    pub component: PathBuf,
    #[serde(default)]
    pub machine: Policy,
    #[serde(default)]
    pub limits: crate::runtime::limits::Limits,
}

impl Manifest {
    pub const FILE: &'static str = "wasmcharm.yaml";

    pub fn load(dir: &Path) -> Result<Self, CharmDirError> {
        let path = dir.join(Self::FILE);
        if !path.is_file() {
            return Err(CharmDirError::Invalid {
                path: path.display().to_string(),
                message: "the file is missing; a wasmcharm charm declares its component and \
                          capabilities there, e.g. `component: charm.wasm`"
                    .into(),
            });
        }
        let manifest: Manifest = parse(&path)?;
        // Inside the charm directory, where no charm may write: the host compiles and runs
        // what it finds there.
        let inside = manifest.component.is_relative()
            && manifest
                .component
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            return Err(CharmDirError::Invalid {
                path: path.display().to_string(),
                message: format!(
                    "component is {}; it must be a path inside the charm directory, such as \
                     charm.wasm or bin/charm.wasm",
                    manifest.component.display()
                ),
            });
        }
        Ok(manifest)
    }
}

/// An operator's narrowing of a charm's policy: `/etc/wasmcharm/<application>.yaml`, or
/// the file `WASMCHARM_POLICY` names. A charm can never write there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    #[serde(default)]
    pub machine: Option<crate::sandbox::Narrowing>,
    #[serde(default)]
    pub limits: Option<LimitsNarrowing>,
}

/// Lower limits an operator sets; a limit left out stays as the charm has it.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsNarrowing {
    #[serde(default, deserialize_with = "crate::runtime::limits::optional_size")]
    pub memory: Option<u64>,
    #[serde(
        default,
        deserialize_with = "crate::runtime::limits::optional_duration"
    )]
    pub timeout: Option<std::time::Duration>,
    #[serde(default, deserialize_with = "crate::runtime::limits::optional_size")]
    pub output: Option<u64>,
}

impl PolicyOverride {
    pub const ENV: &'static str = "WASMCHARM_POLICY";

    /// The override for `app`, if the operator has written one.
    pub fn find(app: &str) -> Result<Option<(PathBuf, Self)>, CharmDirError> {
        let path = match std::env::var_os(Self::ENV) {
            Some(path) => PathBuf::from(path),
            None => Path::new(crate::sandbox::OVERRIDE_DIR).join(format!("{app}.yaml")),
        };
        Self::load(&path).map(|o| o.map(|o| (path, o)))
    }

    pub fn load(path: &Path) -> Result<Option<Self>, CharmDirError> {
        optional(path)
    }
}

/// A charm directory with its metadata and manifest read and checked.
#[derive(Debug, Clone)]
pub struct CharmDir {
    pub path: PathBuf,
    pub metadata: Metadata,
    pub manifest: Manifest,
}

impl CharmDir {
    pub fn open(path: &Path) -> Result<Self, CharmDirError> {
        let metadata = Metadata::load(path)?;
        let manifest = Manifest::load(path)?;
        Ok(CharmDir {
            path: path.to_path_buf(),
            metadata,
            manifest,
        })
    }

    /// Narrows the charm's policy and limits by an operator's override: it can take
    /// away, never add.
    pub fn narrow(&mut self, by: &PolicyOverride) {
        if let Some(machine) = &by.machine {
            self.manifest.machine = self.manifest.machine.narrowed(machine);
        }
        if let Some(limits) = &by.limits {
            let mine = &mut self.manifest.limits;
            mine.memory = limits.memory.map_or(mine.memory, |l| mine.memory.min(l));
            mine.timeout = limits.timeout.map_or(mine.timeout, |l| mine.timeout.min(l));
            mine.output = limits.output.map_or(mine.output, |l| mine.output.min(l));
        }
    }

    pub fn component_path(&self) -> PathBuf {
        self.path.join(&self.manifest.component)
    }
}

/// A charm's YAML file as text, if it is YAML the host reads: no larger than
/// [`yaml::TEXT`], with no alias (a charm's metadata could otherwise ask the host for
/// gigabytes before the sandbox starts).
fn yaml_text(path: &Path) -> Result<String, CharmDirError> {
    use std::io::Read;
    let read = |source| CharmDirError::Read {
        path: path.display().to_string(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(read)?
        .take(yaml::TEXT as u64 + 1)
        .read_to_string(&mut text)
        .map_err(read)?;
    yaml::check(&text).map_err(|message| CharmDirError::Invalid {
        path: path.display().to_string(),
        message,
    })?;
    Ok(text)
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CharmDirError> {
    let text = yaml_text(path)?;
    serde_yaml::from_str(&text).map_err(|e| CharmDirError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// A YAML file that may be absent or empty (both `None`).
pub(crate) fn optional<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<Option<T>, CharmDirError> {
    if !path.is_file() {
        return Ok(None);
    }
    // An empty file (or one holding only comments) is as good as an absent one.
    let text = yaml_text(path)?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| CharmDirError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    if value.is_null() {
        return Ok(None);
    }
    serde_yaml::from_value(value)
        .map(Some)
        .map_err(|e| CharmDirError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn reads_a_unified_charmcraft_yaml() {
        let dir = dir_with(&[(
            "charmcraft.yaml",
            r#"
type: charm
name: demo
requires: {db: {interface: pgsql}}
peers: {cluster: {interface: demo-peers}}
containers: {web: {resource: web-image}}
storage: {data: {type: filesystem}}
config:
  options:
    port: {type: int, default: 22}
    motd: {type: string}
actions:
  backup: {description: Back up}
  noop:
"#,
        )]);
        let meta = Metadata::load(dir.path()).unwrap();
        assert_eq!(meta.name, "demo");
        assert_eq!(meta.endpoints["db"], "pgsql");
        assert_eq!(meta.endpoints["cluster"], "demo-peers");
        assert_eq!(meta.containers, ["web"]);
        assert_eq!(meta.storage, ["data"]);
        assert_eq!(meta.config["port"].kind, OptionType::Int);
        assert_eq!(meta.config["port"].default, Some(serde_json::json!(22)));
        assert!(meta.actions.contains_key("backup") && meta.actions.contains_key("noop"));
    }

    #[test]
    fn prefers_the_packed_files() {
        let dir = dir_with(&[
            ("metadata.yaml", "name: packed\n"),
            (
                "config.yaml",
                "options:\n  x: {type: boolean, default: true}\n",
            ),
            ("actions.yaml", ""),
            ("charmcraft.yaml", "name: source\n"),
        ]);
        let meta = Metadata::load(dir.path()).unwrap();
        assert_eq!(meta.name, "packed");
        assert_eq!(meta.config["x"].kind, OptionType::Boolean);
    }

    #[test]
    fn malformed_yaml_names_the_file_and_the_place() {
        let dir = dir_with(&[("charmcraft.yaml", "name: [unclosed\n")]);
        let err = Metadata::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("charmcraft.yaml is not valid"), "{err}");
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn an_unknown_option_type_is_rejected() {
        let dir = dir_with(&[(
            "charmcraft.yaml",
            "name: x\nconfig: {options: {a: {type: list}}}\n",
        )]);
        let err = Metadata::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown variant `list`"), "{err}");
    }

    #[test]
    fn a_container_name_is_a_kubernetes_one() {
        for bad in ["../../run/x", "/abs", "Web", "-web", "web-", "a b", ""] {
            let text = format!("name: x\ncontainers: {{{bad:?}: {{resource: r}}}}\n");
            let dir = dir_with(&[("metadata.yaml", &text)]);
            let err = Metadata::load(dir.path()).unwrap_err().to_string();
            assert!(err.contains("is not a container name"), "{bad}: {err}");
        }
        let dir = dir_with(&[("metadata.yaml", "name: x\ncontainers: {web-2: {}}\n")]);
        assert_eq!(Metadata::load(dir.path()).unwrap().containers, ["web-2"]);
    }

    #[test]
    fn metadata_with_an_alias_is_refused_before_it_is_expanded() {
        let list = "x,".repeat(10_000);
        let mut text = format!("name: x\nresources: {{a: &r [{list}x]");
        for i in 0..10_000 {
            text.push_str(&format!(", r{i}: *r"));
        }
        text.push_str("}\n");
        let dir = dir_with(&[("metadata.yaml", &text)]);
        let err = Metadata::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("has an alias"), "{err}");
    }

    #[test]
    fn a_manifest_with_an_unknown_key_is_rejected() {
        let dir = dir_with(&[("wasmcharm.yaml", "component: c.wasm\nmachin: {}\n")]);
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown field `machin`"), "{err}");
    }
}
