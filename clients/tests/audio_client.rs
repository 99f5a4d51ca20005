//! Scenarios of the `audio` client (`conformance/spec/audio.md`), driven without sockets: the
//! server's datagrams are scripted, the clock is a base instant plus milliseconds, and every
//! check is on the exact bytes the client emits and the events it reports.
//!
//! Datagrams are the conformance vectors' (`conformance/vectors/audio/`, wall clock 1700000000
//! at 0 ms, alice and bob's tokens). The vectors number every control packet 0, as the seed's
//! clients do; this client numbers them 1, 2, … so that a reply names its request, hence
//! [`renumbered`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_client::RetryPolicy;
use hark_client::audio::{
    AudioClient, AudioClientConfig, AudioClientError, AudioEvent, AudioState, ExpiryCause,
    HandshakeFormat, Request,
};
use hark_core::wire::audio::{ChannelId, ErrorCode, SuggestedAction, UserId, WireError};

const WALL: u64 = 1_700_000_000;

const ALICE_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTY5OTk5OTk0MCwiZXhwIjoxNzAwMDAzNjAwfQ.ZVLlHHbAP_Gq6tz4P6aILKbBs7jpOuEh4kQJfMus-eg";
const BOB_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib2IiLCJpYXQiOjE2OTk5OTk5NDAsImV4cCI6MTcwMDAwMzYwMH0.Y5DNLsCc57cytinyUHHd33BxLDTnYZ9cogLyxyWsuQ8";

/// `timers.json` session_timeout: alice's JSON handshake on main at 1700000000.
const ALICE_HANDSHAKE: &str = "0100000000616c6963650000006d61696e6553f10000b37b22746f6b656e223a2265794a68624763694f694a49557a49314e694973496e523563434936496b705856434a392e65794a7a645749694f694a6862476c6a5a534973496d6c68644349364d5459354f546b354f546b304d4377695a586877496a6f784e7a41774d44417a4e6a417766512e5a564c6c48486241505f477136747a34503661494c4b624273376a704f754568346b514a664d75732d6567222c226368616e6e656c5f6964223a226d61696e227d";
const ALICE_HANDSHAKE_ACK: &str = "0800000000616c6963650000006d61696e6553f1000100000000";
const ALICE_JOIN: &str = "0300000000616c6963650000006d61696e6553f100";
const ALICE_JOIN_ACK: &str = "0800000000616c6963650000006d61696e6553f1000300000000";
/// `timers.json` handshake_timeout: alice confirms her session.
const ALICE_HEARTBEAT: &str = "0600000000616c6963650000006d61696e6553f100";
/// `timers.json` session_timeout: the Error alice gets when her session expires.
const ALICE_SESSION_EXPIRED: &str =
    "0700000000616c6963650000006d61696e6553f103000703000f73657373696f6e2065787069726564";
/// `handshake.json` handshake_legacy_accepted: bob's legacy handshake on team, and its Ack.
const BOB_LEGACY_HANDSHAKE: &str = "0100000000626f6200000000007465616d6553f100009065794a68624763694f694a49557a49314e694973496e523563434936496b705856434a392e65794a7a645749694f694a69623249694c434a70595851694f6a45324f546b354f546b354e444173496d5634634349364d5463774d4441774d7a59774d48302e5935444e4c7343633537637974696e7955484864333342784c44546e595a39636f674c7978795773755138";
/// `membership.json` mute_and_unmute: alice's SetMute and its Ack; bob's audio relayed to alice.
const ALICE_MUTE: &str = "0500000000616c6963650000006d61696e6553f10001";
const ALICE_MUTE_ACK: &str = "0800000000616c6963650000006d61696e6553f1010500000000";
const BOB_AUDIO_1: &str =
    "0200000001626f6200000000006d61696e6553f1010014404142434445464748494a4b4c4d4e4f50515253";
/// `membership.json` mute_and_unmute: alice's audio #2, 20 bytes 0x40…0x53 at 1700000001.
const ALICE_AUDIO_2: &str =
    "0200000002616c6963650000006d61696e6553f1010014404142434445464748494a4b4c4d4e4f50515253";
/// `handshake.json` handshake_token_rejections and handshake_directory_rejections: the replies
/// to refused handshakes (the second re-addressed from channel `nope` to `main`).
const ALICE_TOKEN_EXPIRED: &str =
    "0700000002616c6963650000006d61696e6553f100000202000d746f6b656e2065787069726564";
