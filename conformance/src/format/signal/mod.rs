//! The `signal` service's vector types (`vectors.md` §8). For now only codec vectors: one kind
//! per layer of `signal.md` (the handshake, Engine.IO, Socket.IO, events, admission, rate-limit
//! rules and their refusal payload), told apart by their `codec` member. Scenario vectors come
//! with the service.

mod codec;
mod load;

pub use codec::{
    AuthExpect, CodecVector, DecodeExpect, EncodeExpect, EventExpect, FrameJson, HandshakeExpect,
    RefusalJson, RuleExpect,
};
pub use load::{SignalVectorSet, load};

/// The directory under `conformance/vectors/` and the first word of every summary line.
pub const NAME: &str = "signal";

/// engine.io's default `maxPayload`, the limit of both decoders when a vector names none
/// (`signal.md` §2, §3).
pub const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;
