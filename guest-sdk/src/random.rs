//! Randomness from the host (WASI's `random`, the kernel's on a real unit; seeded by
//! the state in a simulated run, so that a scenario's outcome is the same each time).
//!
//! ```no_run
//! let password = wasmcharm_sdk::random::token(32)?;
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use crate::{Error, ErrorKind, Result};

/// `n` random bytes.
///
/// ```no_run
/// let key = wasmcharm_sdk::random::bytes(32)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn bytes(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0; n];
    getrandom::fill(&mut out).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("the host gave no randomness: {e}"),
        )
    })?;
    Ok(out)
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A token of `len` letters and digits (a password, say): about 5.95 bits each, drawn
/// without bias.
///
/// ```no_run
/// let password = wasmcharm_sdk::random::token(24)?;
/// assert_eq!(password.len(), 24);
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn token(len: usize) -> Result<String> {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in bytes(len)? {
            // 248 is the largest multiple of 62 below 256: rejecting the rest keeps
            // every character equally likely.
            if b < 248 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}
