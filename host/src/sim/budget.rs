//! How much of what a charm gives the simulated unit the host keeps: every file, log
//! line, databag value, secret, exec record and identity the simulation stores is
//! charged here, and past the budget the call fails. A simulated call ends at once, so
//! the dispatch's deadline does not bound how much a charm can store in one run; this
//! does, as `limits.memory` bounds the guest.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one simulated unit keeps of what its charm gave it, across all its backends.
pub const BUDGET: usize = 128 << 20;

/// A budget shared by the backends of one simulated unit.
#[derive(Debug, Clone, Default)]
pub struct Budget(Arc<AtomicUsize>);

impl Budget {
    /// Charges `bytes` for `what`, or says why it cannot.
    pub fn take(&self, bytes: usize, what: &str) -> Result<(), String> {
        let mut held = self.0.load(Ordering::Relaxed);
        loop {
            let after = held.saturating_add(bytes);
            if after > BUDGET {
                return Err(format!(
                    "the simulated unit keeps at most {} of what the charm gives it, and {what} \
                     ({bytes} bytes) would pass it",
                    crate::runtime::limits::Size(BUDGET as u64)
                ));
            }
            match self
                .0
                .compare_exchange_weak(held, after, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(now) => held = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_shared_and_refuses_past_its_end() {
        let budget = Budget::default();
        let other = budget.clone();
        budget.take(BUDGET - 10, "a file").unwrap();
        let err = other.take(11, "a log line").unwrap_err();
        assert!(err.contains("a log line (11 bytes) would pass it"), "{err}");
        other.take(10, "a log line").unwrap();
    }
}
