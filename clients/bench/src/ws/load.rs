//! The chat throughput run: R rooms × C clients, each client sending M messages per minute for D
//! seconds, everyone receiving its room's fan-out (the sender included, chat.md §5). Sends are
//! spread evenly over the period across all clients, so the offered load is smooth.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::watch;

use super::conn::{WsConn, WsTarget};
use super::content::{ContentStamp, MIN_SIZE};
use super::fleet::{self, ErrorCounts, Seat, SetupTally};
use super::frames::{self, ServerFrame};
use super::report::{Measured, WsReport};
use crate::BenchError;
use crate::listen::latency_histogram;

/// Between the end of setup and the first message, so every client task is waiting.
const LEAD_IN: Duration = Duration::from_millis(200);

/// What one throughput run does.
#[derive(Debug, Clone)]
pub struct WsParams {
    pub label: String,
    pub target: WsTarget,
    pub rooms: usize,
    /// Clients per room.
    pub clients: usize,
    /// Messages per minute per client (the unit of the server's `message_limit`).
    pub rate: f64,
    /// Length of the send window, seconds.
    pub secs: f64,
    /// Ciphertext bytes per message before base64.
    pub size: usize,
    /// How long clients keep receiving after the last send.
    pub grace: Duration,
    /// Connections being set up at once.
    pub concurrency: usize,
    /// A server process whose CPU to sample over the send window.
    pub server_pid: Option<u32>,
}

impl WsParams {
    pub fn new(target: WsTarget) -> Self {
        Self {
            label: "hark".into(),
            target,
            rooms: 100,
            clients: 10,
            rate: 60.0,
            secs: 10.0,
            size: 96,
            grace: Duration::from_secs(1),
            concurrency: 64,
            server_pid: None,
        }
    }

    pub fn check(&self) -> Result<(), BenchError> {
        if self.rooms == 0 || self.clients == 0 {
            return Err(BenchError::new("--rooms and --clients: at least 1"));
        }
        if !(self.rate > 0.0 && self.rate.is_finite()) {
            return Err(BenchError::new(
                "--rate: a positive number of messages per minute",
            ));
        }
        if !(self.secs > 0.0 && self.secs <= 3600.0) {
            return Err(BenchError::new("--secs: more than 0 and at most 3600"));
        }
        if self.size > 7000 {
            return Err(BenchError::new(
                "--size: at most 7000 bytes (base64 must fit the server's 10 KiB frame limit)",
            ));
        }
        Ok(())
    }

    pub fn connections(&self) -> usize {
        self.rooms * self.clients
    }

    /// Time between two messages of one client.
    fn period(&self) -> Duration {
        Duration::from_secs_f64(60.0 / self.rate)
    }

    fn messages_per_client(&self) -> u32 {
        (self.secs * self.rate / 60.0).round() as u32
    }
}

/// What the clients saw while the load ran.
#[derive(Debug)]
struct LoadTally {
    sent: u64,
    /// Deliveries: `message` frames carrying one of this run's stamps.
    received: u64,
    /// One-way latency of every delivery, nanoseconds.
    latency: Histogram<u64>,
    errors: ErrorCounts,
    /// Connections the server closed (or that failed) before the run ended.
    lost: u64,
    max_send_lag: Duration,
}

/// Runs the load. Call inside a `LocalSet` on a current-thread runtime.
pub async fn run(params: &WsParams) -> Result<WsReport, BenchError> {
    params.check()?;
    let base = Instant::now();
    let count = params.connections();
    let setup = Rc::new(RefCell::new(SetupTally::new()?));
    let tally = Rc::new(RefCell::new(LoadTally {
        sent: 0,
        received: 0,
        latency: latency_histogram()?,
        errors: ErrorCounts::default(),
        lost: 0,
        max_send_lag: Duration::ZERO,
    }));
    let (start_tx, start_rx) = watch::channel(None::<Instant>);
    let client = {
        let tally = Rc::clone(&tally);
        let params = params.clone();
        move |seat: Seat, conn: WsConn| {
            client(
                seat,
                conn,
                params.clone(),
                base,
                start_rx.clone(),
                Rc::clone(&tally),
            )
        }
    };
    let seats = (0..count).map(|i| Seat::of(i, params.clients));
    let setup_began = Instant::now();
    let tasks = fleet::spawn(&params.target, seats, params.concurrency, &setup, client);
    if !fleet::settled(&setup, count, fleet::SETUP_TIMEOUT * 4).await {
        return Err(BenchError::new("setup did not finish"));
    }
    let setup_secs = setup_began.elapsed().as_secs_f64();
    {
        let setup = setup.borrow();
        if setup.failed > 0 {
            // Dropping the start signal ends every client task.
            return Err(BenchError::new(format!(
                "{} of {count} connections failed to set up ({})",
                setup.failed,
                setup.errors.summary()
            )));
        }
    }
    let measured = Measured::start(params.server_pid)?;
    let start = Instant::now() + LEAD_IN;
    let _ = start_tx.send(Some(start));
    for task in tasks {
        task.await
            .map_err(|e| BenchError::new(format!("client task: {e}")))?;
    }
    let measured = measured.stop(params.server_pid)?;
    let setup = setup.borrow();
    let tally = tally.borrow();
    Ok(WsReport {
        label: params.label.clone(),
        url: params.target.url(),
        rooms: params.rooms,
        clients: params.clients,
        rate_per_min: params.rate,
        secs: params.secs,
        size: params.size.max(MIN_SIZE),
        connections: setup.opened,
        setup_secs,
        setup: crate::report::Latency::from_histogram(&setup.time),
        sent: tally.sent,
        // Every message goes to the whole room, the sender included.
        expected: tally.sent * params.clients as u64,
        received: tally.received,
        latency: crate::report::Latency::from_histogram(&tally.latency),
        errors: tally.errors.clone(),
        lost_connections: tally.lost,
        max_send_lag_ms: tally.max_send_lag.as_secs_f64() * 1000.0,
        measured,
    })
}

