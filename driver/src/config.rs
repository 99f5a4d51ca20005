//! Configuration, layered: built-in defaults, then a TOML file, then the seeds' environment
//! variables, then command-line flags. Every bad value fails start-up with one line naming the key
//! (file key, environment variable or flag) and the reason.

use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use hark_core::audio::AudioConfig;
use hark_core::directory::ChannelConfig;
use hark_core::limits::{IpGuardConfigError, RateLimit, RateLimits};
use hark_core::wire::signal::CorsOrigins;
use serde::Deserialize;

use crate::audio::AudioServerConfig;
use crate::chat::ChatServerConfig;
use crate::clock::WallClock;
use crate::duration;
use crate::logging::{LogFormat, LogSettings};
use crate::signal::{SfuUrl, SignalServerConfig};
use crate::stream::StreamServerConfig;
use crate::voice::VoiceServerConfig;
use hark_core::signal::SfuSettings;

mod stream;

pub use stream::StreamSection;

/// A configuration problem: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// The TOML file, every key optional. See the README's configuration reference.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub jwt_secret: Option<String>,
    #[serde(default)]
    pub log: LogSection,
    #[serde(default)]
    pub audio: AudioSection,
    #[serde(default)]
    pub voice: VoiceSection,
    #[serde(default)]
    pub chat: ChatSection,
    #[serde(default)]
    pub signal: SignalSection,
    #[serde(default)]
    pub stream: StreamSection,
    pub channels: Option<Vec<ChannelConfig>>,
    #[serde(default)]
    pub admin: AdminSection,
    #[serde(default)]
    pub testing: TestingSection,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub filter: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSection {
    pub enabled: Option<bool>,
    pub bind_addr: Option<String>,
    pub max_packet_size: Option<usize>,
    pub buffer_size: Option<usize>,
    pub jwt_leeway: Option<String>,
    pub max_token_len: Option<usize>,
    pub handshake_timeout: Option<String>,
    pub session_timeout: Option<String>,
    pub user_timeout: Option<String>,
    pub cleanup_interval: Option<String>,
    pub max_clock_skew: Option<String>,
    pub session_rate: Option<RateLimit>,
    pub unauthenticated_reply_rate: Option<RateLimit>,
    pub max_sessions: Option<usize>,
    pub max_sessions_per_user: Option<usize>,
    pub default_max_users_per_channel: Option<u32>,
    pub max_user_records: Option<usize>,
    pub event_queue: Option<usize>,
    pub send_queue: Option<usize>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSection {
    pub enabled: Option<bool>,
    pub management_addr: Option<String>,
    pub relay_addr: Option<String>,
    /// From `MANAGEMENT_PORT` only: replaces the port of `management_addr`.
    #[serde(skip)]
    pub management_port: Option<u16>,
    /// From `VOICE_RELAY_PORT` only: replaces the port of `relay_addr`.
    #[serde(skip)]
    pub relay_port: Option<u16>,
    pub buffer_size: Option<usize>,
    pub read_buffer: Option<usize>,
    pub send_queue_bytes: Option<usize>,
    pub send_queue: Option<usize>,
    pub event_queue: Option<usize>,
    pub jwt_leeway: Option<String>,
    pub max_token_len: Option<usize>,
    pub max_frame_len: Option<usize>,
    pub max_datagram_size: Option<usize>,
    pub max_connections: Option<usize>,
    pub login_timeout: Option<String>,
    pub idle_timeout: Option<String>,
    pub udp_timeout: Option<String>,
    pub max_chat_len: Option<usize>,
    pub frame_rate: Option<RateLimit>,
    pub chat_rate: Option<RateLimit>,
    pub voice_rate: Option<RateLimit>,
    pub unauthenticated_reply_rate: Option<RateLimit>,
    pub default_max_users_per_channel: Option<u32>,
}

/// `[chat]`: the keys of [`ChatServerConfig`] and of the core's `ChatConfig` (its `ip_guard`
/// flattened), durations as `"60s"`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSection {
    pub enabled: Option<bool>,
    pub bind_addr: Option<String>,
    /// From `PORT` only: replaces the port of `bind_addr`.
    #[serde(skip)]
    pub port: Option<u16>,
    pub read_buffer: Option<usize>,
    pub send_queue_bytes: Option<usize>,
    pub event_queue: Option<usize>,
    pub max_pending_requests: Option<usize>,
    pub max_message_size: Option<usize>,
    pub message_limit: Option<u32>,
    pub join_limit: Option<u32>,
    pub typing_limit: Option<u32>,
    pub max_rooms: Option<usize>,
    pub max_users_per_room: Option<usize>,
    pub heartbeat_interval: Option<String>,
    pub heartbeat_timeout: Option<String>,
    pub connection_limit_per_ip: Option<u32>,
    pub max_connections: Option<usize>,
    pub block_threshold: Option<u32>,
    pub violation_window: Option<String>,
    pub block_duration: Option<String>,
    pub max_block_duration: Option<String>,
    pub penalty_memory: Option<String>,
    pub max_tracked_ips: Option<usize>,
}

