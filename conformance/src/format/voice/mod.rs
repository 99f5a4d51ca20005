//! The `voice` service's vector types (`vectors.md` §6).

mod codec;
mod config;
mod event;

pub use codec::{
    CodecExpect, CodecVector, DEFAULT_MAX_DATAGRAM_SIZE, DEFAULT_MAX_FRAME_LEN, FrameJson,
    PacketJson, ParticipantJson, Transport,
};
pub use config::ConfigJson;
#[cfg(test)]
pub(crate) use config::test_fixture;
pub use event::{EventJson, StatsJson};

use super::ServiceFormat;

/// The `voice` service (`voice.md`): management connections over TCP and a UDP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voice;

impl ServiceFormat for Voice {
    const NAME: &'static str = "voice";
    const STREAMS: bool = true;
    const RNG_SEED: bool = true;
    type Config = ConfigJson;
    type Codec = CodecVector;
    type Event = EventJson;
    type Stats = StatsJson;

    fn codec_name(vector: &CodecVector) -> &str {
        &vector.name
    }
}
