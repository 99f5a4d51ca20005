//! One log line per connection opened, refused or closed, per IP block and per room created or
//! removed; joins, leaves and `error` answers are `debug`.

use hark_core::chat::ChatEvent;

pub(super) fn event(event: &ChatEvent) {
    match event {
        ChatEvent::ConnectionOpened { conn, ip } => {
            tracing::info!(conn = conn.0, %ip, "connection opened")
        }
        ChatEvent::ConnectionRefused { ip, refusal } => {
            tracing::info!(%ip, reason = refusal.code(), "connection refused")
        }
        ChatEvent::ConnectionClosed { conn, reason } => {
            tracing::info!(conn = conn.0, ?reason, "connection closed")
        }
        ChatEvent::IpBlocked { ip, duration } => {
            tracing::warn!(%ip, duration_secs = duration.as_secs(), "ip blocked")
        }
        ChatEvent::RoomCreated { room } => tracing::debug!(%room, "room created"),
        ChatEvent::RoomRemoved { room } => tracing::debug!(%room, "room removed"),
        ChatEvent::Joined {
            conn,
            room,
            user_id,
        } => tracing::debug!(conn = conn.0, %room, user = %user_id, "joined"),
        ChatEvent::Left {
            conn,
            room,
            user_id,
        } => tracing::debug!(conn = conn.0, %room, user = %user_id, "left"),
        ChatEvent::Error { conn, code } => {
            tracing::debug!(conn = conn.0, code = code.code(), "error sent")
        }
    }
}
