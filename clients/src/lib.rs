//! hark-client: clients of the hark servers that reuse hark-core's codecs.
//!
//! For now this is [`bench`], the machinery of `hark-bench`: a UDP load generator for the `audio`
//! relay, the null relay it is compared with, and the sweep that runs both pinned to their own
//! cores. See `docs/benchmark.md` for how to run it and what it measured.

pub mod bench;
