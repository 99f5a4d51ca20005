//! The HTTP side of a live chat run (`vectors.md` §7.7): connecting from a client's IP, writing
//! a request head, and reading a response head and body.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// How long a connect, a write or a read may take on loopback.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest response head read.
const MAX_HEAD: usize = 16 * 1024;
/// The longest body read.
const MAX_BODY: usize = 1024 * 1024;
/// Headers a response head may have.
const MAX_HEADERS: usize = 32;

/// A TCP connection to `server` from `ip` (any port): the socket is bound before it connects,
/// so the server sees the client's own address.
pub fn connect_from(ip: IpAddr, server: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(
        Domain::for_address(server),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.bind(&SocketAddr::new(ip, 0).into())?;
    socket.connect_timeout(&server.into(), IO_TIMEOUT)?;
    let stream: TcpStream = socket.into();
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

/// A response head: the status and the headers, names in lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a response head; returns it and the bytes read past it.
pub fn read_head(stream: &mut TcpStream) -> io::Result<(Head, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buffer) {
            Ok(httparse::Status::Complete(len)) => {
                let head = Head {
                    status: response.code.unwrap_or_default(),
                    headers: response
                        .headers
                        .iter()
                        .map(|h| {
                            let value = String::from_utf8_lossy(h.value).into_owned();
                            (h.name.to_ascii_lowercase(), value)
                        })
                        .collect(),
                };
                return Ok((head, buffer.get(len..).unwrap_or_default().to_vec()));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
        if buffer.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "response head too long",
            ));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before a response head",
            ));
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Reads the body after `head`: `Content-Length` bytes, or everything until the end of stream.
pub fn read_body(stream: &mut TcpStream, head: &Head, mut read: Vec<u8>) -> io::Result<String> {
    match head.header("content-length") {
        Some(len) => {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))?;
            if len > MAX_BODY {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "body too long"));
            }
            let have = read.len().min(len);
            read.resize(len, 0);
            stream.read_exact(read.get_mut(have..).unwrap_or_default())?;
        }
        None => {
            stream.take(MAX_BODY as u64).read_to_end(&mut read)?;
        }
    }
    String::from_utf8(read).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A plain request (no upgrade) from `127.0.0.1` on a connection of its own: status and body.
pub fn request(server: SocketAddr, method: &str, path: &str) -> io::Result<(u16, String)> {
    let mut stream = connect_from(IpAddr::from([127, 0, 0, 1]), server)?;
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    let (head, rest) = read_head(&mut stream)?;
    let body = read_body(&mut stream, &head, rest)?;
    Ok((head.status, body))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn a_response_is_read_by_its_content_length() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let (mut conn, peer) = listener.accept().unwrap();
            let mut request = [0; 1024];
            let n = conn.read(&mut request).unwrap();
            assert!(request[..n].starts_with(b"GET /health HTTP/1.1\r\n"));
            conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 21\r\n\r\n{\"error\":\"not found\"}",
            )
            .unwrap();
            peer
        });
        let (status, body) = request(server, "GET", "/health").unwrap();
        assert_eq!((status, body.as_str()), (404, r#"{"error":"not found"}"#));
        assert_eq!(thread.join().unwrap().ip(), IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn a_connection_comes_from_the_chosen_loopback_ip() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ip = IpAddr::from([127, 0, 0, 7]);
        let _stream = connect_from(ip, listener.local_addr().unwrap()).unwrap();
        let (_, peer) = listener.accept().unwrap();
        assert_eq!(peer.ip(), ip);
    }
}
