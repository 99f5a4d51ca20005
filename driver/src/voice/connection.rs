//! One management connection's task: reads chunks and hands them to the relay loop, writes what
//! the loop queued on its [`Link`], and closes when the loop says so. It decides nothing about the
//! protocol; the loop owns the service.

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_channel::Sender;
use bytes::{Bytes, BytesMut};
use hark_core::voice::ConnectionId;

use super::link::{Link, Next};
use crate::runtime::{AsyncTcpStream, Runtime};
use crate::tcp;

/// What a connection's task tells the loop.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// Bytes read, in order; a frame may span chunks.
    Data { conn: ConnectionId, bytes: Bytes },
    /// The client closed the stream, or reading or writing failed.
    Closed { conn: ConnectionId },
}

/// How the open phase ended.
enum End {
    /// Everything queued is written and the loop is done: half-close, then linger.
    Close,
    /// The loop dropped the connection, the socket failed, or the loop is gone.
    Abort,
}

pub(crate) struct Connection {
    conn: ConnectionId,
    stream: Box<dyn AsyncTcpStream>,
    link: Arc<Link>,
    inbound: Sender<Inbound>,
    runtime: Arc<dyn Runtime>,
    read_buffer: usize,
    buf: BytesMut,
    /// The client has closed its side; nothing more to read.
    eof: bool,
}

impl Connection {
    pub fn new(
        conn: ConnectionId,
        stream: Box<dyn AsyncTcpStream>,
        link: Arc<Link>,
        inbound: Sender<Inbound>,
        runtime: Arc<dyn Runtime>,
        read_buffer: usize,
    ) -> Self {
        Self {
            conn,
            stream,
            link,
            inbound,
            runtime,
            read_buffer,
            buf: BytesMut::new(),
            eof: false,
        }
    }

    pub async fn run(mut self) {
        let end = poll_fn(|cx| self.poll_open(cx)).await;
        let close = matches!(end, End::Close);
        if close && let Err(e) = tcp::shutdown_write(&*self.stream) {
            tracing::debug!(conn = self.conn.0, error = %e, "shutdown failed");
        }
        self.link.finish();
        if close {
            tcp::linger(&*self.stream, &*self.runtime).await;
        }
    }

    /// Writes what is queued and reads what arrives until the loop closes or drops the
    /// connection or the socket fails.
    fn poll_open(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        loop {
            match self.link.next(cx) {
                Next::Abort => return Poll::Ready(End::Abort),
                Next::Close => return Poll::Ready(End::Close),
                Next::Wait => {}
                Next::Write(bytes) => match self.stream.poll_write(cx, &bytes) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(self.failed("write", None)),
                    Poll::Ready(Ok(written)) => {
                        self.link.written(written);
                        continue;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(self.failed("write", Some(e))),
                    Poll::Pending => {}
                },
            }
            if self.eof || !self.link.try_start_read() {
                return Poll::Pending;
            }
            match self.poll_read_chunk(cx) {
                Poll::Ready(Ok(Some(bytes))) => {
                    let data = Inbound::Data {
                        conn: self.conn,
                        bytes,
                    };
                    if self.inbound.try_send(data).is_err() {
                        return Poll::Ready(End::Abort);
                    }
                }
                Poll::Ready(Ok(None)) => {
                    self.link.cancel_read();
                    self.eof = true;
                    if self.tell_closed().is_err() {
                        return Poll::Ready(End::Abort);
                    }
                }
                Poll::Ready(Err(e)) => {
                    self.link.cancel_read();
                    return Poll::Ready(self.failed("read", Some(e)));
                }
                Poll::Pending => {
                    self.link.cancel_read();
                    return Poll::Pending;
                }
            }
        }
    }

    /// Reads one chunk; `None` at the end of the stream.
    fn poll_read_chunk(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Bytes>>> {
        if self.buf.len() < self.read_buffer {
            // Reuses the allocation once the loop has dropped every chunk split from it.
            self.buf.reserve(self.read_buffer - self.buf.len());
            self.buf.resize(self.read_buffer, 0);
        }
        let read = match self.stream.poll_read(cx, &mut self.buf) {
            Poll::Ready(Ok(read)) => read,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        if read == 0 {
            return Poll::Ready(Ok(None));
        }
        self.buf.truncate(read);
        Poll::Ready(Ok(Some(self.buf.split().freeze())))
    }

    fn tell_closed(&self) -> Result<(), ()> {
        self.inbound
            .try_send(Inbound::Closed { conn: self.conn })
            .map_err(drop)
    }

    /// The socket failed: the loop is told (it ends the login) and the task stops.
    fn failed(&self, what: &str, error: Option<io::Error>) -> End {
        match error {
            Some(e) => tracing::debug!(conn = self.conn.0, error = %e, "{what} failed"),
            None => tracing::debug!(conn = self.conn.0, "{what} made no progress"),
        }
        // If the loop is gone there is nobody to tell.
        let _ = self.tell_closed();
        End::Abort
    }
}
