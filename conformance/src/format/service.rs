//! What differs between one service's vectors and another's. The layout, the fixture, the
//! scenarios' steps and timing are shared (`vectors.md` §1–§5); a service brings its own config
//! keys, codec vectors, events and counters, and says whether it has management connections
//! (`vectors.md` §6).

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// One service's vector types. Implemented by the marker types [`super::audio::Audio`] and
/// [`super::voice::Voice`], so that the loader and the runners are written once.
pub trait ServiceFormat: Debug + Clone + Copy + PartialEq + Eq + 'static {
    /// The directory under `conformance/vectors/` and the first word of every summary line.
    const NAME: &'static str;
    /// Whether scenarios may open management connections (`vectors.md` §6.3): `connect`, `tcp`
    /// and `close` steps, `tcp` transmits and `closed`.
    const STREAMS: bool;
    /// Whether the fixture carries `rng_seed` (`vectors.md` §6.2); required if so, refused if not.
    const RNG_SEED: bool;

    /// The fixture's `config`, every key required.
    type Config: DeserializeOwned + Clone + PartialEq + Debug;
    /// One codec vector.
    type Codec: DeserializeOwned + Clone + Debug;
    /// One event, as a scenario lists it.
    type Event: DeserializeOwned + Serialize + Clone + PartialEq + Debug + EventSubject;
    /// The counters a step may check; `None` members are not checked.
    type Stats: DeserializeOwned + Serialize + Clone + PartialEq + Debug;

    /// The codec vector's `name`, unique across the service's codec files.
    fn codec_name(vector: &Self::Codec) -> &str;
}

/// What an event is about. Events about one subject must come in the listed order; events about
/// different subjects may interleave (`vectors.md` §4.4, §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject<'a> {
    /// A voice user id.
    User(u32),
    /// A client's management connection.
    Connection(&'a str),
    /// A client's UDP address.
    Address(&'a str),
    /// A chat room.
    Room(&'a str),
    /// A chat client's IP.
    Ip(&'a str),
    /// Events naming neither (audio's mute and audio packets): one subject of their own.
    Unaddressed,
}

/// An event's [`Subject`].
pub trait EventSubject {
    fn subject(&self) -> Subject<'_>;
}
