//! Native code shipped in a `.charm` beside its component, so that a unit's first hook
//! need not compile: `charm.wasm.x86_64.cwasm`, made by `wasmcharm sign` for a baseline
//! CPU of its architecture, and `charm.wasm.x86_64.sig`, which binds that code to the
//! component, the target and a signing key. A unit runs it only when the key is one
//! its operator trusts ([`crate::sandbox::trust`]); then it becomes the unit's kept
//! optimised code, and wasmtime still checks it against the CPU and its own
//! configuration when it is mapped. Otherwise the component is compiled, as ever.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::Engine;

use crate::runtime::precompiled::{Cache, Identity};
use crate::sandbox::caps;
use crate::sandbox::trust::{self, TrustedKeys};

/// What a signature file says it is.
const FORMAT: &str = "wasmcharm-precompiled/1";
/// The most of a signature file that is read.
const SIGNATURE_CAP: u64 = 4 << 10;
/// The most shipped code that is copied: compiled code is about twice its component.
pub const CODE_CAP: u64 = 4 * caps::COMPONENT_SIZE;

/// The target shipped code is made for and run on: this host's architecture on Linux.
pub fn target() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

/// Where the code shipped for this architecture sits beside `component`.
pub fn code_path(component: &Path) -> PathBuf {
    beside(component, "cwasm")
}

/// Where its signature sits.
pub fn signature_path(component: &Path) -> PathBuf {
    beside(component, "sig")
}

fn beside(component: &Path, extension: &str) -> PathBuf {
    let mut name = component.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.{extension}", std::env::consts::ARCH));
    component.with_file_name(name)
}

/// A signature file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed {
    pub format: String,
    pub target: String,
    pub component_sha256: String,
    pub code_sha256: String,
    /// The public key, as `wasmcharm keygen` prints it.
    pub key: String,
    pub signature: String,
}

/// What is signed: every fact the code's soundness rests on, each of fixed length or
/// ended by a NUL, so no two sets of facts share a message.
fn message(target: &str, component: &[u8; 32], code: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(128);
    message.extend_from_slice(FORMAT.as_bytes());
    message.push(0);
    message.extend_from_slice(target.as_bytes());
    message.push(0);
    message.extend_from_slice(component);
    message.extend_from_slice(code);
    message
}

/// Why shipped code was not used.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("its signature is by a key not in the operator's trusted keys ({0})")]
    UnknownKey(String),
    #[error(transparent)]
    Trust(#[from] trust::TrustError),
    #[error("{path} is not a signature wasmcharm reads: {why}")]
    Malformed { path: String, why: String },
    #[error("it was made for {found}, and this unit is {expected}")]
    OtherTarget { found: String, expected: String },
    #[error("it was signed for another component (sha256 {signed}, this one is {actual})")]
    OtherComponent { signed: String, actual: String },
    #[error(
        "its signature does not hold (code sha256 {code}): it was changed after it was \
         signed, or signed by another key"
    )]
    BadSignature { code: String },
    #[error("it or its component is larger than the host reads")]
    TooLarge,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Refused {
    /// Whether an operator should hear of it: shipped code for a key they do not trust
    /// is the ordinary case; code that claims a key they trust and does not hold is not.
    pub fn is_alarming(&self) -> bool {
        !matches!(self, Refused::UnknownKey(_))
    }
}

fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn sha256_of(reader: impl Read, cap: u64) -> std::io::Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let mut reader = reader.take(cap);
    let n = std::io::copy(&mut reader, &mut hasher)?;
    Ok((hasher.finalize().into(), n))
}

fn sha256_file(path: &Path) -> std::io::Result<[u8; 32]> {
    Ok(sha256_of(std::fs::File::open(path)?, u64::MAX)?.0)
}

/// Signs `code`, compiled from the component at `component`, with `key`.
pub fn sign(component: &Path, code: &[u8], key: &SigningKey) -> std::io::Result<Signed> {
    let target = target();
    let component_digest = sha256_file(component)?;
    let code_digest: [u8; 32] = Sha256::digest(code).into();
    let signature = key.sign(&message(&target, &component_digest, &code_digest));
    Ok(Signed {
        format: FORMAT.into(),
        target,
        component_sha256: hex(&component_digest),
        code_sha256: hex(&code_digest),
        key: trust::encode_public(&key.verifying_key()),
        signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
    })
}

