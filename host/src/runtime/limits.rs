//! What a charm may use while it runs: memory, enforced by a store limiter, and wall-clock
//! time, enforced by epoch interruption. Declared under `limits:` in `wasmcharm.yaml`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::sandbox::caps;
use wasmtime::{Engine, ResourceLimiter};

pub const DEFAULT_MEMORY: u64 = 128 << 20;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_OUTPUT: u64 = 1 << 20;

/// `limits:` in `wasmcharm.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Linear memory, e.g. `128MiB`.
    #[serde(deserialize_with = "size")]
    pub memory: u64,
    /// Wall-clock time for the whole dispatch, host calls included, e.g. `300s`.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// What the charm may write to each of stdout and stderr in one dispatch.
    #[serde(deserialize_with = "size")]
    pub output: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: DEFAULT_MEMORY,
            timeout: DEFAULT_TIMEOUT,
            output: DEFAULT_OUTPUT,
        }
    }
}

/// `128MiB`, `64MB`, `1GiB`, `4096` (bytes).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(scale)
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = serde_yaml::Value::deserialize(d)?;
    let text = match &value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    parse_size(&text).filter(|n| *n > 0).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "limits.memory and limits.output are sizes such as 128MiB, 64MB or 1GiB, not {text:?}"
        ))
    })
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let value = serde_yaml::Value::deserialize(d)?;
    let text = match &value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    crate::backends::pebble::duration::parse(&text)
        .filter(|n| *n > 0)
        .map(|n| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX)))
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "limits.timeout is {text:?}; expected a duration such as 300s, 5m or 1m30s"
            ))
        })
}

pub fn optional_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    size(d).map(Some)
}

pub fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// Shows a size the way a charm author would write it.
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n % (1 << 30) == 0 => write!(f, "{}GiB", n >> 30),
            n if n % (1 << 20) == 0 => write!(f, "{}MiB", n >> 20),
            n if n % (1 << 10) == 0 => write!(f, "{}KiB", n >> 10),
            n => write!(f, "{n}B"),
        }
    }
}

/// The store's limiter: `limits.memory` covers every memory and table of the instance
/// together (a component cannot multiply its allowance by declaring more of them). It
/// refuses growth past the limit and remembers that it did, so that the trap can be
/// reported as the limit it is. One store runs one instance, so what it has allowed is
/// what the instance holds.
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: u64,
    /// Bytes of memories and tables allowed so far.
    used: u64,
    pub hit: bool,
}

impl MemoryLimiter {
    pub fn new(limit: u64) -> Self {
        MemoryLimiter {
            limit,
            used: 0,
            hit: false,
        }
    }

    /// Takes `current` to `desired` bytes out of the budget, or traps.
    fn grow(&mut self, what: &str, current: u64, desired: u64) -> wasmtime::Result<bool> {
        let used = self.used.saturating_sub(current).saturating_add(desired);
        if used > self.limit {
            self.hit = true;
            // An error, not `false`: the guest traps at once instead of seeing a failed
            // allocation it may mishandle.
            return Err(wasmtime::format_err!(
                "the charm tried to grow its {what} to {desired} bytes, which would take its \
                 memories and tables to {used} bytes, past limits.memory ({}) in wasmcharm.yaml",
                Size(self.limit)
            ));
        }
        self.used = used;
        Ok(true)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow("memory", current as u64, desired as u64)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > caps::TABLE_ELEMENTS {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "the charm tried to grow a table to {desired} elements, past the host's \
                 {} for one table",
                caps::TABLE_ELEMENTS
            ));
        }
        let bytes = |n: usize| (n as u64).saturating_mul(caps::TABLE_ELEMENT_BYTES);
        self.grow("table", bytes(current), bytes(desired))
    }

    fn instances(&self) -> usize {
        caps::INSTANCE_CORE_INSTANCES
    }

    fn memories(&self) -> usize {
        caps::INSTANCE_MEMORIES
    }

    fn tables(&self) -> usize {
        caps::INSTANCE_TABLES
    }
}

/// How often an engine's epoch advances. A guest's deadline is a number of ticks, so
/// one clock serves every store of the engine, however many run at once, and a timeout
/// is kept to within a tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(50);

/// Advances `engine`'s epoch every [`EPOCH_TICK`] on a thread of its own, for as long
/// as the engine lives.
pub fn start_epoch_ticker(engine: &Engine) -> std::io::Result<()> {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("wasmcharm-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => return,
                }
            }
        })
        .map(drop)
}

/// The deadline, in ticks from now, that gives a guest at least `timeout`: the ticks it
/// spans, and the one already under way.
pub fn epoch_ticks(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos());
    u64::try_from(ticks).unwrap_or(u64::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128MiB"), Some(128 << 20));
        assert_eq!(parse_size("64MB"), Some(64_000_000));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("12TiB"), None);
        assert_eq!(Size(128 << 20).to_string(), "128MiB");
    }

    #[test]
    fn memories_and_tables_share_one_budget() {
        let mut l = MemoryLimiter::new(10 << 20);
        assert!(l.memory_growing(0, 6 << 20, None).unwrap());
        // A second memory, within the limit on its own, but not with the first.
        let err = l.memory_growing(0, 6 << 20, None).unwrap_err().to_string();
        assert!(err.contains("past limits.memory (10MiB)"), "{err}");
        assert!(l.hit);
        // Growing the first counts only what it adds.
        assert!(l.memory_growing(6 << 20, 9 << 20, None).unwrap());
        // Tables count a pointer an element.
        assert!(l.table_growing(0, 1000, None).unwrap());
        assert!(l.table_growing(0, 100_001, None).is_err());
        let mut l = MemoryLimiter::new(1 << 20);
        assert!(l.table_growing(0, (1 << 20) / 8 + 1, None).is_err());
        assert_eq!(l.memories(), caps::INSTANCE_MEMORIES);
        assert_eq!(l.instances(), caps::INSTANCE_CORE_INSTANCES);
    }

    #[test]
    fn limits_parse_with_clear_errors() {
        let l: Limits = serde_yaml::from_str("memory: 64MiB\ntimeout: 2s\n").unwrap();
        assert_eq!((l.memory, l.timeout), (64 << 20, Duration::from_secs(2)));
        let l: Limits = serde_yaml::from_str("{}").unwrap();
        assert_eq!(l, Limits::default());
        let err = serde_yaml::from_str::<Limits>("memory: lots\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sizes such as 128MiB, 64MB or 1GiB, not \"lots\""),
            "{err}"
        );
        let err = serde_yaml::from_str::<Limits>("timeout: 5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.timeout is \"5\""), "{err}");
    }
}
