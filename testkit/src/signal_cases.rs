//! The signal integration cases, written once, run against every server binary by
//! [`signal_integration_tests!`](crate::signal_integration_tests). Each starts its own server and
//! checks one behaviour of `conformance/spec/signal.md` (section numbers below are that file's)
//! or of the binary around it, over real sockets. The protocol's every rule is the conformance
//! vectors' job; these show that the driver carries it.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::audio_cases::refused_config;
use crate::chat_client::{http_exchange, http_request};
use crate::sfu_standin::{FAKE_CANDIDATE, FAKE_OFFER_SDP, SfuStandIn, stream_id_for};
use crate::signal_client::{SOCKET_IO_PATH, SignalClient};
use crate::{STOP_DEADLINE, Server, token};

/// The suite's secret in every case's configuration.
const SECRET: &str = "signal-test-secret";
/// The channel of every case: the demo channel served when none is configured.
const CHANNEL: &str = "demo";
/// How long a close frame may take to arrive.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);
/// The `SERVER_TOKEN` of cases with an SFU.
const SFU_TOKEN: &str = "sfu-token";

/// Only signal, on an ephemeral port; `extra` appended to `[signal]`.
fn config_with(extra: &str) -> String {
    format!(
        "jwt_secret = \"{SECRET}\"\n\n[audio]\nenabled = false\n\n[voice]\nenabled = false\n\n\
         [chat]\nenabled = false\n\n[signal]\nenabled = true\nbind_addr = \"127.0.0.1:0\"\n{extra}\n"
    )
}

fn config() -> String {
    config_with("")
}

fn auth(user: &str) -> Value {
    json!({"token": token(SECRET, user, 3600)})
}

/// Clients for `users`, admitted and joined to [`CHANNEL`] one after the other; each has read
/// its `users` and `voice_unavailable`, and every earlier one the later ones' `user-joined`.
fn joined<const N: usize>(addr: SocketAddr, users: [&str; N]) -> [SignalClient; N] {
    let mut clients: Vec<SignalClient> = Vec::new();
    for user in users {
        let (mut client, _info) = SignalClient::admitted(addr, &auth(user));
        client.emit("join", &[json!({"channelID": CHANNEL})]);
        let listed = client.expect_event("users");
        let last = listed.as_array().and_then(|list| list.last()).cloned();
        assert_eq!(last.map(|u| u["id"].clone()), Some(json!(user)));
        assert_eq!(
            client.expect_event("error")["error"],
            "voice_unavailable",
            "no SFU is configured"
        );
        for earlier in &mut clients {
            assert_eq!(earlier.expect_event("user-joined")["id"], user);
        }
        clients.push(client);
    }
    clients.try_into().expect("N clients")
}

/// An upgrade request at `target` with `origin`, for answers other than `101`.
fn upgrade_request(addr: SocketAddr, target: &str, origin: &str) -> String {
    format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Origin: {origin}\r\n\r\n"
    )
}

/// §2: the first frame is the open packet with engine.io's defaults and no upgrades.
pub fn the_session_opens_with_the_open_packet(bin: &Path) {
    let server = Server::start(bin, &config());
    let client = SignalClient::connect(server.signal_addr());
    let open = &client.open;
    assert_eq!(open["upgrades"], json!([]));
    assert_eq!(open["pingInterval"], 25000);
    assert_eq!(open["pingTimeout"], 20000);
    assert_eq!(open["maxPayload"], 1_000_000);
    assert!(open["sid"].as_str().is_some_and(|sid| !sid.is_empty()));
}

/// §3, §4: CONNECT with a valid token is acknowledged with a `sid`, then `info` (§5.2).
pub fn connect_with_a_token_is_acknowledged_then_info(bin: &Path) {
    let server = Server::start(bin, &config_with("server_name = \"techial.example.com\""));
    let mut client = SignalClient::connect(server.signal_addr());
    client.send_connect(&auth("ada"));
    let ack = client.recv_packet();
    let ack: Value = serde_json::from_str(ack.strip_prefix('0').expect("CONNECT")).unwrap();
    assert!(ack["sid"].is_string(), "{ack}");
    let info = client.expect_event("info");
    assert_eq!(info["name"], "techial.example.com");
    assert_eq!(info["members"], "1");
    assert_eq!(info["channels"][0]["id"], CHANNEL);
}

/// §4: a token signed with another secret is refused with CONNECT_ERROR `invalid_token`.
pub fn a_bad_token_is_refused_with_connect_error(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut client = SignalClient::connect(server.signal_addr());
    client.send_connect(&json!({"token": token("another secret", "ada", 3600)}));
    assert_eq!(
        client.recv_packet(),
        r#"4{"message":"Invalid or expired token","data":{"error":"invalid_token","message":"Invalid or expired token"}}"#
    );
}

