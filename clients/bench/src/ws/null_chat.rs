//! The null chat server, the chat benchmark's yardstick as the null relay is the audio one: the
//! same WebSocket stack as the generator (tokio sockets, tungstenite framing over a
//! [`Pipe`](super::pipe::Pipe), one thread), rooms and fan-out of one shared buffer per message,
//! and nothing else — no JSON parsing, validation, rate limit, IP accounting, heartbeat or health
//! page. It understands exactly the frames `hark-bench` writes (a member found by name, the `user`
//! object taken as the join's text), so whatever hark costs beyond it is the protocol.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tungstenite::Utf8Bytes;

use super::conn::{self, WsConn};
use super::frames::string_member;
use crate::BenchError;

/// Frames queued for one connection before the server drops more for it.
const QUEUE: usize = 1024;
/// Every `message` gets this timestamp: the null server reads no clock.
const TIMESTAMP: &str = "2025-01-06T12:00:00.000Z";

/// Where the null chat server listens.
#[derive(Debug, Clone)]
pub struct NullChatConfig {
    pub bind: SocketAddr,
}

/// What the null chat server did.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullChatStats {
    pub connections: u64,
    pub messages: u64,
    /// Frames dropped because a connection's queue was full.
    pub dropped: u64,
}

#[derive(Debug)]
struct Member {
    id: u64,
    user: Rc<str>,
    tx: mpsc::Sender<Utf8Bytes>,
}

#[derive(Debug, Default)]
struct State {
    rooms: HashMap<Rc<str>, Vec<Member>>,
    next_id: u64,
    stats: NullChatStats,
}

impl State {
    /// Queues `frame` for every member of `room` but `except`.
    fn fan_out(&mut self, room: &str, frame: &Utf8Bytes, except: Option<u64>) {
        let Some(members) = self.rooms.get(room) else {
            return;
        };
        for member in members.iter().filter(|m| Some(m.id) != except) {
            if member.tx.try_send(frame.clone()).is_err() {
                self.stats.dropped += 1;
            }
        }
    }

    fn leave(&mut self, room: &str, id: u64) {
        let Some(members) = self.rooms.get_mut(room) else {
            return;
        };
        let Some(at) = members.iter().position(|m| m.id == id) else {
            return;
        };
        let member = members.remove(at);
        if members.is_empty() {
            self.rooms.remove(room);
            return;
        }
        let user_id = string_member(&member.user, "id").unwrap_or_default();
        let left = Utf8Bytes::from(format!(r#"{{"type":"userLeft","userId":"{user_id}"}}"#));
        self.fan_out(room, &left, None);
    }
}

/// Serves until SIGINT/SIGTERM (`stop` resolves). Run inside a `LocalSet`.
pub async fn serve(
    config: &NullChatConfig,
    stop: impl Future<Output = ()>,
    listening: impl FnOnce(SocketAddr),
) -> Result<NullChatStats, BenchError> {
    let listener = TcpListener::bind(config.bind).await?;
    listening(listener.local_addr()?);
    let state = Rc::new(RefCell::new(State::default()));
    let accept = async {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let state = Rc::clone(&state);
            tokio::task::spawn_local(async move {
                if let Ok(conn) = conn::accept(tcp).await {
                    connection(conn, state).await;
                }
            });
        }
    };
    tokio::select! {
        () = stop => {}
        _ = accept => {}
    }
    let stats = state.borrow().stats;
    Ok(stats)
}

/// One connection: its frames in, its queue out.
async fn connection(mut conn: WsConn, state: Rc<RefCell<State>>) {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(QUEUE);
    let id = {
        let mut state = state.borrow_mut();
        state.next_id += 1;
        state.stats.connections += 1;
        state.next_id
    };
    let mut room: Option<Rc<str>> = None;
    loop {
        tokio::select! {
            frame = rx.recv() => {
                let Some(frame) = frame else { break };
                let mut queued = conn.queue_text(frame).is_ok();
                while let Ok(frame) = rx.try_recv() {
                    queued &= conn.queue_text(frame).is_ok();
                }
                if !queued || conn.flush().await.is_err() {
                    break;
                }
            }
            text = conn.recv() => {
                let Ok(Some(text)) = text else { break };
                handle(&text, id, &tx, &mut room, &state);
            }
        }
    }
    if let Some(room) = room {
        state.borrow_mut().leave(&room, id);
    }
}

fn handle(
    text: &str,
    id: u64,
    tx: &mpsc::Sender<Utf8Bytes>,
    room: &mut Option<Rc<str>>,
    state: &Rc<RefCell<State>>,
) {
    let mut state = state.borrow_mut();
    if text.starts_with(r#"{"type":"message""#) {
        let Some(room) = room else { return };
        let Some(content) = string_member(text, "content") else {
            return;
        };
        let Some(user) = state
            .rooms
            .get(&**room)
            .and_then(|ms| ms.iter().find(|m| m.id == id))
            .map(|m| Rc::clone(&m.user))
        else {
            return;
        };
        state.stats.messages += 1;
        let n = state.stats.messages;
        let frame = Utf8Bytes::from(format!(
            r#"{{"type":"message","id":"00000000-0000-4000-8000-{n:012x}","user":{user},"content":"{content}","timestamp":"{TIMESTAMP}"}}"#
        ));
        state.fan_out(room, &frame, None);
    } else if text.starts_with(r#"{"type":"join""#) {
        let (Some(name), Some(user)) = (string_member(text, "room"), join_user(text)) else {
            return;
        };
        if let Some(old) = room.take() {
            state.leave(&old, id);
        }
        let name: Rc<str> = Rc::from(name);
        let user: Rc<str> = Rc::from(user);
        let joined = Utf8Bytes::from(format!(r#"{{"type":"userJoined","user":{user}}}"#));
        state.fan_out(&name, &joined, None);
        let members = state.rooms.entry(Rc::clone(&name)).or_default();
        members.push(Member {
            id,
            user,
            tx: tx.clone(),
        });
        let users: Vec<&str> = members.iter().map(|m| &*m.user).collect();
        let list = format!(r#"{{"type":"userList","users":[{}]}}"#, users.join(","));
        if tx.try_send(Utf8Bytes::from(list)).is_err() {
            state.stats.dropped += 1;
        }
        *room = Some(name);
    } else if text.starts_with(r#"{"type":"ping""#)
        && tx
            .try_send(Utf8Bytes::from_static(r#"{"type":"pong"}"#))
            .is_err()
    {
        state.stats.dropped += 1;
    }
}

/// The `user` object of a join as `hark-bench` writes it: from `"user":` to the two closing braces
/// of `data` and of the frame.
fn join_user(text: &str) -> Option<&str> {
    let start = text.find(r#""user":"#)? + r#""user":"#.len();
    text.get(start..)?.strip_suffix("}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::frames;

    #[test]
    fn the_user_of_a_bench_join_is_its_text() {
        assert_eq!(
            join_user(&frames::join("r", "u1")),
            Some(r#"{"id":"u1","name":"bench u1","avatar":null}"#)
        );
    }
}
