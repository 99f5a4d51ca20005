//! One `GET /health` (chat.md §8), to read the server's own count of open connections at the end
//! of an idle run: a second opinion next to the pongs the generator counted.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// How long the request may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `stats.active_connections` of the server at `addr`, or `None` if it does not answer with one
/// (the null chat server has no health page).
pub async fn active_connections(addr: SocketAddr) -> Option<u64> {
    let response = tokio::time::timeout(TIMEOUT, get(addr, "/health"))
        .await
        .ok()?
        .ok()?;
    number_member(&response, "active_connections")
}

/// The whole response to `GET path` with `Connection: close`.
async fn get(addr: SocketAddr, path: &str) -> io::Result<String> {
    let tcp = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut sent = 0;
    while let Some(rest) = request.as_bytes().get(sent..).filter(|r| !r.is_empty()) {
        tcp.writable().await?;
        match tcp.try_write(rest) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        tcp.readable().await?;
        match tcp.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        // Enough for the health body; a server that keeps the connection open is not waited for.
        if response.len() > 64 * 1024 || complete(&response) {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&response).into_owned())
}

/// The head and a body of the announced length have arrived.
fn complete(response: &[u8]) -> bool {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .is_some_and(|len| body.len() >= len)
}

/// The unsigned number after `"name":` in a JSON text.
fn number_member(text: &str, name: &str) -> Option<u64> {
    let key = format!("\"{name}\":");
    let start = text.find(&key)? + key.len();
    let digits: String = text
        .get(start..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_connections_is_read_from_the_health_body() {
        let body = r#"{"status":"healthy","timestamp":"2025-01-06T12:00:00.000Z","stats":{"uptime_seconds":3,"active_connections":10000,"active_rooms":100}}"#;
        assert_eq!(number_member(body, "active_connections"), Some(10000));
        assert_eq!(number_member(body, "missing"), None);
    }

    #[test]
    fn a_response_is_complete_once_its_body_is_in() {
        assert!(!complete(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab"));
        assert!(complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"
        ));
        assert!(!complete(b"HTTP/1.1 200 OK\r\n"));
    }
}
