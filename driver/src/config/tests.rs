use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |key| map.get(key).cloned()
}

/// A config file in the system temp directory, removed on drop.
struct TempConfig(PathBuf);

impl TempConfig {
    fn with(text: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "hark-config-test-{}-{}.toml",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .unwrap();
        Self(path)
    }

    fn flags(&self) -> Flags {
        Flags {
            config: Some(self.0.clone()),
            ..Flags::default()
        }
    }
}

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn settings(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
    let loaded = load(flags, env)?;
    loaded.settings(b"secret", Path::new("/tmp/hark-test"))
}

#[test]
fn defaults_are_the_seeds_but_for_the_socket_buffer() {
    let s = settings(&Flags::default(), &env_of(&[])).unwrap();
    let audio = s.audio.unwrap();
    assert_eq!(audio.bind_addr.to_string(), "0.0.0.0:8080");
    assert_eq!(audio.core.max_packet_size, 1024);
    assert_eq!(audio.buffer_size, 1 << 20);
    assert!(s.demo);
}

#[test]
fn the_environment_overrides_the_file_and_flags_override_both() {
    let file = TempConfig::with("[audio]\nbind_addr = \"127.0.0.1:1\"\nmax_packet_size = 600\n");
    let flags = file.flags();
    let env = env_of(&[("AUDIO_BIND_ADDR", "127.0.0.1:2")]);
    let s = settings(&flags, &env).unwrap();
    let audio = s.audio.unwrap();
    assert_eq!(audio.bind_addr.to_string(), "127.0.0.1:2");
    assert_eq!(audio.core.max_packet_size, 600);

    let flags = Flags {
        bind: Some("127.0.0.1:3".into()),
        ..flags
    };
    let audio = settings(&flags, &env).unwrap().audio.unwrap();
    assert_eq!(audio.bind_addr.to_string(), "127.0.0.1:3");
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let err = settings(
        &Flags::default(),
        &env_of(&[("AUDIO_MAX_PACKET_SIZE", "big")]),
    )
    .unwrap_err();
    assert_eq!(err.key, "AUDIO_MAX_PACKET_SIZE");
}

#[test]
fn a_value_the_core_refuses_names_the_key() {
    let err = settings(
        &Flags::default(),
        &env_of(&[("AUDIO_MAX_PACKET_SIZE", "8")]),
    )
    .unwrap_err();
    assert!(err.key.starts_with("audio.max_packet_size"), "{err}");
}

#[test]
fn an_unknown_key_in_the_file_is_refused_with_its_line() {
    let file = TempConfig::with("[audio]\nbind = \"x\"\n");
    let flags = file.flags();
    let err = settings(&flags, &env_of(&[])).unwrap_err();
    assert!(err.reason.contains("line 2"), "{err}");
    assert!(err.reason.contains("unknown field"), "{err}");
}

#[test]
fn durations_need_units() {
    let file = TempConfig::with("[audio]\nsession_timeout = \"30\"\n");
    let flags = file.flags();
    let err = settings(&flags, &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "audio.session_timeout");
}

#[test]
fn configured_channels_replace_the_demo() {
    let file = TempConfig::with("[[channels]]\nid = \"ops\"\nmembers = [\"alice\"]\n");
    let flags = file.flags();
    let s = settings(&flags, &env_of(&[])).unwrap();
    assert!(!s.demo);
    assert_eq!(s.channels[0].id, "ops");
}

#[test]
fn a_bad_log_format_is_refused() {
    let err = settings(&Flags::default(), &env_of(&[("LOG_FORMAT", "xml")])).unwrap_err();
    assert!(err.key.contains("LOG_FORMAT"));
}

