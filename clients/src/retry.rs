//! Retransmitting a request until it is answered: UDP loses datagrams, and both protocols answer
//! the requests that matter (`audio.md` §7.2–§7.3 with an Ack, `voice.md` §6.1 with a
//! VoiceAuthResponse), so a client resends on a timer and gives up after a bounded number of
//! tries.

use std::time::{Duration, Instant};

use crate::ConfigError;
use crate::config_error::nonzero;

/// How often a request is sent before the client gives up on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Time between two sends of the same request.
    pub interval: Duration,
    /// Sends in all, the first included.
    pub tries: u32,
}

impl Default for RetryPolicy {
    /// One send a second, five in all: a server silent for five seconds is down or out of
    /// reach, and the caller hears of it rather than a client that retries forever.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            tries: 5,
        }
    }
}

impl RetryPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        nonzero("retry.interval", self.interval)?;
        nonzero("retry.tries", self.tries)
    }
}

/// One request's retransmit timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retry {
    sent: u32,
    due: Instant,
}

/// What to do when a [`Retry`] is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryStep {
    Resend,
    GiveUp,
}

impl Retry {
    /// The timer of a request first sent at `now`.
    pub(crate) fn start(now: Instant, policy: &RetryPolicy) -> Self {
        Self {
            sent: 1,
            due: now + policy.interval,
        }
    }

    pub(crate) fn due(&self) -> Instant {
        self.due
    }

    /// Called when `now >= due()`: resend (and rearm) while tries remain, else give up.
    pub(crate) fn fire(&mut self, now: Instant, policy: &RetryPolicy) -> RetryStep {
        if self.sent >= policy.tries {
            return RetryStep::GiveUp;
        }
        self.sent += 1;
        self.due = now + policy.interval;
        RetryStep::Resend
    }
}
