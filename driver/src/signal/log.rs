//! One log line per connection opened, refused or closed and per CONNECT answered; everything
//! else the service reports (rooms, joins, leaves, refused events, the SFU link) is `debug`.

use hark_core::signal::SignalEvent;

pub(super) fn event(event: &SignalEvent) {
    match event {
        SignalEvent::ConnectionOpened { conn, ip, sid } => {
            tracing::info!(conn = conn.0, %ip, %sid, "connection opened")
        }
        SignalEvent::ConnectionRefused { ip } => {
            tracing::info!(%ip, "connection refused: server full")
        }
        SignalEvent::ConnectionClosed { conn, reason } => {
            tracing::info!(conn = conn.0, ?reason, "connection closed")
        }
        SignalEvent::Admitted { conn, user_id } => {
            tracing::info!(conn = conn.0, user = %user_id, "admitted")
        }
        SignalEvent::ConnectRefused { conn, code } => {
            tracing::info!(conn = conn.0, code, "connect refused")
        }
        other => tracing::debug!(event = ?other, "signal event"),
    }
}
