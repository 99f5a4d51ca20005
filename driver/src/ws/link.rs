//! What a WebSocket service's loop and one connection's task share: the connection's outgoing
//! queue, bounded in bytes, how it is to be closed, and its read credit. The loop never waits on a
//! connection: it queues or, when the next frame does not fit, closes the connection with 1008
//! (chat.md §7, "a slow reader never stalls a room"; signal follows the same policy).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use tungstenite::Message;

/// Messages a connection may have handed to the loop before the loop has handled them. Beyond it
/// the task stops reading, TCP flow control pushes back on that client alone, and the loop's
/// inbound queue holds at most this many messages per connection.
pub(crate) const MESSAGES_IN_FLIGHT: usize = 4;
/// The most a server frame's header adds to its payload (no mask, 64-bit length).
const FRAME_HEADER: usize = 10;

/// A close frame as a service decided it: RFC 6455 code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    /// 1008, what a reader too slow for its queue gets.
    pub const POLICY_VIOLATION: Self = Self {
        code: 1008,
        reason: "policy violation",
    };
}

/// One thing to write, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outgoing {
    /// Bytes written as they are: an HTTP response.
    Raw(Bytes),
    /// The upgrade was admitted: write the `101` and speak WebSocket from here on.
    Upgraded,
    /// One WebSocket message.
    Message(Message),
}

impl Outgoing {
    /// The bytes it will take on the wire, as the queue's bound counts them.
    fn size(&self) -> usize {
        match self {
            Self::Raw(bytes) => bytes.len(),
            Self::Upgraded => 0,
            Self::Message(message) => message.len() + FRAME_HEADER,
        }
    }
}

/// The next item did not fit the connection's outgoing queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

/// What the connection's task should do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    /// Write this (its bytes stay counted until [`Link::written`]).
    Write(Outgoing),
    /// Everything queued has been handed over and the loop is done with the connection: send this
    /// close frame (if the connection speaks WebSocket and the code is given), then close.
    Close(Option<Close>),
    /// Nothing to write yet.
    Wait,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Outgoing>,
    /// Bytes queued or handed to the task, counted until the kernel has taken them.
    queued: usize,
    limit: usize,
    /// The loop is done with the connection: write what is queued, then close.
    closing: bool,
    close_code: Option<Close>,
    /// The task is done with the socket (closed it or gave up on it).
    finished: bool,
    messages_in_flight: usize,
    /// The connection's task.
    task: Option<Waker>,
    /// The loop, while it waits for the task to finish (shutdown).
    finish_waiter: Option<Waker>,
}

/// One connection's shared state. The loop pushes and closes; the task writes and reads.
#[derive(Debug)]
pub(crate) struct Link {
    state: Mutex<State>,
}

impl Link {
    /// A link whose queue holds at most `limit` bytes (and always at least one item: a frame
    /// larger than the whole bound still reaches a reader that keeps up).
    pub fn new(limit: usize) -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued: 0,
                limit,
                closing: false,
                close_code: None,
                finished: false,
                messages_in_flight: 0,
                task: None,
                finish_waiter: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters and a queue, consistent after every statement.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_task(state: &State) {
        if let Some(waker) = &state.task {
            waker.wake_by_ref();
        }
    }

    // ---- the loop's side ----

    /// Queues `item`, or refuses it when the queue would exceed its limit. An item for a
    /// connection already closing is discarded (the service sends nothing after `Close`).
    pub fn push(&self, item: Outgoing) -> Result<(), Overflow> {
        let mut state = self.lock();
        if state.closing {
            return Ok(());
        }
        let size = item.size();
        if state.queued > 0 && state.queued.saturating_add(size) > state.limit {
            return Err(Overflow);
        }
        state.queued += size;
        state.queue.push_back(item);
        Self::wake_task(&state);
        Ok(())
    }

    /// Write what is queued, then close (with `code` once the connection speaks WebSocket).
    pub fn close(&self, code: Option<Close>) {
        let mut state = self.lock();
        if !state.closing {
            state.closing = true;
            state.close_code = code;
        }
        Self::wake_task(&state);
    }

    /// The reader is too slow: what is queued is discarded and the connection closed with
    /// `code` after the frame being written, if any.
    pub fn drop_queue_and_close(&self, code: Close) {
        let mut state = self.lock();
        let discarded: usize = state.queue.drain(..).map(|item| item.size()).sum();
        state.queued = state.queued.saturating_sub(discarded);
        state.closing = true;
        state.close_code = Some(code);
        Self::wake_task(&state);
    }

