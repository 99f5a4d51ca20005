//! `live-plan`: one server configuration (TOML, in the keys of hark's configuration file) per
//! group of scenarios, so that a script can start a server for each and run `live --group`.
//!
//! Written by hand rather than with a TOML library: the values are numbers, strings (quoted as
//! JSON strings, which are valid TOML basic strings) and flat lists.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::LiveService;
use super::groups::{Group, GroupError, groups};
use crate::format::{ChannelConfig, RateJson};
use crate::load::VectorSet;

/// The servers' kernel socket buffer size (`audio.buffer_size`, `voice.buffer_size`), bytes.
/// Not a protocol setting: scenarios send bursts of up to ~50 datagrams at one instant, and a
/// kernel buffer of 8 KiB (the seed's default) holds about 20 small ones.
pub const SOCKET_BUFFER: usize = 256 * 1024;
/// Longest path a Unix socket address holds (`sun_path` is 108 bytes with its NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// Why the plan could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}: not valid UTF-8, which a TOML file cannot name")]
    NotUtf8(PathBuf),
    #[error(
        "{path}: {len} bytes is too long for a Unix socket (at most {MAX_SOCKET_PATH}); \
         use a shorter --data-dir"
    )]
    SocketPathTooLong { path: PathBuf, len: usize },
}

/// One written configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub group: String,
    pub config: PathBuf,
    pub admin_socket: PathBuf,
}

/// Writes `out/<group>.toml` for every group that has scenarios (its server's data directory
/// and admin socket under `data_dir/<group>/`) and returns them, `base` first.
pub fn write_plan<S: LiveService>(
    set: &VectorSet<S>,
    out: &Path,
    data_dir: &Path,
) -> Result<Vec<Planned>, PlanError> {
    let data_dir = plan_dirs(out, data_dir)?;
    groups(set)?
        .iter()
        .filter(|g| !g.scenarios.is_empty())
        .map(|group| {
            write_group(out, &data_dir, &group.name, |dir, socket| {
                config_toml(group, dir, socket)
            })
        })
        .collect()
}

/// Creates `out` and `data_dir` and returns `data_dir`'s canonical path, the one the
/// configurations name (a server may run from another working directory).
pub fn plan_dirs(out: &Path, data_dir: &Path) -> Result<PathBuf, PlanError> {
    fs::create_dir_all(out).map_err(io_error(out))?;
    fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    fs::canonicalize(data_dir).map_err(io_error(data_dir))
}

/// Writes `out/<name>.toml`, the configuration `config(group_dir, admin_socket)` of one group's
/// server, whose data directory is `data_dir/<name>/` (created here) with its admin socket
/// inside, refused if the socket's path is too long for one.
pub fn write_group(
    out: &Path,
    data_dir: &Path,
    name: &str,
    config: impl FnOnce(&Path, &Path) -> Result<String, PlanError>,
) -> Result<Planned, PlanError> {
    let group_dir = data_dir.join(name);
    fs::create_dir_all(&group_dir).map_err(io_error(&group_dir))?;
    let admin_socket = group_dir.join("admin.sock");
    let len = admin_socket.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(PlanError::SocketPathTooLong {
            path: admin_socket,
            len,
        });
    }
    let text = config(&group_dir, &admin_socket)?;
    let config = out.join(format!("{name}.toml"));
    fs::write(&config, text).map_err(io_error(&config))?;
    Ok(Planned {
        group: name.to_owned(),
        config,
        admin_socket,
    })
}

/// The error of a failed file operation on `path`.
pub fn io_error(path: &Path) -> impl FnOnce(io::Error) -> PlanError {
    let path = path.to_path_buf();
    move |source| PlanError::Io { path, source }
}

/// A path as a TOML string, if it is valid UTF-8.
pub fn toml_path(path: &Path) -> Result<String, PlanError> {
    path.to_str()
        .map(quote)
        .ok_or_else(|| PlanError::NotUtf8(path.to_path_buf()))
}

/// The configuration file of one group's server.
pub fn config_toml<S: LiveService>(
    group: &Group<'_, S>,
    data_dir: &Path,
    admin_socket: &Path,
) -> Result<String, PlanError> {
    let fixture = &group.fixture;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `hark-conformance live-plan`: the server for {} scenario group {:?}:",
        S::NAME,
        group.name
    );
    for scenario in &group.scenarios {
        let _ = writeln!(t, "#   {}", scenario.vector.name);
    }
    let _ = writeln!(t, "jwt_secret = {}", quote(&fixture.secret));
    let _ = writeln!(t, "data_dir = {}", toml_path(data_dir)?);
    if fixture.channels.is_empty() {
        // An empty list, not an absent one: without channels a server may serve a demo channel.
        let _ = writeln!(t, "channels = []");
    }
    let _ = write!(t, "\n{}", S::config_sections(fixture));
    let _ = writeln!(t, "\n[admin]");
    let _ = writeln!(t, "socket = {}", toml_path(admin_socket)?);
    let _ = writeln!(t, "\n[testing]");
    let _ = writeln!(t, "wall_clock_start = {}", fixture.wall_clock_start);
    let _ = write!(t, "{}", S::testing_keys(fixture));
    for channel in &fixture.channels {
        let _ = write!(t, "\n{}", channel_toml(channel));
    }
    Ok(t)
}

