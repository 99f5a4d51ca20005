//! One WebSocket connection from hark to the stand-in: the server handshake, then a read loop
//! that records every text frame, runs the [`Script`] and writes its replies. The socket is
//! shared with [`SfuStandIn::send`](super::SfuStandIn::send) behind a mutex, so the loop reads
//! with a short timeout and lets go of it between reads.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hark_core::wire::signal::sfu::FromSfu;
use serde_json::Value;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use super::script::Script;
use super::{Shared, lock};

/// How long a WebSocket upgrade may take.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(5);
/// How long one read holds the socket: the bound on how late a `send` or a stop is.
const READ_SLICE: Duration = Duration::from_millis(20);

/// A link as [`SfuStandIn`](super::SfuStandIn) sees it from outside its thread.
#[derive(Debug)]
pub struct Link {
    ws: Mutex<WebSocket<TcpStream>>,
    welcomed: AtomicBool,
}

impl Link {
    /// Sends `message` if the link is up (welcomed); whether it was sent.
    pub fn send(&self, message: &FromSfu) -> bool {
        if !self.welcomed.load(Ordering::SeqCst) {
            return false;
        }
        lock(&self.ws).send(Message::text(message.encode())).is_ok()
    }

    /// Starts the closing handshake with `code`; the read loop ends when it completes.
    pub fn close(&self, code: CloseCode, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        // An error means the link is already gone, which is what closing wants.
        let _ = lock(&self.ws).close(Some(frame));
    }
}

/// Upgrades `stream` and serves it until hark closes it or the stand-in stops.
pub fn serve(stream: TcpStream, shared: &Arc<Shared>) {
    if stream.set_read_timeout(Some(HANDSHAKE_DEADLINE)).is_err() {
        return;
    }
    let Ok(ws) = tungstenite::accept(stream) else {
        return;
    };
    if ws.get_ref().set_read_timeout(Some(READ_SLICE)).is_err() {
        return;
    }
    let link = Arc::new(Link {
        ws: Mutex::new(ws),
        welcomed: AtomicBool::new(false),
    });
    lock(&shared.links).push(Arc::clone(&link));
    read_loop(&link, shared);
    lock(&shared.links).retain(|other| !Arc::ptr_eq(other, &link));
}

fn read_loop(link: &Link, shared: &Shared) {
    let mut script = Script::new(&shared.token);
    let mut stopping = false;
    loop {
        if shared.stop.load(Ordering::SeqCst) && !stopping {
            stopping = true;
            link.close(CloseCode::Away, "stand-in stopping");
        }
        let mut ws = lock(&link.ws);
        match ws.read() {
            Ok(Message::Text(text)) => {
                shared.record(
                    serde_json::from_str(text.as_str())
                        .unwrap_or_else(|_| Value::String(text.as_str().to_owned())),
                );
                let step = script.on_text(text.as_str());
                link.welcomed.store(script.welcomed(), Ordering::SeqCst);
                for reply in &step.replies {
                    if ws.send(Message::text(reply.encode())).is_err() {
                        return;
                    }
                }
                if let Some(reason) = step.close {
                    drop(ws);
                    link.close(CloseCode::Policy, reason);
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                // A stopping stand-in does not wait for hark's half of the closing handshake.
                if stopping {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}
