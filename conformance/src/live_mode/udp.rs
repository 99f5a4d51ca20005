//! The clients' UDP sockets in a live run: one each on `127.0.0.1:0`, fresh for every scenario,
//! and a receiving thread per socket that posts what arrives to the run's [`Inbox`].

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use super::inbox::{Arrival, Inbox, POLL};

/// Larger than any UDP payload, so nothing a server sends is cut.
const RECV_BUFFER: usize = 65_536;

/// The fixture's clients as bound sockets.
#[derive(Debug)]
pub struct ClientSockets {
    sockets: Vec<Arc<UdpSocket>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl ClientSockets {
    /// Binds `count` sockets on loopback and starts receiving on each into `inbox`.
    pub fn bind(count: usize, inbox: &Inbox) -> io::Result<Self> {
        let mut clients = Self {
            sockets: Vec::with_capacity(count),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::with_capacity(count),
        };
        for client in 0..count {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
            socket.set_read_timeout(Some(POLL))?;
            let thread = std::thread::Builder::new()
                .name(format!("live-udp-{client}"))
                .spawn({
                    let socket = Arc::clone(&socket);
                    let stop = Arc::clone(&clients.stop);
                    let tx = inbox.sender();
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
}

impl Drop for ClientSockets {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn receive(client: usize, socket: &UdpSocket, stop: &AtomicBool, tx: &Sender<Arrival>) {
    let mut buffer = vec![0; RECV_BUFFER];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buffer) {
            Ok((len, from)) => {
                let bytes = buffer.get(..len).unwrap_or_default().to_vec();
                if tx
                    .send(Arrival::Datagram {
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
    use std::time::Instant;

    use super::*;

    #[test]
    fn each_client_has_its_own_address_and_receives_what_is_sent_to_it() {
        let inbox = Inbox::default();
        let clients = ClientSockets::bind(2, &inbox).unwrap();
        let a = clients.sockets[0].local_addr().unwrap();
        let b = clients.sockets[1].local_addr().unwrap();
        assert_ne!(a, b);
        clients.send(0, b, b"hello").unwrap();
        let got = inbox
            .next_until(Instant::now() + Duration::from_secs(2))
            .unwrap();
        assert_eq!(
            got,
            Arrival::Datagram {
                client: 1,
                from: a,
                bytes: b"hello".to_vec()
            }
        );
        assert!(inbox.next_until(Instant::now()).is_none());
    }
}