/// `[signal]` (signal.md §9.3): the keys of [`SignalServerConfig`] and of the core's
/// `SignalConfig`, durations as `"25s"`, lists comma-separated as in the environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalSection {
    pub enabled: Option<bool>,
    pub bind_addr: Option<String>,
    /// From `SIGNAL_PORT` only: replaces the port of `bind_addr`.
    #[serde(skip)]
    pub port: Option<u16>,
    pub server_name: Option<String>,
    pub server_icon: Option<String>,
    pub stun_servers: Option<String>,
    pub invite_only: Option<bool>,
    pub invite_codes: Option<String>,
    pub cors_origin: Option<String>,
    pub server_token: Option<String>,
    pub sfu_ws_host: Option<String>,
    pub sfu_handshake_timeout: Option<String>,
    pub sfu_ping_interval: Option<String>,
    pub sfu_idle_timeout: Option<String>,
    pub sfu_reconnect_min: Option<String>,
    pub sfu_reconnect_max: Option<String>,
    pub development: Option<bool>,
    pub read_buffer: Option<usize>,
    pub send_queue_bytes: Option<usize>,
    pub event_queue: Option<usize>,
    pub max_pending_requests: Option<usize>,
    pub jwt_leeway: Option<String>,
    pub max_token_len: Option<usize>,
    pub ping_interval: Option<String>,
    pub ping_timeout: Option<String>,
    pub connect_timeout: Option<String>,
    pub max_payload: Option<usize>,
    pub limiter_max_keys: Option<usize>,
    pub max_connections: Option<usize>,
    #[serde(default)]
    pub rate_limits: RateLimitSection,
}

/// `[signal.rate_limits]`: each rule in the seed's `limit:windowMs:banMs:scorePerAction:maxScore:
/// scoreDecayMs` format (signal.md §7.5); `RATE_LIMIT_<RULE>` overrides it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSection {
    pub chat_send: Option<String>,
    pub chat_react: Option<String>,
    pub server_join: Option<String>,
    pub signal: Option<String>,
}

impl RateLimitSection {
    /// Each rule's slot with its environment variable (signal.md §7.5).
    fn slots(&mut self) -> [(&'static str, &mut Option<String>); 4] {
        [
            ("RATE_LIMIT_CHAT_SEND", &mut self.chat_send),
            ("RATE_LIMIT_CHAT_REACT", &mut self.chat_react),
            ("RATE_LIMIT_SERVER_JOIN", &mut self.server_join),
            ("RATE_LIMIT_SIGNAL", &mut self.signal),
        ]
    }

    /// The rule the environment variable `var` names, as configured.
    fn by_var(&self, var: &str) -> Option<String> {
        let mut rules = self.clone();
        rules
            .slots()
            .into_iter()
            .find(|(name, _)| *name == var)
            .and_then(|(_, slot)| slot.take())
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    pub enabled: Option<bool>,
    pub socket: Option<PathBuf>,
}

/// Settings that exist only to test hark itself.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestingSection {
    /// Makes the server's wall clock read this unix time at start-up (conformance vectors carry
    /// fixed tokens and timestamps). Never set it in production.
    pub wall_clock_start: Option<u64>,
    /// Seeds the voice-token generator with these 32 bytes (64 hex digits) instead of the
    /// operating system's randomness, so tokens are known in advance (voice.md §5.7). Never set
    /// it in production: anyone who knows it can predict every voice token.
    pub voice_rng_seed: Option<String>,
    /// Seeds chat's message-id generator with these 32 bytes (64 hex digits) instead of the
    /// operating system's randomness, so ids are known in advance. Never set it in production.
    pub chat_rng_seed: Option<String>,
    /// Seeds signal's session-id generator with these 32 bytes (64 hex digits) instead of the
    /// operating system's randomness, so `sid`s are known in advance. Never set it in production.
    pub signal_rng_seed: Option<String>,
}

/// Flags that override the file and the environment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_format: Option<String>,
}

