//! Behaviour of the voice service driven without sockets. The conformance vectors go through the
//! spec case by case; these tests pin what vectors cannot see (shared buffers, timer filing, id
//! reuse, bounded buffers) and the main paths, in the spec's words.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory, DirectoryChange};
use hark_core::voice::{
    CloseReason, ConnectionId, LeaveReason, ManagementError, RelayError, StreamAction,
    UnbindReason, VoiceConfig, VoiceEvent, VoiceService,
};
use hark_core::wire::voice::{
    AuthStatus, ErrorCode, Frame, FrameDecoder, PROTOCOL_VERSION, VoicePacket, VoiceToken,
    parse_datagram,
};

const SECRET: &[u8] = b"unit-test-secret";
const WALL: u64 = 1_700_000_000;

fn jwt(user: &str, exp: u64) -> String {
    mint_token(
        SECRET,
        &TokenClaims {
            sub: Some(user.into()),
            exp: Some(exp),
            nbf: None,
            iat: None,
        },
    )
}

fn udp(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn login_frame(user: &str) -> Bytes {
    Frame::LoginRequest {
        version: PROTOCOL_VERSION,
        username: user.into(),
        token: jwt(user, WALL + 3600),
    }
    .encode()
    .unwrap()
}

/// What one step produced, sorted by destination.
#[derive(Debug, Default)]
struct Outputs {
    frames: BTreeMap<u64, Vec<Frame>>,
    raw: BTreeMap<u64, Vec<Bytes>>,
    closed: Vec<u64>,
    datagrams: Vec<(SocketAddr, Bytes)>,
    events: Vec<VoiceEvent>,
}

impl Outputs {
    fn frames_to(&self, conn: u64) -> &[Frame] {
        self.frames.get(&conn).map_or(&[], Vec::as_slice)
    }

    fn errors_to(&self, conn: u64) -> Vec<u16> {
        self.frames_to(conn)
            .iter()
            .filter_map(|f| match f {
                Frame::Error { code, .. } => Some(*code),
                _ => None,
            })
            .collect()
    }
}

struct Harness {
    svc: VoiceService,
    start: Instant,
    now: Instant,
}

impl Harness {
    fn new() -> Self {
        Self::with(VoiceConfig::new(SECRET), directory())
    }

    fn with(config: VoiceConfig, directory: Directory) -> Self {
        let start = Instant::now();
        Self {
            svc: VoiceService::new(config, directory, [7; 32], start).unwrap(),
            start,
            now: start,
        }
    }

    fn at(&mut self, ms: u64) -> &mut Self {
        self.now = self.start + Duration::from_millis(ms);
        if self.svc.poll_timeout().is_some_and(|t| t <= self.now) {
            self.svc.handle_timeout(self.now, WALL);
        }
        self
    }

    fn drain(&mut self) -> Outputs {
        let mut out = Outputs::default();
        while let Some(s) = self.svc.poll_stream() {
            match s.action {
                StreamAction::Send(bytes) => {
                    out.raw.entry(s.conn.0).or_default().push(bytes.clone());
                    let mut decoder = FrameDecoder::new(usize::from(u16::MAX));
                    decoder.push(&bytes);
                    while let Some(frame) = decoder.next_frame().unwrap() {
                        out.frames.entry(s.conn.0).or_default().push(frame);
                    }
                }
                StreamAction::Close => out.closed.push(s.conn.0),
            }
        }
        while let Some(t) = self.svc.poll_transmit() {
            out.datagrams.push((t.dst, t.payload));
        }
        while let Some(e) = self.svc.poll_event() {
            out.events.push(e);
        }
        out
    }

    fn connect(&mut self, conn: u64) -> Outputs {
        self.svc
            .handle_connect(self.now, WALL, ConnectionId(conn), udp(9000 + conn as u16));
        self.drain()
    }

    fn tcp(&mut self, conn: u64, bytes: &[u8]) -> Outputs {
        self.svc
            .handle_stream_data(self.now, WALL, ConnectionId(conn), bytes);
        self.drain()
    }

    fn send(&mut self, conn: u64, frame: Frame) -> Outputs {
        self.tcp(conn, &frame.encode().unwrap())
    }

    fn close(&mut self, conn: u64) -> Outputs {
        self.svc
            .handle_stream_closed(self.now, WALL, ConnectionId(conn));
        self.drain()
    }

    fn datagram(&mut self, from: SocketAddr, packet: VoicePacket) -> Outputs {
        self.svc
            .handle_datagram(self.now, WALL, from, packet.encode());
        self.drain()
    }

    /// Connects and logs in `user` on connection `conn`; returns its user id and voice token.
    fn login(&mut self, conn: u64, user: &str) -> (u32, VoiceToken) {
        self.connect(conn);
        let out = self.tcp(conn, &login_frame(user));
        match out.frames_to(conn) {
            [
                Frame::LoginResponse {
                    user_id,
                    voice_token,
                    ..
                },
            ] => (*user_id, *voice_token),
            other => panic!("expected a LoginResponse, got {other:?}"),
        }
    }

    /// Logs in, binds `addr` and joins `channel`.
    fn ready(&mut self, conn: u64, user: &str, addr: SocketAddr, channel: &str) -> u32 {
        let (user_id, token) = self.login(conn, user);
        let out = self.datagram(addr, VoicePacket::AuthRequest { token });
        assert_eq!(out.datagrams.len(), 1);
        self.send(
            conn,
            Frame::JoinVoice {
                channel: channel.into(),
            },
        );
        user_id
    }
}

fn directory() -> Directory {
    Directory::new([
        ChannelConfig {
            id: "main".into(),
            name: None,
            members: None,
            banned: vec!["mallory".into()],
            max_users: None,
        },
        ChannelConfig {
            id: "duo".into(),
            name: None,
            members: None,
            banned: vec![],
            max_users: Some(2),
        },
    ])
    .unwrap()
}

fn voice(user_id: u32, sequence: u32) -> VoicePacket {
    VoicePacket::VoiceData {
        user_id,
        sequence,
        payload: Bytes::from_static(b"opus frame"),
    }
}

#[test]
fn a_connection_gets_the_next_user_id() {
    let mut h = Harness::new();
    let out = h.connect(10);
    assert!(matches!(
        out.events[..],
        [VoiceEvent::ConnectionOpened { user_id: 1, .. }]
    ));
    let out = h.connect(11);
    assert!(matches!(
        out.events[..],
        [VoiceEvent::ConnectionOpened { user_id: 2, .. }]
    ));
}

#[test]
fn login_lists_the_others_and_tells_them() {
    let mut h = Harness::new();
    let (alice, _) = h.login(1, "alice");
    h.connect(2);
    let out = h.tcp(2, &login_frame("bob"));
    let Frame::LoginResponse {
        user_id: bob,
        participants,
        ..
    } = &out.frames_to(2)[0]
    else {
        panic!("no LoginResponse");
    };
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0].user_id, alice);
    assert_eq!(participants[0].username, "alice");
    assert_eq!(
        out.frames_to(1),
        [Frame::UserJoined {
            user_id: *bob,
            username: "bob".into()
        }]
    );
}

