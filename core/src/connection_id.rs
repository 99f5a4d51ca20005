//! The name a driver gives each stream connection it hands to a service.

/// A stream connection (a `voice` management connection, a `chat` WebSocket), numbered by the
/// driver; unique among the open connections of one service. Serialized as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ConnectionId(pub u64);
