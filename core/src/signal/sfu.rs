//! What the SFU link means for rooms and users (signal.md §8.3, §8.4, §8.6): `hello`, announcing
//! members at `welcome`, relaying both ways, the SFU's notices as `user-updated`, and voice
//! becoming unavailable when an up link ends.

use std::time::Instant;

use bytes::Bytes;

use super::event::SignalEvent;
use super::link::{LinkDue, LinkId, SfuAction};
use super::session::{ConnectionState, User};
use super::{CloseCode, SignalService};
use crate::ConnectionId;
use crate::wire::signal::events::{EventErrorCode, ServerEvent};
use crate::wire::signal::sfu::{FromSfu, SfuError, ToSfu, decode_from_sfu};

impl SignalService {
    /// The next thing to do on the SFU link.
    pub fn poll_sfu(&mut self) -> Option<SfuAction> {
        self.sfu_actions.pop_front()
    }

    /// The dial of `link` succeeded (TCP and the upgrade): `hello` is sent (§8.2).
    pub fn handle_sfu_open(&mut self, now: Instant, link: LinkId) {
        self.handle_timeout(now);
        if let Some(token) = self.link.opened(now, link) {
            let hello = ToSfu::Hello {
                token,
                server: self.config.server_name.clone(),
            };
            self.sfu_actions
                .push_back(SfuAction::Text(link, Bytes::from(hello.encode())));
        }
    }

    /// One text frame from the SFU on `link` (§8.4, §8.5).
    pub fn handle_sfu_text(&mut self, now: Instant, link: LinkId, text: &str) {
        self.handle_timeout(now);
        if !self.link.frame(now, link) {
            return;
        }
        let decoded = decode_from_sfu(text, self.config.max_payload);
        if self.link.in_handshake() {
            match decoded {
                Ok(FromSfu::Welcome) => self.welcome(now, link),
                Ok(_) => self.refuse_sfu(now, link, "before_welcome", CloseCode::PolicyViolation),
                Err(error) => {
                    let code = match error {
                        SfuError::TooLarge { .. } => CloseCode::MessageTooBig,
                        _ => CloseCode::PolicyViolation,
                    };
                    self.refuse_sfu(now, link, error.kind(), code);
                }
            }
            return;
        }
        match decoded {
            Err(error) => {
                self.sfu_malformed += 1;
                self.events.push_back(SignalEvent::SfuProtocolError {
                    link,
                    kind: error.kind(),
                });
            }
            // A repeated welcome changes nothing: the link is already up.
            Ok(FromSfu::Welcome) => {}
            Ok(message) => self.sfu_message(message),
        }
    }

    /// Any other frame on `link` (pong, ping, binary): liveness only (§8.7).
    pub fn handle_sfu_frame(&mut self, now: Instant, link: LinkId) {
        self.handle_timeout(now);
        self.link.frame(now, link);
    }

    /// The dial of `link` failed or the link ended (§8.6).
    pub fn handle_sfu_closed(&mut self, now: Instant, link: LinkId) {
        self.handle_timeout(now);
        if self.link.is_current(link) {
            self.link_ended(now, link, "closed");
        }
    }

    /// The link's timers: the backoff's dial, pings, the handshake and idle timeouts (§8.5).
    pub(super) fn sfu_timeout(&mut self, now: Instant) {
        let mut out = Vec::new();
        let due = self.link.handle_timeout(now, &mut out);
        for action in out {
            if let SfuAction::Dial(link) = action {
                self.events.push_back(SignalEvent::SfuDial { link });
            }
            self.sfu_actions.push_back(action);
        }
        if let Some(LinkDue::TimedOut { link, was_up }) = due {
            let reason = if was_up {
                "idle_timeout"
            } else {
                "handshake_timeout"
            };
            self.sfu_actions
                .push_back(SfuAction::Close(link, CloseCode::Normal));
            self.link_ended(now, link, reason);
        }
    }

    /// A protocol error before `welcome` ends the link (§8.5).
    fn refuse_sfu(&mut self, now: Instant, link: LinkId, kind: &'static str, code: CloseCode) {
        self.sfu_malformed += 1;
        self.events
            .push_back(SignalEvent::SfuProtocolError { link, kind });
        self.sfu_actions.push_back(SfuAction::Close(link, code));
        self.link_ended(now, link, "protocol_error");
    }

