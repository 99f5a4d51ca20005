//! The runner as the SFU (`vectors.md` §8.4): a listener on the address the group's plan gave
//! hark as `SFU_WS_HOST`, one accepted link at a time, every text frame hark writes reported in
//! order. Pings are answered by tungstenite as any WebSocket endpoint answers them.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

/// How often the reading thread lets the writer in.
const POLL: Duration = Duration::from_millis(10);
/// How long the handshake of an accepted dial may take.
const HANDSHAKE: Duration = Duration::from_secs(2);
/// The longest hark's backoff makes it wait between dials (`signal.md` §8.6), and a margin.
const LONGEST_BACKOFF: Duration = Duration::from_secs(32);

/// What the link reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuArrival {
    Text(String),
    /// hark closed the link (with this close code) or it ended.
    Ended(Option<u16>),
}

/// The runner's SFU side.
pub struct SfuSide {
    dials: Receiver<TcpStream>,
    link: Option<Link>,
    /// Whether the current link got `welcome`.
    welcomed: bool,
    tx: Sender<SfuArrival>,
    pub rx: Receiver<SfuArrival>,
}

struct Link {
    ws: Arc<Mutex<WebSocket<TcpStream>>>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl SfuSide {
    /// Listens on `addr`; every connection hark makes waits until a step accepts it.
    pub fn listen(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let (dial_tx, dials) = mpsc::channel();
        std::thread::Builder::new()
            .name("live-sfu-accept".to_owned())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if dial_tx.send(stream).is_err() {
                        return;
                    }
                }
            })?;
        let (tx, rx) = mpsc::channel();
        Ok(Self {
            dials,
            link: None,
            welcomed: false,
            tx,
            rx,
        })
    }

    /// Completes the upgrade of hark's next dial, waiting up to `wait` for it.
    pub fn accept(&mut self, wait: Duration) -> Result<(), String> {
        self.drop_link();
        let stream = self
            .dials
            .recv_timeout(wait)
            .map_err(|_| format!("hark did not dial the SFU within {} ms", wait.as_millis()))?;
        let io = |e: io::Error| format!("the SFU's socket: {e}");
        stream.set_read_timeout(Some(HANDSHAKE)).map_err(io)?;
        let ws = tungstenite::accept(stream).map_err(|e| format!("the SFU's handshake: {e}"))?;
        ws.get_ref().set_read_timeout(Some(POLL)).map_err(io)?;
        let ws = Arc::new(Mutex::new(ws));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = std::thread::Builder::new()
            .name("live-sfu-read".to_owned())
            .spawn({
                let (ws, stop, tx) = (Arc::clone(&ws), Arc::clone(&stop), self.tx.clone());
                move || read(&ws, &stop, &tx)
            })
            .map_err(io)?;
        self.link = Some(Link {
            ws,
            stop,
            reader: Some(reader),
        });
        self.welcomed = false;
        Ok(())
    }

    pub fn send(&mut self, text: &str) -> Result<(), String> {
        let link = self
            .link
            .as_ref()
            .ok_or("sfu_send without an accepted link")?;
        let mut ws = link.ws.lock().map_err(|_| "the SFU's lock is poisoned")?;
        ws.send(Message::text(text))
            .map_err(|e| format!("the SFU cannot send: {e}"))?;
        if text.contains(r#""type":"welcome""#) {
            self.welcomed = true;
        }
        Ok(())
    }

    /// Closes the link with 1000.
    pub fn close(&mut self) -> Result<(), String> {
        let link = self
            .link
            .as_ref()
            .ok_or("sfu_close without an accepted link")?;
        if let Ok(mut ws) = link.ws.lock() {
            let _ = ws.close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }));
            let _ = ws.flush();
        }
        self.drop_link();
        Ok(())
    }

    /// Before a scenario: hark's link is brought up (accepting and welcoming a dial if it has
    /// none) and then closed, so that hark dials again after its shortest backoff (§8.6) — the
    /// dial the scenario's first `sfu_accept` takes. Returns when the link was closed.
    pub fn settle(&mut self) -> Result<Instant, String> {
        if self.link.is_none() || !self.welcomed {
            self.accept(LONGEST_BACKOFF)?;
            let deadline = Instant::now() + HANDSHAKE;
            loop {
                let wait = deadline.saturating_duration_since(Instant::now());
                match self.rx.recv_timeout(wait) {
                    Ok(SfuArrival::Text(text)) if text.contains(r#""type":"hello""#) => break,
                    Ok(_) => {}
                    Err(_) => return Err("hark sent no hello to the SFU".to_owned()),
                }
            }
            self.send(r#"{"type":"welcome"}"#)?;
        }
        self.close()?;
        let closed = Instant::now();
        while self.rx.try_recv().is_ok() {}
        Ok(closed)
    }

    fn drop_link(&mut self) {
        if let Some(mut link) = self.link.take() {
            link.stop.store(true, Ordering::Relaxed);
            if let Ok(ws) = link.ws.lock() {
                let _ = ws.get_ref().shutdown(std::net::Shutdown::Both);
            }
            if let Some(reader) = link.reader.take() {
                let _ = reader.join();
            }
        }
    }
}

impl Drop for SfuSide {
    fn drop(&mut self) {
        self.drop_link();
    }
}

fn read(ws: &Mutex<WebSocket<TcpStream>>, stop: &AtomicBool, tx: &Sender<SfuArrival>) {
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let read = match ws.lock() {
            Ok(mut ws) => ws.read(),
            Err(_) => return,
        };
        let arrival = match read {
            Ok(Message::Text(text)) => SfuArrival::Text(text.as_str().to_owned()),
            Ok(Message::Close(frame)) => SfuArrival::Ended(frame.map(|f| u16::from(f.code))),
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            Err(_) => SfuArrival::Ended(None),
        };
        let ended = matches!(arrival, SfuArrival::Ended(_));
        if stop.load(Ordering::Relaxed) || tx.send(arrival).is_err() || ended {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hark's side of one link: dial, `hello`, then every text frame until the link ends.
    fn hark(addr: SocketAddr) -> JoinHandle<Vec<String>> {
        std::thread::spawn(move || {
            let (mut ws, _) = tungstenite::connect(format!("ws://{addr}/")).unwrap();
            ws.send(Message::text(
                r#"{"type":"hello","token":"t","server":"s"}"#,
            ))
            .unwrap();
            let mut got = Vec::new();
            while let Ok(message) = ws.read() {
                match message {
                    Message::Text(text) => got.push(text.as_str().to_owned()),
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            got
        })
    }

    #[test]
    fn settling_welcomes_a_dial_and_closes_it_and_a_step_accepts_the_next() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut side = SfuSide::listen(addr).unwrap();
        let first = hark(addr);
        side.settle().unwrap();
        assert_eq!(first.join().unwrap(), [r#"{"type":"welcome"}"#]);
        let second = hark(addr);
        side.accept(Duration::from_secs(2)).unwrap();
        let hello = side.rx.recv_timeout(Duration::from_secs(2)).unwrap();
        assert!(matches!(hello, SfuArrival::Text(ref t) if t.contains("hello")));
        side.send(r#"{"type":"offer"}"#).unwrap();
        side.close().unwrap();
        assert_eq!(second.join().unwrap(), [r#"{"type":"offer"}"#]);
    }
}
