//! The voice integration cases, written once, run against every server binary by
//! [`voice_integration_tests!`](crate::voice_integration_tests). Each starts its own server and
//! checks one behaviour of `conformance/spec/voice.md` (section numbers below are that file's)
//! or of the binary around it.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use hark_core::wire::voice::{AuthStatus, ErrorCode, Frame, Participant, VoicePacket};

use crate::audio_cases::refused_config;
use crate::{Server, TempDir, VoiceClient, token};

/// The secret of the voice test configuration (`config`).
pub const SECRET: &str = "voice-integration-secret";
/// Token lifetime for good clients.
const TTL: i64 = 3600;
/// The voice channel most cases use.
const ROOM: &str = "room";

/// An open channel `room` (where `mallory` is banned); every listener on an ephemeral port;
/// `extra_voice` appended to `[voice]`.
fn config_with(extra_voice: &str) -> String {
    format!(
        r#"jwt_secret = "{SECRET}"

[audio]
bind_addr = "127.0.0.1:0"

[voice]
management_addr = "127.0.0.1:0"
relay_addr = "127.0.0.1:0"
{extra_voice}

[chat]
bind_addr = "127.0.0.1:0"

[[channels]]
id = "{ROOM}"
banned = ["mallory"]
"#
    )
}

fn config() -> String {
    config_with("")
}

fn connect(server: &Server, name: &str) -> VoiceClient {
    VoiceClient::connect(
        server.voice_management_addr(),
        server.voice_relay_addr(),
        name,
    )
}

/// Clients for `names`, logged in one after the other; each earlier one has seen the later ones
/// join (§5.2), so every client's stream is quiet afterwards.
fn logged_in<const N: usize>(server: &Server, names: [&str; N]) -> [VoiceClient; N] {
    let mut clients: Vec<VoiceClient> = Vec::new();
    for name in names {
        let mut client = connect(server, name);
        let login = client.log_in(&token(SECRET, name, TTL));
        let others: Vec<u32> = login.participants.iter().map(|p| p.user_id).collect();
        let expected: Vec<u32> = clients.iter().map(VoiceClient::user_id).collect();
        assert_eq!(others, expected, "{name}'s participants");
        for earlier in &mut clients {
            earlier.expect(&Frame::UserJoined {
                user_id: login.user_id,
                username: name.to_owned(),
            });
        }
        clients.push(client);
    }
    clients.try_into().expect("N clients")
}

/// Every client joins `room` in turn (§5.3): each gets the members before it, the others see it
/// join.
fn join_room(clients: &mut [VoiceClient]) {
    for i in 0..clients.len() {
        let user_id = clients[i].user_id();
        clients[i].send(&Frame::JoinVoice {
            channel: ROOM.into(),
        });
        let members: Vec<u32> = clients[..i].iter().map(VoiceClient::user_id).collect();
        clients[i].expect(&Frame::JoinVoiceResponse {
            channel: ROOM.into(),
            members,
        });
        for (j, other) in clients.iter_mut().enumerate() {
            if j != i {
                other.expect(&Frame::UserJoinedVoice {
                    user_id,
                    channel: ROOM.into(),
                });
            }
        }
    }
}

/// Logged in, voice bound and in `room`.
fn in_room<const N: usize>(server: &Server, names: [&str; N]) -> [VoiceClient; N] {
    let mut clients = logged_in(server, names);
    for client in &clients {
        client.bind_voice();
    }
    join_room(&mut clients);
    clients
}

// ---- management ----

/// §5.2: a login is answered with a user id, a token and the others (with their state); the
/// others see it arrive, and leave when its connection closes (§5.6).
pub fn login_lists_the_others_and_presence_follows_connections(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice] = logged_in(&server, ["alice"]);
    assert_eq!(alice.login().participants, []);
    alice.send(&Frame::SetMute { muted: true });
    alice.expect(&Frame::UserMuted {
        user_id: alice.user_id(),
        muted: true,
    });

    let mut bob = connect(&server, "bob");
    let login = bob.log_in(&token(SECRET, "bob", TTL));
    assert_ne!(login.user_id, alice.user_id());
    assert_eq!(
        login.participants,
        [Participant {
            user_id: alice.user_id(),
            username: "alice".into(),
            muted: true,
            channel: String::new(),
        }]
    );
    alice.expect(&Frame::UserJoined {
        user_id: login.user_id,
        username: "bob".into(),
    });

    bob.hang_up();
    alice.expect(&Frame::UserLeft {
        user_id: login.user_id,
    });
    alice.sync();
}

