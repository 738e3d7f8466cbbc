//! `wasmcharm keygen` and `wasmcharm sign`: native code for a charm's units, made once
//! where the charm is built and shipped in its `.charm`, so that no unit's first hook
//! compiles. A unit runs it only if its operator trusts the key that signed it
//! ([`crate::runtime::shipped`], [`crate::sandbox::trust`]): signing says "I compiled
//! this component with wasmcharm, and vouch for it".

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::SigningKey;

use crate::charm_dir::{CharmDir, CharmDirError};
use crate::runtime::engine::LoadError;
use crate::runtime::precompiled::write_atomically;
use crate::runtime::shipped::{self, Signed};
use crate::sandbox::trust;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{path} already exists; keygen writes a new key, never over another")]
    KeyExists { path: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the signing key {path}: {source}")]
    ReadKey {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a signing key: {why}. `wasmcharm keygen` writes one: a line of \
         base64 (44 characters), mode 0600"
    )]
    NotAKey { path: String, why: String },
    #[error(
        "the signing key {path} can be read by others (mode {mode:o}); make it 0600 (and \
         make a new one if others may have read it)"
    )]
    KeyExposed { path: String, mode: u32 },
    #[error(transparent)]
    Charm(#[from] CharmDirError),
    #[error("{path} does not exist: build the charm first (`wasmcharm build`)")]
    NoComponent { path: String },
    #[error(transparent)]
    Compile(#[from] LoadError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Writes a new signing key to `path` (mode 0600, never over a file) and returns its
/// public key, the line an operator adds to their trusted keys.
pub fn keygen(path: &Path) -> Result<String, SignError> {
    let shown = path.display().to_string();
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| std::io::Read::read_exact(&mut random, &mut seed))
        .map_err(|source| SignError::Write {
            path: shown.clone(),
            source,
        })?;
    let key = SigningKey::from_bytes(&seed);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => SignError::KeyExists {
                path: shown.clone(),
            },
            _ => SignError::Write {
                path: shown.clone(),
                source,
            },
        })?;
    let line = format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(seed)
    );
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| SignError::Write {
            path: shown,
            source,
        })?;
    Ok(trust::encode_public(&key.verifying_key()))
}

/// The signing key in `path`, refused if others may read it.
pub fn read_key(path: &Path) -> Result<SigningKey, SignError> {
    let shown = path.display().to_string();
    let read_error = |source| SignError::ReadKey {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mode = file.metadata().map_err(read_error)?.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SignError::KeyExposed { path: shown, mode });
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, 256), &mut text)
        .map_err(read_error)?;
    let not_a_key = |why: String| SignError::NotAKey {
        path: shown.clone(),
        why,
    };
    let seed = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| not_a_key(format!("not base64 ({e})")))?;
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|s: Vec<u8>| not_a_key(format!("a key is 32 bytes, not {}", s.len())))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// What [`sign`] wrote.
#[derive(Debug)]
pub struct SignedCode {
    pub code: PathBuf,
    pub signature: PathBuf,
    pub signed: Signed,
    pub size: u64,
}

/// Compiles the component of the charm in `dir` for any CPU of this architecture, and
/// writes the code and its signature by `key` beside the component, where `pack` takes
/// them from. Compiled in this process, unbounded: whoever signs a component vouches
/// for it, and runs its compile on their own machine.
pub fn sign(dir: &Path, key: &SigningKey) -> Result<SignedCode, SignError> {
    let charm = CharmDir::open(dir)?;
    let component = charm.component_path();
    if !component.is_file() {
        return Err(SignError::NoComponent {
            path: component.display().to_string(),
        });
    }
    let read_error = |source| SignError::Read {
        path: component.display().to_string(),
        source,
    };
    let bytes = std::fs::read(&component).map_err(read_error)?;
    let code = crate::runtime::engine::compile_portable(&component, &bytes)?;
    let signed = shipped::sign(&component, &code, key).map_err(read_error)?;
    let code_path = shipped::code_path(&component);
    let signature_path = shipped::signature_path(&component);
    let write_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| SignError::Write { path, source }
    };
    // The signature last: until it is written, the new code is not taken for signed.
    let _ = std::fs::remove_file(&signature_path);
    // Shipped for others to read, as the component beside them is.
    let dir = match component.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    write_atomically(dir, &code_path, &code, 0o644).map_err(write_error(&code_path))?;
    let json = serde_json::to_vec_pretty(&signed).unwrap_or_default();
    write_atomically(dir, &signature_path, &json, 0o644).map_err(write_error(&signature_path))?;
    Ok(SignedCode {
        code: code_path,
        signature: signature_path,
        signed,
        size: code.len() as u64,
    })
}
