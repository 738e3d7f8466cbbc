//! `wasmcharm pack`: the `.charm` Juju deploys. A zip in the layout Juju and charmcraft
//! use: `metadata.yaml`, `config.yaml` and `actions.yaml` split out of a unified
//! `charmcraft.yaml`, `manifest.yaml` naming the base and the architecture, `dispatch`,
//! the host in `bin/wasmcharm`, the component and `wasmcharm.yaml`.
//!
//! One pack is for one architecture, the one its host binary is built for. `dispatch` is
//! the hot binary when one sits beside that host (named `dispatch`), else a copy of the
//! host itself, which dispatches when run under that name. Nothing precompiled is packed
//! unless it is signed (`wasmcharm sign`, see [`crate::runtime::shipped`]): otherwise
//! the first hook on each unit (`install`) compiles the component for that unit's CPU,
//! and a new component (`upgrade-charm`) is compiled again the same way.
//!
//! A charm Juju would refuse is refused here, and the archive is read back
//! ([`verify`]) before it takes the place of the old one; [`check`] goes further and
//! runs what was packed.

pub mod base;
pub mod check;
pub mod juju_rules;
pub mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::charm_dir::{CharmDir, CharmDirError, optional};
use crate::tools::progress::Step;
use base::{Base, Executable};

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(transparent)]
    CharmDir(#[from] CharmDirError),
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} does not exist: build the charm first (`wasmcharm build {dir}`)")]
    NoComponent { path: String, dir: String },
    #[error(
        "{path} was signed for another build of the component: run `wasmcharm sign` \
         again, or remove it and {code} to ship none"
    )]
    StaleSignature { path: String, code: String },
    #[error("{0}")]
    Signature(String),
    #[error("--host-binary {0:?}: expected ARCH=PATH, e.g. arm64=/path/to/wasmcharm")]
    BadHostBinary(String),
    #[error("the host binary {path} does not exist")]
    NoHost { path: String },
    #[error(
        "charmcraft.yaml's platforms ({declared}) do not include {arch}, the architecture \
         of the host binary being packed"
    )]
    Architecture { arch: String, declared: String },
    #[error(
        "the host being packed cannot run on {base}, the base charmcraft.yaml declares:\n\
         {problems}\n\
         A statically linked host runs on every base. Build one with `./dev dist` in a \
         wasmcharm checkout, or with `RUSTFLAGS='-C target-feature=+crt-static' cargo \
         install wasmcharm --target {target}`, and pack with it (its `pack`, or \
         `--host-binary {arch}=PATH`)."
    )]
    Base {
        base: Base,
        problems: String,
        arch: String,
        target: &'static str,
    },
    #[error("{dir} is not a charm Juju would deploy:\n{problems}")]
    Refused { dir: String, problems: String },
    #[error("the archive written to {path} does not read back as it must:\n{problems}")]
    Unsound { path: String, problems: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Juju's name for this machine's architecture.
pub fn this_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// Which host binary to pack, for which architecture.
#[derive(Debug, Clone)]
pub struct Host {
    pub arch: String,
    pub path: PathBuf,
}

impl Host {
    /// `ARCH=PATH`, as `--host-binary` takes it.
    pub fn parse(spec: &str) -> Result<Host, PackError> {
        let (arch, path) = spec
            .split_once('=')
            .filter(|(a, p)| !a.is_empty() && !p.is_empty())
            .ok_or_else(|| PackError::BadHostBinary(spec.into()))?;
        Ok(Host {
            arch: arch.into(),
            path: path.into(),
        })
    }

    /// The running host, for this machine.
    pub fn this() -> Result<Host, PackError> {
        let path = std::env::current_exe().map_err(|e| PackError::Read {
            path: "the running wasmcharm".into(),
            message: e.to_string(),
        })?;
        Ok(Host {
            arch: this_architecture().into(),
            path,
        })
    }
}

/// A packed charm, read back.
#[derive(Debug, Clone)]
pub struct Packed {
    pub path: PathBuf,
    pub size: u64,
    pub layout: verify::Layout,
}

/// Packs the charm in `dir` into `out` (default `<dir>/<name>.charm`).
pub fn pack(dir: &Path, host: &Host, out: Option<&Path>) -> Result<Packed, PackError> {
    let charm = CharmDir::open(dir)?;
    let name = charm.metadata.name.clone();
    let component = charm.component_path();
    if !component.is_file() {
        return Err(PackError::NoComponent {
            path: component.display().to_string(),
            dir: dir.display().to_string(),
        });
    }
    if !host.path.is_file() {
        return Err(PackError::NoHost {
            path: host.path.display().to_string(),
        });
    }
    let out = out.map_or_else(|| dir.join(format!("{name}.charm")), Path::to_path_buf);
    let step = Step::start(&format!("packing {name} for {}", host.arch));
    let files = Files::of(dir, &charm, host)?;
    let (size, layout) = files.write(&out, &host.arch)?;
    step.done(&format!("{} ({size} bytes)", out.display()));
    Ok(Packed {
        path: out,
        size,
        layout,
    })
}

/// What goes in the zip: `(name in the zip, contents)`. The executables are those
/// [`verify::EXECUTABLES`] names, which the read-back holds them to.
struct Files(Vec<(String, Vec<u8>)>);

impl Files {
    fn of(dir: &Path, charm: &CharmDir, host: &Host) -> Result<Self, PackError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| PackError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        };
        let yaml = |value: &Value| {
            serde_yaml::to_string(value)
                .unwrap_or_default()
                .into_bytes()
        };
        let mut files = Vec::new();
        let metadata = split_charmcraft(dir)?;
        let problems = juju_rules::problems(&metadata.metadata);
        if !problems.is_empty() {
            return Err(PackError::Refused {
                dir: dir.display().to_string(),
                problems: problems.join("\n"),
            });
        }
        files.push(("metadata.yaml".into(), yaml(&metadata.metadata)));
        if let Some(config) = &metadata.config {
            files.push(("config.yaml".into(), yaml(config)));
        }
        if let Some(actions) = &metadata.actions {
            files.push(("actions.yaml".into(), yaml(actions)));
        }
        files.push((
            "manifest.yaml".into(),
            yaml(&manifest(&metadata, &host.arch)?),
        ));
        let full = read(&host.path)?;
        let hot = host
            .path
            .parent()
            .map(|d| d.join("dispatch"))
            .filter(|p| p.is_file());
        let dispatch = match &hot {
            Some(hot) => read(hot)?,
            None => full.clone(),
        };
        runs_on(
            &metadata.base,
            host,
            [("dispatch", &dispatch), ("bin/wasmcharm", &full)],
        )?;
        files.push(("dispatch".into(), dispatch));
        files.push(("bin/wasmcharm".into(), full));
        files.push(("wasmcharm.yaml".into(), read(&dir.join("wasmcharm.yaml"))?));
        let component = charm.component_path();
        let inside = component
            .strip_prefix(dir)
            .unwrap_or(&charm.manifest.component)
            .to_string_lossy()
            .into_owned();
        files.push((inside.clone(), read(&component)?));
        // Signed code made here is for this architecture only.
        if host.arch == this_architecture() {
            files.extend(signed_code(&component, &inside)?);
        }
        for optional in ["README.md", "LICENSE", "icon.svg"] {
            let path = dir.join(optional);
            if path.is_file() {
                files.push((optional.into(), read(&path)?));
            }
        }
        Ok(Files(files))
    }

    /// Writes the zip beside `out`, reads it back, and moves it into place whole: a pack
    /// that fails leaves whatever was at `out` as it was.
    fn write(&self, out: &Path, arch: &str) -> Result<(u64, verify::Layout), PackError> {
        let err = |source: std::io::Error| PackError::Write {
            path: out.display().to_string(),
            source,
        };
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".wasmcharm-pack-")
            .tempfile_in(dir)
            .map_err(err)?;
        {
            let mut zip = zip::ZipWriter::new(temp.as_file_mut());
            for (name, bytes) in &self.0 {
                let executable = verify::EXECUTABLES.contains(&name.as_str());
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(if executable { 0o755 } else { 0o644 });
                zip.start_file(name.as_str(), options)
                    .map_err(|e| err(std::io::Error::other(e)))?;
                zip.write_all(bytes).map_err(err)?;
            }
            zip.finish().map_err(|e| err(std::io::Error::other(e)))?;
        }
        temp.as_file().sync_all().map_err(err)?;
        let size = temp.as_file().metadata().map_err(err)?.len();
        let layout = verify::verify(temp.path(), arch).map_err(|problems| PackError::Unsound {
            path: out.display().to_string(),
            problems,
        })?;
        let written: Vec<&str> = self.0.iter().map(|(name, _)| name.as_str()).collect();
        let read: Vec<&str> = layout
            .entries
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        if written != read {
            return Err(PackError::Unsound {
                path: out.display().to_string(),
                problems: format!("it holds {read:?}, not the {written:?} written"),
            });
        }
        // A temporary file is 0600; a .charm is for others to read and deploy, as
        // charmcraft leaves it.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644))
                .map_err(err)?;
        }
        temp.persist(out).map_err(|e| err(e.error))?;
        Ok((size, layout))
    }
}

