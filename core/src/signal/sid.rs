//! Session ids (signal.md §2, §3): 20 characters of the URL-safe base64 alphabet that engine.io's
//! `base64id` uses, drawn from the service's seeded stream, so they cannot be predicted without
//! the seed and a conformance run with a fixed seed knows them in advance.

use crate::seeded::SeededStream;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The length of every id: engine.io's.
pub(super) const SID_LEN: usize = 20;

/// Draws ids from one domain of a seed.
#[derive(Debug)]
pub(super) struct SidGenerator(SeededStream);

impl SidGenerator {
    pub(super) fn new(seed: [u8; 32], domain: &'static [u8]) -> Self {
        Self(SeededStream::new(seed, domain))
    }

    /// The next id: 120 of the value's 128 bits, six to a character.
    pub(super) fn next_sid(&mut self) -> String {
        let value = u128::from_be_bytes(self.0.next_16());
        (0..SID_LEN)
            .map(|i| {
                let sextet = (value >> (122 - 6 * i)) & 0x3f;
                ALPHABET
                    .get(usize::try_from(sextet).unwrap_or_default())
                    .map_or('A', |&c| char::from(c))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_twenty_url_safe_characters_and_differ() {
        let mut ids = SidGenerator::new([7; 32], b"test");
        let (a, b) = (ids.next_sid(), ids.next_sid());
        assert_eq!(a.len(), SID_LEN);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }
}
