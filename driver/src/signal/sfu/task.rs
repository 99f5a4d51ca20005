//! One dial of the SFU link, as its own task (signal.md §8.1, §8.7): open the WebSocket within
//! [`DIAL_TIMEOUT`], report `Open`, then move frames both ways — every frame from the SFU to the
//! loop as a report, the loop's queued messages to the socket — until either side closes; and at
//! the end, whatever happened, report `Closed` exactly once. It decides nothing about the link's
//! protocol: the service does.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::Sender;
use bytes::{Buf, BytesMut};
use hark_core::signal::LinkId;
use tungstenite::error::{CapacityError, Error as WsError};
use tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tungstenite::protocol::{CloseFrame, WebSocket, WebSocketConfig};
use tungstenite::{Message, Utf8Bytes};

use super::SfuInbound;
use super::handshake::{self, DialError, Opened};
use super::url::SfuUrl;
use crate::runtime::{AsyncTcpStream, AsyncTimer, BoxFuture, Runtime};
use crate::tcp;
use crate::ws::{Close, Link, Next, Outgoing, Pipe};

/// Resolving, connecting and upgrading together take at most this long. The service gives up
/// on a link without `welcome` sooner (`sfu_handshake_timeout`, §8.5) and closes it; this bound
/// only makes sure that a dial nobody waits for any more does not hang on forever.
pub(crate) const DIAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Once closing, how long the task tries to write what is left to an SFU that may not read.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes read from the socket at once.
const SOCKET_READ: usize = 8 * 1024;

/// What a dial's task needs.
pub(crate) struct LinkTask {
    pub link: LinkId,
    pub url: Arc<SfuUrl>,
    pub runtime: Arc<dyn Runtime>,
    /// The messages the service queued for this link, and how it is to be closed.
    pub queue: Arc<Link>,
    pub reports: Sender<SfuInbound>,
    pub config: WebSocketConfig,
}

/// How the dial phase ended.
enum Dialled {
    Open(Box<Opened>),
    /// The service closed the link before it opened.
    Abandoned,
    Failed(DialError),
    TimedOut,
}

impl LinkTask {
    pub async fn run(self) {
        let link = self.link;
        let mut early = VecDeque::new();
        let mut lingering = None;
        match self.dial(&mut early).await {
            Dialled::Open(opened) => {
                if self.reports.send(SfuInbound::Open(link)).await.is_ok() {
                    let Opened { stream, ws } = *opened;
                    lingering = Serving::new(&self, stream, ws, early).run().await;
                }
            }
            Dialled::Abandoned => tracing::debug!(?link, "SFU dial abandoned"),
            Dialled::Failed(e) => tracing::warn!(?link, error = %e, "SFU dial failed"),
            Dialled::TimedOut => tracing::warn!(?link, "SFU dial timed out"),
        }
        self.queue.finish();
        // If the loop is gone there is nobody to tell.
        let _ = self.reports.send(SfuInbound::Closed(link)).await;
        // The service may dial again at once; the old socket's polite close goes on meanwhile.
        if let Some(stream) = lingering {
            tcp::linger(&*stream, &*self.runtime).await;
        }
    }

    /// Opens the link, unless the service closes it first or [`DIAL_TIMEOUT`] passes. Anything
    /// the service queues meanwhile is kept in `early`, in order.
    async fn dial(&self, early: &mut VecDeque<Outgoing>) -> Dialled {
        let mut timer = self.runtime.new_timer(Instant::now() + DIAL_TIMEOUT);
        let mut open = pin!(handshake::open(&*self.runtime, &self.url, self.config));
        poll_fn(|cx| {
            loop {
                match self.queue.next(cx) {
                    Next::Write(item) => early.push_back(item),
                    Next::Close(_) => return Poll::Ready(Dialled::Abandoned),
                    Next::Wait => break,
                }
            }
            if let Poll::Ready(result) = open.as_mut().poll(cx) {
                return Poll::Ready(match result {
                    Ok(opened) => Dialled::Open(Box::new(opened)),
                    Err(e) => Dialled::Failed(e),
                });
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Dialled::TimedOut);
            }
            Poll::Pending
        })
        .await
    }
}

