//! A WebSocket client for live chat runs (`vectors.md` §7.7) that works frame by frame: it sends
//! exactly the frames a scenario names (masked, as a client must) and reports every frame the
//! server writes, pings included, without answering any of them on its own — so a scenario can
//! show a client that is deaf to the heartbeat.

use std::io::{self, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tungstenite::handshake::client::generate_key;
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};
use tungstenite::protocol::frame::{Frame, FrameSocket};

use super::http::{connect_from, read_body, read_head};
use crate::format::chat::{FrameJson, ResponseJson};

/// How often the reading thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(20);
/// The largest frame read (the server's are small; this only bounds a broken one).
const MAX_FRAME: usize = 1024 * 1024;

/// What a client's reading thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// A text frame, a ping, a pong or a close frame from the server.
    Frame { client: usize, frame: FrameJson },
    /// A frame the protocol never has the server send (binary, a stray continuation): always a
    /// failure.
    Unexpected { client: usize, what: String },
    /// The connection ended: end of stream (`error` is `None`) or a read error.
    Ended {
        client: usize,
        error: Option<String>,
    },
}

/// One client's open WebSocket connection.
#[derive(Debug)]
pub struct WsClient {
    writer: Arc<Mutex<TcpStream>>,
    closing: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

/// The outcome of an upgrade request: a connection, or the server's refusal.
#[derive(Debug)]
pub enum Upgrade {
    Accepted(WsClient),
    Refused(ResponseJson),
}

impl WsClient {
    /// Sends the upgrade request for `/ws` from `ip`; on `101` (with the right accept key),
    /// starts the reading thread that posts to `tx` under `client`.
    pub fn connect(
        client: usize,
        ip: IpAddr,
        server: SocketAddr,
        tx: Sender<Arrival>,
    ) -> io::Result<Upgrade> {
        Self::connect_to(client, ip, server, "/ws", None, tx)
    }

    /// As [`WsClient::connect`], for the request target `target` (path and query) with an
    /// `Origin` header when `origin` is given (`signal`'s upgrades, `vectors.md` §8.3).
    pub fn connect_to(
        client: usize,
        ip: IpAddr,
        server: SocketAddr,
        target: &str,
        origin: Option<&str>,
        tx: Sender<Arrival>,
    ) -> io::Result<Upgrade> {
        let mut stream = connect_from(ip, server)?;
        let key = generate_key();
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             {origin}Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes())?;
        let (head, rest) = read_head(&mut stream)?;
        if head.status != 101 {
            let body = read_body(&mut stream, &head, rest)?;
            return Ok(Upgrade::Refused(ResponseJson {
                status: head.status,
                body: Some(body),
            }));
        }
        let accept = derive_accept_key(key.as_bytes());
        if head.header("sec-websocket-accept") != Some(accept.as_str()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "101 without the right Sec-WebSocket-Accept",
            ));
        }
        let reading = stream.try_clone()?;
        reading.set_read_timeout(Some(POLL))?;
        let closing = Arc::new(AtomicBool::new(false));
        let reader = std::thread::Builder::new()
            .name(format!("live-ws-{client}"))
            .spawn({
                let closing = Arc::clone(&closing);
                move || {
                    read(
                        client,
                        FrameSocket::from_partially_read(reading, rest),
                        &closing,
                        &tx,
                    )
                }
            })?;
        Ok(Upgrade::Accepted(Self {
            writer: Arc::new(Mutex::new(stream)),
            closing,
            reader: Some(reader),
        }))
    }

    pub fn text(&self, text: &str) -> io::Result<()> {
        self.send(Frame::message(
            text.to_owned(),
            OpCode::Data(Data::Text),
            true,
        ))
    }

    pub fn binary(&self, bytes: &[u8]) -> io::Result<()> {
        self.send(Frame::message(
            bytes.to_vec(),
            OpCode::Data(Data::Binary),
            true,
        ))
    }

    pub fn pong(&self) -> io::Result<()> {
        self.send(Frame::pong(Vec::new()))
    }

    pub fn ping(&self) -> io::Result<()> {
        self.send(Frame::ping(b"hark".to_vec()))
    }

    /// Sends a close frame (1000) and closes the connection; nothing more is reported.
    pub fn close(mut self) -> io::Result<()> {
        self.closing.store(true, Ordering::Relaxed);
        let sent = self.send(Frame::close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })));
        self.stop();
        sent
    }

    fn send(&self, frame: Frame) -> io::Result<()> {
        send(&self.writer, frame)
    }

    fn stop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        if let Ok(stream) = self.writer.lock() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes one frame, masked as every client frame must be.
fn send(writer: &Mutex<TcpStream>, mut frame: Frame) -> io::Result<()> {
    frame.header_mut().mask = Some(mask());
    let mut bytes = Vec::new();
    frame.format(&mut bytes).map_err(io::Error::other)?;
    let mut stream = writer
        .lock()
        .map_err(|_| io::Error::other("the writer lock is poisoned"))?;
    stream.write_all(&bytes)
}

