//! hark's conformance vectors and their runner.
//!
//! The vectors (`conformance/vectors/<service>/`) are data: JSON with hex-encoded datagrams and
//! stream bytes, in the format of `conformance/spec/vectors.md`, generated from the prose specs by
//! independent scripts (`conformance/tools/`). This crate reads them ([`mod@load`], [`mod@format`]) and
//! replays them against hark-core in-process ([`core_mode`]), reporting differences in a form a
//! person can act on ([`compare`], [`report`]). [`live_mode`] replays the same scenarios against
//! a running server over real sockets. Each service's part is chosen by a marker type,
//! [`format::audio::Audio`] or [`format::voice::Voice`]; `chat`, whose vectors are WebSocket
//! and HTTP steps, has modules of its own ([`format::chat`], [`core_mode::chat`],
//! [`live_mode::chat`]); so has `signal`, whose scenarios add the SFU link's side
//! ([`format::signal`], [`core_mode::signal`]); and `stream`, whose scenarios are raw HTTP
//! requests and exact responses ([`format::stream`], [`core_mode::stream`],
//! [`live_mode::stream`]).

pub mod chat_compare;
pub mod compare;
pub mod core_mode;
pub mod format;
pub mod live_mode;
pub mod load;
pub mod report;
pub mod signal_compare;
pub mod stream_compare;
pub mod stream_head;
pub mod timing;

use std::path::{Path, PathBuf};

pub use load::{LoadError, LoadErrors, VectorSet, load};
pub use report::{Failure, Report, Tally};

/// Where a service's vectors live in this repository: `vectors/<service>`.
pub fn default_vectors(service: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(service)
}

/// Loads `dir` as the `chat` vectors and runs them in core mode.
pub fn run_core_chat(dir: &Path) -> Result<Report, LoadErrors> {
    format::chat::load(dir).map(|set| core_mode::chat::run(&set))
}

/// Loads `dir` as the `signal` vectors and runs them in core mode.
pub fn run_core_signal(dir: &Path) -> Result<Report, LoadErrors> {
    format::signal::load(dir).map(|set| core_mode::signal::run(&set))
}

/// Loads `dir` as the `stream` vectors and runs them in core mode.
pub fn run_core_stream(dir: &Path) -> Result<Report, LoadErrors> {
    format::stream::load(dir).map(|set| core_mode::stream::run(&set))
}

/// Loads `dir` as service `S`'s vectors and runs them in core mode.
pub fn run_core<S: core_mode::CoreService>(dir: &Path) -> Result<Report, LoadErrors> {
    load::<S>(dir).map(|set| core_mode::run(&set))
}
