//! TCP socket setup shared by every TCP loop: listening, the options of an accepted stream, and
//! the half-close. Both runtimes hand their sockets over as file descriptors, so these decisions
//! are made here once.

use std::io;
use std::net::{Shutdown, SocketAddr};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::runtime::{AsyncTcpListener, AsyncTcpStream, Runtime};

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
