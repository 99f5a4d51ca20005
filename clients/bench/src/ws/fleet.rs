//! Opening many chat connections: connect, upgrade, join a room, wait for the `userList` — a
//! bounded number at a time, each timed as a whole (what a user waits for before the room shows
//! up). Every connection then runs its own task on the local set; tasks share their tallies
//! through `Rc<RefCell<…>>`, which one thread allows.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;

use super::conn::{WsConn, WsTarget};
use super::frames::{self, ServerFrame};
use crate::BenchError;
use crate::listen::latency_histogram;

/// How long one connection may take from `connect` to its `userList`.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Who connection `index` is and where it goes: rooms are filled in order, `room_size` users each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub index: usize,
    pub room: usize,
}

impl Seat {
    pub fn of(index: usize, room_size: usize) -> Self {
        Self {
            index,
            room: index / room_size.max(1),
        }
    }

    pub fn room_name(&self) -> String {
        format!("bench-{:05}", self.room)
    }

    pub fn user_id(&self) -> String {
        format!("u{:06}", self.index)
    }
}

/// Errors by kind (an error code, an HTTP status, "timeout"…), counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorCounts(pub BTreeMap<String, u64>);

impl ErrorCounts {
    pub fn add(&mut self, kind: &str) {
        match self.0.get_mut(kind) {
            Some(count) => *count += 1,
            None => {
                self.0.insert(kind.to_owned(), 1);
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// `"KIND: N, …"`, or `"none"`.
    pub fn summary(&self) -> String {
        if self.0.is_empty() {
            return "none".into();
        }
        let each: Vec<String> = self.0.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        each.join(", ")
    }
}

/// What setting up the fleet took.
#[derive(Debug)]
pub struct SetupTally {
    pub opened: usize,
    pub failed: usize,
    /// Connect + upgrade + join → `userList`, nanoseconds.
    pub time: Histogram<u64>,
    pub errors: ErrorCounts,
}

impl SetupTally {
    pub fn new() -> Result<Self, BenchError> {
        Ok(Self {
            opened: 0,
            failed: 0,
            time: latency_histogram()?,
            errors: ErrorCounts::default(),
        })
    }

    pub fn settled(&self, count: usize) -> bool {
        self.opened + self.failed >= count
    }
}

/// Connect, upgrade, join `seat`'s room, and read until the `userList` answers the join.
pub async fn open(target: &WsTarget, seat: Seat) -> Result<WsConn, BenchError> {
    let mut conn = WsConn::connect(target).await?;
    conn.send_text(frames::join(&seat.room_name(), &seat.user_id()))
        .await?;
    loop {
        let Some(text) = conn.recv().await? else {
            return Err(BenchError::new("closed before userList"));
        };
        match frames::classify(&text) {
            ServerFrame::UserList => return Ok(conn),
            ServerFrame::Error { code } => return Err(BenchError::new(code)),
            _ => {}
        }
    }
}

/// Spawns one local task per seat: it opens its connection (at most `concurrency` opening at
/// once), records the setup in `tally`, and on success runs `body`. Returns the tasks' handles.
/// Must run inside a `LocalSet`.
pub fn spawn<F, Fut, T>(
    target: &WsTarget,
    seats: impl IntoIterator<Item = Seat>,
    concurrency: usize,
    tally: &Rc<RefCell<SetupTally>>,
    body: F,
) -> Vec<tokio::task::JoinHandle<Option<T>>>
where
    F: Fn(Seat, WsConn) -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
    T: 'static,
{
    let permits = Rc::new(Semaphore::new(concurrency.max(1)));
    let body = Rc::new(body);
    seats
        .into_iter()
        .map(|seat| {
            let permits = Rc::clone(&permits);
            let tally = Rc::clone(tally);
            let body = Rc::clone(&body);
            let target = target.clone();
            tokio::task::spawn_local(async move {
                let permit = permits.acquire().await.ok()?;
                let began = Instant::now();
                let opened = tokio::time::timeout(SETUP_TIMEOUT, open(&target, seat)).await;
                drop(permit);
                let took = began.elapsed();
                let conn = {
                    let mut tally = tally.borrow_mut();
                    match opened {
                        Ok(Ok(conn)) => {
                            tally.opened += 1;
                            let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
                            let _ = tally.time.record(ns.max(1));
                            conn
                        }
                        Ok(Err(e)) => {
                            tally.failed += 1;
                            tally.errors.add(&e.0);
                            return None;
                        }
                        Err(_) => {
                            tally.failed += 1;
                            tally.errors.add("setup timeout");
                            return None;
                        }
                    }
                };
                Some(body(seat, conn).await)
            })
        })
        .collect()
}

/// Waits (polling every 10 ms) until every one of `count` setups has finished, or `limit`.
pub async fn settled(tally: &Rc<RefCell<SetupTally>>, count: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !tally.borrow().settled(count) {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_fill_rooms_in_order() {
        assert_eq!(Seat::of(0, 100).room, 0);
        assert_eq!(Seat::of(99, 100).room, 0);
        assert_eq!(Seat::of(100, 100).room, 1);
        assert_eq!(Seat::of(100, 100).room_name(), "bench-00001");
        assert_eq!(Seat::of(42, 10).user_id(), "u000042");
    }

    #[test]
    fn errors_are_counted_by_kind() {
        let mut errors = ErrorCounts::default();
        errors.add("RATE_LIMITED");
        errors.add("RATE_LIMITED");
        errors.add("HTTP 429");
        assert_eq!(errors.total(), 3);
        assert_eq!(errors.summary(), "HTTP 429: 1, RATE_LIMITED: 2");
    }
}
