//! The in-memory stream tungstenite runs over. tungstenite is written for blocking or
//! `WouldBlock` I/O; the connection task moves bytes between this stream and the real socket
//! with the runtime's `poll_read`/`poll_write`, so one `Runtime` trait serves both runtimes and
//! tungstenite never touches a socket.

use std::io::{self, Read, Write};

use bytes::{Buf, BytesMut};

/// Bytes read from the socket and not yet framed (`inbound`), frames encoded and not yet written
/// to the socket (`outbound`).
#[derive(Debug, Default)]
pub(crate) struct Pipe {
    pub inbound: BytesMut,
    pub outbound: BytesMut,
}

impl Read for Pipe {
    /// Hands over what the socket delivered; `WouldBlock` when that is nothing, which tells
    /// tungstenite to wait for more (it keeps a partial frame itself).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.inbound.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.inbound.len());
        self.inbound
            .copy_to_slice(buf.get_mut(..n).unwrap_or_default());
        Ok(n)
    }
}

impl Write for Pipe {
    /// Never blocks: the connection's outgoing queue is bounded before frames get here.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbound.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_inbound_buffer_would_block() {
        let mut pipe = Pipe::default();
        let error = pipe.read(&mut [0; 4]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn reads_take_from_the_front_of_the_inbound_buffer() {
        let mut pipe = Pipe::default();
        pipe.inbound.extend_from_slice(b"abcdef");
        let mut buf = [0; 4];
        assert_eq!(pipe.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(pipe.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
    }

    #[test]
    fn writes_append_to_the_outbound_buffer() {
        let mut pipe = Pipe::default();
        pipe.write_all(b"ab").unwrap();
        pipe.write_all(b"cd").unwrap();
        assert_eq!(&pipe.outbound[..], b"abcd");
    }
}