#[test]
fn voice_tokens_differ_per_login() {
    let mut h = Harness::new();
    let (_, a) = h.login(1, "alice");
    let (_, b) = h.login(2, "bob");
    assert_ne!(a, b);
}

#[test]
fn a_frame_split_at_every_byte_is_one_login() {
    let mut h = Harness::new();
    h.connect(1);
    let bytes = login_frame("alice");
    for (i, byte) in bytes.iter().enumerate() {
        let out = h.tcp(1, &[*byte]);
        if i + 1 < bytes.len() {
            assert!(out.frames.is_empty(), "answered after {} bytes", i + 1);
        } else {
            assert!(matches!(out.frames_to(1), [Frame::LoginResponse { .. }]));
        }
    }
}

#[test]
fn an_oversize_length_prefix_closes_before_the_body_arrives() {
    let mut h = Harness::new();
    h.connect(1);
    let out = h.tcp(1, &[0x10, 0x01]);
    assert_eq!(out.errors_to(1), [ErrorCode::FrameTooLarge.code()]);
    assert_eq!(out.closed, [1]);
    assert_eq!(h.svc.stats().connections, 0);
}

#[test]
fn login_refusals_are_fatal() {
    let cases: [(&str, Frame, ErrorCode); 4] = [
        (
            "version",
            Frame::LoginRequest {
                version: 2,
                username: "alice".into(),
                token: jwt("alice", WALL + 60),
            },
            ErrorCode::UnsupportedVersion,
        ),
        (
            "username",
            Frame::LoginRequest {
                version: 1,
                username: "al ice".into(),
                token: jwt("al ice", WALL + 60),
            },
            ErrorCode::InvalidUsername,
        ),
        (
            "subject",
            Frame::LoginRequest {
                version: 1,
                username: "alice".into(),
                token: jwt("bob", WALL + 60),
            },
            ErrorCode::InvalidToken,
        ),
        (
            "expired",
            Frame::LoginRequest {
                version: 1,
                username: "alice".into(),
                token: jwt("alice", WALL - 60),
            },
            ErrorCode::TokenExpired,
        ),
    ];
    for (name, frame, code) in cases {
        let mut h = Harness::new();
        h.connect(1);
        let out = h.send(1, frame);
        assert_eq!(out.errors_to(1), [code.code()], "{name}");
        assert_eq!(out.closed, [1], "{name}");
    }
}

