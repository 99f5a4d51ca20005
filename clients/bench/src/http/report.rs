//! What one stream run measured, as JSON for tools and one line for people.

use crate::json::JsonObject;
use crate::report::Latency;
use crate::ws::fleet::ErrorCounts;
use crate::ws::report::{Measured, errors_json};

const MIB: f64 = 1024.0 * 1024.0;

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct HttpReport {
    pub label: String,
    pub url: String,
    pub connections: usize,
    /// Length of the measured window, seconds.
    pub secs: f64,
    /// Bytes asked for per request, and the file's length.
    pub range: u64,
    pub file_len: u64,
    /// Requests answered `206` with the whole range, and their body bytes.
    pub requests: u64,
    pub bytes: u64,
    /// Request start to last body byte, of the good requests.
    pub latency: Latency,
    /// Every other outcome, by kind (`status 200`, `closed by server`, `timeout`…).
    pub errors: ErrorCounts,
    /// Connections opened again after the server ended one with `Connection: close` (hark does
    /// after its `keepalive_requests`, stream.md §8); not errors.
    pub reconnects: u64,
    pub measured: Measured,
}

impl HttpReport {
    pub fn requests_per_sec(&self) -> f64 {
        per_second(self.requests as f64, self.secs)
    }

    pub fn mib_per_sec(&self) -> f64 {
        per_second(self.bytes as f64 / MIB, self.secs)
    }

    /// Server CPU per good request, microseconds.
    pub fn server_us_per_request(&self) -> Option<f64> {
        let server = self.measured.server_cpu?;
        (self.requests > 0).then(|| server.cpu_secs * 1e6 / self.requests as f64)
    }

    pub fn json(&self) -> String {
        let latency = JsonObject::new()
            .float("p50", self.latency.p50 / 1000.0)
            .float("p99", self.latency.p99 / 1000.0)
            .float("p99_9", self.latency.p999 / 1000.0)
            .float("max", self.latency.max / 1000.0)
            .finish();
        JsonObject::new()
            .string("label", &self.label)
            .string("url", &self.url)
            .uint("connections", self.connections as u64)
            .float("secs", self.secs)
            .uint("range", self.range)
            .uint("file_len", self.file_len)
            .uint("requests", self.requests)
            .uint("bytes", self.bytes)
            .float("requests_per_sec", self.requests_per_sec())
            .float("mib_per_sec", self.mib_per_sec())
            .raw("latency_ms", &latency)
            .uint("error_count", self.errors.total())
            .raw("errors", &errors_json(&self.errors))
            .uint("reconnects", self.reconnects)
            .float(
                "server_us_per_request",
                self.server_us_per_request().unwrap_or(f64::NAN),
            )
            .raw("cpu", &self.measured.json())
            .finish()
    }

    pub fn summary(&self) -> String {
        let mut line = format!(
            "{}: {} connections, {} B ranges of {} B for {:.1} s: {:.0} requests/s, {:.1} MiB/s, \
             latency p50 {:.3} ms p99 {:.3} ms max {:.3} ms; {} reconnects; {}",
            self.label,
            self.connections,
            self.range,
            self.file_len,
            self.secs,
            self.requests_per_sec(),
            self.mib_per_sec(),
            self.latency.p50 / 1000.0,
            self.latency.p99 / 1000.0,
            self.latency.max / 1000.0,
            self.reconnects,
            self.measured.summary(),
        );
        if let Some(per) = self.server_us_per_request() {
            line.push_str(&format!(" ({per:.2} us server CPU per request)"));
        }
        line.push_str(&format!("; errors: {}", self.errors.summary()));
        line
    }
}

fn per_second(count: f64, secs: f64) -> f64 {
    if secs > 0.0 { count / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_counts_over_the_window() {
        let report = HttpReport {
            secs: 2.0,
            requests: 1000,
            bytes: 1000 * 65_536,
            ..HttpReport::default()
        };
        assert_eq!(report.requests_per_sec(), 500.0);
        assert_eq!(report.mib_per_sec(), 31.25);
        assert!(report.json().contains("\"requests_per_sec\":500,"));
        assert!(report.json().contains("\"error_count\":0,"));
    }
}
