//! The byte stream tungstenite runs over: an in-memory pair of buffers that a connection task
//! fills from, and drains to, its TCP socket. tungstenite stays synchronous and never touches a
//! socket; "nothing more to read" is `WouldBlock`, exactly a non-blocking socket's contract, so the
//! task knows when to wait for readiness. Every byte tungstenite writes stays in [`Pipe::output`]
//! until the task has written it out, which makes waiting on the socket cancel-safe.

use std::io::{self, Read, Write};

/// Incoming bytes not yet read by tungstenite, and outgoing bytes not yet sent.
#[derive(Debug, Default)]
pub struct Pipe {
    input: Vec<u8>,
    read_from: usize,
    output: Vec<u8>,
}

impl Pipe {
    /// Appends up to `len` bytes that `read` puts into the slice it is given (a non-blocking
    /// socket read); returns what `read` returned.
    pub fn fill(
        &mut self,
        len: usize,
        read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        if self.read_from == self.input.len() {
            self.input.clear();
            self.read_from = 0;
        }
        let old = self.input.len();
        self.input.resize(old + len, 0);
        let result = read(self.input.get_mut(old..).unwrap_or_default());
        let added = *result.as_ref().unwrap_or(&0);
        self.input.truncate(old + added.min(len));
        result
    }

    /// Bytes written by tungstenite and not yet sent.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Forgets the first `len` output bytes: they were sent.
    pub fn consume_output(&mut self, len: usize) {
        self.output.drain(..len.min(self.output.len()));
    }

    /// Gives back the memory of buffers that grew for a burst (a long `userList`), so that
    /// thousands of idle connections stay small.
    pub fn shrink(&mut self) {
        if self.read_from == self.input.len() {
            self.input = Vec::new();
            self.read_from = 0;
        }
        if self.output.is_empty() {
            self.output = Vec::new();
        }
    }
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.input.get(self.read_from..).unwrap_or_default();
        if available.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let len = available.len().min(buf.len());
        let (to, _) = buf.split_at_mut(len);
        let (from, _) = available.split_at(len);
        to.copy_from_slice(from);
        self.read_from += len;
        Ok(len)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
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
    fn an_empty_pipe_would_block() {
        let mut pipe = Pipe::default();
        let err = pipe.read(&mut [0; 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn input_is_read_in_order_across_short_reads() {
        let mut pipe = Pipe::default();
        let put = |bytes: &'static [u8]| {
            move |buf: &mut [u8]| {
                buf[..bytes.len()].copy_from_slice(bytes);
                Ok(bytes.len())
            }
        };
        assert_eq!(pipe.fill(8, put(b"abcdef")).unwrap(), 6);
        let mut buf = [0; 4];
        assert_eq!(pipe.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(pipe.fill(8, put(b"gh")).unwrap(), 2);
        assert_eq!(pipe.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"efgh");
        assert!(pipe.read(&mut buf).is_err());
    }

    #[test]
    fn a_failed_fill_adds_nothing() {
        let mut pipe = Pipe::default();
        let failed = pipe.fill(8, |_| Err(io::ErrorKind::WouldBlock.into()));
        assert!(failed.is_err());
        assert!(pipe.read(&mut [0; 4]).is_err());
    }

    #[test]
    fn output_stays_until_consumed() {
        let mut pipe = Pipe::default();
        pipe.write_all(b"hello").unwrap();
        pipe.consume_output(2);
        assert_eq!(pipe.output(), b"llo");
        pipe.consume_output(10);
        assert!(pipe.output().is_empty());
    }
}
