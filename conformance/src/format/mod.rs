//! The vector file format (`conformance/spec/vectors.md`) as serde types. Nothing here depends
//! on how the vectors are run, so the in-process `core` mode and a socket-level `live` mode
//! read the same types. What is common to every service is here; [`audio`] and [`voice`] hold
//! what is theirs, tied together by [`ServiceFormat`].

pub mod audio;
pub mod chat;
mod fixture;
mod hex;
mod scenario;
mod service;
pub mod signal;
pub mod stream;
pub mod voice;

use serde::Deserialize;

#[cfg(test)]
pub(crate) use fixture::test_fixture_with;
pub use fixture::{ChannelConfig, EffectiveFixture, Fixture, FixtureOverrides, RateJson, RngSeed};
pub use hex::Hex;
pub use scenario::{
    DirectoryChange, Expect, Input, Scenario, ScenarioFile, Step, StreamJson, TransmitJson,
};
pub use service::{EventSubject, ServiceFormat, Subject};

/// One `codec/*.json` file: `{"vectors": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodecFile<V> {
    pub vectors: Vec<V>,
}

/// `canonical` and the like default to true.
pub(crate) fn default_true() -> bool {
    true
}
