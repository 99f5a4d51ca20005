//! The run phase of a group: receive everything the relay delivers, count it and time it, and keep
//! the sessions alive with heartbeats (listeners send no audio, and the server ends a silent
//! session after `session_timeout`).

use std::future::poll_fn;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hark_core::wire::audio::PacketType;
use hdrhistogram::Histogram;

use super::BenchError;
use super::client::send;
use super::group::Group;
use super::packets::{Control, Reply, classify, control, wall_secs};
use super::stamp::Stamp;

/// Heartbeat period: the seed's advice, a third of the default 30 s session timeout.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// Largest latency the histograms hold: one hour, in nanoseconds.
const MAX_LATENCY_NS: u64 = 3_600_000_000_000;

/// An empty latency histogram (nanoseconds, 3 significant digits). Every group's is made from
/// this one with [`ListenStats::new`], so they have the same bounds and add up.
pub fn latency_histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3)
        .map_err(|e| BenchError::new(format!("latency histogram: {e}")))
}

/// What one group received during the run.
#[derive(Debug, Clone)]
pub struct ListenStats {
    /// Stamped audio datagrams received.
    pub received: u64,
    /// One-way latency of those the probes received, nanoseconds.
    pub latency: Histogram<u64>,
    /// Error packets from the server, and the last one's text.
    pub server_errors: u64,
    pub last_server_error: Option<String>,
    /// Anything else (Acks of heartbeats).
    pub other: u64,
    /// Receive calls that failed.
    pub recv_errors: u64,
}

impl ListenStats {
    /// Empty figures whose histogram has `template`'s bounds.
    pub fn new(template: &Histogram<u64>) -> Self {
        Self {
            received: 0,
            latency: Histogram::new_from(template),
            server_errors: 0,
            last_server_error: None,
            other: 0,
            recv_errors: 0,
        }
    }

    /// Adds another group's figures to these.
    pub fn merge(&mut self, other: &ListenStats) {
        self.received += other.received;
        // Same bounds everywhere, so adding cannot fail; a failure would only lose percentiles.
        let _ = self.latency.add(&other.latency);
        self.server_errors += other.server_errors;
        if other.last_server_error.is_some() {
            self.last_server_error.clone_from(&other.last_server_error);
        }
        self.other += other.other;
        self.recv_errors += other.recv_errors;
    }

    /// Counts one datagram; `now_ns` is its arrival time for a probe, `None` for a polled socket
    /// (whose receive time is the next tick, not the arrival).
    fn record(&mut self, now_ns: Option<u64>, datagram: &[u8]) {
        if let Some(stamp) = Stamp::from_datagram(datagram) {
            self.received += 1;
            if let Some(now_ns) = now_ns {
                self.latency
                    .saturating_record(now_ns.saturating_sub(stamp.sent_ns).max(1));
            }
        } else if datagram.first() == Some(&PacketType::Error.to_wire()) {
            self.server_errors += 1;
            if let Reply::Error(message) = classify(datagram) {
                self.last_server_error = Some(message);
            }
        } else {
            self.other += 1;
        }
    }
}

/// Receives until `until` and adds to `stats`: a probe group times each audio datagram against
/// `base`, a polled group is read every `tick`. Heartbeats every [`HEARTBEAT`]. Returns the group
/// for the leave that follows.
pub async fn listen(
    mut group: Group,
    target: SocketAddr,
    base: Instant,
    until: Instant,
    tick: Duration,
    mut stats: ListenStats,
) -> (Group, ListenStats) {
    let mut end = Box::pin(tokio::time::sleep_until(until.into()));
    let mut heartbeat = Box::pin(tokio::time::sleep(HEARTBEAT));
    let mut poll_again = Box::pin(tokio::time::sleep(tick));
    let timed = group.probes;
    poll_fn(|cx| {
        let received = &mut stats;
        let errors = group.poll_receive(cx, |_, now, datagram| {
            let now_ns = timed.then(|| {
                u64::try_from(now.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
            });
            received.record(now_ns, datagram);
        });
        stats.recv_errors += errors;
        while !timed && poll_again.as_mut().poll(cx).is_ready() {
            poll_again.as_mut().reset((Instant::now() + tick).into());
            cx.waker().wake_by_ref();
        }
        while heartbeat.as_mut().poll(cx).is_ready() {
            send_all(&group, target, Control::Heartbeat);
            heartbeat
                .as_mut()
                .reset((Instant::now() + HEARTBEAT).into());
        }
        end.as_mut().poll(cx)
    })
    .await;
    (group, stats)
}

/// Sends `what` from every client of the group, best effort: a lost heartbeat is covered by the
/// next, a lost leave by the server's session timeout.
pub fn send_all(group: &Group, target: SocketAddr, what: Control) {
    let wall = wall_secs();
    for client in &group.clients {
        let _ = send(
            &*client.socket,
            target,
            &control(&client.identity, what, wall),
        );
    }
}