/// A masking key; RFC 6455 asks for an unpredictable one against proxy cache poisoning, which
/// a test client on loopback does not face.
fn mask() -> [u8; 4] {
    static NEXT: AtomicU32 = AtomicU32::new(0x1234_5678);
    NEXT.fetch_add(0x9e37_79b9, Ordering::Relaxed).to_be_bytes()
}

/// The reading thread: every frame the server writes, reassembled if fragmented, until the end
/// of the connection or the client's own close.
fn read(
    client: usize,
    mut socket: FrameSocket<TcpStream>,
    closing: &AtomicBool,
    tx: &Sender<Arrival>,
) {
    let mut partial: Option<Vec<u8>> = None;
    loop {
        if closing.load(Ordering::Relaxed) {
            return;
        }
        let arrival = match socket.read(Some(MAX_FRAME)) {
            Ok(Some(frame)) => match message(client, frame, &mut partial) {
                Some(arrival) => arrival,
                None => continue,
            },
            Ok(None) => Arrival::Ended {
                client,
                error: None,
            },
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => Arrival::Ended {
                client,
                error: Some(e.to_string()),
            },
        };
        let ended = matches!(arrival, Arrival::Ended { .. });
        if closing.load(Ordering::Relaxed) || tx.send(arrival).is_err() || ended {
            return;
        }
    }
}

/// One frame as the server meant it: a complete text message, a ping, a close, or a frame the
/// server never sends; `None` while a fragmented message goes on.
fn message(client: usize, frame: Frame, partial: &mut Option<Vec<u8>>) -> Option<Arrival> {
    let fin = frame.header().is_final;
    let opcode = frame.header().opcode;
    let payload = frame.into_payload();
    let unexpected = |what: String| Some(Arrival::Unexpected { client, what });
    let text = |bytes: Vec<u8>| match String::from_utf8(bytes) {
        Ok(text) => Some(Arrival::Frame {
            client,
            frame: FrameJson::Text(text),
        }),
        Err(_) => unexpected("a text frame that is not UTF-8".to_owned()),
    };
    match opcode {
        OpCode::Data(Data::Text) if fin => text(payload.to_vec()),
        OpCode::Data(Data::Text) => {
            *partial = Some(payload.to_vec());
            None
        }
        OpCode::Data(Data::Continue) => {
            let Some(mut bytes) = partial.take() else {
                return unexpected("a continuation frame without a message".to_owned());
            };
            bytes.extend_from_slice(&payload);
            if fin {
                return text(bytes);
            }
            *partial = Some(bytes);
            None
        }
        OpCode::Data(Data::Binary) => {
            unexpected(format!("a binary frame of {} bytes", payload.len()))
        }
        OpCode::Control(Control::Ping) => Some(Arrival::Frame {
            client,
            frame: FrameJson::Ping,
        }),
        OpCode::Control(Control::Close) => {
            let code = match payload.get(..2) {
                Some([hi, lo]) => u16::from_be_bytes([*hi, *lo]),
                _ => 1005,
            };
            Some(Arrival::Frame {
                client,
                frame: FrameJson::Close(code),
            })
        }
        OpCode::Control(Control::Pong) => Some(Arrival::Frame {
            client,
            frame: FrameJson::Pong,
        }),
        other => unexpected(format!("a frame with opcode {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(opcode: OpCode, fin: bool, payload: &[u8]) -> Frame {
        let mut frame = Frame::message(payload.to_vec(), OpCode::Data(Data::Text), fin);
        frame.header_mut().opcode = opcode;
        frame
    }

    #[test]
    fn a_fragmented_text_message_arrives_whole() {
        let mut partial = None;
        let first = frame(OpCode::Data(Data::Text), false, b"{\"type\"");
        assert_eq!(message(0, first, &mut partial), None);
        let last = frame(OpCode::Data(Data::Continue), true, b":\"pong\"}");
        assert_eq!(
            message(0, last, &mut partial),
            Some(Arrival::Frame {
                client: 0,
                frame: FrameJson::Text(r#"{"type":"pong"}"#.into())
            })
        );
    }

    #[test]
    fn pings_pongs_and_closes_are_reported_and_binary_frames_are_unexpected() {
        let mut partial = None;
        let ping = frame(OpCode::Control(Control::Ping), true, b"");
        assert!(matches!(
            message(1, ping, &mut partial),
            Some(Arrival::Frame {
                frame: FrameJson::Ping,
                ..
            })
        ));
        let close = frame(
            OpCode::Control(Control::Close),
            true,
            &1008_u16.to_be_bytes(),
        );
        assert!(matches!(
            message(1, close, &mut partial),
            Some(Arrival::Frame {
                frame: FrameJson::Close(1008),
                ..
            })
        ));
        let pong = frame(OpCode::Control(Control::Pong), true, b"");
        assert!(matches!(
            message(1, pong, &mut partial),
            Some(Arrival::Frame {
                frame: FrameJson::Pong,
                ..
            })
        ));
        let binary = frame(OpCode::Data(Data::Binary), true, b"x");
        assert!(matches!(
            message(1, binary, &mut partial),
            Some(Arrival::Unexpected { .. })
        ));
    }
}
