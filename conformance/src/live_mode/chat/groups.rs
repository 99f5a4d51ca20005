//! `chat` scenarios grouped by the server they need (`vectors.md` §5 "Groups"): `base` runs on
//! the fixture as written, and each other distinct effective fixture is a group named after the
//! first scenario that uses it.

use crate::format::chat::{ChatVectorSet, EffectiveChatFixture, Scenario};
use crate::live_mode::{GroupError, Grouped, group_by};

/// Scenarios that share one effective fixture, hence one server configuration.
pub type ChatGroup<'a> = Grouped<'a, EffectiveChatFixture, Scenario>;

/// Every group, `base` first (even when empty), then in order of first use; a group is named
/// after its first scenario as it is.
pub fn groups(set: &ChatVectorSet) -> Result<Vec<ChatGroup<'_>>, GroupError> {
    group_by(
        &set.scenarios,
        |scenario| {
            set.fixture
                .effective(scenario.and_then(|s| s.fixture_overrides.as_ref()))
        },
        |scenario| &scenario.name,
        |name, _| name.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_with_overrides_have_a_server_of_their_own() {
        let set = crate::format::chat::load(&crate::default_vectors("chat")).unwrap();
        let groups = groups(&set).unwrap();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "base",
                "heartbeat_drop",
                "heartbeat_repeated_pings",
                "tracked_ips_bounded"
            ]
        );
        assert_eq!(groups[1].fixture.config.heartbeat_interval_ms, 1000);
        assert_eq!(groups[3].fixture.config.max_tracked_ips, 2);
        assert!(groups[0].scenarios.len() > 20);
    }
}
