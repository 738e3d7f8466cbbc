//! `wasmcharm new`: a charm crate that builds and passes its own scenarios as generated.

use std::path::{Component, Path, PathBuf};

/// Environment variable naming a local SDK to depend on, when `--sdk` is not given.
pub const SDK_ENV: &str = "WASMCHARM_SDK";

/// The SDK release that matches this host: the same version, from crates.io.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the new charm gets `wasmcharm-sdk` from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sdk {
    /// crates.io, at this host's version: what a charm author outside the repository
    /// gets.
    Registry,
    /// A local checkout's `guest-sdk` (`--sdk PATH` or `$WASMCHARM_SDK`), for
    /// contributors and this repository's own tests.
    Path(PathBuf),
}

impl Sdk {
    /// `--sdk`, else `$WASMCHARM_SDK`, else the registry.
    pub fn chosen(flag: Option<PathBuf>) -> Sdk {
        match flag.or_else(|| std::env::var_os(SDK_ENV).map(PathBuf::from)) {
            Some(path) => Sdk::Path(path),
            None => Sdk::Registry,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "{name:?} is not a charm name: use lowercase letters, digits and single hyphens, \
         starting with a letter and not ending with a hyphen (e.g. my-charm)"
    )]
    BadName { name: String },
    #[error("{path} already exists; `wasmcharm new` only creates a new directory")]
    Exists { path: String },
    #[error(
        "cannot find wasmcharm-sdk at {path}: pass `--sdk PATH` (the guest-sdk directory of \
         a wasmcharm checkout) or set {SDK_ENV}"
    )]
    NoSdk { path: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What the charm is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Language {
    /// A crate on `wasmcharm-sdk`, from where [`Sdk`] says.
    Rust(Sdk),
    /// `src/charm.py` on `wasmcharm-ops`, built by componentize-py.
    Python,
}

/// What the charm runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A machine charm: a package and a systemd service.
    Machine,
    /// A Kubernetes charm: a workload container driven by a Pebble layer.
    Kubernetes,
}

/// `to` as seen from `from` (both absolute): `../../guest-sdk`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part.as_os_str());
    }
    out
}

/// The dependency line for `sdk`, as the charm in `dir` (not yet made) sees it: a local
/// SDK by a path relative to the charm, so that the two can move together.
fn dependency(dir: &Path, parent: &Path, sdk: &Sdk) -> Result<String, ScaffoldError> {
    let Sdk::Path(path) = sdk else {
        return Ok(format!("\"{SDK_VERSION}\""));
    };
    let sdk = path
        .canonicalize()
        .ok()
        .filter(|p| p.join("Cargo.toml").is_file())
        .ok_or_else(|| ScaffoldError::NoSdk {
            path: path.display().to_string(),
        })?;
    let charm = parent
        .canonicalize()
        .map(|p| p.join(dir.file_name().unwrap_or_default()))
        .map_err(|source| ScaffoldError::Write {
            path: parent.display().to_string(),
            source,
        })?;
    let relative = relative(&charm, &sdk);
    // TOML basic strings: a path with a quote or backslash is written escaped.
    let shown = relative
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    Ok(format!("{{ path = \"{shown}\" }}"))
}

