//! The wall clock the drivers hand to the core (unix seconds). The core never reads a clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// The system clock, optionally shifted so that it reads a chosen time at start-up.
///
/// The shift exists for conformance testing: vectors carry fixed tokens and timestamps, so a server
/// under test must believe it is the vectors' date. It is configured only by `testing.wall_clock_start`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock {
    /// The configured start, for [`WallClock::rewind`].
    start: Option<u64>,
    offset_secs: i64,
}

fn system_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl WallClock {
    /// The real clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and advances in real time from there.
    pub fn starting_at(start: u64) -> Self {
        let shifted = i64::try_from(start).unwrap_or(i64::MAX);
        Self {
            start: Some(start),
            offset_secs: shifted.saturating_sub(system_unix()),
        }
    }

    /// A shifted clock reads its start time again from now on (an admin `reset` does this, so
    /// each conformance scenario starts at the vectors' date); the real clock is unchanged.
    pub fn rewind(&mut self) {
        if let Some(start) = self.start {
            *self = Self::starting_at(start);
        }
    }

    pub fn now_unix(&self) -> u64 {
        u64::try_from(system_unix().saturating_add(self.offset_secs)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_reads_its_start_time() {
        let clock = WallClock::starting_at(1_700_000_000);
        assert!((1_700_000_000..1_700_000_002).contains(&clock.now_unix()));
    }

    #[test]
    fn rewinding_the_system_clock_changes_nothing() {
        let mut clock = WallClock::system();
        clock.rewind();
        assert!(clock.now_unix() > 1_700_000_000);
    }
}
