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
use super::admin::Admin;
use super::{LiveError, LiveReport, choose, reach_admin, run_group};
use crate::format::signal::{NAME, SignalVectorSet};

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
    reach_admin(&target.admin, &options.admin)?;
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
    Ok(run_group(
        NAME,
        group,
        &options.only,
        |scenario| &scenario.name,
        progress,
        |fixture, scenario| scenario::run(fixture, scenario, &target, sfu.as_mut()),
    ))
}
