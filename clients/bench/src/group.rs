//! A group of clients served by one task: one set of receive buffers, one pass over every socket
//! per wake-up. A *probe* group's sockets are readiness-driven (a datagram wakes the task at
//! once, so its receive time is its arrival time); a *polled* group's sockets are not registered
//! with the reactor and are drained on a timer (see `polled`).

use std::task::{Context, Poll};
use std::time::Instant;

use super::client::BenchClient;
use super::recv::RecvBuffers;

/// Receive calls on one socket per pass, so one busy socket cannot starve the others.
const MAX_BATCHES_PER_SOCKET: usize = 8;

/// Clients that share a task.
#[derive(Debug)]
pub struct Group {
    pub clients: Vec<BenchClient>,
    /// Readiness-driven sockets whose receive times are arrival times.
    pub probes: bool,
    recv: RecvBuffers,
}

impl Group {
    pub fn new(clients: Vec<BenchClient>, probes: bool) -> Self {
        Self {
            clients,
            probes,
            recv: RecvBuffers::default(),
        }
    }

    /// The probes in one group, and the other clients round-robin in at most `groups` groups.
    pub fn split(clients: Vec<BenchClient>, groups: usize) -> Vec<Self> {
        let (probes, polled): (Vec<_>, Vec<_>) = clients.into_iter().partition(|c| c.probe);
        let groups = groups.clamp(1, polled.len().max(1));
        let mut split: Vec<Vec<BenchClient>> = (0..groups).map(|_| Vec::new()).collect();
        for (index, client) in polled.into_iter().enumerate() {
            if let Some(group) = split.get_mut(index % groups) {
                group.push(client);
            }
        }
        let mut all: Vec<Self> = split
            .into_iter()
            .filter(|g| !g.is_empty())
            .map(|g| Self::new(g, false))
            .collect();
        if !probes.is_empty() {
            all.push(Self::new(probes, true));
        }
        all
    }

    /// Receives what is waiting on every socket of the group and calls `each(client, received_at,
    /// datagram)` for each datagram, `client` being the position in [`Group::clients`]. Probe
    /// sockets it drained keep a waker registered; returns the number of receive errors.
    pub fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
        mut each: impl FnMut(usize, Instant, &[u8]),
    ) -> u64 {
        let mut errors = 0;
        let mut again = false;
        for (position, client) in self.clients.iter().enumerate() {
            let mut drained = false;
            for _ in 0..MAX_BATCHES_PER_SOCKET {
                let mut now = None;
                let polled = self.recv.poll_recv(cx, &*client.socket, |datagram| {
                    let at = *now.get_or_insert_with(Instant::now);
                    each(position, at, datagram);
                });
                match polled {
                    Poll::Ready(Ok(_)) => {}
                    // An unconnected UDP socket's errors (an ICMP report) concern one datagram.
                    Poll::Ready(Err(_)) => errors += 1,
                    Poll::Pending => {
                        drained = true;
                        break;
                    }
                }
            }
            again |= !drained;
        }
        if again {
            // A socket still has data and no waker: come back at once rather than at the tick.
            cx.waker().wake_by_ref();
        }
        errors
    }
}
