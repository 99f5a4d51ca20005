//! The `updateNickname` rule (`signal.md` §5). The Gryt server trims a nickname and refuses one
//! longer than 50 ("Nickname too long (max 50)."); hark does the same, counts characters rather
//! than UTF-16 units, and also refuses what would print as nothing or break a line.

/// The longest nickname, in characters, after trimming.
pub const MAX_NICKNAME_CHARS: usize = 50;

/// The nickname a client asked for, trimmed of white space at both ends; `None` when the trimmed
/// text is empty, longer than [`MAX_NICKNAME_CHARS`] characters or holds a control character
/// (Unicode Cc: format characters such as the zero-width joiner inside emoji are allowed).
pub fn normalize_nickname(requested: &str) -> Option<&str> {
    let nickname = requested.trim();
    let valid = (1..=MAX_NICKNAME_CHARS).contains(&nickname.chars().count())
        && !nickname.chars().any(char::is_control);
    valid.then_some(nickname)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_are_trimmed() {
        assert_eq!(
            normalize_nickname("  Ada Lovelace \u{3000}"),
            Some("Ada Lovelace")
        );
    }

    #[test]
    fn nicknames_are_1_to_50_characters_after_trimming() {
        assert_eq!(normalize_nickname(""), None);
        assert_eq!(normalize_nickname(" \t "), None);
        assert!(normalize_nickname(&"é".repeat(50)).is_some());
        assert_eq!(normalize_nickname(&"é".repeat(51)), None);
        assert!(normalize_nickname(&format!(" {} ", "a".repeat(50))).is_some());
    }

    #[test]
    fn nicknames_refuse_control_characters_inside() {
        assert_eq!(normalize_nickname("Ada\nLovelace"), None);
        assert_eq!(normalize_nickname("Ada\u{7f}"), None);
        assert_eq!(normalize_nickname("Ada\u{0}"), None);
    }

    #[test]
    fn nicknames_allow_emoji_sequences() {
        assert_eq!(normalize_nickname("👩\u{200d}💻"), Some("👩\u{200d}💻"));
    }
}
