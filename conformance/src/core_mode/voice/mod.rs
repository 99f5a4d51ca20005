//! Core mode for `voice`: its codec vectors against `hark_core::wire::voice`, its scenarios
//! against `hark_core::voice::VoiceService` (`vectors.md` §6.5). Client n's management
//! connection comes from `127.0.0.1:(41001 + n)`; each `connect` gets a fresh `ConnectionId`.

mod codec;
mod config;
mod connections;
mod convert;

use std::time::Instant;

use bytes::Bytes;
use hark_core::voice::{StreamAction, VoiceService};

use self::connections::Connections;
use super::{Clients, CoreService, Outputs, Simulated, directory, invalid};
use crate::format::voice::{CodecVector, ConfigJson, EventJson, StatsJson, Voice};
use crate::format::{EffectiveFixture, Input};

impl CoreService for Voice {
    type Sim = VoiceSim;

    fn run_codec(vector: &CodecVector) -> Result<(), Vec<String>> {
        codec::run(vector)
    }

    fn describe_datagram(datagram: &[u8]) -> String {
        convert::describe_datagram(datagram)
    }

    fn describe_stream(bytes: &[u8]) -> Vec<String> {
        convert::describe_stream(bytes)
    }
}

/// A `VoiceService` with its fixture (a reset builds it again, with a new token generator from
/// the same seed) and the clients' connections.
#[derive(Debug)]
pub struct VoiceSim {
    service: VoiceService,
    fixture: EffectiveFixture<ConfigJson>,
    clients: Clients,
    conns: Connections,
}

impl VoiceSim {
    fn fresh(fixture: &EffectiveFixture<ConfigJson>, now: Instant) -> Result<VoiceService, String> {
        let seed = fixture.rng_seed.ok_or("the fixture has no rng_seed")?;
        let directory = directory(fixture).map_err(|e| format!("fixture channels: {e}"))?;
        VoiceService::new(config::voice_config(fixture), directory, seed.0, now)
            .map_err(|e| format!("fixture config: {e}"))
    }

    fn known(&self, client: &str) -> Result<(), String> {
        if self.clients.contains(client) {
            Ok(())
        } else {
            Err(invalid(&format!("unknown client {client:?}")))
        }
    }
}

impl Simulated<Voice> for VoiceSim {
    fn start(fixture: &EffectiveFixture<ConfigJson>, now: Instant) -> Result<Self, String> {
        Ok(Self {
            service: Self::fresh(fixture, now)?,
            fixture: fixture.clone(),
            clients: Clients::new(&fixture.clients)?,
            conns: Connections::default(),
        })
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.service.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant, wall_unix: u64) {
        self.service.handle_timeout(now, wall_unix);
    }

