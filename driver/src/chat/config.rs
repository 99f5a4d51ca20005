//! What a chat server needs beyond the core's [`ChatConfig`]: where to listen, how much to
//! buffer, and the testing knobs.

use std::net::SocketAddr;

use hark_core::ConfigError;
use hark_core::chat::ChatConfig;

use crate::clock::WallClock;

/// Settings of one chat server.
#[derive(Debug, Clone)]
pub struct ChatServerConfig {
    /// HTTP and WebSocket (TCP) address; the seed's port 8080 (`PORT`), which is TCP and so
    /// coexists with `audio`'s UDP 8080.
    pub bind_addr: SocketAddr,
    /// tungstenite's read buffer per connection (allocated for every connection, idle or not).
    pub read_buffer: usize,
    /// Bytes queued for one connection that does not read; a frame that does not fit closes the
    /// connection with 1008 (chat.md §7). A connection with an empty queue always takes the next
    /// frame, however large.
    pub send_queue_bytes: usize,
    /// Events held for a slow consumer of `take_event_receiver` before new ones are dropped.
    pub event_queue: usize,
    /// TCP connections still sending their request head, in all and per IP (at most the core's
    /// `connection_limit_per_ip` from one IP). A connection beyond either is closed at once, as
    /// nginx drops what exceeds `worker_connections`: admission (chat.md §7) only sees upgrades,
    /// and without this bound slow request heads would hold any number of sockets for up to 10 s.
    pub max_pending_requests: usize,
    pub wall_clock: WallClock,
    /// The message-id generator's seed. `None`: 32 bytes from the operating system. Fixed only to
    /// test hark (conformance runs).
    pub rng_seed: Option<[u8; 32]>,
    pub core: ChatConfig,
}

impl ChatServerConfig {
    pub const DEFAULT_BIND_ADDR: &str = "0.0.0.0:8080";
    /// 4 KiB: chat frames are small, and every connection holds one, so 10 000 idle connections
    /// hold 40 MiB of read buffers.
    pub const DEFAULT_READ_BUFFER: usize = 4 * 1024;
    /// 256 KiB, as for `voice`: a full room's `userList` and hundreds of messages.
    pub const DEFAULT_SEND_QUEUE_BYTES: usize = 256 * 1024;
    pub const DEFAULT_EVENT_QUEUE: usize = 1024;
    /// Far above what honest clients need (a head takes one round trip), far below the
    /// descriptors a server has.
    pub const DEFAULT_MAX_PENDING_REQUESTS: usize = 1024;
    /// tungstenite's bound on one incoming message is this many times `max_message_size` (and at
    /// least [`Self::MIN_TRANSPORT_MESSAGE`]): between the two the core answers
    /// `MESSAGE_TOO_LARGE` and keeps the connection; beyond, the connection is closed (1009).
    pub const TRANSPORT_MESSAGE_FACTOR: usize = 4;
    pub const MIN_TRANSPORT_MESSAGE: usize = 64 * 1024;

    /// The seed's address and the spec's defaults.
    pub fn new() -> Self {
        Self {
            bind_addr: SocketAddr::from(([0, 0, 0, 0], 8080)),
            read_buffer: Self::DEFAULT_READ_BUFFER,
            send_queue_bytes: Self::DEFAULT_SEND_QUEUE_BYTES,
            event_queue: Self::DEFAULT_EVENT_QUEUE,
            max_pending_requests: Self::DEFAULT_MAX_PENDING_REQUESTS,
            wall_clock: WallClock::system(),
            rng_seed: None,
            core: ChatConfig::default(),
        }
    }

    /// The largest message tungstenite reads before refusing it.
    pub fn transport_message_limit(&self) -> usize {
        self.core
            .max_message_size
            .saturating_mul(Self::TRANSPORT_MESSAGE_FACTOR)
            .max(Self::MIN_TRANSPORT_MESSAGE)
    }

    /// Refuses settings that cannot work, naming the field: the driver's here, then the core's
    /// ([`ChatConfig::validate`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::ws::nonzero(&[
            ("read_buffer", self.read_buffer),
            ("send_queue_bytes", self.send_queue_bytes),
            ("event_queue", self.event_queue),
            ("max_pending_requests", self.max_pending_requests),
        ])?;
        self.core.validate()
    }
}

impl Default for ChatServerConfig {
    fn default() -> Self {
        Self::new()
    }
}
