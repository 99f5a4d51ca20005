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
