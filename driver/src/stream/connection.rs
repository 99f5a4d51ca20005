//! One connection's life (stream.md §1, §8, §10): read a request head within its timeout, let
//! the core decide, find the file the core asks for, write the plan, and go on while the plan
//! keeps the connection; pipelined bytes already read wait in the buffer for the next round.

use std::fs::File;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hark_core::stream::{BodyPart, HeadRefusal, RequestHead, ResponsePlan, Route, StreamService};

use super::head::{self, MAX_HEAD, Parsed};
use super::limits::Slot;
use super::log::{self, Answered};
use super::lookup;
use super::read::{Read, read_more};
use super::send::{SendError, Sender};
use super::stats::Counters;
use crate::clock::WallClock;
use crate::runtime::{AsyncTcpStream, AsyncTimer, Runtime};
use crate::tcp;

/// What every connection of a server shares: the core's service (immutable), the files, the
/// clock, the counters and the timeouts.
#[derive(Debug)]
pub(crate) struct Shared {
    pub service: StreamService,
    pub media_dir: PathBuf,
    /// Shifted by `testing.wall_clock_start`; an admin `reset` rewinds it.
    pub clock: Mutex<WallClock>,
    pub counters: Counters,
    pub header_timeout: Duration,
    pub keepalive_timeout: Duration,
    pub send_timeout: Duration,
    pub runtime: Arc<dyn Runtime>,
}

impl Shared {
    fn now_unix(&self) -> i64 {
        let now = self.clock.lock().map(|clock| clock.now_unix()).unwrap_or(0);
        i64::try_from(now).unwrap_or(i64::MAX)
    }

    /// The core's answer to `head`, with the file it is about (stream.md §10 steps 1 and 2).
    fn decide(&self, head: &RequestHead<'_>) -> Decision {
        let now = self.now_unix();
        let mut note = log::Note::of(head);
        let (plan, file) = match self.service.route(head, now) {
            Route::Respond(plan) => (plan, None),
            Route::Health => {
                let health = self.counters.snapshot().health;
                (self.service.health(head, &health, now), None)
            }
            Route::Lookup(lookup) => {
                let found = lookup::find(&self.media_dir, &lookup);
                note.id(lookup.id);
                match found {
                    Some((file, media)) => (self.service.respond(head, &media, now), Some(file)),
                    None => (self.service.not_found(head, now), None),
                }
            }
        };
        Decision { plan, file, note }
    }

    fn refusal(&self, refusal: HeadRefusal) -> ResponsePlan {
        self.service.refusal(refusal, self.now_unix())
    }
}

/// A plan to write and the file its ranges are in.
struct Decision {
    plan: ResponsePlan,
    file: Option<File>,
    note: log::Note,
}

/// What the reading side found.
enum Next {
    Request {
        len: usize,
        decision: Decision,
    },
    Refused(HeadRefusal),
    /// The peer closed, or was idle past the keep-alive timeout: close without a word.
    Gone,
}

/// How a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// After a response that said `Connection: close`: half-close, let the peer read it.
    Close,
    /// The peer left, or cannot be answered (stalled, a file cut short): just close.
    Drop,
}

/// Counts the connection open while it lives.
struct Open<'a>(&'a Counters);

impl<'a> Open<'a> {
    fn new(counters: &'a Counters) -> Self {
        counters.opened();
        Self(counters)
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.closed();
    }
}

/// Serves one accepted connection until it ends; `slot` is its place under the bounds.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    stream: Box<dyn AsyncTcpStream>,
    peer: SocketAddr,
    slot: Slot,
) {
    let _open = Open::new(&shared.counters);
    let runtime = Arc::clone(&shared.runtime);
    let mut connection = Connection {
        timer: runtime.new_timer(Instant::now() + shared.header_timeout),
        shared: &shared,
        stream: &*stream,
        peer,
        buf: vec![0; MAX_HEAD],
        filled: 0,
        sendfile: true,
    };
    if connection.run().await == End::Close {
        // Errors here mean the peer is gone already: nothing is left to deliver.
        let _ = tcp::shutdown_write(&*stream);
        tcp::linger(&*stream, &*runtime).await;
    }
    drop(slot);
}

struct Connection<'a> {
    shared: &'a Shared,
    stream: &'a dyn AsyncTcpStream,
    peer: SocketAddr,
    timer: Pin<Box<dyn AsyncTimer>>,
    /// The head buffer: `buf[..filled]` are bytes read and not yet consumed.
    buf: Vec<u8>,
    filled: usize,
    /// False once the kernel refused `sendfile` on this connection.
    sendfile: bool,
}