#[test]
fn a_second_login_with_the_same_name_is_refused() {
    let mut h = Harness::new();
    h.login(1, "alice");
    h.connect(2);
    let out = h.tcp(2, &login_frame("alice"));
    assert_eq!(out.errors_to(2), [ErrorCode::UsernameTaken.code()]);
    assert_eq!(out.closed, [2]);
    assert!(out.frames_to(1).is_empty());
}

#[test]
fn frames_before_login_are_refused_without_closing() {
    let mut h = Harness::new();
    h.connect(1);
    let out = h.send(1, Frame::LeaveVoice);
    assert_eq!(out.errors_to(1), [ErrorCode::NotLoggedIn.code()]);
    assert!(out.closed.is_empty());
    let out = h.send(1, Frame::Ping { nonce: 9 });
    assert_eq!(out.frames_to(1), [Frame::Pong { nonce: 9 }]);
}

#[test]
fn a_server_frame_from_a_client_is_malformed() {
    let mut h = Harness::new();
    h.connect(1);
    let out = h.send(1, Frame::UserLeft { user_id: 3 });
    assert_eq!(out.errors_to(1), [ErrorCode::MalformedFrame.code()]);
    assert_eq!(out.closed, [1]);
}

#[test]
fn voice_fans_out_to_every_other_bound_member_sharing_one_buffer() {
    let mut h = Harness::new();
    let alice = h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    h.ready(3, "carol", udp(3), "main");
    h.ready(4, "dave", udp(4), "main");
    let sent = voice(alice, 1).encode();
    h.svc.handle_datagram(h.now, WALL, udp(1), sent.clone());
    let out = h.drain();
    let mut dsts: Vec<SocketAddr> = out.datagrams.iter().map(|(d, _)| *d).collect();
    dsts.sort();
    assert_eq!(dsts, [udp(2), udp(3), udp(4)]);
    for (_, payload) in &out.datagrams {
        assert_eq!(payload, &sent);
        assert_eq!(payload.as_ptr(), sent.as_ptr(), "a copy was made");
    }
}

#[test]
fn voice_from_an_unbound_address_asks_for_authentication() {
    let mut h = Harness::new();
    let out = h.datagram(udp(5), voice(1, 1));
    let reply = parse_datagram(&out.datagrams[0].1, 1200).unwrap();
    assert_eq!(
        reply,
        VoicePacket::AuthResponse {
            status: AuthStatus::NOT_AUTHENTICATED,
            user_id: 0
        }
    );
}

#[test]
fn a_token_binds_one_address_at_a_time() {
    let mut h = Harness::new();
    let (alice, token) = h.login(1, "alice");
    let out = h.datagram(udp(1), VoicePacket::AuthRequest { token });
    assert_eq!(
        parse_datagram(&out.datagrams[0].1, 1200).unwrap(),
        VoicePacket::AuthResponse {
            status: AuthStatus::OK,
            user_id: alice
        }
    );
    let again = h.datagram(udp(1), VoicePacket::AuthRequest { token });
    assert!(
        again.events.is_empty(),
        "a repeated request changes nothing"
    );
    let out = h.datagram(udp(2), VoicePacket::AuthRequest { token });
    assert!(matches!(
        out.events[..],
        [VoiceEvent::RelayError {
            error: RelayError::TokenInUse,
            ..
        }]
    ));
}

