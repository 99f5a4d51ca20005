//! A UDP client speaking the audio protocol through hark-core's codec.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::wire::audio::{
    Ack, AudioData, AudioPacket, Body, ChannelId, ErrorBody, ErrorCode, Handshake, Header,
    PacketType, SuggestedAction, UserId,
};

/// How long an expected reply may take.
pub const REPLY_DEADLINE: Duration = Duration::from_secs(2);
/// The longest quiet period [`Client::expect_nothing_for`] accepts to wait.
pub const MAX_QUIET: Duration = Duration::from_millis(300);

/// The next datagram on `socket`, or `None` once `deadline` passes.
pub(crate) fn recv_before(socket: &UdpSocket, deadline: Instant) -> io::Result<Option<Bytes>> {
    let mut buf = vec![0u8; 65_536];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(Some(Bytes::from(buf)));
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Seconds since the epoch, from the system clock.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is before 1970")
        .as_secs()
}

/// An HS256 token for `user` signed with `secret`, expiring `ttl_secs` from now (negative: in
/// the past).
pub fn token(secret: &str, user: &str, ttl_secs: i64) -> String {
    let now = unix_now();
    let exp = now.saturating_add_signed(ttl_secs);
    let claims = TokenClaims {
        sub: Some(user.to_owned()),
        exp: Some(exp),
        nbf: None,
        iat: Some(now.min(exp)),
    };
    mint_token(secret.as_bytes(), &claims)
}

/// The action and message spec §5 fixes for `code`.
pub fn spec_error(code: ErrorCode) -> (SuggestedAction, &'static str) {
    use ErrorCode as C;
    use SuggestedAction as A;
    match code {
        C::InvalidToken => (A::RenewToken, "invalid token"),
        C::TokenExpired => (A::RenewToken, "token expired"),
        C::ChannelNotFound => (A::ContactAdmin, "channel not found"),
        C::NotAMember => (A::ContactAdmin, "not a member of this channel"),
        C::Banned => (A::ContactAdmin, "banned from this channel"),
        C::HandshakeTimeout => (A::Reconnect, "handshake not completed in time"),
        C::SessionExpired => (A::Reconnect, "session expired"),
        C::NotAuthenticated => (A::Reconnect, "not authenticated: send a handshake"),
        C::MalformedPacket => (A::FixClient, "malformed packet"),
        C::PacketTooLarge => (A::FixClient, "packet too large"),
        C::ClockSkew => (A::FixClient, "timestamp too far from server time"),
        C::ChannelMismatch => (A::FixClient, "channel does not match the session"),
        C::ChannelFull => (A::RetryLater, "channel is full"),
        C::TooManySessions => (A::RetryLater, "too many sessions"),
        C::ServerClosing => (A::RetryLater, "server closing"),
        C::Other(n) => panic!("error code {n} is not in spec §5"),
    }
}

/// Asserts `error` is `code` with §5's action and exact message.
pub fn assert_spec_error(error: &ErrorBody, code: ErrorCode) {
    let (action, message) = spec_error(code);
    assert_eq!(
        (error.code(), error.action(), error.message()),
        (code, action, message),
        "error {} does not match spec §5",
        code.name()
    );
}

/// One peer: a UDP socket on 127.0.0.1 connected to the server, with a user and channel id for
/// its headers and a sequence counter (every packet sent gets the next number).
#[derive(Debug)]
pub struct Client {
    socket: UdpSocket,
    server: SocketAddr,
    user: UserId,
    channel: ChannelId,
    sequence: u32,
}

impl Client {
    pub fn new(server: SocketAddr, user: &str, channel: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("cannot bind a UDP socket");
        socket
            .connect(server)
            .unwrap_or_else(|e| panic!("cannot connect to {server}: {e}"));
        Self {
            socket,
            server,
            user: UserId::new(user).unwrap_or_else(|e| panic!("user id {user:?}: {e}")),
            channel: ChannelId::new(channel)
                .unwrap_or_else(|e| panic!("channel id {channel:?}: {e}")),
            sequence: 0,
        }
    }

    pub fn user(&self) -> &str {
        self.user.as_str()
    }

    pub fn channel(&self) -> &str {
        self.channel.as_str()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("socket has no address")
    }

    /// The sequence number of the last packet sent.
    pub fn last_sequence(&self) -> u32 {
        self.sequence
    }

    fn who(&self) -> String {
        format!("{}@{} ({})", self.user, self.channel, self.local_addr())
    }

    /// Sends `body` under a fresh header (next sequence, the system clock); returns the exact
    /// datagram sent.
    pub fn send(&mut self, body: Body) -> Bytes {
        self.sequence += 1;
        let header = Header {
            sequence: self.sequence,
            user_id: self.user,
            channel_id: self.channel,
            timestamp: u32::try_from(unix_now()).expect("timestamp beyond u32"),
        };
        let datagram = AudioPacket::new(header, body).encode();
        self.send_raw(&datagram);
        datagram
    }

    /// Sends `bytes` as one datagram, as they are.
    pub fn send_raw(&self, bytes: &[u8]) {
        let sent = self
            .socket
            .send(bytes)
            .unwrap_or_else(|e| panic!("{}: cannot send to {}: {e}", self.who(), self.server));
        assert_eq!(sent, bytes.len(), "short send");
    }

    /// A handshake with JSON credentials naming this client's channel.
    pub fn handshake_json(&mut self, token: &str) -> Bytes {
        let handshake = Handshake::json(token, self.channel.as_str())
            .unwrap_or_else(|e| panic!("cannot encode a JSON handshake: {e}"));
        self.send(Body::Handshake(handshake))
    }

