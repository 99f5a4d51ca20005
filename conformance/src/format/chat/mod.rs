//! The `chat` service's vector types (`vectors.md` §7). Chat speaks JSON text over WebSocket, so
//! its vectors hold text where the other services hold hex, its fixture has clients with IPs
//! instead of a secret and channels, and its scenario steps are WebSocket and HTTP steps: they
//! are types of their own rather than [`super::ServiceFormat`]'s.

mod codec;
mod config;
mod event;
mod fixture;
mod load;
mod scenario;
mod template;

pub use codec::{ClientExpect, CodecVector, DEFAULT_MAX_MESSAGE_SIZE, max_message_size};
pub use config::ConfigJson;
pub use event::{EventJson, StatsJson};
pub use fixture::{ChatFixture, ClientJson, EffectiveChatFixture, Overrides};
pub use load::{ChatVectorSet, load};
pub use scenario::{
    ExpectJson, FrameJson, HttpRequest, Input, ResponseJson, Scenario, ScenarioFile, Step,
    TransmitJson,
};
pub use template::{Bindings, fill, matches};

/// The directory under `conformance/vectors/` and the first word of every summary line.
pub const NAME: &str = "chat";
