//! Opening the SFU link (signal.md §8.1): resolve `SFU_WS_HOST`, connect over TCP, and run
//! tungstenite's client handshake over a [`Pipe`], moving its bytes with the runtime's socket as
//! the server side does for accepted connections.

use std::future::poll_fn;
use std::io;

use bytes::{Buf, BytesMut};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::handshake::client::ClientHandshake;
use tungstenite::protocol::{WebSocket, WebSocketConfig};

use super::url::SfuUrl;
use crate::runtime::{AsyncTcpStream, Runtime};
use crate::tcp;
use crate::ws::Pipe;

/// Bytes read from the socket at once during the handshake.
const HANDSHAKE_READ: usize = 4 * 1024;

/// Why a dial did not give an open link.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DialError {
    #[error("cannot resolve the SFU's host: {0}")]
    Resolve(io::Error),
    #[error("the SFU's host resolved to no address")]
    NoAddress,
    #[error("cannot connect to the SFU: {0}")]
    Connect(io::Error),
    #[error("the SFU connection failed during the upgrade: {0}")]
    Io(#[from] io::Error),
    #[error("the SFU closed the connection during the upgrade")]
    Eof,
    #[error("the SFU refused the upgrade: {0}")]
    Upgrade(#[from] tungstenite::Error),
}

/// A TCP connection to the SFU, upgraded to WebSocket.
pub(crate) struct Opened {
    pub stream: Box<dyn AsyncTcpStream>,
    pub ws: WebSocket<Pipe>,
}

/// Resolves, connects (trying each address in the resolver's order) and upgrades.
pub(crate) async fn open(
    runtime: &dyn Runtime,
    url: &SfuUrl,
    config: WebSocketConfig,
) -> Result<Opened, DialError> {
    let addrs = runtime
        .resolve(url.host().to_owned(), url.port())
        .await
        .map_err(DialError::Resolve)?;
    let mut last_error = None;
    let mut connected = None;
    for addr in addrs {
        match runtime.connect_tcp(addr).await {
            Ok(stream) => {
                connected = Some(stream);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let stream = match (connected, last_error) {
        (Some(stream), _) => stream,
        (None, Some(e)) => return Err(DialError::Connect(e)),
        (None, None) => return Err(DialError::NoAddress),
    };
    tcp::accepted(&*stream)?;
    let ws = upgrade(&*stream, url, config).await?;
    Ok(Opened { stream, ws })
}

/// tungstenite's client handshake, its bytes carried by the runtime's socket.
async fn upgrade(
    stream: &dyn AsyncTcpStream,
    url: &SfuUrl,
    config: WebSocketConfig,
) -> Result<WebSocket<Pipe>, DialError> {
    let request = format!("ws://{}{}", url.authority(), url.target()).into_client_request()?;
    let mut result = ClientHandshake::start(Pipe::default(), request, Some(config))?.handshake();
    loop {
        match result {
            Ok((ws, _response)) => return Ok(ws),
            Err(HandshakeError::Failure(e)) => return Err(e.into()),
            Err(HandshakeError::Interrupted(mut mid)) => {
                let pipe = mid.get_mut().get_mut();
                write_all(stream, &mut pipe.outbound).await?;
                read_some(stream, &mut pipe.inbound).await?;
                result = mid.handshake();
            }
        }
    }
}

async fn write_all(stream: &dyn AsyncTcpStream, buf: &mut BytesMut) -> Result<(), DialError> {
    while !buf.is_empty() {
        let written = poll_fn(|cx| stream.poll_write(cx, buf)).await?;
        if written == 0 {
            return Err(DialError::Eof);
        }
        buf.advance(written);
    }
    Ok(())
}

async fn read_some(stream: &dyn AsyncTcpStream, buf: &mut BytesMut) -> Result<(), DialError> {
    let mut chunk = [0u8; HANDSHAKE_READ];
    let n = poll_fn(|cx| stream.poll_read(cx, &mut chunk)).await?;
    if n == 0 {
        return Err(DialError::Eof);
    }
    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    Ok(())
}
