//! Everything the clients of a live run receive, in arrival order: datagrams on their UDP sockets,
//! bytes and ends of stream on their management connections. Receiving threads stamp what
//! arrives with the client's index and post it here.

use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// How often a receiving thread looks at its stop flag.
pub const POLL: Duration = Duration::from_millis(20);

/// One thing a client received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// A datagram on the client's UDP socket.
    Datagram {
        client: usize,
        from: SocketAddr,
        bytes: Vec<u8>,
    },
    /// Bytes read from the client's management connection.
    Stream { client: usize, bytes: Vec<u8> },
    /// The server closed the client's management connection: end of stream (`error` is `None`)
    /// or a read error such as a reset.
    Closed {
        client: usize,
        error: Option<String>,
    },
}

/// The receiving end, and a sender to hand to each receiving thread.
#[derive(Debug)]
pub struct Inbox {
    sender: Sender<Arrival>,
    receiver: Receiver<Arrival>,
}

impl Default for Inbox {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel();
        Self { sender, receiver }
    }
}

impl Inbox {
    /// Where a receiving thread posts what arrives.
    pub fn sender(&self) -> Sender<Arrival> {
        self.sender.clone()
    }

    /// The next arrival, waiting until `deadline` at most.
    pub fn next_until(&self, deadline: Instant) -> Option<Arrival> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.receiver.recv_timeout(wait).ok()
    }

    /// Everything that arrives until `deadline` (at least what has already arrived).
    pub fn collect_until(&self, deadline: Instant, into: &mut Vec<Arrival>) {
        while let Some(arrival) = self.next_until(deadline) {
            into.push(arrival);
        }
    }
}
