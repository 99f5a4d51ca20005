//! A `message`'s `id` (`conformance/spec/chat.md` §3): a UUID version 4, drawn from the random
//! bytes the caller supplies so that the sans-IO core stays deterministic under a seeded generator.

use std::fmt;

use serde::{Serialize, Serializer};

/// A UUID v4, written in lowercase hexadecimal `8-4-4-4-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageId([u8; 16]);

impl MessageId {
    /// The UUID v4 made of `bytes`, with the version (`4`) and RFC 4122 variant (`10`) bits set
    /// over the random ones, as RFC 9562 §5.4 prescribes.
    pub fn from_random(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        MessageId(bytes)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_give_the_smallest_v4_uuid() {
        assert_eq!(
            MessageId::from_random([0; 16]).to_string(),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn all_ones_keep_every_bit_but_version_and_variant() {
        assert_eq!(
            MessageId::from_random([0xff; 16]).to_string(),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
    }

    #[test]
    fn bytes_are_written_in_order_in_lowercase_hex() {
        let bytes = std::array::from_fn(|i| u8::try_from(i * 17).unwrap());
        assert_eq!(
            MessageId::from_random(bytes).to_string(),
            "00112233-4455-4677-8899-aabbccddeeff"
        );
    }
}
