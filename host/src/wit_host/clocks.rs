//! `wasi:clocks/monotonic-clock` whose waits all end by the dispatch's deadline.
//!
//! Epoch interruption stops guest code at the deadline, but not the host while it waits
//! on the guest's behalf: a guest that sleeps, or polls a clock it subscribed to for
//! `u64::MAX` nanoseconds (which wasmtime-wasi waits on forever), would hold the hook,
//! and the unit's lock, past `limits.timeout`. Every subscription is cut to the time left
//! (and a moment more), so the wait ends there and the guest, on waking, is stopped by
//! its epoch deadline. The guest's other pollables (its stdio) are always ready.

use std::time::Instant;

use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::clocks::{WasiClocksCtxView, WasiClocksView};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock::{
    self, Duration, Instant as WasiInstant,
};

use super::HostState;
use crate::runtime::limits::EPOCH_TICK;

/// How far past the deadline a wait may run: enough that the epoch has passed the
/// guest's epoch deadline (up to two ticks after the dispatch's) when it wakes.
const PAST_DEADLINE: Duration = 2 * EPOCH_TICK.as_nanos() as u64 + 20_000_000;

pub struct DeadlineClocks;

impl HasData for DeadlineClocks {
    type Data<'a> = DeadlineClocksView<'a>;
}

pub struct DeadlineClocksView<'a> {
    clocks: WasiClocksCtxView<'a>,
    deadline: Instant,
}

impl HostState {
    pub fn deadline_clocks(&mut self) -> DeadlineClocksView<'_> {
        let deadline = self.deadline;
        DeadlineClocksView {
            clocks: self.clocks(),
            deadline,
        }
    }
}

impl DeadlineClocksView<'_> {
    /// The longest a wait may be now, in nanoseconds.
    fn longest_wait(&self) -> Duration {
        let left = self.deadline.saturating_duration_since(Instant::now());
        u64::try_from(left.as_nanos())
            .unwrap_or(u64::MAX)
            .saturating_add(PAST_DEADLINE)
    }
}

impl monotonic_clock::Host for DeadlineClocksView<'_> {
    fn now(&mut self) -> wasmtime::Result<WasiInstant> {
        monotonic_clock::Host::now(&mut self.clocks)
    }

    fn resolution(&mut self) -> wasmtime::Result<Duration> {
        monotonic_clock::Host::resolution(&mut self.clocks)
    }

    fn subscribe_duration(
        &mut self,
        duration: Duration,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let duration = duration.min(self.longest_wait());
        monotonic_clock::Host::subscribe_duration(&mut self.clocks, duration)
    }

    fn subscribe_instant(&mut self, when: WasiInstant) -> wasmtime::Result<Resource<DynPollable>> {
        // The instant is on the guest's clock (which a scenario may fix): cut it to that
        // clock's now plus the time really left.
        let latest =
            monotonic_clock::Host::now(&mut self.clocks)?.saturating_add(self.longest_wait());
        monotonic_clock::Host::subscribe_instant(&mut self.clocks, when.min(latest))
    }
}
