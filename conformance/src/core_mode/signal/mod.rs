//! Core mode for `signal` (`vectors.md` §8.2, §8.3): its codec vectors against
//! `hark_core::wire::signal` and `hark_core::limits`, its scenarios against
//! `hark_core::signal::SignalService` on the simulated clock, the runner playing the driver and
//! the SFU.

mod codec;
mod config;
mod convert;
mod convert_events;
mod scenario;

use crate::format::signal::{NAME, SignalVectorSet};
use crate::report::Report;

/// Runs every codec and scenario vector of `signal`.
pub fn run(set: &SignalVectorSet) -> Report {
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
