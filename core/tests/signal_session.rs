//! `SignalService` against `conformance/spec/signal.md` §2–§7, one behaviour per test. (Tests that
//! need a clock live here, outside `core/src`, which never reads one.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hark_core::ConnectionId;
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory};
use hark_core::signal::{
    CloseReason, ServerFull, SfuLinkState, SignalAction, SignalConfig, SignalEvent, SignalService,
    SignalStats, SignalTransmit,
};

const SECRET: &[u8] = b"signal-test-secret";
const WALL: u64 = 1_700_000_000;
/// What a joiner receives after `users` while there is no SFU link (signal.md §8.6).
const NO_VOICE: &str =
    r#"42["error",{"error":"voice_unavailable","message":"Voice is unavailable"}]"#;

fn token(user: &str) -> String {
    token_expiring(user, WALL + 3600)
}

fn token_expiring(user: &str, exp: u64) -> String {
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

fn channel(id: &str) -> ChannelConfig {
    ChannelConfig {
        id: id.into(),
        name: None,
        members: None,
        banned: Vec::new(),
        max_users: None,
    }
}

/// `voice` and `lobby` are open; `staff` admits only ada; `music` (named) bans eve.
fn directory() -> Directory {
    Directory::new([
        channel("voice"),
        channel("lobby"),
        ChannelConfig {
            members: Some(vec!["ada".into()]),
            ..channel("staff")
        },
        ChannelConfig {
            name: Some("Music".into()),
            banned: vec!["eve".into()],
            ..channel("music")
        },
    ])
    .unwrap()
}

fn config() -> SignalConfig {
    let mut config = SignalConfig::new(SECRET, "techial.example.com");
    config.stun_servers = vec!["stun:stun.l.google.com:19302".into()];
    config
}

/// A service, a clock and the frames sent so far; client `n` is `ConnectionId(n)` from 10.0.0.n
/// unless given an IP.
struct Harness {
    svc: SignalService,
    start: Instant,
    elapsed: Duration,
    sent: VecDeque<SignalTransmit>,
}

impl Harness {
    fn new() -> Self {
        Self::with(config())
    }

    fn with(config: SignalConfig) -> Self {
        Self {
            svc: SignalService::new(config, directory(), [7; 32]).unwrap(),
            start: Instant::now(),
            elapsed: Duration::ZERO,
            sent: VecDeque::new(),
        }
    }

    fn now(&self) -> Instant {
        self.start + self.elapsed
    }

    fn advance(&mut self, by: Duration) {
        self.elapsed += by;
        let now = self.now();
        self.svc.handle_timeout(now);
    }

    fn ip(n: u64) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, u8::try_from(n).unwrap()))
    }

    /// Opens the session and discards the open packet.
    fn open(&mut self, n: u64) {
        self.open_from(n, Self::ip(n)).unwrap();
        self.frames(n);
    }

    fn open_from(&mut self, n: u64, ip: IpAddr) -> Result<(), ServerFull> {
        let now = self.now();
        self.svc.handle_connect(now, ConnectionId(n), ip)
    }

    fn text(&mut self, n: u64, text: &str) {
        let now = self.now();
        self.svc
            .handle_text(now, WALL * 1000, ConnectionId(n), text);
    }

    /// Opens the session and CONNECTs as `user`, discarding the `40` and `info`.
    fn admit(&mut self, n: u64, user: &str) {
        self.open(n);
        self.text(n, &format!(r#"40{{"token":"{}"}}"#, token(user)));
        let frames = self.frames(n);
        assert!(frames[0].starts_with(r#"40{"sid":"#), "{frames:?}");
        assert!(frames[1].starts_with(r#"42["info","#), "{frames:?}");
    }

    /// Admits `user` on connection `n` and joins `channel`, discarding what everyone received.
    fn member(&mut self, n: u64, user: &str, channel: &str) {
        self.admit(n, user);
        self.text(n, &format!(r#"42["join",{{"channelID":"{channel}"}}]"#));
        self.drain();
    }

    fn collect(&mut self) {
        while let Some(transmit) = self.svc.poll_transmit() {
            self.sent.push_back(transmit);
        }
    }

    fn drain(&mut self) {
        self.collect();
        self.sent.clear();
    }

    /// What connection `n` was sent, in order: a text frame as its text, a close as `close:<code>`.
    fn frames(&mut self, n: u64) -> Vec<String> {
        self.collect();
        let (mine, rest): (Vec<_>, Vec<_>) = self
            .sent
            .drain(..)
            .partition(|transmit| transmit.conn == ConnectionId(n));
        self.sent = rest.into();
        mine.into_iter()
            .map(|transmit| show(&transmit.action))
            .collect()
    }

    fn events(&mut self) -> Vec<SignalEvent> {
        std::iter::from_fn(|| self.svc.poll_event()).collect()
    }

    fn closed(&mut self, n: u64) -> Option<CloseReason> {
        self.events().into_iter().find_map(|event| match event {
            SignalEvent::ConnectionClosed { conn, reason } if conn == ConnectionId(n) => {
                Some(reason)
            }
            _ => None,
        })
    }
}

fn show(action: &SignalAction) -> String {
    match action {
        SignalAction::Text(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
        SignalAction::Close(code) => format!("close:{}", code.code()),
    }
}

const ADA: &str = r#"{"id":"ada","nickname":"ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false}"#;
const BOB: &str = r#"{"id":"bob","nickname":"bob","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false}"#;

// §2 Engine.IO

#[test]
fn the_first_frame_is_the_open_packet_with_engine_io_defaults() {
    let mut h = Harness::new();
    h.open_from(1, Harness::ip(1)).unwrap();
    let frames = h.frames(1);
    assert_eq!(frames.len(), 1);
    let open = &frames[0];
    let sid = &open[9..29];
    assert_eq!(
        open,
        &format!(
            r#"0{{"sid":"{sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#
        )
    );
    assert!(
        sid.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[test]
fn the_server_pings_every_ping_interval_and_a_pong_keeps_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.advance(Duration::from_millis(24_999));
    assert!(h.frames(1).is_empty());
    h.advance(Duration::from_millis(1));
    assert_eq!(h.frames(1), ["2"]);
    h.advance(Duration::from_secs(19));
    h.text(1, "3");
    h.advance(Duration::from_secs(24));
    assert!(h.frames(1).is_empty());
    h.advance(Duration::from_secs(1));
    assert_eq!(h.frames(1), ["2"]);
}

#[test]
fn no_pong_within_ping_timeout_closes_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.advance(Duration::from_secs(25));
    assert_eq!(h.frames(1), ["2"]);
    h.advance(Duration::from_millis(19_999));
    assert!(h.frames(1).is_empty());
    h.events();
    h.advance(Duration::from_millis(1));
    assert_eq!(h.frames(1), ["close:1000"]);
    assert_eq!(h.closed(1), Some(CloseReason::PingTimeout));
}

#[test]
fn a_ping_from_the_client_closes_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, "2");
    assert_eq!(h.frames(1), ["close:1000"]);
    assert_eq!(
        h.closed(1),
        Some(CloseReason::ProtocolError {
            kind: "invalid_heartbeat_direction"
        })
    );
}

#[test]
fn a_session_without_connect_is_closed_after_the_connect_timeout() {
    let mut h = Harness::new();
    h.open(1);
    h.advance(Duration::from_secs(25));
    h.text(1, "3");
    h.events();
    h.advance(Duration::from_secs(20));
    assert_eq!(h.frames(1), ["2", "close:1000"]);
    assert_eq!(h.closed(1), Some(CloseReason::ConnectTimeout));
}

#[test]
fn a_binary_frame_closes_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    let now = h.now();
    h.svc.handle_binary(now, ConnectionId(1), 10);
    assert_eq!(h.frames(1), ["close:1000"]);
    assert_eq!(
        h.closed(1),
        Some(CloseReason::ProtocolError {
            kind: "binary_message"
        })
    );
}

#[test]
fn a_frame_beyond_max_payload_closes_with_1009() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    let text = format!(r#"42["updateNickname","{}"]"#, "a".repeat(1_000_000));
    h.text(1, &text);
    assert_eq!(h.frames(1), ["close:1009"]);
}

// §3 Socket.IO session

#[test]
fn a_packet_before_connect_closes_the_session() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(h.frames(1), ["close:1000"]);
    assert_eq!(
        h.closed(1),
        Some(CloseReason::ProtocolError {
            kind: "invalid_state"
        })
    );
}

#[test]
fn a_second_connect_closes_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    assert_eq!(h.frames(1), ["close:1000"]);
}

#[test]
fn a_binary_event_closes_the_session() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"451-["upload",{"_placeholder":true,"num":0}]"#);
    assert_eq!(h.frames(1), ["close:1000"]);
    assert_eq!(
        h.closed(1),
        Some(CloseReason::ProtocolError {
            kind: "binary_packet"
        })
    );
}

#[test]
fn a_connect_to_another_namespace_is_invalid_namespace_and_keeps_the_session() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, "40/admin,");
    assert_eq!(h.frames(1), [r#"44/admin,{"message":"Invalid namespace"}"#]);
    h.text(1, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    assert!(h.frames(1)[0].starts_with(r#"40{"sid":"#));
}

// §4 Admission

#[test]
fn connect_with_a_valid_token_is_answered_40_with_a_sid_then_info() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    let frames = h.frames(1);
    assert_eq!(frames.len(), 2);
    let sid = &frames[0][10..30];
    assert_eq!(frames[0], format!(r#"40{{"sid":"{sid}"}}"#));
    assert_eq!(
        frames[1],
        r#"42["info",{"name":"techial.example.com","members":"1","channels":[{"id":"lobby","name":"lobby","type":"voice"},{"id":"music","name":"Music","type":"voice"},{"id":"staff","name":"staff","type":"voice"},{"id":"voice","name":"voice","type":"voice"}],"icon_url":null,"stun_hosts":["stun:stun.l.google.com:19302"]}]"#
    );
}

#[test]
fn info_lists_only_the_channels_the_user_may_join_and_counts_distinct_users() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.admit(2, "ada");
    h.open(3);
    h.text(3, &format!(r#"40{{"token":"{}"}}"#, token("eve")));
    assert_eq!(
        h.frames(3)[1],
        r#"42["info",{"name":"techial.example.com","members":"2","channels":[{"id":"lobby","name":"lobby","type":"voice"},{"id":"voice","name":"voice","type":"voice"}],"icon_url":null,"stun_hosts":["stun:stun.l.google.com:19302"]}]"#
    );
}

#[test]
fn connect_without_a_token_is_auth_required() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, "40");
    assert_eq!(
        h.frames(1),
        [
            r#"44{"message":"Authentication required","data":{"error":"auth_required","message":"Authentication required"}}"#
        ]
    );
}

#[test]
fn connect_with_an_invalid_nickname_is_invalid_nickname() {
    let mut h = Harness::new();
    h.open(1);
    h.text(
        1,
        &format!(r#"40{{"token":"{}","nickname":"  "}}"#, token("ada")),
    );
    assert_eq!(
        h.frames(1),
        [
            r#"44{"message":"Invalid nickname","data":{"error":"invalid_nickname","message":"Invalid nickname"}}"#
        ]
    );
}

#[test]
fn connect_with_an_expired_or_forged_token_is_invalid_token() {
    let mut h = Harness::new();
    h.open(1);
    let forged = mint_token(
        b"another secret",
        &TokenClaims {
            sub: Some("ada".into()),
            exp: Some(WALL + 3600),
            nbf: None,
            iat: None,
        },
    );
    for token in [token_expiring("ada", WALL - 3600), forged] {
        h.text(1, &format!(r#"40{{"token":"{token}"}}"#));
        assert_eq!(
            h.frames(1),
            [
                r#"44{"message":"Invalid or expired token","data":{"error":"invalid_token","message":"Invalid or expired token"}}"#
            ]
        );
    }
}

fn invite_only() -> Harness {
    let mut config = config();
    config.invite_only = true;
    config.invite_codes = vec!["welcome".into()];
    Harness::with(config)
}

#[test]
fn invite_only_without_a_code_is_invite_required() {
    let mut h = invite_only();
    h.open(1);
    h.text(
        1,
        &format!(r#"40{{"token":"{}","inviteCode":""}}"#, token("ada")),
    );
    assert_eq!(
        h.frames(1),
        [
            r#"44{"message":"An invite code is required","data":{"error":"invite_required","message":"An invite code is required"}}"#
        ]
    );
}

#[test]
fn invite_only_with_a_wrong_code_is_invalid_invite() {
    let mut h = invite_only();
    h.open(1);
    h.text(
        1,
        &format!(r#"40{{"token":"{}","inviteCode":"Welcome"}}"#, token("ada")),
    );
    assert_eq!(
        h.frames(1),
        [
            r#"44{"message":"Invalid invite code","data":{"error":"invalid_invite","message":"Invalid invite code"}}"#
        ]
    );
}

#[test]
fn invite_only_with_a_configured_code_is_admitted() {
    let mut h = invite_only();
    h.open(1);
    h.text(
        1,
        &format!(r#"40{{"token":"{}","inviteCode":"welcome"}}"#, token("ada")),
    );
    assert!(h.frames(1)[0].starts_with(r#"40{"sid":"#));
}

#[test]
fn a_refused_connect_leaves_the_session_open_for_another_connect() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, r#"40{"token":"nope"}"#);
    h.frames(1);
    h.text(1, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    assert!(h.frames(1)[0].starts_with(r#"40{"sid":"#));
}

#[test]
fn server_join_refuses_the_fifth_connect_of_a_burst_with_a_60_second_ban() {
    let mut h = Harness::new();
    h.open(1);
    for _ in 0..4 {
        h.text(1, r#"40{"token":"nope"}"#);
        assert!(h.frames(1)[0].contains("invalid_token"));
    }
    h.text(1, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    assert_eq!(
        h.frames(1),
        [
            r#"44{"message":"You're doing things too quickly. Please wait 60 seconds.","data":{"error":"rate_limited","retryAfterMs":60000,"currentScore":10,"maxScore":8,"message":"You're doing things too quickly. Please wait 60 seconds."}}"#
        ]
    );
    assert_eq!(h.svc.stats().rate_limited, 1);
}

#[test]
fn server_join_allows_five_connects_a_minute_per_ip() {
    let mut h = Harness::new();
    let ip = Harness::ip(9);
    for n in 1..=6 {
        h.open_from(n, ip).unwrap();
        h.frames(n);
        h.text(n, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
        let answer = h.frames(n).remove(0);
        if n <= 5 {
            assert!(answer.starts_with(r#"40{"sid":"#), "connect {n}: {answer}");
        } else {
            assert!(answer.contains(r#""error":"rate_limited""#), "{answer}");
        }
        h.advance(Duration::from_secs(10));
    }
    h.open_from(7, Harness::ip(7)).unwrap();
    h.text(7, &format!(r#"40{{"token":"{}"}}"#, token("ada")));
    assert!(h.frames(7)[1].starts_with(r#"40{"sid":"#));
}

// §5–§6 Events, rooms and users

#[test]
fn join_sends_users_to_the_joiner_and_user_joined_to_the_room() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.admit(2, "bob");
    h.text(2, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(2),
        [format!(r#"42["users",[{ADA},{BOB}]]"#), NO_VOICE.into()]
    );
    assert_eq!(h.frames(1), [format!(r#"42["user-joined",{BOB}]"#)]);
    assert!(h.events().contains(&SignalEvent::Joined {
        conn: ConnectionId(2),
        room: "techial_voice".into(),
        user_id: "bob".into(),
    }));
}

#[test]
fn the_room_order_is_join_order_and_a_rejoin_goes_to_the_end() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(1, r#"42["leave"]"#);
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(1),
        [format!(r#"42["users",[{BOB},{ADA}]]"#), NO_VOICE.into()]
    );
}

#[test]
fn leave_sends_user_left_to_the_rest_of_the_room() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(2, r#"42["leave",{}]"#);
    assert!(h.frames(2).is_empty());
    assert_eq!(
        h.frames(1),
        [
            r#"42["user-left",{"id":"bob","nickname":"bob","isMuted":false,"hasJoinedChannel":false,"isConnectedToVoice":false}]"#
        ]
    );
}

#[test]
fn leave_outside_a_room_sends_nothing() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"42["leave"]"#);
    assert!(h.frames(1).is_empty());
}

#[test]
fn a_room_is_created_on_first_join_and_removed_when_the_last_member_leaves() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.events();
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    assert!(h.events().contains(&SignalEvent::RoomCreated {
        room: "techial_voice".into()
    }));
    assert_eq!(h.svc.stats().rooms, 1);
    h.text(1, r#"42["leave"]"#);
    assert!(h.events().contains(&SignalEvent::RoomRemoved {
        room: "techial_voice".into()
    }));
    assert_eq!(h.svc.stats().rooms, 0);
}

#[test]
fn join_while_in_another_room_leaves_it_first() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(2, r#"42["join",{"channelID":"lobby"}]"#);
    assert_eq!(
        h.frames(2),
        [format!(r#"42["users",[{BOB}]]"#), NO_VOICE.into()]
    );
    assert!(h.frames(1)[0].starts_with(r#"42["user-left","#));
}

#[test]
fn join_of_the_room_one_is_in_sends_users_again_and_nothing_else() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(2, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(2),
        [format!(r#"42["users",[{ADA},{BOB}]]"#), NO_VOICE.into()]
    );
    assert!(h.frames(1).is_empty());
}

#[test]
fn a_second_connection_of_the_same_user_joining_takes_the_first_out_of_its_room() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.admit(3, "ada");
    h.text(3, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(3),
        [format!(r#"42["users",[{BOB},{ADA}]]"#), NO_VOICE.into()]
    );
    assert!(h.frames(1).is_empty());
    assert_eq!(
        h.frames(2),
        [
            r#"42["user-left",{"id":"ada","nickname":"ada","isMuted":false,"hasJoinedChannel":false,"isConnectedToVoice":false}]"#.to_owned(),
            format!(r#"42["user-joined",{ADA}]"#),
        ]
    );
    assert_eq!(h.svc.stats().room_members, 2);
}

#[test]
fn update_mute_in_a_room_sends_user_updated_to_the_whole_room_in_one_buffer() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(1, r#"42["updateMute",true]"#);
    h.collect();
    let payloads: Vec<_> = h
        .sent
        .iter()
        .map(|t| match &t.action {
            SignalAction::Text(bytes) => bytes.clone(),
            SignalAction::Close(_) => panic!("closed"),
        })
        .collect();
    assert_eq!(payloads.len(), 2);
    assert_eq!(payloads[0].as_ptr(), payloads[1].as_ptr());
    assert_eq!(
        h.frames(2),
        [
            r#"42["user-updated",{"id":"ada","nickname":"ada","isMuted":true,"hasJoinedChannel":true,"isConnectedToVoice":false}]"#
        ]
    );
}

#[test]
fn update_nickname_is_trimmed_and_broadcast() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.text(1, r#"42["updateNickname","  Ada L. "]"#);
    assert_eq!(
        h.frames(1),
        [
            r#"42["user-updated",{"id":"ada","nickname":"Ada L.","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false}]"#
        ]
    );
}

#[test]
fn an_unchanged_value_sends_nothing() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.text(1, r#"42["updateMute",false]"#);
    h.text(1, r#"42["updateNickname","ada"]"#);
    assert!(h.frames(1).is_empty());
}

#[test]
fn an_update_outside_a_room_is_kept_for_the_next_join() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"42["updateMute",true]"#);
    assert!(h.frames(1).is_empty());
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    assert!(h.frames(1)[0].contains(r#""isMuted":true"#));
}

#[test]
fn join_of_an_unknown_channel_is_an_unknown_channel_error() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"42["join",{"channelID":"nowhere"}]"#);
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"unknown_channel","message":"No such voice channel"}]"#]
    );
}

#[test]
fn join_of_a_channel_that_bans_or_does_not_list_the_user_is_forbidden() {
    let mut h = Harness::new();
    h.admit(1, "eve");
    for channel in ["music", "staff"] {
        h.text(1, &format!(r#"42["join",{{"channelID":"{channel}"}}]"#));
        assert_eq!(
            h.frames(1),
            [r#"42["error",{"error":"forbidden","message":"Not allowed in this channel"}]"#]
        );
    }
}

#[test]
fn an_unknown_event_is_an_unknown_event_error() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"42["info",{}]"#);
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"unknown_event","message":"Unknown event"}]"#]
    );
}

#[test]
fn an_offer_outside_a_room_is_not_in_channel() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"42["offer",{"type":"offer","sdp":"v=0"}]"#);
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"not_in_channel","message":"Not in a voice channel"}]"#]
    );
}

#[test]
fn an_offer_in_a_room_is_voice_unavailable_without_an_sfu() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.text(1, r#"42["ice-candidate",{"candidate":"","sdpMid":"0"}]"#);
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"voice_unavailable","message":"Voice is unavailable"}]"#]
    );
}

#[test]
fn an_accepted_event_with_an_ack_id_is_acknowledged_empty() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"4212["updateMute",true]"#);
    assert_eq!(h.frames(1), ["4312[]"]);
}

#[test]
fn a_refused_event_with_an_ack_id_gets_the_error_in_its_ack() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.text(1, r#"427["updateMute","yes"]"#);
    assert_eq!(
        h.frames(1),
        [r#"437[{"error":"invalid_payload","message":"Wrong number or type of arguments"}]"#]
    );
}

#[test]
fn the_signal_rule_refuses_the_51st_event_of_a_burst_with_an_error_event() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    for _ in 0..50 {
        h.text(1, r#"42["leave"]"#);
    }
    assert!(h.frames(1).is_empty());
    h.text(1, r#"42["updateMute",true]"#);
    assert_eq!(
        h.frames(1),
        [
            r#"42["error",{"error":"rate_limited","retryAfterMs":400,"currentScore":51,"maxScore":50,"message":"You're doing things too quickly. Please wait 1 seconds."}]"#
        ]
    );
}

#[test]
fn the_signal_rule_answers_a_refused_event_with_an_ack_id_in_its_ack() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    for _ in 0..50 {
        h.text(1, r#"42["leave"]"#);
    }
    h.text(1, r#"423["leave"]"#);
    assert_eq!(
        h.frames(1),
        [
            r#"433[{"error":"rate_limited","retryAfterMs":400,"currentScore":51,"maxScore":50,"message":"You're doing things too quickly. Please wait 1 seconds."}]"#
        ]
    );
}

#[test]
fn the_signal_budget_is_shared_by_all_connections_of_a_user() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.admit(2, "ada");
    for _ in 0..50 {
        h.text(1, r#"42["leave"]"#);
    }
    h.text(2, r#"42["leave"]"#);
    assert!(h.frames(2)[0].contains("rate_limited"));
}

// Disconnection

#[test]
fn socket_io_disconnect_leaves_the_room_and_closes() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(2, "41");
    assert_eq!(h.frames(2), ["close:1000"]);
    assert!(h.frames(1)[0].starts_with(r#"42["user-left","#));
    assert_eq!(h.closed(2), Some(CloseReason::ClientDisconnect));
}

#[test]
fn a_closed_transport_leaves_the_room() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let now = h.now();
    h.svc.handle_closed(now, ConnectionId(2));
    assert!(h.frames(2).is_empty());
    assert!(h.frames(1)[0].starts_with(r#"42["user-left","#));
    assert_eq!(h.svc.stats().users, 1);
}

#[test]
fn close_all_sends_engine_io_close_then_closes_with_1001() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let now = h.now();
    h.svc.close_all(now);
    assert_eq!(h.frames(1), ["1", "close:1001"]);
    assert_eq!(h.frames(2), ["1", "close:1001"]);
    assert_eq!(
        h.svc.stats(),
        SignalStats {
            sfu: SfuLinkState::Disabled,
            ..Default::default()
        }
    );
}

#[test]
fn a_connection_beyond_max_connections_is_refused() {
    let mut config = config();
    config.max_connections = 1;
    let mut h = Harness::with(config);
    h.open(1);
    assert_eq!(h.open_from(2, Harness::ip(2)), Err(ServerFull));
    assert!(h.frames(2).is_empty());
}

#[test]
fn a_ping_timeout_leaves_the_room() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.advance(Duration::from_secs(25));
    h.text(1, "3");
    h.drain();
    h.advance(Duration::from_secs(20));
    assert_eq!(h.frames(2), ["close:1000"]);
    assert!(h.frames(1)[0].starts_with(r#"42["user-left","#));
}

#[test]
fn a_connect_error_from_the_client_closes_the_session() {
    let mut h = Harness::new();
    h.open(1);
    h.text(1, r#"44{"message":"no"}"#);
    assert_eq!(h.frames(1), ["close:1000"]);
}

#[test]
fn an_engine_io_close_from_the_client_leaves_the_room_and_closes() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    h.text(2, "1");
    assert_eq!(h.frames(2), ["close:1000"]);
    assert!(h.frames(1)[0].starts_with(r#"42["user-left","#));
    assert_eq!(h.closed(2), Some(CloseReason::ClosedByPeer));
}
