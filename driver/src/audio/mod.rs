//! The `audio` service on a runtime: the seed's `AudioServer` library API over the generic loop.

mod config;
mod driver;
mod log;
mod server;
mod stats;

pub use config::AudioServerConfig;
pub use server::{AudioController, AudioServer, EventReceiver, ServerError};
pub use stats::{ServerStats, StateStats};

/// The events a library user receives: the core's, unchanged.
pub type AudioServerEvent = hark_core::audio::AudioEvent;