    fn input(
        &mut self,
        input: &Input,
        now: Instant,
        wall_unix: u64,
        out: &mut Outputs<EventJson>,
    ) -> Result<(), String> {
        if let Some(client) = input.client() {
            self.known(client)?;
        }
        match input {
            Input::Send { from, datagram } => {
                let addr = self.clients.addr(from).ok_or("no address")?;
                let bytes = Bytes::copy_from_slice(datagram.as_bytes());
                self.service.handle_datagram(now, wall_unix, addr, bytes);
            }
            Input::Connect(client) => {
                let peer = self.clients.tcp_peer(client).ok_or("no address")?;
                let conn = self.conns.open(client).ok_or_else(|| {
                    invalid(&format!("{client} connects while its connection is open"))
                })?;
                self.service.handle_connect(now, wall_unix, conn, peer);
            }
            Input::Stream { from, bytes } => {
                let conn = self
                    .conns
                    .current(from)
                    .ok_or_else(|| invalid(&format!("{from} sends without a connection")))?;
                self.service
                    .handle_stream_data(now, wall_unix, conn, bytes.as_bytes());
            }
            Input::Close(client) => {
                let conn = self
                    .conns
                    .close_by_client(client)
                    .ok_or_else(|| invalid(&format!("{client} closes without a connection")))?;
                self.service.handle_stream_closed(now, wall_unix, conn);
            }
            Input::Directory(change) => self
                .service
                .apply_directory_change(now, wall_unix, change.clone())
                .map_err(|e| format!("the directory refused the change: {e}"))?,
            // vectors.md §6.5: the service's reset (server_closing to everyone), then a fresh
            // service from the fixture, as a server's operator reset does.
            Input::Reset => {
                self.service.reset(now, wall_unix);
                self.drain(out);
                self.service = Self::fresh(&self.fixture, now)?;
            }
            Input::Tick => {}
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut Outputs<EventJson>) {
        while let Some(transmit) = self.service.poll_transmit() {
            out.transmits.push(self.clients.transmit(&transmit));
        }
        while let Some(stream) = self.service.poll_stream() {
            let client = self.conns.name(stream.conn);
            if !self.conns.is_open(stream.conn) {
                out.problems.push(format!(
                    "the service acted on {client}'s connection after it was closed: {:?}",
                    stream.action
                ));
                continue;
            }
            match stream.action {
                StreamAction::Send(bytes) => out
                    .stream
                    .entry(client)
                    .or_default()
                    .extend_from_slice(&bytes),
                StreamAction::Close => {
                    self.conns.close_by_server(stream.conn);
                    out.closed.push(client);
                }
            }
        }
        while let Some(event) = self.service.poll_event() {
            out.events
                .push(convert::event_json(&event, &self.clients, &self.conns));
        }
    }

    fn stats(&self) -> StatsJson {
        convert::stats_json(self.service.stats())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hark_core::auth::{TokenClaims, mint_token};
    use hark_core::wire::voice::{Frame, parse_frame};

    use super::*;
    use crate::format::Hex;
    use crate::format::voice::test_fixture;

    struct Run {
        sim: VoiceSim,
        now: Instant,
        out: Outputs<EventJson>,
    }

    impl Run {
        fn new() -> Self {
            let fixture = test_fixture(&["a", "b"]).effective(None).unwrap();
            let now = Instant::now();
            Self {
                sim: VoiceSim::start(&fixture, now).unwrap(),
                now,
                out: Outputs::default(),
            }
        }

        fn input(&mut self, input: Input) -> Result<Outputs<EventJson>, String> {
            self.now += Duration::from_millis(10);
            self.sim
                .input(&input, self.now, 1_700_000_000, &mut self.out)?;
            self.sim.drain(&mut self.out);
            Ok(std::mem::take(&mut self.out))
        }

        fn frames(&mut self, client: &str, frame: &Frame) -> Outputs<EventJson> {
            let bytes = Hex(frame.encode().unwrap().to_vec());
            self.input(Input::Stream {
                from: client.into(),
                bytes,
            })
            .unwrap()
        }

        /// `client` connects and logs in as itself; the voice token it is given.
        fn login(&mut self, client: &str) -> [u8; 16] {
            self.input(Input::Connect(client.into())).unwrap();
            let claims = TokenClaims {
                sub: Some(client.into()),
                exp: Some(1_700_003_600),
                nbf: None,
                iat: None,
            };
            let login = Frame::LoginRequest {
                version: 1,
                username: client.into(),
                token: mint_token(b"s", &claims),
            };
            let out = self.frames(client, &login);
            match parse_frame(&out.stream[client], 65_535) {
                Ok(Some((Frame::LoginResponse { voice_token, .. }, _))) => voice_token.0,
                other => panic!("no LoginResponse: {other:?}"),
            }
        }
    }

    #[test]
    fn bytes_written_on_a_connection_are_filed_under_its_client() {
        let mut run = Run::new();
        let opened = run.input(Input::Connect("b".into())).unwrap();
        assert_eq!(
            opened.events,
            [EventJson::ConnectionOpened {
                conn: "b".into(),
                user_id: 1
            }]
        );
        let out = run.frames("b", &Frame::Ping { nonce: 7 });
        let pong = Frame::Pong { nonce: 7 }.encode().unwrap();
        assert_eq!(out.stream.get("b"), Some(&pong.to_vec()));
        assert!(out.closed.is_empty() && out.problems.is_empty());
    }

    #[test]
    fn a_connect_while_connected_or_data_without_a_connection_is_an_invalid_vector() {
        let mut run = Run::new();
        run.input(Input::Connect("a".into())).unwrap();
        let again = run.input(Input::Connect("a".into())).unwrap_err();
        assert!(again.starts_with("invalid vector: a connects"), "{again}");
        let stray = Input::Stream {
            from: "b".into(),
            bytes: Hex(vec![0]),
        };
        assert!(run.input(stray).unwrap_err().starts_with("invalid vector"));
        let unknown = run.input(Input::Close("z".into())).unwrap_err();
        assert_eq!(unknown, "invalid vector: unknown client \"z\"");
    }

    #[test]
    fn a_reset_closes_every_connection_and_starts_the_tokens_again() {
        let mut run = Run::new();
        let first = run.login("a");
        assert_ne!(run.login("b"), first, "a second login draws the next token");
        let mut reset = run.input(Input::Reset).unwrap();
        reset.closed.sort();
        assert_eq!(reset.closed, ["a", "b"]);
        assert_eq!(
            run.login("a"),
            first,
            "the fresh service draws token 0 again"
        );
    }
}
