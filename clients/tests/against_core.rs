//! The clients against hark-core's own services, both sides sans-IO: an in-memory network moves
//! every datagram and frame between the client state machines and the server's, under one fake
//! clock that jumps from deadline to deadline. No socket, no sleep — and the same contract a
//! tokio or smol wrapper drives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_client::audio::{AudioClient, AudioClientConfig, AudioEvent, AudioState, ExpiryCause};
use hark_client::voice::{StreamOutput, VoiceClient, VoiceClientConfig, VoiceEvent};
use hark_core::audio::{AudioConfig, AudioService};
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory};
use hark_core::voice::{ConnectionId, StreamAction, VoiceConfig, VoiceService};
use hark_core::wire::audio::{ChannelId, ErrorCode, UserId};

const SECRET: &[u8] = b"client-test-secret";
const WALL: u64 = 1_700_000_000;

fn token(user: &str) -> String {
    mint_token(
        SECRET,
        &TokenClaims {
            sub: Some(user.into()),
            exp: Some(WALL + 3600),
            nbf: None,
            iat: None,
        },
    )
}

fn directory() -> Directory {
    Directory::new([ChannelConfig {
        id: "main".into(),
        name: None,
        members: None,
        banned: vec![],
        max_users: None,
    }])
    .unwrap()
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Timestamps move with the fake clock.
fn wall(ms: u64) -> u64 {
    WALL + ms / 1000
}

/// An audio server and its clients, client `i` sending from port 5000 + `i`.
struct AudioNet {
    start: Instant,
    ms: u64,
    server: AudioService,
    clients: Vec<AudioClient>,
    events: Vec<Vec<AudioEvent>>,
}

impl AudioNet {
    fn new(config: AudioConfig, users: &[&str]) -> Self {
        let start = Instant::now();
        let clients = users
            .iter()
            .map(|user| {
                let config = AudioClientConfig::new(
                    UserId::new(user).unwrap(),
                    ChannelId::new("main").unwrap(),
                );
                AudioClient::new(config).unwrap()
            })
            .collect();
        Self {
            start,
            ms: 0,
            server: AudioService::new(config, directory(), start).unwrap(),
            clients,
            events: vec![Vec::new(); users.len()],
        }
    }

    fn now(&self) -> Instant {
        self.start + Duration::from_millis(self.ms)
    }

    fn connect_and_join(&mut self, i: usize, user: &str) {
        let (now, wall) = (self.now(), wall(self.ms));
        self.clients[i].connect(now, wall, &token(user)).unwrap();
        self.clients[i].join(now, wall).unwrap();
        self.pump();
    }

    /// Delivers everything in flight until nothing moves.
    fn pump(&mut self) {
        let (now, wall) = (self.now(), wall(self.ms));
        loop {
            let mut moved = false;
            for (i, client) in self.clients.iter_mut().enumerate() {
                while let Some(datagram) = client.poll_transmit() {
                    moved = true;
                    self.server
                        .handle_datagram(now, wall, addr(5000 + i as u16), datagram);
                }
            }
            while let Some(transmit) = self.server.poll_transmit() {
                moved = true;
                let i = usize::from(transmit.dst.port() - 5000);
                self.clients[i].handle_datagram(now, wall, transmit.payload);
            }
            while self.server.poll_event().is_some() {}
            for (client, events) in self.clients.iter_mut().zip(&mut self.events) {
                events.extend(std::iter::from_fn(|| client.poll_event()));
            }
            if !moved {
                return;
            }
        }
    }

    /// Runs every timer, in order, up to `ms`.
    fn run_until(&mut self, ms: u64) {
        let target = self.start + Duration::from_millis(ms);
        loop {
            let next = self
                .clients
                .iter()
                .filter_map(AudioClient::poll_timeout)
                .chain([self.server.poll_timeout()])
                .min()
                .filter(|next| *next <= target);
            let Some(next) = next else { break };
            self.ms = u64::try_from((next - self.start).as_millis()).unwrap();
            let (now, wall) = (self.now(), wall(self.ms));
            self.server.handle_timeout(now, wall);
            for client in &mut self.clients {
                client.handle_timeout(now, wall);
            }
            self.pump();
        }
        self.ms = ms;
        self.pump();
    }

    fn take_events(&mut self, i: usize) -> Vec<AudioEvent> {
        std::mem::take(&mut self.events[i])
    }
}

#[test]
fn two_audio_clients_talk_through_the_core_service() {
    let mut net = AudioNet::new(AudioConfig::new(SECRET), &["alice", "bob"]);
    net.connect_and_join(0, "alice");
    net.connect_and_join(1, "bob");
    assert_eq!(
        net.take_events(1),
        [AudioEvent::Connected, AudioEvent::Joined]
    );
    for (n, at) in [100, 120, 140].into_iter().enumerate() {
        net.run_until(at);
        let frame = Bytes::from(vec![u8::try_from(n).unwrap(); 160]);
        net.clients[0].send_audio(wall(at), frame).unwrap();
        net.pump();
    }
    net.run_until(1000);
    let heard: Vec<(u32, u8)> = net
        .take_events(1)
        .into_iter()
        .filter_map(|e| match e {
            AudioEvent::Audio {
                sender,
                sequence,
                payload,
                ..
            } if sender.as_str() == "alice" => Some((sequence, payload[0])),
            _ => None,
        })
        .collect();
    assert_eq!(heard, [(1, 0), (2, 1), (3, 2)]);
    assert!(
        !net.take_events(0)
            .iter()
            .any(|e| matches!(e, AudioEvent::Audio { .. })),
        "no echo to the sender"
    );
}

#[test]
fn heartbeats_keep_audio_sessions_past_the_session_timeout() {
    let mut net = AudioNet::new(AudioConfig::new(SECRET), &["alice"]);
    net.connect_and_join(0, "alice");
    net.take_events(0);
    net.run_until(95_000);
    assert_eq!(net.take_events(0), []);
    assert_eq!(net.clients[0].state(), AudioState::Connected);
    assert_eq!(net.server.stats().active_members, 1);
}

#[test]
fn an_expired_audio_session_is_renewed_with_a_fresh_token_and_rejoined() {
    let mut config = AudioConfig::new(SECRET);
    config.handshake_timeout = Duration::from_secs(1);
    config.session_timeout = Duration::from_secs(3);
    let mut net = AudioNet::new(config, &["alice"]);
    net.connect_and_join(0, "alice");
    net.take_events(0);
    net.run_until(5_000);
    assert_eq!(
        net.take_events(0),
        [AudioEvent::SessionExpired {
            cause: ExpiryCause::Server(ErrorCode::SessionExpired)
        }]
    );
    assert_eq!(net.server.stats().active_members, 0);
    let (now, wall) = (net.now(), wall(net.ms));
    net.clients[0].connect(now, wall, &token("alice")).unwrap();
    net.pump();
    assert_eq!(
        net.take_events(0),
        [AudioEvent::Connected, AudioEvent::Joined]
    );
    assert_eq!(net.server.stats().active_members, 1);
}

/// A voice server and its clients: client `i` is connection `i + 1`, UDP from port 6000 + `i`.
struct VoiceNet {
    start: Instant,
    server: VoiceService,
    clients: Vec<VoiceClient>,
    events: Vec<Vec<VoiceEvent>>,
}

impl VoiceNet {
    fn new(users: &[&str]) -> Self {
        let start = Instant::now();
        let server = VoiceService::new(VoiceConfig::new(SECRET), directory(), [7; 32], start);
        let clients = users
            .iter()
            .map(|user| VoiceClient::new(VoiceClientConfig::new(user)).unwrap())
            .collect();
        Self {
            start,
            server: server.unwrap(),
            clients,
            events: vec![Vec::new(); users.len()],
        }
    }

    fn login(&mut self, i: usize, user: &str) {
        let conn = ConnectionId(i as u64 + 1);
        self.server
            .handle_connect(self.start, WALL, conn, addr(7000 + i as u16));
        self.clients[i].login(self.start, &token(user)).unwrap();
        self.pump();
    }

    fn pump(&mut self) {
        let now = self.start;
        loop {
            let mut moved = false;
            for (i, client) in self.clients.iter_mut().enumerate() {
                let conn = ConnectionId(i as u64 + 1);
                while let Some(output) = client.poll_stream() {
                    moved = true;
                    match output {
                        StreamOutput::Send(bytes) => {
                            self.server.handle_stream_data(now, WALL, conn, &bytes);
                        }
                        StreamOutput::Close => self.server.handle_stream_closed(now, WALL, conn),
                    }
                }
                while let Some(datagram) = client.poll_transmit() {
                    moved = true;
                    self.server
                        .handle_datagram(now, WALL, addr(6000 + i as u16), datagram);
                }
            }
            while let Some(stream) = self.server.poll_stream() {
                moved = true;
                let client = &mut self.clients[usize::try_from(stream.conn.0 - 1).unwrap()];
                match stream.action {
                    StreamAction::Send(bytes) => client.handle_stream_data(now, &bytes),
                    StreamAction::Close => client.handle_stream_closed(now),
                }
            }
            while let Some(transmit) = self.server.poll_transmit() {
                moved = true;
                let i = usize::from(transmit.dst.port() - 6000);
                self.clients[i].handle_datagram(now, transmit.payload);
            }
            while self.server.poll_event().is_some() {}
            for (client, events) in self.clients.iter_mut().zip(&mut self.events) {
                events.extend(std::iter::from_fn(|| client.poll_event()));
            }
            if !moved {
                return;
            }
        }
    }

    /// Plays out the jitter buffers.
    fn settle(&mut self) {
        let later = self.start + Duration::from_millis(500);
        for client in &mut self.clients {
            client.handle_timeout(later);
        }
        for (client, events) in self.clients.iter_mut().zip(&mut self.events) {
            events.extend(std::iter::from_fn(|| client.poll_event()));
        }
    }
}

#[test]
fn voice_clients_log_in_bind_join_talk_and_chat_through_the_core_service() {
    let mut net = VoiceNet::new(&["alice", "bob"]);
    net.login(0, "alice");
    net.login(1, "bob");
    assert!(net.clients.iter().all(VoiceClient::is_bound));
    for client in &mut net.clients {
        client.join_voice("main").unwrap();
    }
    net.pump();
    net.clients[0]
        .send_voice(Bytes::from_static(b"frame one"))
        .unwrap();
    net.clients[0].send_chat("hello bob").unwrap();
    net.pump();
    net.settle();
    let bob_heard: Vec<VoiceEvent> = net.events[1]
        .iter()
        .filter(|e| matches!(e, VoiceEvent::Voice { .. } | VoiceEvent::Chat { .. }))
        .cloned()
        .collect();
    assert_eq!(
        bob_heard,
        [
            VoiceEvent::Chat {
                user_id: 1,
                channel: "main".to_owned(),
                text: "hello bob".to_owned()
            },
            VoiceEvent::Voice {
                sender: 1,
                sequence: 1,
                payload: Bytes::from_static(b"frame one")
            },
        ]
    );
    assert!(net.events[0].contains(&VoiceEvent::Chat {
        user_id: 1,
        channel: "main".to_owned(),
        text: "hello bob".to_owned()
    }));
    assert_eq!(
        net.clients[1]
            .participants()
            .map(|p| p.user_id)
            .collect::<Vec<_>>(),
        [1]
    );
}