/// The demo channel served when none is configured.
pub const DEMO_CHANNEL: &str = "demo";

/// Everything needed to start, before the JWT secret is settled.
#[derive(Debug, Clone)]
pub struct Loaded {
    file: FileConfig,
}

/// Reads the file named by `flags` (if any), then applies `env` and `flags` on top.
pub fn load(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigError> {
    let mut file = match &flags.config {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    apply_env(&mut file, env)?;
    apply_flags(&mut file, flags);
    Ok(Loaded { file })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let key = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&key, e.to_string()))?;
    toml::from_str(&text).map_err(|e| {
        let place = e.span().map_or(String::new(), |span| {
            let before = text.get(..span.start).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: ")
        });
        ConfigError::new(key, format!("{place}{}", e.message().trim()))
    })
}

fn apply_env(
    file: &mut FileConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = env("AUDIO_BIND_ADDR") {
        file.audio.bind_addr = Some(v);
    }
    if let Some(v) = env_number(env, "AUDIO_MAX_PACKET_SIZE")? {
        file.audio.max_packet_size = Some(v);
    }
    if let Some(v) = env_number(env, "AUDIO_BUFFER_SIZE")? {
        file.audio.buffer_size = Some(v);
    }
    if let Some(v) = env_number(env, "MANAGEMENT_PORT")? {
        file.voice.management_port = Some(v);
    }
    if let Some(v) = env_number(env, "VOICE_RELAY_PORT")? {
        file.voice.relay_port = Some(v);
    }
    if let Some(v) = env_number(env, "PORT")? {
        file.chat.port = Some(v);
    }
    if let Some(v) = env_number(env, "RATE_LIMIT_MESSAGE_LIMIT")? {
        file.chat.message_limit = Some(v);
    }
    if let Some(v) = env_number(env, "RATE_LIMIT_JOIN_LIMIT")? {
        file.chat.join_limit = Some(v);
    }
    if let Some(v) = env_number(env, "RATE_LIMIT_CONNECTION_LIMIT_PER_IP")? {
        file.chat.connection_limit_per_ip = Some(v);
    }
    if let Some(v) = env_number(env, "RATE_LIMIT_MAX_MESSAGE_SIZE")? {
        file.chat.max_message_size = Some(v);
    }
    apply_signal_env(&mut file.signal, env)?;
    stream::apply_env(&mut file.stream, env)?;
    if let Some(v) = env("JWT_SECRET") {
        file.jwt_secret = Some(v);
    }
    if let Some(v) = env("HARK_DATA_DIR") {
        file.data_dir = Some(v.into());
    }
    if let Some(v) = env("RUST_LOG") {
        file.log.filter = Some(v);
    }
    if let Some(v) = env("LOG_FORMAT") {
        file.log.format = Some(v);
    }
    Ok(())
}

