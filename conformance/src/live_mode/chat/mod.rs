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

use super::admin::Admin;
use super::{HttpLiveOptions, LiveError, LiveReport, choose, reach_admin, run_group};
use crate::format::chat::{ChatVectorSet, NAME};

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
    reach_admin(&target.admin, &options.admin)?;
    Ok(run_group(
        NAME,
        group,
        &options.only,
        |scenario| &scenario.name,
        progress,
        |fixture, scenario| scenario::run(fixture, scenario, &target),
    ))
}
