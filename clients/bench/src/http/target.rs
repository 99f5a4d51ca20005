//! Where the load goes: `http://IP:PORT`, and the signed path of the file (stream.md §4).

use std::net::SocketAddr;
use std::str::FromStr;

/// A stream server's address. Only literal addresses: the benchmark runs on loopback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTarget {
    pub addr: SocketAddr,
}

impl HttpTarget {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl FromStr for HttpTarget {
    type Err = String;

    /// `http://IP:PORT`, with an optional `/` after it.
    fn from_str(url: &str) -> Result<Self, String> {
        let authority = url
            .strip_prefix("http://")
            .map(|rest| rest.strip_suffix('/').unwrap_or(rest))
            .ok_or_else(|| format!("{url:?}: expected http://IP:PORT"))?;
        let addr = authority
            .parse()
            .map_err(|_| format!("{url:?}: {authority:?} is not IP:PORT"))?;
        Ok(Self { addr })
    }
}

/// The request head of a `GET` of bytes `first..=last` of `path`.
pub fn range_request(path: &str, host: SocketAddr, first: u64, last: u64) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nRange: bytes={first}-{last}\r\n\r\n")
        .into_bytes()
}

/// The request head of a `HEAD` of `path`: how the generator learns the file's length.
pub fn head_request(path: &str, host: SocketAddr) -> Vec<u8> {
    format!("HEAD {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_an_http_url_with_a_literal_address() {
        let target: HttpTarget = "http://127.0.0.1:8082".parse().unwrap();
        assert_eq!(target.addr, SocketAddr::from(([127, 0, 0, 1], 8082)));
        assert_eq!(target.url(), "http://127.0.0.1:8082");
        assert!("http://127.0.0.1:8082/".parse::<HttpTarget>().is_ok());
        assert!("http://localhost:8082".parse::<HttpTarget>().is_err());
        assert!("ws://127.0.0.1:8082".parse::<HttpTarget>().is_err());
    }

    #[test]
    fn a_range_request_names_the_inclusive_byte_positions() {
        let host = SocketAddr::from(([127, 0, 0, 1], 9));
        let head = range_request("/stream/a?expires=1&sig=00", host, 10, 65545);
        assert_eq!(
            head,
            b"GET /stream/a?expires=1&sig=00 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\
              Range: bytes=10-65545\r\n\r\n"
        );
    }
}
