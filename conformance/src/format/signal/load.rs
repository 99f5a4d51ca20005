//! Reading the `signal` vector directory (`vectors.md` §1, §8): `codec/*.json`, every problem
//! collected. There is no fixture and there are no scenarios yet.

use std::path::{Path, PathBuf};

use super::CodecVector;
use crate::format::CodecFile;
use crate::load::{LoadErrors, Located, check_unique_names, json_files, read_json};

/// Everything in the signal vector directory.
#[derive(Debug, Clone)]
pub struct SignalVectorSet {
    pub dir: PathBuf,
    pub codec: Vec<Located<CodecVector>>,
}

/// Loads `dir` (e.g. `conformance/vectors/signal`), files in name order.
pub fn load(dir: &Path) -> Result<SignalVectorSet, LoadErrors> {
    let mut errors = Vec::new();
    let mut codec = Vec::new();
    for (file, path) in json_files(dir, "codec", &mut errors) {
        match read_json::<CodecFile<CodecVector>>(&path) {
            Ok(parsed) => codec.extend(parsed.vectors.into_iter().map(|vector| Located {
                file: file.clone(),
                vector,
            })),
            Err(e) => errors.push(e),
        }
    }
    check_unique_names(dir, &codec, CodecVector::name, &mut errors);
    if errors.is_empty() {
        Ok(SignalVectorSet {
            dir: dir.to_path_buf(),
            codec,
        })
    } else {
        Err(LoadErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_signal_vectors_load() {
        let set = load(&crate::default_vectors(super::super::NAME)).unwrap();
        assert!(set.codec.len() > 250, "{}", set.codec.len());
    }
}
