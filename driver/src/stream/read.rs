//! Waiting for request bytes with a deadline.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

use crate::runtime::{AsyncTcpStream, AsyncTimer};

/// What one wait for bytes gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    Bytes(usize),
    /// The end of the stream, or a socket error: the peer is gone.
    Closed,
    /// `timer` fired first.
    TimedOut,
}

/// Reads into `space` (never empty: a full head buffer is refused before) unless `timer` fires
/// first.
pub(crate) async fn read_more(
    stream: &dyn AsyncTcpStream,
    timer: &mut Pin<Box<dyn AsyncTimer>>,
    space: &mut [u8],
) -> Read {
    poll_fn(|cx| {
        match stream.poll_read(cx, space) {
            Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(Read::Closed),
            Poll::Ready(Ok(n)) => return Poll::Ready(Read::Bytes(n)),
            Poll::Pending => {}
        }
        timer.as_mut().poll(cx).map(|()| Read::TimedOut)
    })
    .await
}
