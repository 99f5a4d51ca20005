//! hark-client: clients of the hark servers that reuse hark-core's codecs and sans-IO discipline.
//!
//! Each client is a state machine that owns no socket, clock or thread, driven the way
//! hark-driver drives the server's services:
//!
//! ```text
//! client.connect(now, wall_unix, token)?;          // commands: connect, join, send_audio, …
//! client.handle_datagram(now, wall_unix, bytes);   // bytes received from the server
//! client.handle_timeout(now, wall_unix);           // when now >= client.poll_timeout()
//! while let Some(d) = client.poll_transmit() { … } // datagrams to send to the server
//! while let Some(e) = client.poll_event() { … }    // what happened
//! ```
//!
//! `now` is monotonic time (retransmits, heartbeats, the jitter buffer); `wall_unix` is unix
//! seconds, used only for the `audio` header's timestamp. A thin tokio or smol wrapper moves the
//! bytes and sleeps until `poll_timeout`.
//!
//! - [`audio`]: the `audio` protocol (`conformance/spec/audio.md`) over one UDP socket;
//! - [`voice`]: the `voice` protocol (`conformance/spec/voice.md`), a TCP management stream and a
//!   UDP voice socket;
//! - [`jitter`]: the per-sender reorder buffer both use to turn received frames into a playout
//!   order with gaps.
//!
//! The relay benchmark lives beside this crate, in `clients/bench` (crate `hark-bench`).

pub mod audio;
mod config_error;
pub mod jitter;
mod retry;
pub mod voice;

pub use config_error::ConfigError;
pub use retry::RetryPolicy;
