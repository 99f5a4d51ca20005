//! Hex digits, both ways, without an extra dependency: signatures (stream.md §4), percent
//! escapes (§2) and the multipart boundary (§7.1.1).

/// The lowercase hex digit of a nibble.
pub(super) fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + (nibble & 0x0f) - 10
    })
}

/// The value of a hex digit of either case.
pub(super) fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_round_trip() {
        for nibble in 0..16 {
            let digit = u8::try_from(hex_digit(nibble)).unwrap();
            assert_eq!(hex_value(digit), Some(nibble));
            assert_eq!(hex_value(digit.to_ascii_uppercase()), Some(nibble));
        }
    }

    #[test]
    fn other_bytes_are_not_digits() {
        assert_eq!(hex_value(b'g'), None);
        assert_eq!(hex_value(b'/'), None);
    }
}
