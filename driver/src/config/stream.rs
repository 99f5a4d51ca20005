//! `[stream]` (stream.md §1, §4, §5, §7, §11): the file's keys, the seed's environment
//! variables, and the server settings they make.

use std::path::PathBuf;

use hark_core::stream::StreamConfigError;
use serde::Deserialize;

use super::{ConfigError, Loaded, address, comma_list, duration_of, env_number, set};
use crate::clock::WallClock;
use crate::stream::StreamServerConfig;

/// `[stream]`: the keys of [`StreamServerConfig`] and of the core's `StreamConfig`, timeouts as
/// `"10s"` like every section's durations, `allowed_origins` comma-separated as in the
/// environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSection {
    pub enabled: Option<bool>,
    pub bind_addr: Option<String>,
    /// From `STREAM_SERVER_PORT` only: replaces the port of `bind_addr`.
    #[serde(skip)]
    pub port: Option<u16>,
    pub media_dir: Option<PathBuf>,
    /// The URL-signing key (`SECRET_KEY`).
    pub secret: Option<String>,
    /// `development = true` or `NODE_ENV=development`: a missing secret is generated once and
    /// kept in the data directory; otherwise it stops the server at start (stream.md §11).
    pub development: Option<bool>,
    pub allowed_origins: Option<String>,
    pub cache_control: Option<String>,
    pub max_ranges: Option<usize>,
    pub keepalive_requests: Option<u32>,
    pub max_connections: Option<usize>,
    pub connection_limit_per_ip: Option<u32>,
    pub header_timeout: Option<String>,
    pub keepalive_timeout: Option<String>,
    pub send_timeout: Option<String>,
}

/// The seed's variables for `[stream]`, and hark's `STREAM_MEDIA_DIR` and `ALLOWED_ORIGINS`.
pub(super) fn apply_env(
    stream: &mut StreamSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = env_number(env, "STREAM_SERVER_PORT")? {
        stream.port = Some(v);
    }
    if let Some(v) = env("STREAM_MEDIA_DIR") {
        stream.media_dir = Some(v.into());
    }
    if let Some(v) = env("SECRET_KEY") {
        stream.secret = Some(v);
    }
    if let Some(v) = env("ALLOWED_ORIGINS") {
        stream.allowed_origins = Some(v);
    }
    if env("NODE_ENV").is_some_and(|v| v.trim() == "development") {
        stream.development = Some(true);
    }
    Ok(())
}

impl Loaded {
    /// Whether `[stream]` is enabled. Off unless enabled, as `signal`: its seed port, 8082, is
    /// new to existing configurations, and it needs a secret of its own.
    pub fn stream_enabled(&self) -> bool {
        self.file.stream.enabled.unwrap_or(false)
    }

    /// The configured URL-signing key, if any (`stream.secret` or `SECRET_KEY`).
    pub fn stream_secret(&self) -> Option<&str> {
        self.file.stream.secret.as_deref()
    }

    /// Development mode: a missing stream secret is generated (stream.md §11).
    pub fn stream_development(&self) -> bool {
        self.file.stream.development.unwrap_or(false)
    }

    /// The stream server's settings, whether or not it is enabled (`sign-url` needs them too).
    pub fn stream(&self) -> Result<StreamServerConfig, ConfigError> {
        let s = &self.file.stream;
        let mut config = StreamServerConfig::new();
        config.bind_addr = address(
            "stream.bind_addr (STREAM_SERVER_PORT)",
            s.bind_addr.as_deref(),
            StreamServerConfig::DEFAULT_BIND_ADDR,
            s.port,
        )?;
        set(&mut config.media_dir, s.media_dir.clone());
        set(&mut config.max_connections, s.max_connections);
        set(
            &mut config.connection_limit_per_ip,
            s.connection_limit_per_ip,
        );
        let timeouts = [
            (
                &mut config.header_timeout,
                "stream.header_timeout",
                &s.header_timeout,
            ),
            (
                &mut config.keepalive_timeout,
                "stream.keepalive_timeout",
                &s.keepalive_timeout,
            ),
            (
                &mut config.send_timeout,
                "stream.send_timeout",
                &s.send_timeout,
            ),
        ];
        for (slot, key, text) in timeouts {
            set(slot, duration_of(key, text)?);
        }
        if let Some(start) = self.file.testing.wall_clock_start {
            config.wall_clock = WallClock::starting_at(start);
        }
        let core = &mut config.core;
        if let Some(list) = &s.allowed_origins {
            core.allowed_origins = comma_list(list);
        }
        set(&mut core.cache_control, s.cache_control.clone());
        set(&mut core.max_ranges, s.max_ranges);
        set(&mut core.keepalive_requests, s.keepalive_requests);
        config.validate().map_err(|e| {
            let hark_core::ConfigError::Invalid { key, reason } = e;
            ConfigError::new(format!("stream.{key}"), reason)
        })?;
        config.core.validate().map_err(core_error)?;
        Ok(config)
    }
}

/// A core setting the service would refuse, named as the file (and the environment) name it.
fn core_error(e: StreamConfigError) -> ConfigError {
    let key = match e {
        StreamConfigError::ZeroMaxRanges => "stream.max_ranges",
        StreamConfigError::ZeroKeepaliveRequests => "stream.keepalive_requests",
        StreamConfigError::InvalidHeaderValue {
            key: "stream.allowed_origins",
        } => "stream.allowed_origins (ALLOWED_ORIGINS)",
        StreamConfigError::InvalidHeaderValue { key } => key,
        StreamConfigError::EmptySecret => "stream.secret (SECRET_KEY)",
    };
    ConfigError::new(key, e.to_string())
}