/// The seed's variables for `[signal]` (signal.md §9.3).
fn apply_signal_env(
    signal: &mut SignalSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = env_number(env, "SIGNAL_PORT")? {
        signal.port = Some(v);
    }
    for (name, slot) in signal.rate_limits.slots() {
        if let Some(v) = env(name) {
            *slot = Some(v);
        }
    }
    let texts = [
        ("SERVER_NAME", &mut signal.server_name),
        ("SERVER_ICON", &mut signal.server_icon),
        ("STUN_SERVERS", &mut signal.stun_servers),
        ("SERVER_INVITE_CODES", &mut signal.invite_codes),
        ("CORS_ORIGIN", &mut signal.cors_origin),
        ("SERVER_TOKEN", &mut signal.server_token),
        ("SFU_WS_HOST", &mut signal.sfu_ws_host),
    ];
    for (name, slot) in texts {
        if let Some(v) = env(name) {
            *slot = Some(v);
        }
    }
    if let Some(v) = env("SERVER_INVITE_ONLY") {
        let invite_only = match v.trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(ConfigError::new(
                    "SERVER_INVITE_ONLY",
                    format!("{other:?} is not \"true\" or \"false\""),
                ));
            }
        };
        signal.invite_only = Some(invite_only);
    }
    if env("NODE_ENV").is_some_and(|v| v.trim() == "development") {
        signal.development = Some(true);
    }
    Ok(())
}

/// The environment variable `name` read as a number, if it is set.
fn env_number<T>(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    env(name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|e| ConfigError::new(name, format!("{v:?}: {e}")))
        })
        .transpose()
}

fn apply_flags(file: &mut FileConfig, flags: &Flags) {
    if let Some(v) = &flags.bind {
        file.audio.bind_addr = Some(v.clone());
    }
    if let Some(v) = &flags.data_dir {
        file.data_dir = Some(v.clone());
    }
    if let Some(v) = &flags.log_format {
        file.log.format = Some(v.clone());
    }
}

/// The resolved settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub log: LogSettings,
    /// `None` when `audio.enabled = false`.
    pub audio: Option<AudioServerConfig>,
    /// `None` when `voice.enabled = false`.
    pub voice: Option<VoiceServerConfig>,
    /// `None` when `chat.enabled = false`.
    pub chat: Option<ChatServerConfig>,
    /// `None` unless `signal.enabled = true`.
    pub signal: Option<SignalServerConfig>,
    /// `None` unless `stream.enabled = true`. Its secret is resolved on its own
    /// ([`Loaded::stream_secret`]).
    pub stream: Option<StreamServerConfig>,
    pub channels: Vec<ChannelConfig>,
    /// No channel was configured: the demo channel is served.
    pub demo: bool,
    pub admin_socket: Option<PathBuf>,
}

impl Loaded {
    /// The data directory: configured, else `$XDG_DATA_HOME/hark`, else `~/.local/share/hark`,
    /// else `./hark-data`.
    pub fn data_dir(&self, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
        match &self.file.data_dir {
            Some(dir) => dir.clone(),
            None => default_data_dir(env),
        }
    }

    /// The configured secret, if any (file `jwt_secret` or `JWT_SECRET`).
    pub fn jwt_secret(&self) -> Option<&str> {
        self.file.jwt_secret.as_deref()
    }

