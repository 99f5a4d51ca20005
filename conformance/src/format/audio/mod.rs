//! The `audio` service's vector types (`vectors.md` §2–§4).

mod codec;
mod config;
mod event;

pub use codec::{
    CodecExpect, CodecVector, DEFAULT_MAX_PACKET_SIZE, HandshakeFormat, PacketJson, TypeName,
};
pub use config::ConfigJson;
#[cfg(test)]
pub(crate) use config::test_fixture;
pub use event::{EventJson, StatsJson};

use super::ServiceFormat;

/// The `audio` service (`audio.md`): datagrams only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audio;

impl ServiceFormat for Audio {
    const NAME: &'static str = "audio";
    const STREAMS: bool = false;
    const RNG_SEED: bool = false;
    type Config = ConfigJson;
    type Codec = CodecVector;
    type Event = EventJson;
    type Stats = StatsJson;

    fn codec_name(vector: &CodecVector) -> &str {
        &vector.name
    }
}
