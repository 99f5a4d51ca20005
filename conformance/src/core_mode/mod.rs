//! `core` mode: the vectors replayed against hark-core in-process, on a simulated clock. This
//! is the mode `cargo test` runs; events and stats are checked here and nowhere else.

mod codec;
mod convert;
mod scenario;
mod setup;

pub use convert::describe;
pub use setup::{Clients, FIRST_PORT};

use crate::load::VectorSet;
use crate::report::Report;

/// Runs every codec and scenario vector of the `audio` service.
pub fn run(set: &VectorSet) -> Report {
    let mut report = Report::new("audio");
    for located in &set.codec {
        let name = format!("{}: {}", located.file, located.vector.name);
        report.codec.record(name, codec::run(&located.vector));
    }
    for located in &set.scenarios {
        let name = format!("{}: {}", located.file, located.vector.name);
        report
            .scenarios
            .record(name, scenario::run(&set.fixture, &located.vector));
    }
    report
}