#[test]
fn the_data_dir_falls_back_to_xdg_then_home() {
    let loaded = load(&Flags::default(), &env_of(&[])).unwrap();
    let xdg = env_of(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")]);
    assert_eq!(loaded.data_dir(&xdg), PathBuf::from("/x/hark"));
    let home = env_of(&[("HOME", "/h")]);
    assert_eq!(
        loaded.data_dir(&home),
        PathBuf::from("/h/.local/share/hark")
    );
}

fn voice(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> VoiceServerConfig {
    settings(flags, env).unwrap().voice.unwrap()
}

#[test]
fn voice_listens_on_the_seeds_ports_by_default() {
    let v = voice(&Flags::default(), &env_of(&[]));
    assert_eq!(v.management_addr.to_string(), "0.0.0.0:9001");
    assert_eq!(v.relay_addr.to_string(), "0.0.0.0:9002");
    assert_eq!(v.send_queue_bytes, 256 * 1024);
    assert_eq!(v.rng_seed, None);
}

#[test]
fn management_and_relay_ports_from_the_environment_keep_the_configured_ip() {
    let file = TempConfig::with(
        "[voice]\nmanagement_addr = \"127.0.0.1:1\"\nrelay_addr = \"127.0.0.1:2\"\n",
    );
    let env = env_of(&[("MANAGEMENT_PORT", "7001"), ("VOICE_RELAY_PORT", "7002")]);
    let v = voice(&file.flags(), &env);
    assert_eq!(v.management_addr.to_string(), "127.0.0.1:7001");
    assert_eq!(v.relay_addr.to_string(), "127.0.0.1:7002");
}

#[test]
fn a_bad_port_names_the_variable() {
    for name in ["MANAGEMENT_PORT", "VOICE_RELAY_PORT"] {
        let err = settings(&Flags::default(), &env_of(&[(name, "70000")])).unwrap_err();
        assert_eq!(err.key, name);
    }
}

#[test]
fn a_bad_voice_address_names_the_key() {
    let file = TempConfig::with("[voice]\nrelay_addr = \"localhost\"\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "voice.relay_addr");
}

#[test]
fn voice_limits_durations_and_rates_are_read() {
    let file = TempConfig::with(
        "[voice]\nlogin_timeout = \"3s\"\nidle_timeout = \"1m\"\nudp_timeout = \"500ms\"\n\
         jwt_leeway = \"10s\"\nmax_chat_len = 200\nmax_connections = 8\n\
         chat_rate = { per_second = 1, burst = 2 }\nsend_queue_bytes = 100000\n",
    );
    let v = voice(&file.flags(), &env_of(&[]));
    assert_eq!(v.core.login_timeout, Duration::from_secs(3));
    assert_eq!(v.core.idle_timeout, Duration::from_secs(60));
    assert_eq!(v.core.udp_timeout, Duration::from_millis(500));
    assert_eq!(v.core.jwt.leeway_secs, 10);
    assert_eq!(v.core.max_chat_len, 200);
    assert_eq!(v.core.max_connections, 8);
    assert_eq!(v.core.chat_rate, RateLimit::new(1, 2));
    assert_eq!(v.send_queue_bytes, 100_000);
}

#[test]
fn a_send_queue_smaller_than_the_largest_frame_is_refused() {
    let file = TempConfig::with("[voice]\nsend_queue_bytes = 65536\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "voice.send_queue_bytes");
}

#[test]
fn a_value_the_voice_core_refuses_names_the_key() {
    let file = TempConfig::with("[voice]\nmax_frame_len = 300\nmax_chat_len = 1000\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "voice.max_chat_len");
}

#[test]
fn voice_durations_need_units() {
    let file = TempConfig::with("[voice]\nidle_timeout = \"30\"\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "voice.idle_timeout");
}

#[test]
fn the_voice_rng_seed_is_64_hex_digits() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    let file = TempConfig::with(&format!("[testing]\nvoice_rng_seed = \"{hex}\"\n"));
    let seed = voice(&file.flags(), &env_of(&[])).rng_seed.unwrap();
    assert_eq!(seed[..4], [0x00, 0x11, 0x22, 0x33]);
    assert_eq!(seed[28..], [0xcc, 0xdd, 0xee, 0xff]);

    for bad in ["0011", &format!("{}zz", &hex[2..])] {
        let file = TempConfig::with(&format!("[testing]\nvoice_rng_seed = \"{bad}\"\n"));
        let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
        assert_eq!(err.key, "testing.voice_rng_seed", "{bad}");
    }
}

#[test]
fn voice_can_be_disabled() {
    let file = TempConfig::with("[voice]\nenabled = false\n");
    assert!(
        settings(&file.flags(), &env_of(&[]))
            .unwrap()
            .voice
            .is_none()
    );
}

#[test]
fn an_unknown_voice_key_is_refused_with_its_line() {
    let file = TempConfig::with("[voice]\nmanagement_port = 1\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert!(err.reason.contains("line 2"), "{err}");
    assert!(err.reason.contains("unknown field"), "{err}");
}

fn chat(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> ChatServerConfig {
    settings(flags, env).unwrap().chat.unwrap()
}

#[test]
fn chat_listens_on_tcp_8080_with_the_seeds_limits_by_default() {
    let c = chat(&Flags::default(), &env_of(&[]));
    assert_eq!(c.bind_addr.to_string(), "0.0.0.0:8080");
    assert_eq!(c.core, hark_core::chat::ChatConfig::default());
    assert_eq!(c.send_queue_bytes, 256 * 1024);
    assert_eq!(c.rng_seed, None);
}

#[test]
fn the_seeds_environment_sets_the_port_and_the_limits() {
    let file = TempConfig::with("[chat]\nbind_addr = \"127.0.0.1:1\"\nmessage_limit = 7\n");
    let env = env_of(&[
        ("PORT", "9080"),
        ("RATE_LIMIT_MESSAGE_LIMIT", "40"),
        ("RATE_LIMIT_JOIN_LIMIT", "3"),
        ("RATE_LIMIT_CONNECTION_LIMIT_PER_IP", "4"),
        ("RATE_LIMIT_MAX_MESSAGE_SIZE", "2048"),
    ]);
    let c = chat(&file.flags(), &env);
    assert_eq!(c.bind_addr.to_string(), "127.0.0.1:9080");
    assert_eq!(c.core.message_limit, 40);
    assert_eq!(c.core.join_limit, 3);
    assert_eq!(c.core.ip_guard.connection_limit_per_ip, 4);
    assert_eq!(c.core.max_message_size, 2048);
}

#[test]
fn a_bad_chat_variable_is_named() {
    for name in [
        "PORT",
        "RATE_LIMIT_MESSAGE_LIMIT",
        "RATE_LIMIT_JOIN_LIMIT",
        "RATE_LIMIT_CONNECTION_LIMIT_PER_IP",
        "RATE_LIMIT_MAX_MESSAGE_SIZE",
    ] {
        let err = settings(&Flags::default(), &env_of(&[(name, "-1")])).unwrap_err();
        assert_eq!(err.key, name);
    }
}

#[test]
fn a_limit_the_chat_core_refuses_names_the_key_and_the_variable() {
    let cases = [
        (
            "RATE_LIMIT_JOIN_LIMIT",
            "chat.join_limit (RATE_LIMIT_JOIN_LIMIT)",
        ),
        (
            "RATE_LIMIT_CONNECTION_LIMIT_PER_IP",
            "chat.connection_limit_per_ip (RATE_LIMIT_CONNECTION_LIMIT_PER_IP)",
        ),
        (
            "RATE_LIMIT_MAX_MESSAGE_SIZE",
            "chat.max_message_size (RATE_LIMIT_MAX_MESSAGE_SIZE)",
        ),
    ];
    for (name, key) in cases {
        let err = settings(&Flags::default(), &env_of(&[(name, "0")])).unwrap_err();
        assert_eq!(err.key, key);
    }
}

#[test]
fn chat_limits_and_durations_are_read() {
    let file = TempConfig::with(
        "[chat]\ntyping_limit = 9\nmax_rooms = 5\nmax_users_per_room = 3\n\
         heartbeat_interval = \"1s\"\nheartbeat_timeout = \"3s\"\nmax_connections = 50\n\
         block_threshold = 4\nviolation_window = \"10s\"\nblock_duration = \"2s\"\n\
         max_block_duration = \"8s\"\npenalty_memory = \"1m\"\nmax_tracked_ips = 20\n\
         send_queue_bytes = 4096\nread_buffer = 1024\n",
    );
    let c = chat(&file.flags(), &env_of(&[]));
    assert_eq!(c.core.typing_limit, 9);
    assert_eq!(c.core.max_rooms, 5);
    assert_eq!(c.core.max_users_per_room, 3);
    assert_eq!(c.core.heartbeat_interval, Duration::from_secs(1));
    assert_eq!(c.core.heartbeat_timeout, Duration::from_secs(3));
    let guard = c.core.ip_guard;
    assert_eq!(guard.max_connections, 50);
    assert_eq!(guard.block_threshold, 4);
    assert_eq!(guard.violation_window, Duration::from_secs(10));
    assert_eq!(guard.block_duration, Duration::from_secs(2));
    assert_eq!(guard.max_block_duration, Duration::from_secs(8));
    assert_eq!(guard.penalty_memory, Duration::from_secs(60));
    assert_eq!(guard.max_tracked_ips, 20);
    assert_eq!(c.send_queue_bytes, 4096);
    assert_eq!(c.read_buffer, 1024);
}

#[test]
fn a_block_longer_than_its_maximum_names_block_duration() {
    let file = TempConfig::with("[chat]\nblock_duration = \"2h\"\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "chat.block_duration");
}

#[test]
fn the_chat_rng_seed_is_64_hex_digits() {
    let hex = "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let file = TempConfig::with(&format!("[testing]\nchat_rng_seed = \"{hex}\"\n"));
    let seed = chat(&file.flags(), &env_of(&[])).rng_seed.unwrap();
    assert_eq!(seed[..2], [0xff, 0x11]);
    let file = TempConfig::with("[testing]\nchat_rng_seed = \"ff\"\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "testing.chat_rng_seed");
}

#[test]
fn chat_can_be_disabled() {
    let file = TempConfig::with("[chat]\nenabled = false\n");
    assert!(
        settings(&file.flags(), &env_of(&[]))
            .unwrap()
            .chat
            .is_none()
    );
}

/// The signal settings of `[signal]` in `text` (enabled), with `env`.
fn signal_with(text: &str, env: &[(&str, &str)]) -> Result<SignalServerConfig, ConfigError> {
    let file = TempConfig::with(&format!("[signal]\nenabled = true\n{text}\n"));
    settings(&file.flags(), &env_of(env)).map(|s| s.signal.expect("signal is enabled"))
}

#[test]
fn signal_is_off_unless_enabled() {
    assert!(
        settings(&Flags::default(), &env_of(&[]))
            .unwrap()
            .signal
            .is_none()
    );
}

#[test]
fn signal_defaults_are_the_specs() {
    let signal = signal_with("", &[]).unwrap();
    assert_eq!(signal.bind_addr.to_string(), "0.0.0.0:5000");
    assert_eq!(signal.core.server_name, "hark");
    assert_eq!(signal.cors_origins, CorsOrigins::Any);
    assert!(!signal.development);
    assert!(signal.sfu_url.is_none());
    assert_eq!(signal.core.rate_limits, RateLimits::default());
}

#[test]
fn the_seeds_variables_set_the_signal_settings() {
    let env = [
        ("SIGNAL_PORT", "5100"),
        ("SERVER_NAME", "techial.example.com"),
        ("SERVER_ICON", "https://example.com/icon.png"),
        ("STUN_SERVERS", "stun:a.example:3478, stun:b.example:3478"),
        ("SERVER_INVITE_ONLY", "true"),
        ("SERVER_INVITE_CODES", "welcome,friends"),
        ("CORS_ORIGIN", "https://app.example"),
        ("NODE_ENV", "development"),
    ];
    let signal = signal_with("", &env).unwrap();
    assert_eq!(signal.bind_addr.to_string(), "0.0.0.0:5100");
    assert_eq!(signal.core.server_name, "techial.example.com");
    assert_eq!(
        signal.core.server_icon.as_deref(),
        Some("https://example.com/icon.png")
    );
    assert_eq!(
        signal.core.stun_servers,
        ["stun:a.example:3478", "stun:b.example:3478"]
    );
    assert!(signal.core.invite_only);
    assert_eq!(signal.core.invite_codes, ["welcome", "friends"]);
    assert_eq!(
        signal.cors_origins,
        CorsOrigins::List(vec!["https://app.example".into()])
    );
    assert!(signal.development);
}

#[test]
fn another_node_env_leaves_development_mode_off() {
    let signal = signal_with("", &[("NODE_ENV", "production")]).unwrap();
    assert!(!signal.development);
}

#[test]
fn a_bad_invite_only_value_names_the_variable() {
    let err = signal_with("", &[("SERVER_INVITE_ONLY", "yes")]).unwrap_err();
    assert_eq!(err.key, "SERVER_INVITE_ONLY");
}

#[test]
fn invite_only_without_codes_names_the_key_and_variable() {
    let err = signal_with("invite_only = true", &[]).unwrap_err();
    assert_eq!(err.key, "signal.invite_codes (SERVER_INVITE_CODES)");
}

#[test]
fn durations_are_written_as_for_chat() {
    let signal = signal_with("ping_interval = \"10s\"\nconnect_timeout = \"500ms\"", &[]).unwrap();
    assert_eq!(signal.core.ping_interval, Duration::from_secs(10));
    assert_eq!(signal.core.connect_timeout, Duration::from_millis(500));
    let err = signal_with("ping_timeout = \"20\"", &[]).unwrap_err();
    assert_eq!(err.key, "signal.ping_timeout");
}

#[test]
fn a_rate_limit_rule_in_the_environment_replaces_the_files() {
    let text = "[signal.rate_limits]\nserver_join = \"3:60000\"\nsignal = \"10:1000\"";
    let signal = signal_with(text, &[("RATE_LIMIT_SERVER_JOIN", "7:30000:0:1:10:1000")]).unwrap();
    let limits = signal.core.rate_limits;
    assert_eq!(limits.server_join.limit, 7);
    assert_eq!(limits.server_join.window, Duration::from_secs(30));
    assert_eq!(limits.signal.limit, 10);
}

#[test]
fn a_bad_rate_limit_names_the_key_and_the_variable() {
    let err = signal_with("", &[("RATE_LIMIT_SIGNAL", "5:60000:")]).unwrap_err();
    assert_eq!(err.key, "signal.rate_limits.signal (RATE_LIMIT_SIGNAL)");
    assert!(err.reason.contains("banMs"), "{}", err.reason);
}

#[test]
fn a_cors_origin_naming_nothing_is_refused() {
    let err = signal_with("", &[("CORS_ORIGIN", " , ")]).unwrap_err();
    assert_eq!(err.key, "signal.cors_origin (CORS_ORIGIN)");
}

#[test]
fn an_sfu_address_needs_a_server_token() {
    let err = signal_with("", &[("SFU_WS_HOST", "ws://127.0.0.1:5005")]).unwrap_err();
    assert_eq!(err.key, "signal.server_token (SERVER_TOKEN)");
}

#[test]
fn an_sfu_address_with_a_token_configures_the_link() {
    let env = [
        ("SFU_WS_HOST", "ws://sfu.internal:5005/link"),
        ("SERVER_TOKEN", "123"),
    ];
    let signal = signal_with("sfu_reconnect_max = \"5s\"", &env).unwrap();
    let url = signal.sfu_url.expect("an SFU address");
    assert_eq!((url.host(), url.port()), ("sfu.internal", 5005));
    let sfu = signal.core.sfu.expect("the SFU settings");
    assert_eq!(sfu.token, "123");
    assert_eq!(sfu.reconnect_max, Duration::from_secs(5));
}

#[test]
fn a_tls_sfu_address_is_refused_naming_the_variable() {
    let env = [
        ("SFU_WS_HOST", "wss://sfu.example"),
        ("SERVER_TOKEN", "123"),
    ];
    let err = signal_with("", &env).unwrap_err();
    assert_eq!(err.key, "signal.sfu_ws_host (SFU_WS_HOST)");
    assert!(err.reason.contains("TLS"), "{}", err.reason);
}

#[test]
fn the_signal_rng_seed_is_64_hex_digits() {
    let file = TempConfig::with("[signal]\nenabled = true\n[testing]\nsignal_rng_seed = \"ab\"\n");
    let err = settings(&file.flags(), &env_of(&[])).unwrap_err();
    assert_eq!(err.key, "testing.signal_rng_seed");
}

fn stream_with(
    text: &str,
    env: &[(&str, &str)],
) -> Result<(Loaded, StreamServerConfig), ConfigError> {
    let file = TempConfig::with(&format!("[stream]\nenabled = true\n{text}\n"));
    let loaded = load(&file.flags(), &env_of(env))?;
    let stream = loaded
        .settings(b"secret", Path::new("/tmp/hark-test"))?
        .stream
        .expect("stream is enabled");
    Ok((loaded, stream))
}

#[test]
fn stream_is_off_unless_enabled() {
    assert!(
        settings(&Flags::default(), &env_of(&[]))
            .unwrap()
            .stream
            .is_none()
    );
}

#[test]
fn stream_defaults_are_the_seeds_and_the_specs() {
    let (loaded, stream) = stream_with("", &[]).unwrap();
    assert_eq!(stream.bind_addr.to_string(), "0.0.0.0:8082");
    assert_eq!(stream.media_dir, PathBuf::from("audio"));
    assert_eq!(stream.header_timeout, Duration::from_secs(10));
    assert_eq!(stream.keepalive_timeout, Duration::from_secs(75));
    assert_eq!(stream.send_timeout, Duration::from_secs(60));
    assert_eq!(stream.core, hark_core::stream::StreamConfig::default());
    assert_eq!(loaded.stream_secret(), None);
    assert!(!loaded.stream_development());
}

#[test]
fn the_seeds_variables_set_the_stream_settings() {
    let env = [
        ("STREAM_SERVER_PORT", "9000"),
        ("STREAM_MEDIA_DIR", "/srv/audio"),
        ("SECRET_KEY", "k3y"),
        ("ALLOWED_ORIGINS", "https://a.example, https://b.example"),
        ("NODE_ENV", "development"),
    ];
    let (loaded, stream) = stream_with("bind_addr = \"127.0.0.1:1\"", &env).unwrap();
    assert_eq!(stream.bind_addr.to_string(), "127.0.0.1:9000");
    assert_eq!(stream.media_dir, PathBuf::from("/srv/audio"));
    assert_eq!(
        stream.core.allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(loaded.stream_secret(), Some("k3y"));
    assert!(loaded.stream_development());
}

#[test]
fn stream_limits_and_timeouts_are_read() {
    let text = "cache_control = \"public, max-age=60\"\nmax_ranges = 4\nkeepalive_requests = 10\n\
                max_connections = 7\nconnection_limit_per_ip = 3\nheader_timeout = \"250ms\"\n\
                keepalive_timeout = \"500ms\"\nsend_timeout = \"750ms\"\n[testing]\nwall_clock_start = 1700000000";
    let (_, stream) = stream_with(text, &[]).unwrap();
    assert_eq!(stream.core.cache_control, "public, max-age=60");
    assert_eq!(
        (stream.core.max_ranges, stream.core.keepalive_requests),
        (4, 10)
    );
    assert_eq!(
        (stream.max_connections, stream.connection_limit_per_ip),
        (7, 3)
    );
    assert_eq!(stream.header_timeout, Duration::from_millis(250));
    assert_eq!(stream.keepalive_timeout, Duration::from_millis(500));
    assert_eq!(stream.send_timeout, Duration::from_millis(750));
    assert_eq!(stream.wall_clock.now_unix(), 1_700_000_000);
}

#[test]
fn a_zero_stream_limit_names_the_key() {
    let err = stream_with("max_ranges = 0", &[]).unwrap_err();
    assert_eq!(err.key, "stream.max_ranges");
    let err = stream_with("header_timeout = \"0s\"", &[]).unwrap_err();
    assert_eq!(err.key, "stream.header_timeout");
}

#[test]
fn a_header_value_that_could_split_a_response_names_the_key() {
    let err = stream_with("cache_control = \"private\\r\\nX-Evil: 1\"", &[]).unwrap_err();
    assert_eq!(err.key, "stream.cache_control");
    let err = stream_with("", &[("ALLOWED_ORIGINS", "https://a.example\u{7}")]).unwrap_err();
    assert_eq!(err.key, "stream.allowed_origins (ALLOWED_ORIGINS)");
}

#[test]
fn a_bad_stream_port_names_the_variable() {
    let err = stream_with("", &[("STREAM_SERVER_PORT", "eighty")]).unwrap_err();
    assert_eq!(err.key, "STREAM_SERVER_PORT");
}
