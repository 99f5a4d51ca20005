//! Room ids (`signal.md` §6): the Node original's `createRoomId`, so that a room hark names on the
//! SFU link is the room the original would have named for the same server and channel.

/// The first `.`-separated label of `server_name`, `_`, then `channel_id`:
/// `techial.example.com` + `voice` → `techial_voice`.
///
/// Exactly JavaScript's `serverName.split('.')[0]`: the label is taken as it is, spaces and
/// non-ASCII included (`My Server` + `voice` → `My Server_voice`), and an empty label (a name that
/// is empty or starts with `.`) gives `_voice`. One hark process serves one server name, so
/// prefixes only have to be stable, not unique or pretty; the SFU receives the id as a JSON string.
pub fn room_id(server_name: &str, channel_id: &str) -> String {
    let label = server_name.split('.').next().unwrap_or_default();
    format!("{label}_{channel_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_s_example_takes_the_first_label() {
        assert_eq!(room_id("techial.example.com", "voice"), "techial_voice");
    }

    #[test]
    fn a_name_without_dots_is_its_own_label() {
        assert_eq!(room_id("localhost", "lobby"), "localhost_lobby");
    }

    #[test]
    fn labels_keep_spaces_and_non_ascii_characters() {
        assert_eq!(
            room_id("My Brand New Server", "voice"),
            "My Brand New Server_voice"
        );
        assert_eq!(room_id("héllo.example", "v"), "héllo_v");
    }

    #[test]
    fn an_empty_first_label_leaves_the_underscore() {
        assert_eq!(room_id("", "voice"), "_voice");
        assert_eq!(room_id(".example.com", "voice"), "_voice");
    }

    #[test]
    fn only_the_server_name_is_split() {
        assert_eq!(room_id("a.b", "c.d"), "a_c.d");
    }
}
