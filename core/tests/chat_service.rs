//! `ChatService` against `conformance/spec/chat.md` §5–§8, one behaviour per test. (Tests that need a
//! clock live here, outside `core/src`, which never reads one.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hark_core::ConnectionId;
use hark_core::chat::{ChatAction, ChatConfig, ChatEvent, ChatService, CloseCode, CloseReason};
use hark_core::limits::{IpGuardConfig, Refusal};

const WALL_MS: u64 = 1_736_164_800_000;

/// A service and a clock; client `n` connects as `ConnectionId(n)` from 10.0.0.n unless given an
/// IP.
struct Harness {
    svc: ChatService,
    start: Instant,
    elapsed: Duration,
}

impl Harness {
    fn new() -> Self {
        Self::with(ChatConfig::default())
    }

    fn with(config: ChatConfig) -> Self {
        let start = Instant::now();
        Self {
            svc: ChatService::new(config, [7; 32], start).unwrap(),
            start,
            elapsed: Duration::ZERO,
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

    fn connect(&mut self, n: u64) {
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, u8::try_from(n).unwrap()));
        self.connect_from(n, ip).unwrap();
    }

    fn connect_from(&mut self, n: u64, ip: IpAddr) -> Result<(), Refusal> {
        let now = self.now();
        self.svc.handle_connect(now, ConnectionId(n), ip)
    }

    fn text(&mut self, n: u64, text: &str) {
        let now = self.now();
        self.svc.handle_text(now, WALL_MS, ConnectionId(n), text);
    }

    fn join(&mut self, n: u64, room: &str, user: &str) {
        self.text(
            n,
            &format!(
                r#"{{"type":"join","data":{{"room":"{room}","user":{{"id":"{user}","name":"User {user}"}}}}}}"#
            ),
        );
    }

    fn connect_and_join(&mut self, n: u64, room: &str, user: &str) {
        self.connect(n);
        self.join(n, room, user);
    }

    /// Everything sent since the last drain, in order.
    fn drain(&mut self) -> Vec<(u64, ChatAction)> {
        std::iter::from_fn(|| self.svc.poll_transmit())
            .map(|t| (t.conn.0, t.action))
            .collect()
    }

    /// The text frames sent to client `n` since the last drain (others are discarded).
    fn texts_to(&mut self, n: u64) -> Vec<String> {
        self.drain()
            .into_iter()
            .filter(|(conn, _)| *conn == n)
            .filter_map(|(_, action)| match action {
                ChatAction::Text(bytes) => Some(String::from_utf8(bytes.to_vec()).unwrap()),
                _ => None,
            })
            .collect()
    }

    fn events(&mut self) -> Vec<ChatEvent> {
        std::iter::from_fn(|| self.svc.poll_event()).collect()
    }
}

