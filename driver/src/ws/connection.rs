//! One WebSocket connection's task: reads the HTTP request head, routes it with the service's
//! [`Router`] (asking the loop when the service must answer), then moves bytes between the socket
//! and tungstenite (over a [`Pipe`]) — complete messages to the loop, queued messages from the
//! [`Link`] to the socket — and closes when the loop, the client or a protocol error says so. It
//! decides nothing about the service's protocol; the loop owns the service.

use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::Sender;
use bytes::{Buf, Bytes, BytesMut};
use hark_core::ConnectionId;
use tungstenite::error::{CapacityError, Error as WsError};
use tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocket, WebSocketConfig};
use tungstenite::{Message, Utf8Bytes};

use super::http::{self, Head, HeadError};
use super::link::{Close, Link, Next, Outgoing};
use super::pipe::Pipe;
use super::request::read_head;
use crate::runtime::{AsyncTcpStream, AsyncTimer, Runtime};
use crate::tcp;

/// Bytes read from the socket at once.
const SOCKET_READ: usize = 8 * 1024;
/// An outgoing buffer larger than this is freed once written, so that a burst (a full room's
/// `userList`) does not stay allocated on an idle connection.
const KEEP_OUTBOUND: usize = 16 * 1024;
/// Frames are taken from the queue into one write until the buffer holds this much: below
/// `KEEP_OUTBOUND`, so a batch does not make the buffer be freed and allocated again.
const WRITE_BATCH: usize = 8 * 1024;
/// Once closing, how long the task tries to write what is left (the last frames, the close frame,
/// an HTTP response) to a client that may not read at all, before dropping the socket.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the service's core made of a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route<Q> {
    /// A WebSocket upgrade the core accepts: the loop asks the service to admit it.
    Upgrade,
    /// A request the service answers (health, debug pages): the loop queues its response.
    Ask(Q),
    /// An answer that needs nothing from the service (404, 405, a refused handshake).
    Respond(Bytes),
}

/// A service's routing: the core's decision on a request head, run in the connection's task.
pub(crate) type Router<Q> = Arc<dyn Fn(&Head) -> Route<Q> + Send + Sync>;

/// What a connection's task tells the loop.
#[derive(Debug)]
pub(crate) enum Inbound<Q> {
    /// [`Route::Ask`]: the loop queues the service's response.
    Request {
        conn: ConnectionId,
        request: Q,
    },
    /// [`Route::Upgrade`]: the loop asks the service to admit it.
    Upgrade {
        conn: ConnectionId,
        ip: IpAddr,
    },
    /// Text, binary, activity and oversized messages each hold one of the connection's
    /// [`MESSAGES_IN_FLIGHT`](super::link::MESSAGES_IN_FLIGHT) until the loop releases it.
    Text {
        conn: ConnectionId,
        text: Utf8Bytes,
    },
    Binary {
        conn: ConnectionId,
        len: usize,
    },
    /// A ping or a pong arrived (tungstenite has answered a ping already).
    Activity {
        conn: ConnectionId,
    },
    /// A message of `size` bytes, beyond the transport's bound; the task reads nothing more.
    Oversized {
        conn: ConnectionId,
        size: usize,
    },
    /// The client closed, the socket failed or the client broke the protocol.
    Closed {
        conn: ConnectionId,
    },
}

/// How the open phase ended.
enum End {
    /// Everything is written: half-close, then linger.
    Close,
    /// The socket failed, the client vanished, writing timed out, or the loop is gone.
    Abort,
}

/// What each connection gets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionSettings {
    /// tungstenite's read buffer.
    pub read_buffer: usize,
    /// tungstenite's bound on one incoming message and frame.
    pub max_ws_message: usize,
}

pub(crate) struct Connection<Q> {
    conn: ConnectionId,
    stream: Box<dyn AsyncTcpStream>,
    peer: SocketAddr,
    link: Arc<Link>,
    router: Router<Q>,
    inbound: Sender<Inbound<Q>>,
    runtime: Arc<dyn Runtime>,
    ws: WebSocket<Pipe>,
    /// The upgrade request's key, until the `101` is written.
    websocket_key: Option<String>,
    /// The `101` is written: items are WebSocket messages and incoming bytes are frames.
    upgraded: bool,
    /// Sizes of the items in `ws`'s outbound buffer, returned to the link once written.
    unwritten: usize,
    /// Nothing more is taken from the link: once the outbound buffer is written, close.
    closing: bool,
    /// Nothing more is read (end of stream, an oversized message, a close).
    reading_done: bool,
    close_timer: Option<Pin<Box<dyn AsyncTimer>>>,
    /// The loop has been told the connection is gone.
    told_closed: bool,
}

/// Where a new connection's task reports, and how it routes.
pub(crate) struct Wiring<Q> {
    pub router: Router<Q>,
    pub inbound: Sender<Inbound<Q>>,
    pub runtime: Arc<dyn Runtime>,
    pub settings: ConnectionSettings,
}

impl<Q> Clone for Wiring<Q> {
    fn clone(&self) -> Self {
        Self {
            router: Arc::clone(&self.router),
            inbound: self.inbound.clone(),
            runtime: Arc::clone(&self.runtime),
            settings: self.settings,
        }
    }
}

