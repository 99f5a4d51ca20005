//! `SignalService`'s SFU link (`conformance/spec/signal.md` §8), capacity and directory changes
//! (§6) and the HTTP views (§9.1), one behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use hark_core::ConnectionId;
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory, DirectoryChange};
use hark_core::signal::{
    CloseCode, LinkId, SfuAction, SfuLinkState, SfuSettings, SignalAction, SignalConfig,
    SignalService,
};
use serde_json::{Value, json};

const SECRET: &[u8] = b"signal-sfu-test-secret";
const WALL_MS: u64 = 1_700_000_000_000;
const NO_VOICE: &str =
    r#"42["error",{"error":"voice_unavailable","message":"Voice is unavailable"}]"#;

fn token(user: &str) -> String {
    let claims = TokenClaims {
        sub: Some(user.into()),
        exp: Some(WALL_MS / 1000 + 3600),
        nbf: None,
        iat: None,
    };
    mint_token(SECRET, &claims)
}

fn channel(id: &str, max_users: Option<u32>) -> ChannelConfig {
    ChannelConfig {
        id: id.into(),
        name: None,
        members: None,
        banned: Vec::new(),
        max_users,
    }
}

fn config(sfu: Option<SfuSettings>) -> SignalConfig {
    let mut config = SignalConfig::new(SECRET, "techial.example.com");
    config.sfu = sfu;
    config
}

struct Harness {
    svc: SignalService,
    now: Instant,
    /// The current link, once dialled.
    link: Option<LinkId>,
}

impl Harness {
    /// A service with an SFU link, dialled and not yet open.
    fn new() -> Self {
        Self::with(config(Some(SfuSettings::new("123"))), None)
    }

    fn with(config: SignalConfig, max_users: Option<u32>) -> Self {
        let directory =
            Directory::new([channel("voice", max_users), channel("lobby", None)]).unwrap();
        let mut h = Self {
            svc: SignalService::new(config, directory, [9; 32]).unwrap(),
            now: Instant::now(),
            link: None,
        };
        h.svc.handle_timeout(h.now);
        h
    }

    /// A service whose link is up, its actions so far drained.
    fn up() -> Self {
        let mut h = Self::new();
        h.welcome();
        h
    }