/// §5.2, §10: a token signed with another secret is refused `invalid_token`, and the server
/// closes the connection after the Error; others can still log in.
pub fn a_forged_token_is_refused_and_the_connection_closed(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut mallory = connect(&server, "alice");
    mallory.send_login(&token("not-the-server-secret", "alice", TTL));
    mallory.expect_error(ErrorCode::InvalidToken);
    mallory.expect_closed();

    let [mut alice] = logged_in(&server, ["alice"]);
    alice.sync();
}

/// §5.5: chat reaches every member of the sender's channel, the sender included.
pub fn chat_reaches_every_member_of_the_channel(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut clients = in_room(&server, ["alice", "bob", "carol"]);
    let alice = clients[0].user_id();
    clients[0].send(&Frame::ChatSend {
        text: "hello room".into(),
    });
    for client in &mut clients {
        client.expect(&Frame::ChatMessage {
            user_id: alice,
            channel: ROOM.into(),
            text: "hello room".into(),
        });
        client.sync();
    }
}

// ---- relay ----

/// §6.1–§6.2: after UDP authentication and joining, a voice datagram reaches every other member,
/// byte for byte, and not the sender.
pub fn voice_fans_out_exact_bytes_to_the_other_members_not_the_sender(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob, mut carol] = in_room(&server, ["alice", "bob", "carol"]);

    let sent = alice.voice(b"alice frame \x00\x01\x7f\x80\xff");
    bob.expect_relayed(&sent);
    carol.expect_relayed(&sent);
    alice.sync_voice();

    let sent = carol.voice(&[0x55; 480]);
    alice.expect_relayed(&sent);
    bob.expect_relayed(&sent);
    carol.sync_voice();
    bob.sync_voice();
}

/// §6.3: voice from an address that has not authenticated is answered `not_authenticated`, never
/// relayed.
pub fn voice_from_an_unbound_address_is_answered_not_authenticated(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut clients = logged_in(&server, ["alice", "bob"]);
    clients[0].bind_voice();
    join_room(&mut clients);
    let [alice, bob] = &mut clients;

    bob.voice(b"never bound");
    bob.expect_packet(&VoicePacket::AuthResponse {
        status: AuthStatus::NOT_AUTHENTICATED,
        user_id: 0,
    });
    alice.sync_voice();
}

// ---- the driver ----

/// §9: a client that never reads is dropped once its queue is full; the others are served all
/// along and see it leave (§5.6); the server counts the drop.
pub fn a_client_that_never_reads_is_dropped_and_the_others_keep_chatting(bin: &Path) {
    let fast = "{ per_second = 1000000, burst = 1000000 }";
    let server = Server::start(
        bin,
        &config_with(&format!(
            "send_queue_bytes = 65537\nmax_chat_len = 4000\nframe_rate = {fast}\nchat_rate = {fast}\n"
        )),
    );
    let [mut alice, mut bob, mut carol] = in_room(&server, ["alice", "bob", "carol"]);
    let (alice_id, bob_id) = (alice.user_id(), bob.user_id());
    let text = "x".repeat(4000);
    let message = Frame::ChatMessage {
        user_id: alice_id,
        channel: ROOM.into(),
        text: text.clone(),
    };

    // Bob reads nothing from here on. His kernel buffers fill, then his queue, then he is dropped.
    // Alice and carol must get every message all along, and see bob leave (§5.6) once.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sent = 0u32;
    let mut left = [Departure::Present; 2];
    while left != [Departure::Gone; 2] {
        assert!(
            Instant::now() < deadline,
            "bob was not dropped after {sent} chat messages of {} bytes",
            text.len()
        );
        alice.send(&Frame::ChatSend { text: text.clone() });
        sent += 1;
        for (client, departure) in [&mut alice, &mut carol].into_iter().zip(&mut left) {
            loop {
                let frame = client.expect_frame("the chat message, or bob leaving");
                if frame == message {
                    break;
                }
                *departure = match (&frame, *departure) {
                    (Frame::UserLeftVoice { user_id, channel }, Departure::Present)
                        if *user_id == bob_id && channel == ROOM =>
                    {
                        Departure::LeftVoice
                    }
                    (Frame::UserLeft { user_id }, Departure::LeftVoice) if *user_id == bob_id => {
                        Departure::Gone
                    }
                    _ => panic!("{}: unexpected {frame:?}", client.name()),
                };
            }
        }
    }
    alice.sync();
    carol.sync();
    // Bob reads what had reached him, then the end of the stream.
    bob.expect_closed_within(Duration::from_secs(10), |frame| *frame == message);
    let stats = server.admin(bin, "stats");
    assert!(
        stats.contains("\"slow_clients_dropped\": 1"),
        "after {sent} messages: {stats}"
    );
}

