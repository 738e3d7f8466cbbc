//! A Python charm: `src/charm.py` and the `wasmcharm-ops` SDK made into a component by
//! componentize-py, against the contract this host serves (written out from the host
//! itself, so the component matches the host that builds it).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::BuildError;

/// The componentize-py release the SDK and this host are tested with.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The contract, as this host was built with it: (file name, text).
const WIT: &[(&str, &str)] = &[
    ("actions.wit", include_str!("../../../wit/actions.wit")),
    ("config.wit", include_str!("../../../wit/config.wit")),
    ("context.wit", include_str!("../../../wit/context.wit")),
    ("deferral.wit", include_str!("../../../wit/deferral.wit")),
    ("event.wit", include_str!("../../../wit/event.wit")),
    ("log.wit", include_str!("../../../wit/log.wit")),
    ("machine.wit", include_str!("../../../wit/machine.wit")),
    ("model.wit", include_str!("../../../wit/model.wit")),
    ("network.wit", include_str!("../../../wit/network.wit")),
    ("pebble.wit", include_str!("../../../wit/pebble.wit")),
    ("ports.wit", include_str!("../../../wit/ports.wit")),
    ("relations.wit", include_str!("../../../wit/relations.wit")),
    ("resources.wit", include_str!("../../../wit/resources.wit")),
    ("secrets.wit", include_str!("../../../wit/secrets.wit")),
    ("status.wit", include_str!("../../../wit/status.wit")),
    ("storage.wit", include_str!("../../../wit/storage.wit")),
    ("store.wit", include_str!("../../../wit/store.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("world.wit", include_str!("../../../wit/world.wit")),
];

/// The module componentize-py builds the component around: the SDK's, which imports
/// the charm's `charm` module when the component is built.
const APPLICATION: &str = "wasmcharm_ops.world";

/// Whether `dir` holds a Python charm.
pub fn is_python(dir: &Path) -> bool {
    dir.join("src/charm.py").is_file()
}

/// Builds the Python charm in `dir` into `out`.
///
/// componentize-py is `WASMCHARM_COMPONENTIZE_PY`, or `componentize-py` on PATH; the
/// SDK is what its Python environment has installed (`pip install wasmcharm-ops`), or
/// the directory `WASMCHARM_PYTHON_SDK` names (a checkout's `python-sdk/`). The charm's
/// `src/` and, if present, `lib/` (charm libraries) are on its path.
pub fn build(dir: &Path, out: &Path) -> Result<(), BuildError> {
    let wit = tempfile::Builder::new()
        .prefix("wasmcharm-wit-")
        .tempdir()
        .map_err(|source| BuildError::Run {
            program: "a temporary directory for the contract".into(),
            source,
        })?;
    for (name, text) in WIT {
        std::fs::write(wit.path().join(name), text).map_err(|source| BuildError::Run {
            program: format!("writing {name}"),
            source,
        })?;
    }
    let program = std::env::var_os("WASMCHARM_COMPONENTIZE_PY")
        .map_or_else(|| PathBuf::from("componentize-py"), PathBuf::from);
    let mut command = Command::new(&program);
    command
        .arg("--wit-path")
        .arg(wit.path())
        .args(["--world", "charm", "componentize"]);
    if let Some(sdk) = std::env::var_os("WASMCHARM_PYTHON_SDK") {
        command.arg("--python-path").arg(sdk);
    }
    command.arg("--python-path").arg(dir.join("src"));
    if dir.join("lib").is_dir() {
        command.arg("--python-path").arg(dir.join("lib"));
    }
    let status = command
        .arg(APPLICATION)
        .arg("--output")
        .arg(out)
        // componentize-py shows its own output; it inherits the terminal.
        .status()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => BuildError::NoComponentizePy {
                program: program.display().to_string(),
            },
            _ => BuildError::Run {
                program: program.display().to_string(),
                source,
            },
        })?;
    if !status.success() {
        return Err(BuildError::Componentize(format!(
            "{} failed ({status}); its errors are above. Is wasmcharm-ops installed where \
             componentize-py runs (`pip install wasmcharm-ops`), and does src/charm.py call \
             `wasmcharm_ops.main(YourCharm)`?",
            program.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_contract_is_the_whole_of_wit() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("wit");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".wit"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = super::WIT.iter().map(|(name, _)| *name).collect();
        assert_eq!(embedded, on_disk);
    }
}
