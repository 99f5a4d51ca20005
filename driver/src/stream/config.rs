//! What a stream server needs beyond the core's [`StreamConfig`]: where to listen, where the
//! files are, how many connections it keeps, its timeouts (stream.md §1) and the testing clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use hark_core::ConfigError;
use hark_core::stream::StreamConfig;

use crate::clock::WallClock;

/// Settings of one stream server. The URL-signing key is not among them: it is a secret, handed
/// to [`StreamServer`](super::StreamServer) on its own.
#[derive(Debug, Clone)]
pub struct StreamServerConfig {
    /// HTTP (TCP) address; the seed's port 8082 (`STREAM_SERVER_PORT`).
    pub bind_addr: SocketAddr,
    /// Where `{id}.{ext}` are looked up (stream.md §5); the seed's `audio`, relative to the
    /// working directory.
    pub media_dir: PathBuf,
    /// Open connections; one more is closed at once, as nginx drops what exceeds
    /// `worker_connections`.
    pub max_connections: usize,
    /// Open connections from one IP address, so that one address cannot take every slot.
    pub connection_limit_per_ip: u32,
    /// A request head must arrive within this, from its first byte (else `408`, stream.md §1).
    pub header_timeout: Duration,
    /// An idle persistent connection is closed silently after this.
    pub keepalive_timeout: Duration,
    /// A response the peer does not read for this long ends the connection.
    pub send_timeout: Duration,
    pub wall_clock: WallClock,
    pub core: StreamConfig,
}

impl StreamServerConfig {
    pub const DEFAULT_BIND_ADDR: &str = "0.0.0.0:8082";
    pub const DEFAULT_MEDIA_DIR: &str = "audio";
    /// Far below the descriptors a server has; each connection holds an 8 KiB head buffer.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
    /// A browser opens at most six connections to a host, but a household or an office shares
    /// one address, and a benchmark runs many connections from one.
    pub const DEFAULT_CONNECTION_LIMIT_PER_IP: u32 = 256;
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(75);
    pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);

    /// The seed's address and media directory, the spec's limits.
    pub fn new() -> Self {
        Self {
            bind_addr: SocketAddr::from(([0, 0, 0, 0], 8082)),
            media_dir: PathBuf::from(Self::DEFAULT_MEDIA_DIR),
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            connection_limit_per_ip: Self::DEFAULT_CONNECTION_LIMIT_PER_IP,
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            keepalive_timeout: Self::DEFAULT_KEEPALIVE_TIMEOUT,
            send_timeout: Self::DEFAULT_SEND_TIMEOUT,
            wall_clock: WallClock::system(),
            core: StreamConfig::default(),
        }
    }

    /// Refuses settings that cannot work, naming the field. The core checks its own
    /// (`StreamConfig::validate`) when the service is built.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let zero = [
            ("max_connections", self.max_connections == 0),
            ("connection_limit_per_ip", self.connection_limit_per_ip == 0),
            ("header_timeout", self.header_timeout.is_zero()),
            ("keepalive_timeout", self.keepalive_timeout.is_zero()),
            ("send_timeout", self.send_timeout.is_zero()),
        ];
        match zero.iter().find(|(_, is_zero)| *is_zero) {
            Some(&(key, _)) => Err(ConfigError::Invalid {
                key,
                reason: "must be greater than zero".into(),
            }),
            None => Ok(()),
        }
    }
}

impl Default for StreamServerConfig {
    fn default() -> Self {
        Self::new()
    }
}