/// Creates the charm `name` in the new directory `dir`. All or nothing: the files are
/// written in a temporary directory beside it, which becomes `dir` at the end.
pub fn create(
    dir: &Path,
    name: &str,
    kind: Kind,
    language: &Language,
) -> Result<(), ScaffoldError> {
    check_name(name)?;
    if dir.exists() {
        return Err(ScaffoldError::Exists {
            path: dir.display().to_string(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let sdk = match language {
        Language::Rust(sdk) => dependency(dir, &parent, sdk)?,
        Language::Python => String::new(),
    };
    let write_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| ScaffoldError::Write { path, source }
    };
    let staging = tempfile::Builder::new()
        .prefix(".wasmcharm-new-")
        .tempdir_in(&parent)
        .map_err(write_err(&parent))?;
    let vars = Vars::new(name, kind, &sdk);
    for (file, template) in files(kind, language) {
        let path = staging.path().join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        std::fs::write(&path, vars.fill(template)).map_err(write_err(&path))?;
    }
    {
        use std::os::unix::fs::PermissionsExt;
        let dispatch = staging.path().join("dispatch");
        std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755))
            .map_err(write_err(&dispatch))?;
    }
    let staged = staging.keep();
    // rename(2) onto a path that appeared meanwhile fails rather than merge into it
    // only for non-empty directories; checked again just before, for the rest.
    if dir.exists() {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(ScaffoldError::Exists {
            path: dir.display().to_string(),
        });
    }
    std::fs::rename(&staged, dir).map_err(|source| {
        let _ = std::fs::remove_dir_all(&staged);
        ScaffoldError::Write {
            path: dir.display().to_string(),
            source,
        }
    })
}

fn files(kind: Kind, language: &Language) -> Vec<(&'static str, &'static str)> {
    // The same YAML and scenarios either way: the templates' charms do the same.
    let mut files = vec![("dispatch", include_str!("../../templates/common/dispatch"))];
    files.extend(match kind {
        Kind::Machine => [
            (
                "wasmcharm.yaml",
                include_str!("../../templates/common/wasmcharm.yaml.machine"),
            ),
            (
                "charmcraft.yaml",
                include_str!("../../templates/machine/charmcraft.yaml"),
            ),
            (
                "tests/scenarios/charm.yaml",
                include_str!("../../templates/machine/scenarios.yaml"),
            ),
        ],
        Kind::Kubernetes => [
            (
                "wasmcharm.yaml",
                include_str!("../../templates/common/wasmcharm.yaml.kubernetes"),
            ),
            (
                "charmcraft.yaml",
                include_str!("../../templates/kubernetes/charmcraft.yaml"),
            ),
            (
                "tests/scenarios/charm.yaml",
                include_str!("../../templates/kubernetes/scenarios.yaml"),
            ),
        ],
    });
    files.extend(match (language, kind) {
        (Language::Python, kind) => [
            (
                "src/charm.py",
                match kind {
                    Kind::Machine => include_str!("../../templates/python/machine.py"),
                    Kind::Kubernetes => include_str!("../../templates/python/kubernetes.py"),
                },
            ),
            (
                ".gitignore",
                include_str!("../../templates/python/gitignore"),
            ),
            (
                "README.md",
                include_str!("../../templates/python/README.md"),
            ),
        ]
        .to_vec(),
        (Language::Rust(_), kind) => vec![
            (
                "src/lib.rs",
                match kind {
                    Kind::Machine => include_str!("../../templates/machine/lib.rs"),
                    Kind::Kubernetes => include_str!("../../templates/kubernetes/lib.rs"),
                },
            ),
            (
                "Cargo.toml",
                include_str!("../../templates/common/Cargo.toml.in"),
            ),
            (
                ".gitignore",
                include_str!("../../templates/common/gitignore"),
            ),
            (
                "README.md",
                include_str!("../../templates/common/README.md"),
            ),
        ],
    });
    files
}

/// What the templates' `{{...}}` stand for.
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn new(name: &str, kind: Kind, sdk: &str) -> Self {
        let type_name: String = name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let summary = match kind {
            Kind::Machine => format!("{name}, a machine charm written with wasmcharm"),
            Kind::Kubernetes => format!("{name}, a Kubernetes charm written with wasmcharm"),
        };
        Vars(vec![
            ("name", name.to_string()),
            ("type", type_name),
            ("summary", summary),
            ("sdk", sdk.to_string()),
            ("sdk-version", SDK_VERSION.to_string()),
            ("package", "nginx".into()),
            ("service", "nginx".into()),
            ("container", "workload".into()),
            ("arch", crate::tools::pack::this_architecture().into()),
        ])
    }

    fn fill(&self, template: &str) -> String {
        self.0
            .iter()
            .fold(template.to_string(), |text, (key, value)| {
                text.replace(&format!("{{{{{key}}}}}"), value)
            })
    }
}

/// Juju's rule for charm names, which are also crate names here.
fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ScaffoldError::BadName { name: name.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_jujus_rule() {
        for good in ["web", "my-charm", "k8s-app2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Web",
            "2fa",
            "my--charm",
            "trailing-",
            "under_score",
            "a b",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_are_filled_everywhere() {
        for kind in [Kind::Machine, Kind::Kubernetes] {
            let vars = Vars::new("my-charm", kind, "\"0.1.0\"");
            for language in [Language::Rust(Sdk::Registry), Language::Python] {
                for (file, template) in files(kind, &language) {
                    let text = vars.fill(template);
                    assert!(!text.contains("{{"), "{file}: {text}");
                }
            }
            assert_eq!(vars.fill("{{type}}"), "MyCharm");
        }
    }

    #[test]
    fn an_existing_directory_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("mine"), "keep").unwrap();
        let sdk = Sdk::Registry;
        let err = create(
            &target,
            "taken",
            Kind::Machine,
            &Language::Rust(sdk.clone()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(
            std::fs::read_to_string(target.join("mine")).unwrap(),
            "keep"
        );
        let err = create(
            &dir.path().join("x"),
            "Bad",
            Kind::Machine,
            &Language::Python,
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a charm name"), "{err}");
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn a_local_sdk_is_depended_on_by_a_relative_path() {
        assert_eq!(
            relative(
                Path::new("/work/charms/web"),
                Path::new("/work/main/guest-sdk")
            ),
            Path::new("../../main/guest-sdk")
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c")),
            Path::new("c")
        );
        let dir = tempfile::tempdir().unwrap();
        let sdk = dir.path().join("checkout/guest-sdk");
        std::fs::create_dir_all(&sdk).unwrap();
        std::fs::write(sdk.join("Cargo.toml"), "").unwrap();
        let charms = dir.path().join("charms");
        std::fs::create_dir(&charms).unwrap();
        let line = dependency(Path::new("web"), &charms, &Sdk::Path(sdk)).unwrap();
        assert_eq!(line, r#"{ path = "../../checkout/guest-sdk" }"#);
        assert_eq!(
            dependency(Path::new("web"), &charms, &Sdk::Registry).unwrap(),
            format!("\"{SDK_VERSION}\"")
        );
        let err = dependency(
            Path::new("web"),
            &charms,
            &Sdk::Path(dir.path().join("nowhere")),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("cannot find wasmcharm-sdk"),
            "{err}"
        );
    }
}