    pub fn log(&self) -> Result<LogSettings, ConfigError> {
        let format = match self.file.log.format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "log.format (LOG_FORMAT)",
                    format!("{other:?} is not \"text\" or \"json\""),
                ));
            }
        };
        Ok(LogSettings {
            filter: self
                .file
                .log
                .filter
                .clone()
                .unwrap_or_else(|| "info".into()),
            format,
        })
    }

    /// Builds every service's settings with `secret` and checks them.
    pub fn settings(&self, secret: &[u8], data_dir: &Path) -> Result<Settings, ConfigError> {
        let (channels, demo) = match &self.file.channels {
            Some(channels) => (channels.clone(), false),
            None => (vec![demo_channel()], true),
        };
        let audio = if self.file.audio.enabled.unwrap_or(true) {
            Some(self.audio(secret)?)
        } else {
            None
        };
        let voice = if self.file.voice.enabled.unwrap_or(true) {
            Some(self.voice(secret)?)
        } else {
            None
        };
        let chat = if self.file.chat.enabled.unwrap_or(true) {
            Some(self.chat()?)
        } else {
            None
        };
        // Off unless enabled: its seed port, 5000, is new to existing configurations.
        let signal = if self.file.signal.enabled.unwrap_or(false) {
            Some(self.signal(secret)?)
        } else {
            None
        };
        let stream = if self.stream_enabled() {
            Some(self.stream()?)
        } else {
            None
        };
        let admin_socket = self.file.admin.enabled.unwrap_or(true).then(|| {
            self.file
                .admin
                .socket
                .clone()
                .unwrap_or_else(|| data_dir.join("admin.sock"))
        });
        Ok(Settings {
            log: self.log()?,
            audio,
            voice,
            chat,
            signal,
            stream,
            channels,
            demo,
            admin_socket,
        })
    }

    fn audio(&self, secret: &[u8]) -> Result<AudioServerConfig, ConfigError> {
        let a = &self.file.audio;
        let mut config = AudioServerConfig::new(secret);
        config.bind_addr = address(
            "audio.bind_addr (AUDIO_BIND_ADDR)",
            a.bind_addr.as_deref(),
            AudioServerConfig::DEFAULT_BIND_ADDR,
            None,
        )?;
        set(&mut config.buffer_size, a.buffer_size);
        set(&mut config.event_queue, a.event_queue);
        set(&mut config.send_queue, a.send_queue);
        if let Some(start) = self.file.testing.wall_clock_start {
            config.wall_clock = WallClock::starting_at(start);
        }
        let core: &mut AudioConfig = &mut config.core;
        set(&mut core.max_packet_size, a.max_packet_size);
        set(&mut core.jwt.max_token_len, a.max_token_len);
        if let Some(leeway) = duration_of("audio.jwt_leeway", &a.jwt_leeway)? {
            core.jwt.leeway_secs = leeway.as_secs();
        }
        set(
            &mut core.handshake_timeout,
            duration_of("audio.handshake_timeout", &a.handshake_timeout)?,
        );
        set(
            &mut core.session_timeout,
            duration_of("audio.session_timeout", &a.session_timeout)?,
        );
        set(
            &mut core.user_timeout,
            duration_of("audio.user_timeout", &a.user_timeout)?,
        );
        set(
            &mut core.cleanup_interval,
            duration_of("audio.cleanup_interval", &a.cleanup_interval)?,
        );
        set(
            &mut core.max_clock_skew,
            duration_of("audio.max_clock_skew", &a.max_clock_skew)?,
        );
        set(&mut core.session_rate, a.session_rate);
        set(
            &mut core.unauthenticated_reply_rate,
            a.unauthenticated_reply_rate,
        );
        set(&mut core.max_sessions, a.max_sessions);
        set(&mut core.max_sessions_per_user, a.max_sessions_per_user);
        set(
            &mut core.default_max_users_per_channel,
            a.default_max_users_per_channel,
        );
        set(&mut core.max_user_records, a.max_user_records);
        core.validate().map_err(|e| core_error("audio", e))?;
        if config.buffer_size == 0 {
            return Err(ConfigError::new(
                "audio.buffer_size (AUDIO_BUFFER_SIZE)",
                "must be greater than zero",
            ));
        }
        Ok(config)
    }

    fn voice(&self, secret: &[u8]) -> Result<VoiceServerConfig, ConfigError> {
        let v = &self.file.voice;
        let mut config = VoiceServerConfig::new(secret);
        config.management_addr = address(
            "voice.management_addr",
            v.management_addr.as_deref(),
            VoiceServerConfig::DEFAULT_MANAGEMENT_ADDR,
            v.management_port,
        )?;
        config.relay_addr = address(
            "voice.relay_addr",
            v.relay_addr.as_deref(),
            VoiceServerConfig::DEFAULT_RELAY_ADDR,
            v.relay_port,
        )?;
        set(&mut config.buffer_size, v.buffer_size);
        set(&mut config.read_buffer, v.read_buffer);
        set(&mut config.send_queue_bytes, v.send_queue_bytes);
        set(&mut config.send_queue, v.send_queue);
        set(&mut config.event_queue, v.event_queue);
        if let Some(start) = self.file.testing.wall_clock_start {
            config.wall_clock = WallClock::starting_at(start);
        }
        if let Some(seed) = &self.file.testing.voice_rng_seed {
            let seed =
                parse_seed(seed).map_err(|r| ConfigError::new("testing.voice_rng_seed", r))?;
            config.rng_seed = Some(seed);
        }
        let core = &mut config.core;
        set(&mut core.jwt.max_token_len, v.max_token_len);
        if let Some(leeway) = duration_of("voice.jwt_leeway", &v.jwt_leeway)? {
            core.jwt.leeway_secs = leeway.as_secs();
        }
        set(
            &mut core.login_timeout,
            duration_of("voice.login_timeout", &v.login_timeout)?,
        );
        set(
            &mut core.idle_timeout,
            duration_of("voice.idle_timeout", &v.idle_timeout)?,
        );
        set(
            &mut core.udp_timeout,
            duration_of("voice.udp_timeout", &v.udp_timeout)?,
        );
        set(&mut core.max_frame_len, v.max_frame_len);
        set(&mut core.max_datagram_size, v.max_datagram_size);
        set(&mut core.max_connections, v.max_connections);
        set(&mut core.max_chat_len, v.max_chat_len);
        set(&mut core.frame_rate, v.frame_rate);
        set(&mut core.chat_rate, v.chat_rate);
        set(&mut core.voice_rate, v.voice_rate);
        set(
            &mut core.unauthenticated_reply_rate,
            v.unauthenticated_reply_rate,
        );
        set(
            &mut core.default_max_users_per_channel,
            v.default_max_users_per_channel,
        );
        config.validate().map_err(|e| core_error("voice", e))?;
        Ok(config)
    }

    fn chat(&self) -> Result<ChatServerConfig, ConfigError> {
        let c = &self.file.chat;
        let mut config = ChatServerConfig::new();
        config.bind_addr = address(
            "chat.bind_addr",
            c.bind_addr.as_deref(),
            ChatServerConfig::DEFAULT_BIND_ADDR,
            c.port,
        )?;
        set(&mut config.read_buffer, c.read_buffer);
        set(&mut config.send_queue_bytes, c.send_queue_bytes);
        set(&mut config.event_queue, c.event_queue);
        set(&mut config.max_pending_requests, c.max_pending_requests);
        if let Some(start) = self.file.testing.wall_clock_start {
            config.wall_clock = WallClock::starting_at(start);
        }
        if let Some(seed) = &self.file.testing.chat_rng_seed {
            let seed =
                parse_seed(seed).map_err(|r| ConfigError::new("testing.chat_rng_seed", r))?;
            config.rng_seed = Some(seed);
        }
        let core = &mut config.core;
        set(&mut core.max_message_size, c.max_message_size);
        set(&mut core.message_limit, c.message_limit);
        set(&mut core.join_limit, c.join_limit);
        set(&mut core.typing_limit, c.typing_limit);
        set(&mut core.max_rooms, c.max_rooms);
        set(&mut core.max_users_per_room, c.max_users_per_room);
        set(
            &mut core.heartbeat_interval,
            duration_of("chat.heartbeat_interval", &c.heartbeat_interval)?,
        );
        set(
            &mut core.heartbeat_timeout,
            duration_of("chat.heartbeat_timeout", &c.heartbeat_timeout)?,
        );
        let guard = &mut core.ip_guard;
        set(
            &mut guard.connection_limit_per_ip,
            c.connection_limit_per_ip,
        );
        set(&mut guard.max_connections, c.max_connections);
        set(&mut guard.block_threshold, c.block_threshold);
        set(
            &mut guard.violation_window,
            duration_of("chat.violation_window", &c.violation_window)?,
        );
        set(
            &mut guard.block_duration,
            duration_of("chat.block_duration", &c.block_duration)?,
        );
        set(
            &mut guard.max_block_duration,
            duration_of("chat.max_block_duration", &c.max_block_duration)?,
        );
        set(
            &mut guard.penalty_memory,
            duration_of("chat.penalty_memory", &c.penalty_memory)?,
        );
        set(&mut guard.max_tracked_ips, c.max_tracked_ips);
        // The core names the IP guard as a whole; the file names each key.
        guard.validate().map_err(|e| {
            let key = match e {
                IpGuardConfigError::Zero("connection_limit_per_ip") => {
                    "chat.connection_limit_per_ip (RATE_LIMIT_CONNECTION_LIMIT_PER_IP)".to_owned()
                }
                IpGuardConfigError::Zero(name) => format!("chat.{name}"),
                IpGuardConfigError::BlockLongerThanMax => "chat.block_duration".to_owned(),
            };
            ConfigError::new(key, e.to_string())
        })?;
        config.validate().map_err(|e| core_error("chat", e))?;
        Ok(config)
    }
}