const ALICE_CHANNEL_NOT_FOUND: &str =
    "0700000000616c6963650000006d61696e6553f10000030500116368616e6e656c206e6f7420666f756e64";
/// `membership.json` channel_full: dave's JoinChannel refused, re-addressed to alice on main.
const ALICE_CHANNEL_FULL: &str =
    "0700000002616c6963650000006d61696e6553f100000d01000f6368616e6e656c2069732066756c6c";
/// `directory.json`: the Error every session gets at shutdown.
const ALICE_SERVER_CLOSING: &str =
    "0700000000616c6963650000006d61696e6553f100000f01000e73657276657220636c6f73696e67";

fn hex(text: &str) -> Bytes {
    let digits = text.as_bytes();
    let bytes = digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect::<Vec<u8>>();
    Bytes::from(bytes)
}

/// A vector datagram with its header sequence set to `sequence` (and, for an Ack, the sequence
/// it acknowledges): the vectors number control packets 0, this client 1, 2, ….
fn renumbered(text: &str, sequence: u32) -> Bytes {
    let mut bytes = hex(text).to_vec();
    bytes[1..5].copy_from_slice(&sequence.to_be_bytes());
    if bytes[0] == 0x08 {
        let len = bytes.len();
        bytes[len - 4..].copy_from_slice(&sequence.to_be_bytes());
    }
    Bytes::from(bytes)
}

/// The same datagram with another header timestamp (a retransmission, a later heartbeat).
fn stamped(bytes: &Bytes, wall: u64) -> Bytes {
    let mut bytes = bytes.to_vec();
    bytes[17..21].copy_from_slice(&u32::try_from(wall).unwrap().to_be_bytes());
    Bytes::from(bytes)
}

struct Scenario {
    start: Instant,
    client: AudioClient,
}

impl Scenario {
    fn new(config: AudioClientConfig) -> Self {
        Self {
            start: Instant::now(),
            client: AudioClient::new(config).unwrap(),
        }
    }

    fn alice() -> Self {
        Self::new(config("alice", "main"))
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    fn wall(ms: u64) -> u64 {
        WALL + ms / 1000
    }

    fn connect(&mut self, ms: u64, token: &str) {
        self.client
            .connect(self.at(ms), Self::wall(ms), token)
            .unwrap();
    }

    fn receive(&mut self, ms: u64, datagram: Bytes) {
        self.client
            .handle_datagram(self.at(ms), Self::wall(ms), datagram);
    }

    fn tick(&mut self, ms: u64) {
        self.client.handle_timeout(self.at(ms), Self::wall(ms));
    }

    fn sent(&mut self) -> Vec<Bytes> {
        std::iter::from_fn(|| self.client.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<AudioEvent> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    /// Handshake acknowledged (control sequence 1), confirmed by a Heartbeat (2).
    fn connected(mut self) -> Self {
        self.connect(0, ALICE_TOKEN);
        self.receive(0, renumbered(ALICE_HANDSHAKE_ACK, 1));
        self.sent();
        self.events();
        self
    }

    /// Connected, then joined with JoinChannel under control sequence 3.
    fn joined(mut self) -> Self {
        self = self.connected();
        self.client.join(self.at(0), WALL).unwrap();
        self.receive(0, renumbered(ALICE_JOIN_ACK, 3));
        self.sent();
        self.events();
        self
    }
}

fn config(user: &str, channel: &str) -> AudioClientConfig {
    AudioClientConfig::new(UserId::new(user).unwrap(), ChannelId::new(channel).unwrap())
}

#[test]
fn json_handshake_is_the_vector_datagram() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    assert_eq!(s.sent(), [renumbered(ALICE_HANDSHAKE, 1)]);
    assert_eq!(s.client.state(), AudioState::Handshaking);
}

#[test]
fn legacy_handshake_is_the_vector_datagram() {
    let mut bob = config("bob", "team");
    bob.format = HandshakeFormat::Legacy;
    let mut s = Scenario::new(bob);
    s.connect(0, BOB_TOKEN);
    assert_eq!(s.sent(), [renumbered(BOB_LEGACY_HANDSHAKE, 1)]);
}

#[test]
fn a_token_outside_the_jwt_alphabet_is_refused_before_sending() {
    let mut s = Scenario::alice();
    let result = s.client.connect(s.at(0), WALL, "not a token");
    assert_eq!(
        result,
        Err(AudioClientError::InvalidToken(
            WireError::InvalidTokenEncoding
        ))
    );
    assert_eq!(s.sent(), Vec::<Bytes>::new());
}

#[test]
fn handshake_retransmits_then_gives_up() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    let first = s.sent().remove(0);
    assert_eq!(s.client.poll_timeout(), Some(s.at(1000)));
    for second in 1..=4 {
        s.tick(second * 1000 - 1);
        assert_eq!(
            s.sent(),
            Vec::<Bytes>::new(),
            "nothing before the retry is due"
        );
        s.tick(second * 1000);
        assert_eq!(
            s.sent(),
            [stamped(&first, WALL + second)],
            "the same request, sequence 1, with the current time"
        );
    }
    s.tick(5000);
    assert_eq!(s.sent(), Vec::<Bytes>::new());
    assert_eq!(
        s.events(),
        [AudioEvent::NoAnswer {
            request: Request::Handshake
        }]
    );
    assert_eq!(s.client.state(), AudioState::Disconnected);
    assert_eq!(s.client.poll_timeout(), None);
}

#[test]
fn retry_policy_sets_interval_and_tries() {
    let mut config = config("alice", "main");
    config.retry = RetryPolicy {
        interval: Duration::from_millis(250),
        tries: 2,
    };
    let mut s = Scenario::new(config);
    s.connect(0, ALICE_TOKEN);
    s.tick(250);
    assert_eq!(s.sent().len(), 2);
    s.tick(500);
    assert_eq!(s.sent(), Vec::<Bytes>::new());
    assert_eq!(
        s.events(),
        [AudioEvent::NoAnswer {
            request: Request::Handshake
        }]
    );
}

#[test]
fn handshake_ack_connects_and_a_heartbeat_confirms_the_session() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    s.sent();
    s.receive(300, renumbered(ALICE_HANDSHAKE_ACK, 1));
    assert_eq!(s.events(), [AudioEvent::Connected]);
    assert_eq!(s.client.state(), AudioState::Connected);
    assert_eq!(s.sent(), [renumbered(ALICE_HEARTBEAT, 2)]);
}

