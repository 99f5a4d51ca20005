//! Unpredictable values from a seed: the core has no randomness of its own, so a driver seeds it
//! with 32 bytes from the operating system (a fixed seed in conformance runs makes the values
//! known in advance).
//!
//! Value *n* of a stream is the first 16 bytes of HMAC-SHA256(seed, domain ‖ u64 *n*). HMAC-SHA256
//! is a pseudo-random function, so without the seed the values cannot be predicted, and the
//! domain keeps two streams drawn from one seed apart.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One stream of 128-bit values.
pub(crate) struct SeededStream {
    mac: Hmac<Sha256>,
    domain: &'static [u8],
    issued: u64,
}

impl SeededStream {
    pub(crate) fn new(seed: [u8; 32], domain: &'static [u8]) -> Self {
        // HMAC pads a key shorter than its 64-byte block with zeros; padding it here is the
        // same key, given in the fixed-size form that needs no length check.
        let mut key = Key::<Hmac<Sha256>>::default();
        key.iter_mut().zip(seed).for_each(|(k, s)| *k = s);
        Self {
            mac: <Hmac<Sha256> as KeyInit>::new(&key),
            domain,
            issued: 0,
        }
    }

    /// The next value.
    pub(crate) fn next_16(&mut self) -> [u8; 16] {
        let mut mac = self.mac.clone();
        mac.update(self.domain);
        mac.update(&self.issued.to_be_bytes());
        self.issued = self.issued.wrapping_add(1);
        let digest = mac.finalize().into_bytes();
        let mut value = [0u8; 16];
        value.iter_mut().zip(digest).for_each(|(v, d)| *v = d);
        value
    }
}

impl std::fmt::Debug for SeededStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededStream")
            .field("domain", &String::from_utf8_lossy(self.domain))
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}
