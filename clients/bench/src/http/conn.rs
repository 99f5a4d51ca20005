//! One keep-alive HTTP/1.1 client connection: write a request head, read the response head with
//! httparse, then read and discard exactly `Content-Length` body bytes. Requests go one at a time
//! (no pipelining), as a player's do. Bytes past the body are kept for the next response.
//!
//! Every read re-arms `TCP_QUICKACK`. On loopback (MTU 64 KiB) a 64 KiB response is one full
//! segment and a small tail; a server that corks or runs Nagle (nginx with `tcp_nopush on`) holds
//! the tail until the first segment is acknowledged, and Linux delays that acknowledgement by
//! 40 ms when only one segment has arrived. Over Ethernet the same response is dozens of segments,
//! acknowledged every second one, and the tail never waits: acknowledging at once keeps the
//! benchmark measuring servers, not the delayed-ACK timer.

use std::io;
use std::net::SocketAddr;

use socket2::SockRef;
use tokio::net::TcpStream;

use crate::BenchError;

/// A response head larger than this is an error (every server measured sends a few hundred bytes).
const MAX_HEAD: usize = 16 * 1024;
/// Header fields parsed per response.
const MAX_HEADERS: usize = 32;
/// Bytes asked of the socket per read: a 64 KiB body takes one or two calls.
const READ_CHUNK: usize = 256 * 1024;

/// What the generator needs of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Body bytes read (the `Content-Length`; 0 for `HEAD`).
    pub body_len: u64,
    /// The `Content-Length` announced, also for `HEAD`.
    pub content_length: u64,
    /// The server closes after this response (`Connection: close`, or HTTP/1.0 without
    /// `keep-alive`).
    pub closes: bool,
}

/// An open connection.
#[derive(Debug)]
pub struct HttpConn {
    tcp: TcpStream,
    /// Received and not yet consumed.
    input: Vec<u8>,
    /// Where discarded body bytes land.
    scratch: Box<[u8]>,
}

impl HttpConn {
    pub async fn connect(addr: SocketAddr) -> Result<Self, BenchError> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| BenchError::new(format!("connect: {e}")))?;
        tcp.set_nodelay(true)?;
        Ok(Self {
            tcp,
            input: Vec::with_capacity(MAX_HEAD),
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
        })
    }

    /// Sends `request` and reads its whole response; `head_only` for a `HEAD` (no body follows
    /// the head whatever `Content-Length` says).
    pub async fn exchange(
        &mut self,
        request: &[u8],
        head_only: bool,
    ) -> Result<Response, BenchError> {
        self.write_all(request).await?;
        let mut response = self.read_head().await?;
        if !head_only {
            self.discard_body(response.content_length).await?;
            response.body_len = response.content_length;
        }
        Ok(response)
    }

    async fn write_all(&self, mut bytes: &[u8]) -> Result<(), BenchError> {
        while !bytes.is_empty() {
            match self.tcp.try_write(bytes) {
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.tcp.writable().await?,
                Err(e) => return Err(BenchError::new(format!("write: {e}"))),
            }
        }
        Ok(())
    }

    /// Reads until a complete head is buffered, parses it and consumes it.
    async fn read_head(&mut self) -> Result<Response, BenchError> {
        loop {
            if let Some((len, response)) = parse_head(&self.input)? {
                self.input.drain(..len);
                return Ok(response);
            }
            if self.input.len() >= MAX_HEAD {
                return Err(BenchError::new("response head too large"));
            }
            self.fill().await?;
        }
    }

    /// Consumes `len` body bytes: the buffered ones first, then straight from the socket.
    async fn discard_body(&mut self, len: u64) -> Result<(), BenchError> {
        let buffered = usize::try_from(len).map_or(self.input.len(), |l| l.min(self.input.len()));
        self.input.drain(..buffered);
        let mut left = len - buffered as u64;
        while left > 0 {
            let n = self.read_some().await?;
            let body = (n as u64).min(left);
            left -= body;
            if (n as u64) > body {
                // Only a server that sends more than it announced gets here.
                let extra = self.scratch.get(body as usize..n).unwrap_or_default();
                self.input.extend_from_slice(extra);
            }
        }
        Ok(())
    }

    /// Appends what the socket has to `input`.
    async fn fill(&mut self) -> Result<(), BenchError> {
        let n = self.read_some().await?;
        self.input
            .extend_from_slice(self.scratch.get(..n).unwrap_or_default());
        Ok(())
    }

    /// Reads into `scratch`, waiting until something arrives; the end of the stream is an error
    /// (every read happens while a response is owed).
    async fn read_some(&mut self) -> Result<usize, BenchError> {
        loop {
            match self.tcp.try_read(&mut self.scratch) {
                Ok(0) => return Err(BenchError::new("closed by server")),
                Ok(n) => {
                    // Best effort: without it a run is slower, not wrong.
                    let _ = SockRef::from(&self.tcp).set_tcp_quickack(true);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.tcp.readable().await?,
                Err(e) => return Err(BenchError::new(format!("read: {e}"))),
            }
        }
    }
}

