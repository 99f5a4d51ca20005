//! The value rules of `conformance/spec/chat.md` §4. "Control character" means Unicode general
//! category Cc (`char::is_control`): format characters such as the zero-width joiner inside emoji
//! sequences are allowed.

/// The longest room name, user id and message id, in bytes.
const MAX_IDENTIFIER_LEN: usize = 64;
/// The longest user name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// The longest avatar, in bytes.
const MAX_AVATAR_LEN: usize = 2048;
/// The longest emoji, in bytes.
const MAX_EMOJI_LEN: usize = 32;

/// `room`, `user.id` and `messageId`: 1–64 bytes of `A–Z a–z 0–9 _ - .`.
pub(crate) fn is_identifier(text: &str) -> bool {
    (1..=MAX_IDENTIFIER_LEN).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// `user.name`: 1–64 characters, no control characters, not only white space.
pub(crate) fn is_valid_name(name: &str) -> bool {
    (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && !name.chars().any(char::is_control)
        && !name.chars().all(char::is_whitespace)
}

/// `user.avatar` when it is a string: at most 2048 bytes, no control characters.
pub(crate) fn is_valid_avatar(avatar: &str) -> bool {
    avatar.len() <= MAX_AVATAR_LEN && !avatar.chars().any(char::is_control)
}

/// `emoji`: 1–32 bytes, no control characters or white space.
pub(crate) fn is_valid_emoji(emoji: &str) -> bool {
    (1..=MAX_EMOJI_LEN).contains(&emoji.len())
        && !emoji.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `content`: 1 byte to `max_message_size`, printable ASCII (`0x20`–`0x7E`) only — the shape of
/// every ciphertext encoding in use, and not of plaintext a client forgot to encrypt.
pub fn is_valid_content(content: &str, max_message_size: usize) -> bool {
    (1..=max_message_size).contains(&content.len())
        && content.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_take_letters_digits_underscore_dash_and_dot() {
        assert!(is_identifier("Room_1-a.b"));
        assert!(!is_identifier("room name"));
        assert!(!is_identifier("röom"));
        assert!(!is_identifier("room/1"));
    }

    #[test]
    fn identifiers_are_1_to_64_bytes() {
        assert!(!is_identifier(""));
        assert!(is_identifier(&"a".repeat(64)));
        assert!(!is_identifier(&"a".repeat(65)));
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert!(is_valid_name(&"é".repeat(64)));
        assert!(!is_valid_name(&"é".repeat(65)));
        assert!(!is_valid_name(""));
    }

    #[test]
    fn names_refuse_control_characters_and_only_white_space() {
        assert!(is_valid_name(" Ada Lovelace "));
        assert!(!is_valid_name("Ada\nLovelace"));
        assert!(!is_valid_name("Ada\u{7f}"));
        assert!(!is_valid_name(" \u{3000}\u{a0}"));
    }

    #[test]
    fn avatars_are_at_most_2048_bytes_without_control_characters() {
        assert!(is_valid_avatar(""));
        assert!(is_valid_avatar(&"a".repeat(2048)));
        assert!(!is_valid_avatar(&"a".repeat(2049)));
        assert!(!is_valid_avatar("https://x/\t.png"));
    }

    #[test]
    fn emoji_are_1_to_32_bytes_without_white_space_or_control_characters() {
        assert!(is_valid_emoji("👍"));
        assert!(is_valid_emoji("👩\u{200d}💻"));
        assert!(!is_valid_emoji(""));
        assert!(!is_valid_emoji(&"👍".repeat(9)));
        assert!(!is_valid_emoji("👍 "));
        assert!(!is_valid_emoji("\u{0}"));
    }

    #[test]
    fn content_is_printable_ascii_up_to_the_limit() {
        assert!(is_valid_content("aGVsbG8=", 8));
        assert!(is_valid_content(" ~", 10));
        assert!(!is_valid_content("aGVsbG8=", 7));
        assert!(!is_valid_content("", 10));
    }

    #[test]
    fn content_refuses_non_ascii_control_characters_and_line_breaks() {
        assert!(!is_valid_content("héllo", 100));
        assert!(!is_valid_content("a\nb", 100));
        assert!(!is_valid_content("a\u{7f}", 100));
        assert!(!is_valid_content("a\tb", 100));
    }
}
