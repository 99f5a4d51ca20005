//! What one generator run measured, as JSON for tools and one line for people.

use std::net::SocketAddr;

use hdrhistogram::Histogram;

use super::cpu::CpuUse;
use super::json::{JsonObject, array};

/// One-way latency percentiles, microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    /// Reads the percentiles of a nanosecond histogram.
    pub fn from_histogram(ns: &Histogram<u64>) -> Self {
        let us = |v: u64| v as f64 / 1000.0;
        if ns.is_empty() {
            return Self::default();
        }
        Self {
            p50: us(ns.value_at_quantile(0.50)),
            p99: us(ns.value_at_quantile(0.99)),
            p999: us(ns.value_at_quantile(0.999)),
            max: us(ns.max()),
        }
    }

    fn json(&self) -> String {
        JsonObject::new()
            .float("p50", self.p50)
            .float("p99", self.p99)
            .float("p99_9", self.p999)
            .float("max", self.max)
            .finish()
    }
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was measured (`hark`, `hark-smol`, `null-relay`, or the operator's `--label`).
    pub label: String,
    pub target: Option<SocketAddr>,
    pub clients: usize,
    pub speakers: usize,
    /// Packets per second per speaker.
    pub rate: f64,
    pub payload: usize,
    /// Length of the send window, seconds.
    pub secs: f64,
    /// Audio packets sent, and those the generator could not send.
    pub sent: u64,
    pub send_blocked: u64,
    pub send_failed: u64,
    /// Worst lateness of a send against the schedule, milliseconds.
    pub max_send_lag_ms: f64,
    /// Deliveries expected (each packet to every other member) and received.
    pub expected: u64,
    pub received: u64,
    /// Listeners that timed their datagrams, and how many datagrams they timed.
    pub probes: usize,
    pub latency_samples: u64,
    pub latency_us: Latency,
    pub generator_cpu: CpuUse,
    pub server_cpu: Option<CpuUse>,
    /// How busy each core of the machine was (any process), in core order.
    pub core_busy: Vec<f64>,
    /// The part of each core's busy time that the generator and the server do not explain
    /// (other processes), when they are pinned to one core each.
    pub other_load: Vec<f64>,
    /// Kernel receive-buffer drops at the server's port and at the clients' ports.
    pub drops_server: u64,
    pub drops_clients: u64,
    pub server_errors: u64,
    pub last_server_error: Option<String>,
    pub recv_errors: u64,
}

impl Report {
    /// Fraction of expected deliveries that did not arrive (0 when nothing was expected).
    pub fn loss(&self) -> f64 {
        if self.expected == 0 {
            return 0.0;
        }
        (1.0 - self.received as f64 / self.expected as f64).max(0.0)
    }

    /// Server CPU per delivered datagram, microseconds: steadier than the saturation rate on a
    /// machine whose speed drifts, since both halves of the ratio drift together.
    pub fn server_us_per_delivery(&self) -> Option<f64> {
        let server = self.server_cpu?;
        (self.received > 0).then(|| server.cpu_secs * 1e6 / self.received as f64)
    }

    /// The busiest core's share of other processes.
    pub fn max_other_load(&self) -> f64 {
        self.other_load.iter().copied().fold(0.0, f64::max)
    }

    /// Deliveries per second the load asked for.
    pub fn offered_pps(&self) -> f64 {
        per_second(self.expected, self.secs)
    }

    /// Deliveries per second that arrived.
    pub fn delivered_pps(&self) -> f64 {
        per_second(self.received, self.secs)
    }

