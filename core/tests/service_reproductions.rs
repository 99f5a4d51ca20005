//! Regression tests for `AudioService` bugs found by the properties in `service_properties.rs`,
//! written against the service alone (no model).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Instant;

use hark_core::audio::{AudioConfig, AudioEvent, AudioService, EndReason};
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory};
use hark_core::wire::audio::{AudioPacket, Body, ChannelId, Handshake, Header, PacketType, UserId};

const SECRET: &[u8] = b"reproduction-secret";
const WALL: u64 = 1_700_000_000;

fn channel(id: &str, members: Option<&[&str]>) -> ChannelConfig {
    ChannelConfig {
        id: id.to_owned(),
        name: None,
        members: members.map(|m| m.iter().map(|u| (*u).to_owned()).collect()),
        banned: Vec::new(),
        max_users: None,
    }
}

fn handshake(user: &str, channel: &str) -> bytes::Bytes {
    let claims = TokenClaims {
        sub: Some(user.to_owned()),
        exp: Some(WALL + 3600),
        nbf: None,
        iat: None,
    };
    let header = Header {
        sequence: 0,
        user_id: UserId::new(user).unwrap(),
        channel_id: ChannelId::new(channel).unwrap(),
        timestamp: u32::try_from(WALL).unwrap(),
    };
    let token = mint_token(SECRET, &claims);
    AudioPacket::new(header, Body::Handshake(Handshake::legacy(&token).unwrap())).encode()
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 1], port))
}

/// Found by `random_interactions_keep_the_service_invariants_under_tight_limits` when
/// `max_user_records == max_sessions` (the smallest value `AudioConfig::validate` accepts).
///
/// Spec §7.1: "[a session] ends … when the same address completes a handshake for another user
/// or channel (reason `replaced`)"; §7.2 step 6 does not count the session a handshake replaces;
/// §9: when the user table is full, "the longest-idle user without a session is forgotten
/// first". Here the server is full (3 sessions, 3 user records, every record with a live
/// session) and alice, from her own address, switches from `open` to `team`.
///
/// Expected: `Ack(Handshake)`; alice's `open` session ends as `Replaced`, its record (now without
/// a session) makes room for alice/team.
/// Before 5f7c73c: `Error(too_many_sessions)` and event `ServerFull`, because
/// `AudioService::handshake` looked for an evictable record *before* ending the replaced
/// session, whose record still counted as live.
#[test]
fn a_handshake_replacing_a_session_is_accepted_when_user_records_are_full() {
    let mut config = AudioConfig::new(SECRET);
    config.max_sessions = 3;
    config.max_user_records = 3;
    let directory = Directory::new([channel("open", None), channel("team", Some(&["alice"]))]);
    let now = Instant::now();
    let mut svc = AudioService::new(config, directory.unwrap(), now).unwrap();
    for (port, user) in [(1, "alice"), (2, "bob"), (3, "carol")] {
        svc.handle_datagram(now, WALL, addr(port), handshake(user, "open"));
    }
    while svc.poll_transmit().is_some() {}
    while svc.poll_event().is_some() {}

    svc.handle_datagram(now, WALL, addr(1), handshake("alice", "team"));

    let reply = svc.poll_transmit().expect("a reply");
    let reply = AudioPacket::parse(&reply.payload, usize::MAX).unwrap();
    let events: Vec<AudioEvent> = std::iter::from_fn(|| svc.poll_event()).collect();
    assert!(
        matches!(reply.body, Body::Ack(ack) if ack.acked_type == PacketType::Handshake),
        "got {:?}, events {events:?}",
        reply.body
    );
    assert!(events.iter().any(|e| matches!(
        e,
        AudioEvent::SessionEnded {
            reason: EndReason::Replaced,
            ..
        }
    )));
}
