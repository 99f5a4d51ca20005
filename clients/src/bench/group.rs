//! A group of clients served by one task. A few tasks polling many sockets each cost less than one
//! task per socket: one receive buffer (2 MiB with quinn-udp's batch) is shared by the group, and
//! a wake-up that finds several sockets ready drains them all.

use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use hark_driver::udp::RecvBatch;

use super::client::BenchClient;

/// `recvmmsg` calls on one socket per poll before moving on, so one busy socket cannot starve the
/// others in its group.
const MAX_BATCHES_PER_SOCKET: usize = 4;

/// Clients that share a task.
#[derive(Debug)]
pub struct Group {
    pub clients: Vec<BenchClient>,
    recv: RecvBatch,
}

impl Group {
    pub fn new(clients: Vec<BenchClient>) -> Self {
        Self {
            clients,
            recv: RecvBatch::default(),
        }
    }

    /// Splits `clients` round-robin into at most `groups` non-empty groups.
    pub fn split(clients: Vec<BenchClient>, groups: usize) -> Vec<Self> {
        let groups = groups.clamp(1, clients.len().max(1));
        let mut split: Vec<Vec<BenchClient>> = (0..groups).map(|_| Vec::new()).collect();
        for (index, client) in clients.into_iter().enumerate() {
            if let Some(group) = split.get_mut(index % groups) {
                group.push(client);
            }
        }
        split
            .into_iter()
            .filter(|g| !g.is_empty())
            .map(Self::new)
            .collect()
    }

    /// Receives what is waiting on every socket of the group and calls `each(client, received_at,
    /// datagram)` for each datagram, `client` being the position in [`Group::clients`]. Leaves a
    /// waker registered with every socket it drained; returns the number of receive errors.
    pub fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
        mut each: impl FnMut(usize, Instant, &Bytes),
    ) -> u64 {
        let mut errors = 0;
        for (position, client) in self.clients.iter().enumerate() {
            let mut drained = false;
            for _ in 0..MAX_BATCHES_PER_SOCKET {
                match self.recv.poll_recv(cx, &*client.socket) {
                    Poll::Ready(Ok(filled)) => {
                        let now = Instant::now();
                        self.recv
                            .for_each(filled, |_, datagram| each(position, now, &datagram));
                    }
                    // An unconnected UDP socket's errors (an ICMP report) concern one datagram.
                    Poll::Ready(Err(_)) => errors += 1,
                    Poll::Pending => {
                        drained = true;
                        break;
                    }
                }
            }
            if !drained {
                // No waker is registered for this socket: come back soon.
                cx.waker().wake_by_ref();
            }
        }
        errors
    }
}
