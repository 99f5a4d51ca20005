//! The counters of `/health` (stream.md §9), kept by the connections as they answer, and the
//! snapshot a running server publishes.

use std::sync::atomic::{AtomicU64, Ordering};

use hark_core::stream::StreamHealth;
use serde::{Deserialize, Serialize};

/// A snapshot of a running stream server: `/health`'s counters and the refusals, flat in the
/// admin `stats` JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamServerStats {
    /// Open connections, and what was answered since start (or the last admin `reset`).
    #[serde(flatten)]
    pub health: StreamHealth,
    /// Connections closed at once because `max_connections` (or the per-IP share) were open.
    pub connections_refused: u64,
}

/// The live counters, shared by every connection of a server.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    status_200: AtomicU64,
    status_206: AtomicU64,
    status_304: AtomicU64,
    status_4xx: AtomicU64,
    status_5xx: AtomicU64,
    bytes_sent: AtomicU64,
    connections_refused: AtomicU64,
}

impl Counters {
    pub fn opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn closed(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// One answered request, under its status class. `/health` has no class for the other
    /// 2xx and 3xx answers (a preflight's `204`): they count as requests only.
    pub fn answered(&self, status: u16) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let class = match status {
            200 => Some(&self.status_200),
            206 => Some(&self.status_206),
            304 => Some(&self.status_304),
            400..=499 => Some(&self.status_4xx),
            500..=599 => Some(&self.status_5xx),
            _ => None,
        };
        if let Some(counter) = class {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn sent(&self, bytes: u64) {
        self.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Zeroes everything but the open connections, which is a gauge (admin `reset`).
    pub fn reset(&self) {
        for counter in [
            &self.requests,
            &self.status_200,
            &self.status_206,
            &self.status_304,
            &self.status_4xx,
            &self.status_5xx,
            &self.bytes_sent,
            &self.connections_refused,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> StreamServerStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StreamServerStats {
            health: StreamHealth {
                connections: read(&self.connections),
                requests: read(&self.requests),
                status_200: read(&self.status_200),
                status_206: read(&self.status_206),
                status_304: read(&self.status_304),
                status_4xx: read(&self.status_4xx),
                status_5xx: read(&self.status_5xx),
                bytes_sent: read(&self.bytes_sent),
            },
            connections_refused: read(&self.connections_refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_counted_under_their_status_class() {
        let counters = Counters::default();
        for status in [200, 206, 206, 304, 404, 416, 503, 204] {
            counters.answered(status);
        }
        let s = counters.snapshot().health;
        assert_eq!(s.requests, 8);
        assert_eq!(
            (s.status_200, s.status_206, s.status_304),
            (1, 2, 1),
            "{s:?}"
        );
        assert_eq!((s.status_4xx, s.status_5xx), (2, 1));
    }

    #[test]
    fn reset_zeroes_the_counters_but_not_the_open_connections() {
        let counters = Counters::default();
        counters.opened();
        counters.answered(200);
        counters.sent(10);
        counters.reset();
        assert_eq!(
            counters.snapshot(),
            StreamServerStats {
                health: StreamHealth {
                    connections: 1,
                    ..StreamHealth::default()
                },
                ..StreamServerStats::default()
            }
        );
    }
}
