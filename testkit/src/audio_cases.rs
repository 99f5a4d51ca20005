//! The integration cases, written once, run against every server binary by
//! [`audio_integration_tests!`](crate::audio_integration_tests). Each starts its own server and
//! checks one behaviour of `conformance/spec/audio.md` (section numbers below are that file's).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use hark_core::wire::audio::{Body, ErrorCode, PacketType};

use crate::{Client, Server, TempDir, assert_spec_error, run, token};

/// The secret of [`config`].
pub const SECRET: &str = "integration-test-secret";
/// Token lifetime for good clients.
const TTL: i64 = 3600;

/// The config most cases use: an open channel `room` (where `mallory` is banned) and a
/// members-only channel `priv` (only `alice`). The voice and chat services listen on ephemeral
/// ports too, so that servers of concurrent tests do not collide.
pub fn config() -> String {
    format!(
        r#"jwt_secret = "{SECRET}"

[audio]
bind_addr = "127.0.0.1:0"

[voice]
management_addr = "127.0.0.1:0"
relay_addr = "127.0.0.1:0"

[chat]
bind_addr = "127.0.0.1:0"

[[channels]]
id = "room"
banned = ["mallory"]

[[channels]]
id = "priv"
members = ["alice"]
"#
    )
}

/// Clients for `users` in `room`, each handshaken (JSON) and joined.
fn joined<const N: usize>(server: &Server, users: [&str; N]) -> [Client; N] {
    users.map(|user| {
        let mut client = Client::new(server.addr(), user, "room");
        client.enter(&token(SECRET, user, TTL));
        client
    })
}

/// Two new users can still handshake, join and talk.
fn assert_serves_others(server: &Server) {
    let [mut dave, erin] = joined(server, ["dave", "erin"]);
    let sent = dave.audio(b"still serving");
    erin.expect_relayed(&sent);
    dave.sync();
}

/// The next packet is `not_authenticated`, cut to fit the `request_len` bytes that caused it
/// (§7.5): the client has no session.
fn expect_not_authenticated(client: &Client, request_len: usize) {
    let (datagram, packet) = client.expect_datagram("Error not_authenticated");
    let Body::Error(error) = &packet.body else {
        panic!("expected Error not_authenticated, got {packet:?}");
    };
    assert_eq!(error.code(), ErrorCode::NotAuthenticated, "{packet:?}");
    assert!(
        "not authenticated: send a handshake".starts_with(error.message()),
        "{packet:?}"
    );
    assert!(
        datagram.len() <= request_len,
        "a {}-byte reply to a {request_len}-byte request without a session",
        datagram.len()
    );
}

// ---- handshake and session ----

/// §4 JSON credentials: acknowledged, and the session answers a Heartbeat (too short to be
/// answered without one, §7.5).
pub fn handshake_json_format_is_acknowledged(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut alice = Client::new(server.addr(), "alice", "room");
    alice.handshake_json(&token(SECRET, "alice", TTL));
    alice.expect_ack(PacketType::Handshake);
    alice.heartbeat();
    alice.expect_ack(PacketType::Heartbeat);
}

/// §4 legacy credentials (the bare token; the channel is the header's): acknowledged, and the
/// session works.
pub fn handshake_legacy_format_is_acknowledged(bin: &Path) {
    let server = Server::start(bin, &config());
    let mut alice = Client::new(server.addr(), "alice", "room");
    alice.handshake_legacy(&token(SECRET, "alice", TTL));
    alice.expect_ack(PacketType::Handshake);
    alice.join();
    alice.expect_ack(PacketType::JoinChannel);
}

/// §7.3 Audio: the datagram, every byte as sent, reaches every other active member and not the
/// sender.
pub fn joined_audio_fans_out_exact_bytes_to_the_others_not_the_sender(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, bob, mut carol] = joined(&server, ["alice", "bob", "carol"]);

    let sent = alice.audio(b"alice frame \x00\x01\x7f\x80\xff");
    bob.expect_relayed(&sent);
    carol.expect_relayed(&sent);
    alice.sync();

    let sent = carol.audio(&[0x55; 480]);
    alice.expect_relayed(&sent);
    bob.expect_relayed(&sent);
    carol.sync();
}

