//! `SFU_WS_HOST` (signal.md §8.1): `ws://host[:port][/path[?query]]`, default port 80, default
//! path `/`. hark links no TLS stack, so `wss://` is refused at start-up rather than failing at
//! every dial.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// Where the SFU link dials, parsed once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfuUrl {
    /// A DNS name, an IPv4 literal, or an IPv6 literal without its brackets.
    host: String,
    port: u16,
    /// The request target: path and query, starting with `/`.
    target: String,
}

/// Why `SFU_WS_HOST` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SfuUrlError {
    #[error(
        "wss:// is not supported: hark links no TLS; reach the SFU over a private network or a local TLS tunnel and give its ws:// address"
    )]
    Tls,
    #[error("the SFU address must start with ws://")]
    Scheme,
    #[error("the SFU address has no host")]
    NoHost,
    #[error("the SFU address's host {0:?} is not a name or an IP address")]
    Host(String),
    #[error("the SFU address's port {0:?} is not a number from 1 to 65535")]
    Port(String),
    #[error("the SFU address may not carry user credentials")]
    Credentials,
    #[error("the SFU address may not carry a fragment")]
    Fragment,
    #[error("the SFU address's path may hold only visible ASCII characters")]
    Path,
}

const SCHEME: &str = "ws://";
const DEFAULT_PORT: u16 = 80;

impl SfuUrl {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target: path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The `Host` header's value: the host (bracketed if IPv6) and the port unless it is 80.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == DEFAULT_PORT {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl fmt::Display for SfuUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}{}", self.authority(), self.target)
    }
}

impl FromStr for SfuUrl {
    type Err = SfuUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some(rest) = strip_prefix_ignore_case(text, SCHEME) else {
            return Err(if strip_prefix_ignore_case(text, "wss://").is_some() {
                SfuUrlError::Tls
            } else {
                SfuUrlError::Scheme
            });
        };
        if rest.contains('#') {
            return Err(SfuUrlError::Fragment);
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        if authority.contains('@') {
            return Err(SfuUrlError::Credentials);
        }
        if !target.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SfuUrlError::Path);
        }
        let target = match target.strip_prefix('?') {
            Some(query) => format!("/?{query}"),
            None if target.is_empty() => "/".to_owned(),
            None => target.to_owned(),
        };
        let (host, port) = split_host_port(authority)?;
        Ok(Self { host, port, target })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(String, u16), SfuUrlError> {
    if authority.is_empty() {
        return Err(SfuUrlError::NoHost);
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (literal, after) = bracketed
            .split_once(']')
            .ok_or_else(|| SfuUrlError::Host(authority.to_owned()))?;
        if literal.parse::<Ipv6Addr>().is_err() {
            return Err(SfuUrlError::Host(literal.to_owned()));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| SfuUrlError::Host(authority.to_owned()))?,
            ),
        };
        (literal, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(SfuUrlError::NoHost);
    }
    if !authority.starts_with('[') && !is_name(host) {
        return Err(SfuUrlError::Host(host.to_owned()));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Err(SfuUrlError::Port(text.to_owned())),
        },
    };
    Ok((host.to_owned(), port))
}

/// A DNS name or an IPv4 literal: letters, digits, `-`, `.` and `_` (docker service names).
fn is_name(host: &str) -> bool {
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SfuUrl, SfuUrlError> {
        text.parse()
    }

    #[test]
    fn a_bare_host_gets_port_80_and_path_slash() {
        let url = parse("ws://sfu").unwrap();
        assert_eq!((url.host(), url.port(), url.target()), ("sfu", 80, "/"));
    }

    #[test]
    fn port_path_and_query_are_kept() {
        let url = parse("ws://localhost:5005/link?x=1").unwrap();
        assert_eq!(
            (url.host(), url.port(), url.target()),
            ("localhost", 5005, "/link?x=1")
        );
    }

    #[test]
    fn a_query_without_a_path_gets_path_slash() {
        assert_eq!(parse("ws://sfu?x=1").unwrap().target(), "/?x=1");
    }

    #[test]
    fn an_ipv6_literal_is_read_inside_brackets() {
        let url = parse("ws://[::1]:9000/").unwrap();
        assert_eq!((url.host(), url.port()), ("::1", 9000));
        assert_eq!(url.authority(), "[::1]:9000");
    }

    #[test]
    fn the_authority_leaves_out_port_80() {
        assert_eq!(parse("ws://10.0.0.2:80").unwrap().authority(), "10.0.0.2");
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        assert_eq!(parse("WS://sfu").unwrap().host(), "sfu");
    }

    #[test]
    fn wss_is_refused_with_the_tls_advice() {
        let error = parse("wss://sfu.example.com").unwrap_err();
        assert_eq!(error, SfuUrlError::Tls);
        assert!(error.to_string().contains("TLS tunnel"));
    }

    #[test]
    fn another_scheme_is_refused() {
        assert_eq!(parse("http://sfu").unwrap_err(), SfuUrlError::Scheme);
        assert_eq!(parse("sfu:5005").unwrap_err(), SfuUrlError::Scheme);
    }

    #[test]
    fn an_empty_host_is_refused() {
        assert_eq!(parse("ws://").unwrap_err(), SfuUrlError::NoHost);
        assert_eq!(parse("ws://:80/").unwrap_err(), SfuUrlError::NoHost);
    }

    #[test]
    fn a_bad_port_is_refused() {
        for port in ["0", "65536", "x", ""] {
            let text = format!("ws://sfu:{port}/");
            assert_eq!(
                parse(&text).unwrap_err(),
                SfuUrlError::Port(port.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_bad_host_is_refused() {
        assert!(matches!(parse("ws://s fu/"), Err(SfuUrlError::Host(_))));
        assert!(matches!(parse("ws://[nope]/"), Err(SfuUrlError::Host(_))));
    }

    #[test]
    fn credentials_and_fragments_are_refused() {
        assert_eq!(
            parse("ws://u:p@sfu/").unwrap_err(),
            SfuUrlError::Credentials
        );
        assert_eq!(parse("ws://sfu/#x").unwrap_err(), SfuUrlError::Fragment);
    }

    #[test]
    fn a_path_with_a_space_is_refused() {
        assert_eq!(parse("ws://sfu/a b").unwrap_err(), SfuUrlError::Path);
    }

    #[test]
    fn display_gives_the_normalised_address() {
        assert_eq!(
            parse("ws://sfu:5005").unwrap().to_string(),
            "ws://sfu:5005/"
        );
    }
}
