//! Live mode for `audio`: when a datagram a server sent counts as the one a vector expects, and
//! the `[audio]` section of a group's configuration.
//!
//! Relayed datagrams (Audio, SetMute) are the client's own bytes and must come back exactly.
//! Datagrams the server writes itself (Error `0x07`, Ack `0x08`) carry the server's clock in the
//! header timestamp, which a real server reads a few milliseconds after the vector's instant and
//! which an operator `reset` rewinds: those four bytes may differ by up to
//! [`TIMESTAMP_TOLERANCE_SECS`]; every other byte must be equal.

use std::fmt::Write as _;
use std::ops::Range;

use super::LiveService;
use super::plan::{SOCKET_BUFFER, rate};
use crate::format::EffectiveFixture;
use crate::format::audio::{Audio, ConfigJson};

impl LiveService for Audio {
    fn close_enough(expected: &[u8], actual: &[u8]) -> bool {
        close_enough(expected, actual)
    }

    /// `[audio]` from the fixture's config; the voice listeners on ephemeral loopback ports, out
    /// of the way, and chat off (its default port is a fixed one).
    fn config_sections(fixture: &EffectiveFixture<ConfigJson>) -> String {
        let c = &fixture.config;
        let mut t = String::from("[audio]\n");
        let _ = writeln!(t, "bind_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "max_packet_size = {}", c.max_packet_size);
        let _ = writeln!(t, "buffer_size = {SOCKET_BUFFER}");
        let _ = writeln!(t, "jwt_leeway = \"{}s\"", c.jwt_leeway_secs);
        let _ = writeln!(t, "max_token_len = {}", c.max_token_len);
        let _ = writeln!(t, "handshake_timeout = \"{}ms\"", c.handshake_timeout_ms);
        let _ = writeln!(t, "session_timeout = \"{}ms\"", c.session_timeout_ms);
        let _ = writeln!(t, "user_timeout = \"{}ms\"", c.user_timeout_ms);
        let _ = writeln!(t, "cleanup_interval = \"{}ms\"", c.cleanup_interval_ms);
        let _ = writeln!(t, "max_clock_skew = \"{}s\"", c.max_clock_skew_secs);
        let _ = writeln!(t, "session_rate = {}", rate(c.session_rate));
        let _ = writeln!(
            t,
            "unauthenticated_reply_rate = {}",
            rate(c.unauthenticated_reply_rate)
        );
        let _ = writeln!(t, "max_sessions = {}", c.max_sessions);
        let _ = writeln!(t, "max_sessions_per_user = {}", c.max_sessions_per_user);
        let _ = writeln!(
            t,
            "default_max_users_per_channel = {}",
            c.default_max_users_per_channel
        );
        let _ = writeln!(t, "max_user_records = {}", c.max_user_records);
        let _ = writeln!(t, "\n[voice]");
        let _ = writeln!(t, "management_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "relay_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "\n[chat]\nenabled = false");
        t
    }

    fn testing_keys(_fixture: &EffectiveFixture<ConfigJson>) -> String {
        String::new()
    }
}

/// How far a server-written header timestamp may be from the vector's, in seconds.
pub const TIMESTAMP_TOLERANCE_SECS: u32 = 2;

/// The header timestamp's bytes (`audio.md` §2).
const TIMESTAMP: Range<usize> = 17..21;

/// Type bytes of the packets only a server writes.
const SERVER_WRITTEN: [u8; 2] = [0x07, 0x08];

/// Whether `actual` is `expected` up to the server's timestamp (see the module's doc).
pub fn close_enough(expected: &[u8], actual: &[u8]) -> bool {
    if expected == actual {
        return true;
    }
    let server_written = expected
        .first()
        .is_some_and(|kind| SERVER_WRITTEN.contains(kind));
    if !server_written || expected.len() != actual.len() {
        return false;
    }
    let (Some(want), Some(got)) = (timestamp(expected), timestamp(actual)) else {
        return false;
    };
    let same_elsewhere = expected
        .iter()
        .zip(actual)
        .enumerate()
        .all(|(index, (a, b))| TIMESTAMP.contains(&index) || a == b);
    same_elsewhere && want.abs_diff(got) <= TIMESTAMP_TOLERANCE_SECS
}

fn timestamp(datagram: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = datagram.get(TIMESTAMP)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(kind: u8, timestamp: u32, tail: &[u8]) -> Vec<u8> {
        let mut bytes = vec![kind, 0, 0, 0, 9, b'a', 0, 0, 0, 0, 0, 0, 0, b'c', 0, 0, 0];
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(tail);
        bytes
    }

    #[test]
    fn a_server_written_timestamp_may_differ_by_two_seconds() {
        let ack = packet(0x08, 1_700_000_001, &[6, 0, 0, 0, 9]);
        assert!(close_enough(
            &ack,
            &packet(0x08, 1_700_000_003, &[6, 0, 0, 0, 9])
        ));
        assert!(close_enough(
            &ack,
            &packet(0x08, 1_699_999_999, &[6, 0, 0, 0, 9])
        ));
        assert!(!close_enough(
            &ack,
            &packet(0x08, 1_700_000_004, &[6, 0, 0, 0, 9])
        ));
        let error = packet(0x07, 1_700_000_001, &[0, 8, 3, 0, 0]);
        assert!(close_enough(
            &error,
            &packet(0x07, 1_700_000_000, &[0, 8, 3, 0, 0])
        ));
    }

    #[test]
    fn every_other_byte_must_be_equal() {
        let ack = packet(0x08, 1_700_000_001, &[6, 0, 0, 0, 9]);
        assert!(!close_enough(
            &ack,
            &packet(0x08, 1_700_000_001, &[6, 0, 0, 0, 8])
        ));
        assert!(!close_enough(
            &ack,
            &packet(0x08, 1_700_000_001, &[6, 0, 0, 0, 9, 0])
        ));
        assert!(!close_enough(
            &ack,
            &packet(0x07, 1_700_000_001, &[6, 0, 0, 0, 9])
        ));
    }

    #[test]
    fn relayed_datagrams_must_be_identical() {
        let audio = packet(0x02, 1_700_000_001, &[0, 1, 7]);
        assert!(close_enough(&audio, &audio));
        assert!(!close_enough(
            &audio,
            &packet(0x02, 1_700_000_002, &[0, 1, 7])
        ));
        let mute = packet(0x05, 1_700_000_001, &[1]);
        assert!(!close_enough(&mute, &packet(0x05, 1_700_000_000, &[1])));
    }

    #[test]
    fn short_datagrams_are_compared_exactly() {
        assert!(!close_enough(&[0x08, 1], &[0x08, 2]));
        assert!(close_enough(&[0x08], &[0x08]));
    }
}
