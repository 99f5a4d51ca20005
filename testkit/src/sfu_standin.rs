//! A stand-in SFU for tests (signal.md §8): a WebSocket server that speaks the SFU side of the
//! link over a real socket, so hark's SFU client is exercised as it is in production. It carries
//! no media; it answers with syntactically valid fake SDP and candidates:
//!
//! - `hello` with the token → `welcome`; a wrong token, or anything else first → close 1008;
//! - `join` → an `offer` to that peer;
//! - the peer's `answer` → an `ice-candidate`, then `connected`, then `track-added` with
//!   streamID `stream-<peerID>` ([`stream_id_for`]);
//! - the peer's `offer` → an `answer`;
//! - `leave` → the peer is forgotten (its later messages get no reply).
//!
//! Everything hark sends is recorded, in arrival order over all links ([`SfuStandIn::received`]),
//! and given to an optional observer (the `hark-sfu-standin` binary prints it). Messages are
//! read with hark_core's own types ([`ToSfu`](hark_core::wire::signal::sfu::ToSfu) decoded here,
//! [`FromSfu`] encoded by the core), since the core implements only hark's side of each.

mod decode;
mod link;
mod script;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hark_core::wire::signal::sfu::FromSfu;
use serde_json::Value;
use tungstenite::protocol::frame::coding::CloseCode;

pub use decode::{Undecodable, decode_from_hark};
pub use script::{FAKE_ANSWER_SDP, FAKE_CANDIDATE, FAKE_OFFER_SDP, stream_id_for};

/// Called with every message hark sends, as it arrives.
pub type Observer = Box<dyn Fn(&Value) + Send + Sync>;

/// A running stand-in; stopped (every link closed with 1001, threads joined) when dropped.
pub struct SfuStandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SfuStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SfuStandIn")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// What the acceptor, the link threads and the handle share.
struct Shared {
    token: String,
    stop: AtomicBool,
    received: Mutex<Vec<Value>>,
    arrived: Condvar,
    observer: Option<Observer>,
    links: Mutex<Vec<Arc<link::Link>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn record(&self, message: Value) {
        if let Some(observer) = &self.observer {
            observer(&message);
        }
        lock(&self.received).push(message);
        self.arrived.notify_all();
    }
}

/// A poisoned lock only means a test thread panicked; the data is still what it was.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SfuStandIn {
    /// Listens on `listen` (port 0 for any) and accepts hark's links with `token`.
    pub fn start(listen: SocketAddr, token: &str) -> io::Result<Self> {
        Self::start_with(listen, token, None)
    }

    /// As [`start`](Self::start), also calling `observer` with every message received.
    pub fn start_observed(
        listen: SocketAddr,
        token: &str,
        observer: impl Fn(&Value) + Send + Sync + 'static,
    ) -> io::Result<Self> {
        Self::start_with(listen, token, Some(Box::new(observer)))
    }

    fn start_with(listen: SocketAddr, token: &str, observer: Option<Observer>) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            stop: AtomicBool::new(false),
            received: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            observer,
            links: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("sfu-standin-accept".into())
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(SfuStandIn {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `SFU_WS_HOST` that reaches the stand-in: `ws://ADDR/`.
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// Every message received so far, in arrival order (text that is not JSON as a string).
    pub fn received(&self) -> Vec<Value> {
        lock(&self.shared.received).clone()
    }

    /// The first message received (already or within `wait`) that `matches` accepts.
    pub fn wait_for(&self, wait: Duration, matches: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + wait;
        let mut received = lock(&self.shared.received);
        loop {
            if let Some(found) = received.iter().find(|message| matches(message)) {
                return Some(found.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            received = self
                .shared
                .arrived
                .wait_timeout(received, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Sends `message` on every link that has been welcomed; how many that was. For notices the
    /// automatic behaviour does not send (`disconnected`, `track-removed`, …).
    pub fn send(&self, message: &FromSfu) -> usize {
        let links = lock(&self.shared.links).clone();
        links.iter().filter(|link| link.send(message)).count()
    }

    /// Closes every open link with 1001, as an SFU going away would: hark's link goes down.
    pub fn close_links(&self) {
        let links = lock(&self.shared.links).clone();
        for link in links {
            link.close(CloseCode::Away, "stand-in closed the link");
        }
    }
}

impl Drop for SfuStandIn {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor's blocking accept; it sees the flag and returns.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let link_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("sfu-standin-link".into())
            .spawn(move || link::serve(stream, &link_shared));
        if let Ok(worker) = spawned {
            lock(&shared.workers).push(worker);
        }
    }
}

#[cfg(test)]
mod tests;
