//! What a signal server needs beyond the core's [`SignalConfig`]: where to listen, how much to
//! buffer, the HTTP policy (`CORS_ORIGIN`, development mode) and the testing knobs.

use std::net::SocketAddr;

use hark_core::ConfigError;
use hark_core::signal::SignalConfig;
use hark_core::wire::signal::CorsOrigins;

use super::sfu::SfuUrl;
use crate::clock::WallClock;

/// Settings of one signal server.
#[derive(Debug, Clone)]
pub struct SignalServerConfig {
    /// HTTP and WebSocket (TCP) address; the seed's port 5000 (`SIGNAL_PORT`, the seed's `PORT`).
    pub bind_addr: SocketAddr,
    /// tungstenite's read buffer per connection.
    pub read_buffer: usize,
    /// Bytes queued for one connection that does not read; a frame that does not fit closes the
    /// connection with 1008, as for chat. An empty queue always takes the next frame.
    pub send_queue_bytes: usize,
    /// Events held for a slow consumer of `take_event_receiver` before new ones are dropped.
    pub event_queue: usize,
    /// TCP connections still sending their request head, in all (and a quarter of it per IP).
    pub max_pending_requests: usize,
    /// `CORS_ORIGIN` (signal.md §9.2).
    pub cors_origins: CorsOrigins,
    /// `development = true` or `NODE_ENV=development`: the `/debug/*` pages (signal.md §9.1).
    pub development: bool,
    pub wall_clock: WallClock,
    /// The session ids' seed. `None`: 32 bytes from the operating system. Fixed only to test hark.
    pub rng_seed: Option<[u8; 32]>,
    /// `SFU_WS_HOST` (signal.md §8.1); `None`: no SFU link, voice is unavailable. The core's
    /// `sfu` settings (`SERVER_TOKEN`, timers) go with it.
    pub sfu_url: Option<SfuUrl>,
    pub core: SignalConfig,
}

impl SignalServerConfig {
    pub const DEFAULT_BIND_ADDR: &str = "0.0.0.0:5000";
    /// `SERVER_NAME`'s default (signal.md §9.3).
    pub const DEFAULT_SERVER_NAME: &str = "hark";
    /// 4 KiB, as for chat: signaling frames are small but for SDP offers.
    pub const DEFAULT_READ_BUFFER: usize = 4 * 1024;
    /// 256 KiB, as for chat: a full room's `users` and a burst of ICE candidates.
    pub const DEFAULT_SEND_QUEUE_BYTES: usize = 256 * 1024;
    pub const DEFAULT_EVENT_QUEUE: usize = 1024;
    pub const DEFAULT_MAX_PENDING_REQUESTS: usize = 1024;

    /// The spec's defaults with the suite's JWT `secret`.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            bind_addr: SocketAddr::from(([0, 0, 0, 0], 5000)),
            read_buffer: Self::DEFAULT_READ_BUFFER,
            send_queue_bytes: Self::DEFAULT_SEND_QUEUE_BYTES,
            event_queue: Self::DEFAULT_EVENT_QUEUE,
            max_pending_requests: Self::DEFAULT_MAX_PENDING_REQUESTS,
            cors_origins: CorsOrigins::Any,
            development: false,
            wall_clock: WallClock::system(),
            rng_seed: None,
            sfu_url: None,
            core: SignalConfig::new(secret, Self::DEFAULT_SERVER_NAME),
        }
    }

    /// Pending request heads one IP may hold: a quarter of the whole bound, so that one address
    /// cannot take every slot.
    pub fn max_pending_per_ip(&self) -> u32 {
        u32::try_from((self.max_pending_requests / 4).max(1)).unwrap_or(u32::MAX)
    }

    /// Refuses settings that cannot work, naming the field: the driver's here, then the core's
    /// ([`SignalConfig::validate`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::ws::nonzero(&[
            ("read_buffer", self.read_buffer),
            ("send_queue_bytes", self.send_queue_bytes),
            ("event_queue", self.event_queue),
            ("max_pending_requests", self.max_pending_requests),
        ])?;
        if self.sfu_url.is_some() != self.core.sfu.is_some() {
            return Err(ConfigError::Invalid {
                key: "sfu_ws_host",
                reason: "the SFU address and the core's SFU settings go together".into(),
            });
        }
        self.core.validate()
    }
}