/// §7.3 SetMute: relayed unchanged to the others and acknowledged; a muted user's audio is not
/// forwarded (others' still is); unmuting is relayed and restores forwarding.
pub fn mute_is_relayed_and_silences_audio_until_unmute(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob, mut carol] = joined(&server, ["alice", "bob", "carol"]);

    let mute = alice.set_mute(true);
    alice.expect_ack(PacketType::SetMute);
    bob.expect_relayed(&mute);
    carol.expect_relayed(&mute);

    alice.audio(b"said while muted");
    bob.sync();
    carol.sync();
    alice.sync();
    let sent = bob.audio(b"bob is not muted");
    alice.expect_relayed(&sent);
    carol.expect_relayed(&sent);

    let unmute = alice.set_mute(false);
    alice.expect_ack(PacketType::SetMute);
    bob.expect_relayed(&unmute);
    carol.expect_relayed(&unmute);

    let sent = alice.audio(b"alice is back");
    bob.expect_relayed(&sent);
    carol.expect_relayed(&sent);
    alice.sync();
}

/// §7.3 LeaveChannel: acknowledged; the leaver gets no more audio and its audio is no longer
/// forwarded; the session stays (it still answers).
pub fn leave_stops_delivery_to_the_leaver(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob, mut carol] = joined(&server, ["alice", "bob", "carol"]);

    carol.leave();
    carol.expect_ack(PacketType::LeaveChannel);

    let sent = alice.audio(b"after carol left");
    bob.expect_relayed(&sent);
    carol.sync();

    carol.audio(b"carol, not joined");
    alice.sync();
    bob.sync();
}

// ---- refusals (§7.2): each answered with its Error; the server keeps serving ----

fn refused_handshake(bin: &Path, user: &str, channel: &str, token: &str, code: ErrorCode) {
    let server = Server::start(bin, &config());
    let mut client = Client::new(server.addr(), user, channel);
    client.handshake_json(token);
    let error = client.expect_error(code);
    assert_spec_error(&error, code);

    // No session was created: audio from that address is answered not_authenticated.
    let request = client.audio(&[0xAA; 32]);
    expect_not_authenticated(&client, request.len());

    assert_serves_others(&server);
}

/// A token signed with another secret: `invalid_token` (1).
pub fn wrong_secret_is_refused_invalid_token_and_others_are_served(bin: &Path) {
    let forged = token("not-the-server-secret", "bob", TTL);
    refused_handshake(bin, "bob", "room", &forged, ErrorCode::InvalidToken);
}

/// A token whose `exp` is an hour ago: `token_expired` (2).
pub fn expired_token_is_refused_token_expired_and_others_are_served(bin: &Path) {
    let expired = token(SECRET, "bob", -TTL);
    refused_handshake(bin, "bob", "room", &expired, ErrorCode::TokenExpired);
}

/// A user in the channel's `banned` list: `banned` (5).
pub fn banned_user_is_refused_banned_and_others_are_served(bin: &Path) {
    let good = token(SECRET, "mallory", TTL);
    refused_handshake(bin, "mallory", "room", &good, ErrorCode::Banned);
}

/// A user outside a members-only channel: `not_a_member` (4).
pub fn non_member_is_refused_not_a_member_and_others_are_served(bin: &Path) {
    let good = token(SECRET, "bob", TTL);
    refused_handshake(bin, "bob", "priv", &good, ErrorCode::NotAMember);
}

/// A channel that is not configured: `channel_not_found` (3).
pub fn unknown_channel_is_refused_channel_not_found_and_others_are_served(bin: &Path) {
    let good = token(SECRET, "bob", TTL);
    refused_handshake(bin, "bob", "nope", &good, ErrorCode::ChannelNotFound);
}

/// Deterministic filler bytes (xorshift).
fn noise(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_be_bytes()[0]
        })
        .collect()
}

