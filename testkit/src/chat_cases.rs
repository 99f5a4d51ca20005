//! The chat integration cases, written once, run against every server binary by
//! [`chat_integration_tests!`](crate::chat_integration_tests). Each starts its own server and
//! checks one behaviour of `conformance/spec/chat.md` (section numbers below are that file's) or
//! of the binary around it. The protocol's every rule is the conformance vectors' job; these show
//! that the driver carries it over real sockets.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::audio_cases::refused_config;
use crate::chat_client::{ChatClient, http_exchange, http_request, upgrade_request};
use crate::{STOP_DEADLINE, Server};

/// How long a close frame may take to arrive.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);
/// The room most cases use.
const ROOM: &str = "lobby";

/// Only chat, on an ephemeral port; `extra_chat` appended to `[chat]`.
fn config_with(extra_chat: &str) -> String {
    format!(
        "[audio]\nenabled = false\n\n[voice]\nenabled = false\n\n[chat]\nbind_addr = \"127.0.0.1:0\"\n{extra_chat}\n"
    )
}

fn config() -> String {
    config_with("")
}

/// Clients for `ids`, joined to [`ROOM`] one after the other; each has read its `userList` and
/// every earlier one the later ones' `userJoined` (§5), so every stream is quiet afterwards.
fn joined<const N: usize>(server: &Server, ids: [&str; N]) -> [ChatClient; N] {
    let mut clients: Vec<ChatClient> = Vec::new();
    for id in ids {
        let mut client = ChatClient::connect(server.chat_addr());
        client.join(ROOM, id, &id.to_uppercase());
        let list = client.expect_type("userList");
        let listed: Vec<&str> = list["users"]
            .as_array()
            .expect("users is an array")
            .iter()
            .map(|user| user["id"].as_str().expect("a user id"))
            .collect();
        assert_eq!(listed.last(), Some(&id), "the joiner is listed last");
        for earlier in &mut clients {
            let joined = earlier.expect_type("userJoined");
            assert_eq!(joined["user"]["id"], id);
        }
        clients.push(client);
    }
    clients.try_into().expect("N clients")
}

