//! Behaviour of the audio service driven without sockets. The conformance vectors cover the
//! spec case by case; these tests pin the properties that vectors cannot see (shared buffers,
//! timer scheduling) and the main paths, in the language of the spec.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::Transmit;
use hark_core::audio::{AudioConfig, AudioError, AudioEvent, AudioService, EndReason};
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory, DirectoryChange};
use hark_core::limits::RateLimit;
use hark_core::wire::audio::{
    Ack, AudioData, AudioPacket, Body, ChannelId, ErrorCode, Handshake, Header, PacketType, UserId,
};

const SECRET: &[u8] = b"unit-test-secret";
const WALL: u64 = 1_700_000_000;

struct Harness {
    svc: AudioService,
    start: Instant,
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn header(user: &str, sequence: u32) -> Header {
    Header {
        sequence,
        user_id: UserId::new(user).unwrap(),
        channel_id: ChannelId::new("room").unwrap(),
        timestamp: WALL as u32,
    }
}

fn token(user: &str) -> String {
    mint_token(
        SECRET,
        &TokenClaims {
            sub: Some(user.into()),
            exp: Some(WALL + 3600),
            nbf: None,
            iat: None,
        },
    )
}

fn packet(user: &str, sequence: u32, body: Body) -> Bytes {
    AudioPacket::new(header(user, sequence), body).encode()
}

fn handshake(user: &str) -> Bytes {
    let body = Body::Handshake(Handshake::json(&token(user), "room").unwrap());
    packet(user, 0, body)
}

fn audio(user: &str, sequence: u32) -> Bytes {
    let data = AudioData::new(Bytes::from_static(&[7; 160])).unwrap();
    packet(user, sequence, Body::Audio(data))
}

impl Harness {
    fn new() -> Self {
        Self::with(AudioConfig::new(SECRET))
    }

    fn with(config: AudioConfig) -> Self {
        let channels = [ChannelConfig {
            id: "room".into(),
            name: None,
            members: None,
            banned: vec!["mallory".into()],
            max_users: None,
        }];
        let start = Instant::now();
        let svc = AudioService::new(config, Directory::new(channels).unwrap(), start).unwrap();
        Self { svc, start }
    }

    fn send(&mut self, at_ms: u64, from: u16, datagram: Bytes) -> Vec<Transmit> {
        let now = self.start + Duration::from_millis(at_ms);
        self.svc
            .handle_datagram(now, WALL + at_ms / 1000, addr(from), datagram);
        self.transmits()
    }

    fn transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.svc.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<AudioEvent> {
        std::iter::from_fn(|| self.svc.poll_event()).collect()
    }

    /// Handshakes and joins `user` from `port`, discarding the replies.
    fn join(&mut self, port: u16, user: &str) {
        self.send(0, port, handshake(user));
        self.send(0, port, packet(user, 0, Body::JoinChannel));
        self.events();
    }
}

fn parsed(t: &Transmit) -> AudioPacket {
    AudioPacket::parse(&t.payload, 1024).unwrap()
}

fn error_code(t: &Transmit) -> ErrorCode {
    match parsed(t).body {
        Body::Error(e) => e.code(),
        other => panic!("expected an Error packet, got {other:?}"),
    }
}

#[test]
fn a_valid_handshake_is_acknowledged_and_starts_a_session() {
    let mut h = Harness::new();
    let out = h.send(0, 1, handshake("alice"));
    assert_eq!(out.len(), 1);
    assert_eq!(
        parsed(&out[0]).body,
        Body::Ack(Ack {
            acked_type: PacketType::Handshake,
            acked_sequence: 0
        })
    );
    assert!(matches!(
        h.events()[..],
        [AudioEvent::SessionStarted { .. }]
    ));
    assert_eq!(h.svc.stats().auth_sessions, 1);
}

#[test]
fn fan_out_shares_one_buffer_and_skips_the_sender() {
    let mut h = Harness::new();
    for (port, user) in [(1, "alice"), (2, "bob"), (3, "carol"), (4, "dave")] {
        h.join(port, user);
    }
    let datagram = audio("alice", 1);
    let out = h.send(0, 1, datagram.clone());
    let mut dsts: Vec<_> = out.iter().map(|t| t.dst).collect();
    dsts.sort();
    assert_eq!(dsts, vec![addr(2), addr(3), addr(4)]);
    for t in &out {
        assert_eq!(t.payload, datagram);
        assert_eq!(t.payload.as_ptr(), datagram.as_ptr(), "a copy was made");
    }
}

#[test]
fn a_second_session_of_the_sender_gets_no_echo() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.join(2, "alice");
    h.join(3, "bob");
    let out = h.send(0, 1, audio("alice", 1));
    assert_eq!(out.iter().map(|t| t.dst).collect::<Vec<_>>(), vec![addr(3)]);
}

