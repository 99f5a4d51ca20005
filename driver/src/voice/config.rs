//! What a voice server needs beyond the core's [`VoiceConfig`]: where to listen, how much to
//! buffer, and the testing knobs.

use std::net::SocketAddr;

use hark_core::ConfigError;
use hark_core::voice::VoiceConfig;

use crate::clock::WallClock;

/// Settings of one voice server (both halves).
#[derive(Debug, Clone)]
pub struct VoiceServerConfig {
    /// The management server's TCP address (seed: port 9001, `MANAGEMENT_PORT`).
    pub management_addr: SocketAddr,
    /// The voice relay's UDP address (seed: port 9002, `VOICE_RELAY_PORT`).
    pub relay_addr: SocketAddr,
    /// Kernel send and receive buffer of the relay socket, bytes (`SO_SNDBUF`/`SO_RCVBUF`).
    pub buffer_size: usize,
    /// Bytes read from a connection at once.
    pub read_buffer: usize,
    /// Bytes queued for one connection that does not read; a frame that does not fit closes the
    /// connection (voice.md §9). At least [`VoiceServerConfig::MIN_SEND_QUEUE_BYTES`].
    pub send_queue_bytes: usize,
    /// Datagrams held while the relay socket is full before new ones are dropped.
    pub send_queue: usize,
    /// Events held for a slow consumer of `take_event_receiver` before new ones are dropped.
    pub event_queue: usize,
    pub wall_clock: WallClock,
    /// The voice-token generator's seed. `None`: 32 bytes from the operating system at every
    /// start and reset. Fixed only to test hark (conformance vectors know their tokens).
    pub rng_seed: Option<[u8; 32]>,
    pub core: VoiceConfig,
}

impl VoiceServerConfig {
    pub const DEFAULT_MANAGEMENT_ADDR: &str = "0.0.0.0:9001";
    pub const DEFAULT_RELAY_ADDR: &str = "0.0.0.0:9002";
    /// 1 MiB, as for `audio`: a relay's bursts must fit the kernel's buffer.
    pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;
    pub const DEFAULT_READ_BUFFER: usize = 16 * 1024;
    /// 256 KiB: several full `LoginResponse`s, or thousands of presence and chat frames.
    pub const DEFAULT_SEND_QUEUE_BYTES: usize = 256 * 1024;
    /// The largest frame the server sends (a u16 length and its body): a smaller queue could
    /// never hold it.
    pub const MIN_SEND_QUEUE_BYTES: usize =
        hark_core::wire::voice::FRAME_HEADER_LEN + u16::MAX as usize;
    pub const DEFAULT_SEND_QUEUE: usize = 65_536;
    pub const DEFAULT_EVENT_QUEUE: usize = 1024;

    /// The seed's addresses and the spec's defaults, with `secret` for HS256.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            management_addr: SocketAddr::from(([0, 0, 0, 0], 9001)),
            relay_addr: SocketAddr::from(([0, 0, 0, 0], 9002)),
            buffer_size: Self::DEFAULT_BUFFER_SIZE,
            read_buffer: Self::DEFAULT_READ_BUFFER,
            send_queue_bytes: Self::DEFAULT_SEND_QUEUE_BYTES,
            send_queue: Self::DEFAULT_SEND_QUEUE,
            event_queue: Self::DEFAULT_EVENT_QUEUE,
            wall_clock: WallClock::system(),
            rng_seed: None,
            core: VoiceConfig::new(secret),
        }
    }

    /// Refuses settings that cannot work, naming the field: the driver's here, then the core's
    /// ([`VoiceConfig::validate`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason| Err(ConfigError::Invalid { key, reason });
        if self.send_queue_bytes < Self::MIN_SEND_QUEUE_BYTES {
            return invalid(
                "send_queue_bytes",
                format!(
                    "must be at least {} (the largest frame)",
                    Self::MIN_SEND_QUEUE_BYTES
                ),
            );
        }
        for (key, value) in [
            ("buffer_size", self.buffer_size),
            ("read_buffer", self.read_buffer),
            ("send_queue", self.send_queue),
            ("event_queue", self.event_queue),
        ] {
            if value == 0 {
                return invalid(key, "must be greater than zero".into());
            }
        }
        self.core.validate()
    }
}
