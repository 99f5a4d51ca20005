//! One `stream` scenario over a real connection (`vectors.md` §9.6): the request bytes in one
//! write, then each response read (head, and a body of `Content-Length` bytes unless the request
//! was `HEAD` or the status has none) and the connection's fate checked: closed by the server,
//! or still open and silent.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::stream_compare::Observed;
use crate::stream_head::methods;

/// How long a connect, a write or a read may take on loopback.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a connection kept alive must stay silent after the last response.
pub const QUIET: Duration = Duration::from_millis(100);
/// The longest response head read.
const MAX_HEAD: usize = 16 * 1024;
/// The most header fields read in a response head.
const MAX_HEADERS: usize = 32;
/// The longest body read (the fixture's largest file is a few MiB).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What the server did after the responses read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// End of stream (or a reset, once every response had arrived).
    Closed,
    /// Nothing for [`QUIET`].
    Open,
    /// More bytes than the responses expected.
    Extra(usize),
}

/// What the connection showed: the responses read, in order, and what came after; or why the
/// exchange could not go on, with the responses read until then.
#[derive(Debug)]
pub struct Exchange {
    pub responses: Vec<Observed>,
    pub outcome: Result<After, String>,
}

/// Sends `request` to `server` and reads `expected` responses.
pub fn exchange(server: SocketAddr, request: &[u8], expected: usize) -> Exchange {
    let mut responses = Vec::new();
    let outcome = run(server, request, expected, &mut responses);
    Exchange { responses, outcome }
}

fn run(
    server: SocketAddr,
    request: &[u8],
    expected: usize,
    responses: &mut Vec<Observed>,
) -> Result<After, String> {
    let stream = TcpStream::connect_timeout(&server, IO_TIMEOUT)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    stream
        .set_nodelay(true)
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
        .and_then(|()| stream.set_read_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| format!("socket options: {e}"))?;
    let mut reader = Reader {
        stream,
        buf: Vec::new(),
    };
    reader
        .stream
        .write_all(request)
        .map_err(|e| format!("writing the request: {e}"))?;
    let methods = methods(request);
    for i in 0..expected {
        let head_only = methods.get(i).is_some_and(|m| m == "HEAD");
        match reader.response(head_only)? {
            Some(response) => responses.push(response),
            None => return Ok(After::Closed),
        }
    }
    reader.after()
}

struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    /// Reads more bytes; 0 at the end of the stream.
    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 64 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(n)
    }

    /// The next response, or `None` when the stream ends before it starts.
    fn response(&mut self, head_only: bool) -> Result<Option<Observed>, String> {
        let end = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(format!("a response head over {MAX_HEAD} bytes"));
            }
            match self.fill() {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err("the server closed inside a response head".to_owned()),
                Ok(_) => {}
                Err(e) if self.buf.is_empty() && e.kind() == io::ErrorKind::ConnectionReset => {
                    return Ok(None);
                }
                Err(e) => return Err(format!("reading a response head: {e}")),
            }
        };
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut slots);
        let head = self.buf.get(..end).unwrap_or_default();
        match parsed.parse(head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) | Err(_) => {
                return Err(format!(
                    "an unreadable response head: {:?}",
                    String::from_utf8_lossy(head)
                ));
            }
        }
        if parsed.version != Some(1) {
            return Err(format!(
                "status line is not HTTP/1.1: {:?}",
                String::from_utf8_lossy(head.split(|&b| b == b'\r').next().unwrap_or_default())
            ));
        }
        let status = parsed.code.unwrap_or_default();
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        self.buf.drain(..end);
        let body_len = if head_only || status == 204 || status == 304 || status < 200 {
            0
        } else {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .filter(|&n| n <= MAX_BODY)
                .ok_or_else(|| {
                    format!("a {status} response without a usable Content-Length: {headers:?}")
                })?
        };
        while self.buf.len() < body_len {
            match self.fill() {
                Ok(0) => {
                    return Err(format!(
                        "the server closed after {} of {body_len} body bytes",
                        self.buf.len()
                    ));
                }
                Ok(_) => {}
                Err(e) => return Err(format!("reading a body: {e}")),
            }
        }
        let body: Vec<u8> = self.buf.drain(..body_len).collect();
        Ok(Some(Observed {
            status,
            headers,
            body,
        }))
    }

    /// Whether the server closes after the last response, or keeps the connection silent.
    fn after(&mut self) -> Result<After, String> {
        if !self.buf.is_empty() {
            return Ok(After::Extra(self.buf.len()));
        }
        self.stream
            .set_read_timeout(Some(QUIET))
            .map_err(|e| format!("socket options: {e}"))?;
        match self.fill() {
            Ok(0) => Ok(After::Closed),
            Ok(n) => Ok(After::Extra(n)),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(After::Closed),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(After::Open)
            }
            Err(e) => Err(format!("after the last response: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    fn serve(answer: &'static [u8], close: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = conn.read(&mut request).unwrap();
            conn.write_all(answer).unwrap();
            if !close {
                thread::sleep(QUIET * 3);
            }
        });
        addr
    }

    #[test]
    fn responses_are_read_by_content_length_and_head_has_no_body() {
        let addr = serve(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
            false,
        );
        let request = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nHEAD / HTTP/1.1\r\nHost: h\r\n\r\n";
        let seen = exchange(addr, request, 2);
        assert_eq!(seen.outcome, Ok(After::Open));
        assert_eq!(seen.responses[0].body, b"abc");
        assert!(seen.responses[1].body.is_empty());
        assert_eq!(
            seen.responses[1].headers,
            [("Content-Length".to_owned(), "9".to_owned())]
        );
    }

    #[test]
    fn a_close_after_the_last_response_is_seen() {
        let addr = serve(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            true,
        );
        let seen = exchange(addr, b"x\r\n\r\n", 1);
        assert_eq!(seen.outcome, Ok(After::Closed));
        assert_eq!(seen.responses[0].status, 400);
    }

    #[test]
    fn a_close_before_a_response_ends_the_exchange() {
        let addr = serve(b"", true);
        let seen = exchange(addr, b"GET / HTTP/1.1\r\n\r\n", 1);
        assert_eq!(seen.outcome, Ok(After::Closed));
        assert!(seen.responses.is_empty());
    }
}
