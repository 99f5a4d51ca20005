//! The symbolic clients of a live run: one UDP socket each on `127.0.0.1:0`, fresh for every
//! scenario, and a receiving thread per socket that stamps what arrives and hands it over.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a receiving thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(20);
/// Larger than any UDP payload, so nothing a server sends is cut.
const RECV_BUFFER: usize = 65_536;

/// One datagram a client socket received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Index of the client in the fixture's list.
    pub client: usize,
    pub from: SocketAddr,
    pub bytes: Vec<u8>,
}

/// The fixture's clients as bound sockets.
#[derive(Debug)]
pub struct ClientSockets {
    sockets: Vec<Arc<UdpSocket>>,
    received: Receiver<Received>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl ClientSockets {
    /// Binds `count` sockets on loopback and starts receiving on each.
    pub fn bind(count: usize) -> io::Result<Self> {
        let (tx, received) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Self {
            sockets: Vec::with_capacity(count),
            received,
            stop,
            threads: Vec::with_capacity(count),
        };
        for client in 0..count {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
            socket.set_read_timeout(Some(POLL))?;
            let thread = std::thread::Builder::new()
                .name(format!("live-client-{client}"))
                .spawn({
                    let socket = Arc::clone(&socket);
                    let stop = Arc::clone(&clients.stop);
                    let tx = tx.clone();
                    move || receive(client, &socket, &stop, &tx)
                })?;
            clients.sockets.push(socket);
            clients.threads.push(thread);
        }
        Ok(clients)
    }

    /// Sends `datagram` from client `client` to `server`.
    pub fn send(&self, client: usize, server: SocketAddr, datagram: &[u8]) -> io::Result<()> {
        let socket = self
            .sockets
            .get(client)
            .ok_or_else(|| io::Error::other(format!("no client socket {client}")))?;
        let sent = socket.send_to(datagram, server)?;
        if sent == datagram.len() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "sent {sent} of {} bytes",
                datagram.len()
            )))
        }
    }

    /// The next datagram received, waiting until `deadline` at most.
    pub fn next_until(&self, deadline: Instant) -> Option<Received> {
        let wait = deadline.saturating_duration_since(Instant::now());
        // Timed out, or every receiving thread is gone: nothing more.
        self.received.recv_timeout(wait).ok()
    }

    /// Everything received until `deadline` (at least what has already arrived).
    pub fn collect_until(&self, deadline: Instant, into: &mut Vec<Received>) {
        while let Some(received) = self.next_until(deadline) {
            into.push(received);
        }
    }
}

impl Drop for ClientSockets {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn receive(client: usize, socket: &UdpSocket, stop: &AtomicBool, tx: &Sender<Received>) {
    let mut buffer = vec![0; RECV_BUFFER];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buffer) {
            Ok((len, from)) => {
                let bytes = buffer.get(..len).unwrap_or_default().to_vec();
                if tx
                    .send(Received {
                        client,
                        from,
                        bytes,
                    })
                    .is_err()
                {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            // An ICMP error reported on the socket, or the like: nothing was received.
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_address_and_receives_what_is_sent_to_it() {
        let clients = ClientSockets::bind(2).unwrap();
        let a = clients.sockets[0].local_addr().unwrap();
        let b = clients.sockets[1].local_addr().unwrap();
        assert_ne!(a, b);
        clients.send(0, b, b"hello").unwrap();
        let got = clients
            .next_until(Instant::now() + Duration::from_secs(2))
            .unwrap();
        assert_eq!(
            (got.client, got.from, got.bytes.as_slice()),
            (1, a, &b"hello"[..])
        );
        assert!(clients.next_until(Instant::now()).is_none());
    }
}