/// How the open phase ended.
enum End {
    /// Everything is written: half-close, then linger.
    Close,
    /// The socket failed, the SFU vanished, or writing timed out.
    Abort,
}

/// The open link: frames both ways.
struct Serving<'a> {
    task: &'a LinkTask,
    stream: Box<dyn AsyncTcpStream>,
    ws: WebSocket<Pipe>,
    /// Items the service queued before the link opened.
    early: VecDeque<Outgoing>,
    /// Sizes of the items in the outbound buffer, returned to the queue once written.
    unwritten: usize,
    /// Nothing more is taken from the queue: once the outbound buffer is written, close.
    closing: bool,
    /// Nothing more is read.
    reading_done: bool,
    close_timer: Option<Pin<Box<dyn AsyncTimer>>>,
    /// A report waiting for room in the loop's queue; nothing more is read meanwhile.
    sending: Option<BoxFuture>,
}

impl<'a> Serving<'a> {
    fn new(
        task: &'a LinkTask,
        stream: Box<dyn AsyncTcpStream>,
        ws: WebSocket<Pipe>,
        early: VecDeque<Outgoing>,
    ) -> Self {
        Self {
            task,
            stream,
            ws,
            early,
            unwritten: 0,
            closing: false,
            reading_done: false,
            close_timer: None,
            sending: None,
        }
    }

    /// Serves until the link ends; the socket, half-closed, if it is to linger.
    async fn run(mut self) -> Option<Box<dyn AsyncTcpStream>> {
        let end = poll_fn(|cx| self.poll_open(cx)).await;
        match end {
            End::Close => {
                if let Err(e) = tcp::shutdown_write(&*self.stream) {
                    tracing::debug!(link = ?self.task.link, error = %e, "shutdown failed");
                }
                Some(self.stream)
            }
            End::Abort => None,
        }
    }

    fn start_closing(&mut self) {
        self.closing = true;
        self.reading_done = true;
        if self.close_timer.is_none() {
            let deadline = Instant::now() + CLOSE_TIMEOUT;
            self.close_timer = Some(self.task.runtime.new_timer(deadline));
        }
    }

