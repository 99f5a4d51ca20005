//! Scenarios grouped by the server they need. A live server runs one configuration, so the
//! scenarios whose `fixture_overrides` give another effective fixture run against another server:
//! group `base` holds every scenario that runs on the plain fixture, and each other distinct
//! effective fixture is a group named after the first scenario (in file order) that uses it.

use crate::format::{EffectiveFixture, Scenario, ServiceFormat};
use crate::load::{Located, VectorSet};

/// The group of the scenarios that run on the fixture as written.
pub const BASE_GROUP: &str = "base";

/// Scenarios of type `V` that share one effective fixture `F`, hence one server configuration.
#[derive(Debug, Clone)]
pub struct Grouped<'a, F, V> {
    pub name: String,
    pub fixture: F,
    pub scenarios: Vec<&'a Located<V>>,
}

/// Scenarios of a [`ServiceFormat`] that share one effective fixture.
pub type Group<'a, S> = Grouped<'a, EffectiveFixture<<S as ServiceFormat>::Config>, Scenario<S>>;

/// A scenario's overrides do not give a valid fixture.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {scenario}: fixture_overrides: {source}")]
pub struct GroupError {
    pub file: String,
    pub scenario: String,
    #[source]
    pub source: serde_json::Error,
}

/// Every group, `base` first (even when empty), then in order of first use.
pub fn groups<S: ServiceFormat>(set: &VectorSet<S>) -> Result<Vec<Group<'_, S>>, GroupError> {
    group_by(
        &set.scenarios,
        |scenario| {
            set.fixture
                .effective(scenario.and_then(|s| s.fixture_overrides.as_ref()))
        },
        |scenario| &scenario.name,
        unique_name,
    )
}

/// Groups `scenarios` by their effective fixture, `base` first (even when empty), then in order
/// of first use. The services' vector formats differ, so the caller says how to get a scenario's
/// effective fixture (`None`: the fixture as written), its name, and a new group's name from
/// that of its first scenario and the groups so far.
pub fn group_by<'a, F: PartialEq, V>(
    scenarios: impl IntoIterator<Item = &'a Located<V>>,
    effective: impl Fn(Option<&V>) -> Result<F, serde_json::Error>,
    name: impl Fn(&V) -> &str,
    group_name: impl Fn(&str, &[Grouped<'a, F, V>]) -> String,
) -> Result<Vec<Grouped<'a, F, V>>, GroupError> {
    let base = effective(None).map_err(|source| GroupError {
        file: "fixture.json".to_owned(),
        scenario: "(none)".to_owned(),
        source,
    })?;
    let mut groups = vec![Grouped {
        name: BASE_GROUP.to_owned(),
        fixture: base,
        scenarios: Vec::new(),
    }];
    for located in scenarios {
        let scenario = &located.vector;
        let fixture = effective(Some(scenario)).map_err(|source| GroupError {
            file: located.file.clone(),
            scenario: name(scenario).to_owned(),
            source,
        })?;
        match groups.iter_mut().find(|g| g.fixture == fixture) {
            Some(group) => group.scenarios.push(located),
            None => {
                let name = group_name(name(scenario), &groups);
                groups.push(Grouped {
                    name,
                    fixture,
                    scenarios: vec![located],
                });
            }
        }
    }
    Ok(groups)
}

/// A file-name-safe group name from a scenario name, not yet taken.
fn unique_name<F, V>(scenario: &str, groups: &[Grouped<'_, F, V>]) -> String {
    let base: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let taken = |name: &str| groups.iter().any(|g| g.name == name);
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|name| !taken(name))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::audio::{Audio, test_fixture};

    fn scenario(name: &str, overrides: &str) -> Located<Scenario<Audio>> {
        let overrides = if overrides.is_empty() {
            String::new()
        } else {
            format!(r#""fixture_overrides":{overrides},"#)
        };
        let text =
            format!(r#"{{"name":"{name}","description":"","covers":[],{overrides}"steps":[]}}"#);
        Located {
            file: "scenarios/x.json".into(),
            vector: serde_json::from_str(&text).unwrap(),
        }
    }

    fn set(scenarios: Vec<Located<Scenario<Audio>>>) -> VectorSet<Audio> {
        VectorSet {
            dir: "x".into(),
            fixture: test_fixture(&["a"]),
            codec: Vec::new(),
            scenarios,
        }
    }

    #[test]
    fn scenarios_with_the_same_effective_fixture_share_a_group() {
        let set = set(vec![
            scenario("plain", ""),
            scenario("small_server", r#"{"config":{"max_sessions":2}}"#),
            scenario("same_as_base", r#"{"config":{"max_sessions":10}}"#),
            scenario("also_small", r#"{"config":{"max_sessions":2}}"#),
            scenario("no channels", r#"{"channels":[]}"#),
        ]);
        let groups = groups(&set).unwrap();
        let summary: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|g| {
                let names = g.scenarios.iter().map(|s| s.vector.name.as_str()).collect();
                (g.name.as_str(), names)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("base", vec!["plain", "same_as_base"]),
                ("small_server", vec!["small_server", "also_small"]),
                ("no_channels", vec!["no channels"]),
            ]
        );
    }

    #[test]
    fn a_bad_override_names_its_scenario() {
        let set = set(vec![scenario("typo", r#"{"config":{"max_sesions":2}}"#)]);
        let error = groups(&set).unwrap_err();
        assert!(error.to_string().contains("typo"), "{error}");
    }
}