/// §3, §5: the joiner gets `userList` with itself, the others `userJoined`; a `message` reaches
/// everyone in the room, the sender included, with one id and timestamp.
pub fn joiners_get_the_user_list_and_messages_reach_the_whole_room(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut alice = ChatClient::connect(server.chat_addr());
    alice.join(ROOM, "alice", "Alice");
    assert_eq!(
        alice.recv(),
        json!({"type": "userList", "users": [{"id": "alice", "name": "Alice", "avatar": null}]})
    );
    let mut bob = ChatClient::connect(server.chat_addr());
    bob.join(ROOM, "bob", "Bob");
    assert_eq!(
        bob.expect_type("userList")["users"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        alice.recv(),
        json!({"type": "userJoined", "user": {"id": "bob", "name": "Bob", "avatar": null}})
    );

    bob.message("Y2lwaGVydGV4dA==");
    let to_alice = alice.expect_type("message");
    let to_bob = bob.expect_type("message");
    assert_eq!(to_alice, to_bob);
    assert_eq!(to_alice["content"], "Y2lwaGVydGV4dA==");
    assert_eq!(to_alice["user"]["id"], "bob");
    let id = to_alice["id"].as_str().expect("a message id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let timestamp = to_alice["timestamp"].as_str().expect("a timestamp");
    assert!(
        timestamp.ends_with('Z') && timestamp.len() == 24,
        "{timestamp}"
    );
}

/// §8: `GET /` and `GET /health` answer `200` with the seed's members first, then hark's.
pub fn health_answers_the_seed_json_at_root_and_health(bin: &Path) {
    let server = Server::start(bin, &config());
    let _alice = joined(&server, ["alice"]);
    for path in ["/", "/health", "/health?verbose=1"] {
        let response = http_request(server.chat_addr(), "GET", path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(
            response.header("content-length"),
            Some(response.body.len().to_string().as_str())
        );
        let health = response.json();
        assert_eq!(health["status"], "healthy");
        assert!(health["timestamp"].is_string());
        let members = [
            "uptime_seconds",
            "active_connections",
            "active_rooms",
            "total_users",
            "rate_limited",
        ];
        let at: Vec<Option<usize>> = members
            .iter()
            .map(|member| response.body.find(&format!("\"{member}\":")))
            .collect();
        assert!(
            at.iter().all(Option::is_some) && at.is_sorted(),
            "the seed's members first, then hark's: {}",
            response.body
        );
        let stats = &health["stats"];
        assert_eq!(stats["active_connections"], 1);
        assert_eq!(stats["total_users"], 1);
    }
}

/// §1: other paths are `404`, other methods `405` (with `Allow`), `/ws` without an upgrade `426`;
/// each with a JSON body and `Connection: close`.
pub fn other_paths_methods_and_plain_requests_on_ws_are_refused_with_json(bin: &Path) {
    let server = Server::start(bin, &config());
    let addr = server.chat_addr();
    let cases = [
        ("GET", "/nowhere", 404, json!({"error": "not found"})),
        (
            "POST",
            "/health",
            405,
            json!({"error": "method not allowed"}),
        ),
        ("GET", "/ws", 426, json!({"error": "upgrade required"})),
    ];
    for (method, path, status, body) in cases {
        let response = http_request(addr, method, path);
        assert_eq!(response.status, status, "{method} {path}");
        assert_eq!(response.json(), body, "{method} {path}");
        assert_eq!(response.header("connection"), Some("close"));
    }
    assert_eq!(
        http_request(addr, "DELETE", "/ws").header("allow"),
        Some("GET")
    );
}

/// A request head that is not HTTP is answered `400`, one beyond the bound `431`.
pub fn malformed_and_oversized_request_heads_are_refused(bin: &Path) {
    let server = Server::start(bin, &config());
    let addr = server.chat_addr();
    let garbage = http_exchange(addr, "\u{1}\u{2} nonsense\r\n\r\n");
    assert_eq!(garbage.status, 400);
    assert!(garbage.json()["error"].is_string());
    let filler = "a".repeat(9 * 1024);
    let huge = http_exchange(
        addr,
        &format!("GET / HTTP/1.1\r\nX-Filler: {filler}\r\n\r\n"),
    );
    assert_eq!(huge.status, 431);
    assert!(huge.json()["error"].is_string());
}

/// §7: with `RATE_LIMIT_CONNECTION_LIMIT_PER_IP=2`, a third connection from the same IP is
/// refused `429` with `{"error":"TOO_MANY_CONNECTIONS"}`; the open ones keep working.
pub fn connections_beyond_the_per_ip_limit_are_refused_429(bin: &Path) {
    let server = Server::start_with_config_env(
        bin,
        &config(),
        &[("RATE_LIMIT_CONNECTION_LIMIT_PER_IP", "2")],
    );
    let [mut alice, _bob] = joined(&server, ["alice", "bob"]);
    let refused = http_exchange(server.chat_addr(), &upgrade_request(server.chat_addr()));
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json(), json!({"error": "TOO_MANY_CONNECTIONS"}));
    assert_eq!(refused.header("content-type"), Some("application/json"));
    assert!(alice.sync().is_empty());
}

/// Connections still in their request head are bounded (`chat.max_pending_requests`): beyond
/// the bound a new connection is closed unanswered; once the silent ones go, requests are served
/// again.
pub fn connections_silent_in_their_request_head_are_bounded(bin: &Path) {
    let server = Server::start(bin, &config_with("max_pending_requests = 2"));
    let addr = server.chat_addr();
    let silent: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    let mut third = TcpStream::connect(addr).expect("connect");
    third
        .set_read_timeout(Some(CLOSE_DEADLINE))
        .expect("timeout");
    let mut byte = [0u8; 1];
    match third.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the third connection was not closed at once: {other:?}"),
    }
    drop(silent);
    let deadline = Instant::now() + CLOSE_DEADLINE;
    loop {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(CLOSE_DEADLINE))
            .expect("timeout");
        let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        let answered = stream.write_all(request.as_bytes()).is_ok()
            && stream.read(&mut byte).is_ok_and(|n| n == 1);
        if answered {
            break;
        }
        assert!(Instant::now() < deadline, "requests are not served again");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// §7 slow readers: a client that never reads is closed with 1008 once its queue is full, its
/// room hears it left, and the others keep receiving.
pub fn a_client_that_never_reads_is_closed_1008_and_the_room_keeps_talking(bin: &Path) {
    let server = Server::start_with_config_env(
        bin,
        &config_with("send_queue_bytes = 65536"),
        &[("RATE_LIMIT_MESSAGE_LIMIT", "100000")],
    );
    let [mut sleepy, mut bob] = joined(&server, ["sleepy", "bob"]);
    let content = "A".repeat(8 * 1024);
    let mut left = None;
    for _ in 0..4000 {
        bob.message(&content);
        loop {
            let value = bob.recv();
            match value["type"].as_str() {
                Some("message") => break,
                Some("userLeft") => left = Some(value),
                _ => panic!("unexpected {value}"),
            }
        }
        if left.is_some() {
            break;
        }
    }
    let left = left.expect("the reader that never reads was never dropped");
    assert_eq!(left, json!({"type": "userLeft", "userId": "sleepy"}));

    bob.message("c3RpbGwgaGVyZQ==");
    assert_eq!(bob.expect_type("message")["content"], "c3RpbGwgaGVyZQ==");
    assert_eq!(sleepy.expect_close(CLOSE_DEADLINE), Some(1008));
}

/// A message beyond the transport's bound (4 × `max_message_size`, at least 64 KiB) is answered
/// `MESSAGE_TOO_LARGE` and the connection closed with 1009.
pub fn a_message_beyond_the_transport_bound_is_answered_and_closed_1009(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob] = joined(&server, ["alice", "bob"]);
    alice.send_text(&"x".repeat(70 * 1024));
    let error = alice.expect_type("error");
    assert_eq!(error["code"], "MESSAGE_TOO_LARGE");
    assert_eq!(alice.expect_close(CLOSE_DEADLINE), Some(1009));
    assert_eq!(bob.recv(), json!({"type": "userLeft", "userId": "alice"}));
}

/// A text frame that is not UTF-8 breaks RFC 6455: the connection is closed with 1007 and leaves
/// its room.
pub fn a_text_frame_that_is_not_utf8_is_closed_1007(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob] = joined(&server, ["alice", "bob"]);
    alice.send_raw_text(b"\xff\xfe");
    assert_eq!(alice.expect_close(CLOSE_DEADLINE), Some(1007));
    assert_eq!(bob.recv(), json!({"type": "userLeft", "userId": "alice"}));
}

