//! `live` mode: the scenario vectors replayed against a running server over real sockets.
//!
//! What a server sends is checked (which datagrams reach which client, which bytes it writes on
//! each management connection, which connections it closes); events and stats, which only an
//! in-process run can see, are skipped. The server must run the configuration of the scenarios'
//! group (see [`groups`] and `live-plan`, [`write_plan`]) and have an admin socket that takes
//! `reset` and the directory changes. See `conformance/spec/vectors.md` §5 and §6.5; `chat`'s
//! WebSocket and HTTP steps have their own runner, [`chat`] (§7.7).

mod admin;
mod audio;
pub mod chat;
mod groups;
mod inbox;
mod plan;
mod scenario;
pub mod signal;
pub mod stream;
mod tcp;
mod udp;
mod voice;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use admin::{Admin, AdminError};
pub use audio::{TIMESTAMP_TOLERANCE_SECS, close_enough};
pub use groups::{BASE_GROUP, Group, GroupError, Grouped, group_by, groups};
pub use plan::{PlanError, Planned, write_plan};
pub use scenario::{GRACE, SETTLE, Target};

use crate::core_mode::CoreService;
use crate::format::EffectiveFixture;
use crate::load::VectorSet;
use crate::report::Tally;

/// A service that live mode can run against a server.
pub trait LiveService: CoreService {
    /// Whether a datagram the server sent counts as the expected one (beyond being identical:
    /// a server's clock in it, say).
    fn close_enough(expected: &[u8], actual: &[u8]) -> bool;

    /// The service's sections of a hark configuration file for a group's server (listeners on
    /// `127.0.0.1:0`, the fixture's config), moving the other services' listeners to ephemeral
    /// loopback ports too.
    fn config_sections(fixture: &EffectiveFixture<Self::Config>) -> String;

    /// The service's keys of the configuration's `[testing]` section, one line each.
    fn testing_keys(fixture: &EffectiveFixture<Self::Config>) -> String;
}

/// What `hark-conformance live` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    pub udp: SocketAddr,
    /// The management (TCP) address, for services that have one.
    pub tcp: Option<SocketAddr>,
    pub admin: PathBuf,
    pub group: String,
    /// Only the scenarios of the group with these names (all when empty).
    pub only: Vec<String>,
}

/// What `hark-conformance live` was asked to do for a service over HTTP (`chat`, `stream`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLiveOptions {
    /// The service's listener.
    pub http: SocketAddr,
    pub admin: PathBuf,
    /// The group the server is configured for.
    pub group: String,
    /// Only the scenarios of the group with these names (all when empty).
    pub only: Vec<String>,
}

