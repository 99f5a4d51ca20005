//! What a chat run measured, as JSON for tools and one line for people, and the CPU accounting
//! every run shares with the audio benchmark (generator, server, and the other processes on the
//! two pinned cores).

use super::fleet::ErrorCounts;
use crate::BenchError;
use crate::cpu::{self, CpuMeter, CpuUse};
use crate::json::{JsonObject, array};
use crate::report::Latency;

/// CPU of the generator and the server over a window, and how busy each core was.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub generator_cpu: CpuUse,
    pub server_cpu: Option<CpuUse>,
    pub core_busy: Vec<f64>,
    /// Busy time of each core that neither the generator nor the server explains.
    pub other_load: Vec<f64>,
}

/// The meters of a window being measured.
#[derive(Debug)]
pub struct Meters {
    generator: CpuMeter,
    server: Option<CpuMeter>,
    cores: Vec<(u64, u64)>,
}

impl Measured {
    pub fn start(server_pid: Option<u32>) -> Result<Meters, BenchError> {
        Ok(Meters {
            generator: CpuMeter::start(None)?,
            server: server_pid.map(|p| CpuMeter::start(Some(p))).transpose()?,
            cores: cpu::core_ticks(),
        })
    }

    pub(crate) fn json(&self) -> String {
        let use_json = |c: &CpuUse| {
            JsonObject::new()
                .float("cpu_secs", c.cpu_secs)
                .float("wall_secs", c.wall_secs)
                .float("utilisation", c.utilisation())
                .finish()
        };
        let fractions: Vec<String> = self.core_busy.iter().map(|b| format!("{b:.3}")).collect();
        let other: Vec<String> = self.other_load.iter().map(|b| format!("{b:.3}")).collect();
        JsonObject::new()
            .raw("generator_cpu", &use_json(&self.generator_cpu))
            .raw(
                "server_cpu",
                &self.server_cpu.as_ref().map_or("null".into(), use_json),
            )
            .raw("core_busy", &array(fractions.iter().map(String::as_str)))
            .raw("other_load", &array(other.iter().map(String::as_str)))
            .finish()
    }

    pub(crate) fn summary(&self) -> String {
        let mut line = format!(
            "generator CPU {:.0}%",
            self.generator_cpu.utilisation() * 100.0
        );
        if let Some(server) = &self.server_cpu {
            line.push_str(&format!(
                ", server CPU {:.0}%",
                server.utilisation() * 100.0
            ));
        }
        if self.other_load.iter().any(|o| *o > 0.0) {
            let other: Vec<String> = self
                .other_load
                .iter()
                .map(|o| format!("{:.0}%", o * 100.0))
                .collect();
            line.push_str(&format!(" (other processes {})", other.join("/")));
        }
        line
    }
}

impl Meters {
    pub fn stop(self, server_pid: Option<u32>) -> Result<Measured, BenchError> {
        let generator_cpu = self.generator.stop()?;
        let server_cpu = self.server.map(|m| m.stop()).transpose()?;
        let core_busy = cpu::core_busy(&self.cores, &cpu::core_ticks());
        let mut own = Vec::new();
        if let Some(core) = cpu::pinned_core(None) {
            own.push((core, generator_cpu.utilisation()));
        }
        if let (Some(core), Some(server)) = (
            server_pid.and_then(|p| cpu::pinned_core(Some(p))),
            &server_cpu,
        ) {
            own.push((core, server.utilisation()));
        }
        let other_load = cpu::other_load(&core_busy, &own);
        Ok(Measured {
            generator_cpu,
            server_cpu,
            core_busy,
            other_load,
        })
    }
}

fn latency_json(l: &Latency) -> String {
    JsonObject::new()
        .float("p50", l.p50 / 1000.0)
        .float("p99", l.p99 / 1000.0)
        .float("p99_9", l.p999 / 1000.0)
        .float("max", l.max / 1000.0)
        .finish()
}

/// The figures of one throughput run.
#[derive(Debug, Clone, Default)]
pub struct WsReport {
    pub label: String,
    pub url: String,
    pub rooms: usize,
    /// Clients per room.
    pub clients: usize,
    pub rate_per_min: f64,
    pub secs: f64,
    /// Ciphertext bytes per message (before base64).
    pub size: usize,
    pub connections: usize,
    /// Wall time to set up every connection.
    pub setup_secs: f64,
    /// Per connection: connect + upgrade + join → `userList`.
    pub setup: Latency,
    pub sent: u64,
    pub expected: u64,
    pub received: u64,
    /// One-way, sender to each receiver.
    pub latency: Latency,
    pub errors: ErrorCounts,
    pub lost_connections: u64,
    pub max_send_lag_ms: f64,
    pub measured: Measured,
}

