//! Live mode for `voice` (`vectors.md` §6.5): every byte the server writes is compared exactly
//! (no voice message carries a clock), and a group's configuration sets `[voice]` from the
//! fixture's config and `[testing] voice_rng_seed` from its seed.

use std::fmt::Write as _;

use super::LiveService;
use super::plan::{SOCKET_BUFFER, quote, rate};
use crate::format::EffectiveFixture;
use crate::format::voice::{ConfigJson, Voice};

impl LiveService for Voice {
    fn close_enough(expected: &[u8], actual: &[u8]) -> bool {
        expected == actual
    }

    /// `[voice]` from the fixture's config, both listeners on ephemeral loopback ports; the
    /// audio listener there too, out of the way, and chat off (its default port is a fixed one).
    fn config_sections(fixture: &EffectiveFixture<ConfigJson>) -> String {
        let c = &fixture.config;
        let mut t = String::from("[audio]\n");
        let _ = writeln!(t, "bind_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "\n[voice]");
        let _ = writeln!(t, "management_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "relay_addr = \"127.0.0.1:0\"");
        let _ = writeln!(t, "buffer_size = {SOCKET_BUFFER}");
        let _ = writeln!(t, "max_frame_len = {}", c.max_frame_len);
        let _ = writeln!(t, "max_datagram_size = {}", c.max_datagram_size);
        let _ = writeln!(t, "max_connections = {}", c.max_connections);
        let _ = writeln!(t, "login_timeout = \"{}ms\"", c.login_timeout_ms);
        let _ = writeln!(t, "idle_timeout = \"{}ms\"", c.idle_timeout_ms);
        let _ = writeln!(t, "udp_timeout = \"{}ms\"", c.udp_timeout_ms);
        let _ = writeln!(t, "max_token_len = {}", c.max_token_len);
        let _ = writeln!(t, "jwt_leeway = \"{}s\"", c.jwt_leeway_secs);
        let _ = writeln!(t, "max_chat_len = {}", c.max_chat_len);
        let _ = writeln!(
            t,
            "default_max_users_per_channel = {}",
            c.default_max_users_per_channel
        );
        let _ = writeln!(t, "frame_rate = {}", rate(c.frame_rate));
        let _ = writeln!(t, "chat_rate = {}", rate(c.chat_rate));
        let _ = writeln!(t, "voice_rate = {}", rate(c.voice_rate));
        let _ = writeln!(
            t,
            "unauthenticated_reply_rate = {}",
            rate(c.unauthenticated_reply_rate)
        );
        let _ = writeln!(t, "\n[chat]\nenabled = false");
        t
    }

    fn testing_keys(fixture: &EffectiveFixture<ConfigJson>) -> String {
        fixture.rng_seed.map_or_else(String::new, |seed| {
            format!("voice_rng_seed = {}\n", quote(&hex::encode(seed.0)))
        })
    }
}
