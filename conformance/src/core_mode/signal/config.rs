//! The `signal` fixture as hark-core's `SignalConfig`, `Directory` and CORS origins.

use std::time::Duration;

use hark_core::limits::RateLimitRule;
use hark_core::signal::{SfuSettings, SignalConfig};
use hark_core::wire::signal::CorsOrigins;

use crate::format::signal::{ConfigJson, EffectiveSignalFixture};

pub fn signal_config(fixture: &EffectiveSignalFixture) -> Result<SignalConfig, String> {
    let c: &ConfigJson = &fixture.config;
    let mut config = SignalConfig::new(fixture.secret.as_bytes(), c.server_name.clone());
    config.server_icon.clone_from(&c.server_icon);
    config.stun_servers.clone_from(&c.stun_servers);
    config.invite_only = c.invite_only;
    config.invite_codes.clone_from(&c.invite_codes);
    config.ping_interval = Duration::from_millis(c.ping_interval_ms);
    config.ping_timeout = Duration::from_millis(c.ping_timeout_ms);
    config.connect_timeout = Duration::from_millis(c.connect_timeout_ms);
    config.max_payload = c.max_payload;
    let rule = |name: &str, text: &str| {
        text.parse::<RateLimitRule>()
            .map_err(|e| format!("rate_limits.{name}: {e}"))
    };
    let limits = &c.rate_limits;
    config.rate_limits.chat_send = rule("chat_send", &limits.chat_send)?;
    config.rate_limits.chat_react = rule("chat_react", &limits.chat_react)?;
    config.rate_limits.server_join = rule("server_join", &limits.server_join)?;
    config.rate_limits.signal = rule("signal", &limits.signal)?;
    config.max_connections = c.max_connections;
    config.limiter_max_keys = c.limiter_max_keys;
    config.sfu = c.sfu.then(|| SfuSettings::new(c.server_token.clone()));
    Ok(config)
}

pub fn cors_origins(c: &ConfigJson) -> Result<CorsOrigins, String> {
    c.cors_origin
        .parse()
        .map_err(|e| format!("cors_origin: {e}"))
}
