//! Turning a fixture into a hark-core `AudioService`'s inputs: its config, its directory, and
//! fixed addresses for the symbolic clients.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use hark_core::audio::AudioConfig;
use hark_core::directory::{Directory, DirectoryError};
use hark_core::limits::RateLimit;

use crate::format::{EffectiveFixture, RateJson};

/// The port of the fixture's first client; the n-th client gets `FIRST_PORT + n`. Fixed, so
/// that a failing run names the same addresses every time.
pub const FIRST_PORT: u16 = 40001;

/// Symbolic client names and their loopback addresses.
#[derive(Debug, Clone)]
pub struct Clients {
    names: Vec<String>,
}

impl Clients {
    pub fn new(names: &[String]) -> Result<Self, String> {
        let room = usize::from(u16::MAX - FIRST_PORT);
        if names.len() > room {
            return Err(format!("more than {room} clients"));
        }
        Ok(Self {
            names: names.to_vec(),
        })
    }

    pub fn addr(&self, name: &str) -> Option<SocketAddr> {
        let index = self.names.iter().position(|n| n == name)?;
        let port = FIRST_PORT.checked_add(u16::try_from(index).ok()?)?;
        Some(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    /// The client bound to `addr`, or the address itself for one no client has.
    pub fn name(&self, addr: SocketAddr) -> String {
        let index = usize::from(addr.port().wrapping_sub(FIRST_PORT));
        match self.names.get(index) {
            Some(name) if addr.ip() == Ipv4Addr::LOCALHOST => name.clone(),
            _ => addr.to_string(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

fn rate(json: RateJson) -> RateLimit {
    RateLimit::new(json.per_second, json.burst)
}

pub fn audio_config(fixture: &EffectiveFixture) -> AudioConfig {
    let c = &fixture.config;
    let mut config = AudioConfig::new(fixture.secret.as_bytes());
    config.jwt.leeway_secs = c.jwt_leeway_secs;
    config.jwt.max_token_len = c.max_token_len;
    config.max_packet_size = c.max_packet_size;
    config.handshake_timeout = Duration::from_millis(c.handshake_timeout_ms);
    config.session_timeout = Duration::from_millis(c.session_timeout_ms);
    config.user_timeout = Duration::from_millis(c.user_timeout_ms);
    config.cleanup_interval = Duration::from_millis(c.cleanup_interval_ms);
    config.max_clock_skew = Duration::from_secs(c.max_clock_skew_secs);
    config.session_rate = rate(c.session_rate);
    config.unauthenticated_reply_rate = rate(c.unauthenticated_reply_rate);
    config.max_sessions = c.max_sessions;
    config.max_sessions_per_user = c.max_sessions_per_user;
    config.default_max_users_per_channel = c.default_max_users_per_channel;
    config.max_user_records = c.max_user_records;
    config
}

pub fn directory(fixture: &EffectiveFixture) -> Result<Directory, DirectoryError> {
    Directory::new(fixture.channels.iter().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_get_consecutive_loopback_ports_in_fixture_order() {
        let clients = Clients::new(&["a".into(), "b".into()]).unwrap();
        assert_eq!(clients.addr("a"), Some("127.0.0.1:40001".parse().unwrap()));
        assert_eq!(clients.addr("b"), Some("127.0.0.1:40002".parse().unwrap()));
        assert_eq!(clients.addr("c"), None);
        assert_eq!(clients.name("127.0.0.1:40002".parse().unwrap()), "b");
        assert_eq!(clients.name("127.0.0.1:9".parse().unwrap()), "127.0.0.1:9");
    }
}