impl<Q: Send + 'static> Connection<Q> {
    pub fn new(
        conn: ConnectionId,
        stream: Box<dyn AsyncTcpStream>,
        peer: SocketAddr,
        link: Arc<Link>,
        wiring: Wiring<Q>,
    ) -> Self {
        let Wiring {
            router,
            inbound,
            runtime,
            settings,
        } = wiring;
        let config = WebSocketConfig::default()
            .read_buffer_size(settings.read_buffer)
            .write_buffer_size(0)
            .max_message_size(Some(settings.max_ws_message))
            .max_frame_size(Some(settings.max_ws_message));
        Self {
            conn,
            stream,
            peer,
            link,
            router,
            inbound,
            runtime,
            ws: WebSocket::from_raw_socket(Pipe::default(), Role::Server, Some(config)),
            websocket_key: None,
            upgraded: false,
            unwritten: 0,
            closing: false,
            reading_done: true,
            close_timer: None,
            told_closed: false,
        }
    }

    pub async fn run(mut self) {
        match self.read_request().await {
            Ok(()) => {}
            Err(e) => {
                tracing::debug!(conn = self.conn.0, peer = %self.peer, error = %e, "request refused");
                self.respond_and_close(e.response());
            }
        }
        let end = poll_fn(|cx| self.poll_open(cx)).await;
        if !self.told_closed {
            self.tell_closed();
        }
        if matches!(end, End::Close) {
            if let Err(e) = tcp::shutdown_write(&*self.stream) {
                tracing::debug!(conn = self.conn.0, error = %e, "shutdown failed");
            }
            self.link.finish();
            tcp::linger(&*self.stream, &*self.runtime).await;
        } else {
            self.link.finish();
        }
    }

    /// Reads the request head and acts on its route: the loop is asked about an upgrade or a
    /// request the service answers; anything else is answered here.
    async fn read_request(&mut self) -> Result<(), HeadError> {
        let (head, rest) = read_head(&*self.stream, &*self.runtime).await?;
        let route = (self.router)(&head);
        match route {
            Route::Upgrade => {
                self.ws.get_mut().inbound = rest;
                self.websocket_key = head.websocket_key;
                let upgrade = Inbound::Upgrade {
                    conn: self.conn,
                    ip: self.peer.ip().to_canonical(),
                };
                if !self.send(upgrade) {
                    self.start_closing();
                }
            }
            Route::Ask(request) => {
                let conn = self.conn;
                if !self.send(Inbound::Request { conn, request }) {
                    self.start_closing();
                }
            }
            Route::Respond(response) => self.respond_and_close(response),
        }
        Ok(())
    }

    /// Writes `response` and closes, taking nothing from the loop.
    fn respond_and_close(&mut self, response: Bytes) {
        self.ws.get_mut().outbound.extend_from_slice(&response);
        self.start_closing();
    }

    fn start_closing(&mut self) {
        self.closing = true;
        self.reading_done = true;
        self.start_close_timer();
    }

    fn start_close_timer(&mut self) {
        if self.close_timer.is_none() {
            self.close_timer = Some(self.runtime.new_timer(Instant::now() + CLOSE_TIMEOUT));
        }
    }

    /// Writes what is queued and reads what arrives until the connection is closed, or fails.
    fn poll_open(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        loop {
            if let Some(timer) = &mut self.close_timer
                && timer.as_mut().poll(cx).is_ready()
            {
                tracing::debug!(conn = self.conn.0, "client did not take the last bytes");
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

    /// Writes the outbound buffer, refilling it from the link once empty. `Ok(true)` if anything
    /// moved.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool, End>> {
        let outbound = &mut self.ws.get_mut().outbound;
        if !outbound.is_empty() {
            return match self.stream.poll_write(cx, outbound) {
                Poll::Ready(Ok(0)) => Poll::Ready(Err(self.failed("write", None))),
                Poll::Ready(Ok(written)) => {
                    outbound.advance(written);
                    if outbound.is_empty() {
                        if outbound.capacity() > KEEP_OUTBOUND {
                            *outbound = BytesMut::new();
                        }
                        self.link.written(std::mem::take(&mut self.unwritten));
                    }
                    Poll::Ready(Ok(true))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(self.failed("write", Some(e)))),
                Poll::Pending => {
                    // A slow reader's close is noticed without waiting for its socket.
                    if self.link.is_closing() {
                        self.start_close_timer();
                    }
                    Poll::Pending
                }
            };
        }
        if self.closing {
            return Poll::Pending;
        }
        // Everything queued goes into one write, up to WRITE_BATCH bytes: a fan-out queues many
        // frames at once, and one system call per batch costs far less than one per frame.
        let mut moved = false;
        while self.ws.get_ref().outbound.len() < WRITE_BATCH {
            match self.link.next(cx) {
                Next::Write(item) => {
                    self.unwritten += Link::size_of(&item);
                    self.encode(item).map_err(|e| self.failed_ws("encode", e))?;
                    moved = true;
                }
                Next::Close(code) => {
                    if self.upgraded
                        && let Some(code) = code
                    {
                        self.close_frame(code);
                    }
                    self.start_closing();
                    return Poll::Ready(Ok(true));
                }
                Next::Wait => break,
            }
        }
        if moved {
            Poll::Ready(Ok(true))
        } else {
            Poll::Pending
        }
    }

    fn encode(&mut self, item: Outgoing) -> Result<(), WsError> {
        match item {
            Outgoing::Raw(bytes) => self.ws.get_mut().outbound.extend_from_slice(&bytes),
            Outgoing::Upgraded => {
                let key = self.websocket_key.take().unwrap_or_default();
                let response = http::switching_protocols(&key);
                self.ws.get_mut().outbound.extend_from_slice(&response);
                self.upgraded = true;
                self.reading_done = false;
            }
            Outgoing::Message(message) => {
                self.ws.write(message)?;
                self.ws.flush()?;
            }
        }
        Ok(())
    }

    /// Queues a close frame; tungstenite refuses only when one was sent already.
    fn close_frame(&mut self, close: Close) {
        let frame = CloseFrame {
            code: WsCloseCode::from(close.code),
            reason: close.reason.into(),
        };
        if let Err(e) = self.ws.close(Some(frame)) {
            tracing::debug!(conn = self.conn.0, error = %e, "close frame not queued");
        }
    }

    /// Hands complete messages to the loop, reading the socket when tungstenite needs more bytes.
    /// `Ok(())` if anything moved.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), End>> {
        if self.reading_done || !self.link.try_start_message() {
            return Poll::Pending;
        }
        let conn = self.conn;
        let message = match self.ws.read() {
            Ok(Message::Text(text)) => Inbound::Text { conn, text },
            Ok(Message::Binary(bytes)) => Inbound::Binary {
                conn,
                len: bytes.len(),
            },
            Ok(Message::Ping(_) | Message::Pong(_)) => Inbound::Activity { conn },
            Ok(Message::Frame(_)) => {
                self.link.cancel_message();
                return Poll::Ready(Ok(()));
            }
            Ok(Message::Close(_)) => {
                self.link.cancel_message();
                // tungstenite queued the answering close frame; this writes it to the pipe.
                let _ = self.ws.flush();
                self.tell_closed();
                self.start_closing();
                return Poll::Ready(Ok(()));
            }
            Err(WsError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                self.link.cancel_message();
                return self.poll_fill(cx);
            }
            Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size })) => {
                tracing::debug!(
                    conn = conn.0,
                    size,
                    max_size,
                    "message beyond the transport bound"
                );
                self.reading_done = true;
                Inbound::Oversized { conn, size }
            }
            Err(e) => {
                self.link.cancel_message();
                let code = match e {
                    WsError::Utf8(_) => WsCloseCode::Invalid,
                    _ => WsCloseCode::Protocol,
                };
                tracing::debug!(conn = conn.0, error = %e, "protocol error");
                let frame = CloseFrame {
                    code,
                    reason: Utf8Bytes::from_static(""),
                };
                let _ = self.ws.close(Some(frame));
                self.tell_closed();
                self.start_closing();
                return Poll::Ready(Ok(()));
            }
        };
        if !self.send(message) {
            return Poll::Ready(Err(End::Abort));
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one chunk from the socket into the pipe. The chunk is read on the stack and the pipe
    /// holds only what tungstenite has not taken yet, so an idle connection keeps no read buffer
    /// of its own (tungstenite's is the one).
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), End>> {
        let mut chunk = [0u8; SOCKET_READ];
        match self.stream.poll_read(cx, &mut chunk) {
            Poll::Ready(Ok(0)) => {
                // The end of the stream without a close frame: the client is gone.
                tracing::debug!(conn = self.conn.0, "closed without a close frame");
                self.tell_closed();
                Poll::Ready(Err(End::Abort))
            }
            Poll::Ready(Ok(n)) => {
                let inbound = &mut self.ws.get_mut().inbound;
                if inbound.is_empty() {
                    *inbound = BytesMut::from(chunk.get(..n).unwrap_or_default());
                } else {
                    inbound.extend_from_slice(chunk.get(..n).unwrap_or_default());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.failed("read", Some(e)))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Sends to the loop; `false` if the loop is gone.
    fn send(&self, message: Inbound<Q>) -> bool {
        self.inbound.try_send(message).is_ok()
    }

    fn tell_closed(&mut self) {
        self.told_closed = true;
        // If the loop is gone there is nobody to tell.
        let _ = self.inbound.try_send(Inbound::Closed { conn: self.conn });
    }

    /// The socket failed: the loop is told and the task stops.
    fn failed(&mut self, what: &str, error: Option<io::Error>) -> End {
        match error {
            Some(e) => tracing::debug!(conn = self.conn.0, error = %e, "{what} failed"),
            None => tracing::debug!(conn = self.conn.0, "{what} made no progress"),
        }
        self.tell_closed();
        End::Abort
    }

    fn failed_ws(&mut self, what: &str, error: WsError) -> End {
        tracing::debug!(conn = self.conn.0, error = %error, "{what} failed");
        self.tell_closed();
        End::Abort
    }
}
