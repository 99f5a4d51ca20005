//! Which bytes each request asks for: a uniformly random window of fixed size inside the file, so
//! the load touches the whole file as a seeking player does, not one hot range. SplitMix64 is
//! enough for spreading offsets and needs no dependency.

/// Random `size`-byte windows of a `len`-byte file.
#[derive(Debug, Clone)]
pub struct RangePicker {
    state: u64,
    len: u64,
    size: u64,
}

impl RangePicker {
    /// `seed` makes each connection's sequence its own. A window larger than the file is the
    /// whole file.
    pub fn new(seed: u64, len: u64, size: u64) -> Self {
        Self {
            state: seed,
            len,
            size: size.min(len).max(1),
        }
    }

    /// Bytes per window.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The next window, as the inclusive `(first, last)` of a Range header.
    pub fn next_range(&mut self) -> (u64, u64) {
        let starts = self.len.saturating_sub(self.size) + 1;
        let first = self.next_u64() % starts;
        (first, first + self.size - 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_lies_inside_the_file_and_has_the_size() {
        let mut picker = RangePicker::new(7, 1_000_000, 65_536);
        for _ in 0..10_000 {
            let (first, last) = picker.next_range();
            assert_eq!(last - first + 1, 65_536);
            assert!(last < 1_000_000);
        }
    }

    #[test]
    fn windows_reach_both_ends_of_a_small_file() {
        let mut picker = RangePicker::new(1, 10, 8);
        let firsts: std::collections::BTreeSet<u64> =
            (0..200).map(|_| picker.next_range().0).collect();
        assert_eq!(firsts.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn a_window_larger_than_the_file_is_the_whole_file() {
        let mut picker = RangePicker::new(3, 100, 65_536);
        assert_eq!(picker.next_range(), (0, 99));
        assert_eq!(picker.size(), 100);
    }
}
