//! Reading a service's vector directory: `fixture.json`, `codec/*.json`, `scenarios/*.json`.
//!
//! Every problem is collected and returned, not just the first, so one run lists everything a
//! vector author has to fix.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::format::{CodecFile, Fixture, Scenario, ScenarioFile, ServiceFormat};

/// Why a vector file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: invalid vector JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// Problems found while loading, in the order found.
#[derive(Debug, Default)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.0 {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// A vector with the file it came from, for reports.
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// Path relative to the vector directory, e.g. `codec/errors.json`.
    pub file: String,
    pub vector: T,
}

/// Everything in one service's vector directory.
#[derive(Debug, Clone)]
pub struct VectorSet<S: ServiceFormat> {
    pub dir: PathBuf,
    pub fixture: Fixture,
    pub codec: Vec<Located<S::Codec>>,
    pub scenarios: Vec<Located<Scenario<S>>>,
}

/// Loads `dir` (e.g. `conformance/vectors/audio`) as service `S`'s vectors. Files are read in
/// name order so reports are stable.
pub fn load<S: ServiceFormat>(dir: &Path) -> Result<VectorSet<S>, LoadErrors> {
    let mut errors = Vec::new();
    let fixture_path = dir.join("fixture.json");
    let fixture = read_json::<Fixture>(&fixture_path).map_err(|e| errors.push(e));
    if let Ok(fixture) = &fixture
        && fixture.rng_seed.is_some() != S::RNG_SEED
    {
        let reason = if S::RNG_SEED {
            format!("{} fixtures need \"rng_seed\"", S::NAME)
        } else {
            format!("{} fixtures have no \"rng_seed\"", S::NAME)
        };
        errors.push(LoadError::Invalid {
            path: fixture_path,
            reason,
        });
    }

    let codec = read_vectors(dir, "codec", &mut errors, |file: CodecFile<S::Codec>| {
        file.vectors
    });
    let scenarios = read_vectors(dir, "scenarios", &mut errors, |file: ScenarioFile<S>| {
        file.scenarios
    });
    check_unique_names(dir, &codec, S::codec_name, &mut errors);
    check_unique_names(dir, &scenarios, |v| &v.name, &mut errors);

    match fixture {
        Ok(fixture) if errors.is_empty() => Ok(VectorSet {
            dir: dir.to_path_buf(),
            fixture,
            codec,
            scenarios,
        }),
        _ => Err(LoadErrors(errors)),
    }
}

/// Every vector of the `*.json` files of `dir/sub`, in file name order, each with its file:
/// `vectors` takes a parsed file's list out. A file that cannot be read adds to `errors`.
pub(crate) fn read_vectors<F: DeserializeOwned, V>(
    dir: &Path,
    sub: &str,
    errors: &mut Vec<LoadError>,
    vectors: impl Fn(F) -> Vec<V>,
) -> Vec<Located<V>> {
    let mut located = Vec::new();
    for (file, path) in json_files(dir, sub, errors) {
        match read_json::<F>(&path) {
            Ok(parsed) => located.extend(vectors(parsed).into_iter().map(|vector| Located {
                file: file.clone(),
                vector,
            })),
            Err(e) => errors.push(e),
        }
    }
    located
}

pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| LoadError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// The `*.json` files of `dir/sub`, sorted, as (relative name, path).
pub(crate) fn json_files(
    dir: &Path,
    sub: &str,
    errors: &mut Vec<LoadError>,
) -> Vec<(String, PathBuf)> {
    let folder = dir.join(sub);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(source) => {
            errors.push(LoadError::Io {
                path: folder,
                source,
            });
            return Vec::new();
        }
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            Some((format!("{sub}/{name}"), path))
        })
        .collect();
    files.sort();
    files
}

pub(crate) fn check_unique_names<T>(
    dir: &Path,
    vectors: &[Located<T>],
    name: impl Fn(&T) -> &str,
    errors: &mut Vec<LoadError>,
) {
    let mut seen = std::collections::BTreeMap::new();
    for located in vectors {
        if let Some(first) = seen.insert(name(&located.vector), &located.file) {
            errors.push(LoadError::Invalid {
                path: dir.join(&located.file),
                reason: format!(
                    "vector name {:?} is also used in {first}",
                    name(&located.vector)
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::format::audio::Audio;
    use crate::format::voice::Voice;

    #[test]
    fn a_missing_directory_names_every_missing_part() {
        let errors = load::<Audio>(Path::new("/nonexistent/vectors")).unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("fixture.json"), "{text}");
        assert!(text.contains("codec"), "{text}");
        assert!(text.contains("scenarios"), "{text}");
    }

    #[test]
    fn a_fixture_has_a_seed_exactly_when_its_service_draws_tokens() {
        let errors = load::<Voice>(&crate::default_vectors(Audio::NAME)).unwrap_err();
        assert!(
            errors
                .to_string()
                .contains("voice fixtures need \"rng_seed\""),
            "{errors}"
        );
    }
}
