//! Fixed-width, NUL-padded ASCII identifiers (the header's user and channel ids).

use std::fmt;

use super::error::{IdField, WireError};

/// An identifier stored in a fixed `N`-byte field: printable ASCII (`0x21..=0x7E`) followed by
/// NUL padding. Every value of this type is valid, so [`PaddedId::as_str`] cannot fail.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaddedId<const N: usize> {
    bytes: [u8; N],
}

/// The 8-byte user id of the audio header.
pub type UserId = PaddedId<8>;
/// The 4-byte channel id of the audio header.
pub type ChannelId = PaddedId<4>;

/// Why a string cannot become a [`PaddedId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("id is longer than {max} bytes")]
    TooLong { max: usize },
    #[error("id contains a character outside printable ASCII (0x21..=0x7E)")]
    InvalidCharacter,
}

const fn is_id_byte(b: u8) -> bool {
    matches!(b, 0x21..=0x7E)
}

impl<const N: usize> PaddedId<N> {
    /// The all-NUL id: what the server writes when it answers a packet whose ids it could not read.
    pub const EMPTY: Self = Self { bytes: [0; N] };

    /// Builds an id from text, checking length and characters.
    pub fn new(text: &str) -> Result<Self, IdError> {
        let src = text.as_bytes();
        if src.len() > N {
            return Err(IdError::TooLong { max: N });
        }
        if !src.iter().all(|&b| is_id_byte(b)) {
            return Err(IdError::InvalidCharacter);
        }
        let mut bytes = [0u8; N];
        for (dst, &b) in bytes.iter_mut().zip(src) {
            *dst = b;
        }
        Ok(Self { bytes })
    }

    /// Validates the raw field: id characters, then NULs only.
    pub(crate) fn from_field(field: IdField, raw: [u8; N]) -> Result<Self, WireError> {
        let len = raw.iter().position(|&b| b == 0).unwrap_or(N);
        let (text, padding) = raw.split_at(len);
        if !text.iter().all(|&b| is_id_byte(b)) {
            return Err(WireError::NonAsciiId { field });
        }
        if padding.iter().any(|&b| b != 0) {
            return Err(WireError::IdNotNulPadded { field });
        }
        Ok(Self { bytes: raw })
    }

    /// The id without its padding.
    pub fn as_str(&self) -> &str {
        let len = self.bytes.iter().position(|&b| b == 0).unwrap_or(N);
        let text = self.bytes.get(..len).unwrap_or_default();
        std::str::from_utf8(text).unwrap_or_default()
    }

    /// The field exactly as it goes on the wire.
    pub fn as_field(&self) -> &[u8; N] {
        &self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.first().is_none_or(|&b| b == 0)
    }
}

impl<const N: usize> fmt::Debug for PaddedId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl<const N: usize> fmt::Display for PaddedId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> std::str::FromStr for PaddedId<N> {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_nul_padded() {
        let id = UserId::new("user123").unwrap();
        assert_eq!(id.as_field(), b"user123\0");
        assert_eq!(id.as_str(), "user123");
    }

    #[test]
    fn ids_longer_than_the_field_are_refused() {
        assert_eq!(ChannelId::new("chan1"), Err(IdError::TooLong { max: 4 }));
    }

    #[test]
    fn spaces_and_control_characters_are_refused() {
        assert_eq!(UserId::new("a b"), Err(IdError::InvalidCharacter));
        assert_eq!(UserId::new("a\0b"), Err(IdError::InvalidCharacter));
    }

    #[test]
    fn a_byte_after_the_padding_is_not_nul_padded() {
        let err = ChannelId::from_field(IdField::ChannelId, *b"a\0b\0").unwrap_err();
        assert_eq!(
            err,
            WireError::IdNotNulPadded {
                field: IdField::ChannelId
            }
        );
    }

    #[test]
    fn a_high_byte_is_non_ascii() {
        let err = ChannelId::from_field(IdField::ChannelId, [b'a', 0xC3, 0xA9, 0]).unwrap_err();
        assert_eq!(
            err,
            WireError::NonAsciiId {
                field: IdField::ChannelId
            }
        );
    }

    #[test]
    fn the_empty_id_is_valid_on_the_wire() {
        let id = UserId::from_field(IdField::UserId, [0; 8]).unwrap();
        assert!(id.is_empty());
        assert_eq!(id, UserId::EMPTY);
    }
}