/// §6, §7.5: garbage from an address without a session gets nothing or a `malformed_packet`
/// Error no larger than itself (nothing at all below 26 bytes); afterwards the sender can still
/// handshake and others are served.
pub fn garbage_gets_no_reply_larger_than_itself_and_others_are_served(bin: &Path) {
    let server = Server::start(bin, &config());

    // Too short for any reply: the handshake's Ack must be the first thing this address gets.
    let mut short = Client::new(server.addr(), "short", "room");
    for garbage in [vec![0x00], vec![0xFF; 20], noise(7, 25)] {
        short.send_raw(&garbage);
    }
    short.handshake_json(&token(SECRET, "short", TTL));
    short.expect_ack(PacketType::Handshake);

    // Long enough for a (cut) reply.
    let mut unknown_type = vec![0u8; 26];
    unknown_type[0] = 0xFF;
    let mut non_ascii_user = noise(11, 64);
    non_ascii_user[0] = PacketType::Audio.to_wire();
    non_ascii_user[5] = 0x80;
    let mut bad_length = vec![0u8; 200];
    bad_length[0] = PacketType::Handshake.to_wire();
    bad_length[5..10].copy_from_slice(b"long\0");
    bad_length[13..17].copy_from_slice(b"room");
    bad_length[21..23].copy_from_slice(&[0xFF, 0xFF]);
    let mut random = noise(23, 300);
    random[0] = 0x09;
    let requests = [unknown_type, non_ascii_user, bad_length, random];

    let mut long = Client::new(server.addr(), "long", "room");
    for garbage in &requests {
        long.send_raw(garbage);
    }
    long.handshake_json(&token(SECRET, "long", TTL));
    // Everything before the Ack answers the garbage, in order, at most once each.
    let mut pending = requests.iter();
    loop {
        let (datagram, packet) = long.expect_datagram("Ack(Handshake) after the garbage replies");
        match &packet.body {
            Body::Ack(ack) if ack.acked_type == PacketType::Handshake => break,
            Body::Error(error) if error.code() == ErrorCode::MalformedPacket => {
                assert!(
                    pending.any(|request| request.len() >= datagram.len()),
                    "{} bytes of reply exceed each garbage request it could answer: {packet:?}",
                    datagram.len()
                );
                assert!(
                    packet.header.user_id.is_empty() && packet.header.channel_id.is_empty(),
                    "a reply to an unparsable packet without a session names ids (§7.5): {packet:?}"
                );
            }
            _ => panic!("expected malformed_packet or Ack(Handshake), got {packet:?}"),
        }
    }

    assert_serves_others(&server);
}

// ---- operator ----

/// §7.6: `hark admin ban` ends the banned user's session with `banned`; the others keep talking;
/// the banned address no longer has a session and cannot handshake again.
pub fn admin_ban_ends_the_session_with_banned_and_others_keep_talking(bin: &Path) {
    let server = Server::start(bin, &config());
    let [mut alice, mut bob, mut carol] = joined(&server, ["alice", "bob", "carol"]);

    server.admin(bin, "ban room bob");
    let error = bob.expect_error(ErrorCode::Banned);
    assert_spec_error(&error, ErrorCode::Banned);

    let sent = alice.audio(b"bob is gone");
    carol.expect_relayed(&sent);
    alice.sync();

    // Bob's next packet is the answer to his own audio: alice's never reached him.
    let request = bob.audio(&[0x42; 32]);
    expect_not_authenticated(&bob, request.len());
    carol.sync();
    alice.sync();

    bob.handshake_json(&token(SECRET, "bob", TTL));
    assert_spec_error(&bob.expect_error(ErrorCode::Banned), ErrorCode::Banned);

    let sent = carol.audio(b"carol still talks");
    alice.expect_relayed(&sent);
}

/// `token --user U --config FILE` prints a token the server accepts.
pub fn token_command_prints_a_token_that_completes_a_handshake(bin: &Path) {
    let server = Server::start(bin, &config());
    let printed = run(
        bin,
        [
            "token".as_ref(),
            "--user".as_ref(),
            "alice".as_ref(),
            "--config".as_ref(),
            server.config_path().as_os_str(),
        ],
        &[],
    );
    assert!(
        printed.status.success(),
        "`token` failed: {:?} {:?}",
        printed.status,
        printed.stderr
    );
    let minted = printed
        .stdout
        .iter()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| line.trim().to_owned())
        .unwrap_or_else(|| panic!("`token` printed nothing: {printed:?}"));

    let mut alice = Client::new(server.addr(), "alice", "room");
    alice.enter(&minted);
}

