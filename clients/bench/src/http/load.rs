//! The stream load: learn the file's length with a `HEAD`, open N keep-alive connections, then
//! let each ask for random fixed-size ranges back to back until the window closes. A request still
//! in flight when it closes is abandoned, so every figure covers exactly the window.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;

use super::conn::{HttpConn, Response};
use super::ranges::RangePicker;
use super::report::HttpReport;
use super::target::{HttpTarget, head_request, range_request};
use crate::listen::latency_histogram;
use crate::report::Latency;
use crate::sweep::{QUIET_BUSY, QUIET_SAMPLE};
use crate::ws::fleet::ErrorCounts;
use crate::ws::report::Measured;
use crate::{BenchError, cpu};

/// Longest a single exchange may take before it counts as an error and its connection is
/// replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What one run does.
#[derive(Debug, Clone)]
pub struct HttpParams {
    pub label: String,
    pub target: HttpTarget,
    /// The server's `SECRET_KEY`, to sign the URL (stream.md §4).
    pub secret: String,
    /// The file's id (`/stream/{id}`).
    pub id: String,
    pub connections: usize,
    /// Length of the window, seconds.
    pub secs: f64,
    /// Bytes per request.
    pub range: u64,
    /// Lifetime of the signed URL, seconds: longer than the run.
    pub ttl: i64,
    /// A server process whose CPU to sample over the window.
    pub server_pid: Option<u32>,
    /// How long to wait, before the window, for every core to be idle (other processes on the
    /// pinned cores would distort the figures); zero does not wait.
    pub quiet_wait: Duration,
}

impl HttpParams {
    pub fn new(target: HttpTarget) -> Self {
        Self {
            label: "hark".into(),
            target,
            secret: String::new(),
            id: "bench".into(),
            connections: 64,
            secs: 10.0,
            range: 64 * 1024,
            ttl: 3600,
            server_pid: None,
            quiet_wait: Duration::ZERO,
        }
    }

    pub fn check(&self) -> Result<(), BenchError> {
        if self.connections == 0 {
            return Err(BenchError::new("--connections: at least 1"));
        }
        if !(self.secs > 0.0 && self.secs <= 3600.0) {
            return Err(BenchError::new("--secs: more than 0 and at most 3600"));
        }
        if self.range == 0 {
            return Err(BenchError::new("--range: at least 1 byte"));
        }
        if self.secret.is_empty() {
            return Err(BenchError::new("--secret: the server's SECRET_KEY"));
        }
        if self.ttl <= self.secs as i64 {
            return Err(BenchError::new("--ttl: longer than the run"));
        }
        Ok(())
    }

    /// The signed path of the file, valid `ttl` seconds from now.
    pub fn signed_path(&self) -> Result<String, BenchError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| BenchError::new(format!("clock: {e}")))?;
        let expires = i64::try_from(now.as_secs()).unwrap_or(i64::MAX) + self.ttl;
        Ok(hark_core::stream::signed_path(
            self.secret.as_bytes(),
            &self.id,
            expires,
        ))
    }
}

/// What the connections saw during the window.
#[derive(Debug)]
struct Tally {
    requests: u64,
    bytes: u64,
    /// Nanoseconds, request written to last body byte read.
    latency: Histogram<u64>,
    errors: ErrorCounts,
    reconnects: u64,
}

