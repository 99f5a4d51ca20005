//! A chat client as a front end would be one: tungstenite over a blocking std `TcpStream`, JSON
//! text frames; and plain HTTP requests for the health and refusal answers.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tungstenite::{Message, WebSocket};

use crate::REPLY_DEADLINE;

/// A raw HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header lines as sent (`Name: value`).
    pub headers: Vec<String>,
    pub body: String,
}

impl HttpResponse {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body {:?} is not JSON: {e}", self.body))
    }
}

/// Sends `request` (a whole HTTP/1.1 request) and reads the response until the server closes.
pub fn http_exchange(addr: SocketAddr, request: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(REPLY_DEADLINE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("reading the answer to {request:?}: {e}"));
    let text = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    HttpResponse {
        status,
        headers: lines.map(str::to_owned).collect(),
        body: body.to_owned(),
    }
}

/// `METHOD path` with no body.
pub fn http_request(addr: SocketAddr, method: &str, path: &str) -> HttpResponse {
    http_exchange(
        addr,
        &format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// The upgrade request tungstenite would send, for answers other than `101`.
pub fn upgrade_request(addr: SocketAddr) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
}

/// The next text message on `ws` within `wait` (`Ok`), the close code if it closes instead
/// (`Err`), or `None` if nothing came. Pings are answered by tungstenite and skipped; binary
/// messages are skipped.
pub(crate) fn next_text(
    ws: &mut WebSocket<TcpStream>,
    wait: Duration,
) -> Option<Result<String, Option<u16>>> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        ws.get_ref().set_read_timeout(Some(left)).unwrap();
        match ws.read() {
            Ok(Message::Text(text)) => return Some(Ok(text.as_str().to_owned())),
            Ok(Message::Close(frame)) => {
                return Some(Err(frame.map(|CloseFrame { code, .. }| code.into())));
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Some(Err(None));
            }
            Err(e) => panic!("reading: {e}"),
        }
    }
}

/// One WebSocket connection to `/ws`.
#[derive(Debug)]
pub struct ChatClient {
    ws: WebSocket<TcpStream>,
}

/// What arrived instead of a text message.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Json(Value),
    Closed(Option<u16>),
    Nothing,
}

impl ChatClient {
    /// Connects and upgrades; panics if the server answers anything but `101`.
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        let (ws, _) = tungstenite::client(format!("ws://{addr}/ws"), stream)
            .unwrap_or_else(|e| panic!("upgrade at {addr}: {e}"));
        Self { ws }
    }

    /// Sends one text frame.
    pub fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).unwrap();
    }

    /// Sends one text frame whose payload is `bytes` as they are, UTF-8 or not.
    pub fn send_raw_text(&mut self, bytes: &'static [u8]) {
        let frame = Frame::message(bytes, OpCode::Data(OpData::Text), true);
        self.ws.send(Message::Frame(frame)).unwrap();
    }

    pub fn send(&mut self, value: &Value) {
        self.send_text(&value.to_string());
    }

    /// `join` with `{id, name, avatar: null}`.
    pub fn join(&mut self, room: &str, id: &str, name: &str) {
        self.send(&json!({"type": "join", "data": {"room": room, "user": {"id": id, "name": name, "avatar": null}}}));
    }

    pub fn message(&mut self, content: &str) {
        self.send(&json!({"type": "message", "data": {"content": content}}));
    }

    /// The next text message, a close, or nothing within `wait`. Pings are answered by
    /// tungstenite and skipped.
    pub fn recv_within(&mut self, wait: Duration) -> Received {
        match next_text(&mut self.ws, wait) {
            Some(Ok(text)) => {
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{text:?} is not JSON: {e}"));
                Received::Json(value)
            }
            Some(Err(code)) => Received::Closed(code),
            None => Received::Nothing,
        }
    }

    /// The next JSON message; panics on anything else within [`REPLY_DEADLINE`].
    pub fn recv(&mut self) -> Value {
        match self.recv_within(REPLY_DEADLINE) {
            Received::Json(value) => value,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// The next message, which must have `type`; returns it.
    pub fn expect_type(&mut self, kind: &str) -> Value {
        let value = self.recv();
        assert_eq!(value["type"], kind, "expected a {kind:?} message: {value}");
        value
    }

    /// Reads (discarding messages) until the server's close frame; its code.
    pub fn expect_close(&mut self, deadline: Duration) -> Option<u16> {
        let end = Instant::now() + deadline;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.recv_within(left) {
                Received::Json(_) => {}
                Received::Closed(code) => return code,
                Received::Nothing => panic!("no close frame within {deadline:?}"),
            }
        }
    }

    /// A barrier: `ping`, then everything up to its `pong` (the server answers in order).
    pub fn sync(&mut self) -> Vec<Value> {
        self.send(&json!({"type": "ping"}));
        let mut before = Vec::new();
        loop {
            let value = self.recv();
            if value["type"] == "pong" {
                return before;
            }
            before.push(value);
        }
    }
}