    /// The loop has handled one message this connection read.
    pub fn release_message(&self) {
        let mut state = self.lock();
        state.messages_in_flight = state.messages_in_flight.saturating_sub(1);
        Self::wake_task(&state);
    }

    /// Ready once the task is done with the socket.
    pub fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        if state.finished {
            return Poll::Ready(());
        }
        state.finish_waiter = Some(cx.waker().clone());
        Poll::Pending
    }

    // ---- the task's side ----

    /// What to do next; registers the task's waker for any change.
    pub fn next(&self, cx: &mut Context<'_>) -> Next {
        let mut state = self.lock();
        if !state.task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            state.task = Some(cx.waker().clone());
        }
        match state.queue.pop_front() {
            Some(item) => Next::Write(item),
            None if state.closing => Next::Close(state.close_code),
            None => Next::Wait,
        }
    }

    /// Whether the loop is done with the connection.
    pub fn is_closing(&self) -> bool {
        self.lock().closing
    }

    /// The kernel took the bytes of items worth `size` (the sum of what [`Link::next`] handed
    /// over).
    pub fn written(&self, size: usize) {
        let mut state = self.lock();
        state.queued = state.queued.saturating_sub(size);
    }

    /// The size the queue's bound counts for `item`.
    pub fn size_of(item: &Outgoing) -> usize {
        item.size()
    }

    /// Whether the task may hand the loop another message; if so it is counted as in flight.
    pub fn try_start_message(&self) -> bool {
        let mut state = self.lock();
        if state.closing || state.messages_in_flight >= MESSAGES_IN_FLIGHT {
            return false;
        }
        state.messages_in_flight += 1;
        true
    }

    /// The message started by [`Link::try_start_message`] was not handed over after all.
    pub fn cancel_message(&self) {
        let mut state = self.lock();
        state.messages_in_flight = state.messages_in_flight.saturating_sub(1);
    }

    /// The task is done with the socket.
    pub fn finish(&self) {
        let mut state = self.lock();
        state.finished = true;
        if let Some(waker) = state.finish_waiter.take() {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    const GOING_AWAY: Close = Close {
        code: 1001,
        reason: "",
    };

    fn next(link: &Link) -> Next {
        link.next(&mut Context::from_waker(Waker::noop()))
    }

    fn text(len: usize) -> Outgoing {
        Outgoing::Message(Message::text("x".repeat(len)))
    }

    #[test]
    fn a_frame_that_fits_is_queued_and_one_that_does_not_is_refused() {
        let link = Link::new(100);
        assert_eq!(link.push(text(50)), Ok(()));
        assert_eq!(link.push(text(41)), Err(Overflow));
        assert_eq!(link.push(text(30)), Ok(()));
    }

    #[test]
    fn an_empty_queue_takes_a_frame_larger_than_its_bound() {
        let link = Link::new(100);
        assert_eq!(link.push(text(500)), Ok(()));
        assert_eq!(link.push(text(1)), Err(Overflow));
    }

    #[test]
    fn bytes_count_until_the_kernel_takes_them() {
        let link = Link::new(100);
        link.push(text(80)).unwrap();
        let Next::Write(item) = next(&link) else {
            panic!("nothing to write")
        };
        assert_eq!(link.push(text(30)), Err(Overflow));
        link.written(Link::size_of(&item));
        assert_eq!(link.push(text(30)), Ok(()));
    }

    #[test]
    fn close_comes_after_every_queued_item() {
        let link = Link::new(100);
        link.push(text(5)).unwrap();
        link.close(Some(GOING_AWAY));
        assert_eq!(next(&link), Next::Write(text(5)));
        assert_eq!(next(&link), Next::Close(Some(GOING_AWAY)));
    }

    #[test]
    fn items_after_close_are_discarded() {
        let link = Link::new(100);
        link.close(None);
        link.push(text(5)).unwrap();
        assert_eq!(next(&link), Next::Close(None));
    }

    #[test]
    fn a_slow_reader_loses_its_queue_and_gets_the_close_code() {
        let link = Link::new(100);
        link.push(text(50)).unwrap();
        link.drop_queue_and_close(Close::POLICY_VIOLATION);
        assert_eq!(next(&link), Next::Close(Some(Close::POLICY_VIOLATION)));
    }

    #[test]
    fn messages_in_flight_are_limited_until_the_loop_releases_them() {
        let link = Link::new(100);
        for _ in 0..MESSAGES_IN_FLIGHT {
            assert!(link.try_start_message());
        }
        assert!(!link.try_start_message());
        link.release_message();
        assert!(link.try_start_message());
    }
}
