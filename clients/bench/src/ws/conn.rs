//! One WebSocket connection of the generator (and of the null chat server): a tokio `TcpStream`
//! and tungstenite's protocol state over a [`Pipe`]. tungstenite does the framing, masking,
//! handshake and ping answers; this module only moves bytes between the pipe and the socket, on
//! readiness, so no task ever blocks the one-thread runtime.

use std::io;
use std::net::SocketAddr;
use std::str::FromStr;

use tokio::net::TcpStream;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, Utf8Bytes, WebSocket};

use super::pipe::Pipe;
use crate::BenchError;

/// Bytes asked of the socket per read: a burst of fan-out frames is read in a few calls.
const READ_CHUNK: usize = 4096;
/// tungstenite's own read buffer (its default, 128 KiB, would be 1.3 GB at 10 000 connections).
const READ_BUFFER: usize = 4096;

/// A chat endpoint, `ws://IP:PORT/PATH`. Only literal addresses: the benchmark runs on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsTarget {
    pub addr: SocketAddr,
    pub path: String,
}

impl WsTarget {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            path: "/ws".into(),
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}{}", self.addr, self.path)
    }
}

impl FromStr for WsTarget {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("ws://")
            .ok_or_else(|| format!("{url:?}: expected ws://IP:PORT/PATH"))?;
        let (authority, path) = match rest.find('/') {
            Some(at) => rest.split_at(at),
            None => (rest, "/"),
        };
        let addr = authority
            .parse()
            .map_err(|_| format!("{url:?}: {authority:?} is not IP:PORT"))?;
        Ok(Self {
            addr,
            path: path.to_owned(),
        })
    }
}

/// The configuration both ends of the benchmark give tungstenite: a small read buffer, the rest
/// tungstenite's defaults.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER)
}

/// An open WebSocket.
#[derive(Debug)]
pub struct WsConn {
    tcp: TcpStream,
    ws: WebSocket<Pipe>,
}

impl WsConn {
    /// Connects to `target` and completes the upgrade with tungstenite's client handshake. A
    /// refusal (`403`, `429`, `503`…) is an error naming the status and the body.
    pub async fn connect(target: &WsTarget) -> Result<Self, BenchError> {
        let tcp = TcpStream::connect(target.addr)
            .await
            .map_err(|e| BenchError::new(format!("connect: {e}")))?;
        tcp.set_nodelay(true)?;
        let request = target
            .url()
            .into_client_request()
            .map_err(|e| BenchError::new(format!("request: {e}")))?;
        let mut attempt =
            tungstenite::client::client_with_config(request, Pipe::default(), Some(ws_config()));
        loop {
            match attempt {
                Ok((ws, _response)) => return Ok(Self { tcp, ws }),
                Err(HandshakeError::Interrupted(mut mid)) => {
                    let pipe = mid.get_mut().get_mut();
                    flush(&tcp, pipe).await?;
                    if fill(&tcp, pipe).await? == 0 {
                        return Err(BenchError::new("upgrade: connection closed"));
                    }
                    attempt = mid.handshake();
                }
                Err(HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                    let body = response
                        .body()
                        .as_deref()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    return Err(BenchError::new(format!(
                        "upgrade refused: HTTP {} {}",
                        response.status().as_u16(),
                        body.trim()
                    )));
                }
                Err(HandshakeError::Failure(e)) => {
                    return Err(BenchError::new(format!("upgrade: {e}")));
                }
            }
        }
    }

    /// Takes over the server side of an accepted stream once tungstenite's server handshake is
    /// done (the null chat server).
    pub fn from_parts(tcp: TcpStream, ws: WebSocket<Pipe>) -> Self {
        Self { tcp, ws }
    }

    /// Sends one text frame.
    pub async fn send_text(&mut self, text: impl Into<Utf8Bytes>) -> Result<(), BenchError> {
        self.queue_text(text)?;
        self.flush().await
    }

    /// Queues one text frame; [`WsConn::flush`] sends what is queued.
    pub fn queue_text(&mut self, text: impl Into<Utf8Bytes>) -> Result<(), BenchError> {
        self.ws
            .write(Message::Text(text.into()))
            .map_err(|e| BenchError::new(format!("send: {e}")))
    }

    /// Writes out whatever tungstenite has queued (frames, pong answers, a close reply).
    pub async fn flush(&mut self) -> Result<(), BenchError> {
        let _ = self.ws.flush();
        flush(&self.tcp, self.ws.get_mut()).await?;
        Ok(())
    }