impl Loaded {
    fn signal(&self, secret: &[u8]) -> Result<SignalServerConfig, ConfigError> {
        let s = &self.file.signal;
        let mut config = SignalServerConfig::new(secret);
        config.bind_addr = address(
            "signal.bind_addr (SIGNAL_PORT)",
            s.bind_addr.as_deref(),
            SignalServerConfig::DEFAULT_BIND_ADDR,
            s.port,
        )?;
        set(&mut config.read_buffer, s.read_buffer);
        set(&mut config.send_queue_bytes, s.send_queue_bytes);
        set(&mut config.event_queue, s.event_queue);
        set(&mut config.max_pending_requests, s.max_pending_requests);
        set(&mut config.development, s.development);
        if let Some(text) = &s.cors_origin {
            config.cors_origins = text.parse::<CorsOrigins>().map_err(|e| {
                ConfigError::new("signal.cors_origin (CORS_ORIGIN)", format!("{text:?} {e}"))
            })?;
        }
        if let Some(start) = self.file.testing.wall_clock_start {
            config.wall_clock = WallClock::starting_at(start);
        }
        if let Some(seed) = &self.file.testing.signal_rng_seed {
            let seed =
                parse_seed(seed).map_err(|r| ConfigError::new("testing.signal_rng_seed", r))?;
            config.rng_seed = Some(seed);
        }
        if let Some(text) = &s.sfu_ws_host {
            let url = text.parse::<SfuUrl>().map_err(|e| {
                ConfigError::new("signal.sfu_ws_host (SFU_WS_HOST)", format!("{text:?}: {e}"))
            })?;
            config.sfu_url = Some(url);
            config.core.sfu = Some(self.sfu_settings()?);
        }
        let core = &mut config.core;
        set(&mut core.server_name, s.server_name.clone());
        core.server_icon = s.server_icon.clone().or(core.server_icon.take());
        if let Some(list) = &s.stun_servers {
            core.stun_servers = comma_list(list);
        }
        set(&mut core.invite_only, s.invite_only);
        if let Some(list) = &s.invite_codes {
            core.invite_codes = comma_list(list);
        }
        set(&mut core.jwt.max_token_len, s.max_token_len);
        if let Some(leeway) = duration_of("signal.jwt_leeway", &s.jwt_leeway)? {
            core.jwt.leeway_secs = leeway.as_secs();
        }
        set(
            &mut core.ping_interval,
            duration_of("signal.ping_interval", &s.ping_interval)?,
        );
        set(
            &mut core.ping_timeout,
            duration_of("signal.ping_timeout", &s.ping_timeout)?,
        );
        set(
            &mut core.connect_timeout,
            duration_of("signal.connect_timeout", &s.connect_timeout)?,
        );
        set(&mut core.max_payload, s.max_payload);
        set(&mut core.max_connections, s.max_connections);
        core.limiter_max_keys = s
            .limiter_max_keys
            .unwrap_or(core.max_connections.saturating_mul(4));
        let rules = &s.rate_limits;
        core.rate_limits = RateLimits::from_env(|var| rules.by_var(var)).map_err(|e| {
            let rule = e.var.trim_start_matches("RATE_LIMIT_").to_lowercase();
            let key = format!("signal.rate_limits.{rule} ({})", e.var);
            ConfigError::new(key, e.source.to_string())
        })?;
        config.validate().map_err(|e| core_error("signal", e))?;
        Ok(config)
    }
}

