//! Voice tokens: 128-bit secrets bound to one login (voice.md §5.7), drawn from the service's
//! seeded stream (`crate::seeded`): token *n* is the first 16 bytes of
//! HMAC-SHA256(seed, "hark voice token" ‖ u64 *n*).

use crate::seeded::SeededStream;
use crate::wire::voice::VoiceToken;

const DOMAIN: &[u8] = b"hark voice token";

/// Draws voice tokens from a seed.
#[derive(Debug)]
pub(super) struct TokenGenerator(SeededStream);

impl TokenGenerator {
    pub(super) fn new(seed: [u8; 32]) -> Self {
        Self(SeededStream::new(seed, DOMAIN))
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> VoiceToken {
        VoiceToken(self.0.next_16())
    }
}
