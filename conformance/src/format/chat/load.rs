//! Reading the `chat` vector directory (`vectors.md` §1, §7): `fixture.json`, `codec/*.json`,
//! `scenarios/*.json`, every problem collected.

use std::path::{Path, PathBuf};

use super::{ChatFixture, CodecVector, Scenario, ScenarioFile};
use crate::format::CodecFile;
use crate::load::{LoadErrors, Located, check_unique_names, read_json, read_vectors};

/// Everything in the chat vector directory.
#[derive(Debug, Clone)]
pub struct ChatVectorSet {
    pub dir: PathBuf,
    pub fixture: ChatFixture,
    pub codec: Vec<Located<CodecVector>>,
    pub scenarios: Vec<Located<Scenario>>,
}

/// Loads `dir` (e.g. `conformance/vectors/chat`), files in name order.
pub fn load(dir: &Path) -> Result<ChatVectorSet, LoadErrors> {
    let mut errors = Vec::new();
    let fixture = read_json::<ChatFixture>(&dir.join("fixture.json")).map_err(|e| errors.push(e));
    let codec = read_vectors(dir, "codec", &mut errors, |file: CodecFile<CodecVector>| {
        file.vectors
    });
    let scenarios = read_vectors(dir, "scenarios", &mut errors, |file: ScenarioFile| {
        file.scenarios
    });
    check_unique_names(dir, &codec, CodecVector::name, &mut errors);
    check_unique_names(dir, &scenarios, |v| &v.name, &mut errors);
    match fixture {
        Ok(fixture) if errors.is_empty() => Ok(ChatVectorSet {
            dir: dir.to_path_buf(),
            fixture,
            codec,
            scenarios,
        }),
        _ => Err(LoadErrors(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_chat_vectors_load() {
        let set = load(&crate::default_vectors(super::super::NAME)).unwrap();
        assert!(set.codec.len() > 50, "{}", set.codec.len());
        assert!(set.scenarios.len() > 20, "{}", set.scenarios.len());
    }
}