    pub fn json(&self) -> String {
        let cpu = |c: &CpuUse| {
            JsonObject::new()
                .float("cpu_secs", c.cpu_secs)
                .float("wall_secs", c.wall_secs)
                .float("utilisation", c.utilisation())
                .finish()
        };
        let fractions =
            |v: &[f64]| -> Vec<String> { v.iter().map(|b| format!("{b:.3}")).collect() };
        let core_busy = fractions(&self.core_busy);
        let other_load = fractions(&self.other_load);
        JsonObject::new()
            .string("label", &self.label)
            .opt_string("target", self.target.map(|t| t.to_string()).as_deref())
            .uint("clients", self.clients as u64)
            .uint("speakers", self.speakers as u64)
            .float("rate", self.rate)
            .uint("payload", self.payload as u64)
            .float("secs", self.secs)
            .uint("sent", self.sent)
            .uint("send_blocked", self.send_blocked)
            .uint("send_failed", self.send_failed)
            .float("max_send_lag_ms", self.max_send_lag_ms)
            .uint("expected", self.expected)
            .uint("received", self.received)
            .float("loss", self.loss())
            .float("offered_pps", self.offered_pps())
            .float("delivered_pps", self.delivered_pps())
            .uint("probes", self.probes as u64)
            .uint("latency_samples", self.latency_samples)
            .raw("latency_us", &self.latency_us.json())
            .raw("generator_cpu", &cpu(&self.generator_cpu))
            .raw(
                "server_cpu",
                &self.server_cpu.as_ref().map_or("null".into(), cpu),
            )
            .raw("core_busy", &array(core_busy.iter().map(String::as_str)))
            .raw("other_load", &array(other_load.iter().map(String::as_str)))
            .float(
                "server_us_per_delivery",
                self.server_us_per_delivery().unwrap_or(f64::NAN),
            )
            .uint("drops_server_socket", self.drops_server)
            .uint("drops_client_sockets", self.drops_clients)
            .uint("server_errors", self.server_errors)
            .opt_string("last_server_error", self.last_server_error.as_deref())
            .uint("recv_errors", self.recv_errors)
            .finish()
    }

    /// One line: load, delivery, loss, latency, and who was busy.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{}: {} clients, {} speakers x {:.0}/s, {} B: delivered {:.0}/s of {:.0}/s (loss {:.3}%), \
             latency p50 {:.3} ms p99 {:.3} ms p99.9 {:.3} ms ({} probes); generator CPU {:.0}%",
            self.label,
            self.clients,
            self.speakers,
            self.rate,
            self.payload,
            self.delivered_pps(),
            self.offered_pps(),
            self.loss() * 100.0,
            self.latency_us.p50 / 1000.0,
            self.latency_us.p99 / 1000.0,
            self.latency_us.p999 / 1000.0,
            self.probes,
            self.generator_cpu.utilisation() * 100.0,
        );
        if let (Some(server), Some(per)) = (&self.server_cpu, self.server_us_per_delivery()) {
            line.push_str(&format!(
                ", server CPU {:.0}% ({per:.2} us per delivery)",
                server.utilisation() * 100.0
            ));
        }
        if !self.core_busy.is_empty() {
            let busy: Vec<String> = self
                .core_busy
                .iter()
                .map(|b| format!("{:.0}%", b * 100.0))
                .collect();
            line.push_str(&format!(", cores busy {}", busy.join("/")));
        }
        if self.max_other_load() > 0.0 {
            let other: Vec<String> = self
                .other_load
                .iter()
                .map(|b| format!("{:.0}%", b * 100.0))
                .collect();
            line.push_str(&format!(" (other processes {})", other.join("/")));
        }
        line.push_str(&format!(
            "; kernel drops: server socket {}, client sockets {}",
            self.drops_server, self.drops_clients
        ));
        if self.send_blocked + self.send_failed > 0 {
            line.push_str(&format!(
                "; unsent {}",
                self.send_blocked + self.send_failed
            ));
        }
        if let Some(error) = &self.last_server_error {
            line.push_str(&format!(
                "; {} server errors, last: {error}",
                self.server_errors
            ));
        }
        line
    }
}

fn per_second(count: u64, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_rates_follow_the_counts() {
        let report = Report {
            secs: 2.0,
            expected: 1000,
            received: 990,
            ..Report::default()
        };
        assert!((report.loss() - 0.01).abs() < 1e-12);
        assert_eq!(report.offered_pps(), 500.0);
        assert_eq!(report.delivered_pps(), 495.0);
        assert!(report.json().contains("\"delivered_pps\":495,"));
    }

    #[test]
    fn duplicates_do_not_make_loss_negative() {
        let report = Report {
            expected: 10,
            received: 11,
            ..Report::default()
        };
        assert_eq!(report.loss(), 0.0);
    }
}
