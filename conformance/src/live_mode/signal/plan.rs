//! `live-plan` for `signal`: one hark configuration per scenario group (`vectors.md` §8.4): the
//! `[signal]` section from the fixture's config with its listener on `127.0.0.1:0`, the SFU link
//! pointed at the runner (`--sfu`, default [`DEFAULT_SFU_ADDR`]) when the group has one, the
//! other services off, `[testing]`'s wall clock and session-id seed, and the fixture's channels.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use super::groups::{SignalGroup, groups};
use crate::format::signal::SignalVectorSet;
use crate::live_mode::plan::{
    PlanError, Planned, channel_toml, plan_dirs, quote, toml_path, write_group,
};

/// Where the runner listens as the SFU unless told otherwise: a fixed loopback port, so that
/// the plan written before the run and the run agree without passing it around.
pub const DEFAULT_SFU_ADDR: &str = "127.0.0.1:47311";

/// Writes `out/<group>.toml` for every group that has scenarios and returns them, `base` first.
pub fn write_plan(
    set: &SignalVectorSet,
    out: &Path,
    data_dir: &Path,
    sfu: SocketAddr,
) -> Result<Vec<Planned>, PlanError> {
    let data_dir = plan_dirs(out, data_dir)?;
    groups(set)?
        .iter()
        .filter(|g| !g.scenarios.is_empty())
        .map(|group| {
            write_group(out, &data_dir, &group.name, |dir, socket| {
                config_toml(group, dir, socket, sfu)
            })
        })
        .collect()
}

/// The configuration file of one group's server.
pub fn config_toml(
    group: &SignalGroup<'_>,
    data_dir: &Path,
    admin_socket: &Path,
    sfu: SocketAddr,
) -> Result<String, PlanError> {
    let f = &group.fixture;
    let c = &f.config;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `hark-conformance live-plan`: the server for signal scenario group {:?}:",
        group.name
    );
    for scenario in &group.scenarios {
        let _ = writeln!(t, "#   {}", scenario.vector.name);
    }
    let _ = writeln!(t, "data_dir = {}", toml_path(data_dir)?);
    let _ = writeln!(t, "jwt_secret = {}", quote(&f.secret));
    if f.channels.is_empty() {
        // An empty list, not an absent one: without channels a server may serve a demo channel.
        let _ = writeln!(t, "channels = []");
    }
    let _ = writeln!(t, "\n[audio]\nenabled = false");
    let _ = writeln!(t, "\n[voice]\nenabled = false");
    let _ = writeln!(t, "\n[chat]\nenabled = false");
    let _ = writeln!(t, "\n[signal]\nenabled = true\nbind_addr = \"127.0.0.1:0\"");
    let _ = writeln!(t, "server_name = {}", quote(&c.server_name));
    if let Some(icon) = &c.server_icon {
        let _ = writeln!(t, "server_icon = {}", quote(icon));
    }
    if !c.stun_servers.is_empty() {
        let _ = writeln!(t, "stun_servers = {}", quote(&c.stun_servers.join(",")));
    }
    let _ = writeln!(t, "invite_only = {}", c.invite_only);
    if !c.invite_codes.is_empty() {
        let _ = writeln!(t, "invite_codes = {}", quote(&c.invite_codes.join(",")));
    }
    let _ = writeln!(t, "cors_origin = {}", quote(&c.cors_origin));
    let _ = writeln!(t, "development = {}", c.development);
    let _ = writeln!(t, "ping_interval = \"{}ms\"", c.ping_interval_ms);
    let _ = writeln!(t, "ping_timeout = \"{}ms\"", c.ping_timeout_ms);
    let _ = writeln!(t, "connect_timeout = \"{}ms\"", c.connect_timeout_ms);
    let _ = writeln!(t, "max_payload = {}", c.max_payload);
    let _ = writeln!(t, "max_connections = {}", c.max_connections);
    let _ = writeln!(t, "limiter_max_keys = {}", c.limiter_max_keys);
    if c.sfu {
        let _ = writeln!(t, "server_token = {}", quote(&c.server_token));
        let _ = writeln!(t, "sfu_ws_host = {}", quote(&format!("ws://{sfu}/")));
    }
    let r = &c.rate_limits;
    let _ = writeln!(t, "\n[signal.rate_limits]");
    let _ = writeln!(t, "chat_send = {}", quote(&r.chat_send));
    let _ = writeln!(t, "chat_react = {}", quote(&r.chat_react));
    let _ = writeln!(t, "server_join = {}", quote(&r.server_join));
    let _ = writeln!(t, "signal = {}", quote(&r.signal));
    let _ = writeln!(t, "\n[admin]\nsocket = {}", toml_path(admin_socket)?);
    let _ = writeln!(t, "\n[testing]");
    let _ = writeln!(t, "wall_clock_start = {}", f.wall_clock_start);
    let _ = writeln!(t, "signal_rng_seed = {}", quote(&hex::encode(f.rng_seed.0)));
    for channel in &f.channels {
        let _ = write!(t, "\n{}", channel_toml(channel));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::live_mode::test_dir::Dir;

    #[test]
    fn signal_plans_set_the_signal_section_and_the_sfu() {
        let set = crate::format::signal::load(&crate::default_vectors("signal")).unwrap();
        let dir = Dir::new("signal-plan");
        let sfu: SocketAddr = DEFAULT_SFU_ADDR.parse().unwrap();
        let planned =
            write_plan(&set, &dir.path().join("out"), &dir.path().join("data"), sfu).unwrap();
        let base = fs::read_to_string(&planned[0].config).unwrap();
        for line in [
            "[signal]",
            "bind_addr = \"127.0.0.1:0\"",
            "server_join = \"5:60000:60000:2:8:5000\"",
            "wall_clock_start = 1700000000",
        ] {
            assert!(base.lines().any(|l| l == line), "no {line:?} in\n{base}");
        }
        assert!(!base.contains("sfu_ws_host"));
        let sfu_plan = planned
            .iter()
            .map(|p| fs::read_to_string(&p.config).unwrap())
            .find(|t| t.contains("sfu_ws_host"))
            .unwrap();
        assert!(sfu_plan.contains(&format!("sfu_ws_host = \"ws://{DEFAULT_SFU_ADDR}/\"")));
    }
}