impl Loaded {
    /// The SFU link's settings (signal.md §8), for a configured `SFU_WS_HOST`.
    fn sfu_settings(&self) -> Result<SfuSettings, ConfigError> {
        let s = &self.file.signal;
        let mut sfu = SfuSettings::new(s.server_token.clone().unwrap_or_default());
        let timers = [
            (
                &mut sfu.handshake_timeout,
                "signal.sfu_handshake_timeout",
                &s.sfu_handshake_timeout,
            ),
            (
                &mut sfu.ping_interval,
                "signal.sfu_ping_interval",
                &s.sfu_ping_interval,
            ),
            (
                &mut sfu.idle_timeout,
                "signal.sfu_idle_timeout",
                &s.sfu_idle_timeout,
            ),
            (
                &mut sfu.reconnect_min,
                "signal.sfu_reconnect_min",
                &s.sfu_reconnect_min,
            ),
            (
                &mut sfu.reconnect_max,
                "signal.sfu_reconnect_max",
                &s.sfu_reconnect_max,
            ),
        ];
        for (slot, key, text) in timers {
            set(slot, duration_of(key, text)?);
        }
        Ok(sfu)
    }
}

/// A comma-separated list, each item trimmed, empty items dropped.
fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `text` (or `default`) as a socket address, its port replaced by `port` when one is given.
fn address(
    key: &str,
    text: Option<&str>,
    default: &str,
    port: Option<u16>,
) -> Result<SocketAddr, ConfigError> {
    let text = text.unwrap_or(default);
    let mut addr = text
        .parse::<SocketAddr>()
        .map_err(|e| ConfigError::new(key, format!("{text:?}: {e}")))?;
    if let Some(port) = port {
        addr.set_port(port);
    }
    Ok(addr)
}

