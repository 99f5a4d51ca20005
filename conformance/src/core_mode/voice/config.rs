//! The `voice` fixture's config as hark-core's `VoiceConfig`.

use std::time::Duration;

use hark_core::voice::VoiceConfig;

use crate::format::EffectiveFixture;
use crate::format::voice::ConfigJson;

pub fn voice_config(fixture: &EffectiveFixture<ConfigJson>) -> VoiceConfig {
    let c = &fixture.config;
    let mut config = VoiceConfig::new(fixture.secret.as_bytes());
    config.jwt.leeway_secs = c.jwt_leeway_secs;
    config.jwt.max_token_len = c.max_token_len;
    config.max_frame_len = c.max_frame_len;
    config.max_datagram_size = c.max_datagram_size;
    config.max_connections = c.max_connections;
    config.login_timeout = Duration::from_millis(c.login_timeout_ms);
    config.idle_timeout = Duration::from_millis(c.idle_timeout_ms);
    config.udp_timeout = Duration::from_millis(c.udp_timeout_ms);
    config.max_chat_len = c.max_chat_len;
    config.default_max_users_per_channel = c.default_max_users_per_channel;
    config.frame_rate = c.frame_rate.into();
    config.chat_rate = c.chat_rate.into();
    config.voice_rate = c.voice_rate.into();
    config.unauthenticated_reply_rate = c.unauthenticated_reply_rate.into();
    config
}