/// The signed code `wasmcharm sign` left beside `component` (`inside` in the zip), with
/// its signature, if there is any: a signature for an older component is refused
/// rather than shipped to be refused by every unit.
fn signed_code(component: &Path, inside: &str) -> Result<Vec<(String, Vec<u8>)>, PackError> {
    use crate::runtime::shipped;
    let signed = match shipped::read_signature(component) {
        Ok(Some(signed)) => signed,
        Ok(None) => return Ok(Vec::new()),
        Err(e) => return Err(PackError::Signature(e.to_string())),
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| PackError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let code = shipped::code_path(component);
    let signature = shipped::signature_path(component);
    let current = shipped::signs_component(&signed, component).map_err(|e| PackError::Read {
        path: component.display().to_string(),
        message: e.to_string(),
    })?;
    if !current {
        return Err(PackError::StaleSignature {
            path: signature.display().to_string(),
            code: code.display().to_string(),
        });
    }
    let name = |path: PathBuf| path.to_string_lossy().into_owned();
    Ok(vec![
        (name(shipped::code_path(Path::new(inside))), read(&code)?),
        (
            name(shipped::signature_path(Path::new(inside))),
            read(&signature)?,
        ),
    ])
}

/// Refuses executables the base cannot run. One that is not ELF at all is left to
/// [`verify`], which refuses it with the rest of what Juju could not unpack and run.
fn runs_on<'a>(
    base: &Base,
    host: &Host,
    executables: impl IntoIterator<Item = (&'a str, &'a Vec<u8>)>,
) -> Result<(), PackError> {
    let problems: Vec<String> = executables
        .into_iter()
        .filter_map(|(name, bytes)| {
            let problem = match Executable::read(bytes) {
                Ok(exe) => exe.problem_on(base)?,
                Err(e) if bytes.starts_with(b"\x7fELF") => {
                    format!("its ELF headers cannot be read ({e})")
                }
                // Not ELF at all: verify refuses it, with the rest Juju could not run.
                Err(_) => return None,
            };
            Some(format!("  `{name}`: {problem}"))
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(PackError::Base {
        base: base.clone(),
        problems: problems.join("\n"),
        arch: host.arch.clone(),
        target: base::rust_target(&host.arch).unwrap_or("<the target's triple>"),
    })
}

/// The charm's metadata as Juju reads it, and what charmcraft.yaml says it runs on.
struct Split {
    metadata: Value,
    config: Option<Value>,
    actions: Option<Value>,
    base: Base,
    /// The architectures it is declared for; empty when it does not say.
    architectures: Vec<String>,
}

/// Keys of charmcraft.yaml that are charmcraft's own, not the charm's metadata.
const CHARMCRAFT_ONLY: &[&str] = &[
    "type",
    "base",
    "build-base",
    "bases",
    "platforms",
    "parts",
    "charmhub",
    "charm-libs",
    "config",
    "actions",
    "links",
];

/// Reads the metadata as the host does (the packed files when present, else the unified
/// charmcraft.yaml), and the base and platforms from charmcraft.yaml.
fn split_charmcraft(dir: &Path) -> Result<Split, PackError> {
    let charmcraft_path = dir.join("charmcraft.yaml");
    let charmcraft = match optional::<Value>(&charmcraft_path)? {
        Some(Value::Mapping(m)) => m,
        _ => Mapping::new(),
    };
    let (base, architectures) = declared_base(&charmcraft).ok_or_else(|| PackError::Read {
        path: charmcraft_path.display().to_string(),
        message: "it names no base to run on: expected `base: ubuntu@24.04` (with \
                  `platforms`) or `bases: [{name: ubuntu, channel: \"24.04\"}]`"
            .into(),
    })?;
    if dir.join("metadata.yaml").is_file() {
        return Ok(Split {
            metadata: optional::<Value>(&dir.join("metadata.yaml"))?.unwrap_or_default(),
            config: optional::<Value>(&dir.join("config.yaml"))?,
            actions: optional::<Value>(&dir.join("actions.yaml"))?,
            base,
            architectures,
        });
    }
    let config = charmcraft.get("config").cloned();
    let actions = charmcraft.get("actions").cloned();
    let mut metadata = charmcraft;
    for key in CHARMCRAFT_ONLY {
        metadata.remove(*key);
    }
    Ok(Split {
        metadata: Value::Mapping(metadata),
        config,
        actions,
        base,
        architectures,
    })
}

/// The base and architectures charmcraft.yaml declares, in either of its syntaxes:
/// `base:` with `platforms:` (whose names may be `amd64` or `ubuntu@22.04:amd64`, or
/// carry `build-for`), or the older `bases:` (each entry, or its `run-on`, with `name`,
/// `channel` and `architectures`).
fn declared_base(charmcraft: &Mapping) -> Option<(Base, Vec<String>)> {
    let arch_of = |name: &str| name.rsplit(':').next().unwrap_or(name).to_string();
    if let Some(base) = charmcraft.get("base").and_then(Value::as_str) {
        let (name, channel) = base.split_once('@')?;
        let mut architectures = Vec::new();
        if let Some(Value::Mapping(platforms)) = charmcraft.get("platforms") {
            for (key, value) in platforms {
                let build_for = value
                    .get("build-for")
                    .and_then(Value::as_sequence)
                    .map(|list| list.iter().filter_map(Value::as_str).map(arch_of).collect())
                    .unwrap_or_default();
                let build_for: Vec<String> = build_for;
                if !build_for.is_empty() {
                    architectures.extend(build_for);
                } else if let Some(key) = key.as_str() {
                    architectures.push(arch_of(key));
                }
            }
        }
        let base = Base {
            name: name.into(),
            channel: channel.into(),
        };
        return Some((base, architectures));
    }
    let first = charmcraft.get("bases")?.as_sequence()?.first()?;
    let entry = first
        .get("run-on")
        .and_then(Value::as_sequence)
        .and_then(|r| r.first())
        .unwrap_or(first);
    let name = entry.get("name")?.as_str()?.to_string();
    let channel = match entry.get("channel")? {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).ok()?.trim().to_string(),
    };
    let architectures = entry
        .get("architectures")
        .and_then(Value::as_sequence)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Some((Base { name, channel }, architectures))
}

/// `manifest.yaml`: the base and the one architecture this pack runs on.
fn manifest(split: &Split, arch: &str) -> Result<Value, PackError> {
    if !split.architectures.is_empty() && !split.architectures.iter().any(|a| a == arch) {
        return Err(PackError::Architecture {
            arch: arch.into(),
            declared: split.architectures.join(", "),
        });
    }
    let mut base = Mapping::new();
    base.insert("name".into(), split.base.name.as_str().into());
    base.insert("channel".into(), split.base.channel.as_str().into());
    base.insert("architectures".into(), Value::Sequence(vec![arch.into()]));
    let mut manifest = Mapping::new();
    manifest.insert(
        "analysis".into(),
        serde_yaml::from_str(
            "attributes: [{name: language, result: unknown}, {name: framework, result: unknown}]",
        )
        .unwrap_or_default(),
    );
    manifest.insert("bases".into(), Value::Sequence(vec![Value::Mapping(base)]));
    manifest.insert(
        "packed-by".into(),
        format!("wasmcharm {}", env!("CARGO_PKG_VERSION")).into(),
    );
    Ok(Value::Mapping(manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charmcraft_yaml_splits_into_the_packed_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("charmcraft.yaml"),
            "name: demo\ntype: charm\nsummary: s\ndescription: d\nbase: ubuntu@22.04\n\
             platforms: {amd64: , arm64: }\nparts: {charm: {plugin: dump}}\n\
             requires: {db: {interface: pgsql}}\n\
             config: {options: {port: {type: int, default: 22}}}\n\
             actions: {backup: {description: b}}\n",
        )
        .unwrap();
        let split = split_charmcraft(dir.path()).unwrap();
        let meta = split.metadata.as_mapping().unwrap();
        assert_eq!(meta.get("name").unwrap(), "demo");
        assert!(meta.get("requires").is_some());
        for gone in ["type", "base", "platforms", "parts", "config", "actions"] {
            assert!(meta.get(gone).is_none(), "{gone}");
        }
        assert!(split.config.unwrap().get("options").is_some());
        assert!(split.actions.unwrap().get("backup").is_some());
        let manifest = serde_yaml::to_string(
            &manifest(&split_charmcraft(dir.path()).unwrap(), "arm64").unwrap(),
        )
        .unwrap();
        assert!(
            manifest.contains("channel: '22.04'") && manifest.contains("- arm64"),
            "{manifest}"
        );
        let err = manifest_err(dir.path(), "s390x");
        assert!(err.contains("do not include s390x"), "{err}");
    }

    #[test]
    fn the_older_layouts_are_read_as_the_host_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        // charmcraft 2: the metadata in its own files, `bases:` with run-on.
        std::fs::write(
            dir.path().join("charmcraft.yaml"),
            "type: charm\nbases:\n- build-on: [{name: ubuntu, channel: \"22.04\"}]\n  \
             run-on: [{name: ubuntu, channel: \"22.04\", architectures: [amd64, arm64]}]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("metadata.yaml"), "name: old\nsummary: s\n").unwrap();
        std::fs::write(
            dir.path().join("config.yaml"),
            "options: {a: {type: int}}\n",
        )
        .unwrap();
        let split = split_charmcraft(dir.path()).unwrap();
        assert_eq!(split.metadata.get("name").unwrap(), "old");
        assert!(split.config.is_some());
        assert_eq!(split.base.to_string(), "ubuntu@22.04");
        assert_eq!(split.architectures, ["amd64", "arm64"]);
        // Platforms named base:arch, or with build-for.
        std::fs::write(
            dir.path().join("charmcraft.yaml"),
            "base: ubuntu@22.04\nplatforms:\n  ubuntu@22.04:amd64:\n  \
             other: {build-on: [riscv64], build-for: [riscv64]}\n",
        )
        .unwrap();
        let split = split_charmcraft(dir.path()).unwrap();
        assert_eq!(split.architectures, ["amd64", "riscv64"]);
        // No base at all is an error, not a guess.
        std::fs::write(dir.path().join("charmcraft.yaml"), "type: charm\n").unwrap();
        let err = split_charmcraft(dir.path()).err().unwrap().to_string();
        assert!(err.contains("names no base"), "{err}");
    }

    fn manifest_err(dir: &Path, arch: &str) -> String {
        manifest(&split_charmcraft(dir).unwrap(), arch)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn host_binaries_are_arch_equals_path() {
        let host = Host::parse("arm64=/opt/wasmcharm").unwrap();
        assert_eq!(
            (host.arch.as_str(), host.path.to_str()),
            ("arm64", Some("/opt/wasmcharm"))
        );
        assert!(Host::parse("arm64").is_err());
        assert!(Host::parse("=/x").is_err());
    }
}
