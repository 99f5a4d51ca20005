//! A chat user as clients send it in `join` and the server echoes it to the room.

use serde::Serialize;

/// The user a connection joined with, after §4's validation. Serializes as §3's `user` object:
/// `id`, `name`, `avatar` in that order, `avatar` `null` when the client sent none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatUser {
    pub id: String,
    pub name: String,
    pub avatar: Option<String>,
}
