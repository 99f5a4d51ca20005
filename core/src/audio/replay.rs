//! The per-session anti-replay window over audio sequence numbers (the IPsec/WireGuard scheme):
//! the highest sequence seen and a bitmap of the 64 before it.

/// Window width: at 50 packets/s, 1.28 s of reordering is tolerated.
pub const WINDOW: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayVerdict {
    Fresh,
    /// Seen before.
    Duplicate,
    /// Older than the window reaches.
    Stale,
}

#[derive(Debug, Clone, Default)]
pub struct ReplayWindow {
    highest: Option<u32>,
    /// Bit `i` set: `highest - i` was seen.
    seen: u64,
}

impl ReplayWindow {
    /// Judges `sequence` and records it if fresh.
    pub fn check(&mut self, sequence: u32) -> ReplayVerdict {
        let Some(highest) = self.highest else {
            self.highest = Some(sequence);
            self.seen = 1;
            return ReplayVerdict::Fresh;
        };
        if sequence > highest {
            let shift = sequence - highest;
            self.seen = if shift >= WINDOW {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.highest = Some(sequence);
            return ReplayVerdict::Fresh;
        }
        let age = highest - sequence;
        if age >= WINDOW {
            return ReplayVerdict::Stale;
        }
        let bit = 1u64 << age;
        if self.seen & bit != 0 {
            return ReplayVerdict::Duplicate;
        }
        self.seen |= bit;
        ReplayVerdict::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_sequence_is_a_duplicate() {
        let mut w = ReplayWindow::default();
        assert_eq!(w.check(5), ReplayVerdict::Fresh);
        assert_eq!(w.check(5), ReplayVerdict::Duplicate);
    }

    #[test]
    fn reordered_packets_inside_the_window_pass_once() {
        let mut w = ReplayWindow::default();
        assert_eq!(w.check(10), ReplayVerdict::Fresh);
        assert_eq!(w.check(8), ReplayVerdict::Fresh);
        assert_eq!(w.check(8), ReplayVerdict::Duplicate);
        assert_eq!(w.check(9), ReplayVerdict::Fresh);
    }

    #[test]
    fn packets_older_than_the_window_are_stale() {
        let mut w = ReplayWindow::default();
        w.check(100);
        assert_eq!(w.check(100 - WINDOW), ReplayVerdict::Stale);
        assert_eq!(w.check(100 - WINDOW + 1), ReplayVerdict::Fresh);
    }

    #[test]
    fn a_big_jump_clears_the_window() {
        let mut w = ReplayWindow::default();
        w.check(1);
        assert_eq!(w.check(1000), ReplayVerdict::Fresh);
        assert_eq!(w.check(999), ReplayVerdict::Fresh);
        assert_eq!(w.check(1), ReplayVerdict::Stale);
    }
}
