use std::net::SocketAddr;

use bytes::Bytes;

/// A datagram the driver must send. Fan-out produces one `Transmit` per destination sharing one
/// `payload` buffer (cloning `Bytes` bumps a reference count; it never copies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub dst: SocketAddr,
    pub payload: Bytes,
}
