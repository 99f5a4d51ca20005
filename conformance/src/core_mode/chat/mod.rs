//! Core mode for `chat` (`vectors.md` §7.7): its codec vectors against `hark_core::wire::chat`,
//! its scenarios against `hark_core::chat::ChatService` on the simulated clock, with the timer
//! margins and quiet tail of §4.2–§4.3.

mod codec;
mod config;
pub(crate) mod connections;
mod convert;
mod scenario;

use crate::format::chat::{ChatVectorSet, NAME};
use crate::report::Report;

/// Runs every codec and scenario vector of `chat`.
pub fn run(set: &ChatVectorSet) -> Report {
    let mut report = Report::new(NAME);
    for located in &set.codec {
        let name = format!("{}: {}", located.file, located.vector.name());
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
