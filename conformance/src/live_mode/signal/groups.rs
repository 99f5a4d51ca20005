//! `signal` scenarios grouped by the server they need (`vectors.md` §5 "Groups", §8.3): as for
//! chat, over the scenarios that run live (`"live": false` ones are core-only).

use crate::format::signal::{EffectiveSignalFixture, Scenario, SignalVectorSet};
use crate::live_mode::{BASE_GROUP, GroupError};
use crate::load::Located;

/// Scenarios that share one effective fixture, hence one server configuration.
#[derive(Debug, Clone)]
pub struct SignalGroup<'a> {
    pub name: String,
    pub fixture: EffectiveSignalFixture,
    pub scenarios: Vec<&'a Located<Scenario>>,
}

/// Every group, `base` first (even when empty), then in order of first use.
pub fn groups(set: &SignalVectorSet) -> Result<Vec<SignalGroup<'_>>, GroupError> {
    let base = set.fixture.effective(None).map_err(|source| GroupError {
        file: "fixture.json".to_owned(),
        scenario: "(none)".to_owned(),
        source,
    })?;
    let mut groups = vec![SignalGroup {
        name: BASE_GROUP.to_owned(),
        fixture: base,
        scenarios: Vec::new(),
    }];
    for located in set.scenarios.iter().filter(|s| s.vector.live) {
        let scenario = &located.vector;
        let fixture = set
            .fixture
            .effective(scenario.fixture_overrides.as_ref())
            .map_err(|source| GroupError {
                file: located.file.clone(),
                scenario: scenario.name.clone(),
                source,
            })?;
        match groups.iter_mut().find(|g| g.fixture == fixture) {
            Some(group) => group.scenarios.push(located),
            None => groups.push(SignalGroup {
                name: scenario.name.clone(),
                fixture,
                scenarios: vec![located],
            }),
        }
    }
    Ok(groups)
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
