//! Reading the `stream` vector directory (`vectors.md` §1, §9): `fixture.json`,
//! `codec/*.json`, and one group per `scenarios/<group>.json`, every problem collected.

use std::path::{Path, PathBuf};

use super::{GroupFile, SignatureVector, StreamFixture};
use crate::format::CodecFile;
use crate::load::read_vectors;
use crate::load::{LoadError, LoadErrors, Located, check_unique_names, json_files, read_json};

/// One scenario file: a server configuration and its scenarios.
#[derive(Debug, Clone)]
pub struct StreamGroup {
    /// The file's name without `.json`.
    pub name: String,
    /// `scenarios/<name>.json`.
    pub file: String,
    pub group: GroupFile,
}

/// Everything in the stream vector directory.
#[derive(Debug, Clone)]
pub struct StreamVectorSet {
    pub dir: PathBuf,
    pub fixture: StreamFixture,
    pub codec: Vec<Located<SignatureVector>>,
    pub groups: Vec<StreamGroup>,
}

/// Loads `dir` (e.g. `conformance/vectors/stream`), files in name order.
pub fn load(dir: &Path) -> Result<StreamVectorSet, LoadErrors> {
    let mut errors = Vec::new();
    let fixture = read_json::<StreamFixture>(&dir.join("fixture.json")).map_err(|e| errors.push(e));
    let codec = read_vectors(
        dir,
        "codec",
        &mut errors,
        |file: CodecFile<SignatureVector>| file.vectors,
    );
    check_unique_names(dir, &codec, |v| &v.name, &mut errors);
    let mut groups = Vec::new();
    for (file, path) in json_files(dir, "scenarios", &mut errors) {
        match read_json::<GroupFile>(&path) {
            Ok(group) => groups.push(StreamGroup {
                name: file
                    .trim_start_matches("scenarios/")
                    .trim_end_matches(".json")
                    .to_owned(),
                file,
                group,
            }),
            Err(e) => errors.push(e),
        }
    }
    let scenarios: Vec<Located<&str>> = groups
        .iter()
        .flat_map(|g| {
            g.group.scenarios.iter().map(|s| Located {
                file: g.file.clone(),
                vector: s.name.as_str(),
            })
        })
        .collect();
    check_unique_names(dir, &scenarios, |name| name, &mut errors);
    if let Ok(fixture) = &fixture {
        check_files_named(dir, fixture, &groups, &mut errors);
    }
    match fixture {
        Ok(fixture) if errors.is_empty() => Ok(StreamVectorSet {
            dir: dir.to_path_buf(),
            fixture,
            codec,
            groups,
        }),
        _ => Err(LoadErrors(errors)),
    }
}

/// Every file range a response names is inside a regular file of the fixture.
fn check_files_named(
    dir: &Path,
    fixture: &StreamFixture,
    groups: &[StreamGroup],
    errors: &mut Vec<LoadError>,
) {
    for group in groups {
        for scenario in &group.group.scenarios {
            let parts = scenario.responses.iter().flat_map(|r| &r.body);
            for part in parts {
                if let super::BodyJson::File { file, start, len } = part {
                    let inside = fixture
                        .file(file)
                        .is_some_and(|(size, _, _)| start.saturating_add(*len) <= size);
                    if !inside {
                        errors.push(LoadError::Invalid {
                            path: dir.join(&group.file),
                            reason: format!(
                                "{}: {file} has no bytes {start}..+{len}",
                                scenario.name
                            ),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_stream_vectors_load() {
        let set = load(&crate::default_vectors(super::super::NAME)).unwrap();
        assert!(!set.codec.is_empty());
        let names: Vec<&str> = set.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["base", "strict"]);
        assert!(set.groups[0].group.scenarios.len() > 100);
    }
}
