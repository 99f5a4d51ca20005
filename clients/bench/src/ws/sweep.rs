//! The chat sweep: every throughput scenario against each server in turn, then the idle run
//! against each, every run against a freshly started server pinned to its core (rooms and
//! connections of one run must not weigh on the next), with the generator — this process — on the
//! other core. Bounded: each run has its own time limits, and SIGINT/SIGTERM stop the sweep with
//! its server.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use hark_driver::runtime::Runtime as _;
use hark_tokio::TokioRuntime;
use tokio::runtime::Runtime;
use tokio::task::LocalSet;

use super::conn::WsTarget;
use super::idle::{self, IdleParams};
use super::load::{self, WsParams};
use super::report::{IdleReport, WsReport};
use crate::BenchError;
use crate::cpu;
use crate::json::{JsonObject, array};
use crate::server::{BenchSetup, RunningServer, ServerKind, ServerSpec, allowed_cpus};
use crate::sweep::{QUIET_BUSY, QUIET_SAMPLE, SETTLE, machine_json, machine_summary};

/// One throughput load: `ROOMSxCLIENTS@RATE` (messages per minute per client).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    pub rooms: usize,
    pub clients: usize,
    pub rate: f64,
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("scenario {text:?}: expected ROOMSxCLIENTS@RATE, e.g. 100x10@60");
        let (shape, rate) = text.split_once('@').ok_or_else(bad)?;
        let (rooms, clients) = shape.split_once('x').ok_or_else(bad)?;
        Ok(Self {
            rooms: rooms.parse().map_err(|_| bad())?,
            clients: clients.parse().map_err(|_| bad())?,
            rate: rate.parse().map_err(|_| bad())?,
        })
    }
}

/// What the chat sweep runs.
#[derive(Debug, Clone)]
pub struct WsSweepParams {
    pub hark: PathBuf,
    pub hark_smol: PathBuf,
    /// This program, which serves `null-chat`.
    pub me: PathBuf,
    pub servers: Vec<ServerSpec>,
    pub scenarios: Vec<Scenario>,
    pub secs: f64,
    pub size: usize,
    /// Connections of the idle run; 0 skips it.
    pub idle: usize,
    pub room_size: usize,
    pub hold: Duration,
    /// The core servers are pinned to.
    pub cpu: String,
    pub quiet_wait: Duration,
    pub dir: PathBuf,
    pub json: Option<PathBuf>,
}

impl WsSweepParams {
    /// The defaults, with the servers next to `me` (this program).
    pub fn new(me: &Path) -> Self {
        let scenarios = ["10x10@60", "100x10@60", "100x10@300", "100x10@600"]
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        Self {
            hark: me.with_file_name("hark"),
            hark_smol: me.with_file_name("hark-smol"),
            me: me.to_owned(),
            servers: Vec::new(),
            scenarios,
            secs: 10.0,
            size: 96,
            idle: 10_000,
            room_size: 100,
            hold: Duration::from_secs(35),
            cpu: "0".into(),
            quiet_wait: Duration::from_secs(120),
            dir: std::env::temp_dir().join(format!("hark-bench-ws-{}", std::process::id())),
            json: None,
        }
    }

