//! The sweep: for each server, scenario (a) and then the saturation search, each step against a
//! freshly started server pinned to its own core, with the generator (this process) on the other.
//!
//! A fresh server per step keeps steps independent: sessions of the previous step's clients would
//! otherwise stay members of the channel until they time out, and the server would keep sending
//! them audio.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use hark_driver::runtime::{BoxFuture, Runtime as _};
use hark_tokio::TokioRuntime;
use tokio::runtime::Runtime;

use super::BenchError;
use super::cpu;
use super::generator::{self, UdpParams};
use super::json::{JsonObject, array};
use super::report::Report;
use super::server::{BenchSetup, RunningServer, ServerKind, ServerSpec, allowed_cpus};

/// Pause between steps, so the previous server's sockets are gone and the machine is quiet.
pub(crate) const SETTLE: Duration = Duration::from_millis(300);
/// Highest per-speaker rate the ramp goes to (every client speaking by then).
const MAX_RATE: f64 = 10_000.0;
/// A core busier than this (other processes) makes a step wait, up to `quiet_wait`.
pub(crate) const QUIET_BUSY: f64 = 0.15;
/// A step during which other processes took more than this of a core is run again.
pub(crate) const DISTURBED: f64 = 0.10;
/// Window over which quietness is sampled.
pub(crate) const QUIET_SAMPLE: Duration = Duration::from_millis(500);

/// What the sweep runs.
#[derive(Debug, Clone)]
pub struct SweepParams {
    pub servers: Vec<ServerSpec>,
    pub setup: BenchSetup,
    /// Scenario (a): clients, speakers, rate, and the per-step settings (duration, payload…).
    pub base: UdpParams,
    /// Factor the offered load grows by per step.
    pub step: f64,
    /// Most ramp steps per server.
    pub max_steps: usize,
    /// Bisection steps between the last load within the loss limit and the first beyond it.
    pub refine: usize,
    /// Loss beyond which a load is past saturation (0.01: 1%).
    pub loss_limit: f64,
    /// How long a step may wait for the machine to be idle (other processes would share the
    /// pinned cores and distort the figures); zero disables the wait.
    pub quiet_wait: Duration,
    /// Runs of a step disturbed by other processes before its least disturbed run is kept.
    pub attempts: usize,
    pub json: Option<PathBuf>,
}

/// A load: how many speakers at what rate (the listeners are always all clients).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Load {
    speakers: usize,
    rate: f64,
}

impl Load {
    /// Spreads `packets_per_sec` of audio over speakers at the base rate, more speakers first (a
    /// busier channel), then a higher rate once every client speaks.
    fn of(packets_per_sec: f64, base: &UdpParams) -> Self {
        let wanted = (packets_per_sec / base.rate).ceil().max(1.0) as usize;
        let speakers = wanted.clamp(1, base.clients);
        Self {
            speakers,
            rate: packets_per_sec / speakers as f64,
        }
    }

    fn packets_per_sec(&self) -> f64 {
        self.speakers as f64 * self.rate
    }
}

/// The runtime the generator runs on, and the signal that interrupts the sweep: a SIGINT or
/// SIGTERM ends the current step, its server is stopped (no server outlives the sweep), and the
/// figures gathered so far are printed.
struct Ctx<'a> {
    runtime: &'a Runtime,
    params: &'a SweepParams,
    stop: BoxFuture,
    interrupted: bool,
}

impl Ctx<'_> {
    /// Runs `future` to completion unless the sweep is interrupted first.
    fn block_on<T>(&mut self, future: impl Future<Output = T>) -> Result<T, BenchError> {
        if self.interrupted {
            return Err(BenchError::new(INTERRUPTED));
        }
        let stop = &mut self.stop;
        let outcome = self.runtime.block_on(async {
            tokio::select! {
                _ = stop => None,
                value = future => Some(value),
            }
        });
        outcome.ok_or_else(|| {
            self.interrupted = true;
            BenchError::new(INTERRUPTED)
        })
    }

    fn sleep(&mut self, duration: Duration) -> Result<(), BenchError> {
        self.block_on(async move { tokio::time::sleep(duration).await })
    }
}