#[test]
fn an_ack_for_another_sequence_is_ignored() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    s.sent();
    s.receive(100, renumbered(ALICE_HANDSHAKE_ACK, 9));
    assert_eq!(s.events(), []);
    assert_eq!(s.client.state(), AudioState::Handshaking);
}

#[test]
fn join_asked_during_the_handshake_is_sent_after_its_ack() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    s.client.join(s.at(0), WALL).unwrap();
    assert_eq!(s.sent(), [renumbered(ALICE_HANDSHAKE, 1)]);
    s.receive(0, renumbered(ALICE_HANDSHAKE_ACK, 1));
    assert_eq!(s.sent(), [renumbered(ALICE_JOIN, 2)]);
    s.receive(0, renumbered(ALICE_JOIN_ACK, 2));
    assert_eq!(s.events(), [AudioEvent::Connected, AudioEvent::Joined]);
    assert!(s.client.is_joined());
}

#[test]
fn join_retransmits_until_acknowledged() {
    let mut s = Scenario::alice().connected();
    s.client.join(s.at(0), WALL).unwrap();
    assert_eq!(s.sent(), [renumbered(ALICE_JOIN, 3)]);
    s.tick(1000);
    assert_eq!(s.sent(), [stamped(&renumbered(ALICE_JOIN, 3), WALL + 1)]);
    s.receive(1100, renumbered(ALICE_JOIN_ACK, 3));
    assert_eq!(s.events(), [AudioEvent::Joined]);
    s.tick(2000);
    assert_eq!(s.sent(), Vec::<Bytes>::new());
}

#[test]
fn heartbeats_go_out_at_the_interval() {
    let mut s = Scenario::alice().connected();
    for n in 1..=3u32 {
        let due = u64::from(n) * 10_000;
        assert_eq!(s.client.poll_timeout(), Some(s.at(due)));
        s.tick(due - 1);
        assert_eq!(s.sent(), Vec::<Bytes>::new());
        s.tick(due);
        let heartbeat = stamped(&renumbered(ALICE_HEARTBEAT, 2 + n), WALL + due / 1000);
        assert_eq!(s.sent(), [heartbeat]);
        let mut ack = renumbered(ALICE_HANDSHAKE_ACK, 2 + n).to_vec();
        ack[21] = 0x06;
        s.receive(due + 5, Bytes::from(ack));
    }
    assert_eq!(s.events(), []);
    assert_eq!(s.client.state(), AudioState::Connected);
}

