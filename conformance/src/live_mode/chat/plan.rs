//! `live-plan` for `chat`: one hark configuration per scenario group (`vectors.md` §7.7): the
//! `[chat]` section from the fixture's config with its listener on `127.0.0.1:0`, the other
//! services off (they need a secret and ports chat does not), and `[testing]`'s wall clock and
//! message-id seed.

use std::fmt::Write as _;
use std::path::Path;

use super::groups::{ChatGroup, groups};
use crate::format::chat::ChatVectorSet;
use crate::live_mode::plan::{PlanError, Planned, plan_dirs, quote, toml_path, write_group};

/// The server's per-connection send queue (`chat.send_queue_bytes`). Not a protocol setting:
/// large enough that no scenario meets the slow-reader policy.
pub const SEND_QUEUE_BYTES: usize = 256 * 1024;

/// Writes `out/<group>.toml` for every group that has scenarios and returns them, `base` first.
pub fn write_plan(
    set: &ChatVectorSet,
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

/// The configuration file of one group's server.
pub fn config_toml(
    group: &ChatGroup<'_>,
    data_dir: &Path,
    admin_socket: &Path,
) -> Result<String, PlanError> {
    let c = &group.fixture.config;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `hark-conformance live-plan`: the server for chat scenario group {:?}:",
        group.name
    );
    for scenario in &group.scenarios {
        let _ = writeln!(t, "#   {}", scenario.vector.name);
    }
    let _ = writeln!(t, "data_dir = {}", toml_path(data_dir)?);
    let _ = writeln!(t, "\n[audio]\nenabled = false");
    let _ = writeln!(t, "\n[voice]\nenabled = false");
    let _ = writeln!(t, "\n[chat]\nbind_addr = \"127.0.0.1:0\"");
    let _ = writeln!(t, "send_queue_bytes = {SEND_QUEUE_BYTES}");
    let _ = writeln!(t, "max_message_size = {}", c.max_message_size);
    let _ = writeln!(t, "message_limit = {}", c.message_limit);
    let _ = writeln!(t, "join_limit = {}", c.join_limit);
    let _ = writeln!(t, "typing_limit = {}", c.typing_limit);
    let _ = writeln!(t, "max_rooms = {}", c.max_rooms);
    let _ = writeln!(t, "max_users_per_room = {}", c.max_users_per_room);
    let _ = writeln!(t, "heartbeat_interval = \"{}ms\"", c.heartbeat_interval_ms);
    let _ = writeln!(t, "heartbeat_timeout = \"{}ms\"", c.heartbeat_timeout_ms);
    let _ = writeln!(t, "connection_limit_per_ip = {}", c.connection_limit_per_ip);
    let _ = writeln!(t, "max_connections = {}", c.max_connections);
    let _ = writeln!(t, "block_threshold = {}", c.block_threshold);
    let _ = writeln!(t, "violation_window = \"{}ms\"", c.violation_window_ms);
    let _ = writeln!(t, "block_duration = \"{}ms\"", c.block_duration_ms);
    let _ = writeln!(t, "max_block_duration = \"{}ms\"", c.max_block_duration_ms);
    let _ = writeln!(t, "penalty_memory = \"{}ms\"", c.penalty_memory_ms);
    let _ = writeln!(t, "max_tracked_ips = {}", c.max_tracked_ips);
    let _ = writeln!(t, "\n[admin]\nsocket = {}", toml_path(admin_socket)?);
    let _ = writeln!(t, "\n[testing]");
    let _ = writeln!(t, "wall_clock_start = {}", group.fixture.wall_clock_start);
    let _ = writeln!(
        t,
        "chat_rng_seed = {}",
        quote(&hex::encode(group.fixture.rng_seed.0))
    );
    Ok(t)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::live_mode::test_dir::Dir;

    #[test]
    fn chat_plans_set_the_chat_section_and_the_seed() {
        let set = crate::format::chat::load(&crate::default_vectors("chat")).unwrap();
        let dir = Dir::new("chat-plan");
        let planned = write_plan(&set, &dir.path().join("out"), &dir.path().join("data")).unwrap();
        assert_eq!(planned.len(), 4);
        let base = fs::read_to_string(&planned[0].config).unwrap();
        let seed = hex::encode(set.fixture.rng_seed.0);
        for line in [
            "[chat]",
            "bind_addr = \"127.0.0.1:0\"",
            "heartbeat_interval = \"30000ms\"",
            "block_duration = \"1000ms\"",
            &format!("chat_rng_seed = \"{seed}\""),
            "wall_clock_start = 1700000000",
        ] {
            assert!(base.lines().any(|l| l == line), "no {line:?} in\n{base}");
        }
        let heartbeat = fs::read_to_string(&planned[1].config).unwrap();
        assert!(
            heartbeat
                .lines()
                .any(|l| l == "heartbeat_interval = \"1000ms\"")
        );
    }
}