#[test]
fn audio_before_join_is_dropped_without_reply() {
    let mut h = Harness::new();
    h.join(2, "bob");
    h.send(0, 1, handshake("alice"));
    h.events();
    assert!(h.send(0, 1, audio("alice", 1)).is_empty());
    assert!(matches!(
        h.events()[..],
        [AudioEvent::Error {
            error: AudioError::NotJoined,
            ..
        }]
    ));
}

#[test]
fn a_banned_user_is_refused_at_handshake() {
    let mut h = Harness::new();
    let out = h.send(0, 1, handshake("mallory"));
    assert_eq!(error_code(&out[0]), ErrorCode::Banned);
    assert_eq!(h.svc.stats().auth_sessions, 0);
}

#[test]
fn a_ban_mid_call_ends_the_session_at_once() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.join(2, "bob");
    let now = h.start;
    h.svc
        .apply_directory_change(
            now,
            WALL,
            DirectoryChange::Ban {
                channel: "room".into(),
                user: "bob".into(),
            },
        )
        .unwrap();
    let out = h.transmits();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].dst, addr(2));
    assert_eq!(error_code(&out[0]), ErrorCode::Banned);
    assert!(h.events().iter().any(|e| matches!(
        e,
        AudioEvent::UserLeft {
            reason: EndReason::Banned,
            ..
        }
    )));
    assert!(h.send(0, 1, audio("alice", 1)).is_empty());
}

#[test]
fn replies_to_strangers_are_never_larger_than_the_request() {
    let mut h = Harness::new();
    let join = packet("alice", 0, Body::JoinChannel);
    assert!(
        h.send(0, 9, join).is_empty(),
        "26-byte Error for a 21-byte request"
    );
    let request = audio("alice", 1);
    let out = h.send(0, 9, request.clone());
    assert_eq!(error_code(&out[0]), ErrorCode::NotAuthenticated);
    assert!(out[0].payload.len() <= request.len());
}

#[test]
fn a_spoofed_user_id_is_dropped_silently() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.join(2, "bob");
    assert!(h.send(0, 1, audio("bob", 1)).is_empty());
}

#[test]
fn a_muted_user_is_not_forwarded_and_the_mute_is_relayed() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.join(2, "bob");
    let mute = packet("alice", 0, Body::SetMute { muted: true });
    let out = h.send(0, 1, mute.clone());
    assert!(out.iter().any(|t| t.dst == addr(2) && t.payload == mute));
    assert!(out.iter().any(|t| t.dst == addr(1)));
    assert!(h.send(0, 1, audio("alice", 1)).is_empty());
}

#[test]
fn poll_timeout_is_the_earliest_session_deadline() {
    let mut h = Harness::new();
    h.send(0, 1, handshake("alice"));
    assert_eq!(h.svc.poll_timeout(), h.start + Duration::from_secs(5));
}