/// How far a peer has seen bob go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Departure {
    Present,
    LeftVoice,
    Gone,
}

/// §7: an operator's ban applies to the voice service too: the banned member is told `banned`
/// and everyone sees it leave the channel; its voice is no longer relayed.
pub fn admin_ban_removes_the_member_from_voice(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob] = in_room(&server, ["alice", "bob"]);
    server.admin(bin, "ban room bob");
    bob.expect_error(ErrorCode::Banned);
    let left = Frame::UserLeftVoice {
        user_id: bob.user_id(),
        channel: ROOM.into(),
    };
    bob.expect(&left);
    alice.expect(&left);

    bob.voice(b"banned voice");
    bob.sync_voice();
    alice.sync_voice();
    bob.sync();
}

/// An admin `reset` ends every voice connection with `server_closing`, as a restart would.
pub fn admin_reset_closes_every_connection_with_server_closing(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob] = logged_in(&server, ["alice", "bob"]);
    server.admin(bin, "reset");
    for client in [&mut alice, &mut bob] {
        client.expect_error(ErrorCode::ServerClosing);
        client.expect_closed();
    }
    let [mut alice] = logged_in(&server, ["alice"]);
    alice.sync();
}

/// §5.6: SIGTERM sends `server_closing` to every connection, logged in or not, closes them and
/// exits 0 within a second.
pub fn sigterm_sends_server_closing_to_every_connection_and_exits_zero(bin: &Path) {
    let mut server = Server::start(bin, &config());
    let [mut alice] = logged_in(&server, ["alice"]);
    let mut stranger = connect(&server, "stranger");
    stranger.sync();

    let signalled = Instant::now();
    let status = server.stop();
    let took = signalled.elapsed();

    for client in [&mut alice, &mut stranger] {
        client.expect_error(ErrorCode::ServerClosing);
        client.expect_closed();
    }
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(
        took <= Duration::from_secs(1),
        "took {took:?} to exit after SIGTERM"
    );
}

/// A free port on 127.0.0.1 for `kind` (the socket is closed again before the server binds it).
fn free_port(tcp: bool) -> u16 {
    if tcp {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free TCP port")
    } else {
        UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .map(|a| a.port())
            .expect("no free UDP port")
    }
}

/// The seed's `MANAGEMENT_PORT` and `VOICE_RELAY_PORT` choose the ports (on the configured
/// address); the voice service serves alone when audio is disabled.
pub fn management_and_relay_ports_come_from_the_environment(bin: &Path) {
    let dir = TempDir::new();
    let config = dir.path().join("hark.toml");
    let toml = format!(
        "jwt_secret = \"{SECRET}\"\n\n[audio]\nenabled = false\n\n[voice]\n\
         management_addr = \"127.0.0.1:1\"\nrelay_addr = \"127.0.0.1:1\"\n\n\
         [chat]\nbind_addr = \"127.0.0.1:0\"\n\n[[channels]]\nid = \"{ROOM}\"\n"
    );
    std::fs::write(&config, toml).unwrap();
    let (management, relay) = (free_port(true), free_port(false));
    let ports = [
        ("MANAGEMENT_PORT", management.to_string()),
        ("VOICE_RELAY_PORT", relay.to_string()),
    ];
    let envs: Vec<(&str, &str)> = ports.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        "serve".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
    ];
    let server = Server::start_with_env(bin, args, &envs);
    let localhost = |port| SocketAddr::from(([127, 0, 0, 1], port));
    assert_eq!(server.voice_management_addr(), localhost(management));
    assert_eq!(server.voice_relay_addr(), localhost(relay));
    assert!(
        server
            .process()
            .stdout()
            .iter()
            .all(|line| !line.contains("audio listening")),
        "audio is disabled"
    );
    let [mut alice] = in_room(&server, ["alice"]);
    alice.sync_voice();
}

/// A voice setting that cannot work stops start-up with one line naming the key.
pub fn bad_voice_setting_fails_startup_naming_the_key(bin: &Path) {
    let line = refused_config(bin, &config_with("send_queue_bytes = 10"), &[]);
    assert!(line.contains("voice.send_queue_bytes"), "{line:?}");
}

/// A port that is not a port stops start-up with one line naming the variable.
pub fn bad_port_in_the_environment_fails_startup_naming_the_variable(bin: &Path) {
    let line = refused_config(bin, &config(), &[("VOICE_RELAY_PORT", "ninety")]);
    assert!(line.contains("VOICE_RELAY_PORT"), "{line:?}");
}
