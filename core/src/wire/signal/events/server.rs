//! Server → client events (`signal.md` §5), written byte for byte as the Socket.IO EVENT data
//! array `["<name>",<payload>]`: serde writes a struct's members in declaration order, which is
//! the order the seed's TypeScript interfaces list them, and `serde_json`'s compact form has no
//! spaces. The framing layer puts `42` in front.

use serde::Serialize;
use serde::ser::{SerializeTuple, Serializer};

use super::{EventErrorCode, IceCandidate, SessionDescription};

/// `ServerInfo`, sent as `info` on connect. The seed's `name`, `members`, `channels`, then the
/// two members the Gryt client reads for the rest of the seed's configuration, under the names it
/// reads them by: `icon_url` (`SERVER_ICON`, `null` when unset) and `stun_hosts` (`STUN_SERVERS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub name: String,
    /// How many users are connected; written as a decimal string, as the seed's
    /// `members: string` and the Node original's `activeMembers.toString()`.
    #[serde(serialize_with = "decimal_string")]
    pub members: usize,
    pub channels: Vec<ChannelInfo>,
    pub icon_url: Option<String>,
    pub stun_hosts: Vec<String>,
}

/// `Channel`: `id`, `name`, `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ChannelKind,
}

/// `'voice' | 'text'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Voice,
    Text,
}

/// `UserInfo`: what room members see of a user (`signal.md` §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub id: String,
    pub nickname: String,
    pub is_muted: bool,
    pub has_joined_channel: bool,
    pub is_connected_to_voice: bool,
    /// Left out while the user has no media stream, as TypeScript leaves out an unset optional.
    #[serde(rename = "streamID", skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
}

/// One event the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    Info(ServerInfo),
    /// Every user in the recipient's room, in the order they joined.
    Users(Vec<UserInfo>),
    UserJoined(UserInfo),
    UserLeft(UserInfo),
    UserUpdated(UserInfo),
    Offer(SessionDescription),
    Answer(SessionDescription),
    IceCandidate(IceCandidate),
    /// A refused client event: `{"error":…,"message":…}`.
    Error(EventErrorCode),
}

impl ServerEvent {
    /// The event's name, the data array's first element.
    pub fn name(&self) -> &'static str {
        match self {
            ServerEvent::Info(_) => "info",
            ServerEvent::Users(_) => "users",
            ServerEvent::UserJoined(_) => "user-joined",
            ServerEvent::UserLeft(_) => "user-left",
            ServerEvent::UserUpdated(_) => "user-updated",
            ServerEvent::Offer(_) => "offer",
            ServerEvent::Answer(_) => "answer",
            ServerEvent::IceCandidate(_) => "ice-candidate",
            ServerEvent::Error(_) => "error",
        }
    }

    /// The EVENT's data array as JSON text.
    pub fn encode(&self) -> String {
        // Strings, bools, integers and sequences of structs with string keys: serde_json cannot
        // fail on them, so the empty fallback is never taken.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for ServerEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut array = serializer.serialize_tuple(2)?;
        array.serialize_element(self.name())?;
        match self {
            ServerEvent::Info(info) => array.serialize_element(info)?,
            ServerEvent::Users(users) => array.serialize_element(users)?,
            ServerEvent::UserJoined(user)
            | ServerEvent::UserLeft(user)
            | ServerEvent::UserUpdated(user) => array.serialize_element(user)?,
            ServerEvent::Offer(description) | ServerEvent::Answer(description) => {
                array.serialize_element(description)?
            }
            ServerEvent::IceCandidate(candidate) => array.serialize_element(candidate)?,
            ServerEvent::Error(code) => array.serialize_element(code)?,
        }
        array.end()
    }
}

impl From<EventErrorCode> for ServerEvent {
    fn from(code: EventErrorCode) -> Self {
        ServerEvent::Error(code)
    }
}

fn decimal_string<S: Serializer>(count: &usize, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(count)
}
