//! `chat` scenarios grouped by the server they need (`vectors.md` §5 "Groups"): `base` runs on
//! the fixture as written, and each other distinct effective fixture is a group named after the
//! first scenario that uses it.

use crate::format::chat::{ChatVectorSet, EffectiveChatFixture, Scenario};
use crate::live_mode::{BASE_GROUP, GroupError};
use crate::load::Located;

/// Scenarios that share one effective fixture, hence one server configuration.
#[derive(Debug, Clone)]
pub struct ChatGroup<'a> {
    pub name: String,
    pub fixture: EffectiveChatFixture,
    pub scenarios: Vec<&'a Located<Scenario>>,
}

/// Every group, `base` first (even when empty), then in order of first use.
pub fn groups(set: &ChatVectorSet) -> Result<Vec<ChatGroup<'_>>, GroupError> {
    let base = set.fixture.effective(None).map_err(|source| GroupError {
        file: "fixture.json".to_owned(),
        scenario: "(none)".to_owned(),
        source,
    })?;
    let mut groups = vec![ChatGroup {
        name: BASE_GROUP.to_owned(),
        fixture: base,
        scenarios: Vec::new(),
    }];
    for located in &set.scenarios {
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
            None => groups.push(ChatGroup {
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