const INTERRUPTED: &str = "interrupted";

/// Every step run against one server.
#[derive(Debug, Clone)]
pub struct ServerResult {
    pub label: String,
    pub steps: Vec<Report>,
    /// Why the sweep of this server stopped early, if it did.
    pub error: Option<String>,
}

impl ServerResult {
    /// Scenario (a): the first step.
    pub fn scenario_a(&self) -> Option<&Report> {
        self.steps.first()
    }

    /// The saturation point: the highest delivery rate reached within the loss limit.
    pub fn saturation(&self, limit: f64) -> Option<&Report> {
        self.steps
            .iter()
            .filter(|r| r.loss() <= limit)
            .max_by(|a, b| a.delivered_pps().total_cmp(&b.delivered_pps()))
    }

    /// The lightest load beyond the loss limit, and what was delivered there.
    pub fn first_over(&self, limit: f64) -> Option<&Report> {
        self.steps
            .iter()
            .filter(|r| r.loss() > limit)
            .min_by(|a, b| a.offered_pps().total_cmp(&b.offered_pps()))
    }
}

/// Runs the sweep on `runtime` (which must be a current-thread runtime: the generator is one
/// thread on one core) and prints the results.
pub fn run(runtime: &Runtime, params: &SweepParams) -> Result<Vec<ServerResult>, BenchError> {
    std::fs::create_dir_all(&params.setup.dir)?;
    let stop = runtime.block_on(async { TokioRuntime.shutdown_signal() })?;
    let mut ctx = Ctx {
        runtime,
        params,
        stop,
        interrupted: false,
    };
    let machine = machine_json();
    println!("machine: {}", machine_summary());
    match allowed_cpus() {
        Some(cpus) if cpus == params.setup.cpu || cpus.split([',', '-']).count() > 1 => {
            println!(
                "warning: the generator may run on CPUs {cpus}; run `taskset -c 1 hark-bench sweep` \
                 so it does not share the server's core ({})",
                params.setup.cpu
            );
        }
        Some(cpus) => println!(
            "generator on CPU {cpus}, servers on CPU {}",
            params.setup.cpu
        ),
        None => {}
    }
    let mut searches: Vec<Search> = params.servers.iter().map(Search::new).collect();
    search(&mut ctx, &mut searches);
    let results: Vec<ServerResult> = searches.into_iter().map(|s| s.result).collect();
    for result in &results {
        if let Some(error) = &result.error {
            println!("{}: stopped: {error}", result.label);
        }
    }
    print!("{}", table(params, &results));
    if let Some(path) = &params.json {
        std::fs::write(path, json(params, &machine, &results))
            .map_err(|e| BenchError::from(e).context(path.display()))?;
        println!("JSON written to {}", path.display());
    }
    Ok(results)
}

/// Where one server's saturation search stands: the highest load within the loss limit and the
/// lowest beyond it, in audio packets per second.
#[derive(Debug)]
struct Search<'a> {
    spec: &'a ServerSpec,
    good: Option<f64>,
    bad: Option<f64>,
    result: ServerResult,
}

impl<'a> Search<'a> {
    fn new(spec: &'a ServerSpec) -> Self {
        Self {
            spec,
            good: None,
            bad: None,
            result: ServerResult {
                label: spec.label.clone(),
                steps: Vec::new(),
                error: None,
            },
        }
    }

    fn bracketed(&self) -> bool {
        self.good.is_some() && self.bad.is_some()
    }

    /// The next load of the ramp: up from the best good load, or down from the lightest bad one.
    fn next_ramp(&self, factor: f64) -> Option<f64> {
        match (self.good, self.bad) {
            (Some(_), Some(_)) => None,
            (Some(good), None) => Some(good * factor),
            (None, Some(bad)) => Some(bad / factor),
            (None, None) => None,
        }
    }