/// Why a live run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error("no scenario group {group:?}; the groups are: {known}")]
    UnknownGroup { group: String, known: String },
    #[error("no scenario {scenario:?} in group {group:?}")]
    UnknownScenario { scenario: String, group: String },
    #[error("{service} needs the server's management address (--tcp ADDR)")]
    NoTcp { service: &'static str },
    #[error("{service} has no management connections (no --tcp)")]
    UnexpectedTcp { service: &'static str },
    #[error("admin socket {path}: {source}")]
    Admin {
        path: PathBuf,
        #[source]
        source: AdminError,
    },
    #[error("cannot listen as the SFU on {addr}: {source}")]
    Sfu {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The outcome of a live run over one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveReport {
    pub service: &'static str,
    pub group: String,
    pub scenarios: Tally,
}

impl LiveReport {
    pub fn is_success(&self) -> bool {
        self.scenarios.failures.is_empty()
    }

    /// `audio live vectors: 32 passed, 0 failed`.
    pub fn summary(&self) -> String {
        format!(
            "{} live vectors: {} passed, {} failed",
            self.service,
            self.scenarios.passed,
            self.scenarios.failures.len()
        )
    }
}

impl fmt::Display for LiveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in &self.scenarios.failures {
            writeln!(f, "FAIL {}", failure.vector)?;
            for line in &failure.lines {
                writeln!(f, "    {line}")?;
            }
        }
        write!(f, "{}", self.summary())
    }
}

/// Runs the scenarios of `options.group` against the server; `progress` hears of each scenario
/// as it finishes (name, passed, time taken).
pub fn run<S: LiveService>(
    set: &VectorSet<S>,
    options: &LiveOptions,
    progress: &mut dyn FnMut(&str, bool, Duration),
) -> Result<LiveReport, LiveError> {
    match (S::STREAMS, options.tcp) {
        (true, None) => return Err(LiveError::NoTcp { service: S::NAME }),
        (false, Some(_)) => return Err(LiveError::UnexpectedTcp { service: S::NAME }),
        _ => {}
    }
    let groups = groups(set)?;
    let group = choose(
        &groups,
        &options.group,
        &options.only,
        |g| &g.name,
        |g, scenario| g.scenarios.iter().any(|s| s.vector.name == scenario),
    )?;
    let target = Target {
        udp: options.udp,
        tcp: options.tcp,
        admin: Admin::new(&options.admin),
    };
    reach_admin(&target.admin, &options.admin)?;
    Ok(run_group(
        S::NAME,
        group,
        &options.only,
        |scenario| &scenario.name,
        progress,
        |fixture, scenario| scenario::run(fixture, scenario, &target),
    ))
}

/// Asks the server's management socket (at `path`) for its counters, so that a server that is
/// not there fails the run before any scenario does.
pub(crate) fn reach_admin(admin: &Admin, path: &Path) -> Result<(), LiveError> {
    admin
        .request(&admin::stats_request())
        .map(drop)
        .map_err(|source| LiveError::Admin {
            path: path.to_path_buf(),
            source,
        })
}

/// Runs with `run` the scenarios of `group` that `only` names (all of them when it names none);
/// `progress` hears of each scenario as it finishes (name, passed, time taken).
pub(crate) fn run_group<F, V>(
    service: &'static str,
    group: &Grouped<'_, F, V>,
    only: &[String],
    name: impl Fn(&V) -> &str,
    progress: &mut dyn FnMut(&str, bool, Duration),
    mut run: impl FnMut(&F, &V) -> Result<(), Vec<String>>,
) -> LiveReport {
    let mut report = LiveReport {
        service,
        group: group.name.clone(),
        scenarios: Tally::default(),
    };
    let chosen = group
        .scenarios
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|wanted| wanted == name(&s.vector)));
    for located in chosen {
        let name = format!("{}: {}", located.file, name(&located.vector));
        let started = std::time::Instant::now();
        let outcome = run(&group.fixture, &located.vector);
        progress(&name, outcome.is_ok(), started.elapsed());
        report.scenarios.record(name, outcome);
    }
    report
}

/// The group of `groups` named `wanted` (each named by `name`), once every scenario `only` names
/// is one of its own (`has_scenario`).
pub(crate) fn choose<'g, G>(
    groups: &'g [G],
    wanted: &str,
    only: &[String],
    name: impl Fn(&G) -> &str,
    has_scenario: impl Fn(&G, &str) -> bool,
) -> Result<&'g G, LiveError> {
    let Some(group) = groups.iter().find(|g| name(g) == wanted) else {
        let known: Vec<&str> = groups.iter().map(&name).collect();
        return Err(LiveError::UnknownGroup {
            group: wanted.to_owned(),
            known: known.join(", "),
        });
    };
    if let Some(missing) = only.iter().find(|scenario| !has_scenario(group, scenario)) {
        return Err(LiveError::UnknownScenario {
            scenario: missing.clone(),
            group: name(group).to_owned(),
        });
    }
    Ok(group)
}

/// A throwaway directory for tests, removed on drop (the crate has no tempfile dependency).
#[cfg(test)]
pub(crate) mod test_dir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(label: &str) -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "hark-conformance-{label}-{}-{n}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
