//! A voice client: a TCP management connection and a UDP socket for the relay, speaking the
//! protocol through hark-core's codec (`hark_core::wire::voice`).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::wire::voice::{
    AuthStatus, ErrorCode, Frame, FrameDecoder, PROTOCOL_VERSION, Participant, VoicePacket,
    VoiceToken, parse_datagram,
};

use crate::client::{REPLY_DEADLINE, recv_before};

/// Frames from the server are at most this long (a u16 length).
const MAX_SERVER_FRAME: usize = u16::MAX as usize;

/// What a login returned.
#[derive(Debug, Clone)]
pub struct Login {
    pub user_id: u32,
    pub voice_token: VoiceToken,
    pub participants: Vec<Participant>,
}

/// One user: a management connection and a relay socket, both on 127.0.0.1.
#[derive(Debug)]
pub struct VoiceClient {
    name: String,
    stream: TcpStream,
    decoder: FrameDecoder,
    udp: UdpSocket,
    relay: SocketAddr,
    login: Option<Login>,
    nonce: u64,
    sequence: u32,
}

impl VoiceClient {
    /// Connects to the management server; the relay socket is bound but sends nothing yet.
    pub fn connect(management: SocketAddr, relay: SocketAddr, name: &str) -> Self {
        let stream = TcpStream::connect(management)
            .unwrap_or_else(|e| panic!("{name}: cannot connect to {management}: {e}"));
        let udp = UdpSocket::bind("127.0.0.1:0").expect("cannot bind a UDP socket");
        udp.connect(relay)
            .unwrap_or_else(|e| panic!("{name}: cannot connect to {relay}: {e}"));
        Self {
            name: name.to_owned(),
            stream,
            decoder: FrameDecoder::new(MAX_SERVER_FRAME),
            udp,
            relay,
            login: None,
            nonce: 0,
            sequence: 0,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The login's user id; panics before login.
    pub fn user_id(&self) -> u32 {
        self.login().user_id
    }

    pub fn login(&self) -> &Login {
        self.login
            .as_ref()
            .unwrap_or_else(|| panic!("{} has not logged in", self.name))
    }

    // ---- management (TCP) ----

    pub fn send(&mut self, frame: &Frame) {
        let bytes = frame
            .encode()
            .unwrap_or_else(|e| panic!("{}: cannot encode {frame:?}: {e}", self.name));
        self.send_raw(&bytes);
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("{}: cannot send: {e}", self.name));
    }

    /// The next frame, `None` once `deadline` passes; panics at the end of the stream.
    pub fn recv_frame(&mut self, deadline: Instant) -> Option<Frame> {
        match self.recv(deadline) {
            Received::Frame(frame) => Some(frame),
            Received::Timeout => None,
            Received::Closed => panic!("{}: the server closed the connection", self.name),
        }
    }

    fn recv(&mut self, deadline: Instant) -> Received {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => return Received::Frame(frame),
                Ok(None) => {}
                Err(e) => panic!("{}: the server sent a bad frame: {e}", self.name),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Received::Timeout;
            }
            self.stream
                .set_read_timeout(Some(left))
                .expect("cannot set a read timeout");
            match self.stream.read(&mut buf) {
                Ok(0) => return Received::Closed,
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Received::Closed,
                Err(e) => panic!("{}: reading: {e}", self.name),
            }
        }
    }

    /// The next frame within [`REPLY_DEADLINE`].
    pub fn expect_frame(&mut self, what: &str) -> Frame {
        match self.recv_frame(Instant::now() + REPLY_DEADLINE) {
            Some(frame) => frame,
            None => panic!(
                "{}: expected {what}, nothing arrived within {REPLY_DEADLINE:?}",
                self.name
            ),
        }
    }

    /// The next frame must be `expected`.
    pub fn expect(&mut self, expected: &Frame) {
        let frame = self.expect_frame(&format!("{expected:?}"));
        assert_eq!(&frame, expected, "{}: unexpected frame", self.name);
    }

    /// The next frame must be the Error `code` with the spec's message (voice.md §10).
    pub fn expect_error(&mut self, code: ErrorCode) {
        self.expect(&code.frame());
    }

    /// The server must close the stream, after at most frames `skip` accepts, within `deadline`.
    pub fn expect_closed_within(
        &mut self,
        deadline: Duration,
        mut skip: impl FnMut(&Frame) -> bool,
    ) {
        let until = Instant::now() + deadline;
        loop {
            match self.recv(until) {
                Received::Closed => return,
                Received::Frame(frame) if skip(&frame) => {}
                Received::Frame(frame) => {
                    panic!(
                        "{}: expected the end of the stream, got {frame:?}",
                        self.name
                    )
                }
                Received::Timeout => panic!(
                    "{}: the server did not close the connection within {deadline:?}",
                    self.name
                ),
            }
        }
    }

    /// The server must close the stream with nothing more sent.
    pub fn expect_closed(&mut self) {
        self.expect_closed_within(REPLY_DEADLINE, |_| false);
    }

    /// A barrier: a Ping whose Pong must be the next frame, which proves the server queued
    /// nothing else for this client while handling what came before (it answers in order).
    pub fn sync(&mut self) {
        self.nonce += 1;
        let nonce = self.nonce;
        self.send(&Frame::Ping { nonce });
        self.expect(&Frame::Pong { nonce });
    }

    /// Sends a LoginRequest with `token`.
    pub fn send_login(&mut self, token: &str) {
        let username = self.name.clone();
        self.send(&Frame::LoginRequest {
            version: PROTOCOL_VERSION,
            username,
            token: token.to_owned(),
        });
    }

    /// Logs in with `token`; the next frame must be the LoginResponse.
    pub fn log_in(&mut self, token: &str) -> Login {
        self.send_login(token);
        match self.expect_frame("LoginResponse") {
            Frame::LoginResponse {
                user_id,
                voice_token,
                participants,
            } => {
                let login = Login {
                    user_id,
                    voice_token,
                    participants,
                };
                self.login = Some(login.clone());
                login
            }
            other => panic!("{}: expected LoginResponse, got {other:?}", self.name),
        }
    }

    /// Closes the management connection from this side.
    pub fn hang_up(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    // ---- relay (UDP) ----

    pub fn send_packet(&self, packet: &VoicePacket) -> Bytes {
        let datagram = packet.encode();
        self.udp
            .send(&datagram)
            .unwrap_or_else(|e| panic!("{}: cannot send to {}: {e}", self.name, self.relay));
        datagram
    }

    /// Binds this socket to the login with its voice token; the answer must be `ok`.
    pub fn bind_voice(&self) {
        let login = self.login().clone();
        self.send_packet(&VoicePacket::AuthRequest {
            token: login.voice_token,
        });
        self.expect_packet(&VoicePacket::AuthResponse {
            status: AuthStatus::OK,
            user_id: login.user_id,
        });
    }

    /// Sends VoiceData with the next sequence number; returns the exact datagram.
    pub fn voice(&mut self, payload: &[u8]) -> Bytes {
        self.sequence += 1;
        self.send_packet(&VoicePacket::VoiceData {
            user_id: self.user_id(),
            sequence: self.sequence,
            payload: Bytes::copy_from_slice(payload),
        })
    }

    /// The next datagram, or `None` once `deadline` passes.
    pub fn recv_datagram(&self, deadline: Instant) -> Option<Bytes> {
        recv_before(&self.udp, deadline)
            .unwrap_or_else(|e| panic!("{}: receiving from {}: {e}", self.name, self.relay))
    }

    /// The next datagram within [`REPLY_DEADLINE`].
    pub fn expect_datagram(&self, what: &str) -> Bytes {
        self.recv_datagram(Instant::now() + REPLY_DEADLINE)
            .unwrap_or_else(|| {
                panic!(
                    "{}: expected {what}, nothing arrived within {REPLY_DEADLINE:?}",
                    self.name
                )
            })
    }

    /// The next datagram must be `expected`.
    pub fn expect_packet(&self, expected: &VoicePacket) {
        let datagram = self.expect_datagram(&format!("{expected:?}"));
        let packet = parse_datagram(&datagram, usize::MAX)
            .unwrap_or_else(|e| panic!("{}: bad datagram {datagram:02x?}: {e}", self.name));
        assert_eq!(&packet, expected, "{}: unexpected datagram", self.name);
    }

    /// The next datagram must be exactly `expected` (a relayed packet: every byte as sent).
    pub fn expect_relayed(&self, expected: &Bytes) {
        let datagram = self.expect_datagram(&format!("the relayed datagram {expected:02x?}"));
        assert_eq!(&datagram, expected, "{}: unexpected datagram", self.name);
    }

    /// A relay barrier: a Keepalive whose echo must be the next datagram.
    pub fn sync_voice(&mut self) {
        self.nonce += 1;
        let keepalive = VoicePacket::Keepalive { nonce: self.nonce };
        self.send_packet(&keepalive);
        self.expect_packet(&keepalive);
    }
}

enum Received {
    Frame(Frame),
    Timeout,
    Closed,
}
