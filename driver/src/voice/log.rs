//! One log line per connection, login, binding and channel change, and per refusal of a login;
//! everything per-frame or per-datagram is `debug` or below.

use hark_core::voice::{ManagementError, VoiceEvent};

pub(super) fn event(event: &VoiceEvent) {
    match event {
        VoiceEvent::ConnectionOpened {
            conn,
            user_id,
            peer,
        } => tracing::info!(conn = conn.0, user = user_id, %peer, "connection opened"),
        VoiceEvent::ConnectionClosed {
            conn,
            user_id,
            reason,
        } => tracing::info!(conn = conn.0, user = user_id, ?reason, "connection closed"),
        VoiceEvent::LoggedIn {
            conn,
            user_id,
            username,
        } => tracing::info!(conn = conn.0, user = user_id, %username, "logged in"),
        VoiceEvent::VoiceBound { user_id, addr } => {
            tracing::info!(user = user_id, %addr, "voice address bound")
        }
        VoiceEvent::VoiceUnbound {
            user_id,
            addr,
            reason,
        } => tracing::info!(user = user_id, %addr, ?reason, "voice address unbound"),
        VoiceEvent::VoiceJoined { user_id, channel } => {
            tracing::info!(user = user_id, %channel, "joined voice")
        }
        VoiceEvent::VoiceLeft {
            user_id,
            channel,
            reason,
        } => tracing::info!(user = user_id, %channel, ?reason, "left voice"),
        VoiceEvent::UserMuted { user_id, muted } => {
            tracing::debug!(user = user_id, muted, "mute changed")
        }
        VoiceEvent::ChatMessage {
            user_id, channel, ..
        } => tracing::debug!(user = user_id, %channel, "chat"),
        VoiceEvent::VoiceData {
            user_id, sequence, ..
        } => tracing::trace!(user = user_id, sequence, "voice"),
        VoiceEvent::ManagementError { conn, error } if is_login_refusal(error) => {
            tracing::info!(conn = conn.0, reason = error.code().name(), detail = %error, "login refused")
        }
        VoiceEvent::ManagementError { conn, error } => {
            tracing::debug!(conn = conn.0, reason = error.code().name(), detail = %error, "frame refused")
        }
        VoiceEvent::RelayError { addr, error } => {
            tracing::debug!(%addr, reason = error.kind(), detail = %error, "datagram refused")
        }
    }
}

/// Errors only a `LoginRequest` can cause.
fn is_login_refusal(error: &ManagementError) -> bool {
    matches!(
        error,
        ManagementError::UnsupportedVersion(_)
            | ManagementError::InvalidToken(_)
            | ManagementError::SubjectMismatch { .. }
            | ManagementError::TokenExpired
            | ManagementError::InvalidUsername(_)
            | ManagementError::UsernameTaken(_)
    )
}