    /// A handshake whose payload is the bare token (the channel is the header's).
    pub fn handshake_legacy(&mut self, token: &str) -> Bytes {
        let handshake = Handshake::legacy(token)
            .unwrap_or_else(|e| panic!("cannot encode a legacy handshake: {e}"));
        self.send(Body::Handshake(handshake))
    }

    pub fn join(&mut self) -> Bytes {
        self.send(Body::JoinChannel)
    }

    pub fn leave(&mut self) -> Bytes {
        self.send(Body::LeaveChannel)
    }

    pub fn set_mute(&mut self, muted: bool) -> Bytes {
        self.send(Body::SetMute { muted })
    }

    pub fn heartbeat(&mut self) -> Bytes {
        self.send(Body::Heartbeat)
    }

    pub fn audio(&mut self, payload: &[u8]) -> Bytes {
        let data = AudioData::new(Bytes::copy_from_slice(payload))
            .unwrap_or_else(|e| panic!("cannot encode audio: {e}"));
        self.send(Body::Audio(data))
    }

    /// JSON handshake then JoinChannel, each acknowledged.
    pub fn enter(&mut self, token: &str) {
        self.handshake_json(token);
        self.expect_ack(PacketType::Handshake);
        self.join();
        self.expect_ack(PacketType::JoinChannel);
    }

    /// The next datagram from the server, or `None` once `deadline` passes.
    pub fn recv_datagram(&self, deadline: Instant) -> Option<Bytes> {
        recv_before(&self.socket, deadline).unwrap_or_else(|e| {
            panic!(
                "{}: receiving from {}: {e} (is the server gone?)",
                self.who(),
                self.server
            )
        })
    }

    /// The next datagram, parsed; panics if it is not a valid packet.
    pub fn recv_packet(&self, deadline: Instant) -> Option<AudioPacket> {
        self.recv_datagram(deadline).map(|d| self.parse(&d))
    }

    fn parse(&self, datagram: &Bytes) -> AudioPacket {
        AudioPacket::parse(datagram, usize::MAX).unwrap_or_else(|e| {
            panic!(
                "{}: the server sent an invalid packet {datagram:02x?}: {e}",
                self.who()
            )
        })
    }

    /// The next datagram within [`REPLY_DEADLINE`], raw and parsed.
    pub fn expect_datagram(&self, what: &str) -> (Bytes, AudioPacket) {
        match self.recv_datagram(Instant::now() + REPLY_DEADLINE) {
            Some(datagram) => {
                let packet = self.parse(&datagram);
                (datagram, packet)
            }
            None => panic!(
                "{}: expected {what}, nothing arrived within {REPLY_DEADLINE:?}",
                self.who()
            ),
        }
    }

    /// The next packet must acknowledge `acked` and this client's last packet, with that
    /// packet's sequence and ids in its header (§7.5).
    pub fn expect_ack(&self, acked: PacketType) -> Ack {
        let what = format!("Ack({acked:?}, {})", self.sequence);
        let (_, packet) = self.expect_datagram(&what);
        match packet.body {
            Body::Ack(ack)
                if ack.acked_type == acked
                    && ack.acked_sequence == self.sequence
                    && packet.header.sequence == self.sequence
                    && packet.header.user_id == self.user
                    && packet.header.channel_id == self.channel =>
            {
                ack
            }
            _ => panic!("{}: expected {what}, got {packet:?}", self.who()),
        }
    }

    /// The next packet must be an Error with `code`.
    pub fn expect_error(&self, code: ErrorCode) -> ErrorBody {
        let what = format!("Error {} ({})", code.name(), code.to_wire());
        let (_, packet) = self.expect_datagram(&what);
        match packet.body {
            Body::Error(error) if error.code() == code => error,
            _ => panic!("{}: expected {what}, got {packet:?}", self.who()),
        }
    }

    /// The next datagram must be exactly `expected` (a relayed packet: every byte as sent).
    pub fn expect_relayed(&self, expected: &Bytes) {
        let what = format!("the relayed datagram {expected:02x?}");
        let (datagram, packet) = self.expect_datagram(&what);
        assert!(
            datagram == *expected,
            "{}: expected {what}, got {datagram:02x?} = {packet:?}",
            self.who()
        );
    }

    /// A barrier: sends a Heartbeat and requires its Ack to be the next packet, which proves the
    /// server queued nothing else for this client while handling what was sent before (the
    /// server answers in the order it receives).
    pub fn sync(&mut self) {
        self.heartbeat();
        let what = format!("Ack(Heartbeat, {}) and nothing before it", self.sequence);
        let (_, packet) = self.expect_datagram(&what);
        match packet.body {
            Body::Ack(ack)
                if ack.acked_type == PacketType::Heartbeat
                    && ack.acked_sequence == self.sequence => {}
            _ => panic!("{}: expected {what}, got {packet:?}", self.who()),
        }
    }

    /// Nothing may arrive for `quiet` (at most [`MAX_QUIET`]). A check that something does not
    /// happen, for clients that cannot [`Client::sync`]; never a way to wait for something.
    pub fn expect_nothing_for(&self, quiet: Duration) {
        assert!(
            quiet <= MAX_QUIET,
            "quiet periods are at most {MAX_QUIET:?}"
        );
        if let Some(datagram) = self.recv_datagram(Instant::now() + quiet) {
            let packet = AudioPacket::parse(&datagram, usize::MAX);
            panic!(
                "{}: expected nothing, got {datagram:02x?} = {packet:?}",
                self.who()
            );
        }
    }
}
