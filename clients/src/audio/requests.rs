//! Requests awaiting their Ack (`audio.md` §7.2–§7.3): how they are numbered, retransmitted and
//! matched with the replies that name them.

use std::time::Instant;

use super::Request;
use crate::RetryPolicy;
use crate::retry::{Retry, RetryStep};

/// A request sent and not yet answered.
#[derive(Debug, Clone, Copy)]
struct Pending {
    request: Request,
    sequence: u32,
    retry: Retry,
}

/// What [`Requests::fire`] found due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Due {
    pub(super) request: Request,
    pub(super) sequence: u32,
    pub(super) step: RetryStep,
}

/// The control packets' sequence counter and the unanswered requests, at most one per
/// [`Request::slot`].
#[derive(Debug)]
pub(super) struct Requests {
    policy: RetryPolicy,
    last_sequence: u32,
    pending: Vec<Pending>,
}

impl Requests {
    pub(super) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            last_sequence: 0,
            pending: Vec::new(),
        }
    }

    /// The next control sequence: 1, 2, … skipping 0, which the server uses for replies that
    /// answer nothing (§7.5).
    pub(super) fn next_sequence(&mut self) -> u32 {
        self.last_sequence = match self.last_sequence.wrapping_add(1) {
            0 => 1,
            next => next,
        };
        self.last_sequence
    }

    /// Numbers `request`, replacing an unanswered one of its slot, and arms its retransmission.
    pub(super) fn start(&mut self, now: Instant, request: Request) -> u32 {
        let sequence = self.next_sequence();
        self.pending.retain(|p| p.request.slot() != request.slot());
        self.pending.push(Pending {
            request,
            sequence,
            retry: Retry::start(now, &self.policy),
        });
        sequence
    }

    /// Removes and returns the request a reply with this header sequence answers.
    pub(super) fn take(
        &mut self,
        sequence: u32,
        matches: impl Fn(Request) -> bool,
    ) -> Option<Request> {
        let index = self
            .pending
            .iter()
            .position(|p| p.sequence == sequence && matches(p.request))?;
        Some(self.pending.remove(index).request)
    }

    /// Requests due at `now`: to send again (rearmed), or given up (forgotten).
    pub(super) fn fire(&mut self, now: Instant) -> Vec<Due> {
        let mut due = Vec::new();
        for pending in &mut self.pending {
            if pending.retry.due() <= now {
                due.push(Due {
                    request: pending.request,
                    sequence: pending.sequence,
                    step: pending.retry.fire(now, &self.policy),
                });
            }
        }
        self.pending.retain(|p| {
            !due.iter()
                .any(|d| d.sequence == p.sequence && d.step == RetryStep::GiveUp)
        });
        due
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.retry.due()).min()
    }

    pub(super) fn clear(&mut self) {
        self.pending.clear();
    }
}