    /// Opens the dialled link and answers `welcome`; returns what the SFU was sent.
    fn welcome(&mut self) -> Vec<String> {
        let link = self.dialled();
        self.svc.handle_sfu_open(self.now, link);
        self.sfu_text(link, r#"{"type":"welcome"}"#);
        self.sfu_texts()
    }

    /// The link of the last `Dial` queued.
    fn dialled(&mut self) -> LinkId {
        for action in self.sfu_actions() {
            if let SfuAction::Dial(link) = action {
                self.link = Some(link);
            }
        }
        self.link.expect("a dial")
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.svc.handle_timeout(self.now);
    }

    fn sfu_text(&mut self, link: LinkId, text: &str) {
        self.svc.handle_sfu_text(self.now, link, text);
    }

    fn sfu_actions(&mut self) -> Vec<SfuAction> {
        std::iter::from_fn(|| self.svc.poll_sfu()).collect()
    }

    /// The texts queued for the SFU since the last call, dropping the other actions.
    fn sfu_texts(&mut self) -> Vec<String> {
        self.sfu_actions()
            .into_iter()
            .filter_map(|action| match action {
                SfuAction::Text(_, bytes) => Some(String::from_utf8(bytes.to_vec()).unwrap()),
                _ => None,
            })
            .collect()
    }

    fn text(&mut self, n: u64, text: &str) {
        self.svc
            .handle_text(self.now, WALL_MS, ConnectionId(n), text);
    }

    fn admit(&mut self, n: u64, user: &str) {
        let ip = std::net::IpAddr::from([10, 0, 0, u8::try_from(n).unwrap()]);
        self.svc
            .handle_connect(self.now, ConnectionId(n), ip)
            .unwrap();
        self.text(n, &format!(r#"40{{"token":"{}"}}"#, token(user)));
    }

    /// Admits and joins, discarding every output.
    fn member(&mut self, n: u64, user: &str, channel: &str) {
        self.admit(n, user);
        self.text(n, &format!(r#"42["join",{{"channelID":"{channel}"}}]"#));
        self.frames_all();
        self.sfu_actions();
    }

    /// Every frame sent to connection `n` since the last call (others are dropped).
    fn frames(&mut self, n: u64) -> Vec<String> {
        self.frames_all()
            .into_iter()
            .filter(|(conn, _)| *conn == n)
            .map(|(_, text)| text)
            .collect()
    }

    fn frames_all(&mut self) -> Vec<(u64, String)> {
        std::iter::from_fn(|| self.svc.poll_transmit())
            .map(|t| {
                let shown = match t.action {
                    SignalAction::Text(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
                    SignalAction::Close(code) => format!("close:{}", code.code()),
                };
                (t.conn.0, shown)
            })
            .collect()
    }

    /// The peer id (Socket.IO sid) of connection `n`.
    fn peer(&self, n: u64) -> String {
        let users = serde_json::to_value(self.svc.debug_users()).unwrap();
        let conns = serde_json::to_value(self.svc.debug_connections()).unwrap();
        let index = conns
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["userID"].is_null())
            .position(|c| c["ip"] == json!(format!("10.0.0.{n}")))
            .unwrap();
        users[index]["sid"].as_str().unwrap().to_owned()
    }
}

fn user(id: &str, connected: bool, stream: Option<&str>) -> String {
    let mut value = json!({"id": id, "nickname": id, "isMuted": false, "hasJoinedChannel": true,
        "isConnectedToVoice": connected});
    if let Some(stream) = stream {
        value["streamID"] = json!(stream);
    }
    // serde_json without preserve_order sorts keys; rebuild in UserInfo's order.
    let mut text = format!(
        r#"{{"id":"{id}","nickname":"{id}","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":{connected}"#
    );
    if let Some(stream) = stream {
        text.push_str(&format!(r#","streamID":"{stream}""#));
    }
    text.push('}');
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    text
}

// §8.1, §8.2 the link and its handshake

#[test]
fn the_first_dial_is_queued_at_construction() {
    let mut h = Harness::new();
    assert!(matches!(h.sfu_actions()[..], [SfuAction::Dial(_)]));
    assert_eq!(h.svc.stats().sfu, SfuLinkState::Down);
}

#[test]
fn without_sfu_settings_nothing_is_dialled_and_the_link_is_disabled() {
    let mut h = Harness::with(config(None), None);
    assert!(h.sfu_actions().is_empty());
    assert_eq!(h.svc.health().sfu, SfuLinkState::Disabled);
}

#[test]
fn hello_is_the_first_message_on_an_open_link() {
    let mut h = Harness::new();
    let link = h.dialled();
    h.svc.handle_sfu_open(h.now, link);
    assert_eq!(
        h.sfu_texts(),
        [r#"{"type":"hello","token":"123","server":"techial.example.com"}"#]
    );
}

#[test]
fn welcome_brings_the_link_up() {
    let mut h = Harness::new();
    h.welcome();
    assert_eq!(h.svc.stats().sfu, SfuLinkState::Up);
}

#[test]
fn welcome_announces_every_member_rooms_in_id_order_members_in_join_order() {
    let mut h = Harness::new();
    h.dialled();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "lobby");
    h.member(3, "cyd", "voice");
    let (ada, bob, cyd) = (h.peer(1), h.peer(2), h.peer(3));
    assert_eq!(
        h.welcome()[1..],
        [
            format!(
                r#"{{"type":"join","roomID":"techial_lobby","peerID":"{bob}","userID":"bob"}}"#
            ),
            format!(
                r#"{{"type":"join","roomID":"techial_voice","peerID":"{ada}","userID":"ada"}}"#
            ),
            format!(
                r#"{{"type":"join","roomID":"techial_voice","peerID":"{cyd}","userID":"cyd"}}"#
            ),
        ]
    );
    let users = serde_json::to_value(h.svc.debug_users()).unwrap();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["connectionState"] == "connecting")
    );
}

#[test]
fn a_message_before_welcome_closes_the_link_with_1008() {
    let mut h = Harness::new();
    let link = h.dialled();
    h.svc.handle_sfu_open(h.now, link);
    h.sfu_actions();
    h.sfu_text(link, r#"{"type":"connected","peerID":"x"}"#);
    assert_eq!(
        h.sfu_actions(),
        [SfuAction::Close(link, CloseCode::PolicyViolation)]
    );
    assert_eq!(h.svc.stats().sfu_malformed, 1);
}

#[test]
fn reports_about_a_stale_link_are_ignored() {
    let mut h = Harness::new();
    let old = h.dialled();
    h.svc.handle_sfu_closed(h.now, old);
    h.advance(Duration::from_millis(500));
    let new = h.dialled();
    assert_ne!(old, new);
    h.svc.handle_sfu_open(h.now, old);
    h.sfu_text(old, r#"{"type":"welcome"}"#);
    h.svc.handle_sfu_closed(h.now, old);
    assert!(h.sfu_actions().is_empty());
    assert_eq!(h.svc.stats().sfu, SfuLinkState::Down);
    h.svc.handle_sfu_open(h.now, new);
    assert_eq!(h.sfu_texts().len(), 1);
}

// §8.3 hark → SFU

#[test]
fn a_join_while_up_is_announced_and_the_joiner_is_connecting() {
    let mut h = Harness::up();
    h.admit(1, "ada");
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    let peer = h.peer(1);
    assert_eq!(
        h.sfu_texts(),
        [format!(
            r#"{{"type":"join","roomID":"techial_voice","peerID":"{peer}","userID":"ada"}}"#
        )]
    );
    let frames = h.frames(1);
    assert!(frames.iter().all(|f| f != NO_VOICE), "{frames:?}");
    assert_eq!(
        serde_json::to_value(h.svc.debug_users()).unwrap()[0]["connectionState"],
        "connecting"
    );
}

#[test]
fn leave_and_disconnect_send_leave_to_the_sfu() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let (ada, bob) = (h.peer(1), h.peer(2));
    h.text(1, r#"42["leave"]"#);
    h.svc.handle_closed(h.now, ConnectionId(2));
    assert_eq!(
        h.sfu_texts(),
        [
            format!(r#"{{"type":"leave","roomID":"techial_voice","peerID":"{ada}"}}"#),
            format!(r#"{{"type":"leave","roomID":"techial_voice","peerID":"{bob}"}}"#),
        ]
    );
}

#[test]
fn a_device_switch_is_a_leave_of_the_old_peer_then_a_join_of_the_new() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let old = h.peer(1);
    h.admit(2, "ada");
    h.text(2, r#"42["join",{"channelID":"voice"}]"#);
    let texts = h.sfu_texts();
    assert_eq!(texts.len(), 2);
    assert_eq!(
        texts[0],
        format!(r#"{{"type":"leave","roomID":"techial_voice","peerID":"{old}"}}"#)
    );
    assert!(texts[1].starts_with(r#"{"type":"join","roomID":"techial_voice""#));
    assert!(!texts[1].contains(&old));
}

#[test]
fn a_join_of_the_room_one_is_in_sends_nothing_to_the_sfu() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.text(1, r#"42["join",{"channelID":"voice"}]"#);
    assert!(h.sfu_texts().is_empty());
}

#[test]
fn a_client_offer_is_relayed_to_the_sfu_with_its_peer_id() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let peer = h.peer(1);
    h.text(1, r#"42["offer",{"type":"offer","sdp":"v=0","x":1}]"#);
    assert_eq!(
        h.sfu_texts(),
        [format!(
            r#"{{"type":"offer","peerID":"{peer}","description":{{"type":"offer","sdp":"v=0"}}}}"#
        )]
    );
    assert_eq!(h.svc.stats().sfu_relayed_to, 1);
}

#[test]
fn a_client_candidate_is_relayed_with_null_for_absent_members() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let peer = h.peer(1);
    h.text(1, r#"42["ice-candidate",{"candidate":"c","sdpMid":"0"}]"#);
    assert_eq!(
        h.sfu_texts(),
        [format!(
            r#"{{"type":"ice-candidate","peerID":"{peer}","candidate":{{"candidate":"c","sdpMid":"0","sdpMLineIndex":null,"usernameFragment":null}}}}"#
        )]
    );
}

// §8.4 SFU → hark

#[test]
fn an_sfu_answer_is_relayed_to_its_peer_only() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    h.sfu_text(
        link,
        &format!(
            r#"{{"type":"answer","peerID":"{peer}","description":{{"type":"answer","sdp":"v=0"}}}}"#
        ),
    );
    assert_eq!(
        h.frames_all(),
        [(
            1,
            r#"42["answer",{"type":"answer","sdp":"v=0"}]"#.to_owned()
        )]
    );
    assert_eq!(h.svc.stats().sfu_relayed_from, 1);
}

#[test]
fn connected_sends_user_updated_to_the_room_once() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    let connected = format!(r#"{{"type":"connected","peerID":"{peer}"}}"#);
    h.sfu_text(link, &connected);
    let update = format!(r#"42["user-updated",{}]"#, user("ada", true, None));
    assert_eq!(h.frames_all(), [(1, update.clone()), (2, update)]);
    h.sfu_text(link, &connected);
    assert!(h.frames_all().is_empty());
    assert_eq!(
        serde_json::to_value(h.svc.debug_users()).unwrap()[0]["connectionState"],
        "connected"
    );
}

#[test]
fn track_added_sets_the_stream_and_track_removed_of_another_stream_changes_nothing() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    h.sfu_text(
        link,
        &format!(r#"{{"type":"track-added","peerID":"{peer}","streamID":"s-ada"}}"#),
    );
    assert_eq!(
        h.frames(1),
        [format!(
            r#"42["user-updated",{}]"#,
            user("ada", false, Some("s-ada"))
        )]
    );
    h.sfu_text(
        link,
        &format!(r#"{{"type":"track-removed","peerID":"{peer}","streamID":"other"}}"#),
    );
    assert!(h.frames(1).is_empty());
    h.sfu_text(
        link,
        &format!(r#"{{"type":"track-removed","peerID":"{peer}","streamID":"s-ada"}}"#),
    );
    assert_eq!(
        h.frames(1),
        [format!(
            r#"42["user-updated",{}]"#,
            user("ada", false, None)
        )]
    );
}

#[test]
fn disconnected_clears_voice_and_stream_but_keeps_the_user_in_the_room() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    h.sfu_text(
        link,
        &format!(r#"{{"type":"connected","peerID":"{peer}"}}"#),
    );
    h.sfu_text(
        link,
        &format!(r#"{{"type":"track-added","peerID":"{peer}","streamID":"s"}}"#),
    );
    h.frames_all();
    h.sfu_text(
        link,
        &format!(r#"{{"type":"disconnected","peerID":"{peer}"}}"#),
    );
    assert_eq!(
        h.frames(1),
        [format!(
            r#"42["user-updated",{}]"#,
            user("ada", false, None)
        )]
    );
    assert_eq!(h.svc.stats().room_members, 1);
}

#[test]
fn a_message_about_a_peer_that_left_is_ignored() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    h.text(1, r#"42["leave"]"#);
    h.frames_all();
    h.sfu_text(
        link,
        &format!(r#"{{"type":"connected","peerID":"{peer}"}}"#),
    );
    h.sfu_text(link, r#"{"type":"connected","peerID":"nobody"}"#);
    assert!(h.frames_all().is_empty());
    assert_eq!(h.svc.stats().sfu_malformed, 0);
}

#[test]
fn a_malformed_message_on_an_up_link_is_counted_and_ignored() {
    let mut h = Harness::up();
    let link = h.link.unwrap();
    h.sfu_text(link, r#"{"type":"track-added","peerID":"p"}"#);
    h.sfu_text(link, "not json");
    assert_eq!(h.svc.stats().sfu_malformed, 2);
    assert_eq!(h.svc.stats().sfu, SfuLinkState::Up);
    assert!(h.sfu_actions().is_empty());
}

// §8.5 liveness

#[test]
fn no_welcome_within_the_handshake_timeout_closes_the_link() {
    let mut h = Harness::new();
    let link = h.dialled();
    h.svc.handle_sfu_open(h.now, link);
    h.sfu_actions();
    h.advance(Duration::from_millis(9_999));
    assert!(h.sfu_actions().is_empty());
    h.advance(Duration::from_millis(1));
    assert_eq!(h.sfu_actions(), [SfuAction::Close(link, CloseCode::Normal)]);
}

#[test]
fn an_up_link_is_pinged_every_25_s_and_closed_after_60_s_without_a_frame() {
    let mut h = Harness::up();
    let link = h.link.unwrap();
    h.advance(Duration::from_secs(25));
    assert_eq!(h.sfu_actions(), [SfuAction::Ping(link)]);
    h.advance(Duration::from_secs(25));
    assert_eq!(h.sfu_actions(), [SfuAction::Ping(link)]);
    h.svc.handle_sfu_frame(h.now, link);
    h.advance(Duration::from_secs(59));
    assert!(
        !h.sfu_actions()
            .contains(&SfuAction::Close(link, CloseCode::Normal))
    );
    h.advance(Duration::from_secs(1));
    assert!(
        h.sfu_actions()
            .contains(&SfuAction::Close(link, CloseCode::Normal))
    );
    assert_eq!(h.svc.stats().sfu, SfuLinkState::Down);
}

// §8.6 link loss, backoff, voice unavailable

#[test]
fn the_backoff_doubles_after_each_failure_and_resets_at_welcome() {
    let mut h = Harness::new();
    for wait_ms in [500u64, 1000, 2000, 4000] {
        let link = h.dialled();
        h.svc.handle_sfu_closed(h.now, link);
        h.advance(Duration::from_millis(wait_ms - 1));
        assert!(h.sfu_actions().is_empty(), "{wait_ms}");
        h.advance(Duration::from_millis(1));
        assert_ne!(h.dialled(), link, "{wait_ms}");
    }
    h.welcome();
    let link = h.link.unwrap();
    h.svc.handle_sfu_closed(h.now, link);
    h.advance(Duration::from_millis(500));
    assert!(matches!(h.sfu_actions()[..], [SfuAction::Dial(_)]));
}

#[test]
fn the_backoff_stops_at_its_maximum() {
    let mut sfu = SfuSettings::new("123");
    sfu.reconnect_max = Duration::from_secs(1);
    let mut h = Harness::with(config(Some(sfu)), None);
    for _ in 0..4 {
        let link = h.dialled();
        h.svc.handle_sfu_closed(h.now, link);
        h.advance(Duration::from_secs(1));
    }
    assert!(matches!(h.sfu_actions()[..], [SfuAction::Dial(_)]));
}

#[test]
fn a_join_while_down_gets_voice_unavailable_right_after_users() {
    let mut h = Harness::new();
    h.admit(1, "ada");
    h.frames_all();
    h.text(1, r#"421["join",{"channelID":"voice"}]"#);
    let frames = h.frames(1);
    assert!(frames[0].starts_with(r#"42["users","#));
    assert_eq!(frames[1], NO_VOICE);
    assert_eq!(frames[2], "431[]");
    assert!(h.sfu_texts().is_empty());
}

#[test]
fn an_offer_while_down_is_refused_with_voice_unavailable() {
    let mut h = Harness::new();
    h.member(1, "ada", "voice");
    h.text(1, r#"42["offer",{"type":"offer","sdp":"v=0"}]"#);
    assert_eq!(h.frames(1), [NO_VOICE]);
}

#[test]
fn losing_an_up_link_takes_voice_from_members_and_tells_each_once() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let link = h.link.unwrap();
    let peer = h.peer(1);
    h.sfu_text(
        link,
        &format!(r#"{{"type":"connected","peerID":"{peer}"}}"#),
    );
    h.frames_all();
    h.svc.handle_sfu_closed(h.now, link);
    let update = format!(r#"42["user-updated",{}]"#, user("ada", false, None));
    assert_eq!(
        h.frames_all(),
        [
            (1, update.clone()),
            (2, update),
            (1, NO_VOICE.to_owned()),
            (2, NO_VOICE.to_owned()),
        ]
    );
    let users = serde_json::to_value(h.svc.debug_users()).unwrap();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["connectionState"] == "disconnected")
    );
}

// §6 capacity and the directory

#[test]
fn a_join_into_a_full_room_is_refused_with_channel_full() {
    let mut h = Harness::with(config(None), Some(1));
    h.member(1, "ada", "voice");
    h.admit(2, "bob");
    h.frames_all();
    h.text(2, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(2),
        [r#"42["error",{"error":"channel_full","message":"Channel is full"}]"#]
    );
}

#[test]
fn a_device_switch_into_a_full_room_is_refused_too() {
    let mut h = Harness::with(config(None), Some(1));
    h.member(1, "ada", "voice");
    h.admit(2, "ada");
    h.frames_all();
    h.text(2, r#"42["join",{"channelID":"voice"}]"#);
    assert_eq!(
        h.frames(2),
        [r#"42["error",{"error":"channel_full","message":"Channel is full"}]"#]
    );
}

#[test]
fn a_ban_removes_the_user_from_the_room_with_forbidden() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "bob", "voice");
    let ada = h.peer(1);
    let ban = DirectoryChange::Ban {
        channel: "voice".into(),
        user: "ada".into(),
    };
    h.svc.apply_directory_change(h.now, ban).unwrap();
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"forbidden","message":"Not allowed in this channel"}]"#]
    );
    assert_eq!(
        h.sfu_texts(),
        [format!(
            r#"{{"type":"leave","roomID":"techial_voice","peerID":"{ada}"}}"#
        )]
    );
    assert_eq!(h.svc.stats().room_members, 1);
}

#[test]
fn a_removed_channel_empties_its_room_with_unknown_channel() {
    let mut h = Harness::with(config(None), None);
    h.member(1, "ada", "voice");
    let remove = DirectoryChange::RemoveChannel {
        channel: "voice".into(),
    };
    h.svc.apply_directory_change(h.now, remove).unwrap();
    assert_eq!(
        h.frames(1),
        [r#"42["error",{"error":"unknown_channel","message":"No such voice channel"}]"#]
    );
    assert_eq!(h.svc.stats().rooms, 0);
}

#[test]
fn a_change_the_directory_refuses_is_an_error_and_changes_nothing() {
    let mut h = Harness::with(config(None), None);
    h.member(1, "ada", "voice");
    let ban = DirectoryChange::Ban {
        channel: "nowhere".into(),
        user: "ada".into(),
    };
    assert!(h.svc.apply_directory_change(h.now, ban).is_err());
    assert_eq!(h.svc.stats().room_members, 1);
}

#[test]
fn a_reset_restores_the_configured_directory() {
    let mut h = Harness::with(config(None), None);
    let remove = DirectoryChange::RemoveChannel {
        channel: "voice".into(),
    };
    h.svc.apply_directory_change(h.now, remove).unwrap();
    assert!(h.svc.directory().channel("voice").is_none());
    h.svc.reset(h.now);
    assert!(h.svc.directory().channel("voice").is_some());
}

// §9.1 views

#[test]
fn health_counts_connections_users_rooms_and_names_the_link_state() {
    let mut h = Harness::up();
    h.member(1, "ada", "voice");
    h.member(2, "ada", "lobby");
    assert_eq!(
        serde_json::to_string(&h.svc.health()).unwrap(),
        r#"{"status":"ok","connections":2,"users":1,"rooms":1,"sfu":"up"}"#
    );
}

#[test]
fn debug_rooms_lists_rooms_in_id_order_and_members_in_join_order() {
    let mut h = Harness::with(config(None), None);
    h.member(1, "bob", "voice");
    h.member(2, "ada", "voice");
    h.member(3, "cyd", "lobby");
    assert_eq!(
        serde_json::to_string(&h.svc.debug_rooms()).unwrap(),
        r#"[{"id":"techial_lobby","channel":"lobby","members":["cyd"]},{"id":"techial_voice","channel":"voice","members":["bob","ada"]}]"#
    );
}

#[test]
fn debug_users_writes_user_info_then_sid_room_last_seen_and_connection_state() {
    let mut h = Harness::with(config(None), None);
    h.member(1, "ada", "voice");
    let sid = h.peer(1);
    assert_eq!(
        serde_json::to_string(&h.svc.debug_users()).unwrap(),
        format!(
            r#"[{{"id":"ada","nickname":"ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false,"sid":"{sid}","room":"techial_voice","lastSeen":"2023-11-14T22:13:20.000Z","connectionState":"disconnected"}}]"#
        )
    );
}

#[test]
fn debug_connections_lists_every_connection_with_a_null_user_before_connect() {
    let mut h = Harness::with(config(None), None);
    h.admit(1, "ada");
    h.svc
        .handle_connect(h.now, ConnectionId(2), [127, 0, 0, 1].into())
        .unwrap();
    let conns = serde_json::to_value(h.svc.debug_connections()).unwrap();
    assert_eq!(conns[0]["userID"], "ada");
    assert_eq!(conns[0]["ip"], "10.0.0.1");
    assert_eq!(conns[1]["userID"], Value::Null);
    assert_eq!(conns[1]["ip"], "127.0.0.1");
    assert_eq!(conns[1]["sid"].as_str().unwrap().len(), 20);
}
