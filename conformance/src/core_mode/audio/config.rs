//! The `audio` fixture's config as hark-core's `AudioConfig`.

use std::time::Duration;

use hark_core::audio::AudioConfig;

use crate::format::EffectiveFixture;
use crate::format::audio::ConfigJson;

pub fn audio_config(fixture: &EffectiveFixture<ConfigJson>) -> AudioConfig {
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
    config.session_rate = c.session_rate.into();
    config.unauthenticated_reply_rate = c.unauthenticated_reply_rate.into();
    config.max_sessions = c.max_sessions;
    config.max_sessions_per_user = c.max_sessions_per_user;
    config.default_max_users_per_channel = c.default_max_users_per_channel;
    config.max_user_records = c.max_user_records;
    config
}
