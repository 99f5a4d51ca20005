//! The wall clock the drivers hand to the core (unix seconds, or milliseconds for chat's message
//! timestamps). The core never reads a clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// The system clock, optionally shifted so that it reads a chosen time at start-up.
///
/// The shift exists for conformance testing: vectors carry fixed tokens and timestamps, so a
/// server under test must believe it is the vectors' date. It is configured only by
/// `testing.wall_clock_start`. The shift is kept in milliseconds so that a shifted clock turns to
/// the next second exactly 1000 ms after it started, as the vectors' clock does.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock {
    /// The configured start, for [`WallClock::rewind`].
    start: Option<u64>,
    offset_ms: i128,
}

fn system_unix_ms() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_millis()).unwrap_or(i128::MAX))
}

impl WallClock {
    /// The real clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads exactly `start` now and advances in real time from there.
    pub fn starting_at(start: u64) -> Self {
        Self {
            start: Some(start),
            offset_ms: i128::from(start) * 1000 - system_unix_ms(),
        }
    }

    /// A shifted clock reads its start time again from now on (an admin `reset` does this, so
    /// each conformance scenario starts at the vectors' date); the real clock is unchanged.
    pub fn rewind(&mut self) {
        if let Some(start) = self.start {
            *self = Self::starting_at(start);
        }
    }

    /// Unix seconds.
    pub fn now_unix(&self) -> u64 {
        self.now_unix_ms() / 1000
    }

    /// Unix milliseconds (chat's `timestamp`s carry them, as `toISOString()` does).
    pub fn now_unix_ms(&self) -> u64 {
        u64::try_from(system_unix_ms() + self.offset_ms).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_reads_its_start_time() {
        let clock = WallClock::starting_at(1_700_000_000);
        assert_eq!(clock.now_unix(), 1_700_000_000);
    }

    #[test]
    fn a_shifted_clock_reads_its_start_time_in_milliseconds() {
        let clock = WallClock::starting_at(1_700_000_000);
        let ms = clock.now_unix_ms();
        assert!((1_700_000_000_000..1_700_000_001_000).contains(&ms), "{ms}");
    }

    #[test]
    fn rewinding_the_system_clock_changes_nothing() {
        let mut clock = WallClock::system();
        clock.rewind();
        assert!(clock.now_unix() > 1_700_000_000);
    }
}