impl Connection<'_> {
    async fn run(&mut self) -> End {
        let mut number = 0u32;
        loop {
            number = number.saturating_add(1);
            let (plan, file, note) = match self.next(number).await {
                Next::Request { len, decision } => {
                    self.consume(len);
                    (decision.plan, decision.file, decision.note)
                }
                Next::Refused(refusal) => {
                    log::refused(self.peer, refusal);
                    (self.shared.refusal(refusal), None, log::Note::default())
                }
                Next::Gone => return End::Drop,
            };
            self.shared.counters.answered(plan.status);
            let (body_bytes, sent) = self.send(&plan, file.as_ref()).await;
            self.shared.counters.sent(body_bytes);
            log::answered(Answered {
                peer: self.peer,
                status: plan.status,
                note: &note,
                bytes: body_bytes,
            });
            match sent {
                Ok(()) if plan.keep_alive => {}
                Ok(()) => return End::Close,
                Err(e) => {
                    log::send_failed(self.peer, &e);
                    return End::Drop;
                }
            }
        }
    }

    /// Reads until the buffer holds a whole head (decided on at once) or a refusal, or the peer
    /// goes. The header timeout runs from the head's first byte (from the accept for the first
    /// request); before it, a persistent connection waits for the keep-alive timeout. Only a head
    /// that has begun is answered `408`: a connection that sent nothing (a browser's
    /// preconnect) is closed silently, as nginx does.
    async fn next(&mut self, number: u32) -> Next {
        let mut in_head = number == 1 || self.filled > 0;
        let wait = if in_head {
            self.shared.header_timeout
        } else {
            self.shared.keepalive_timeout
        };
        if number > 1 {
            self.timer.as_mut().reset(Instant::now() + wait);
        }
        loop {
            if self.filled > 0 {
                let shared = self.shared;
                let bytes = self.buf.get(..self.filled).unwrap_or_default();
                match head::parse(bytes, number, |head| shared.decide(head)) {
                    Parsed::Complete { len, value } => {
                        return Next::Request {
                            len,
                            decision: value,
                        };
                    }
                    Parsed::Refused(refusal) => return Next::Refused(refusal),
                    Parsed::Partial => {}
                }
            }
            let space = self.buf.get_mut(self.filled..).unwrap_or_default();
            match read_more(self.stream, &mut self.timer, space).await {
                Read::Bytes(n) => {
                    self.filled += n;
                    if !in_head {
                        in_head = true;
                        let deadline = Instant::now() + self.shared.header_timeout;
                        self.timer.as_mut().reset(deadline);
                    }
                }
                Read::Closed => return Next::Gone,
                Read::TimedOut if self.filled > 0 => {
                    return Next::Refused(HeadRefusal::Timeout);
                }
                Read::TimedOut => return Next::Gone,
            }
        }
    }

    /// Drops the first `len` bytes, keeping what follows (a pipelined request).
    fn consume(&mut self, len: usize) {
        let len = len.min(self.filled);
        self.buf.copy_within(len..self.filled, 0);
        self.filled -= len;
    }

    /// Writes `plan`: its head and leading literal parts in one write, then the rest. Returns the
    /// body bytes written (even when it fails) and whether it was whole.
    async fn send(
        &mut self,
        plan: &ResponsePlan,
        file: Option<&File>,
    ) -> (u64, Result<(), SendError>) {
        let mut first = plan.head_bytes();
        let head_len = u64::try_from(first.len()).unwrap_or(u64::MAX);
        let literal = plan
            .body
            .iter()
            .take_while(|part| matches!(part, BodyPart::Bytes(_)))
            .count();
        let (leading, rest) = plan.body.split_at(literal.min(plan.body.len()));
        for part in leading {
            if let BodyPart::Bytes(bytes) = part {
                first.extend_from_slice(bytes);
            }
        }
        let mut sender = Sender::new(
            self.stream,
            &mut self.timer,
            &*self.shared.runtime,
            self.shared.send_timeout,
            &mut self.sendfile,
        );
        let result = write_parts(&mut sender, &first, rest, file).await;
        (sender.written.saturating_sub(head_len), result)
    }
}

/// `first` (the head and leading literal parts), then `rest` in order.
async fn write_parts(
    sender: &mut Sender<'_>,
    first: &[u8],
    rest: &[BodyPart],
    file: Option<&File>,
) -> Result<(), SendError> {
    sender.bytes(first, carries_bytes(rest)).await?;
    for (i, part) in rest.iter().enumerate() {
        let more = carries_bytes(rest.get(i + 1..).unwrap_or_default());
        match part {
            BodyPart::Bytes(bytes) => sender.bytes(bytes, more).await?,
            BodyPart::File { start, len } => {
                let file = file.ok_or(SendError::NoFile)?;
                sender.file(file, *start, *len).await?;
            }
        }
    }
    Ok(())
}

/// Whether any of `parts` has a byte to send.
fn carries_bytes(parts: &[BodyPart]) -> bool {
    parts.iter().any(|part| match part {
        BodyPart::Bytes(bytes) => !bytes.is_empty(),
        BodyPart::File { len, .. } => *len > 0,
    })
}