#[test]
fn a_silent_pending_session_times_out_after_the_handshake_timeout() {
    let mut h = Harness::new();
    h.send(0, 1, handshake("alice"));
    h.events();
    let due = h.svc.poll_timeout();
    h.svc.handle_timeout(due, WALL + 5);
    let out = h.transmits();
    assert_eq!(error_code(&out[0]), ErrorCode::HandshakeTimeout);
    assert_eq!(h.svc.stats().auth_sessions, 0);
}

#[test]
fn an_idle_joined_session_expires_with_user_left() {
    let mut h = Harness::new();
    h.join(1, "alice");
    let expiry = h.start + Duration::from_secs(30);
    while h.svc.poll_timeout() <= expiry {
        let due = h.svc.poll_timeout();
        h.svc.handle_timeout(due, WALL + 30);
    }
    assert_eq!(error_code(&h.transmits()[0]), ErrorCode::SessionExpired);
    assert!(h.events().iter().any(|e| matches!(
        e,
        AudioEvent::UserLeft {
            reason: EndReason::Expired,
            ..
        }
    )));
}

#[test]
fn activity_postpones_expiry() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.send(20_000, 1, packet("alice", 0, Body::Heartbeat));
    let at_30s = h.start + Duration::from_secs(30);
    while h.svc.poll_timeout() <= at_30s {
        let due = h.svc.poll_timeout();
        h.svc.handle_timeout(due, WALL + 30);
    }
    assert_eq!(h.svc.stats().auth_sessions, 1);
}

#[test]
fn a_packet_at_the_deadline_is_too_late_even_before_the_timer_fires() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.events();
    let replies = h.send(30_000, 1, packet("alice", 0, Body::Heartbeat));
    // The session expired first; the heartbeat then finds no session and, at 21 bytes, is too
    // short to be answered without amplification.
    assert_eq!(replies.len(), 1);
    assert_eq!(error_code(&replies[0]), ErrorCode::SessionExpired);
    assert_eq!(h.svc.stats().auth_sessions, 0);
}

#[test]
fn the_session_rate_limit_drops_excess_packets() {
    let mut config = AudioConfig::new(SECRET);
    config.session_rate = RateLimit::new(1, 3);
    let mut h = Harness::with(config);
    h.send(0, 1, handshake("alice"));
    let heartbeat = packet("alice", 0, Body::Heartbeat);
    let answered = (0..5)
        .filter(|_| !h.send(0, 1, heartbeat.clone()).is_empty())
        .count();
    assert_eq!(answered, 3, "the session starts with its whole burst");
}

#[test]
fn invalid_configuration_is_refused() {
    let mut config = AudioConfig::new(SECRET);
    config.max_packet_size = 10;
    let err = AudioService::new(config, Directory::default(), Instant::now()).unwrap_err();
    assert!(err.to_string().contains("max_packet_size"));
}

#[test]
fn reset_tells_every_session_and_empties_the_service() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.send(0, 2, handshake("bob"));
    h.events();
    h.svc.reset(h.start, WALL);
    let out = h.transmits();
    assert_eq!(out.len(), 2);
    assert!(
        out.iter()
            .all(|t| error_code(t) == ErrorCode::ServerClosing)
    );
    let stats = h.svc.stats();
    assert_eq!(
        (stats.auth_sessions, stats.active_members, stats.total_users),
        (0, 0, 0)
    );
}

#[test]
fn the_host_can_broadcast_to_a_channel_excluding_a_user() {
    let mut h = Harness::new();
    h.join(1, "alice");
    h.join(2, "bob");
    let bytes = Bytes::from_static(b"notice");
    let queued = h.svc.send_to_channel(
        ChannelId::new("room").unwrap(),
        Some(UserId::new("alice").unwrap()),
        bytes.clone(),
    );
    assert_eq!(queued, 1);
    assert_eq!(
        h.transmits(),
        vec![Transmit {
            dst: addr(2),
            payload: bytes
        }]
    );
}
