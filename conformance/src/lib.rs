//! hark's conformance vectors and their runner.
//!
//! The vectors (`conformance/vectors/<service>/`) are data: JSON with hex-encoded datagrams, in
//! the format of `conformance/spec/vectors.md`, generated from the prose specs by an independent
//! script (`conformance/tools/`). This crate reads them ([`load`], [`format`]) and replays them
//! against hark-core in-process ([`core_mode`]), reporting differences in a form a person can
//! act on ([`compare`], [`report`]). [`live_mode`] replays the same scenarios against a running
//! server over real sockets.

pub mod compare;
pub mod core_mode;
pub mod format;
pub mod live_mode;
pub mod load;
pub mod report;
pub mod timing;

use std::path::{Path, PathBuf};

pub use load::{LoadError, LoadErrors, VectorSet, load};
pub use report::{Failure, Report, Tally};

/// Where the `audio` vectors live in this repository.
pub fn default_audio_vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join("audio")
}

/// Loads `dir` and runs it in core mode.
pub fn run_core(dir: &Path) -> Result<Report, LoadErrors> {
    load(dir).map(|set| core_mode::run(&set))
}