/// §6: the joiner gets `users`, the room `user-joined`; `updateMute` is a `user-updated` to
/// everyone in the room.
pub fn joiners_see_each_other_and_mute_reaches_the_room(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut ada, mut bob] = joined(server.signal_addr(), ["ada", "bob"]);
    bob.emit("updateMute", &[json!(true)]);
    for client in [&mut ada, &mut bob] {
        let updated = client.expect_event("user-updated");
        assert_eq!(updated["id"], "bob");
        assert_eq!(updated["isMuted"], true);
    }
}

/// §5.2, §8.6: with no SFU configured, a join works for presence and the joiner is told voice
/// is unavailable right after `users`.
pub fn a_join_without_an_sfu_is_told_voice_is_unavailable(bin: &Path) {
    let server = Server::start(bin, &config());
    let (mut ada, _) = SignalClient::admitted(server.signal_addr(), &auth("ada"));
    ada.emit("join", &[json!({"channelID": CHANNEL})]);
    let users = ada.expect_event("users");
    assert_eq!(users[0]["hasJoinedChannel"], true);
    assert_eq!(
        ada.expect_event("error"),
        json!({"error": "voice_unavailable", "message": "Voice is unavailable"})
    );
}

/// §8: with an SFU, hark says `hello` and, after `welcome`, announces a joiner; the SFU's `offer`
/// reaches the joiner, whose `answer` reaches the SFU, and the SFU's `ice-candidate`,
/// `connected` and `track-added` reach the joiner (the last two as `user-updated`).
pub fn the_sfu_link_relays_a_joiners_negotiation(bin: &Path) {
    let sfu = SfuStandIn::start(([127, 0, 0, 1], 0).into(), SFU_TOKEN).unwrap();
    let link = format!(
        "sfu_ws_host = \"{}\"\nserver_token = \"{SFU_TOKEN}\"",
        sfu.url()
    );
    let server = Server::start(bin, &config_with(&link));
    let addr = server.signal_addr();
    wait_until_the_sfu_link_is_up(addr);
    let (mut ada, _) = SignalClient::admitted(addr, &auth("ada"));
    ada.emit("join", &[json!({"channelID": CHANNEL})]);
    assert_eq!(ada.expect_event("users")[0]["id"], "ada");
    assert_eq!(
        ada.expect_event("offer"),
        json!({"type": "offer", "sdp": FAKE_OFFER_SDP})
    );
    ada.emit("answer", &[json!({"type": "answer", "sdp": "v=0\r\n"})]);
    assert_eq!(
        ada.expect_event("ice-candidate")["candidate"],
        FAKE_CANDIDATE
    );
    assert_eq!(ada.expect_event("user-updated")["isConnectedToVoice"], true);
    let streamed = ada.expect_event("user-updated");
    let types: Vec<Value> = sfu.received().iter().map(|m| m["type"].clone()).collect();
    assert_eq!(types, [json!("hello"), json!("join"), json!("answer")]);
    let peer = sfu.received()[1]["peerID"].as_str().unwrap().to_owned();
    assert_eq!(streamed["streamID"], stream_id_for(&peer));
}

/// Polls `/health` until it names the SFU link up (§9.1).
fn wait_until_the_sfu_link_is_up(addr: SocketAddr) {
    let deadline = Instant::now() + CLOSE_DEADLINE;
    while http_request(addr, "GET", "/health").json()["sfu"] != "up" {
        assert!(Instant::now() < deadline, "the SFU link did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// §1: polling is refused with engine.io's code 0 as JSON.
pub fn polling_is_refused_400_code_0(bin: &Path) {
    let server = Server::start(bin, &config());
    let response = http_request(
        server.signal_addr(),
        "GET",
        "/socket.io/?EIO=4&transport=polling&t=NkJ3x1b",
    );
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.json(),
        json!({"code": 0, "message": "Transport unknown"})
    );
}

/// §9.2: an upgrade whose `Origin` is not in `CORS_ORIGIN` is refused with code 3; a listed one
/// opens a session.
pub fn an_origin_outside_cors_origin_is_refused_code_3(bin: &Path) {
    let server =
        Server::start_with_config_env(bin, &config(), &[("CORS_ORIGIN", "https://app.example")]);
    let addr = server.signal_addr();
    let refused = http_exchange(
        addr,
        &upgrade_request(addr, SOCKET_IO_PATH, "https://evil.example"),
    );
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json(), json!({"code": 3, "message": "Bad request"}));
    let client = SignalClient::connect(addr);
    assert!(client.open["sid"].is_string(), "no Origin is allowed");
}

/// §9.1: `GET /health` answers the service's counters.
pub fn health_answers_the_counters(bin: &Path) {
    let server = Server::start(bin, &config());
    let _clients = joined(server.signal_addr(), ["ada"]);
    let response = http_request(server.signal_addr(), "GET", "/health");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"status": "ok", "connections": 1, "users": 1, "rooms": 1, "sfu": "disabled"})
    );
}

/// §9.1: the debug pages are 404 by default.
pub fn debug_pages_are_not_found_by_default(bin: &Path) {
    let server = Server::start(bin, &config());
    for path in ["/debug/rooms", "/debug/users", "/debug/connections"] {
        let response = http_request(server.signal_addr(), "GET", path);
        assert_eq!(response.status, 404, "{path}");
    }
}

