//! What the relay loop and one connection's task share: the connection's outgoing bytes, bounded
//! in bytes, and its read credit. The loop never waits on a connection: it queues or, when a frame
//! does not fit, drops the connection (voice.md §9, "drop the slow peer, never stall the room").

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes};

/// Chunks a connection may have read and handed to the loop before the loop has handled them.
/// Beyond it the task stops reading, TCP flow control pushes back on that client alone, and the
/// loop's inbound queue holds at most this many chunks per connection.
pub(crate) const READS_IN_FLIGHT: usize = 2;

/// The frame did not fit the connection's outgoing queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

/// What the connection's task should do next with its socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Write these bytes (the front of the queue, possibly partly written already).
    Write(Bytes),
    /// Everything is written and the loop is done with the connection: half-close it.
    Close,
    /// Stop now, writing nothing more.
    Abort,
    /// Nothing to write yet.
    Wait,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Bytes>,
    /// Bytes in `queue`, counted until the kernel has taken them.
    queued: usize,
    limit: usize,
    /// The loop is done with the connection: write what is queued, then close.
    closing: bool,
    aborted: bool,
    /// The task has written everything and half-closed the socket (or given up on it).
    finished: bool,
    reads_in_flight: usize,
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
    /// A link whose queue holds at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued: 0,
                limit,
                closing: false,
                aborted: false,
                finished: false,
                reads_in_flight: 0,
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

    /// Queues `frame`, or refuses it when the queue would exceed its limit. A frame for a
    /// connection already closing is discarded (the service sends nothing after `Close`).
    pub fn push(&self, frame: Bytes) -> Result<(), Overflow> {
        let mut state = self.lock();
        if state.closing || state.aborted {
            return Ok(());
        }
        if state.queued.saturating_add(frame.len()) > state.limit {
            return Err(Overflow);
        }
        state.queued += frame.len();
        state.queue.push_back(frame);
        Self::wake_task(&state);
        Ok(())
    }

    /// Write what is queued, then close.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closing = true;
        Self::wake_task(&state);
    }

    /// Close at once; what is queued is discarded.
    pub fn abort(&self) {
        let mut state = self.lock();
        state.aborted = true;
        state.queue.clear();
        state.queued = 0;
        Self::wake_task(&state);
    }

    /// The loop has handled one chunk this connection read.
    pub fn release_read(&self) {
        let mut state = self.lock();
        state.reads_in_flight = state.reads_in_flight.saturating_sub(1);
        Self::wake_task(&state);
    }

    /// Ready once the task has written everything and half-closed, or given up.
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
        if state.aborted {
            return Next::Abort;
        }
        match state.queue.front() {
            Some(front) => Next::Write(front.clone()),
            None if state.closing => Next::Close,
            None => Next::Wait,
        }
    }

    /// The kernel took `written` bytes from the front of the queue.
    pub fn written(&self, written: usize) {
        let mut state = self.lock();
        let mut left = written;
        while left > 0 {
            let Some(front) = state.queue.front_mut() else {
                break;
            };
            let taken = left.min(front.len());
            front.advance(taken);
            left -= taken;
            if front.is_empty() {
                state.queue.pop_front();
            }
        }
        state.queued = state.queued.saturating_sub(written);
    }

    /// Whether the task may read another chunk; if so it is counted as in flight.
    pub fn try_start_read(&self) -> bool {
        let mut state = self.lock();
        if state.closing || state.aborted || state.reads_in_flight >= READS_IN_FLIGHT {
            return false;
        }
        state.reads_in_flight += 1;
        true
    }

    /// The read started by [`Link::try_start_read`] produced nothing for the loop.
    pub fn cancel_read(&self) {
        let mut state = self.lock();
        state.reads_in_flight = state.reads_in_flight.saturating_sub(1);
    }

    /// The task is done with the socket's sending side.
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

    fn next(link: &Link) -> Next {
        link.next(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_frame_that_fits_is_queued_and_one_that_does_not_is_refused() {
        let link = Link::new(10);
        assert_eq!(link.push(Bytes::from_static(b"123456")), Ok(()));
        assert_eq!(link.push(Bytes::from_static(b"12345")), Err(Overflow));
        assert_eq!(link.push(Bytes::from_static(b"1234")), Ok(()));
    }

    #[test]
    fn bytes_count_until_the_kernel_takes_them() {
        let link = Link::new(10);
        link.push(Bytes::from_static(b"abcdefgh")).unwrap();
        link.written(3);
        assert_eq!(next(&link), Next::Write(Bytes::from_static(b"defgh")));
        assert_eq!(link.push(Bytes::from_static(b"123456")), Err(Overflow));
        link.written(5);
        assert_eq!(link.push(Bytes::from_static(b"123456")), Ok(()));
    }

    #[test]
    fn close_comes_after_every_queued_byte() {
        let link = Link::new(100);
        link.push(Bytes::from_static(b"error frame")).unwrap();
        link.close();
        assert_eq!(next(&link), Next::Write(Bytes::from_static(b"error frame")));
        link.written(11);
        assert_eq!(next(&link), Next::Close);
    }

    #[test]
    fn frames_after_close_are_discarded() {
        let link = Link::new(100);
        link.close();
        link.push(Bytes::from_static(b"late")).unwrap();
        assert_eq!(next(&link), Next::Close);
    }

    #[test]
    fn abort_discards_the_queue() {
        let link = Link::new(100);
        link.push(Bytes::from_static(b"never sent")).unwrap();
        link.abort();
        assert_eq!(next(&link), Next::Abort);
    }

    #[test]
    fn reads_in_flight_are_limited_until_the_loop_releases_them() {
        let link = Link::new(100);
        for _ in 0..READS_IN_FLIGHT {
            assert!(link.try_start_read());
        }
        assert!(!link.try_start_read());
        link.release_read();
        assert!(link.try_start_read());
    }

    #[test]
    fn a_closing_link_reads_nothing_more() {
        let link = Link::new(100);
        link.close();
        assert!(!link.try_start_read());
    }
}