/// The signature beside `component`, if there is one.
pub fn read_signature(component: &Path) -> Result<Option<Signed>, Refused> {
    let path = signature_path(component);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut text = Vec::new();
    file.take(SIGNATURE_CAP).read_to_end(&mut text)?;
    let malformed = |why: String| Refused::Malformed {
        path: path.display().to_string(),
        why,
    };
    let signed: Signed = serde_json::from_slice(&text).map_err(|e| malformed(e.to_string()))?;
    if signed.format != FORMAT {
        return Err(malformed(format!(
            "its format is `{}`, not {FORMAT}",
            caps::cut_message(&signed.format)
        )));
    }
    Ok(Some(signed))
}

/// Whether `signed` still matches the component at `component` (`wasmcharm pack`
/// refuses to ship a stale one).
pub fn signs_component(signed: &Signed, component: &Path) -> std::io::Result<bool> {
    Ok(signed.component_sha256 == hex(&sha256_file(component)?))
}

/// Makes the code shipped beside `component` the unit's kept optimised code in `cache`
/// (for `engine`, which still checks it when it is mapped),
/// if it is signed by a key in `trusted`, for this target and this component. `None`
/// when nothing is shipped. The code is copied into the cache first and the copy is
/// what is checked and kept, so it cannot change between the check and its use.
pub fn adopt(
    component: &Path,
    cache: &Cache,
    engine: &Engine,
    trusted: impl FnOnce() -> Result<TrustedKeys, trust::TrustError>,
) -> Option<Result<(), Refused>> {
    let signed = match read_signature(component) {
        Ok(Some(signed)) => signed,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    Some(adopt_signed(component, cache, engine, &signed, trusted))
}

fn adopt_signed(
    component: &Path,
    cache: &Cache,
    engine: &Engine,
    signed: &Signed,
    trusted: impl FnOnce() -> Result<TrustedKeys, trust::TrustError>,
) -> Result<(), Refused> {
    let malformed = |why: String| Refused::Malformed {
        path: signature_path(component).display().to_string(),
        why,
    };
    let key = trust::decode_public(&signed.key).map_err(&malformed)?;
    if trusted()?.find(&key).is_none() {
        return Err(Refused::UnknownKey(signed.key.clone()));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&signed.signature)
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or_else(|| malformed("its signature is not a base64 Ed25519 signature".into()))?;
    let expected = target();
    if signed.target != expected {
        return Err(Refused::OtherTarget {
            found: caps::cut_message(&signed.target).into_owned(),
            expected,
        });
    }
    let claimed = unhex(&signed.code_sha256)
        .ok_or_else(|| malformed("code_sha256 is not 64 hexadecimal digits".into()))?;
    // What the code is kept as made from, taken before the component is read.
    let made_from = Identity::of(component)?;
    if made_from.size() > caps::COMPONENT_SIZE {
        return Err(Refused::TooLarge);
    }
    let component_digest = sha256_file(component)?;
    if signed.component_sha256 != hex(&component_digest) {
        return Err(Refused::OtherComponent {
            signed: caps::cut_message(&signed.component_sha256).into_owned(),
            actual: hex(&component_digest),
        });
    }
    // The signature first, over the digest it claims: a charm naming a trusted key it
    // does not hold costs a unit no copy. Then the copy must have that digest.
    key.verify(&message(&expected, &component_digest, &claimed), &signature)
        .map_err(|_| Refused::BadSignature {
            code: signed.code_sha256.clone(),
        })?;
    let mut staged = cache.stage()?;
    let shipped = std::fs::File::open(code_path(component))?;
    let copied = std::io::copy(&mut shipped.take(CODE_CAP + 1), staged.as_file_mut())?;
    if copied > CODE_CAP {
        return Err(Refused::TooLarge);
    }
    staged.as_file_mut().flush()?;
    let (code_digest, _) = sha256_of(std::fs::File::open(staged.path())?, u64::MAX)?;
    if code_digest != claimed {
        return Err(Refused::BadSignature {
            code: hex(&code_digest),
        });
    }
    cache.adopt(engine, component, &made_from, staged)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_binds_every_fact() {
        let a = message("x86_64-unknown-linux-gnu", &[1; 32], &[2; 32]);
        assert_ne!(a, message("x86_64-unknown-linux-gn", &[1; 32], &[2; 32]));
        assert_ne!(a, message("x86_64-unknown-linux-gnu", &[2; 32], &[1; 32]));
        assert!(a.starts_with(b"wasmcharm-precompiled/1\0x86_64-unknown-linux-gnu\0"));
    }

    #[test]
    fn names_beside_the_component() {
        let arch = std::env::consts::ARCH;
        assert_eq!(
            code_path(Path::new("/c/charm.wasm")),
            PathBuf::from(format!("/c/charm.wasm.{arch}.cwasm"))
        );
        assert_eq!(
            signature_path(Path::new("/c/charm.wasm")),
            PathBuf::from(format!("/c/charm.wasm.{arch}.sig"))
        );
    }
}
