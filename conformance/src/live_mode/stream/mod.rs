//! Live mode for `stream` (`vectors.md` §9.6): each scenario of a group replayed against a
//! running server configured by `live-plan` — the server reset through its admin socket (its
//! testing clock back at the group's `now`), the request bytes sent on a fresh connection, every
//! response compared with the vector (a `Date` one second late allowed), then the connection's
//! close or silence.

mod exchange;
mod plan;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use exchange::{After, Exchange, IO_TIMEOUT, QUIET, exchange};
pub use plan::{MEDIA_DIR, config_toml, write_media, write_plan};

use super::admin::{Admin, reset_request, stats_request};
use super::{HttpLiveOptions, LiveError, LiveReport, choose};
use crate::format::stream::{GroupConfig, NAME, Scenario, StreamFixture, StreamVectorSet};
use crate::report::Tally;
use crate::stream_compare::{Dates, compare_responses};

/// Runs the live scenarios of `options.group`; `progress` hears of each as it finishes.
pub fn run(
    set: &StreamVectorSet,
    options: &HttpLiveOptions,
    progress: &mut dyn FnMut(&str, bool, Duration),
) -> Result<LiveReport, LiveError> {
    let group = choose(
        &set.groups,
        &options.group,
        &options.only,
        |g| &g.name,
        |g, scenario| g.group.scenarios.iter().any(|s| s.name == scenario),
    )?;
    let scenarios = &group.group.scenarios;
    let admin = Admin::new(&options.admin);
    let admin_error = |source| LiveError::Admin {
        path: options.admin.clone(),
        source,
    };
    admin.request(&stats_request()).map_err(admin_error)?;
    let mut report = LiveReport {
        service: NAME,
        group: group.name.clone(),
        scenarios: Tally::default(),
    };
    let chosen = scenarios
        .iter()
        .filter(|s| options.only.is_empty() || options.only.contains(&s.name));
    for scenario in chosen {
        let name = format!("{}: {}", group.file, scenario.name);
        let started = Instant::now();
        let outcome = match admin.request(&reset_request()) {
            Ok(()) => check(&set.fixture, &group.group.config, scenario, options.http),
            Err(e) => Err(vec![format!("the admin reset failed: {e}")]),
        };
        progress(&name, outcome.is_ok(), started.elapsed());
        report.scenarios.record(name, outcome);
    }
    Ok(report)
}

/// One scenario against the server at `http`.
pub fn check(
    fixture: &StreamFixture,
    config: &GroupConfig,
    scenario: &Scenario,
    http: SocketAddr,
) -> Result<(), Vec<String>> {
    let seen = exchange(http, scenario.request.as_bytes(), scenario.responses.len());
    let dates = Dates {
        now: config.now,
        next_second_ok: true,
    };
    let mut problems = compare_responses(
        &scenario.responses,
        &seen.responses,
        fixture,
        dates,
        "not received",
    );
    let fate = match (&seen.outcome, scenario.closed) {
        (Err(why), _) => Some(why.clone()),
        (Ok(After::Extra(n)), _) => Some(format!("{n} bytes more than the responses expected")),
        (Ok(After::Open), true) => Some("the connection is still open (expected closed)".into()),
        (Ok(After::Closed), false) if seen.responses.len() == scenario.responses.len() => {
            Some("the server closed the connection (expected it kept)".into())
        }
        _ => None,
    };
    problems.extend(fate);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
