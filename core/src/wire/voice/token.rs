//! The voice token: the 16-byte secret a `LoginResponse` hands out and a `VoiceAuthRequest`
//! presents to bind a UDP address (`conformance/spec/voice.md` §5.7, §6.1).

use std::fmt;

/// A voice token. Anyone holding it can bind a UDP address to its user, so `Debug` does not
/// print it: a log line or a panic message must not leak a live token.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VoiceToken(pub [u8; 16]);

impl VoiceToken {
    /// The token's length on the wire.
    pub const LEN: usize = 16;
}

impl fmt::Debug for VoiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VoiceToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret_bytes() {
        let token = VoiceToken([0xAB; 16]);
        assert_eq!(format!("{token:?}"), "VoiceToken(..)");
        assert_eq!(format!("{:?}", Some(token)), "Some(VoiceToken(..))");
    }
}