    /// The next bisection load, between the bracket's ends.
    fn next_bisection(&self) -> Option<f64> {
        Some((self.good? * self.bad?).sqrt())
    }

    fn run(&mut self, ctx: &mut Ctx<'_>, load: f64, shape: Load) {
        if self.result.error.is_some() {
            return;
        }
        match step(ctx, self.spec, shape, &mut self.result.steps) {
            Ok(report) if report.loss() <= ctx.params.loss_limit => {
                self.good = Some(self.good.map_or(load, |g| g.max(load)));
            }
            Ok(_) => self.bad = Some(self.bad.map_or(load, |b| b.min(load))),
            Err(e) => self.result.error = Some(e.0),
        }
    }
}

/// Scenario (a) for every server, then the ramp (up, or down if (a) already lost too much, by
/// `step` per round) until each server's loss limit is bracketed, then `refine` bisections.
/// Every round runs the servers one after the other at their loads, so the runs that are compared
/// are minutes apart at most, not a whole search apart: a shared machine drifts.
fn search(ctx: &mut Ctx<'_>, searches: &mut [Search<'_>]) {
    let params = ctx.params;
    let a = Load {
        speakers: params.base.speakers,
        rate: params.base.rate,
    };
    for search in searches.iter_mut() {
        search.run(ctx, a.packets_per_sec(), a);
    }
    for _ in 0..params.max_steps {
        if searches
            .iter()
            .all(|s| s.bracketed() || s.result.error.is_some())
        {
            break;
        }
        for search in searches.iter_mut() {
            if let Some(load) = search.next_ramp(params.step) {
                let shape = Load::of(load, &params.base);
                if shape.rate <= MAX_RATE {
                    search.run(ctx, load, shape);
                }
            }
        }
        if ctx.interrupted {
            return;
        }
    }
    for _ in 0..params.refine {
        for search in searches.iter_mut() {
            if let Some(load) = search.next_bisection() {
                search.run(ctx, load, Load::of(load, &params.base));
            }
        }
        if ctx.interrupted {
            return;
        }
    }
}

/// One step, run again while other processes disturb it (up to `attempts`); keeps the least
/// disturbed run.
fn step(
    ctx: &mut Ctx<'_>,
    spec: &ServerSpec,
    load: Load,
    steps: &mut Vec<Report>,
) -> Result<Report, BenchError> {
    let mut best: Option<Report> = None;
    for attempt in 1..=ctx.params.attempts.max(1) {
        let report = attempt_step(ctx, spec, load)?;
        let disturbed = report.max_other_load() > DISTURBED;
        if disturbed {
            println!(
                "  (attempt {attempt}: disturbed by other processes, {:.0}% of a core)",
                report.max_other_load() * 100.0
            );
        }
        if best
            .as_ref()
            .is_none_or(|b| report.max_other_load() < b.max_other_load())
        {
            best = Some(report);
        }
        if !disturbed {
            break;
        }
    }
    let report = best.ok_or_else(|| BenchError::new("no attempt"))?;
    steps.push(report.clone());
    Ok(report)
}

/// One run: a fresh server, the generator, the server stopped.
fn attempt_step(ctx: &mut Ctx<'_>, spec: &ServerSpec, load: Load) -> Result<Report, BenchError> {
    let params = ctx.params;
    ctx.sleep(SETTLE)?;
    wait_for_quiet(ctx, params.quiet_wait)?;
    let server = RunningServer::start(spec, &params.setup)?;
    let run = UdpParams {
        label: spec.label.clone(),
        target: server.addr,
        secret: params.setup.secret.clone(),
        channel: params.setup.channel.clone(),
        speakers: load.speakers,
        rate: load.rate,
        server_pid: Some(server.pid),
        ..params.base.clone()
    };
    let report = ctx.block_on(generator::run(&run));
    let stopped = server.stop();
    let report = report??;
    if let Err(e) = stopped {
        println!("{}: {e}", spec.label);
    }
    println!("{}", report.summary());
    let _ = std::io::stdout().flush();
    Ok(report)
}

