//! `signal` scenarios grouped by the server they need (`vectors.md` §5 "Groups", §8.3): as for
//! chat, over the scenarios that run live (`"live": false` ones are core-only).

use crate::format::signal::{EffectiveSignalFixture, Scenario, SignalVectorSet};
use crate::live_mode::{GroupError, Grouped, group_by};

/// Scenarios that share one effective fixture, hence one server configuration.
pub type SignalGroup<'a> = Grouped<'a, EffectiveSignalFixture, Scenario>;

/// Every group, `base` first (even when empty), then in order of first use; a group is named
/// after its first scenario as it is.
pub fn groups(set: &SignalVectorSet) -> Result<Vec<SignalGroup<'_>>, GroupError> {
    group_by(
        set.scenarios.iter().filter(|s| s.vector.live),
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
    fn core_only_scenarios_are_in_no_group() {
        let set = crate::format::signal::load(&crate::default_vectors("signal")).unwrap();
        let groups = groups(&set).unwrap();
        let live: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.scenarios.iter().map(|s| s.vector.name.as_str()))
            .collect();
        assert!(live.contains(&"server_join_fast"));
        assert!(!live.contains(&"server_join_seed_window"));
        assert_eq!(groups[0].name, "base");
    }
}
