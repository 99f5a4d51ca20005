//! Core mode for `audio`: its codec vectors against `hark_core::wire::audio`, its scenarios
//! against `hark_core::audio::AudioService`.

mod codec;
mod config;
mod convert;

use std::time::Instant;

use bytes::Bytes;
use hark_core::audio::AudioService;

use super::{Clients, CoreService, Outputs, Simulated, directory, invalid};
use crate::format::audio::{Audio, CodecVector, ConfigJson, EventJson, StatsJson};
use crate::format::{EffectiveFixture, Input};

impl CoreService for Audio {
    type Sim = AudioSim;

    fn run_codec(vector: &CodecVector) -> Result<(), Vec<String>> {
        codec::run(vector)
    }

    fn describe_datagram(datagram: &[u8]) -> String {
        convert::describe(datagram)
    }

    /// `audio` has no management connections; bytes are shown as they are.
    fn describe_stream(bytes: &[u8]) -> Vec<String> {
        vec![hex::encode(bytes)]
    }
}

/// An `AudioService` with its fixture, so that a reset can build it again.
#[derive(Debug)]
pub struct AudioSim {
    service: AudioService,
    fixture: EffectiveFixture<ConfigJson>,
    clients: Clients,
}

impl AudioSim {
    fn fresh(fixture: &EffectiveFixture<ConfigJson>, now: Instant) -> Result<AudioService, String> {
        let directory = directory(fixture).map_err(|e| format!("fixture channels: {e}"))?;
        AudioService::new(config::audio_config(fixture), directory, now)
            .map_err(|e| format!("fixture config: {e}"))
    }
}

impl Simulated<Audio> for AudioSim {
    fn start(fixture: &EffectiveFixture<ConfigJson>, now: Instant) -> Result<Self, String> {
        Ok(Self {
            service: Self::fresh(fixture, now)?,
            fixture: fixture.clone(),
            clients: Clients::new(&fixture.clients)?,
        })
    }

    fn poll_timeout(&self) -> Option<Instant> {
        Some(self.service.poll_timeout())
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
        match input {
            Input::Send { from, datagram } => {
                let addr = self
                    .clients
                    .addr(from)
                    .ok_or_else(|| invalid(&format!("unknown client {from:?}")))?;
                let bytes = Bytes::copy_from_slice(datagram.as_bytes());
                self.service.handle_datagram(now, wall_unix, addr, bytes);
            }
            Input::Directory(change) => self
                .service
                .apply_directory_change(now, wall_unix, change.clone())
                .map_err(|e| format!("the directory refused the change: {e}"))?,
            // Spec §7.7: a reset ends every session (server_closing) and returns the service to
            // its configured state, as a restart would: a fresh service from the fixture.
            Input::Reset => {
                self.service.reset(now, wall_unix);
                self.drain(out);
                self.service = Self::fresh(&self.fixture, now)?;
            }
            Input::Tick => {}
            Input::Connect(_) | Input::Stream { .. } | Input::Close(_) => {
                return Err(invalid("audio has no management connections"));
            }
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut Outputs<EventJson>) {
        while let Some(transmit) = self.service.poll_transmit() {
            out.transmits.push(self.clients.transmit(&transmit));
        }
        while let Some(event) = self.service.poll_event() {
            out.events.push(convert::event_json(&event, &self.clients));
        }
    }

    fn stats(&self) -> StatsJson {
        convert::stats_json(self.service.stats())
    }
}
