//! Scenarios of the `voice` client (`conformance/spec/voice.md`), driven without sockets: the
//! server's frames and datagrams are scripted, the clock is a base instant plus milliseconds, and
//! every check is on the exact bytes the client emits and the events it reports.
//!
//! Bytes are the conformance vectors' (`conformance/vectors/voice/`): alice logs in first and is
//! user 1 with voice token ff2cb414…, bob is user 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_client::voice::{
    StreamOutput, VoiceClient, VoiceClientConfig, VoiceClientError, VoiceEvent, VoiceState,
};
use hark_core::wire::voice::{AuthStatus, DatagramError, ErrorCode, FrameError, Participant};

const ALICE_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTY5OTk5OTk0MCwiZXhwIjoxNzAwMDAzNjAwfQ.ZVLlHHbAP_Gq6tz4P6aILKbBs7jpOuEh4kQJfMus-eg";

/// `relay.json` voice_auth_good_token: alice's LoginRequest is this prefix (length 157, type 1,
/// version 1, str8 "alice", str16 length 147) and then the token's bytes.
const ALICE_LOGIN_PREFIX: &str = "009d010105616c6963650093";
/// Its answer: user 1, voice token ff2cb414…, nobody else logged in.
const ALICE_LOGIN_RESPONSE: &str = "00178100000001ff2cb4147312a705b7f25b8c553be2770000";
const ALICE_AUTH_REQUEST: &str = "01ff2cb4147312a705b7f25b8c553be277";
const ALICE_AUTH_OK: &str = "020000000001";
/// `relay.json` voice_fan_out.
const JOIN_MAIN: &str = "000604046d61696e";
const JOINED_MAIN_ALONE: &str = "000886046d61696e0000";
const ALICE_VOICE_1: &str = "0300000001000000010102030405060708090a0b0c0d0e0f1011121314";
const BOB_VOICE_7: &str = "0300000002000000070708090a0b0c0d0e0f101112131415161718191a";
/// `relay.json` voice_auth_refusals and unauthenticated_datagrams.
const TOKEN_IN_USE: &str = "020200000000";
const NOT_AUTHENTICATED: &str = "020400000000";
/// `channels.json` chat: alice says hello in main.
const CHAT_HELLO: &str = "000802000568656c6c6f";
const ALICE_SAID_HELLO: &str = "00118400000001046d61696e000568656c6c6f";
const NOT_IN_VOICE: &str = "001e89000e1a6a6f696e206120766f696365206368616e6e656c206669727374";
/// `channels.json` mute_sync.
const MUTE: &str = "00020301";
const ALICE_MUTED: &str = "0006850000000101";
const LEAVE: &str = "000105";
const ALICE_LEFT_MAIN: &str = "000a8800000001046d61696e";
/// `login.json` login_and_presence, as alice sees it.
const BOB_LOGGED_IN: &str = "0009820000000203626f62";
const BOB_JOINED_MAIN: &str = "000a8700000002046d61696e";
const BOB_LEFT_MAIN: &str = "000a8800000002046d61696e";
const BOB_LOGGED_OUT: &str = "00058300000002";
/// `login.json` login_refused_token.
const INVALID_TOKEN: &str = "00118900040d696e76616c696420746f6b656e";

fn hex(text: &str) -> Bytes {
    let bytes = text
        .as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect::<Vec<u8>>();
    Bytes::from(bytes)
}

fn alice_login() -> Bytes {
    let mut bytes = hex(ALICE_LOGIN_PREFIX).to_vec();
    bytes.extend_from_slice(ALICE_TOKEN.as_bytes());
    Bytes::from(bytes)
}

struct Scenario {
    start: Instant,
    client: VoiceClient,
}

impl Scenario {
    fn new(config: VoiceClientConfig) -> Self {
        Self {
            start: Instant::now(),
            client: VoiceClient::new(config).unwrap(),
        }
    }

