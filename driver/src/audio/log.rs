//! One log line per session start and end and per refused handshake; everything per-packet is
//! `debug` or below.

use hark_core::audio::{AudioError, AudioEvent};

pub(super) fn event(event: &AudioEvent) {
    match event {
        AudioEvent::SessionStarted {
            user_id,
            channel_id,
            addr,
        } => tracing::info!(user = %user_id, channel = %channel_id, %addr, "session started"),
        AudioEvent::SessionEnded {
            user_id,
            channel_id,
            addr,
            reason,
        } => {
            tracing::info!(user = %user_id, channel = %channel_id, %addr, ?reason, "session ended")
        }
        AudioEvent::UserJoined {
            user_id,
            channel_id,
            socket_addr,
        } => tracing::debug!(user = %user_id, channel = %channel_id, addr = %socket_addr, "joined"),
        AudioEvent::UserLeft {
            user_id,
            channel_id,
            socket_addr,
            reason,
        } => {
            tracing::debug!(user = %user_id, channel = %channel_id, addr = %socket_addr, ?reason, "left")
        }
        AudioEvent::UserMuted {
            user_id,
            channel_id,
            muted,
        } => tracing::debug!(user = %user_id, channel = %channel_id, muted, "mute changed"),
        AudioEvent::AudioPacket {
            from_user_id,
            sequence,
            ..
        } => tracing::trace!(user = %from_user_id, sequence, "audio"),
        AudioEvent::Error { socket_addr, error } if is_handshake_refusal(error) => {
            tracing::info!(addr = %socket_addr, reason = error.kind(), detail = %error, "handshake rejected");
        }
        AudioEvent::Error { socket_addr, error } => {
            tracing::debug!(addr = %socket_addr, reason = error.kind(), detail = %error, "packet refused");
        }
    }
}

/// Errors only a handshake can produce (a refusal at JoinChannel is logged alike: same cause).
fn is_handshake_refusal(error: &AudioError) -> bool {
    matches!(
        error,
        AudioError::InvalidToken(_)
            | AudioError::SubjectMismatch { .. }
            | AudioError::HandshakeChannelMismatch { .. }
            | AudioError::Refused { .. }
            | AudioError::TooManySessionsForUser(_)
            | AudioError::ServerFull
    )
}
