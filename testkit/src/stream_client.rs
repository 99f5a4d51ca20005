//! A plain HTTP/1.1 client for the stream service, as a player is one: requests written as
//! given (one at a time, or several in one write), responses read one after the other on a
//! persistent connection, bodies as bytes by `Content-Length`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::REPLY_DEADLINE;

/// One response as read off the wire.
#[derive(Debug, Clone)]
pub struct StreamResponse {
    pub status: u16,
    /// `(name, value)` in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl StreamResponse {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The header names, in order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(name, _)| name.as_str()).collect()
    }

    pub fn content_length(&self) -> u64 {
        self.header("content-length")
            .unwrap_or_else(|| panic!("no Content-Length in {:?}", self.headers))
            .parse()
            .expect("a numeric Content-Length")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body {:?} is not JSON: {e}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A connection to the stream service.
#[derive(Debug)]
pub struct StreamConnection {
    stream: TcpStream,
    /// Bytes read and not yet consumed.
    pending: Vec<u8>,
}

/// How a wait for the server's close ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// End of stream (or reset) with nothing more read.
    Yes,
    /// Still open when the deadline passed.
    No,
}

impl StreamConnection {
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream.set_read_timeout(Some(REPLY_DEADLINE)).unwrap();
        Self {
            stream,
            pending: Vec::new(),
        }
    }

    /// Writes `bytes` as they are (one request, several, or part of one).
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("writing a request: {e}"));
    }

    /// `GET`/`HEAD` of `target` with `extra` header lines (each ending in `\r\n`), persistent.
    pub fn request(&mut self, method: &str, target: &str, extra: &str) {
        self.send(request(method, target, extra).as_bytes());
    }

    /// Reads the next response's head only, leaving its body unread.
    pub fn read_head(&mut self) -> (u16, Vec<(String, String)>) {
        let end = loop {
            if let Some(i) = find(&self.pending, b"\r\n\r\n") {
                break i;
            }
            self.fill().unwrap_or_else(|| {
                panic!(
                    "the connection ended inside a head: {:?}",
                    String::from_utf8_lossy(&self.pending)
                )
            });
        };
        let head =
            String::from_utf8(self.pending.drain(..end + 4).collect()).expect("a UTF-8 head");
        let mut lines = head.trim_end().split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line:?}");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .map(|line| {
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("bad header line {line:?}"));
                (name.to_owned(), value.trim().to_owned())
            })
            .collect();
        (status, headers)
    }

    /// Reads the next response; `head_only`: it answers a `HEAD` (no body whatever the length).
    pub fn response(&mut self, head_only: bool) -> StreamResponse {
        let (status, headers) = self.read_head();
        let mut response = StreamResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 {
            return response;
        }
        let len = usize::try_from(response.content_length()).expect("a length that fits memory");
        response.body = self.read_exact(len);
        response
    }

    /// Exactly `len` body bytes.
    pub fn read_exact(&mut self, len: usize) -> Vec<u8> {
        while self.pending.len() < len {
            if self.fill().is_none() {
                panic!(
                    "the connection ended after {} of {len} body bytes",
                    self.pending.len()
                );
            }
        }
        self.pending.drain(..len).collect()
    }

    /// Reads and counts everything until the server closes; `None` if it is still open at the
    /// deadline.
    pub fn drain_until_closed(&mut self, within: Duration) -> Option<u64> {
        let deadline = Instant::now() + within;
        let mut total = u64::try_from(self.pending.len()).unwrap();
        self.pending.clear();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => return Some(total),
                Ok(n) => total += u64::try_from(n).unwrap(),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(total),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return None;
                }
                Err(e) => panic!("reading: {e}"),
            }
        }
    }

    /// Whether the server closes the connection (with nothing more to read) within `within`.
    pub fn closed_within(&mut self, within: Duration) -> Closed {
        match self.drain_until_closed(within) {
            Some(0) => Closed::Yes,
            Some(extra) => panic!("{extra} unexpected bytes before the close"),
            None => Closed::No,
        }
    }

    /// One more read into `pending`; `None` at the end of the stream.
    fn fill(&mut self) -> Option<usize> {
        let mut buf = [0u8; 64 * 1024];
        match self.stream.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                Some(n)
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => None,
            Err(e) => panic!("reading a response: {e}"),
        }
    }
}

/// A persistent HTTP/1.1 request for `target` with `extra` header lines.
pub fn request(method: &str, target: &str, extra: &str) -> String {
    format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
