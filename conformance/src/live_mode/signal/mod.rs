//! Live mode for `signal` (`vectors.md` §8.4): the scenarios replayed against a running server
//! over real WebSocket connections (chat's frame-by-frame client, each client bound to its own
//! loopback IP), HTTP steps on connections of their own, and the runner listening as the SFU for
//! the groups whose server has one. Frames, SFU frames and responses are checked; events and
//! stats are core-only, and so are the scenarios marked `"live": false`.

mod groups;
mod plan;
mod scenario;
mod sfu;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use groups::{SignalGroup, groups};
pub use plan::{DEFAULT_SFU_ADDR, write_plan};
pub use scenario::Target;

use self::sfu::SfuSide;
use super::admin::{Admin, stats_request};
use super::{LiveError, LiveReport, choose};
use crate::format::signal::{NAME, SignalVectorSet};
use crate::report::Tally;

/// What `hark-conformance live --service signal` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalLiveOptions {
    /// The signal listener (HTTP and WebSocket).
    pub http: SocketAddr,
    pub admin: PathBuf,
    pub group: String,
    pub only: Vec<String>,
    /// Where the runner listens as the SFU (the plan's `sfu_ws_host`).
    pub sfu: SocketAddr,
}

/// Runs the scenarios of `options.group` against the server.
pub fn run(
    set: &SignalVectorSet,
    options: &SignalLiveOptions,
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
    let mut sfu = if group.fixture.config.sfu {
        Some(
            SfuSide::listen(options.sfu).map_err(|source| LiveError::Sfu {
                addr: options.sfu,
                source,
            })?,
        )
    } else {
        None
    };
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
        let outcome = scenario::run(&group.fixture, &located.vector, &target, sfu.as_mut());
        progress(&name, outcome.is_ok(), started.elapsed());
        report.scenarios.record(name, outcome);
    }
    Ok(report)
}