/// Parses a response head at the start of `bytes`: `None` while incomplete, else its length and
/// what it says.
fn parse_head(bytes: &[u8]) -> Result<Option<(usize, Response)>, BenchError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let len = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(BenchError::new(format!("malformed response: {e}"))),
    };
    let status = parsed.code.unwrap_or_default();
    let mut content_length = None;
    let mut connection = None;
    for header in parsed.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| BenchError::new("malformed response: bad Content-Length"))?;
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("connection") {
            connection = Some(header.value.to_ascii_lowercase());
        }
    }
    let closes = match (parsed.version, connection.as_deref()) {
        (_, Some(b"close")) => true,
        (Some(0), Some(b"keep-alive")) => false,
        (Some(0), _) => true,
        _ => false,
    };
    // No Content-Length: only 204 and 304 are read as bodiless; anything else would need a read
    // to the end, which a keep-alive benchmark does not do.
    let content_length = match (content_length, status) {
        (Some(len), _) => len,
        (None, 204 | 304) => 0,
        (None, _) => {
            return Err(BenchError::new("malformed response: no Content-Length"));
        }
    };
    Ok(Some((
        len,
        Response {
            status,
            body_len: 0,
            content_length,
            closes,
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_parsed_once_complete() {
        let head = b"HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\n0123456789";
        assert_eq!(parse_head(head.get(..20).unwrap()).unwrap(), None);
        let (len, response) = parse_head(head).unwrap().unwrap();
        assert_eq!(len, head.len() - 10);
        assert_eq!((response.status, response.content_length), (206, 10));
        assert!(!response.closes);
    }

    #[test]
    fn connection_close_and_http_1_0_end_the_connection() {
        let close = b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n";
        assert!(parse_head(close).unwrap().unwrap().1.closes);
        let old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert!(parse_head(old).unwrap().unwrap().1.closes);
        let kept = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";
        assert!(!parse_head(kept).unwrap().unwrap().1.closes);
    }

    #[test]
    fn a_body_without_a_length_is_an_error() {
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
        let not_modified = b"HTTP/1.1 304 Not Modified\r\n\r\n";
        assert_eq!(
            parse_head(not_modified).unwrap().unwrap().1.content_length,
            0
        );
    }

    #[test]
    fn responses_are_read_back_to_back_on_one_connection() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let body = vec![7u8; 300_000];
                for _ in 0..2 {
                    tcp.readable().await.unwrap();
                    let mut buf = [0u8; 1024];
                    while tcp.try_read(&mut buf).is_ok() {}
                    let mut out = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    out.extend_from_slice(&body);
                    let mut sent = 0;
                    while sent < out.len() {
                        tcp.writable().await.unwrap();
                        if let Ok(n) = tcp.try_write(&out[sent..]) {
                            sent += n;
                        }
                    }
                }
            });
            let mut conn = HttpConn::connect(addr).await.unwrap();
            for _ in 0..2 {
                let response = conn
                    .exchange(b"GET / HTTP/1.1\r\n\r\n", false)
                    .await
                    .unwrap();
                assert_eq!((response.status, response.body_len), (206, 300_000));
            }
        });
    }
}
