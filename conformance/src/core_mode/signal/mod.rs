//! Core mode for `signal` (`vectors.md` §8.2): its codec vectors against
//! `hark_core::wire::signal` and `hark_core::limits`. Scenarios come with the service.

mod codec;
mod convert;

use crate::format::signal::{NAME, SignalVectorSet};
use crate::report::Report;

/// Runs every codec vector of `signal`.
pub fn run(set: &SignalVectorSet) -> Report {
    let mut report = Report::new(NAME);
    for located in &set.codec {
        let name = format!("{}: {}", located.file, located.vector.name());
        report.codec.record(name, codec::run(&located.vector));
    }
    report
}
