//! The accept loop of every TCP service: accepts connections and hands each to the service's loop,
//! which owns the service (for `voice`, the seed's "event channel" between its two servers). It
//! stops when that loop stops.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use futures_lite::StreamExt;

use crate::runtime::{AsyncTcpListener, AsyncTcpStream, Runtime};
use crate::tcp;

/// How long to wait after a failed accept (out of file descriptors, say) before trying again,
/// rather than spinning on a listener that stays readable.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A connection for the service's loop.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub stream: Box<dyn AsyncTcpStream>,
    pub peer: SocketAddr,
}

enum Wake {
    Accepted(Box<dyn AsyncTcpStream>, SocketAddr),
    Failed(std::io::Error),
    /// The service's loop has stopped (or was never started and is gone).
    LoopStopped,
}

/// Accepts until the service's loop stops. `alive` never carries anything: it ends when the loop
/// drops its sender. `service` names the service in the log.
pub(crate) async fn accept_loop(
    service: &'static str,
    listener: Box<dyn AsyncTcpListener>,
    accepted: Sender<Accepted>,
    alive: Receiver<()>,
    runtime: Arc<dyn Runtime>,
) {
    let mut alive = Box::pin(alive);
    loop {
        let wake = poll_fn(|cx| {
            if let Poll::Ready(None) = alive.as_mut().poll_next(cx) {
                return Poll::Ready(Wake::LoopStopped);
            }
            match listener.poll_accept(cx) {
                Poll::Ready(Ok((stream, peer))) => Poll::Ready(Wake::Accepted(stream, peer)),
                Poll::Ready(Err(e)) => Poll::Ready(Wake::Failed(e)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match wake {
            Wake::Accepted(stream, peer) => {
                if let Err(e) = tcp::accepted(&*stream) {
                    tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
                }
                // Waits while the service's loop is busy: the kernel's backlog holds the next ones.
                if accepted.send(Accepted { stream, peer }).await.is_err() {
                    break;
                }
            }
            Wake::Failed(e) => {
                tracing::warn!(error = %e, "accept failed");
                let mut backoff = runtime.new_timer(Instant::now() + ACCEPT_BACKOFF);
                poll_fn(|cx| backoff.as_mut().poll(cx)).await;
            }
            Wake::LoopStopped => break,
        }
    }
    tracing::debug!(service, "stopped accepting");
}
