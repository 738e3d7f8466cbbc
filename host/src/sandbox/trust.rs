//! Whose native code a unit runs. Native code runs outside the sandbox: wasmtime maps
//! what it is given and jumps into it. So code shipped in a `.charm` is run only when it
//! is signed by a key the operator lists in `/etc/wasmcharm/trusted-keys`, a file no
//! charm may write. The list is empty unless the operator writes it, and then every
//! unit compiles its charm's component itself.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::VerifyingKey;

/// Where the operator lists the keys they trust.
pub const TRUSTED_KEYS: &str = "/etc/wasmcharm/trusted-keys";
/// Names another file in its place, as `WASMCHARM_POLICY` does for the policy.
pub const ENV: &str = "WASMCHARM_TRUSTED_KEYS";
/// The most of the file that is read: thousands of keys.
const FILE_CAP: u64 = 256 << 10;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} {why}, so none of its keys is trusted")]
    Unsafe { path: String, why: String },
    #[error(
        "{path}, line {line}: {why}. Each line is an Ed25519 public key in base64 (44 \
         characters, as `wasmcharm keygen` prints it), then an optional comment; `#` \
         starts a comment line"
    )]
    Malformed {
        path: String,
        line: usize,
        why: String,
    },
}

/// One key the operator trusts, with what they wrote after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub key: VerifyingKey,
    pub comment: String,
}

/// The operator's trusted keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedKeys(Vec<TrustedKey>);

impl TrustedKeys {
    /// The keys in the operator's file (or the one `WASMCHARM_TRUSTED_KEYS` names); none
    /// when there is no such file.
    pub fn load() -> Result<TrustedKeys, TrustError> {
        let path = std::env::var_os(ENV).map_or_else(|| PathBuf::from(TRUSTED_KEYS), PathBuf::from);
        Self::load_from(&path)
    }

    pub fn load_from(path: &Path) -> Result<TrustedKeys, TrustError> {
        let shown = path.display().to_string();
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TrustedKeys::default());
            }
            Err(source) => {
                return Err(TrustError::Read {
                    path: shown,
                    source,
                });
            }
        };
        // The file as opened, not as named: it cannot be swapped between check and read.
        let meta = file.metadata().map_err(|source| TrustError::Read {
            path: shown.clone(),
            source,
        })?;
        let unsafe_because = |why: String| TrustError::Unsafe {
            path: shown.clone(),
            why,
        };
        if !meta.is_file() {
            return Err(unsafe_because("is not a regular file".into()));
        }
        let me = nix::unistd::geteuid().as_raw();
        if meta.uid() != 0 && meta.uid() != me {
            return Err(unsafe_because(format!(
                "belongs to uid {}, neither root nor the hook's user (uid {me})",
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_because(format!(
                "can be written by others (mode {:o})",
                meta.mode() & 0o777
            )));
        }
        if meta.len() > FILE_CAP {
            return Err(unsafe_because(format!(
                "is {} bytes, more than the {FILE_CAP} read",
                meta.len()
            )));
        }
        let mut text = String::new();
        file.take(FILE_CAP)
            .read_to_string(&mut text)
            .map_err(|source| TrustError::Read {
                path: shown.clone(),
                source,
            })?;
        Self::parse(&shown, &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<TrustedKeys, TrustError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (encoded, comment) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let key = decode_public(encoded).map_err(|why| TrustError::Malformed {
                path: path.into(),
                line: i + 1,
                why,
            })?;
            keys.push(TrustedKey {
                key,
                comment: comment.trim().into(),
            });
        }
        Ok(TrustedKeys(keys))
    }

    /// The trusted key that is `key`, if the operator listed it.
    pub fn find(&self, key: &VerifyingKey) -> Option<&TrustedKey> {
        self.0.iter().find(|k| k.key == *key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A public key as `wasmcharm keygen` prints it.
pub fn encode_public(key: &VerifyingKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

/// The public key `text` encodes, or why it is not one.
pub fn decode_public(text: &str) -> Result<VerifyingKey, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| {
            format!(
                "`{}` is not base64 ({e})",
                crate::sandbox::caps::cut_message(text)
            )
        })?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("a key is 32 bytes, not {}", b.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a point on Ed25519's curve".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[test]
    fn keys_comments_and_blank_lines() {
        let keys = TrustedKeys::parse("k", &format!("# ours\n\n{KEY} ci@example\n")).unwrap();
        assert_eq!(keys.0.len(), 1);
        assert_eq!(keys.0[0].comment, "ci@example");
        assert_eq!(encode_public(&keys.0[0].key), KEY);
    }

    #[test]
    fn a_malformed_line_names_its_line_and_what_a_key_is() {
        let e = TrustedKeys::parse("/etc/k", &format!("{KEY}\nAAAA short\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/etc/k, line 2: a key is 32 bytes, not 3."),
            "{e}"
        );
        let e = TrustedKeys::parse("/etc/k", "-rf /\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1: `-rf` is not base64"), "{e}");
    }

    #[test]
    fn a_file_others_can_write_trusts_nobody() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trusted-keys");
        std::fs::write(&path, format!("{KEY}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = TrustedKeys::load_from(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("can be written by others (mode 666), so none of its keys is trusted"),
            "{e}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!TrustedKeys::load_from(&path).unwrap().is_empty());
        assert!(
            TrustedKeys::load_from(&dir.path().join("none"))
                .unwrap()
                .is_empty()
        );
    }
}