/// A TOML basic string (a JSON string is one).
pub fn quote(text: &str) -> String {
    json!(text).to_string()
}

/// A rate as a TOML inline table.
pub fn rate(rate: RateJson) -> String {
    format!(
        "{{ per_second = {}, burst = {} }}",
        rate.per_second, rate.burst
    )
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", items.join(", "))
}

pub fn channel_toml(channel: &ChannelConfig) -> String {
    let mut t = String::from("[[channels]]\n");
    let _ = writeln!(t, "id = {}", quote(&channel.id));
    if let Some(name) = &channel.name {
        let _ = writeln!(t, "name = {}", quote(name));
    }
    if let Some(members) = &channel.members {
        let _ = writeln!(t, "members = {}", list(members));
    }
    if !channel.banned.is_empty() {
        let _ = writeln!(t, "banned = {}", list(&channel.banned));
    }
    if let Some(max_users) = channel.max_users {
        let _ = writeln!(t, "max_users = {max_users}");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::format::audio::Audio;
    use crate::format::voice::Voice;

    #[test]
    fn channels_are_written_as_in_the_configuration() {
        let channel = ChannelConfig {
            id: "team".into(),
            name: Some("The \"team\"".into()),
            members: Some(vec!["alice".into(), "bob".into()]),
            banned: vec!["eve".into()],
            max_users: Some(3),
        };
        assert_eq!(
            channel_toml(&channel),
            "[[channels]]\nid = \"team\"\nname = \"The \\\"team\\\"\"\n\
             members = [\"alice\", \"bob\"]\nbanned = [\"eve\"]\nmax_users = 3\n"
        );
        let open = ChannelConfig {
            id: "main".into(),
            name: None,
            members: None,
            banned: Vec::new(),
            max_users: None,
        };
        assert_eq!(channel_toml(&open), "[[channels]]\nid = \"main\"\n");
    }

    #[test]
    fn the_audio_vectors_plan_one_server_per_group() {
        let set = crate::load::<Audio>(&crate::default_vectors("audio")).unwrap();
        let dir = super::super::test_dir::Dir::new("plan");
        let planned = write_plan(&set, &dir.path().join("out"), &dir.path().join("data")).unwrap();
        assert_eq!(planned.first().map(|p| p.group.as_str()), Some("base"));
        let base = fs::read_to_string(&planned[0].config).unwrap();
        for line in [
            "[audio]",
            "bind_addr = \"127.0.0.1:0\"",
            "handshake_timeout = \"1000ms\"",
            "session_rate = { per_second = 10, burst = 50 }",
            "[testing]",
            "wall_clock_start = 1700000000",
            "[[channels]]",
            "id = \"main\"",
        ] {
            assert!(base.lines().any(|l| l == line), "no {line:?} in\n{base}");
        }
        assert!(base.contains(&format!(
            "socket = {}",
            quote(planned[0].admin_socket.to_str().unwrap())
        )));
        assert!(
            planned.len() > 1,
            "the override scenarios have groups of their own"
        );
    }

    #[test]
    fn voice_plans_set_the_voice_section_and_the_token_seed() {
        let set = crate::load::<Voice>(&crate::default_vectors("voice")).unwrap();
        let dir = super::super::test_dir::Dir::new("voice-plan");
        let planned = write_plan(&set, &dir.path().join("out"), &dir.path().join("data")).unwrap();
        let base = fs::read_to_string(&planned[0].config).unwrap();
        let seed = hex::encode(set.fixture.rng_seed.unwrap().0);
        for line in [
            "[audio]",
            "bind_addr = \"127.0.0.1:0\"",
            "[voice]",
            "management_addr = \"127.0.0.1:0\"",
            "relay_addr = \"127.0.0.1:0\"",
            &format!("voice_rng_seed = \"{seed}\""),
        ] {
            assert!(base.lines().any(|l| l == line), "no {line:?} in\n{base}");
        }
        assert!(base.lines().any(|l| l.starts_with("login_timeout = \"")));
        assert!(
            !base.contains("handshake_timeout"),
            "audio keys stay at their defaults"
        );
    }
}
