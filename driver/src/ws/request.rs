//! Reading one HTTP request head from a fresh connection, bounded in size ([`MAX_HEAD`]) and
//! time ([`HEAD_TIMEOUT`]).

use std::future::poll_fn;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::BytesMut;

use super::http::{self, Head, HeadError, MAX_HEAD};
use crate::runtime::{AsyncTcpStream, Runtime};

/// How long a client may take to send its request head.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The request head, and what the client sent after it (the first WebSocket frames of a client
/// that does not wait for the `101`).
pub(crate) async fn read_head(
    stream: &dyn AsyncTcpStream,
    runtime: &dyn Runtime,
) -> Result<(Head, BytesMut), HeadError> {
    let mut timer = runtime.new_timer(Instant::now() + HEAD_TIMEOUT);
    let mut buf = BytesMut::with_capacity(1024);
    let head = poll_fn(|cx| {
        loop {
            if let Some(head) = http::parse_head(&buf)? {
                return Poll::Ready(Ok(head));
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(HeadError::Timeout));
            }
            let start = buf.len();
            buf.resize(MAX_HEAD, 0);
            let read = stream.poll_read(cx, buf.get_mut(start..).unwrap_or_default());
            match read {
                Poll::Ready(Ok(n)) if n > 0 => buf.truncate(start + n),
                // The end of the stream or a failure before a complete head.
                Poll::Ready(_) => {
                    buf.truncate(start);
                    return Poll::Ready(Err(HeadError::Malformed));
                }
                Poll::Pending => {
                    buf.truncate(start);
                    return Poll::Pending;
                }
            }
        }
    })
    .await?;
    // Only the bytes after the head are kept, not the head's buffer: idle connections should
    // cost little.
    let rest = BytesMut::from(buf.get(head.len..).unwrap_or_default());
    Ok((head, rest))
}
