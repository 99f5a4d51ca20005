//! Core mode for `stream` (`vectors.md` §9.5): the signature vectors against
//! `hark_core::stream::{signature, signed_path}`, and each scenario's request bytes played the
//! way a runtime does — heads read with httparse, `route`, the fixture's files looked up in
//! memory, `respond` or `not_found`, `refusal` for a head that cannot be read — with each plan's
//! body materialised from the fixture and compared with the vector.

mod connection;

use hark_core::stream::{StreamConfig, StreamService, signature, signed_path};

use crate::format::stream::{GroupConfig, NAME, SignatureVector, StreamVectorSet};
use crate::report::Report;

pub use connection::play;

/// Runs every signature vector and every scenario of every group.
pub fn run(set: &StreamVectorSet) -> Report {
    let mut report = Report::new(NAME);
    for located in &set.codec {
        let name = format!("{}: {}", located.file, located.vector.name);
        report.codec.record(name, check_signature(&located.vector));
    }
    for group in &set.groups {
        let service = match service(&group.group.config) {
            Ok(service) => service,
            Err(problem) => {
                for scenario in &group.group.scenarios {
                    let name = format!("{}: {}", group.file, scenario.name);
                    report.scenarios.record(name, Err(vec![problem.clone()]));
                }
                continue;
            }
        };
        for scenario in &group.group.scenarios {
            let name = format!("{}: {}", group.file, scenario.name);
            let outcome = play(&service, &set.fixture, &group.group.config, scenario);
            report.scenarios.record(name, outcome);
        }
    }
    report
}

/// The service a group's server runs.
pub fn service(config: &GroupConfig) -> Result<StreamService, String> {
    let core = StreamConfig {
        allowed_origins: config.allowed_origins.clone(),
        cache_control: config.cache_control.clone(),
        max_ranges: config.max_ranges,
        keepalive_requests: config.keepalive_requests,
    };
    StreamService::new(core, config.secret.as_bytes().to_vec())
        .map_err(|e| format!("the group's configuration is refused: {e}"))
}

fn check_signature(vector: &SignatureVector) -> Result<(), Vec<String>> {
    let secret = vector.secret.as_bytes();
    let mut problems = Vec::new();
    let sig = signature(secret, &vector.id, vector.expires);
    if sig != vector.signature {
        problems.push(format!("signature {sig} (expected {})", vector.signature));
    }
    let path = signed_path(secret, &vector.id, vector.expires);
    if path != vector.path {
        problems.push(format!("signed_path {path} (expected {})", vector.path));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
