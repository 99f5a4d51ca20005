//! The relay half: voice authentication, voice fan-out and keepalives over UDP (§6).

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use super::VoiceService;
use super::event::{RelayError, VoiceEvent};
use super::state::{Binding, TimerKey};
use crate::Transmit;
use crate::wire::voice::{AuthStatus, VoicePacket, VoiceToken, parse_datagram};

impl VoiceService {
    /// One datagram from `from`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        wall_unix: u64,
        from: SocketAddr,
        datagram: Bytes,
    ) {
        self.handle_timeout(now, wall_unix);
        let packet = match parse_datagram(&datagram, self.config.max_datagram_size) {
            Ok(packet) => packet,
            Err(e) => return self.drop_datagram(from, RelayError::Malformed(e)),
        };
        let bound = self.bindings.get_mut(&from).map(|binding| {
            binding.last_seen = now;
            binding.user_id
        });
        match (packet, bound) {
            (VoicePacket::AuthRequest { token }, _) => self.authenticate(now, from, token),
            (VoicePacket::AuthResponse { .. }, _) => {
                self.drop_datagram(from, RelayError::UnexpectedPacket);
            }
            (VoicePacket::Keepalive { .. }, Some(_)) => self.transmits.push_back(Transmit {
                dst: from,
                payload: datagram,
            }),
            (
                VoicePacket::VoiceData {
                    user_id,
                    sequence,
                    payload,
                },
                Some(bound),
            ) => self.relay_voice(now, from, bound, user_id, sequence, payload, datagram),
            (VoicePacket::Keepalive { .. } | VoicePacket::VoiceData { .. }, None) => {
                self.refuse_datagram(now, from, RelayError::NotAuthenticated);
            }
        }
    }

    /// §6.1.
    fn authenticate(&mut self, now: Instant, from: SocketAddr, token: VoiceToken) {
        let Some(&user_id) = self.tokens.get(&token) else {
            return self.refuse_datagram(now, from, RelayError::UnknownToken);
        };
        let current = self.login(user_id).and_then(|login| login.udp);
        if current.is_some_and(|addr| addr != from) {
            return self.refuse_datagram(now, from, RelayError::TokenInUse);
        }
        if self
            .bindings
            .get(&from)
            .is_some_and(|binding| binding.user_id != user_id)
        {
            return self.refuse_datagram(now, from, RelayError::AddressInUse);
        }
        if current.is_none() {
            let timer = now + self.config.udp_timeout;
            self.bindings.insert(
                from,
                Binding {
                    user_id,
                    last_seen: now,
                    timer,
                },
            );
            self.timers.insert((timer, TimerKey::Binding(from)));
            if let Some(login) = self.login_mut(user_id) {
                login.udp = Some(from);
            }
            self.events.push_back(VoiceEvent::VoiceBound {
                user_id,
                addr: from,
            });
        }
        self.reply(from, AuthStatus::OK, user_id);
    }

    /// §6.2: relays a voice datagram, as received, to the other members of the sender's channel
    /// that have a bound address.
    #[allow(clippy::too_many_arguments)]
    fn relay_voice(
        &mut self,
        now: Instant,
        from: SocketAddr,
        bound: u32,
        claimed: u32,
        sequence: u32,
        payload: Bytes,
        datagram: Bytes,
    ) {
        if claimed != bound {
            return self.drop_datagram(from, RelayError::UserMismatch { claimed, bound });
        }
        let Some(login) = self.login_mut(bound) else {
            return;
        };
        let Some(channel) = login.channel.clone() else {
            return self.drop_datagram(from, RelayError::NotInVoice);
        };
        if login.muted {
            return self.drop_datagram(from, RelayError::SenderMuted);
        }
        if !login.voice.try_acquire(now) {
            return self.drop_datagram(from, RelayError::RateLimited);
        }
        // Borrowed field by field so the fan-out allocates nothing but the queue's slots.
        let Self {
            channels,
            users,
            connections,
            transmits,
            ..
        } = self;
        let destinations = channels
            .get(&*channel)
            .into_iter()
            .flatten()
            .filter(|&&member| member != bound)
            .filter_map(|member| connections.get(users.get(member)?)?.login.as_ref()?.udp);
        transmits.extend(destinations.map(|dst| Transmit {
            dst,
            payload: datagram.clone(),
        }));
        self.events.push_back(VoiceEvent::VoiceData {
            user_id: bound,
            channel,
            sequence,
            payload,
        });
    }

    /// Reports a datagram dropped without an answer.
    fn drop_datagram(&mut self, from: SocketAddr, error: RelayError) {
        self.events
            .push_back(VoiceEvent::RelayError { addr: from, error });
    }

    /// Answers a refused datagram with its `VoiceAuthResponse`, within the server-wide reply
    /// budget (§6.3), and reports it either way.
    fn refuse_datagram(&mut self, now: Instant, from: SocketAddr, error: RelayError) {
        if let Some(status) = error.reply_status()
            && self.unauthenticated_replies.try_acquire(now)
        {
            self.reply(from, status, 0);
        }
        self.drop_datagram(from, error);
    }

    fn reply(&mut self, to: SocketAddr, status: AuthStatus, user_id: u32) {
        self.transmits.push_back(Transmit {
            dst: to,
            payload: VoicePacket::AuthResponse { status, user_id }.encode(),
        });
    }
}