#[test]
fn unanswered_heartbeats_end_the_session() {
    let mut s = Scenario::alice().connected();
    for due in [10_000, 20_000, 30_000] {
        s.tick(due);
        assert_eq!(s.sent().len(), 1);
    }
    s.tick(40_000);
    assert_eq!(s.sent(), Vec::<Bytes>::new());
    assert_eq!(
        s.events(),
        [AudioEvent::SessionExpired {
            cause: ExpiryCause::NoAnswer
        }]
    );
    assert_eq!(s.client.state(), AudioState::AwaitingToken);
}

#[test]
fn reconnect_after_expiry_rejoins() {
    let mut s = Scenario::alice().joined();
    s.receive(3300, hex(ALICE_SESSION_EXPIRED));
    assert_eq!(
        s.events(),
        [AudioEvent::SessionExpired {
            cause: ExpiryCause::Server(ErrorCode::SessionExpired)
        }]
    );
    assert_eq!(s.client.state(), AudioState::AwaitingToken);
    assert_eq!(
        s.client.send_audio(WALL, Bytes::from_static(b"x")),
        Err(AudioClientError::NotConnected)
    );
    s.connect(4000, ALICE_TOKEN);
    assert_eq!(
        s.sent(),
        [stamped(&renumbered(ALICE_HANDSHAKE, 4), WALL + 4)]
    );
    s.receive(4100, stamped(&renumbered(ALICE_HANDSHAKE_ACK, 4), WALL + 4));
    assert_eq!(s.sent(), [stamped(&renumbered(ALICE_JOIN, 5), WALL + 4)]);
    s.receive(4200, stamped(&renumbered(ALICE_JOIN_ACK, 5), WALL + 4));
    assert_eq!(s.events(), [AudioEvent::Connected, AudioEvent::Joined]);
}

#[test]
fn connect_on_a_live_session_renews_it_and_rejoins() {
    let mut s = Scenario::alice().joined();
    s.connect(1000, ALICE_TOKEN);
    assert_eq!(
        s.sent(),
        [stamped(&renumbered(ALICE_HANDSHAKE, 4), WALL + 1)]
    );
    s.receive(1100, renumbered(ALICE_HANDSHAKE_ACK, 4));
    assert_eq!(s.sent(), [stamped(&renumbered(ALICE_JOIN, 5), WALL + 1)]);
    s.receive(1200, renumbered(ALICE_JOIN_ACK, 5));
    assert_eq!(s.events(), [AudioEvent::Connected, AudioEvent::Joined]);
}

#[test]
fn reconnect_restores_the_mute() {
    let mut s = Scenario::alice().connected();
    s.client.set_mute(s.at(0), WALL, true).unwrap();
    s.receive(0, renumbered(ALICE_MUTE_ACK, 3));
    s.receive(3300, hex(ALICE_SESSION_EXPIRED));
    s.events();
    s.sent();
    s.connect(4000, ALICE_TOKEN);
    s.receive(4100, stamped(&renumbered(ALICE_HANDSHAKE_ACK, 4), WALL + 4));
    assert_eq!(
        s.sent()[1..],
        [stamped(&renumbered(ALICE_MUTE, 5), WALL + 4)]
    );
}

#[test]
fn not_authenticated_during_the_handshake_is_an_old_reply() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    let handshake = s.sent().remove(0);
    // Answering audio numbered 1 sent before the handshake: the same sequence as the handshake.
    let mut not_authenticated = renumbered(ALICE_SESSION_EXPIRED, 1).to_vec();
    not_authenticated[22] = 8;
    s.receive(10, Bytes::from(not_authenticated));
    assert_eq!(s.events(), []);
    assert_eq!(s.client.state(), AudioState::Handshaking);
    s.tick(1000);
    assert_eq!(
        s.sent(),
        [stamped(&handshake, WALL + 1)],
        "still retransmitted"
    );
}

