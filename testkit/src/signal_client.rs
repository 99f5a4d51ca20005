//! A Socket.IO v4 client as `socket.io-client` with `transports: ['websocket']` is one, written
//! raw (signal.md §1-§3): tungstenite over a blocking std `TcpStream`, one Engine.IO packet per
//! text frame, the Engine.IO open packet, `40{auth}` CONNECT, `42[…]` events, `3` pongs.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::REPLY_DEADLINE;
use crate::chat_client::next_text;

/// The handshake path and query a websocket-only client uses (signal.md §1).
pub const SOCKET_IO_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// One Engine.IO session over WebSocket.
#[derive(Debug)]
pub struct SignalClient {
    ws: WebSocket<TcpStream>,
    /// The open packet's JSON (signal.md §2).
    pub open: Value,
    /// Pings answered so far by [`SignalClient::recv_event`] and friends.
    pub pongs: usize,
}

impl SignalClient {
    /// Upgrades at [`SOCKET_IO_PATH`] and reads the open packet; panics on anything else.
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        let (ws, _) = tungstenite::client(format!("ws://{addr}{SOCKET_IO_PATH}"), stream)
            .unwrap_or_else(|e| panic!("upgrade at {addr}: {e}"));
        let mut client = Self {
            ws,
            open: Value::Null,
            pongs: 0,
        };
        let open = client.recv_frame();
        let json = open
            .strip_prefix('0')
            .unwrap_or_else(|| panic!("expected the open packet, got {open:?}"));
        client.open = serde_json::from_str(json).expect("the open packet is JSON");
        client
    }

    /// Connects, sends CONNECT with `auth` and reads the acknowledgement and `info`; returns the
    /// client and `info`'s argument. Panics on a CONNECT_ERROR.
    pub fn admitted(addr: SocketAddr, auth: &Value) -> (Self, Value) {
        let mut client = Self::connect(addr);
        client.send_connect(auth);
        let ack = client.recv_packet();
        assert!(ack.starts_with("0{"), "expected a CONNECT ack, got {ack:?}");
        let info = client.expect_event("info");
        (client, info)
    }

    /// Sends one text frame as it is.
    pub fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).unwrap();
    }

    /// Socket.IO CONNECT to the main namespace with `auth` (`40{…}`).
    pub fn send_connect(&mut self, auth: &Value) {
        self.send_text(&format!("40{auth}"));
    }

    /// Emits `name` with `args` (`42["name",…]`).
    pub fn emit(&mut self, name: &str, args: &[Value]) {
        let mut data = vec![json!(name)];
        data.extend(args.iter().cloned());
        self.send_text(&format!("42{}", Value::Array(data)));
    }

    /// The next text frame (`Ok`), the close code if the server closes instead (`Err`), or
    /// `None` if nothing came within `wait`; WebSocket pings are answered by tungstenite.
    pub fn recv_within(&mut self, wait: Duration) -> Option<Result<String, Option<u16>>> {
        next_text(&mut self.ws, wait)
    }

    /// The next text frame, whatever it is.
    pub fn recv_frame(&mut self) -> String {
        let frame = self.recv_within(REPLY_DEADLINE);
        frame
            .clone()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("expected a text frame, got {frame:?}"))
    }

    /// The next Socket.IO packet (the text after Engine.IO's `4`), answering pings on the way.
    pub fn recv_packet(&mut self) -> String {
        loop {
            let frame = self.recv_frame();
            if frame == "2" {
                self.send_text("3");
                self.pongs += 1;
                continue;
            }
            return frame
                .strip_prefix('4')
                .unwrap_or_else(|| panic!("expected an Engine.IO message, got {frame:?}"))
                .to_owned();
        }
    }

    /// The next event's data array (`42[…]`).
    pub fn recv_event(&mut self) -> Vec<Value> {
        let packet = self.recv_packet();
        let data = packet
            .strip_prefix('2')
            .unwrap_or_else(|| panic!("expected an event, got {packet:?}"));
        match serde_json::from_str(data) {
            Ok(Value::Array(items)) => items,
            _ => panic!("an event's data is an array: {packet:?}"),
        }
    }

    /// The next event, which must be `name` with one argument; returns the argument.
    pub fn expect_event(&mut self, name: &str) -> Value {
        let data = self.recv_event();
        assert_eq!(
            data.first(),
            Some(&json!(name)),
            "expected {name:?}: {data:?}"
        );
        data.get(1).cloned().unwrap_or(Value::Null)
    }

    /// Reads (discarding text) until the server's close frame; its code.
    pub fn expect_close(&mut self, deadline: Duration) -> Option<u16> {
        let end = Instant::now() + deadline;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.recv_within(left) {
                Some(Ok(_)) => {}
                Some(Err(code)) => return code,
                None => panic!("no close frame within {deadline:?}"),
            }
        }
    }
}
