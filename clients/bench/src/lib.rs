//! `hark-bench`: how fast does hark relay audio, compared with a relay that does nothing but
//! forward?
//!
//! - [`generator`] handshakes N clients into one channel, lets K of them speak, and measures what
//!   arrives (loss, one-way latency) and what it cost the generator itself (CPU);
//! - [`null_relay`] is the yardstick: the same batched UDP I/O as hark's driver, no protocol;
//! - [`sweep`] starts each server pinned to one core, runs the generator on the other, and raises
//!   the load until loss passes 1%.
//!
//! The chat benchmark lives in [`ws`], the stream service's (HTTP Range requests, compared with
//! nginx) in [`http`].
//!
//! Everything is loopback-only and bounded in time.

pub mod cli;
pub mod client;
pub mod cpu;
pub mod error;
pub mod generator;
pub mod group;
pub mod http;
pub mod json;
pub mod listen;
pub mod null_relay;
pub mod packets;
pub mod polled;
pub mod recv;
pub mod report;
pub mod server;
pub mod setup;
pub mod speakers;
pub mod stamp;
pub mod sweep;
pub mod udp_drops;
pub mod ws;

pub use error::BenchError;
