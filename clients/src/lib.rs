//! hark-client: clients of the hark servers that reuse hark-core's codecs and sans-IO discipline.
//! The client state machines come with their own issue; the relay benchmark lives beside this
//! crate, in `clients/bench` (crate `hark-bench`).
