//! A CONNECT's admission (signal.md §3, §4): the `SERVER_JOIN` rule keyed by IP, the `auth`
//! object, the JWT and the invite code, in §4's order; then `40{"sid":…}` and `info`.

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::event::SignalEvent;
use super::session::{ConnectionState, User};
use super::{LimitKey, SignalService, to_json};
use crate::ConnectionId;
use crate::limits::RateLimitError;
use crate::wire::chat::Timestamp;
use crate::wire::signal::events::{
    ChannelInfo, ChannelKind, ConnectRefusal, ServerEvent, ServerInfo, decode_connect_auth,
    normalize_nickname,
};
use crate::wire::signal::{PacketKind, SocketPacket};

/// The nickname of a user whose id is not a valid one and who gave none (§4).
const DEFAULT_NICKNAME: &str = "User";

impl SignalService {
    /// A CONNECT (§3, §4): checks in §4's order, then `40{"sid":…}` and `info`, or
    /// CONNECT_ERROR with the session left open.
    pub(super) fn connect(
        &mut self,
        now: Instant,
        unix_ms: u64,
        conn: ConnectionId,
        packet: SocketPacket,
    ) {
        if !packet.namespace.is_main() {
            let text = SocketPacket::encode_with_json(
                PacketKind::ConnectError,
                &packet.namespace,
                None,
                Some(r#"{"message":"Invalid namespace"}"#),
            );
            self.send_message(conn, &text);
            self.events.push_back(SignalEvent::ConnectRefused {
                conn,
                code: "invalid_namespace",
            });
            return;
        }
        let Some(ip) = self.sessions.get(&conn).map(|session| session.ip) else {
            return;
        };
        let rule = self.config.rate_limits.server_join;
        if let Err(limited) = self.limiter.check(now, &LimitKey::ServerJoin(ip), &rule) {
            self.rate_limited += 1;
            let error = limited.error();
            let json = to_json(&RateLimitedConnect {
                message: &error.message,
                data: &error,
            });
            self.send_socket(conn, PacketKind::ConnectError, None, &json);
            self.events.push_back(SignalEvent::ConnectRefused {
                conn,
                code: RateLimitError::CODE,
            });
            return;
        }
        match self.authenticate(unix_ms / 1000, packet.data.as_ref()) {
            Err(refusal) => {
                self.send_socket(conn, PacketKind::ConnectError, None, &to_json(&refusal));
                self.events.push_back(SignalEvent::ConnectRefused {
                    conn,
                    code: refusal.code(),
                });
            }
            Ok((id, nickname)) => self.admit(unix_ms, conn, id, nickname),
        }
    }

    /// §4 steps 2–4: the user id and initial nickname.
    fn authenticate(
        &self,
        unix_secs: u64,
        auth: Option<&Value>,
    ) -> Result<(String, String), ConnectRefusal> {
        let auth = decode_connect_auth(auth)?;
        let verified = self
            .jwt
            .verify(&auth.token, unix_secs)
            .map_err(|_| ConnectRefusal::InvalidToken)?;
        if self.config.invite_only {
            let code = auth.invite_code.ok_or(ConnectRefusal::InviteRequired)?;
            if !self.config.invite_codes.contains(&code) {
                return Err(ConnectRefusal::InvalidInvite);
            }
        }
        let nickname = auth.nickname.unwrap_or_else(|| {
            normalize_nickname(&verified.subject)
                .filter(|trimmed| *trimmed == verified.subject)
                .unwrap_or(DEFAULT_NICKNAME)
                .to_owned()
        });
        Ok((verified.subject, nickname))
    }

    fn admit(&mut self, unix_ms: u64, conn: ConnectionId, id: String, nickname: String) {
        let sid = self.socket_sids.next_sid();
        let Some(session) = self.sessions.get_mut(&conn) else {
            return;
        };
        session.admitted(User {
            id: id.clone(),
            nickname,
            muted: false,
            channel: None,
            sid: sid.clone(),
            connected: false,
            stream_id: None,
            state: ConnectionState::Disconnected,
            last_seen: Timestamp::from_unix_millis(unix_ms),
        });
        self.file_timer(conn);
        self.users.entry(id.clone()).or_default().insert(conn);
        self.peers.insert(sid.clone(), conn);
        let json = to_json(&SocketSid { sid: &sid });
        self.send_socket(conn, PacketKind::Connect, None, &json);
        let info = ServerInfo {
            name: self.config.server_name.clone(),
            members: self.users.len(),
            channels: self
                .directory
                .channels()
                .filter(|channel| channel.is_member(&id) && !channel.is_banned(&id))
                .map(|channel| ChannelInfo {
                    id: channel.id().to_owned(),
                    name: channel.name().to_owned(),
                    kind: ChannelKind::Voice,
                })
                .collect(),
            icon_url: self.config.server_icon.clone(),
            stun_hosts: self.config.stun_servers.clone(),
        };
        self.emit(conn, &ServerEvent::Info(info));
        self.events
            .push_back(SignalEvent::Admitted { conn, user_id: id });
    }
}

/// `40{"sid":…}`'s data.
#[derive(Serialize)]
struct SocketSid<'a> {
    sid: &'a str,
}

/// A rate-limited CONNECT's CONNECT_ERROR data: `message`, then the whole RateLimitError (§7.6).
#[derive(Serialize)]
struct RateLimitedConnect<'a> {
    message: &'a str,
    data: &'a RateLimitError,
}
