//! The clients' management connections in a live run (`vectors.md` §6.5): a real TCP connection
//! per `connect`, with `TCP_NODELAY` so that a partial frame leaves at its step, and a reading
//! thread per connection that posts the bytes and the server's close to the run's [`Inbox`].

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use super::inbox::{Arrival, Inbox, POLL};

/// How long a connect may take on loopback.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a write may block (a server that does not read).
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
const READ_BUFFER: usize = 64 * 1024;

/// One client's open connection.
#[derive(Debug)]
struct Connection {
    stream: TcpStream,
    /// Set when the client closes it: the reading thread then stops without reporting a close.
    closing: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl Connection {
    fn close(mut self) {
        self.closing.store(true, Ordering::Relaxed);
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// Every client's current connection, by client index.
#[derive(Debug, Default)]
pub struct Connections {
    open: BTreeMap<usize, Connection>,
}

impl Connections {
    /// Opens `client`'s connection to `server`, replacing (and closing) a previous one the
    /// server has closed.
    pub fn connect(&mut self, client: usize, server: SocketAddr, inbox: &Inbox) -> io::Result<()> {
        if let Some(previous) = self.open.remove(&client) {
            previous.close();
        }
        let stream = TcpStream::connect_timeout(&server, CONNECT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        let reading = stream.try_clone()?;
        reading.set_read_timeout(Some(POLL))?;
        let closing = Arc::new(AtomicBool::new(false));
        let reader = std::thread::Builder::new()
            .name(format!("live-tcp-{client}"))
            .spawn({
                let closing = Arc::clone(&closing);
                let tx = inbox.sender();
                move || read(client, reading, &closing, &tx)
            })?;
        self.open.insert(
            client,
            Connection {
                stream,
                closing,
                reader: Some(reader),
            },
        );
        Ok(())
    }

    /// Writes `bytes` on `client`'s connection.
    pub fn write(&mut self, client: usize, bytes: &[u8]) -> io::Result<()> {
        let connection = self
            .open
            .get_mut(&client)
            .ok_or_else(|| io::Error::other("the client has no connection"))?;
        connection.stream.write_all(bytes)
    }

    /// The client closes its connection.
    pub fn close(&mut self, client: usize) -> io::Result<()> {
        let connection = self
            .open
            .remove(&client)
            .ok_or_else(|| io::Error::other("the client has no connection"))?;
        connection.close();
        Ok(())
    }
}

impl Drop for Connections {
    fn drop(&mut self) {
        for (_, connection) in std::mem::take(&mut self.open) {
            connection.close();
        }
    }
}

fn read(client: usize, mut stream: TcpStream, closing: &AtomicBool, tx: &Sender<Arrival>) {
    let mut buffer = vec![0; READ_BUFFER];
    loop {
        if closing.load(Ordering::Relaxed) {
            return;
        }
        let arrival = match stream.read(&mut buffer) {
            Ok(0) => Arrival::Closed {
                client,
                error: None,
            },
            Ok(len) => Arrival::Stream {
                client,
                bytes: buffer.get(..len).unwrap_or_default().to_vec(),
            },
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => Arrival::Closed {
                client,
                error: Some(e.to_string()),
            },
        };
        let ended = matches!(arrival, Arrival::Closed { .. });
        if closing.load(Ordering::Relaxed) || tx.send(arrival).is_err() || ended {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::time::Instant;

    use super::*;

    fn next(inbox: &Inbox) -> Arrival {
        inbox
            .next_until(Instant::now() + Duration::from_secs(2))
            .unwrap()
    }

    #[test]
    fn bytes_both_ways_and_the_servers_close_arrive_in_the_inbox() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let inbox = Inbox::default();
        let mut conns = Connections::default();
        conns.connect(3, server, &inbox).unwrap();
        let (mut accepted, _) = listener.accept().unwrap();
        conns.write(3, b"hi").unwrap();
        let mut got = [0; 2];
        accepted.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hi");
        accepted.write_all(b"yo").unwrap();
        assert_eq!(
            next(&inbox),
            Arrival::Stream {
                client: 3,
                bytes: b"yo".to_vec()
            }
        );
        drop(accepted);
        assert_eq!(
            next(&inbox),
            Arrival::Closed {
                client: 3,
                error: None
            }
        );
    }

    #[test]
    fn a_close_by_the_client_is_not_reported() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let inbox = Inbox::default();
        let mut conns = Connections::default();
        conns
            .connect(0, listener.local_addr().unwrap(), &inbox)
            .unwrap();
        conns.close(0).unwrap();
        assert!(conns.write(0, b"x").is_err());
        assert!(inbox.next_until(Instant::now() + POLL * 3).is_none());
    }
}
