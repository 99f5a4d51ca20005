//! The `signal` service's vector types (`vectors.md` §8): codec vectors, one kind per layer of
//! `signal.md` (the handshake, Engine.IO, Socket.IO, events, admission, rate-limit rules and
//! their refusal payload) told apart by their `codec` member; and scenarios of WebSocket, HTTP
//! and SFU-link steps, whose client frames and templates are chat's.

mod codec;
mod config;
mod event;
mod fixture;
mod load;
mod scenario;

pub use codec::{
    AuthExpect, CodecVector, DecodeExpect, EncodeExpect, EventExpect, FrameJson, HandshakeExpect,
    RefusalJson, RuleExpect,
};
pub use config::{ConfigJson, RateLimitsJson};
pub use event::{EventJson, StatsJson};
pub use fixture::{ClientJson, EffectiveSignalFixture, Overrides, SignalFixture};
pub use load::{SignalVectorSet, load};
pub use scenario::{DEFAULT_QUERY, ExpectJson, Input, Scenario, ScenarioFile, SfuFrameJson, Step};

/// The directory under `conformance/vectors/` and the first word of every summary line.
pub const NAME: &str = "signal";

/// engine.io's default `maxPayload`, the limit of both decoders when a vector names none
/// (`signal.md` §2, §3).
pub const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;