    fn link_ended(&mut self, now: Instant, link: LinkId, reason: &'static str) {
        let was_up = self.link.ended(now);
        self.events
            .push_back(SignalEvent::SfuLinkDown { link, reason });
        if was_up {
            self.voice_lost();
        }
    }

    /// `welcome`: the link is up; every room member is announced, rooms in id order, members in
    /// join order (§8.3), and is `connecting`.
    fn welcome(&mut self, now: Instant, link: LinkId) {
        self.link.welcomed(now);
        self.events.push_back(SignalEvent::SfuLinkUp { link });
        let members: Vec<(String, ConnectionId)> = self
            .rooms
            .iter()
            .flat_map(|(id, room)| room.members.iter().map(move |&conn| (id.clone(), conn)))
            .collect();
        for (room, conn) in members {
            self.announce(conn, room);
        }
    }

    /// Sends `join` for a room member and marks it `connecting`.
    pub(super) fn announce(&mut self, conn: ConnectionId, room_id: String) {
        let Some(user) = self.user_mut(conn) else {
            return;
        };
        user.state = ConnectionState::Connecting;
        let join = ToSfu::Join {
            room_id,
            peer_id: user.sid.clone(),
            user_id: user.id.clone(),
        };
        self.send_to_sfu(&join);
    }

    /// Sends `message` if the link is up; nothing is queued while it is down (§8.6).
    pub(super) fn send_to_sfu(&mut self, message: &ToSfu) {
        if let Some(link) = self.link.up() {
            self.sfu_actions
                .push_back(SfuAction::Text(link, Bytes::from(message.encode())));
        }
    }

    /// An up link ended: every member loses voice, then is told so once (§8.6).
    fn voice_lost(&mut self) {
        let members: Vec<ConnectionId> = self
            .rooms
            .values()
            .flat_map(|room| room.members.iter().copied())
            .collect();
        for &conn in &members {
            self.update(conn, |user| {
                user.connected = false;
                user.stream_id = None;
                user.state = ConnectionState::Disconnected;
            });
        }
        for conn in members {
            self.emit(conn, &ServerEvent::Error(EventErrorCode::VoiceUnavailable));
        }
    }

    /// A valid message from the up link about a peer (§8.4). A peer that is not a current room
    /// member is the SFU catching up: ignored.
    fn sfu_message(&mut self, message: FromSfu) {
        let Some(&conn) = message.peer_id().and_then(|peer| self.peers.get(peer)) else {
            return;
        };
        if self.user(conn).is_none_or(|user| user.channel.is_none()) {
            return;
        }
        match message {
            FromSfu::Welcome => {}
            FromSfu::Offer { description, .. } => self.relay(conn, ServerEvent::Offer(description)),
            FromSfu::Answer { description, .. } => {
                self.relay(conn, ServerEvent::Answer(description));
            }
            FromSfu::IceCandidate { candidate, .. } => {
                self.relay(conn, ServerEvent::IceCandidate(candidate));
            }
            FromSfu::Connected { .. } => self.update(conn, |user| {
                user.connected = true;
                user.state = ConnectionState::Connected;
            }),
            FromSfu::Disconnected { .. } => self.update(conn, |user| {
                user.connected = false;
                user.stream_id = None;
                user.state = ConnectionState::Disconnected;
            }),
            FromSfu::TrackAdded { stream_id, .. } => {
                self.update(conn, |user| user.stream_id = Some(stream_id));
            }
            FromSfu::TrackRemoved { stream_id, .. } => self.update(conn, |user| {
                if user.stream_id.as_deref() == Some(stream_id.as_str()) {
                    user.stream_id = None;
                }
            }),
        }
    }

    fn relay(&mut self, conn: ConnectionId, event: ServerEvent) {
        self.sfu_relayed_from += 1;
        self.emit(conn, &event);
    }

    pub(super) fn user_mut(&mut self, conn: ConnectionId) -> Option<&mut User> {
        self.sessions
            .get_mut(&conn)
            .and_then(|session| session.user.as_mut())
    }
}
