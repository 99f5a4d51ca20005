//! Voice tokens: 128-bit secrets bound to one login (voice.md §5.7).
//!
//! The core has no randomness of its own; the driver seeds this generator with 32 bytes from the
//! operating system. Token *n* is the first 16 bytes of HMAC-SHA256(seed, "hark voice token" ‖
//! u64 *n*): HMAC-SHA256 is a pseudo-random function, so without the seed the tokens are
//! unpredictable, and with a fixed seed (conformance runs) they are known in advance.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::wire::voice::VoiceToken;

const DOMAIN: &[u8] = b"hark voice token";

/// Draws voice tokens from a seed.
pub(super) struct TokenGenerator {
    mac: Hmac<Sha256>,
    issued: u64,
}

impl TokenGenerator {
    pub(super) fn new(seed: [u8; 32]) -> Self {
        // HMAC pads a key shorter than its 64-byte block with zeros; padding it here is the
        // same key, given in the fixed-size form that needs no length check.
        let mut key = Key::<Hmac<Sha256>>::default();
        key.iter_mut().zip(seed).for_each(|(k, s)| *k = s);
        Self {
            mac: <Hmac<Sha256> as KeyInit>::new(&key),
            issued: 0,
        }
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> VoiceToken {
        let mut mac = self.mac.clone();
        mac.update(DOMAIN);
        mac.update(&self.issued.to_be_bytes());
        self.issued = self.issued.wrapping_add(1);
        let digest = mac.finalize().into_bytes();
        let mut token = [0u8; 16];
        token.iter_mut().zip(digest).for_each(|(t, d)| *t = d);
        VoiceToken(token)
    }
}

impl std::fmt::Debug for TokenGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGenerator")
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}