/// §9.1: with `NODE_ENV=development` the debug pages list rooms, users and connections.
pub fn debug_pages_are_served_in_development_mode(bin: &Path) {
    let server = Server::start_with_config_env(bin, &config(), &[("NODE_ENV", "development")]);
    let addr = server.signal_addr();
    let _clients = joined(addr, ["ada"]);
    let rooms = http_request(addr, "GET", "/debug/rooms");
    assert_eq!(rooms.status, 200);
    assert_eq!(
        rooms.json(),
        json!([{"id": "hark_demo", "channel": CHANNEL, "members": ["ada"]}])
    );
    let users = http_request(addr, "GET", "/debug/users").json();
    assert_eq!(users[0]["id"], "ada");
    let connections = http_request(addr, "GET", "/debug/connections").json();
    assert_eq!(connections[0]["ip"], "127.0.0.1");
    assert_eq!(connections[0]["userID"], "ada");
}

/// §2: the server pings every `pingInterval`; a client that answers stays connected.
pub fn heartbeat_pings_are_answered_and_the_session_stays(bin: &Path) {
    let server = Server::start(
        bin,
        &config_with("ping_interval = \"200ms\"\nping_timeout = \"2s\""),
    );
    let mut client = SignalClient::connect(server.signal_addr());
    for _ in 0..3 {
        assert_eq!(client.recv_frame(), "2");
        client.send_text("3");
    }
    client.send_connect(&auth("ada"));
    assert!(client.recv_packet().starts_with("0{"));
}

/// §7.2 with the seed's `SERVER_JOIN` (5:60000:60000:2:8:5000): CONNECTs from one IP in a burst
/// score 2, 4, 6, 8; the fifth scores 10 and is refused with a 60 s ban.
pub fn a_burst_of_connects_from_one_ip_is_rate_limited(bin: &Path) {
    let server = Server::start(bin, &config());
    let addr = server.signal_addr();
    let _admitted: Vec<(SignalClient, Value)> = (0..4)
        .map(|i| SignalClient::admitted(addr, &auth(&format!("user{i}"))))
        .collect();
    let mut fifth = SignalClient::connect(addr);
    fifth.send_connect(&auth("user4"));
    let refusal = fifth.recv_packet();
    let refusal: Value =
        serde_json::from_str(refusal.strip_prefix('4').expect("CONNECT_ERROR")).unwrap();
    assert_eq!(refusal["data"]["error"], "rate_limited");
    assert_eq!(refusal["data"]["retryAfterMs"], 60000);
    assert_eq!(
        refusal["message"],
        "You're doing things too quickly. Please wait 60 seconds."
    );
}

/// §10.1: SIGTERM sends every session Engine.IO `1`, closes it with 1001, and exits 0.
pub fn sigterm_closes_every_session_with_1001(bin: &Path) {
    let mut server = Server::start(bin, &config());
    let [mut ada] = joined(server.signal_addr(), ["ada"]);
    let mut idle = SignalClient::connect(server.signal_addr());
    let status = server.stop();
    assert!(status.success(), "exit status {status:?}");
    for client in [&mut ada, &mut idle] {
        assert_eq!(client.recv_frame(), "1");
        assert_eq!(client.expect_close(STOP_DEADLINE), Some(1001));
    }
}

/// The admin socket's `stats` counts signal sessions; `reset` closes them with 1001.
pub fn admin_reset_closes_every_session_and_stats_count_them(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut ada] = joined(server.signal_addr(), ["ada"]);
    let signal = |server: &Server| server.admin_stats(bin)["signal"].clone();
    assert_eq!(signal(&server)["connections"], 1);
    assert_eq!(signal(&server)["room_members"], 1);
    server.admin(bin, "reset");
    assert_eq!(ada.expect_close(CLOSE_DEADLINE), Some(1001));
    assert_eq!(signal(&server)["connections"], 0);
}

/// `SIGNAL_PORT` chooses the port (on the configured address).
pub fn signal_port_comes_from_the_environment(bin: &Path) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free TCP port");
    let server = Server::start_with_config_env(
        bin,
        &config(),
        &[("SIGNAL_PORT", port.to_string().as_str())],
    );
    assert_eq!(
        server.signal_addr(),
        SocketAddr::from(([127, 0, 0, 1], port))
    );
}

/// §9.3: a malformed variable stops start-up with a line naming it.
pub fn a_bad_environment_value_fails_startup_naming_the_variable(bin: &Path) {
    for (name, value) in [
        ("SERVER_INVITE_ONLY", "maybe"),
        ("RATE_LIMIT_SERVER_JOIN", "5:60000:"),
        ("SIGNAL_PORT", "five"),
    ] {
        let line = refused_config(bin, &config(), &[(name, value)]);
        assert!(line.contains(name), "{name}: {line:?}");
    }
}