    /// Sets the servers from a comma-separated list of `null-chat`, `hark`, `hark-smol`.
    pub fn set_servers(&mut self, list: &str) -> Result<(), String> {
        self.servers = list
            .split(',')
            .map(|name| {
                let kind = match name.trim() {
                    "null-chat" | "null" => ServerKind::NullChat(self.me.clone()),
                    "hark" => ServerKind::HarkChat(self.hark.clone()),
                    "hark-smol" => ServerKind::HarkChat(self.hark_smol.clone()),
                    other => return Err(format!("--servers: unknown server {other:?}")),
                };
                let label = match kind {
                    ServerKind::NullChat(_) => "null-chat".to_owned(),
                    _ => name.trim().to_owned(),
                };
                Ok(ServerSpec { label, kind })
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    fn setup(&self) -> BenchSetup {
        BenchSetup {
            dir: self.dir.clone(),
            secret: format!("hark-bench-secret-{}", std::process::id()),
            channel: "bnch".into(),
            buffer: 0,
            cpu: self.cpu.clone(),
        }
    }
}

/// Everything one server did in the sweep.
#[derive(Debug, Clone, Default)]
pub struct WsServerResult {
    pub label: String,
    /// One per scenario, in order; `None` where the run failed.
    pub loads: Vec<Option<WsReport>>,
    pub idle: Option<IdleReport>,
    pub errors: Vec<String>,
}

/// Runs the sweep on `runtime` (a current-thread runtime) and prints the results.
pub fn run(runtime: &Runtime, params: &WsSweepParams) -> Result<Vec<WsServerResult>, BenchError> {
    std::fs::create_dir_all(&params.dir)?;
    let machine = machine_json();
    println!("machine: {}", machine_summary());
    match allowed_cpus() {
        Some(cpus) if cpus == params.cpu || cpus.split([',', '-']).count() > 1 => println!(
            "warning: the generator may run on CPUs {cpus}; run `taskset -c 1 hark-bench ws-sweep` \
             so it does not share the server's core ({})",
            params.cpu
        ),
        Some(cpus) => println!("generator on CPU {cpus}, servers on CPU {}", params.cpu),
        None => {}
    }
    let local = LocalSet::new();
    let results = local.block_on(runtime, sweep(params))?;
    print!("{}", table(params, &results));
    if let Some(path) = &params.json {
        std::fs::write(path, json(params, &machine, &results))
            .map_err(|e| BenchError::from(e).context(path.display()))?;
        println!("JSON written to {}", path.display());
    }
    Ok(results)
}

async fn sweep(params: &WsSweepParams) -> Result<Vec<WsServerResult>, BenchError> {
    let mut stop = TokioRuntime.shutdown_signal()?;
    let setup = params.setup();
    let mut results: Vec<WsServerResult> = params
        .servers
        .iter()
        .map(|s| WsServerResult {
            label: s.label.clone(),
            ..WsServerResult::default()
        })
        .collect();
    for scenario in &params.scenarios {
        for (spec, result) in params.servers.iter().zip(results.iter_mut()) {
            let run = tokio::select! {
                _ = &mut stop => return Ok(interrupted(results)),
                run = load_step(params, &setup, spec, *scenario) => run,
            };
            match run {
                Ok(report) => {
                    println!("{}", report.summary());
                    result.loads.push(Some(report));
                }
                Err(e) => {
                    println!("{}: {e}", spec.label);
                    result.errors.push(e.0);
                    result.loads.push(None);
                }
            }
        }
    }
    if params.idle > 0 {
        for (spec, result) in params.servers.iter().zip(results.iter_mut()) {
            let run = tokio::select! {
                _ = &mut stop => return Ok(interrupted(results)),
                run = idle_step(params, &setup, spec) => run,
            };
            match run {
                Ok(report) => {
                    println!("{}", report.summary());
                    result.idle = Some(report);
                }
                Err(e) => {
                    println!("{}: {e}", spec.label);
                    result.errors.push(e.0);
                }
            }
        }
    }
    Ok(results)
}

fn interrupted(results: Vec<WsServerResult>) -> Vec<WsServerResult> {
    println!("interrupted");
    results
}

/// Waits for the machine to be quiet and starts a fresh `spec`.
async fn fresh_server(
    params: &WsSweepParams,
    setup: &BenchSetup,
    spec: &ServerSpec,
) -> Result<RunningServer, BenchError> {
    tokio::time::sleep(SETTLE).await;
    let announce = |busy: &[f64]| {
        println!(
            "waiting for the machine to be idle (cores busy {})",
            cpu::percents(busy)
        );
    };
    if let Some(busy) =
        cpu::wait_for_quiet(params.quiet_wait, QUIET_BUSY, QUIET_SAMPLE, announce).await
    {
        println!(
            "warning: the machine is still busy ({}); running anyway",
            cpu::percents(&busy)
        );
    }
    RunningServer::start(spec, setup)
}

async fn load_step(
    params: &WsSweepParams,
    setup: &BenchSetup,
    spec: &ServerSpec,
    scenario: Scenario,
) -> Result<WsReport, BenchError> {
    let server = fresh_server(params, setup, spec).await?;
    let mut run = WsParams::new(WsTarget::new(server.addr));
    run.label = spec.label.clone();
    run.rooms = scenario.rooms;
    run.clients = scenario.clients;
    run.rate = scenario.rate;
    run.secs = params.secs;
    run.size = params.size;
    run.server_pid = Some(server.pid);
    let report = load::run(&run).await;
    stop(server, spec);
    report
}

async fn idle_step(
    params: &WsSweepParams,
    setup: &BenchSetup,
    spec: &ServerSpec,
) -> Result<IdleReport, BenchError> {
    let server = fresh_server(params, setup, spec).await?;
    let mut run = IdleParams::new(WsTarget::new(server.addr));
    run.label = spec.label.clone();
    run.connections = params.idle;
    run.room_size = params.room_size;
    run.hold = params.hold;
    run.server_pid = Some(server.pid);
    let report = idle::run(&run).await;
    stop(server, spec);
    report
}

fn stop(server: RunningServer, spec: &ServerSpec) {
    if let Err(e) = server.stop() {
        println!("{}: {e}", spec.label);
    }
}

/// Server CPU per delivery of the null chat server in scenario `index`, which the others are
/// compared with.
fn null_us_per_delivery(
    params: &WsSweepParams,
    results: &[WsServerResult],
    index: usize,
) -> Option<f64> {
    params
        .servers
        .iter()
        .zip(results)
        .find(|(spec, _)| matches!(spec.kind, ServerKind::NullChat(_)))
        .and_then(|(_, r)| r.loads.get(index)?.as_ref()?.server_us_per_delivery())
}

fn table(params: &WsSweepParams, results: &[WsServerResult]) -> String {
    let mut out = format!(
        "\nthroughput: {} s per run, {} B ciphertext per message\n\
         {:<10} {:>12} {:>12} {:>12} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>8} {:>7}\n",
        params.secs,
        params.size,
        "server",
        "scenario",
        "offered/s",
        "delivered/s",
        "loss",
        "p50 ms",
        "p99 ms",
        "setup p50",
        "setup p99",
        "gen CPU",
        "srv CPU",
        "us/deliv",
        "vs null",
        "errors",
    );
    for (index, scenario) in params.scenarios.iter().enumerate() {
        let null = null_us_per_delivery(params, results, index);
        for result in results {
            let name = format!("{}x{}@{}", scenario.rooms, scenario.clients, scenario.rate);
            let Some(Some(r)) = result.loads.get(index) else {
                out.push_str(&format!("{:<10} {:>12} failed\n", result.label, name));
                continue;
            };
            let per = r.server_us_per_delivery();
            out.push_str(&format!(
                "{:<10} {:>12} {:>12.0} {:>12.0} {:>6.2}% {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7.0}% {:>7.0}% {:>9.2} {:>8} {:>7}\n",
                result.label,
                name,
                r.offered_per_sec(),
                r.delivered_per_sec(),
                r.loss() * 100.0,
                r.latency.p50 / 1000.0,
                r.latency.p99 / 1000.0,
                r.setup.p50 / 1000.0,
                r.setup.p99 / 1000.0,
                r.measured.generator_cpu.utilisation() * 100.0,
                r.measured.server_cpu.map_or(0.0, |c| c.utilisation() * 100.0),
                per.unwrap_or(f64::NAN),
                match (per, null) {
                    (Some(p), Some(n)) if n > 0.0 => format!("{:.2}x", p / n),
                    _ => "-".into(),
                },
                r.errors.total(),
            ));
        }
    }
    if params.idle > 0 {
        out.push_str(&format!(
            "\nidle: {} connections in rooms of {}, held {:?}\n\
             {:<10} {:>8} {:>8} {:>10} {:>10} {:>13} {:>13} {:>13} {:>8}\n",
            params.idle,
            params.room_size,
            params.hold,
            "server",
            "opened",
            "alive",
            "setup p50",
            "setup p99",
            "srv KiB/conn",
            "RSS before",
            "RSS held",
            "errors",
        ));
        for result in results {
            let Some(r) = &result.idle else {
                out.push_str(&format!("{:<10} failed\n", result.label));
                continue;
            };
            let kib = |b: Option<f64>| b.map_or("?".into(), |b| format!("{:.1}", b / 1024.0));
            let rss = |v: Option<u64>| v.map_or("?".into(), |v| format!("{v} KiB"));
            out.push_str(&format!(
                "{:<10} {:>8} {:>8} {:>10.2} {:>10.2} {:>13} {:>13} {:>13} {:>8}\n",
                result.label,
                r.opened,
                r.alive_at_end,
                r.setup.p50 / 1000.0,
                r.setup.p99 / 1000.0,
                kib(r.server_bytes_per_connection()),
                rss(r.server_rss_before_kib),
                rss(r.server_rss_held_kib),
                r.errors.total() + r.setup_errors.total(),
            ));
        }
    }
    out
}

fn json(params: &WsSweepParams, machine: &str, results: &[WsServerResult]) -> String {
    let scenarios: Vec<String> = params
        .scenarios
        .iter()
        .map(|s| format!("\"{}x{}@{}\"", s.rooms, s.clients, s.rate))
        .collect();
    let servers: Vec<String> = results
        .iter()
        .map(|r| {
            let loads: Vec<String> = r
                .loads
                .iter()
                .map(|l| l.as_ref().map_or("null".into(), WsReport::json))
                .collect();
            let errors: Vec<String> = r
                .errors
                .iter()
                .map(|e| JsonObject::new().string("error", e).finish())
                .collect();
            JsonObject::new()
                .string("label", &r.label)
                .raw("throughput", &array(loads.iter().map(String::as_str)))
                .raw(
                    "idle",
                    &r.idle.as_ref().map_or("null".into(), IdleReport::json),
                )
                .raw("errors", &array(errors.iter().map(String::as_str)))
                .finish()
        })
        .collect();
    JsonObject::new()
        .raw("machine", machine)
        .raw("scenarios", &array(scenarios.iter().map(String::as_str)))
        .raw("servers", &array(servers.iter().map(String::as_str)))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_is_rooms_by_clients_at_a_rate() {
        let s: Scenario = "100x10@60".parse().unwrap();
        assert_eq!((s.rooms, s.clients, s.rate), (100, 10, 60.0));
        assert!("100x10".parse::<Scenario>().is_err());
        assert!("ax10@60".parse::<Scenario>().is_err());
    }

    #[test]
    fn servers_are_known_by_name() {
        let mut params = WsSweepParams::new(Path::new("/x/hark-bench"));
        params.set_servers("null,hark,hark-smol").unwrap();
        let labels: Vec<_> = params.servers.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["null-chat", "hark", "hark-smol"]);
        assert_eq!(
            params.servers.get(2).map(|s| &s.kind),
            Some(&ServerKind::HarkChat("/x/hark-smol".into()))
        );
        assert!(params.set_servers("nginx").is_err());
    }
}
