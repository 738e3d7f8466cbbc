//! A charm for testing stored state, deferral and collect-status: it counts its
//! config-changed events in stored state and does what its config asks.

use serde::{Deserialize, Serialize};
use wasmcharm_sdk::prelude::*;

#[derive(Default)]
struct Stateful;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Counts {
    config_changed: u64,
    redelivered: u64,
}

const KIB: usize = 1 << 10;

impl Charm for Stateful {
    fn on_config_changed(&mut self) -> Result<()> {
        let mut counts: Counts = store::load("counts")?;
        counts.config_changed += 1;
        if wasmcharm_sdk::is_redelivery() {
            counts.redelivered += 1;
        }
        store::save("counts", &counts)?;
        let blob_kib: usize = config::get_or("blob-kib", 0)?;
        if blob_kib > 0 {
            // A large value alternating between two letters, for testing atomic commits.
            let letter = if counts.config_changed.is_multiple_of(2) {
                b'a'
            } else {
                b'b'
            };
            store::set("blob", &vec![letter; blob_kib * KIB]);
        }
        if config::get_or("defer", false)? {
            defer()?;
        }
        if config::get_or("fail", false)? {
            return Err(Error::msg("asked to fail"));
        }
        Ok(())
    }

    /// Keeps what a reproducible run fixes: the time and the randomness the guest sees.
    fn on_update_status(&mut self) -> Result<()> {
        use std::hash::BuildHasher;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let random = std::collections::hash_map::RandomState::new().hash_one("seen");
        store::set("seen", format!("{now} {random:016x}").as_bytes());
        Ok(())
    }

    /// Juju does not deliver stop again, so this is refused.
    fn on_stop(&mut self) -> Result<()> {
        defer()
    }

    fn collect_unit_status(&mut self, statuses: &mut Statuses) -> Result<()> {
        let counts: Counts = store::load("counts")?;
        statuses.add(Status::Active(format!(
            "config-changed {} times, {} redelivered",
            counts.config_changed, counts.redelivered
        )));
        if config::get_or("block", false)? {
            statuses.add(Status::blocked("blocked by config"));
        }
        Ok(())
    }
}

export_charm!(Stateful);
