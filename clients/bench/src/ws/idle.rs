//! The idle run: N connections join rooms of at most `room_size` and stay, answering the server's
//! heartbeat pings, for `hold` seconds; the server's resident memory before and after gives its
//! cost per idle connection. At the end every connection sends a protocol `ping` and counts as
//! alive once its `pong` arrives, so "held" means answered, not merely not reported closed.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::conn::{WsConn, WsTarget};
use super::fleet::{self, ErrorCounts, Seat, SetupTally};
use super::frames::{self, ServerFrame};
use super::health;
use super::proc::{open_files_limit, rss_kib};
use super::report::{IdleReport, Measured};
use crate::BenchError;
use crate::report::Latency;

/// After the last setup, for the join fan-out (`userJoined` to every earlier member) to finish
/// before the memory is read.
const SETTLE: Duration = Duration::from_secs(2);
/// How long the final ping round may take.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// Files the generator needs besides its connections.
const SPARE_FILES: u64 = 64;

/// What one idle run does.
#[derive(Debug, Clone)]
pub struct IdleParams {
    pub label: String,
    pub target: WsTarget,
    pub connections: usize,
    /// Users per room (the server's `max_users_per_room` is 100 by default).
    pub room_size: usize,
    /// How long the connections stay idle once all are open.
    pub hold: Duration,
    /// Connections being set up at once.
    pub concurrency: usize,
    /// The server process whose memory to read.
    pub server_pid: Option<u32>,
}

impl IdleParams {
    pub fn new(target: WsTarget) -> Self {
        Self {
            label: "hark".into(),
            target,
            connections: 10_000,
            room_size: 100,
            hold: Duration::from_secs(35),
            concurrency: 64,
            server_pid: None,
        }
    }

    pub fn check(&self) -> Result<(), BenchError> {
        if self.connections == 0 || self.room_size == 0 {
            return Err(BenchError::new("--connections and --room-size: at least 1"));
        }
        if let Some(limit) = open_files_limit() {
            let needed = self.connections as u64 + SPARE_FILES;
            if limit < needed {
                return Err(BenchError::new(format!(
                    "this process may open {limit} files, {needed} are needed: raise it with \
                     `ulimit -n {needed}` (run.sh raises it to the hard limit)"
                )));
            }
        }
        Ok(())
    }
}

/// Where the idle connections are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Hold,
    /// Send one `ping`, count the `pong`.
    Verify,
    Close,
}

#[derive(Debug, Default)]
struct IdleTally {
    alive: usize,
    errors: ErrorCounts,
}

/// Runs the idle scenario. Call inside a `LocalSet` on a current-thread runtime.
pub async fn run(params: &IdleParams) -> Result<IdleReport, BenchError> {
    params.check()?;
    let count = params.connections;
    let server_rss_before = params.server_pid.and_then(|p| rss_kib(Some(p)));
    let generator_rss_before = rss_kib(None);
    let setup = Rc::new(RefCell::new(SetupTally::new()?));
    let tally = Rc::new(RefCell::new(IdleTally::default()));
    let (phase_tx, phase_rx) = watch::channel(Phase::Hold);
    let body = {
        let tally = Rc::clone(&tally);
        move |_seat: Seat, conn: WsConn| idle_client(conn, phase_rx.clone(), Rc::clone(&tally))
    };
    let began = Instant::now();
    let seats = (0..count).map(|i| Seat::of(i, params.room_size));
    let tasks = fleet::spawn(&params.target, seats, params.concurrency, &setup, body);
    let setup_limit = fleet::SETUP_TIMEOUT + Duration::from_millis(10 * count as u64);
    if !fleet::settled(&setup, count, setup_limit).await {
        return Err(BenchError::new(format!(
            "setup of {count} connections did not finish in {setup_limit:?}"
        )));
    }
    let setup_secs = began.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    let server_rss_open = params.server_pid.and_then(|p| rss_kib(Some(p)));
    let meters = Measured::start(params.server_pid)?;
    let held_from = Instant::now();
    tokio::time::sleep(params.hold).await;
    let hold_secs = held_from.elapsed().as_secs_f64();
    let server_rss_held = params.server_pid.and_then(|p| rss_kib(Some(p)));
    let generator_rss_held = rss_kib(None);
    let health_active_connections = health::active_connections(params.target.addr).await;
    let measured = meters.stop(params.server_pid)?;

    let opened = setup.borrow().opened;
    let _ = phase_tx.send(Phase::Verify);
    let deadline = Instant::now() + VERIFY_TIMEOUT;
    while tally.borrow().alive < opened && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = phase_tx.send(Phase::Close);
    for task in tasks {
        task.await
            .map_err(|e| BenchError::new(format!("connection task: {e}")))?;
    }
    let setup = setup.borrow();
    let tally = tally.borrow();
    Ok(IdleReport {
        label: params.label.clone(),
        url: params.target.url(),
        connections: count,
        room_size: params.room_size,
        opened: setup.opened,
        setup_failed: setup.failed,
        setup_errors: setup.errors.clone(),
        setup_secs,
        setup: Latency::from_histogram(&setup.time),
        hold_secs,
        server_rss_before_kib: server_rss_before,
        server_rss_open_kib: server_rss_open,
        server_rss_held_kib: server_rss_held,
        generator_rss_before_kib: generator_rss_before,
        generator_rss_held_kib: generator_rss_held,
        alive_at_end: tally.alive,
        health_active_connections,
        errors: tally.errors.clone(),
        measured,
    })
}

/// One idle connection: reads (presence, the server's pings) until told to verify, pings once and
/// counts its pong, then closes when told to.
async fn idle_client(
    mut conn: WsConn,
    mut phase: watch::Receiver<Phase>,
    tally: Rc<RefCell<IdleTally>>,
) {
    let mut pinged = false;
    let mut answered = false;
    loop {
        let current = *phase.borrow_and_update();
        conn.shrink();
        match current {
            Phase::Close => break,
            Phase::Verify if !pinged => {
                pinged = true;
                if let Err(e) = conn.send_text(frames::PING).await {
                    tally.borrow_mut().errors.add(&e.0);
                    return;
                }
            }
            Phase::Hold | Phase::Verify => {}
        }
        tokio::select! {
            changed = phase.changed() => if changed.is_err() { break },
            frame = conn.recv() => {
                let mut tally = tally.borrow_mut();
                match frame {
                    Ok(Some(text)) => match frames::classify(&text) {
                        ServerFrame::Pong if pinged && !answered => {
                            answered = true;
                            tally.alive += 1;
                        }
                        ServerFrame::Error { code } => tally.errors.add(code),
                        _ => {}
                    },
                    Ok(None) => {
                        tally.errors.add("closed by server");
                        return;
                    }
                    Err(e) => {
                        tally.errors.add(&e.0);
                        return;
                    }
                }
            }
        }
    }
    conn.close().await;
}
