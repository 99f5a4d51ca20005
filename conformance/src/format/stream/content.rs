//! The fixture's file contents (`vectors.md` §9.1): byte `i` of a file with seed `s` is the low
//! byte of splitmix64's output for the input `s · 2³² + i`. Any byte can be computed alone, so
//! a range of a large file is checked without building the file, and a shifted or reordered
//! range never looks right.

/// Byte `index` of the file seeded `seed`.
pub fn byte(seed: u64, index: u64) -> u8 {
    let mut z = (seed << 32)
        .wrapping_add(index)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).to_le_bytes()[0]
}

/// `len` bytes of the file seeded `seed` from `start`.
pub fn bytes(seed: u64, start: u64, len: u64) -> Vec<u8> {
    (start..start.saturating_add(len))
        .map(|i| byte(seed, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_is_splitmix64_of_seed_and_index() {
        // splitmix64's first output from state 0 is 0xe220a8397b1dcdaf.
        assert_eq!(byte(0, 0), 0xaf);
        assert_eq!(bytes(1, 5, 3), vec![byte(1, 5), byte(1, 6), byte(1, 7)]);
        assert_ne!(bytes(1, 0, 16), bytes(2, 0, 16));
    }
}