/// Runs the load. Call inside a `LocalSet` on a current-thread runtime.
pub async fn run(params: &HttpParams) -> Result<HttpReport, BenchError> {
    params.check()?;
    // Before any connection is open: an idle one would meet the server's header timeout.
    let announce = |busy: &[f64]| {
        eprintln!(
            "{}: waiting for the machine to be idle (cores busy {})",
            params.label,
            cpu::percents(busy)
        );
    };
    if let Some(busy) =
        cpu::wait_for_quiet(params.quiet_wait, QUIET_BUSY, QUIET_SAMPLE, announce).await
    {
        eprintln!(
            "{}: warning: the machine is still busy ({}); running anyway",
            params.label,
            cpu::percents(&busy)
        );
    }
    let path = params.signed_path()?;
    let addr = params.target.addr;
    let mut probe = HttpConn::connect(addr).await?;
    let head = probe.exchange(&head_request(&path, addr), true).await?;
    if head.status != 200 {
        return Err(BenchError::new(format!(
            "HEAD {path}: status {} (is the secret the server's, and the file there?)",
            head.status
        )));
    }
    let file_len = head.content_length;
    if file_len == 0 {
        return Err(BenchError::new(format!("HEAD {path}: the file is empty")));
    }
    let mut conns = Vec::with_capacity(params.connections);
    for _ in 0..params.connections {
        conns.push(HttpConn::connect(addr).await?);
    }
    let tally = Rc::new(RefCell::new(Tally {
        requests: 0,
        bytes: 0,
        latency: latency_histogram()?,
        errors: ErrorCounts::default(),
        reconnects: 0,
    }));
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let measured = Measured::start(params.server_pid)?;
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(params.secs);
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(index, conn)| {
            let picker = RangePicker::new(
                seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d),
                file_len,
                params.range,
            );
            let worker = Worker {
                path: path.clone(),
                addr,
                picker,
                tally: Rc::clone(&tally),
            };
            tokio::task::spawn_local(async move {
                let _ = tokio::time::timeout_at(end.into(), worker.run(conn)).await;
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| BenchError::new(format!("connection task: {e}")))?;
    }
    let secs = start.elapsed().as_secs_f64();
    let measured = measured.stop(params.server_pid)?;
    let tally = tally.borrow();
    if tally.requests == 0 {
        return Err(BenchError::new(format!(
            "no request succeeded; errors: {}",
            tally.errors.summary()
        )));
    }
    Ok(HttpReport {
        label: params.label.clone(),
        url: format!("{}{path}", params.target.url()),
        connections: params.connections,
        secs,
        range: params.range.min(file_len),
        file_len,
        requests: tally.requests,
        bytes: tally.bytes,
        latency: Latency::from_histogram(&tally.latency),
        errors: tally.errors.clone(),
        reconnects: tally.reconnects,
        measured,
    })
}

/// One connection's loop.
#[derive(Debug)]
struct Worker {
    path: String,
    addr: std::net::SocketAddr,
    picker: RangePicker,
    tally: Rc<RefCell<Tally>>,
}

impl Worker {
    /// Requests ranges until cancelled. A connection the server closes is opened again; one that
    /// failed is too, after its error is counted.
    async fn run(mut self, conn: HttpConn) {
        let mut slot = Some(conn);
        loop {
            let conn = match &mut slot {
                Some(conn) => conn,
                None => match HttpConn::connect(self.addr).await {
                    Ok(conn) => slot.insert(conn),
                    Err(e) => {
                        self.tally.borrow_mut().errors.add(&e.0);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let (first, last) = self.picker.next_range();
            let request = range_request(&self.path, self.addr, first, last);
            let began = Instant::now();
            let outcome = tokio::time::timeout(REQUEST_TIMEOUT, conn.exchange(&request, false))
                .await
                .unwrap_or_else(|_| Err(BenchError::new("timeout")));
            if self.record(outcome, began) {
                slot = None;
            }
        }
    }

    /// Counts one exchange; `true` when the connection must be opened again.
    fn record(&self, outcome: Result<Response, BenchError>, began: Instant) -> bool {
        let mut tally = self.tally.borrow_mut();
        match outcome {
            Ok(response) if response.status == 206 && response.body_len == self.picker.size() => {
                tally.requests += 1;
                tally.bytes += response.body_len;
                let ns = u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX);
                tally.latency.saturating_record(ns.max(1));
                if response.closes {
                    tally.reconnects += 1;
                }
                response.closes
            }
            Ok(response) if response.status == 206 => {
                tally.errors.add("206 of the wrong length");
                response.closes
            }
            Ok(response) => {
                tally.errors.add(&format!("status {}", response.status));
                response.closes
            }
            Err(e) => {
                tally.errors.add(&e.0);
                true
            }
        }
    }
}
