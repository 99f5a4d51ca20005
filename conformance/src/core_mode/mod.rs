//! `core` mode: the vectors replayed against hark-core in-process, on a simulated clock. This
//! is the mode `cargo test` runs; events and stats are checked here and nowhere else.
//!
//! The clock, the timer margins, the quiet tail and the comparisons are the same for every
//! service (`scenario`); a service brings a codec runner and a [`Simulated`] server that turns
//! a step's input into calls on its hark-core state machine and its outputs into vector JSON.

mod audio;
pub mod chat;
mod clients;
mod codec;
mod scenario;
pub mod signal;
pub mod stream;
mod voice;

use std::collections::BTreeMap;
use std::time::Instant;

use hark_core::directory::{Directory, DirectoryError};

pub use clients::{Clients, FIRST_PORT, FIRST_TCP_PORT};

use crate::format::{EffectiveFixture, Input, ServiceFormat, TransmitJson};
use crate::load::VectorSet;
use crate::report::Report;

/// A service that core mode can run.
pub trait CoreService: ServiceFormat {
    /// The service's hark-core state machine behind the step interface.
    type Sim: Simulated<Self>;

    /// Checks one codec vector; on failure, the lines that explain it.
    fn run_codec(vector: &Self::Codec) -> Result<(), Vec<String>>;

    /// A one-line reading of a datagram for failure reports (a hint, never a verdict).
    fn describe_datagram(datagram: &[u8]) -> String;

    /// A reading of bytes written on a management connection, one line per frame.
    fn describe_stream(bytes: &[u8]) -> Vec<String>;
}

/// One service instance on the simulated clock, fed a scenario's inputs.
pub trait Simulated<S: ServiceFormat>: Sized {
    /// A fresh service built from the fixture, started at `now`.
    fn start(fixture: &EffectiveFixture<S::Config>, now: Instant) -> Result<Self, String>;

    /// When the service's next timer is due.
    fn poll_timeout(&self) -> Option<Instant>;

    fn handle_timeout(&mut self, now: Instant, wall_unix: u64);

    /// Applies one step's input. A reset is the service's own reset followed by a fresh service
    /// from the fixture; the old service's outputs go to `out` first.
    fn input(
        &mut self,
        input: &Input,
        now: Instant,
        wall_unix: u64,
        out: &mut Outputs<S::Event>,
    ) -> Result<(), String>;

    /// Moves everything the service produced into `out`.
    fn drain(&mut self, out: &mut Outputs<S::Event>);

    fn stats(&self) -> S::Stats;
}

/// What a service produced, as the vectors write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs<E> {
    pub transmits: Vec<TransmitJson>,
    /// Bytes written per client's management connection, in order.
    pub stream: BTreeMap<String, Vec<u8>>,
    /// Clients whose connection the service closed.
    pub closed: Vec<String>,
    pub events: Vec<E>,
    /// Broken promises of the service's interface (bytes written after a close, …).
    pub problems: Vec<String>,
}

impl<E> Default for Outputs<E> {
    fn default() -> Self {
        Self {
            transmits: Vec::new(),
            stream: BTreeMap::new(),
            closed: Vec::new(),
            events: Vec::new(),
            problems: Vec::new(),
        }
    }
}

impl<E> Outputs<E> {
    /// How many outputs there are, to tell whether a timer did something.
    pub fn count(&self) -> usize {
        self.transmits.len()
            + self.stream.values().map(Vec::len).sum::<usize>()
            + self.closed.len()
            + self.events.len()
            + self.problems.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }
}

/// Runs every codec and scenario vector of service `S`.
pub fn run<S: CoreService>(set: &VectorSet<S>) -> Report {
    let mut report = Report::new(S::NAME);
    for located in &set.codec {
        let name = format!("{}: {}", located.file, S::codec_name(&located.vector));
        report.codec.record(name, S::run_codec(&located.vector));
    }
    for located in &set.scenarios {
        let name = format!("{}: {}", located.file, located.vector.name);
        report
            .scenarios
            .record(name, scenario::run::<S>(&set.fixture, &located.vector));
    }
    report
}

/// The directory a fixture describes.
pub fn directory<C>(fixture: &EffectiveFixture<C>) -> Result<Directory, DirectoryError> {
    Directory::new(fixture.channels.iter().cloned())
}

/// A line blaming the vector rather than the implementation.
pub fn invalid(reason: &str) -> String {
    format!("invalid vector: {reason}")
}
