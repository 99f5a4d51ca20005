//! The speakers: K clients each sending R audio packets per second. Their sends are interleaved on
//! one schedule — send `m` is due at `start + m / (K·R)`, from speaker `m mod K` — so the offered
//! load is smooth rather than K simultaneous bursts, and one timer drives them all.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hark_driver::runtime::AsyncUdpSocket;

use super::client::send;
use super::packets::{Identity, audio, wall_secs};
use super::stamp::Stamp;

/// A client that speaks.
#[derive(Debug, Clone)]
pub struct Speaker {
    pub identity: Identity,
    pub socket: Arc<dyn AsyncUdpSocket>,
}

/// When and how much the speakers send.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub start: Instant,
    /// Packets per second per speaker.
    pub rate: f64,
    pub packets_per_speaker: u64,
    /// Audio payload bytes per packet (the stamp included).
    pub payload: usize,
}

/// What the speakers did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendStats {
    /// Audio packets the kernel accepted.
    pub sent: u64,
    /// Packets not sent because the socket's buffer was full.
    pub blocked: u64,
    /// Packets not sent for another error (or not encodable).
    pub failed: u64,
    /// How late the latest send was against its schedule: a generator that cannot keep its own
    /// schedule is saturated.
    pub max_lag: Duration,
}

/// Sends the schedule's packets from `speakers` to `target`, each stamped with its send time
/// relative to `base`, and returns what was sent.
pub async fn speak(
    speakers: Vec<Speaker>,
    target: SocketAddr,
    base: Instant,
    schedule: Schedule,
) -> SendStats {
    let mut stats = SendStats::default();
    let count = speakers.len() as u64;
    let total = count.saturating_mul(schedule.packets_per_speaker);
    if total == 0 || schedule.rate <= 0.0 {
        return stats;
    }
    let interval = 1.0 / (count as f64 * schedule.rate);
    let due = |m: u64| schedule.start + Duration::from_secs_f64(m as f64 * interval);
    let mut m = 0u64;
    while m < total {
        tokio::time::sleep_until(due(m).into()).await;
        let now = Instant::now();
        let wall = wall_secs();
        while m < total && due(m) <= now {
            stats.max_lag = stats.max_lag.max(now.saturating_duration_since(due(m)));
            let index = usize::try_from(m % count).unwrap_or(0);
            let sequence = u32::try_from(m / count + 1).unwrap_or(u32::MAX);
            if let Some(speaker) = speakers.get(index) {
                match send_one(
                    speaker,
                    index,
                    sequence,
                    wall,
                    target,
                    base,
                    schedule.payload,
                ) {
                    Ok(()) => stats.sent += 1,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => stats.blocked += 1,
                    Err(_) => stats.failed += 1,
                }
            }
            m += 1;
        }
    }
    stats
}

fn send_one(
    speaker: &Speaker,
    index: usize,
    sequence: u32,
    wall: u32,
    target: SocketAddr,
    base: Instant,
    payload: usize,
) -> io::Result<()> {
    let stamp = Stamp {
        sent_ns: u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX),
        speaker: u32::try_from(index).unwrap_or(u32::MAX),
        sequence,
    };
    let datagram = audio(&speaker.identity, sequence, wall, stamp.payload(payload))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    send(&*speaker.socket, target, &datagram)
}