/// Runs `serve` expecting it to refuse its configuration; returns the non-empty stderr line.
pub(crate) fn refused_config(bin: &Path, config_toml: &str, envs: &[(&str, &str)]) -> String {
    let dir = TempDir::new();
    let path = dir.path().join("hark.toml");
    std::fs::write(&path, config_toml).unwrap();
    let finished = run(
        bin,
        [
            "serve".as_ref(),
            "--config".as_ref(),
            path.as_os_str(),
            "--data-dir".as_ref(),
            dir.path().as_os_str(),
        ],
        envs,
    );
    assert!(
        !finished.status.success(),
        "serve accepted a bad configuration: {finished:?}"
    );
    assert!(
        finished.stdout.iter().all(|l| !l.contains("listening")),
        "serve started listening with a bad configuration: {finished:?}"
    );
    let lines: Vec<&String> = finished
        .stderr
        .iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    match lines.as_slice() {
        [line] => (*line).clone(),
        _ => panic!("expected one stderr line, got {:?}", finished.stderr),
    }
}

/// `AUDIO_MAX_PACKET_SIZE=8` (smaller than a header): exit non-zero, one stderr line naming it.
pub fn bad_environment_value_fails_startup_naming_the_key(bin: &Path) {
    let line = refused_config(bin, &config(), &[("AUDIO_MAX_PACKET_SIZE", "8")]);
    assert!(line.contains("AUDIO_MAX_PACKET_SIZE"), "{line:?}");
}

/// An unknown key in the file: exit non-zero, one stderr line naming it.
pub fn unknown_config_key_fails_startup_naming_the_key(bin: &Path) {
    let line = refused_config(bin, &format!("surprise_key = 1\n{}", config()), &[]);
    assert!(line.contains("surprise_key"), "{line:?}");
}

/// §7.7: SIGTERM sends `server_closing` to every session (joined or not) and exits 0 within 1 s.
pub fn sigterm_sends_server_closing_and_exits_zero_within_a_second(bin: &Path) {
    shutdown_sends_server_closing(bin, "TERM");
}

/// §7.7: SIGINT (Ctrl-C) does the same as SIGTERM.
pub fn sigint_sends_server_closing_and_exits_zero_within_a_second(bin: &Path) {
    shutdown_sends_server_closing(bin, "INT");
}

fn shutdown_sends_server_closing(bin: &Path, signal: &str) {
    let mut server = Server::start(bin, &config());
    let [alice, bob] = joined(&server, ["alice", "bob"]);
    let mut carol = Client::new(server.addr(), "carol", "room");
    carol.handshake_json(&token(SECRET, "carol", TTL));
    carol.expect_ack(PacketType::Handshake);

    let signalled = Instant::now();
    let status = server.stop_with(signal);
    let took = signalled.elapsed();

    for client in [&alice, &bob, &carol] {
        let error = client.expect_error(ErrorCode::ServerClosing);
        assert_spec_error(&error, ErrorCode::ServerClosing);
    }
    assert!(status.success(), "exit status after SIG{signal}: {status}");
    assert!(
        took <= Duration::from_secs(1),
        "took {took:?} to exit after SIG{signal}"
    );
}

/// No config file: the demo channel, a demo token for `guest` that works, a secret generated in
/// the data directory with mode 0600 and reused by the next start.
pub fn embedded_default_serves_the_demo_channel_with_a_persistent_secret(bin: &Path) {
    let dir = TempDir::new();
    let args = [
        "serve".as_ref(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
    ];
    let secret_path = dir.path().join("jwt_secret");

    // The voice and chat services' default ports would collide with other tests' servers.
    let ephemeral = [
        ("MANAGEMENT_PORT", "0"),
        ("VOICE_RELAY_PORT", "0"),
        ("PORT", "0"),
    ];
    let mut first = Server::start_with_env(bin, args, &ephemeral);
    let demo_token = first
        .stdout_line_after("demo token for user \"guest\"")
        .trim()
        .to_owned();
    let mut guest = Client::new(first.addr(), "guest", "demo");
    guest.enter(&demo_token);

    let mode = std::fs::metadata(&secret_path)
        .unwrap_or_else(|e| panic!("{}: {e}", secret_path.display()))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode of {}", secret_path.display());
    let secret = std::fs::read(&secret_path).unwrap();
    assert!(
        !String::from_utf8_lossy(&secret).trim().is_empty(),
        "empty secret"
    );
    assert!(first.stop().success(), "first server's exit");

    let second = Server::start_with_env(bin, args, &ephemeral);
    assert_eq!(
        std::fs::read(&secret_path).unwrap(),
        secret,
        "the secret changed on restart"
    );
    let mut guest = Client::new(second.addr(), "guest", "demo");
    guest.enter(&demo_token);
}