/// One client: read until the start, then send on schedule while reading, until the end of the
/// grace period; then close.
async fn client(
    seat: Seat,
    mut conn: WsConn,
    params: WsParams,
    base: Instant,
    mut start: watch::Receiver<Option<Instant>>,
    tally: Rc<RefCell<LoadTally>>,
) {
    let start = loop {
        if let Some(start) = *start.borrow_and_update() {
            break start;
        }
        tokio::select! {
            changed = start.changed() => if changed.is_err() { return },
            frame = conn.recv() => if !handle(frame, base, &tally) { return },
        }
    };
    let period = params.period();
    let total = params.connections().max(1) as f64;
    let first = start + period.mul_f64(seat.index as f64 / total);
    let per_client = params.messages_per_client();
    let send_end = start + Duration::from_secs_f64(params.secs);
    let until = send_end + params.grace;
    let mut sequence: u32 = 0;
    loop {
        let next = first + period * sequence;
        let sending = sequence < per_client && next < send_end;
        tokio::select! {
            biased;
            _ = tokio::time::sleep_until(next.into()), if sending => {
                let now = Instant::now();
                let stamp = ContentStamp {
                    sent_ns: nanos_since(base, now),
                    sender: seat.index as u32,
                    sequence,
                };
                sequence += 1;
                let sent = conn.send_text(frames::message(&stamp.encode(params.size))).await;
                let mut tally = tally.borrow_mut();
                tally.max_send_lag = tally.max_send_lag.max(now - next);
                match sent {
                    Ok(()) => tally.sent += 1,
                    Err(_) => {
                        tally.lost += 1;
                        return;
                    }
                }
            }
            _ = tokio::time::sleep_until(until.into()) => break,
            frame = conn.recv() => if !handle(frame, base, &tally) { return },
        }
    }
    conn.close().await;
}

/// Counts one received frame; `false` when the connection is gone.
fn handle(
    frame: Result<Option<tungstenite::Utf8Bytes>, BenchError>,
    base: Instant,
    tally: &Rc<RefCell<LoadTally>>,
) -> bool {
    let now = Instant::now();
    let mut tally = tally.borrow_mut();
    let text = match frame {
        Ok(Some(text)) => text,
        Ok(None) => {
            tally.lost += 1;
            tally.errors.add("closed by server");
            return false;
        }
        Err(e) => {
            tally.lost += 1;
            tally.errors.add(&e.0);
            return false;
        }
    };
    match frames::classify(&text) {
        ServerFrame::Message { content } => {
            if let Some(stamp) = ContentStamp::decode(content) {
                tally.received += 1;
                let latency = nanos_since(base, now).saturating_sub(stamp.sent_ns);
                let _ = tally.latency.record(latency.max(1));
            }
        }
        ServerFrame::Error { code } => tally.errors.add(code),
        _ => {}
    }
    true
}

fn nanos_since(base: Instant, now: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_per_minute_per_client() {
        let mut params = WsParams::new(WsTarget::new(([127, 0, 0, 1], 1).into()));
        params.rate = 30.0;
        params.secs = 10.0;
        assert_eq!(params.period(), Duration::from_secs(2));
        assert_eq!(params.messages_per_client(), 5);
        assert_eq!(params.connections(), 1000);
        params.rate = 0.0;
        assert!(params.check().is_err());
    }
}
