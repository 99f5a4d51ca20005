//! TCP socket setup shared by every TCP loop: listening, the options of an accepted stream, and
//! the polite close. Both runtimes hand their sockets over as file descriptors, so these decisions
//! are made here once.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::task::Poll;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::runtime::{AsyncTcpListener, AsyncTcpStream, Runtime};

/// After the half-close, how long [`linger`] keeps reading (and discarding) while the client reads
/// the last bytes. Closing a socket with unread input makes the kernel send a reset, which can
/// destroy the final frame (an Error, a close frame, an HTTP response) before the client has read
/// it.
pub const LINGER: Duration = Duration::from_secs(2);
/// Reads per turn while lingering, so that a client that keeps sending shares the runtime.
const LINGER_READS_PER_POLL: usize = 16;

/// Connections the kernel may hold completed but not yet accepted.
const BACKLOG: i32 = 1024;

/// Binds and listens on `addr` and registers the socket with `runtime`. `SO_REUSEADDR` lets a
/// restarted server bind again while old connections linger in `TIME_WAIT`.
pub fn listen(runtime: &dyn Runtime, addr: SocketAddr) -> io::Result<Box<dyn AsyncTcpListener>> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    runtime.wrap_tcp_listener(socket.into())
}

/// Prepares an accepted stream: `TCP_NODELAY`, because management frames are small and each is
/// meant to leave at once (Nagle would hold a Pong until the previous frame is acknowledged).
pub fn accepted(stream: &dyn AsyncTcpStream) -> io::Result<()> {
    SockRef::from(&stream.as_fd()).set_tcp_nodelay(true)
}

/// Ends the sending direction: the peer reads what was written, then the end of the stream.
pub fn shutdown_write(stream: &dyn AsyncTcpStream) -> io::Result<()> {
    SockRef::from(&stream.as_fd()).shutdown(Shutdown::Write)
}

/// Reads and discards until the client closes, the socket fails or [`LINGER`] passes: the second
/// half of a polite close, after [`shutdown_write`].
pub async fn linger(stream: &dyn AsyncTcpStream, runtime: &dyn Runtime) {
    let mut timer = runtime.new_timer(Instant::now() + LINGER);
    let mut scratch = [0u8; 1024];
    poll_fn(|cx| {
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        for _ in 0..LINGER_READS_PER_POLL {
            match stream.poll_read(cx, &mut scratch) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Ready(Ok(_)) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
        // A client that keeps sending must not hold the runtime: come back later.
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}