    fn poll_open(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        loop {
            if let Some(timer) = &mut self.close_timer
                && timer.as_mut().poll(cx).is_ready()
            {
                tracing::debug!(link = ?self.task.link, "the SFU did not take the last bytes");
                return Poll::Ready(End::Abort);
            }
            let wrote = match self.poll_write(cx) {
                Poll::Ready(Ok(progress)) => progress,
                Poll::Ready(Err(end)) => return Poll::Ready(end),
                Poll::Pending => false,
            };
            if self.closing && self.ws.get_ref().outbound.is_empty() {
                return Poll::Ready(End::Close);
            }
            let read = match self.poll_read(cx) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(end)) => return Poll::Ready(end),
                Poll::Pending => false,
            };
            if !wrote && !read {
                return Poll::Pending;
            }
        }
    }

    /// Writes the outbound buffer, refilling it from the queue once empty. `Ok(true)` if
    /// anything moved.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool, End>> {
        let outbound = &mut self.ws.get_mut().outbound;
        if !outbound.is_empty() {
            return match self.stream.poll_write(cx, outbound) {
                Poll::Ready(Ok(0)) => Poll::Ready(Err(self.failed("write", None))),
                Poll::Ready(Ok(written)) => {
                    outbound.advance(written);
                    if outbound.is_empty() {
                        self.task.queue.written(std::mem::take(&mut self.unwritten));
                    }
                    Poll::Ready(Ok(true))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(self.failed("write", Some(e)))),
                Poll::Pending => Poll::Pending,
            };
        }
        if self.closing {
            return Poll::Pending;
        }
        let next = match self.early.pop_front() {
            Some(item) => Next::Write(item),
            None => self.task.queue.next(cx),
        };
        match next {
            Next::Write(item) => {
                self.unwritten += Link::size_of(&item);
                if let Outgoing::Message(message) = item
                    && let Err(e) = self.ws.write(message).and_then(|()| self.ws.flush())
                {
                    return Poll::Ready(Err(self.failed_ws("encode", e)));
                }
                Poll::Ready(Ok(true))
            }
            Next::Close(code) => {
                if let Some(code) = code {
                    self.close_frame(code.code.into());
                }
                self.start_closing();
                Poll::Ready(Ok(true))
            }
            Next::Wait => Poll::Pending,
        }
    }

    /// Queues a close frame; tungstenite refuses only when one was sent already.
    fn close_frame(&mut self, code: WsCloseCode) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(""),
        };
        if self.ws.close(Some(frame)).is_ok() {
            // This moves the frame into the pipe.
            let _ = self.ws.flush();
        }
    }

    /// Hands each frame to the loop, reading the socket when tungstenite needs more bytes.
    /// `Ok(())` if anything moved.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), End>> {
        if let Some(sending) = &mut self.sending {
            if sending.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sending = None;
        }
        if self.reading_done {
            return Poll::Pending;
        }
        let link = self.task.link;
        let report = match self.ws.read() {
            Ok(Message::Text(text)) => SfuInbound::Text(link, text.as_str().to_owned()),
            Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_)) => SfuInbound::Frame(link),
            Ok(Message::Frame(_)) => return Poll::Ready(Ok(())),
            Ok(Message::Close(_)) => {
                // tungstenite queued the answering close frame; this writes it to the pipe.
                let _ = self.ws.flush();
                tracing::debug!(?link, "the SFU closed the link");
                self.start_closing();
                return Poll::Ready(Ok(()));
            }
            Err(WsError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                return self.poll_fill(cx);
            }
            Err(e) => {
                let code = match e {
                    // signal.md §8.1: a frame over `max_payload` ends the link with 1009.
                    WsError::Capacity(CapacityError::MessageTooLong { .. }) => WsCloseCode::Size,
                    WsError::Utf8(_) => WsCloseCode::Invalid,
                    _ => WsCloseCode::Protocol,
                };
                tracing::warn!(?link, error = %e, "the SFU broke the WebSocket protocol");
                self.close_frame(code);
                self.start_closing();
                return Poll::Ready(Ok(()));
            }
        };
        let reports = self.task.reports.clone();
        let mut sending: BoxFuture = Box::pin(async move {
            // If the loop is gone there is nobody to tell.
            let _ = reports.send(report).await;
        });
        if sending.as_mut().poll(cx).is_pending() {
            self.sending = Some(sending);
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one chunk from the socket into the pipe.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), End>> {
        let mut chunk = [0u8; SOCKET_READ];
        match self.stream.poll_read(cx, &mut chunk) {
            Poll::Ready(Ok(0)) => {
                tracing::debug!(link = ?self.task.link, "the SFU closed without a close frame");
                Poll::Ready(Err(End::Abort))
            }
            Poll::Ready(Ok(n)) => {
                let inbound: &mut BytesMut = &mut self.ws.get_mut().inbound;
                inbound.extend_from_slice(chunk.get(..n).unwrap_or_default());
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.failed("read", Some(e)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn failed(&self, what: &str, error: Option<io::Error>) -> End {
        match error {
            Some(e) => tracing::warn!(link = ?self.task.link, error = %e, "SFU link {what} failed"),
            None => tracing::warn!(link = ?self.task.link, "SFU link {what} made no progress"),
        }
        End::Abort
    }

    fn failed_ws(&self, what: &str, error: WsError) -> End {
        tracing::warn!(link = ?self.task.link, error = %error, "SFU link {what} failed");
        End::Abort
    }
}

/// The close the service asked for, as the queue carries it.
pub(crate) fn close(code: u16) -> Close {
    Close { code, reason: "" }
}