#[test]
fn a_token_too_long_for_a_packet_is_refused_before_sending() {
    let mut s = Scenario::alice();
    let token = "a".repeat(1100);
    let json_len = r#"{"token":"","channel_id":"main"}"#.len() + 1100;
    assert_eq!(
        s.client.connect(s.at(0), WALL, &token),
        Err(AudioClientError::HandshakeTooLarge {
            len: 21 + 2 + json_len,
            max: 1024
        })
    );
    assert_eq!(s.client.state(), AudioState::Disconnected);
}

#[test]
fn a_refused_token_waits_for_a_new_one() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    s.receive(100, renumbered(ALICE_TOKEN_EXPIRED, 1));
    assert_eq!(
        s.events(),
        [AudioEvent::Error {
            request: Some(Request::Handshake),
            code: ErrorCode::TokenExpired,
            action: SuggestedAction::RenewToken,
            message: "token expired".to_owned(),
        }]
    );
    assert_eq!(s.client.state(), AudioState::AwaitingToken);
    s.tick(1000);
    assert_eq!(
        s.sent().len(),
        1,
        "the refused handshake is not retransmitted"
    );
}

#[test]
fn a_directory_refusal_at_handshake_disconnects() {
    let mut s = Scenario::alice();
    s.connect(0, ALICE_TOKEN);
    s.client.join(s.at(0), WALL).unwrap();
    s.receive(100, renumbered(ALICE_CHANNEL_NOT_FOUND, 1));
    assert_eq!(
        s.events(),
        [AudioEvent::Error {
            request: Some(Request::Handshake),
            code: ErrorCode::ChannelNotFound,
            action: SuggestedAction::ContactAdmin,
            message: "channel not found".to_owned(),
        }]
    );
    assert_eq!(s.client.state(), AudioState::Disconnected);
    assert_eq!(
        s.client.join(s.at(200), WALL),
        Err(AudioClientError::NotConnected)
    );
}

#[test]
fn channel_full_refuses_the_join_and_keeps_the_session() {
    let mut s = Scenario::alice().connected();
    s.client.join(s.at(0), WALL).unwrap();
    s.receive(200, renumbered(ALICE_CHANNEL_FULL, 3));
    assert_eq!(
        s.events(),
        [AudioEvent::Error {
            request: Some(Request::Join),
            code: ErrorCode::ChannelFull,
            action: SuggestedAction::RetryLater,
            message: "channel is full".to_owned(),
        }]
    );
    assert_eq!(s.client.state(), AudioState::Connected);
    assert!(!s.client.is_joined());
}

#[test]
fn server_closing_ends_the_session() {
    let mut s = Scenario::alice().joined();
    s.receive(500, hex(ALICE_SERVER_CLOSING));
    assert_eq!(
        s.events(),
        [AudioEvent::Error {
            request: None,
            code: ErrorCode::ServerClosing,
            action: SuggestedAction::RetryLater,
            message: "server closing".to_owned(),
        }]
    );
    assert_eq!(s.client.state(), AudioState::Disconnected);
    assert_eq!(s.client.poll_timeout(), None);
}

#[test]
fn mute_is_reported_once_acknowledged() {
    let mut s = Scenario::alice().joined();
    s.client.set_mute(s.at(1000), WALL + 1, true).unwrap();
    assert_eq!(s.sent(), [stamped(&renumbered(ALICE_MUTE, 4), WALL + 1)]);
    assert!(!s.client.is_muted());
    s.receive(1000, renumbered(ALICE_MUTE_ACK, 4));
    assert_eq!(s.events(), [AudioEvent::Muted { muted: true }]);
    assert!(s.client.is_muted());
}

#[test]
fn leave_is_reported_once_acknowledged_and_stops_audio() {
    let mut s = Scenario::alice().joined();
    s.client.leave(s.at(0), WALL).unwrap();
    let leave = s.sent().remove(0);
    assert_eq!(leave[0], 0x04);
    let mut ack = renumbered(ALICE_JOIN_ACK, 4).to_vec();
    ack[21] = 0x04;
    s.receive(10, Bytes::from(ack));
    assert_eq!(s.events(), [AudioEvent::Left]);
    assert_eq!(
        s.client.send_audio(WALL, Bytes::from_static(b"x")),
        Err(AudioClientError::NotJoined)
    );
}