/// Waits until no core is busier than [`QUIET_BUSY`], for at most `max`; says so if it gave up.
fn wait_for_quiet(ctx: &mut Ctx<'_>, max: Duration) -> Result<(), BenchError> {
    let announce = |busy: &[f64]| {
        println!(
            "waiting for the machine to be idle (cores busy {})",
            cpu::percents(busy)
        );
    };
    if let Some(busy) =
        ctx.block_on(cpu::wait_for_quiet(max, QUIET_BUSY, QUIET_SAMPLE, announce))?
    {
        println!(
            "warning: the machine is still busy ({}); running anyway",
            cpu::percents(&busy)
        );
    }
    Ok(())
}

/// The null relay's saturation rate, which the others are divided by.
fn null_saturation(params: &SweepParams, results: &[ServerResult]) -> Option<f64> {
    params
        .servers
        .iter()
        .zip(results)
        .find(|(spec, _)| matches!(spec.kind, ServerKind::NullRelay(_)))
        .and_then(|(_, r)| r.saturation(params.loss_limit))
        .map(Report::delivered_pps)
}

fn table(params: &SweepParams, results: &[ServerResult]) -> String {
    let base = &params.base;
    let limit = params.loss_limit;
    let mut out = format!(
        "\n(a) {} clients, {} speakers x {}/s, {} B payload, {} s per step\n\
         {:<12} {:>12} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8}\n",
        base.clients,
        base.speakers,
        base.rate,
        base.payload,
        base.secs,
        "server",
        "delivered/s",
        "loss",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "gen CPU",
        "srv CPU",
    );
    for result in results {
        if let Some(a) = result.scenario_a() {
            out.push_str(&format!(
                "{:<12} {:>12.0} {:>8.3}% {:>8.3} {:>8.3} {:>9.3} {:>7.0}% {:>7.0}%\n",
                result.label,
                a.delivered_pps(),
                a.loss() * 100.0,
                a.latency_us.p50 / 1000.0,
                a.latency_us.p99 / 1000.0,
                a.latency_us.p999 / 1000.0,
                a.generator_cpu.utilisation() * 100.0,
                a.server_cpu.map_or(0.0, |c| c.utilisation() * 100.0),
            ));
        }
    }
    let null = null_saturation(params, results);
    out.push_str(&format!(
        "\n(b) saturation: highest delivered/s with loss <= {}%, and the first load beyond it\n\
         {:<12} {:>12} {:>9} {:>8} {:>8} {:>8} {:>10} {:>10} {:>14} {:>8} {:>10}\n",
        limit * 100.0,
        "server",
        "delivered/s",
        "speakers",
        "rate",
        "gen CPU",
        "srv CPU",
        "us/deliv",
        "cli drops",
        "next: deliv/s",
        "loss",
        "vs null",
    ));
    for result in results {
        let Some(sat) = result.saturation(limit) else {
            out.push_str(&format!("{:<12} no load within the limit\n", result.label));
            continue;
        };
        let over = result.first_over(limit);
        out.push_str(&format!(
            "{:<12} {:>12.0} {:>9} {:>8.1} {:>7.0}% {:>7.0}% {:>10.2} {:>10} {:>14} {:>8} {:>10}\n",
            result.label,
            sat.delivered_pps(),
            sat.speakers,
            sat.rate,
            sat.generator_cpu.utilisation() * 100.0,
            sat.server_cpu.map_or(0.0, |c| c.utilisation() * 100.0),
            sat.server_us_per_delivery().unwrap_or(f64::NAN),
            sat.drops_clients,
            over.map_or("-".into(), |o| format!("{:.0}", o.delivered_pps())),
            over.map_or("-".into(), |o| format!("{:.1}%", o.loss() * 100.0)),
            null.map_or("-".into(), |n| format!("{:.2}", sat.delivered_pps() / n)),
        ));
    }
    out
}