impl WsReport {
    pub fn loss(&self) -> f64 {
        if self.expected == 0 {
            return 0.0;
        }
        (1.0 - self.received as f64 / self.expected as f64).max(0.0)
    }

    pub fn delivered_per_sec(&self) -> f64 {
        per_second(self.received, self.secs)
    }

    pub fn offered_per_sec(&self) -> f64 {
        per_second(self.expected, self.secs)
    }

    /// Server CPU per delivered message, microseconds.
    pub fn server_us_per_delivery(&self) -> Option<f64> {
        let server = self.measured.server_cpu?;
        (self.received > 0).then(|| server.cpu_secs * 1e6 / self.received as f64)
    }

    pub fn json(&self) -> String {
        JsonObject::new()
            .string("label", &self.label)
            .string("url", &self.url)
            .uint("rooms", self.rooms as u64)
            .uint("clients_per_room", self.clients as u64)
            .float("rate_per_min", self.rate_per_min)
            .float("secs", self.secs)
            .uint("size", self.size as u64)
            .uint("connections", self.connections as u64)
            .float("setup_secs", self.setup_secs)
            .raw("setup_ms", &latency_json(&self.setup))
            .uint("sent", self.sent)
            .uint("expected", self.expected)
            .uint("received", self.received)
            .float("loss", self.loss())
            .float("offered_per_sec", self.offered_per_sec())
            .float("delivered_per_sec", self.delivered_per_sec())
            .raw("latency_ms", &latency_json(&self.latency))
            .raw("errors", &errors_json(&self.errors))
            .uint("lost_connections", self.lost_connections)
            .float("max_send_lag_ms", self.max_send_lag_ms)
            .float(
                "server_us_per_delivery",
                self.server_us_per_delivery().unwrap_or(f64::NAN),
            )
            .raw("cpu", &self.measured.json())
            .finish()
    }

    pub fn summary(&self) -> String {
        let mut line = format!(
            "{}: {} rooms x {} clients at {}/min, {} B: delivered {:.0}/s of {:.0}/s (loss {:.3}%), \
             latency p50 {:.2} ms p99 {:.2} ms max {:.2} ms; setup p50 {:.2} ms p99 {:.2} ms \
             ({} connections in {:.1} s); {}",
            self.label,
            self.rooms,
            self.clients,
            self.rate_per_min,
            self.size,
            self.delivered_per_sec(),
            self.offered_per_sec(),
            self.loss() * 100.0,
            self.latency.p50 / 1000.0,
            self.latency.p99 / 1000.0,
            self.latency.max / 1000.0,
            self.setup.p50 / 1000.0,
            self.setup.p99 / 1000.0,
            self.connections,
            self.setup_secs,
            self.measured.summary(),
        );
        if let Some(per) = self.server_us_per_delivery() {
            line.push_str(&format!(" ({per:.2} us server CPU per delivery)"));
        }
        line.push_str(&format!("; errors: {}", self.errors.summary()));
        line
    }
}

/// The figures of one idle run: memory per connection, and whether all stayed open.
#[derive(Debug, Clone, Default)]
pub struct IdleReport {
    pub label: String,
    pub url: String,
    pub connections: usize,
    pub room_size: usize,
    pub opened: usize,
    pub setup_failed: usize,
    pub setup_errors: ErrorCounts,
    pub setup_secs: f64,
    pub setup: Latency,
    pub hold_secs: f64,
    /// Server VmRSS before the first connection, once all are open, and at the end of the hold,
    /// KiB.
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_open_kib: Option<u64>,
    pub server_rss_held_kib: Option<u64>,
    /// The generator's own VmRSS, before and at the end of the hold, KiB. Its growth means
    /// something only in a fresh process: an allocator keeps what an earlier run freed.
    pub generator_rss_before_kib: Option<u64>,
    pub generator_rss_held_kib: Option<u64>,
    /// Connections that answered the final `ping` with `pong`.
    pub alive_at_end: usize,
    /// `active_connections` of the server's `/health` at the end of the hold, if it has one.
    pub health_active_connections: Option<u64>,
    /// Errors and closes seen while holding.
    pub errors: ErrorCounts,
    pub measured: Measured,
}

impl IdleReport {
    /// Server memory per idle connection, bytes: the growth of its RSS over the hold divided by
    /// the connections open.
    pub fn server_bytes_per_connection(&self) -> Option<f64> {
        per_connection(
            self.server_rss_before_kib?,
            self.server_rss_held_kib?,
            self.opened,
        )
    }