#[test]
fn audio_is_numbered_from_one_and_stamped() {
    let mut s = Scenario::alice().joined();
    let payload = Bytes::from_static(b"@ABCDEFGHIJKLMNOPQRS");
    assert_eq!(s.client.send_audio(WALL + 1, payload.clone()), Ok(1));
    assert_eq!(s.client.send_audio(WALL + 1, payload), Ok(2));
    let sent = s.sent();
    assert_eq!(sent[1], hex(ALICE_AUDIO_2));
    assert_eq!(sent[0][1..5], [0, 0, 0, 1]);
}

#[test]
fn audio_before_joining_is_refused() {
    let mut s = Scenario::alice().connected();
    assert_eq!(
        s.client.send_audio(WALL, Bytes::from_static(b"x")),
        Err(AudioClientError::NotJoined)
    );
}

#[test]
fn audio_larger_than_a_packet_is_refused() {
    let mut s = Scenario::alice().joined();
    let payload = Bytes::from(vec![0; 1024 - 23 + 1]);
    assert_eq!(
        s.client.send_audio(WALL, payload),
        Err(AudioClientError::PayloadTooLarge {
            len: 1002,
            max: 1024
        })
    );
    assert_eq!(s.client.send_audio(WALL, Bytes::from(vec![0; 1001])), Ok(1));
}

#[test]
fn received_audio_is_played_after_the_jitter_delay() {
    let mut s = Scenario::alice().joined();
    s.receive(1300, hex(BOB_AUDIO_1));
    assert_eq!(s.events(), []);
    assert_eq!(s.client.poll_timeout(), Some(s.at(1360)));
    s.tick(1360);
    assert_eq!(
        s.events(),
        [AudioEvent::Audio {
            sender: UserId::new("bob").unwrap(),
            sequence: 1,
            timestamp: 1_700_000_001,
            payload: Bytes::from_static(b"@ABCDEFGHIJKLMNOPQRS"),
        }]
    );
}

#[test]
fn received_audio_is_reordered_and_a_missing_frame_is_a_gap() {
    let mut s = Scenario::alice().joined();
    let frame = |sequence: u32| renumbered(BOB_AUDIO_1, sequence);
    s.receive(1000, frame(2));
    s.receive(1010, frame(1));
    s.receive(1020, frame(4));
    s.tick(1100);
    let played: Vec<String> = s
        .events()
        .iter()
        .map(|e| match e {
            AudioEvent::Audio { sequence, .. } => format!("audio {sequence}"),
            AudioEvent::Gap {
                first_sequence,
                count,
                ..
            } => format!("gap {first_sequence}+{count}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(played, ["audio 1", "audio 2", "gap 3+1", "audio 4"]);
    assert_eq!(s.client.stats().jitter.lost, 1);
}

#[test]
fn own_audio_and_audio_while_not_joined_are_ignored() {
    let mut s = Scenario::alice().connected();
    s.receive(100, hex(BOB_AUDIO_1));
    s.client.join(s.at(100), WALL).unwrap();
    s.receive(100, renumbered(ALICE_JOIN_ACK, 3));
    s.receive(200, hex(ALICE_AUDIO_2));
    s.tick(1000);
    assert_eq!(s.events(), [AudioEvent::Joined]);
    assert_eq!(s.client.stats().ignored, 2);
}

#[test]
fn a_relayed_set_mute_reports_the_peer() {
    let mut s = Scenario::alice().joined();
    let mut bob_mutes = hex(ALICE_MUTE).to_vec();
    bob_mutes[5..13].copy_from_slice(b"bob\0\0\0\0\0");
    s.receive(1000, Bytes::from(bob_mutes));
    assert_eq!(
        s.events(),
        [AudioEvent::PeerMuted {
            user: UserId::new("bob").unwrap(),
            muted: true
        }]
    );
}

#[test]
fn a_malformed_datagram_is_reported_typed() {
    let mut s = Scenario::alice().joined();
    s.receive(1000, hex("0800000001"));
    assert_eq!(
        s.events(),
        [AudioEvent::Malformed(WireError::Truncated {
            needed: 21,
            available: 5
        })]
    );
    assert_eq!(s.client.stats().malformed, 1);
}

#[test]
fn commands_before_connect_are_refused() {
    let mut s = Scenario::alice();
    assert_eq!(
        s.client.join(s.at(0), WALL),
        Err(AudioClientError::NotConnected)
    );
    assert_eq!(
        s.client.set_mute(s.at(0), WALL, true),
        Err(AudioClientError::NotConnected)
    );
    assert_eq!(s.sent(), Vec::<Bytes>::new());
}
