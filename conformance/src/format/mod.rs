//! The vector file format (`conformance/spec/vectors.md`) as serde types. Nothing here depends
//! on how the vectors are run, so the in-process `core` mode and a socket-level `live` mode
//! read the same types.

mod codec;
mod fixture;
mod hex;
mod scenario;

pub use codec::{
    CodecExpect, CodecFile, CodecVector, DEFAULT_MAX_PACKET_SIZE, HandshakeFormat, PacketJson,
    TypeName,
};
#[cfg(test)]
pub(crate) use fixture::test_fixture;
pub use fixture::{
    ChannelConfig, ConfigJson, EffectiveFixture, Fixture, FixtureOverrides, RateJson,
};
pub use hex::Hex;
pub use scenario::{
    DirectoryChange, EventJson, Expect, Input, Scenario, ScenarioFile, StatsJson, Step,
    TransmitJson,
};