fn error(code: &str, message: &str) -> String {
    format!(r#"{{"type":"error","code":"{code}","message":"{message}"}}"#)
}

fn user(id: &str) -> String {
    format!(r#"{{"id":"{id}","name":"User {id}","avatar":null}}"#)
}

fn recipients(actions: &[(u64, ChatAction)]) -> Vec<u64> {
    actions.iter().map(|(conn, _)| *conn).collect()
}

#[test]
fn a_joiner_gets_the_user_list_with_itself_last() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.drain();
    h.connect_and_join(2, "lobby", "bob");
    assert_eq!(
        h.texts_to(2),
        [format!(
            r#"{{"type":"userList","users":[{},{}]}}"#,
            user("alice"),
            user("bob")
        )]
    );
}

#[test]
fn the_others_hear_user_joined() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.drain();
    h.connect_and_join(2, "lobby", "bob");
    assert_eq!(
        h.texts_to(1),
        [format!(r#"{{"type":"userJoined","user":{}}}"#, user("bob"))]
    );
}

#[test]
fn a_message_goes_to_the_whole_room_sender_included_on_one_buffer() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.connect_and_join(3, "elsewhere", "carol");
    h.drain();
    h.text(1, r#"{"type":"message","data":{"content":"aGVsbG8="}}"#);
    let sent = h.drain();
    assert_eq!(recipients(&sent), [1, 2]);
    let (ChatAction::Text(a), ChatAction::Text(b)) = (&sent[0].1, &sent[1].1) else {
        panic!("text frames expected: {sent:?}");
    };
    assert_eq!(a.as_ptr(), b.as_ptr(), "one shared buffer");
    let text = std::str::from_utf8(a).unwrap();
    assert!(text.starts_with(r#"{"type":"message","id":""#), "{text}");
    assert!(
        text.ends_with(&format!(
            r#","user":{},"content":"aGVsbG8=","timestamp":"2025-01-06T12:00:00.000Z"}}"#,
            user("alice")
        )),
        "{text}"
    );
}

#[test]
fn message_ids_are_distinct_uuid_v4() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.drain();
    let mut ids = Vec::new();
    for _ in 0..3 {
        h.text(1, r#"{"type":"message","data":{"content":"x"}}"#);
        let text = h.texts_to(1).remove(0);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let id = value["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version nibble of {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "variant of {id}"
        );
        ids.push(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[test]
fn typing_goes_to_the_others_only() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    h.text(1, r#"{"type":"typing","data":{"isTyping":true}}"#);
    let sent = h.drain();
    assert_eq!(recipients(&sent), [2]);
    assert_eq!(
        sent[0].1,
        ChatAction::Text(
            format!(
                r#"{{"type":"userTyping","user":{},"isTyping":true}}"#,
                user("alice")
            )
            .into()
        )
    );
}

#[test]
fn a_reaction_goes_to_the_whole_room() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    h.text(
        2,
        r#"{"type":"reaction","data":{"messageId":"m-1","emoji":"👍"}}"#,
    );
    let sent = h.drain();
    assert_eq!(recipients(&sent), [1, 2]);
    assert_eq!(
        sent[0].1,
        ChatAction::Text(
            format!(
                r#"{{"type":"reaction","messageId":"m-1","user":{},"emoji":"👍"}}"#,
                user("bob")
            )
            .into()
        )
    );
}

#[test]
fn ping_is_answered_with_pong() {
    let mut h = Harness::new();
    h.connect(1);
    h.text(1, r#"{"type":"ping"}"#);
    assert_eq!(h.texts_to(1), [r#"{"type":"pong"}"#]);
}

#[test]
fn leave_tells_the_others_and_not_the_leaver() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    h.text(1, r#"{"type":"leave"}"#);
    let sent = h.drain();
    assert_eq!(recipients(&sent), [2]);
    assert_eq!(
        sent[0].1,
        ChatAction::Text(r#"{"type":"userLeft","userId":"alice"}"#.into())
    );
}

#[test]
fn closing_a_connection_leaves_its_room() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    let now = h.now();
    h.svc.handle_closed(now, ConnectionId(2));
    assert_eq!(h.texts_to(1), [r#"{"type":"userLeft","userId":"bob"}"#]);
    assert_eq!(h.svc.stats().active_connections, 1);
}

#[test]
fn a_room_left_empty_is_removed() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    assert_eq!(h.svc.stats().active_rooms, 1);
    h.text(1, r#"{"type":"leave"}"#);
    assert_eq!(h.svc.stats().active_rooms, 0);
    assert!(h.events().contains(&ChatEvent::RoomRemoved {
        room: "lobby".into()
    }));
}

#[test]
fn a_second_join_leaves_the_first_room() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    h.join(2, "other", "bob");
    let sent = h.drain();
    assert_eq!(
        sent,
        [
            (
                1,
                ChatAction::Text(r#"{"type":"userLeft","userId":"bob"}"#.into())
            ),
            (
                2,
                ChatAction::Text(
                    format!(r#"{{"type":"userList","users":[{}]}}"#, user("bob")).into()
                )
            ),
        ]
    );
    assert_eq!(h.svc.stats().active_rooms, 2);
}

#[test]
fn joining_the_same_room_again_refreshes_the_user_list() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    h.join(1, "lobby", "alice");
    let sent = h.drain();
    assert_eq!(recipients(&sent), [2, 2, 1]);
    assert_eq!(
        sent[2].1,
        ChatAction::Text(
            format!(
                r#"{{"type":"userList","users":[{},{}]}}"#,
                user("bob"),
                user("alice")
            )
            .into()
        )
    );
}

#[test]
fn a_user_id_taken_in_the_room_is_refused() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.drain();
    h.connect_and_join(2, "lobby", "alice");
    assert_eq!(
        h.texts_to(2),
        [error("DUPLICATE_USER", "User already in room")]
    );
}

#[test]
fn a_full_room_refuses_the_next_joiner() {
    let mut h = Harness::with(ChatConfig {
        max_users_per_room: 2,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "lobby", "a");
    h.connect_and_join(2, "lobby", "b");
    h.drain();
    h.connect_and_join(3, "lobby", "c");
    assert_eq!(h.texts_to(3), [error("ROOM_FULL", "Room is full")]);
}

#[test]
fn a_new_room_beyond_max_rooms_is_server_full() {
    let mut h = Harness::with(ChatConfig {
        max_rooms: 1,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "one", "a");
    h.drain();
    h.connect_and_join(2, "two", "b");
    assert_eq!(h.texts_to(2), [error("SERVER_FULL", "Server is full")]);
}

#[test]
fn moving_out_of_the_only_room_of_its_own_is_not_server_full() {
    let mut h = Harness::with(ChatConfig {
        max_rooms: 1,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "one", "a");
    h.drain();
    h.join(1, "two", "a");
    assert_eq!(
        h.texts_to(1),
        [format!(r#"{{"type":"userList","users":[{}]}}"#, user("a"))]
    );
}

#[test]
fn a_refused_join_keeps_the_current_room() {
    let mut h = Harness::with(ChatConfig {
        max_users_per_room: 1,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "full", "a");
    h.connect_and_join(2, "mine", "b");
    h.drain();
    h.join(2, "full", "b");
    h.drain();
    h.text(2, r#"{"type":"message","data":{"content":"still here"}}"#);
    assert_eq!(h.texts_to(2).len(), 1);
}

#[test]
fn messages_beyond_the_limit_in_a_minute_are_rate_limited() {
    let mut h = Harness::with(ChatConfig {
        message_limit: 2,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "lobby", "alice");
    h.drain();
    for _ in 0..2 {
        h.text(1, r#"{"type":"message","data":{"content":"x"}}"#);
    }
    h.drain();
    h.text(
        1,
        r#"{"type":"reaction","data":{"messageId":"m","emoji":"🎉"}}"#,
    );
    assert_eq!(h.texts_to(1), [error("RATE_LIMITED", "Too many messages")]);
    assert_eq!(h.svc.stats().rate_limited, 1);
}

#[test]
fn the_message_limit_frees_up_exactly_one_minute_later() {
    let mut h = Harness::with(ChatConfig {
        message_limit: 1,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "lobby", "alice");
    h.text(1, r#"{"type":"message","data":{"content":"x"}}"#);
    h.advance(Duration::from_secs(60) - Duration::from_millis(1));
    h.text(1, r#"{"type":"ping"}"#); // keeps the heartbeat quiet
    h.drain();
    h.text(1, r#"{"type":"message","data":{"content":"y"}}"#);
    assert_eq!(h.texts_to(1), [error("RATE_LIMITED", "Too many messages")]);
    h.advance(Duration::from_millis(1));
    h.text(1, r#"{"type":"message","data":{"content":"z"}}"#);
    assert!(h.texts_to(1)[0].starts_with(r#"{"type":"message""#));
}

#[test]
fn joins_beyond_the_limit_are_join_rate_limited() {
    let mut h = Harness::new();
    h.connect(1);
    for _ in 0..5 {
        h.join(1, "lobby", "alice");
    }
    h.drain();
    h.join(1, "lobby", "alice");
    assert_eq!(
        h.texts_to(1),
        [error("JOIN_RATE_LIMITED", "Too many room joins")]
    );
}

#[test]
fn typing_beyond_its_limit_is_dropped_silently() {
    let mut h = Harness::with(ChatConfig {
        typing_limit: 1,
        ..ChatConfig::default()
    });
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.text(1, r#"{"type":"typing","data":{"isTyping":true}}"#);
    h.drain();
    h.text(1, r#"{"type":"typing","data":{"isTyping":false}}"#);
    assert_eq!(h.drain(), []);
    assert_eq!(h.svc.stats().rate_limited, 1);
}

#[test]
fn actions_outside_a_room_are_not_in_room() {
    let mut h = Harness::new();
    h.connect(1);
    for text in [
        r#"{"type":"leave"}"#,
        r#"{"type":"message","data":{"content":"x"}}"#,
        r#"{"type":"typing","data":{"isTyping":true}}"#,
        r#"{"type":"reaction","data":{"messageId":"m","emoji":"👍"}}"#,
    ] {
        h.text(1, text);
        assert_eq!(
            h.texts_to(1),
            [error("NOT_IN_ROOM", "Not in a room")],
            "{text}"
        );
    }
    assert_eq!(h.svc.stats().violations, 0, "NOT_IN_ROOM is no violation");
}

#[test]
fn a_malformed_frame_is_answered_and_the_connection_kept() {
    let mut h = Harness::new();
    h.connect(1);
    h.text(1, "{not json");
    assert_eq!(h.texts_to(1), [error("INVALID_JSON", "Invalid JSON")]);
    h.text(1, r#"{"type":"ping"}"#);
    assert_eq!(h.texts_to(1), [r#"{"type":"pong"}"#]);
    assert_eq!(h.svc.stats().violations, 1);
}

#[test]
fn a_binary_message_is_invalid_message() {
    let mut h = Harness::new();
    h.connect(1);
    let now = h.now();
    h.svc.handle_binary(now, ConnectionId(1), 4);
    assert_eq!(
        h.texts_to(1),
        [error("INVALID_MESSAGE", "Invalid message format")]
    );
}

#[test]
fn a_message_beyond_the_transport_bound_is_answered_and_closed_with_1009() {
    let mut h = Harness::new();
    h.connect(1);
    let now = h.now();
    h.svc.handle_oversized(now, ConnectionId(1));
    assert_eq!(
        h.drain(),
        [
            (
                1,
                ChatAction::Text(error("MESSAGE_TOO_LARGE", "Message too large").into())
            ),
            (1, ChatAction::Close(CloseCode::MessageTooBig)),
        ]
    );
}

fn guard(threshold: u32, block: Duration) -> ChatConfig {
    ChatConfig {
        ip_guard: IpGuardConfig {
            block_threshold: threshold,
            block_duration: block,
            ..IpGuardConfig::default()
        },
        ..ChatConfig::default()
    }
}

#[test]
fn the_threshold_th_violation_blocks_the_ip_and_closes_its_connections() {
    let mut h = Harness::with(guard(2, Duration::from_secs(60)));
    let ip = IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9));
    h.connect_from(1, ip).unwrap();
    h.connect_from(2, ip).unwrap();
    h.connect(3);
    h.text(1, "x");
    h.drain();
    h.text(1, "x");
    let blocked = error("IP_BLOCKED", "Too many violations: temporarily blocked");
    assert_eq!(
        h.drain(),
        [
            (
                1,
                ChatAction::Text(error("INVALID_JSON", "Invalid JSON").into())
            ),
            (1, ChatAction::Text(blocked.clone().into())),
            (1, ChatAction::Close(CloseCode::PolicyViolation)),
            (2, ChatAction::Text(blocked.into())),
            (2, ChatAction::Close(CloseCode::PolicyViolation)),
        ]
    );
    assert_eq!(h.svc.stats().active_connections, 1);
    assert_eq!(h.svc.stats().blocked_ips, 1);
}

#[test]
fn a_blocked_ip_is_refused_403_until_the_block_ends() {
    let mut h = Harness::with(guard(1, Duration::from_secs(60)));
    let ip = IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9));
    h.connect_from(1, ip).unwrap();
    h.text(1, "x");
    assert_eq!(h.connect_from(2, ip), Err(Refusal::Blocked));
    assert_eq!(Refusal::Blocked.status(), 403);
    h.advance(Duration::from_secs(60));
    assert_eq!(h.connect_from(3, ip), Ok(()));
    assert_eq!(h.svc.stats().blocked_ips, 0);
}

#[test]
fn a_second_block_lasts_twice_as_long() {
    let mut h = Harness::with(guard(1, Duration::from_secs(10)));
    let ip = IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9));
    h.connect_from(1, ip).unwrap();
    h.text(1, "x");
    h.advance(Duration::from_secs(10));
    h.connect_from(2, ip).unwrap();
    h.text(2, "x");
    let blocks: Vec<Duration> = h
        .events()
        .into_iter()
        .filter_map(|event| match event {
            ChatEvent::IpBlocked { duration, .. } => Some(duration),
            _ => None,
        })
        .collect();
    assert_eq!(blocks, [Duration::from_secs(10), Duration::from_secs(20)]);
}

#[test]
fn connections_beyond_the_per_ip_limit_are_refused_429() {
    let mut h = Harness::new();
    let ip = IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1));
    for n in 0..10 {
        h.connect_from(n, ip).unwrap();
    }
    let refused = h.connect_from(10, ip);
    assert_eq!(refused, Err(Refusal::TooManyConnections));
    assert_eq!(refused.unwrap_err().status(), 429);
    assert_eq!(h.svc.stats().refused_connections, 1);
}

#[test]
fn a_closed_connection_frees_its_ip_slot() {
    let mut h = Harness::with(ChatConfig {
        ip_guard: IpGuardConfig {
            connection_limit_per_ip: 1,
            ..IpGuardConfig::default()
        },
        ..ChatConfig::default()
    });
    let ip = IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1));
    h.connect_from(1, ip).unwrap();
    let now = h.now();
    h.svc.handle_closed(now, ConnectionId(1));
    assert_eq!(h.connect_from(2, ip), Ok(()));
}

#[test]
fn connections_beyond_max_connections_are_refused_503() {
    let mut h = Harness::with(ChatConfig {
        ip_guard: IpGuardConfig {
            max_connections: 2,
            ..IpGuardConfig::default()
        },
        ..ChatConfig::default()
    });
    h.connect(1);
    h.connect(2);
    let refused = h.connect_from(3, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)));
    assert_eq!(refused.map_err(Refusal::status), Err(503));
}

#[test]
fn a_silent_connection_is_pinged_after_the_interval() {
    let mut h = Harness::new();
    h.connect(1);
    h.advance(Duration::from_secs(30));
    assert_eq!(h.drain(), [(1, ChatAction::Ping)]);
}

#[test]
fn a_connection_silent_for_the_timeout_is_closed_1001_and_leaves() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.advance(Duration::from_secs(45));
    let now = h.now();
    h.svc.handle_activity(now, ConnectionId(2));
    h.drain();
    h.advance(Duration::from_secs(15));
    assert_eq!(
        h.drain(),
        [
            (
                2,
                ChatAction::Text(r#"{"type":"userLeft","userId":"alice"}"#.into())
            ),
            (1, ChatAction::Close(CloseCode::GoingAway)),
        ]
    );
    assert!(h.events().contains(&ChatEvent::ConnectionClosed {
        conn: ConnectionId(1),
        reason: CloseReason::HeartbeatTimeout,
    }));
}

#[test]
fn pings_repeat_every_interval_while_the_silence_lasts() {
    let mut h = Harness::with(ChatConfig {
        heartbeat_interval: Duration::from_secs(10),
        heartbeat_timeout: Duration::from_secs(35),
        ..ChatConfig::default()
    });
    h.connect(1);
    let mut pings = 0;
    for _ in 0..34 {
        h.advance(Duration::from_secs(1));
        pings += h.drain().len();
    }
    assert_eq!(pings, 3);
    h.advance(Duration::from_secs(1));
    assert_eq!(h.drain(), [(1, ChatAction::Close(CloseCode::GoingAway))]);
}

#[test]
fn any_frame_postpones_the_heartbeat() {
    let mut h = Harness::new();
    h.connect(1);
    h.advance(Duration::from_secs(29));
    h.text(1, r#"{"type":"ping"}"#);
    h.drain();
    h.advance(Duration::from_secs(29));
    assert_eq!(h.drain(), []);
    assert_eq!(h.svc.poll_timeout(), Some(h.now() + Duration::from_secs(1)));
}

#[test]
fn close_all_sends_1001_to_everyone_without_user_left() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.connect_and_join(2, "lobby", "bob");
    h.drain();
    let now = h.now();
    h.svc.close_all(now);
    assert_eq!(
        h.drain(),
        [
            (1, ChatAction::Close(CloseCode::GoingAway)),
            (2, ChatAction::Close(CloseCode::GoingAway)),
        ]
    );
    assert_eq!(h.svc.stats(), Default::default());
}

#[test]
fn reset_forgets_blocks_and_counters() {
    let mut h = Harness::with(guard(1, Duration::from_secs(60)));
    let ip = IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9));
    h.connect_from(1, ip).unwrap();
    h.text(1, "x");
    let now = h.now();
    h.svc.reset(now);
    assert_eq!(h.svc.stats(), Default::default());
    assert_eq!(h.connect_from(2, ip), Ok(()));
}

#[test]
fn frames_from_a_closed_connection_are_ignored() {
    let mut h = Harness::new();
    h.connect(1);
    let now = h.now();
    h.svc.handle_closed(now, ConnectionId(1));
    h.text(1, r#"{"type":"ping"}"#);
    assert_eq!(h.drain(), []);
}

#[test]
fn health_has_the_seed_members_first_then_the_counters() {
    let mut h = Harness::new();
    h.connect_and_join(1, "lobby", "alice");
    h.advance(Duration::from_secs(5));
    let now = h.now();
    assert_eq!(
        h.svc.health(now, WALL_MS),
        r#"{"status":"healthy","timestamp":"2025-01-06T12:00:00.000Z","stats":{"uptime_seconds":5,"active_connections":1,"active_rooms":1,"total_users":1,"rate_limited":0,"violations":0,"blocked_ips":0,"refused_connections":0}}"#
    );
}
