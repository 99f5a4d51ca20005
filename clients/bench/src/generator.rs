//! One generator run: bind N clients, bring them into the channel, let K speak for D seconds while
//! all N listen, then add up what arrived. The run's CPU cost is measured alongside, because a
//! load generator that saturates its own core measures itself.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::BenchError;
use super::cpu::{self, CpuMeter};
use super::group::Group;
use super::listen::{ListenStats, latency_histogram, listen, send_all};
use super::packets::Control;
use super::report::{Latency, Report};
use super::setup;
use super::speakers::{Schedule, SendStats, Speaker, speak};
use super::stamp::STAMP_LEN;
use super::udp_drops;

/// Time between the end of setup and the first audio packet, so every listener task is waiting.
const LEAD_IN: Duration = Duration::from_millis(50);

/// What one run does.
#[derive(Debug, Clone)]
pub struct UdpParams {
    pub label: String,
    pub target: SocketAddr,
    pub secret: String,
    pub channel: String,
    pub clients: usize,
    pub speakers: usize,
    /// Packets per second per speaker.
    pub rate: f64,
    /// Length of the send window, seconds.
    pub secs: f64,
    /// Audio payload bytes.
    pub payload: usize,
    /// Tasks the polled clients are spread over.
    pub groups: usize,
    /// Readiness-driven listeners that time what they receive (the others only count it).
    pub probes: usize,
    /// How often the polled listeners are drained.
    pub poll_interval: Duration,
    /// How long listeners keep receiving after the last send.
    pub grace: Duration,
    /// Kernel buffer of each client socket, bytes.
    pub client_buffer: usize,
    /// A server process whose CPU to sample over the same window (the sweep's server).
    pub server_pid: Option<u32>,
}

impl UdpParams {
    /// The defaults of the scenario (a), for `target`.
    pub fn new(target: SocketAddr, secret: impl Into<String>) -> Self {
        Self {
            label: "hark".into(),
            target,
            secret: secret.into(),
            channel: "bnch".into(),
            clients: 200,
            speakers: 20,
            rate: 50.0,
            secs: 5.0,
            payload: 160,
            groups: 4,
            probes: 8,
            poll_interval: Duration::from_millis(5),
            grace: Duration::from_secs(1),
            client_buffer: 4 << 20,
            server_pid: None,
        }
    }

    fn check(&self) -> Result<(), BenchError> {
        if self.clients < 2 {
            return Err(BenchError::new(
                "--clients: at least 2 (a speaker and a listener)",
            ));
        }
        if self.speakers == 0 || self.speakers > self.clients {
            return Err(BenchError::new("--speakers: between 1 and --clients"));
        }
        if !(self.rate > 0.0 && self.rate.is_finite()) {
            return Err(BenchError::new(
                "--rate: a positive number of packets per second",
            ));
        }
        if !(self.secs > 0.0 && self.secs <= 3600.0) {
            return Err(BenchError::new("--secs: more than 0 and at most 3600"));
        }
        if self.poll_interval.is_zero() || self.poll_interval > Duration::from_millis(100) {
            return Err(BenchError::new("--poll-ms: between 1 and 100"));
        }
        if !(STAMP_LEN..=u16::MAX as usize).contains(&self.payload) {
            return Err(BenchError::new(format!(
                "--payload: between {STAMP_LEN} (the timing stamp) and 65535 bytes"
            )));
        }
        Ok(())
    }

    fn packets_per_speaker(&self) -> u64 {
        (self.secs * self.rate).round() as u64
    }
}