#[test]
fn closing_the_connection_revokes_the_token_and_the_binding() {
    let mut h = Harness::new();
    let alice = h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    let out = h.close(1);
    assert_eq!(
        out.frames_to(2),
        [
            Frame::UserLeftVoice {
                user_id: alice,
                channel: "main".into()
            },
            Frame::UserLeft { user_id: alice }
        ]
    );
    assert!(
        out.closed.is_empty(),
        "the peer closed it; nothing to close"
    );
    let out = h.datagram(udp(1), voice(alice, 2));
    assert!(matches!(
        out.events[..],
        [VoiceEvent::RelayError {
            error: RelayError::NotAuthenticated,
            ..
        }]
    ));
}

#[test]
fn a_muted_user_is_not_relayed() {
    let mut h = Harness::new();
    let alice = h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    let out = h.send(1, Frame::SetMute { muted: true });
    let muted = Frame::UserMuted {
        user_id: alice,
        muted: true,
    };
    assert_eq!(out.frames_to(1), std::slice::from_ref(&muted));
    assert_eq!(out.frames_to(2), [muted]);
    let out = h.datagram(udp(1), voice(alice, 1));
    assert!(out.datagrams.is_empty());
}

#[test]
fn a_ban_mid_call_removes_the_member_and_stops_its_voice() {
    let mut h = Harness::new();
    let alice = h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    h.svc
        .apply_directory_change(
            h.now,
            WALL,
            DirectoryChange::Ban {
                channel: "main".into(),
                user: "alice".into(),
            },
        )
        .unwrap();
    let out = h.drain();
    let left = Frame::UserLeftVoice {
        user_id: alice,
        channel: "main".into(),
    };
    assert_eq!(out.frames_to(1), [ErrorCode::Banned.frame(), left.clone()]);
    assert_eq!(out.frames_to(2), [left]);
    assert!(out.events.contains(&VoiceEvent::VoiceLeft {
        user_id: alice,
        channel: "main".into(),
        reason: LeaveReason::Banned
    }));
    assert!(h.datagram(udp(1), voice(alice, 1)).datagrams.is_empty());
    let out = h.send(
        1,
        Frame::JoinVoice {
            channel: "main".into(),
        },
    );
    assert_eq!(out.errors_to(1), [ErrorCode::Banned.code()]);
}

#[test]
fn a_full_channel_refuses_the_next_member() {
    let mut h = Harness::new();
    h.ready(1, "alice", udp(1), "duo");
    h.ready(2, "bob", udp(2), "duo");
    h.login(3, "carol");
    let out = h.send(
        3,
        Frame::JoinVoice {
            channel: "duo".into(),
        },
    );
    assert_eq!(out.errors_to(3), [ErrorCode::ChannelFull.code()]);
}

#[test]
fn chat_reaches_every_member_of_the_channel_with_one_buffer() {
    let mut h = Harness::new();
    let alice = h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    h.login(3, "carol");
    let out = h.send(1, Frame::ChatSend { text: "hi".into() });
    let delivered = Frame::ChatMessage {
        user_id: alice,
        channel: "main".into(),
        text: "hi".into(),
    };
    assert_eq!(out.frames_to(1), std::slice::from_ref(&delivered));
    assert_eq!(out.frames_to(2), [delivered]);
    assert!(out.frames_to(3).is_empty(), "carol is in no channel");
    assert_eq!(out.raw[&1][0].as_ptr(), out.raw[&2][0].as_ptr());
}

#[test]
fn an_idle_connection_times_out_unless_it_pings() {
    let mut h = Harness::new();
    h.login(1, "alice");
    h.at(20_000).send(1, Frame::Ping { nonce: 1 });
    let out = h.at(49_999).drain();
    assert!(out.closed.is_empty());
    let out = h.at(50_000).drain();
    assert_eq!(out.errors_to(1), [ErrorCode::IdleTimeout.code()]);
    assert_eq!(out.closed, [1]);
}

