//! The timing rules that let one scenario file run both on core mode's simulated clock and
//! against a real server over sockets (`conformance/spec/vectors.md` §4.3).
//!
//! A real server's timers fire a little late, its inputs arrive a little after their `at_ms`,
//! and its replies take a moment to come back. Vectors keep clear of those few milliseconds:
//! core mode checks the margins below, and live mode relies on them.

/// Least distance, in ms, between a step (or the end of a scenario's quiet tail) and a timer
/// firing that does something (sends, reports an event, or changes the counters).
pub const TIMER_MARGIN_MS: u64 = 250;

/// After its last step a scenario stays quiet this long: nothing may be sent. Live mode listens
/// for this long before it declares a scenario passed.
pub const QUIET_TAIL_MS: u64 = 250;

/// A step at `at_ms` that tests a one-second boundary (clock skew, `exp`/`nbf` leeway) must not
/// be within this many ms before a whole second, so a late arrival still reads the same second.
pub const SECOND_BOUNDARY_SLACK_MS: u64 = 100;