    pub fn generator_bytes_per_connection(&self) -> Option<f64> {
        per_connection(
            self.generator_rss_before_kib?,
            self.generator_rss_held_kib?,
            self.opened,
        )
    }

    /// Every connection asked for was opened, and answered at the end.
    pub fn all_held(&self) -> bool {
        self.opened == self.connections && self.alive_at_end == self.connections
    }

    pub fn json(&self) -> String {
        let kib = |v: Option<u64>| v.map_or(f64::NAN, |v| v as f64);
        JsonObject::new()
            .string("label", &self.label)
            .string("url", &self.url)
            .uint("connections", self.connections as u64)
            .uint("room_size", self.room_size as u64)
            .uint("opened", self.opened as u64)
            .uint("setup_failed", self.setup_failed as u64)
            .raw("setup_errors", &errors_json(&self.setup_errors))
            .float("setup_secs", self.setup_secs)
            .raw("setup_ms", &latency_json(&self.setup))
            .float("hold_secs", self.hold_secs)
            .float("server_rss_before_kib", kib(self.server_rss_before_kib))
            .float("server_rss_open_kib", kib(self.server_rss_open_kib))
            .float("server_rss_held_kib", kib(self.server_rss_held_kib))
            .float(
                "server_bytes_per_connection",
                self.server_bytes_per_connection().unwrap_or(f64::NAN),
            )
            .float(
                "generator_bytes_per_connection",
                self.generator_bytes_per_connection().unwrap_or(f64::NAN),
            )
            .uint("alive_at_end", self.alive_at_end as u64)
            .float(
                "health_active_connections",
                self.health_active_connections
                    .map_or(f64::NAN, |v| v as f64),
            )
            .raw("errors", &errors_json(&self.errors))
            .raw("cpu", &self.measured.json())
            .finish()
    }

    pub fn summary(&self) -> String {
        let per = |v: Option<f64>| v.map_or("?".into(), |b| format!("{:.1} KiB", b / 1024.0));
        format!(
            "{}: {} idle connections in rooms of {}: opened {} in {:.1} s (setup p50 {:.2} ms p99 \
             {:.2} ms), {} answered after {:.0} s held{}; server memory per connection {} (RSS \
             {} -> {} KiB), generator {} per connection; setup errors: {}; errors while held: {}",
            self.label,
            self.connections,
            self.room_size,
            self.opened,
            self.setup_secs,
            self.setup.p50 / 1000.0,
            self.setup.p99 / 1000.0,
            self.alive_at_end,
            self.hold_secs,
            self.health_active_connections
                .map_or(String::new(), |n| format!(" (server /health: {n} active)")),
            per(self.server_bytes_per_connection()),
            self.server_rss_before_kib
                .map_or("?".into(), |v| v.to_string()),
            self.server_rss_held_kib
                .map_or("?".into(), |v| v.to_string()),
            per(self.generator_bytes_per_connection()),
            self.setup_errors.summary(),
            self.errors.summary(),
        )
    }
}

fn per_connection(before_kib: u64, after_kib: u64, connections: usize) -> Option<f64> {
    (connections > 0).then(|| (after_kib as f64 - before_kib as f64) * 1024.0 / connections as f64)
}

pub(crate) fn errors_json(errors: &ErrorCounts) -> String {
    errors
        .0
        .iter()
        .fold(JsonObject::new(), |o, (k, n)| o.uint(k, *n))
        .finish()
}

fn per_second(count: u64, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_counts_the_sender_s_copy_too() {
        let report = WsReport {
            clients: 10,
            secs: 2.0,
            sent: 100,
            expected: 1000,
            received: 990,
            ..WsReport::default()
        };
        assert!((report.loss() - 0.01).abs() < 1e-12);
        assert_eq!(report.delivered_per_sec(), 495.0);
        assert!(report.json().contains("\"delivered_per_sec\":495,"));
    }

    #[test]
    fn memory_per_connection_is_the_rss_growth_over_the_connections() {
        let report = IdleReport {
            connections: 4,
            opened: 4,
            alive_at_end: 4,
            server_rss_before_kib: Some(1000),
            server_rss_held_kib: Some(1040),
            ..IdleReport::default()
        };
        assert_eq!(report.server_bytes_per_connection(), Some(10240.0));
        assert!(report.all_held());
        assert!(
            report
                .json()
                .contains("\"server_bytes_per_connection\":10240,")
        );
    }
}
