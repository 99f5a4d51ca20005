//! What an [`super::AudioServer`] needs beyond the core's [`AudioConfig`]: where to listen and how
//! much to buffer.

use std::net::SocketAddr;

use hark_core::audio::AudioConfig;

use crate::clock::WallClock;

/// Settings of one audio server. The seed's `AudioServerConfig` fields map as: `bind_addr`,
/// `buffer_size` here; `max_packet_size`, `cleanup_interval`, `user_timeout`, `jwt_secret` in
/// [`AudioConfig`] (`core`). The seed's `heartbeat_interval` is advice to clients, not server
/// state: clients should heartbeat well inside `core.session_timeout` (every 10 s for the default
/// 30 s).
#[derive(Debug, Clone)]
pub struct AudioServerConfig {
    pub bind_addr: SocketAddr,
    /// Kernel send and receive buffer size of the socket, bytes (`SO_SNDBUF`/`SO_RCVBUF`).
    /// See [`AudioServerConfig::DEFAULT_BUFFER_SIZE`].
    pub buffer_size: usize,
    /// Events held for a slow consumer of `take_event_receiver` before new ones are dropped.
    pub event_queue: usize,
    /// Datagrams held while the socket is full before new ones are dropped.
    pub send_queue: usize,
    pub wall_clock: WallClock,
    pub core: AudioConfig,
}

impl AudioServerConfig {
    pub const DEFAULT_BIND_ADDR: &str = "0.0.0.0:8080";
    /// 1 MiB, not the seed's 8192: a kernel buffer of 8 KiB holds about twenty small datagrams,
    /// so any burst (a fan-out echo, a reconnect storm) is dropped by the kernel before hark sees
    /// it. The kernel caps the value at `net.core.rmem_max`/`wmem_max`; the server logs the size
    /// it actually got.
    pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;
    pub const DEFAULT_EVENT_QUEUE: usize = 1024;
    pub const DEFAULT_SEND_QUEUE: usize = 65_536;

    /// The seed's defaults with `secret` for HS256.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            bind_addr: SocketAddr::from(([0, 0, 0, 0], 8080)),
            buffer_size: Self::DEFAULT_BUFFER_SIZE,
            event_queue: Self::DEFAULT_EVENT_QUEUE,
            send_queue: Self::DEFAULT_SEND_QUEUE,
            wall_clock: WallClock::system(),
            core: AudioConfig::new(secret),
        }
    }
}