/// A duration setting (`"30s"`, `"500ms"`), if it is given.
fn duration_of(key: &str, text: &Option<String>) -> Result<Option<Duration>, ConfigError> {
    text.as_deref()
        .map(|text| duration::parse(text).map_err(|r| ConfigError::new(key, r)))
        .transpose()
}

/// A setting hark-core refused, named as the file under `[section]` (and the environment) name
/// it.
fn core_error(section: &str, error: hark_core::ConfigError) -> ConfigError {
    let hark_core::ConfigError::Invalid { key, reason } = error;
    let key = match (section, key) {
        (_, "jwt_secret") => "jwt_secret (JWT_SECRET)".to_owned(),
        ("audio", "max_packet_size") => "audio.max_packet_size (AUDIO_MAX_PACKET_SIZE)".to_owned(),
        ("chat", "bind_addr") => "chat.bind_addr (PORT)".to_owned(),
        ("chat", "max_message_size") => {
            "chat.max_message_size (RATE_LIMIT_MAX_MESSAGE_SIZE)".to_owned()
        }
        ("chat", "message_limit") => "chat.message_limit (RATE_LIMIT_MESSAGE_LIMIT)".to_owned(),
        ("chat", "join_limit") => "chat.join_limit (RATE_LIMIT_JOIN_LIMIT)".to_owned(),
        ("signal", "invite_codes") => "signal.invite_codes (SERVER_INVITE_CODES)".to_owned(),
        ("signal", "server_token") => "signal.server_token (SERVER_TOKEN)".to_owned(),
        (section, other) => format!("{section}.{other}"),
    };
    ConfigError::new(key, reason)
}

/// 64 hex digits as 32 bytes.
fn parse_seed(text: &str) -> Result<[u8; 32], String> {
    let digits = text.trim();
    let mut seed = [0u8; 32];
    if digits.len() != seed.len() * 2 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{text:?} is not 64 hex digits"));
    }
    for (byte, pair) in seed.iter_mut().zip(digits.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
        *byte = u8::from_str_radix(pair, 16).map_err(|e| e.to_string())?;
    }
    Ok(seed)
}

/// `$XDG_DATA_HOME/hark`, else `~/.local/share/hark`, else `./hark-data`.
pub fn default_data_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(xdg) = env("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("hark");
    }
    if let Some(home) = env("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home).join(".local/share/hark");
    }
    PathBuf::from("hark-data")
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn demo_channel() -> ChannelConfig {
    ChannelConfig {
        id: DEMO_CHANNEL.into(),
        name: Some("Demo".into()),
        members: None,
        banned: Vec::new(),
        max_users: None,
    }
}

#[cfg(test)]
mod tests;