/// Runs the load described by `params` against its target. Call inside a tokio runtime.
pub async fn run(params: &UdpParams) -> Result<Report, BenchError> {
    params.check()?;
    let base = Instant::now();
    let clients = super::client::bind_clients(
        params.clients,
        params.target,
        &params.channel,
        params.client_buffer,
        |index| super::client::is_probe(index, params.clients, params.probes),
    )?;
    let client_ports: Vec<u16> = clients.iter().map(|c| c.port).collect();
    let speakers: Vec<Speaker> = clients
        .iter()
        .take(params.speakers)
        .map(|c| Speaker {
            identity: c.identity,
            socket: Arc::clone(&c.socket),
        })
        .collect();
    let groups = join_all(Group::split(clients, params.groups), params).await?;

    let template = latency_histogram()?;
    let drops_before = udp_drops::drops_by_port();
    let cores_before = cpu::core_ticks();
    let generator_cpu = CpuMeter::start(None)?;
    let server_cpu = params
        .server_pid
        .map(|pid| CpuMeter::start(Some(pid)))
        .transpose()?;
    let start = Instant::now() + LEAD_IN;
    let send_end = start + Duration::from_secs_f64(params.secs);
    let until = send_end + params.grace;
    let listeners: Vec<_> = groups
        .into_iter()
        .map(|group| {
            let stats = ListenStats::new(&template);
            let tick = params.poll_interval;
            tokio::spawn(listen(group, params.target, base, until, tick, stats))
        })
        .collect();
    let schedule = Schedule {
        start,
        rate: params.rate,
        packets_per_speaker: params.packets_per_speaker(),
        payload: params.payload,
    };
    let sent = tokio::spawn(speak(speakers, params.target, base, schedule))
        .await
        .map_err(|e| BenchError::new(format!("speaker task: {e}")))?;
    let mut heard = ListenStats::new(&template);
    for listener in listeners {
        let (group, stats) = listener
            .await
            .map_err(|e| BenchError::new(format!("listener task: {e}")))?;
        send_all(&group, params.target, Control::Leave);
        heard.merge(&stats);
    }
    let generator_cpu = generator_cpu.stop()?;
    let server_cpu = server_cpu.map(|m| m.stop()).transpose()?;
    let core_busy = cpu::core_busy(&cores_before, &cpu::core_ticks());
    let mut own = Vec::new();
    if let Some(core) = cpu::pinned_core(None) {
        own.push((core, generator_cpu.utilisation()));
    }
    if let (Some(core), Some(server)) = (
        params.server_pid.and_then(|p| cpu::pinned_core(Some(p))),
        &server_cpu,
    ) {
        own.push((core, server.utilisation()));
    }
    let other_load = cpu::other_load(&core_busy, &own);
    let drops_after = udp_drops::drops_by_port();

    Ok(report(params, &sent, &heard, |r| {
        r.generator_cpu = generator_cpu;
        r.server_cpu = server_cpu;
        r.core_busy = core_busy;
        r.other_load = other_load;
        r.drops_server =
            udp_drops::dropped_since(&drops_before, &drops_after, [params.target.port()]);
        r.drops_clients = udp_drops::dropped_since(&drops_before, &drops_after, client_ports);
    }))
}

/// Brings every group into the channel, each on its own task.
async fn join_all(groups: Vec<Group>, params: &UdpParams) -> Result<Vec<Group>, BenchError> {
    let secret: Arc<[u8]> = Arc::from(params.secret.as_bytes());
    let tasks: Vec<_> = groups
        .into_iter()
        .map(|group| {
            let secret = Arc::clone(&secret);
            let target = params.target;
            let tick = params.poll_interval;
            tokio::spawn(async move { setup::join(group, target, &secret, tick).await })
        })
        .collect();
    let mut joined = Vec::with_capacity(tasks.len());
    for task in tasks {
        let group = task
            .await
            .map_err(|e| BenchError::new(format!("setup task: {e}")))??;
        joined.push(group);
    }
    Ok(joined)
}

fn report(
    params: &UdpParams,
    sent: &SendStats,
    heard: &ListenStats,
    measured: impl FnOnce(&mut Report),
) -> Report {
    let mut report = Report {
        label: params.label.clone(),
        target: Some(params.target),
        clients: params.clients,
        speakers: params.speakers,
        rate: params.rate,
        payload: params.payload,
        secs: params.secs,
        sent: sent.sent,
        send_blocked: sent.blocked,
        send_failed: sent.failed,
        max_send_lag_ms: sent.max_lag.as_secs_f64() * 1000.0,
        // Every packet goes to every other member of the channel.
        expected: sent.sent.saturating_mul(params.clients as u64 - 1),
        received: heard.received,
        probes: params.probes.min(params.clients),
        latency_samples: heard.latency.len(),
        latency_us: Latency::from_histogram(&heard.latency),
        server_errors: heard.server_errors,
        last_server_error: heard.last_server_error.clone(),
        recv_errors: heard.recv_errors,
        ..Report::default()
    };
    measured(&mut report);
    report
}