fn json(params: &SweepParams, machine: &str, results: &[ServerResult]) -> String {
    let limit = params.loss_limit;
    let null = null_saturation(params, results);
    let servers: Vec<String> = results
        .iter()
        .map(|r| {
            let steps: Vec<String> = r.steps.iter().map(Report::json).collect();
            let sat = r.saturation(limit);
            JsonObject::new()
                .string("label", &r.label)
                .opt_string("error", r.error.as_deref())
                .raw(
                    "scenario_a",
                    &r.scenario_a().map_or("null".into(), Report::json),
                )
                .raw("saturation", &sat.map_or("null".into(), Report::json))
                .raw(
                    "first_over_limit",
                    &r.first_over(limit).map_or("null".into(), Report::json),
                )
                .float(
                    "ratio_to_null_relay",
                    match (sat, null) {
                        (Some(s), Some(n)) if n > 0.0 => s.delivered_pps() / n,
                        _ => f64::NAN,
                    },
                )
                .raw("steps", &array(steps.iter().map(String::as_str)))
                .finish()
        })
        .collect();
    JsonObject::new()
        .raw("machine", machine)
        .float("loss_limit", limit)
        .raw("servers", &array(servers.iter().map(String::as_str)))
        .finish()
}

/// Cores, CPU model, kernel and load average: the figures are only meaningful with these.
/// (The core count is the machine's, not this process's: the sweep runs pinned to one core.)
fn machine_facts() -> (usize, String, String, String) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_default();
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    };
    (
        cores,
        model,
        read("/proc/sys/kernel/osrelease"),
        read("/proc/loadavg"),
    )
}

pub(crate) fn machine_summary() -> String {
    let (cores, model, kernel, load) = machine_facts();
    format!("{cores} cores ({model}), Linux {kernel}, loadavg {load}")
}

pub(crate) fn machine_json() -> String {
    let (cores, model, kernel, load) = machine_facts();
    JsonObject::new()
        .uint("cores", cores as u64)
        .string("cpu", &model)
        .string("kernel", &kernel)
        .string("loadavg_at_start", &load)
        .finish()
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn base() -> UdpParams {
        UdpParams::new(SocketAddr::from(([127, 0, 0, 1], 1)), "s")
    }

    #[test]
    fn load_adds_speakers_before_raising_the_rate() {
        let base = base();
        assert_eq!(
            Load::of(1000.0, &base),
            Load {
                speakers: 20,
                rate: 50.0
            }
        );
        assert_eq!(
            Load::of(1250.0, &base),
            Load {
                speakers: 25,
                rate: 50.0
            }
        );
        let all = Load::of(20_000.0, &base);
        assert_eq!(all.speakers, 200);
        assert_eq!(all.rate, 100.0);
    }

    #[test]
    fn the_search_ramps_towards_the_limit_then_bisects() {
        let spec = ServerSpec {
            label: "x".into(),
            kind: ServerKind::Hark("hark".into()),
        };
        let mut search = Search::new(&spec);
        search.good = Some(1000.0);
        assert_eq!(search.next_ramp(1.25), Some(1250.0));
        assert_eq!(search.next_bisection(), None);
        search.bad = Some(4000.0);
        assert_eq!(search.next_ramp(1.25), None);
        assert_eq!(search.next_bisection(), Some(2000.0));
        search.good = None;
        assert_eq!(search.next_ramp(2.0), Some(2000.0));
    }

    #[test]
    fn saturation_is_the_best_step_within_the_limit() {
        let step = |expected: u64, received: u64| Report {
            secs: 1.0,
            expected,
            received,
            ..Report::default()
        };
        let result = ServerResult {
            label: "x".into(),
            steps: vec![
                step(100, 100),
                step(200, 199),
                step(400, 300),
                step(300, 290),
            ],
            error: None,
        };
        assert_eq!(result.saturation(0.01).map(|r| r.received), Some(199));
        assert_eq!(result.first_over(0.01).map(|r| r.received), Some(290));
    }
}
