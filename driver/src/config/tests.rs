use std::collections::HashMap;
use std::io::Write;

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
