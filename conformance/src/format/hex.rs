//! Bytes written as lowercase hex strings, the way every vector carries them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that (de)serialise as a lowercase hex string. Uppercase is refused so that a vector
/// has exactly one spelling and files diff cleanly.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hex(pub Vec<u8>);

impl Hex {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&[u8]> for Hex {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hex({self})")
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("hex must be lowercase"));
        }
        hex::decode(&text)
            .map(Hex)
            .map_err(|e| serde::de::Error::custom(format!("invalid hex: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_hex_round_trips() {
        let hex: Hex = serde_json::from_str("\"00ff10\"").unwrap();
        assert_eq!(hex.as_bytes(), &[0x00, 0xff, 0x10]);
        assert_eq!(serde_json::to_string(&hex).unwrap(), "\"00ff10\"");
    }

    #[test]
    fn uppercase_and_odd_length_hex_are_refused() {
        assert!(serde_json::from_str::<Hex>("\"FF\"").is_err());
        assert!(serde_json::from_str::<Hex>("\"abc\"").is_err());
    }
}