    /// The next text message; `None` once the connection is closed (a close frame, the end of
    /// the stream). Pings are answered on the way. Cancel-safe: a message is only taken from
    /// tungstenite when it is returned, and every unsent byte stays in the pipe.
    pub async fn recv(&mut self) -> Result<Option<Utf8Bytes>, BenchError> {
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) => return Ok(Some(text)),
                Ok(Message::Close(_)) => {
                    let _ = self.flush().await;
                    return Ok(None);
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    flush(&self.tcp, self.ws.get_mut()).await?;
                    if fill(&self.tcp, self.ws.get_mut()).await? == 0 {
                        return Ok(None);
                    }
                }
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Ok(None);
                }
                Err(e) => return Err(BenchError::new(format!("receive: {e}"))),
            }
        }
    }

    /// Releases buffer memory a burst left behind.
    pub fn shrink(&mut self) {
        self.ws.get_mut().shrink();
    }

    /// Sends a close frame (1000) and ends the connection without waiting for the answer.
    pub async fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.flush().await;
    }
}

/// Writes the pipe's output to the socket, waiting for room as needed.
async fn flush(tcp: &TcpStream, pipe: &mut Pipe) -> io::Result<()> {
    while !pipe.output().is_empty() {
        match tcp.try_write(pipe.output()) {
            Ok(n) => pipe.consume_output(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => tcp.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads what the socket has into the pipe, waiting until it has something; 0 at the end of the
/// stream.
async fn fill(tcp: &TcpStream, pipe: &mut Pipe) -> io::Result<usize> {
    loop {
        match pipe.fill(READ_CHUNK, |buf| tcp.try_read(buf)) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => tcp.readable().await?,
            Err(e) => return Err(e),
        }
    }
}

/// Completes tungstenite's server handshake on an accepted stream.
pub async fn accept(tcp: TcpStream) -> Result<WsConn, BenchError> {
    tcp.set_nodelay(true)?;
    let mut attempt = tungstenite::accept_with_config(Pipe::default(), Some(ws_config()));
    loop {
        match attempt {
            Ok(ws) => {
                let mut conn = WsConn::from_parts(tcp, ws);
                conn.flush().await?;
                return Ok(conn);
            }
            Err(HandshakeError::Interrupted(mut mid)) => {
                let pipe = mid.get_mut().get_mut();
                flush(&tcp, pipe).await?;
                if fill(&tcp, pipe).await? == 0 {
                    return Err(BenchError::new("closed during the upgrade"));
                }
                attempt = mid.handshake();
            }
            Err(HandshakeError::Failure(e)) => {
                return Err(BenchError::new(format!("upgrade: {e}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_a_ws_url_with_a_literal_address() {
        let target: WsTarget = "ws://127.0.0.1:8080/ws".parse().unwrap();
        assert_eq!(target.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(target.path, "/ws");
        assert_eq!(target.url(), "ws://127.0.0.1:8080/ws");
        let root: WsTarget = "ws://[::1]:9".parse().unwrap();
        assert_eq!(root.path, "/");
        assert!("http://127.0.0.1:1/ws".parse::<WsTarget>().is_err());
        assert!("ws://localhost:1/ws".parse::<WsTarget>().is_err());
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_client_and_a_server_exchange_text_frames_and_a_close() {
        runtime().block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let target = WsTarget::new(listener.local_addr().unwrap());
            let server = tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let mut conn = accept(tcp).await.unwrap();
                let text = conn.recv().await.unwrap().unwrap();
                conn.send_text(format!("echo {text}")).await.unwrap();
                conn.recv().await.unwrap()
            });
            let mut client = WsConn::connect(&target).await.unwrap();
            client.send_text("hello").await.unwrap();
            assert_eq!(client.recv().await.unwrap().unwrap().as_str(), "echo hello");
            client.close().await;
            assert_eq!(server.await.unwrap(), None);
        });
    }

    #[test]
    fn a_refused_upgrade_names_the_status() {
        runtime().block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let target = WsTarget::new(listener.local_addr().unwrap());
            tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                tcp.readable().await.unwrap();
                let body = r#"{"error":"TOO_MANY_CONNECTIONS"}"#;
                let response = format!(
                    "HTTP/1.1 429 Too Many Requests\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                tcp.try_write(response.as_bytes()).unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            });
            let err = WsConn::connect(&target).await.unwrap_err();
            assert!(err.0.contains("HTTP 429"), "{err}");
            assert!(err.0.contains("TOO_MANY_CONNECTIONS"), "{err}");
        });
    }
}