/// §7: SIGTERM sends every connection a close frame with 1001 and the server exits 0.
pub fn sigterm_sends_1001_to_every_connection_and_exits_zero(bin: &Path) {
    let mut server = Server::start(bin, &config());
    let [mut alice, mut bob] = joined(&server, ["alice", "bob"]);
    let mut idle = ChatClient::connect(server.chat_addr());
    assert!(idle.sync().is_empty());
    let status = server.stop();
    assert!(status.success(), "exit status {status:?}");
    for client in [&mut alice, &mut bob, &mut idle] {
        assert_eq!(client.expect_close(STOP_DEADLINE), Some(1001));
    }
}

/// The admin socket's `stats` counts chat connections; `reset` closes them (1001) and the
/// service serves afresh.
pub fn admin_reset_closes_every_connection_with_1001_and_stats_count_them(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice] = joined(&server, ["alice"]);
    let stats: Value = serde_json::from_str(&server.admin(bin, "stats")).expect("stats JSON");
    assert_eq!(stats["chat"]["active_connections"], 1);
    assert_eq!(stats["chat"]["total_users"], 1);

    server.admin(bin, "reset");
    assert_eq!(alice.expect_close(CLOSE_DEADLINE), Some(1001));
    let stats: Value = serde_json::from_str(&server.admin(bin, "stats")).expect("stats JSON");
    assert_eq!(stats["chat"]["active_connections"], 0);
    let [mut again] = joined(&server, ["alice"]);
    assert!(again.sync().is_empty());
}

/// The seed's `PORT` chooses the chat port (on the configured address).
pub fn port_comes_from_the_environment(bin: &Path) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free TCP port");
    let server =
        Server::start_with_config_env(bin, &config(), &[("PORT", port.to_string().as_str())]);
    assert_eq!(server.chat_addr(), SocketAddr::from(([127, 0, 0, 1], port)));
    let [mut alice] = joined(&server, ["alice"]);
    assert!(alice.sync().is_empty());
}

/// A rate limit in the environment that is not a number, or is zero, stops start-up with one
/// line naming the variable.
pub fn a_bad_rate_limit_in_the_environment_fails_startup_naming_the_variable(bin: &Path) {
    let line = refused_config(bin, &config(), &[("RATE_LIMIT_JOIN_LIMIT", "five")]);
    assert!(line.contains("RATE_LIMIT_JOIN_LIMIT"), "{line:?}");
    let line = refused_config(
        bin,
        &config(),
        &[("RATE_LIMIT_CONNECTION_LIMIT_PER_IP", "0")],
    );
    assert!(
        line.contains("RATE_LIMIT_CONNECTION_LIMIT_PER_IP"),
        "{line:?}"
    );
}