    fn alice() -> Self {
        Self::new(VoiceClientConfig::new("alice"))
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    fn tcp(&mut self, ms: u64, frames: &str) {
        self.client.handle_stream_data(self.at(ms), &hex(frames));
    }

    fn udp(&mut self, ms: u64, datagram: &str) {
        self.client.handle_datagram(self.at(ms), hex(datagram));
    }

    fn tick(&mut self, ms: u64) {
        self.client.handle_timeout(self.at(ms));
    }

    /// What the client wrote on the management connection.
    fn written(&mut self) -> Vec<Bytes> {
        std::iter::from_fn(|| self.client.poll_stream())
            .map(|output| match output {
                StreamOutput::Send(bytes) => bytes,
                StreamOutput::Close => Bytes::from_static(b"<close>"),
            })
            .collect()
    }

    /// What the client sent to the relay.
    fn sent(&mut self) -> Vec<Bytes> {
        std::iter::from_fn(|| self.client.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<VoiceEvent> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    /// Logged in as user 1 at 0 ms, VoiceAuthRequest out.
    fn logged_in(mut self) -> Self {
        self.client.login(self.at(0), ALICE_TOKEN).unwrap();
        self.tcp(0, ALICE_LOGIN_RESPONSE);
        self.written();
        self.sent();
        self.events();
        self
    }

    /// Logged in and bound at 100 ms.
    fn bound(mut self) -> Self {
        self = self.logged_in();
        self.udp(100, ALICE_AUTH_OK);
        self.events();
        self
    }

    /// Bound, then in main at 200 ms.
    fn in_main(mut self) -> Self {
        self = self.bound();
        self.client.join_voice("main").unwrap();
        self.tcp(200, JOINED_MAIN_ALONE);
        self.written();
        self.events();
        self
    }
}

fn bytes(texts: &[&str]) -> Vec<Bytes> {
    texts.iter().map(|text| hex(text)).collect()
}

#[test]
fn login_sends_the_vector_login_request() {
    let mut s = Scenario::alice();
    s.client.login(s.at(0), ALICE_TOKEN).unwrap();
    assert_eq!(s.written(), [alice_login()]);
    assert_eq!(s.client.state(), VoiceState::LoggingIn);
    assert_eq!(
        s.client.login(s.at(0), ALICE_TOKEN),
        Err(VoiceClientError::AlreadyLoggedIn)
    );
}

#[test]
fn the_login_response_gives_the_user_id_and_starts_udp_authentication() {
    let mut s = Scenario::alice();
    s.client.login(s.at(0), ALICE_TOKEN).unwrap();
    s.tcp(0, ALICE_LOGIN_RESPONSE);
    assert_eq!(
        s.events(),
        [VoiceEvent::LoggedIn {
            user_id: 1,
            participants: vec![]
        }]
    );
    assert_eq!(s.client.user_id(), Some(1));
    assert_eq!(s.sent(), bytes(&[ALICE_AUTH_REQUEST]));
}

#[test]
fn voice_auth_ok_binds_the_address() {
    let mut s = Scenario::alice().logged_in();
    s.udp(100, ALICE_AUTH_OK);
    assert_eq!(s.events(), [VoiceEvent::VoiceBound]);
    assert!(s.client.is_bound());
    s.tick(1000);
    assert_eq!(
        s.sent(),
        Vec::<Bytes>::new(),
        "no retransmission once bound"
    );
}

#[test]
fn voice_auth_retransmits_then_gives_up() {
    let mut s = Scenario::alice().logged_in();
    for second in 1..=4 {
        s.tick(second * 1000);
        assert_eq!(s.sent(), bytes(&[ALICE_AUTH_REQUEST]));
    }
    s.tick(5000);
    assert_eq!(s.sent(), Vec::<Bytes>::new());
    assert_eq!(s.events(), [VoiceEvent::AuthNoAnswer]);
    s.client.authenticate(s.at(6000)).unwrap();
    assert_eq!(s.sent(), bytes(&[ALICE_AUTH_REQUEST]));
}

#[test]
fn an_ok_for_another_user_is_not_our_binding() {
    let mut s = Scenario::alice().logged_in();
    s.udp(100, "020000000002");
    assert_eq!(s.events(), []);
    assert!(!s.client.is_bound());
}

#[test]
fn not_authenticated_while_authenticating_answers_an_earlier_datagram() {
    let mut s = Scenario::alice().logged_in();
    s.udp(50, NOT_AUTHENTICATED);
    assert_eq!(s.events(), []);
    s.udp(100, ALICE_AUTH_OK);
    assert_eq!(s.events(), [VoiceEvent::VoiceBound]);
}

#[test]
fn a_refused_voice_auth_is_reported_typed() {
    let mut s = Scenario::alice().logged_in();
    s.udp(100, TOKEN_IN_USE);
    assert_eq!(
        s.events(),
        [VoiceEvent::AuthRefused {
            status: AuthStatus::TOKEN_IN_USE
        }]
    );
    assert!(!s.client.is_bound());
    s.tick(1000);
    assert_eq!(s.sent(), Vec::<Bytes>::new(), "a refusal is not retried");
}

#[test]
fn an_expired_binding_authenticates_again() {
    let mut s = Scenario::alice().bound();
    s.udp(5_000, NOT_AUTHENTICATED);
    assert_eq!(s.events(), [VoiceEvent::BindingExpired]);
    assert_eq!(s.sent(), bytes(&[ALICE_AUTH_REQUEST]));
    s.udp(5_100, ALICE_AUTH_OK);
    assert_eq!(s.events(), [VoiceEvent::VoiceBound]);
}

#[test]
fn login_token_udp_auth_and_voice_relay() {
    let mut s = Scenario::alice();
    s.client.login(s.at(0), ALICE_TOKEN).unwrap();
    s.tcp(0, ALICE_LOGIN_RESPONSE);
    s.udp(100, ALICE_AUTH_OK);
    s.client.join_voice("main").unwrap();
    assert_eq!(s.written(), [alice_login(), hex(JOIN_MAIN)]);
    s.tcp(200, JOINED_MAIN_ALONE);
    let payload = hex("0102030405060708090a0b0c0d0e0f1011121314");
    assert_eq!(s.client.send_voice(payload), Ok(1));
    assert_eq!(s.sent(), bytes(&[ALICE_AUTH_REQUEST, ALICE_VOICE_1]));
    s.udp(300, BOB_VOICE_7);
    s.tick(360);
    assert_eq!(
        s.events(),
        [
            VoiceEvent::LoggedIn {
                user_id: 1,
                participants: vec![]
            },
            VoiceEvent::VoiceBound,
            VoiceEvent::JoinedVoice {
                channel: "main".to_owned(),
                members: vec![]
            },
            VoiceEvent::Voice {
                sender: 2,
                sequence: 7,
                payload: hex("0708090a0b0c0d0e0f101112131415161718191a"),
            },
        ]
    );
}

#[test]
fn received_voice_is_reordered_with_gaps() {
    let mut s = Scenario::alice().in_main();
    s.udp(300, "03000000020000000bbb");
    s.udp(310, "03000000020000000aaa");
    s.udp(320, "03000000020000000ddd");
    s.tick(400);
    let played: Vec<String> = s
        .events()
        .iter()
        .map(|e| match e {
            VoiceEvent::Voice { sequence, .. } => format!("voice {sequence}"),
            VoiceEvent::Gap {
                first_sequence,
                count,
                ..
            } => format!("gap {first_sequence}+{count}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(played, ["voice 10", "voice 11", "gap 12+1", "voice 13"]);
}

#[test]
fn our_own_voice_echoed_back_is_ignored() {
    let mut s = Scenario::alice().in_main();
    s.udp(300, ALICE_VOICE_1);
    s.tick(1000);
    assert_eq!(s.events(), []);
    assert_eq!(s.client.stats().ignored, 1);
}

#[test]
fn voice_needs_a_binding_and_a_channel() {
    let mut s = Scenario::alice().logged_in();
    let payload = Bytes::from_static(b"x");
    assert_eq!(
        s.client.send_voice(payload.clone()),
        Err(VoiceClientError::NotBound)
    );
    s.udp(100, ALICE_AUTH_OK);
    assert_eq!(
        s.client.send_voice(payload),
        Err(VoiceClientError::NotInVoice)
    );
}

#[test]
fn voice_larger_than_a_datagram_is_refused() {
    let mut s = Scenario::alice().in_main();
    assert_eq!(
        s.client.send_voice(Bytes::from(vec![0; 1192])),
        Err(VoiceClientError::PayloadTooLarge {
            len: 1192,
            max: 1200
        })
    );
    assert_eq!(s.client.send_voice(Bytes::from(vec![0; 1191])), Ok(1));
}

#[test]
fn chat_is_sent_and_received() {
    let mut s = Scenario::alice().in_main();
    s.client.send_chat("hello").unwrap();
    assert_eq!(s.written(), bytes(&[CHAT_HELLO]));
    s.tcp(700, ALICE_SAID_HELLO);
    assert_eq!(
        s.events(),
        [VoiceEvent::Chat {
            user_id: 1,
            channel: "main".to_owned(),
            text: "hello".to_owned()
        }]
    );
}

#[test]
fn chat_longer_than_the_server_s_frame_limit_is_refused() {
    let mut s = Scenario::alice().in_main();
    assert_eq!(
        s.client.send_chat(&"y".repeat(4094)),
        Err(VoiceClientError::FrameTooLarge {
            len: 4097,
            max: 4096
        })
    );
    assert_eq!(s.written(), Vec::<Bytes>::new());
    s.client.send_chat(&"y".repeat(4093)).unwrap();
    assert_eq!(s.written().len(), 1);
}

#[test]
fn mute_is_confirmed_by_the_server() {
    let mut s = Scenario::alice().logged_in();
    s.client.set_mute(true).unwrap();
    assert_eq!(s.written(), bytes(&[MUTE]));
    assert!(!s.client.is_muted());
    s.tcp(200, ALICE_MUTED);
    assert_eq!(
        s.events(),
        [VoiceEvent::UserMuted {
            user_id: 1,
            muted: true
        }]
    );
    assert!(s.client.is_muted());
}

#[test]
fn leaving_voice_is_confirmed_by_the_server() {
    let mut s = Scenario::alice().in_main();
    s.client.leave_voice().unwrap();
    assert_eq!(s.written(), bytes(&[LEAVE]));
    s.tcp(500, ALICE_LEFT_MAIN);
    assert_eq!(
        s.events(),
        [VoiceEvent::LeftVoice {
            channel: "main".to_owned()
        }]
    );
    assert_eq!(s.client.channel(), None);
    assert_eq!(
        s.client.send_voice(Bytes::from_static(b"x")),
        Err(VoiceClientError::NotInVoice)
    );
}

#[test]
fn presence_tracks_other_users() {
    let mut s = Scenario::alice().logged_in();
    s.tcp(100, BOB_LOGGED_IN);
    s.tcp(300, BOB_JOINED_MAIN);
    let bob = Participant {
        user_id: 2,
        username: "bob".to_owned(),
        muted: false,
        channel: "main".to_owned(),
    };
    assert_eq!(s.client.participants().collect::<Vec<_>>(), [&bob]);
    s.tcp(500, &format!("{BOB_LEFT_MAIN}{BOB_LOGGED_OUT}"));
    assert_eq!(s.client.participants().count(), 0);
    assert_eq!(
        s.events(),
        [
            VoiceEvent::UserJoined {
                user_id: 2,
                username: "bob".to_owned()
            },
            VoiceEvent::UserJoinedVoice {
                user_id: 2,
                channel: "main".to_owned()
            },
            VoiceEvent::UserLeftVoice {
                user_id: 2,
                channel: "main".to_owned()
            },
            VoiceEvent::UserLeft { user_id: 2 },
        ]
    );
}

#[test]
fn frames_split_across_reads_are_reassembled() {
    let mut s = Scenario::alice();
    s.client.login(s.at(0), ALICE_TOKEN).unwrap();
    let response = hex(ALICE_LOGIN_RESPONSE);
    for byte in response.iter() {
        assert_eq!(s.events(), []);
        s.client.handle_stream_data(s.at(0), &[*byte]);
    }
    assert_eq!(s.client.user_id(), Some(1));
}

#[test]
fn pings_go_out_at_the_interval() {
    let mut s = Scenario::alice().logged_in();
    s.tick(9_999);
    assert_eq!(s.written(), Vec::<Bytes>::new());
    s.tick(10_000);
    assert_eq!(s.written(), bytes(&["0009060000000000000001"]));
    s.tcp(10_010, "00098a0000000000000001");
    s.tick(20_000);
    assert_eq!(s.written(), bytes(&["0009060000000000000002"]));
    assert_eq!(s.events(), []);
}

#[test]
fn keepalives_go_out_at_the_interval_once_bound() {
    let mut s = Scenario::alice().bound();
    assert_eq!(
        s.client.poll_timeout(),
        Some(s.at(10_000)),
        "the first ping"
    );
    s.tick(10_000);
    s.written();
    assert_eq!(s.sent(), Vec::<Bytes>::new());
    s.tick(10_100);
    assert_eq!(s.sent(), bytes(&["040000000000000001"]));
    s.udp(10_110, "040000000000000001");
    s.tick(20_100);
    assert_eq!(s.sent(), bytes(&["040000000000000002"]));
    assert_eq!(s.events(), []);
}

#[test]
fn a_fatal_error_closes_the_client() {
    let mut s = Scenario::alice();
    s.client.login(s.at(0), ALICE_TOKEN).unwrap();
    s.tcp(0, INVALID_TOKEN);
    assert_eq!(
        s.events(),
        [
            VoiceEvent::Error {
                code: 4,
                kind: Some(ErrorCode::InvalidToken),
                message: "invalid token".to_owned()
            },
            VoiceEvent::Closed
        ]
    );
    assert_eq!(s.client.state(), VoiceState::Closed);
    assert_eq!(s.client.poll_timeout(), None);
}

#[test]
fn a_non_fatal_error_keeps_the_connection() {
    let mut s = Scenario::alice().logged_in();
    s.client.send_chat("hi").unwrap();
    s.tcp(900, NOT_IN_VOICE);
    assert_eq!(
        s.events(),
        [VoiceEvent::Error {
            code: 14,
            kind: Some(ErrorCode::NotInVoice),
            message: "join a voice channel first".to_owned()
        }]
    );
    assert_eq!(s.client.state(), VoiceState::LoggedIn);
}

#[test]
fn a_broken_stream_is_closed() {
    let mut s = Scenario::alice().logged_in();
    s.tcp(100, "0000");
    assert_eq!(
        s.events(),
        [
            VoiceEvent::ProtocolError(FrameError::EmptyFrame),
            VoiceEvent::Closed
        ]
    );
    assert_eq!(s.written(), [Bytes::from_static(b"<close>")]);
}

#[test]
fn the_server_closing_the_stream_ends_the_client() {
    let mut s = Scenario::alice().in_main();
    s.client.handle_stream_closed(s.at(1000));
    assert_eq!(s.events(), [VoiceEvent::Closed]);
    assert_eq!(s.client.join_voice("main"), Err(VoiceClientError::Closed));
    assert_eq!(s.client.poll_timeout(), None);
}

#[test]
fn commands_before_login_are_refused() {
    let mut s = Scenario::alice();
    assert_eq!(
        s.client.join_voice("main"),
        Err(VoiceClientError::NotLoggedIn)
    );
    assert_eq!(
        s.client.send_voice(Bytes::from_static(b"x")),
        Err(VoiceClientError::NotLoggedIn)
    );
    assert_eq!(s.written(), Vec::<Bytes>::new());
}

#[test]
fn a_malformed_datagram_is_reported_typed() {
    let mut s = Scenario::alice().bound();
    s.udp(200, "04000000000000000100");
    assert_eq!(
        s.events(),
        [VoiceEvent::MalformedDatagram(
            DatagramError::TrailingBytes { extra: 1 }
        )]
    );
}
