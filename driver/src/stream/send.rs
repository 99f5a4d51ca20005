//! Writing a response (stream.md §10): the head and the literal parts in as few writes as
//! possible, file ranges with `sendfile(2)` (or, where the kernel refuses it for this file,
//! `pread` into one bounded buffer), every wait bounded by the send timeout, which restarts
//! whenever the peer takes bytes. Memory stays flat whatever the length: nothing is read into
//! user space but the fallback's one buffer.
//!
//! A write followed by more of the same response says `MSG_MORE`, so that a head is not pushed
//! to the wire as a segment of its own ahead of the file's first bytes; `sendfile` pushes its
//! last segment itself.

use std::fs::File;
use std::future::poll_fn;
use std::io;
use std::os::fd::BorrowedFd;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::net::SendFlags;

use crate::runtime::{AsyncTcpStream, AsyncTimer, Runtime};

/// The fallback's buffer: what a read of the file may hold in memory at once.
const READ_CHUNK: usize = 64 * 1024;
/// The most one `sendfile` call is asked for. It returns as soon as the socket buffer is full
/// anyway; the bound keeps one call's work (and the page cache it walks) small.
const SENDFILE_CHUNK: usize = 1 << 20;
/// Bytes a connection sends before it gives the runtime's other tasks a turn, so that one fast
/// reader of a large file does not hold a single-threaded runtime.
const YIELD_EVERY: u64 = 1 << 20;

/// Why a response could not be written whole. Each ends the connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error("the peer took nothing for {0:?}")]
    Stalled(Duration),
    #[error("the file ended {missing} bytes early")]
    Truncated { missing: u64 },
    #[error("the socket took no bytes")]
    WriteZero,
    #[error("the plan has file ranges but no file was opened")]
    NoFile,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// One connection's writer: its socket, its timer, and how it moves file bytes.
pub(crate) struct Sender<'a> {
    stream: &'a dyn AsyncTcpStream,
    timer: &'a mut Pin<Box<dyn AsyncTimer>>,
    runtime: &'a dyn Runtime,
    timeout: Duration,
    /// False once the kernel refused `sendfile` for a file; the connection then reads.
    sendfile: &'a mut bool,
    /// Bytes written so far (head included).
    pub written: u64,
    /// Bytes written since the last turn given to other tasks.
    since_yield: u64,
    /// The fallback's buffer, made on first use.
    scratch: Option<Vec<u8>>,
}

impl<'a> Sender<'a> {
    pub fn new(
        stream: &'a dyn AsyncTcpStream,
        timer: &'a mut Pin<Box<dyn AsyncTimer>>,
        runtime: &'a dyn Runtime,
        timeout: Duration,
        sendfile: &'a mut bool,
    ) -> Self {
        Self {
            stream,
            timer,
            runtime,
            timeout,
            sendfile,
            written: 0,
            since_yield: 0,
            scratch: None,
        }
    }

    /// Writes all of `bytes`; `more`: the response goes on after them.
    pub async fn bytes(&mut self, bytes: &[u8], more: bool) -> Result<(), SendError> {
        let flags = if more {
            SendFlags::MORE | SendFlags::NOSIGNAL
        } else {
            SendFlags::NOSIGNAL
        };
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = self
                .write_with(&mut |fd| Ok(rustix::net::send(fd, rest, flags)?))
                .await?;
            if n == 0 {
                return Err(SendError::WriteZero);
            }
            rest = rest.get(n..).unwrap_or_default();
        }
        Ok(())
    }

    /// Writes `len` bytes of `file` from `start`.
    pub async fn file(&mut self, file: &File, start: u64, len: u64) -> Result<(), SendError> {
        let mut offset = start;
        let end = start.saturating_add(len);
        while offset < end {
            let want = usize::try_from(end - offset).unwrap_or(usize::MAX);
            let n = if *self.sendfile {
                let count = want.min(SENDFILE_CHUNK);
                let mut at = offset;
                let sent = self
                    .write_with(&mut |fd| Ok(rustix::fs::sendfile(fd, file, Some(&mut at), count)?))
                    .await;
                match sent {
                    Err(SendError::Io(e)) if sendfile_unsupported(&e) => {
                        tracing::debug!(error = %e, "sendfile refused; reading the file instead");
                        *self.sendfile = false;
                        continue;
                    }
                    other => other?,
                }
            } else {
                self.read_and_write(file, offset, want.min(READ_CHUNK))
                    .await?
            };
            if n == 0 {
                return Err(SendError::Truncated {
                    missing: end - offset,
                });
            }
            offset = offset.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
            self.share_the_runtime().await;
        }
        Ok(())
    }

    /// One chunk read from `file` at `offset` and written whole; 0 at the end of the file.
    async fn read_and_write(
        &mut self,
        file: &File,
        offset: u64,
        count: usize,
    ) -> Result<usize, SendError> {
        let mut buf = self.scratch.take().unwrap_or_else(|| vec![0u8; READ_CHUNK]);
        let window = buf.get_mut(..count).unwrap_or_default();
        let n = file.read_at(window, offset)?;
        let written = self.bytes(buf.get(..n).unwrap_or_default(), false).await;
        self.scratch = Some(buf);
        written.map(|()| n)
    }

    /// Runs `op` on the socket until it takes bytes, the timeout restarting now; counts them.
    async fn write_with(
        &mut self,
        op: &mut (dyn FnMut(BorrowedFd<'_>) -> io::Result<usize> + Send),
    ) -> Result<usize, SendError> {
        self.timer.as_mut().reset(Instant::now() + self.timeout);
        let stream = self.stream;
        let timer = &mut *self.timer;
        let result = poll_fn(|cx| {
            if let Poll::Ready(result) = stream.poll_write_with(cx, &mut *op) {
                return Poll::Ready(Some(result));
            }
            timer.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match result {
            None => Err(SendError::Stalled(self.timeout)),
            Some(Ok(n)) => {
                let n64 = u64::try_from(n).unwrap_or(u64::MAX);
                self.written = self.written.saturating_add(n64);
                self.since_yield = self.since_yield.saturating_add(n64);
                Ok(n)
            }
            Some(Err(e)) => Err(e.into()),
        }
    }

    async fn share_the_runtime(&mut self) {
        if self.since_yield >= YIELD_EVERY {
            self.since_yield = 0;
            self.runtime.yield_now().await;
        }
    }
}

/// `sendfile` cannot move this file to this socket (a file system without the support): the
/// fallback reads it.
fn sendfile_unsupported(e: &io::Error) -> bool {
    [Errno::INVAL, Errno::NOSYS, Errno::OPNOTSUPP]
        .iter()
        .any(|errno| e.raw_os_error() == Some(errno.raw_os_error()))
}