#[test]
fn a_connection_that_never_logs_in_times_out() {
    let mut h = Harness::new();
    h.connect(1);
    h.at(5_000).send(1, Frame::Ping { nonce: 1 });
    let out = h.at(10_000).drain();
    assert_eq!(out.errors_to(1), [ErrorCode::LoginTimeout.code()]);
    assert!(matches!(
        out.events.last(),
        Some(VoiceEvent::ConnectionClosed {
            reason: CloseReason::FatalError,
            ..
        })
    ));
}

#[test]
fn input_at_a_deadline_is_too_late_even_before_the_timer_fires() {
    let mut h = Harness::new();
    let (_, token) = h.login(1, "alice");
    h.datagram(udp(1), VoicePacket::AuthRequest { token });
    // Both deadlines (idle_timeout, udp_timeout) are at 30 s; the inputs come first.
    h.now = h.start + Duration::from_secs(30);
    let out = h.send(1, Frame::Ping { nonce: 1 });
    assert_eq!(out.errors_to(1), [ErrorCode::IdleTimeout.code()]);
    assert_eq!(out.closed, [1]);
    let out = h.datagram(udp(1), VoicePacket::Keepalive { nonce: 1 });
    assert_eq!(
        parse_datagram(&out.datagrams[0].1, 1200).unwrap(),
        VoicePacket::AuthResponse {
            status: AuthStatus::NOT_AUTHENTICATED,
            user_id: 0
        }
    );
}

#[test]
fn an_idle_binding_expires_and_the_token_can_bind_elsewhere() {
    let mut h = Harness::new();
    let (alice, token) = h.login(1, "alice");
    h.datagram(udp(1), VoicePacket::AuthRequest { token });
    h.at(10_000).send(1, Frame::Ping { nonce: 1 });
    let out = h.at(30_000).drain();
    assert_eq!(
        out.events,
        [VoiceEvent::VoiceUnbound {
            user_id: alice,
            addr: udp(1),
            reason: UnbindReason::Expired
        }]
    );
    let out = h.datagram(udp(2), VoicePacket::AuthRequest { token });
    assert!(matches!(out.events[..], [VoiceEvent::VoiceBound { .. }]));
}

#[test]
fn timers_are_bounded_by_connections_and_bindings() {
    let mut h = Harness::new();
    for conn in 0..50 {
        h.connect(conn);
        h.close(conn);
    }
    assert_eq!(h.svc.poll_timeout(), None);
}

#[test]
fn the_connection_limit_refuses_with_server_full() {
    let mut config = VoiceConfig::new(SECRET);
    config.max_connections = 1;
    let mut h = Harness::with(config, directory());
    h.connect(1);
    let out = h.connect(2);
    assert_eq!(out.errors_to(2), [ErrorCode::ServerFull.code()]);
    assert_eq!(out.closed, [2]);
    assert!(matches!(
        out.events[..],
        [VoiceEvent::ManagementError {
            error: ManagementError::ServerFull,
            ..
        }]
    ));
}

#[test]
fn reset_closes_everyone_without_presence_chatter() {
    let mut h = Harness::new();
    h.ready(1, "alice", udp(1), "main");
    h.ready(2, "bob", udp(2), "main");
    h.svc.reset(h.now, WALL);
    let out = h.drain();
    assert_eq!(out.frames_to(1), [ErrorCode::ServerClosing.frame()]);
    assert_eq!(out.frames_to(2), [ErrorCode::ServerClosing.frame()]);
    assert_eq!(out.closed, [1, 2]);
    assert_eq!(
        h.svc.stats(),
        hark_core::voice::VoiceStats {
            connections: 0,
            logged_in: 0,
            voice_bound: 0,
            voice_members: 0
        }
    );
}

#[test]
fn a_frame_flood_closes_the_connection() {
    let mut config = VoiceConfig::new(SECRET);
    config.frame_rate = hark_core::limits::RateLimit::new(10, 5);
    let mut h = Harness::with(config, directory());
    h.connect(1);
    let ping = Frame::Ping { nonce: 0 }.encode().unwrap();
    let burst: Vec<u8> = ping.iter().copied().cycle().take(ping.len() * 6).collect();
    let out = h.tcp(1, &burst);
    assert_eq!(out.frames_to(1).len(), 6);
    assert_eq!(out.errors_to(1), [ErrorCode::TooManyFrames.code()]);
    assert_eq!(out.closed, [1]);
}
