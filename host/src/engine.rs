//! The wasmtime engine and the loading of a charm's component: one place for engine
//! policy, and for telling a charm author exactly why a file is not a runnable charm.

use std::path::Path;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, WasmBacktraceDetails};

use crate::bindings::{self, Charm, CharmPre};
use crate::host::HostState;
use crate::precompiled;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "the charm's component {path} does not exist. wasmcharm.yaml names it \
         (`component:`); build the charm for wasm32-wasip2 and put the .wasm there."
    )]
    Missing { path: String },
    #[error("cannot read the charm's component {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not WebAssembly: it does not start with the `\\0asm` magic bytes. \
         wasmcharm.yaml's `component:` must name the .wasm file built for wasm32-wasip2."
    )]
    NotWasm { path: String },
    #[error(
        "{path} is a core WebAssembly module, not a component. Build the charm with \
         `cargo build --target wasm32-wasip2`, which produces a component."
    )]
    CoreModule { path: String },
    #[error("{path} is not a valid WebAssembly component: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "{path} was built against juju:charm@{found}, which this wasmcharm does not run \
         (it runs juju:charm@{supported}). Rebuild the charm against a matching \
         wasmcharm-sdk, or use a wasmcharm that supports {found}."
    )]
    Version {
        path: String,
        found: String,
        supported: String,
    },
    #[error(
        "{path} is not a juju:charm component: {reason}. A charm implements the world \
         juju:charm/charm (wasmcharm-sdk's export_charm! does this)."
    )]
    WrongWorld { path: String, reason: String },
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
}

/// The names of everything a component imports, checked as [`LoadedComponent::load`]
/// checks them.
pub fn imports(path: &Path) -> Result<Vec<String>, LoadError> {
    let loaded = LoadedComponent::load(path)?;
    let component = loaded.pre.instance_pre().component();
    Ok(component
        .component_type()
        .imports(&loaded.engine)
        .map(|(name, _)| name.to_string())
        .collect())
}

/// The one engine configuration the host uses.
pub fn engine() -> Result<Engine, LoadError> {
    let mut config = Config::new();
    // Pinned rather than read from WASMTIME_BACKTRACE_DETAILS, so that an environment
    // variable cannot change how the charm is compiled.
    config.wasm_backtrace_details(WasmBacktraceDetails::Disable);
    // The dispatch deadline (limits.timeout) interrupts a running guest through epochs.
    config.epoch_interruption(true);
    Engine::new(&config).map_err(|e| LoadError::Engine(format!("{e:#}")))
}

/// Every interface a charm can import: WASI for its standard library, and the
/// `juju:charm` interfaces of each supported version.
pub fn linker(engine: &Engine) -> Result<Linker<HostState>, LoadError> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .and_then(|()| Charm::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s))
        .map_err(|e| LoadError::Engine(format!("{e:#}")))?;
    Ok(linker)
}

/// A charm's component, compiled, checked and ready to instantiate once per event.
pub struct LoadedComponent {
    pub engine: Engine,
    pub pre: CharmPre<HostState>,
}

impl LoadedComponent {
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        Self::load_with_source(path).map(|(loaded, _)| loaded)
    }

    /// Loads the precompiled form when there is a sound one, else compiles (and keeps the
    /// result for next time).
    pub fn load_with_source(path: &Path) -> Result<(Self, precompiled::Source), LoadError> {
        let shown = path.display().to_string();
        let engine = engine()?;
        let (component, source) = match precompiled::load(&engine, path) {
            Some(component) => (component, precompiled::Source::Precompiled),
            None => {
                let component = compile(&engine, path)?;
                // Best effort: a read-only charm directory only costs a compile per hook.
                let _ = precompiled::store(&engine, path, &component);
                (component, precompiled::Source::Compiled)
            }
        };
        check_world(&shown, &engine, &component)?;
        let linker = linker(&engine)?;
        let wrong = |e: wasmtime::Error| LoadError::WrongWorld {
            path: shown.clone(),
            reason: format!("{e:#}"),
        };
        let pre = linker.instantiate_pre(&component).map_err(wrong)?;
        let pre = CharmPre::new(pre).map_err(wrong)?;
        Ok((LoadedComponent { engine, pre }, source))
    }
}

/// Reads, checks and compiles a component file.
fn compile(engine: &Engine, path: &Path) -> Result<Component, LoadError> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing { path: shown });
        }
        Err(source) => {
            return Err(LoadError::Read {
                path: shown,
                source,
            });
        }
    };
    check_header(&shown, &bytes)?;
    Component::new(engine, &bytes).map_err(|e| LoadError::Invalid {
        path: shown,
        message: format!("{e:#}"),
    })
}

/// The binary format's preamble: `\0asm`, then a version (1 for core modules) and a
/// layer (1 for components).
fn check_header(path: &str, bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm { path: path.into() });
    }
    if bytes[6..8] == [0, 0] {
        return Err(LoadError::CoreModule { path: path.into() });
    }
    Ok(())
}

/// Names what a component imports that this host cannot give it, before wasmtime's
/// own (more cryptic) linking errors would.
fn check_world(path: &str, engine: &Engine, component: &Component) -> Result<(), LoadError> {
    let ty = component.component_type();
    for (name, _) in ty.imports(engine) {
        if let Some(rest) = name.strip_prefix("juju:charm/") {
            let found = rest.split_once('@').map_or("(unversioned)", |(_, v)| v);
            if !bindings::SUPPORTED_VERSIONS.contains(&found) {
                return Err(LoadError::Version {
                    path: path.into(),
                    found: found.into(),
                    supported: bindings::SUPPORTED_VERSIONS.join(", "),
                });
            }
        } else if !name.starts_with("wasi:") {
            return Err(LoadError::WrongWorld {
                path: path.into(),
                reason: format!("it imports `{name}`, which wasmcharm does not provide"),
            });
        }
    }
    let exports_handle = ty
        .exports(engine)
        .any(|(name, item)| name == "handle" && matches!(item.ty, ComponentItem::ComponentFunc(_)));
    if !exports_handle {
        return Err(LoadError::WrongWorld {
            path: path.into(),
            reason: "it does not export the function `handle`".into(),
        });
    }
    Ok(())
}
