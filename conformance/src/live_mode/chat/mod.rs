//! Live mode for `chat` (`vectors.md` §7.7): the scenarios replayed against a running server
//! over real WebSocket connections, each client's socket bound to its own loopback IP, with the
//! HTTP steps on connections of their own. Frames and responses are checked; events and stats
//! are core-only.

mod groups;
pub(crate) mod http;
mod plan;
pub(crate) mod scenario;
pub(crate) mod ws;

use std::time::Duration;

pub use groups::{ChatGroup, groups};
pub use plan::{SEND_QUEUE_BYTES, write_plan};
pub use scenario::Target;

use super::admin::{Admin, stats_request};
use super::{HttpLiveOptions, LiveError, LiveReport, choose};
use crate::format::chat::{ChatVectorSet, NAME};
use crate::report::Tally;

/// Runs the scenarios of `options.group` against the server; `progress` hears of each scenario
/// as it finishes (name, passed, time taken).
pub fn run(
    set: &ChatVectorSet,
    options: &HttpLiveOptions,
    progress: &mut dyn FnMut(&str, bool, Duration),
) -> Result<LiveReport, LiveError> {
    let groups = groups(set)?;
    let group = choose(
        &groups,
        &options.group,
        &options.only,
        |g| &g.name,
        |g, scenario| g.scenarios.iter().any(|s| s.vector.name == scenario),
    )?;
    let target = Target {
        http: options.http,
        admin: Admin::new(&options.admin),
    };
    target
        .admin
        .request(&stats_request())
        .map_err(|source| LiveError::Admin {
            path: options.admin.clone(),
            source,
        })?;
    let mut report = LiveReport {
        service: NAME,
        group: group.name.clone(),
        scenarios: Tally::default(),
    };
    let chosen = group
        .scenarios
        .iter()
        .filter(|s| options.only.is_empty() || options.only.contains(&s.vector.name));
    for located in chosen {
        let name = format!("{}: {}", located.file, located.vector.name);
        let started = std::time::Instant::now();
        let outcome = scenario::run(&group.fixture, &located.vector, &target);
        progress(&name, outcome.is_ok(), started.elapsed());
        report.scenarios.record(name, outcome);
    }
    Ok(report)
}
