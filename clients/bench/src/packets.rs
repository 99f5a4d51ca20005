//! The datagrams a bench client sends, built with hark-core's codec so the generator speaks exactly
//! the protocol the server parses, and the replies it needs to recognise.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hark_core::wire::audio::{
    AudioData, AudioPacket, Body, ChannelId, Handshake, Header, PacketType, UserId, WireError,
};

/// Who a client is: the ids every header it sends carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub user: UserId,
    pub channel: ChannelId,
}

impl Identity {
    pub fn new(user: &str, channel: &str) -> Result<Self, String> {
        Ok(Self {
            user: UserId::new(user).map_err(|e| format!("user id {user:?}: {e}"))?,
            channel: ChannelId::new(channel).map_err(|e| format!("channel id {channel:?}: {e}"))?,
        })
    }

    fn header(&self, sequence: u32, wall: u32) -> Header {
        Header {
            sequence,
            user_id: self.user,
            channel_id: self.channel,
            timestamp: wall,
        }
    }
}

/// The wall clock as the header's timestamp wants it (unix seconds; the server checks it against
/// its own clock within `max_clock_skew`).
pub fn wall_secs() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

/// A JSON-format handshake carrying `token`.
pub fn handshake(identity: &Identity, token: &str, wall: u32) -> Result<Bytes, WireError> {
    let body = Body::Handshake(Handshake::json(token, identity.channel.as_str())?);
    Ok(AudioPacket::new(identity.header(0, wall), body).encode())
}

/// A header-only control packet: JoinChannel, LeaveChannel or Heartbeat (sequence 0, as the
/// seed's clients send).
pub fn control(identity: &Identity, body: Control, wall: u32) -> Bytes {
    let body = match body {
        Control::Join => Body::JoinChannel,
        Control::Leave => Body::LeaveChannel,
        Control::Heartbeat => Body::Heartbeat,
    };
    AudioPacket::new(identity.header(0, wall), body).encode()
}

/// The header-only control packets a bench client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Join,
    Leave,
    Heartbeat,
}

/// An Audio packet with `payload`.
pub fn audio(
    identity: &Identity,
    sequence: u32,
    wall: u32,
    payload: Bytes,
) -> Result<Bytes, WireError> {
    let body = Body::Audio(AudioData::new(payload)?);
    Ok(AudioPacket::new(identity.header(sequence, wall), body).encode())
}

/// What a reply to a control packet says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Ack(PacketType),
    /// The server refused: its error name and message.
    Error(String),
    /// Audio, or anything the client does not need to understand.
    Other,
}

/// Classifies a datagram from the server. Unparseable datagrams are `Other`: during setup they
/// are ignored, and during the run only audio is counted.
pub fn classify(datagram: &[u8]) -> Reply {
    match AudioPacket::parse(&Bytes::copy_from_slice(datagram), usize::MAX) {
        Ok(AudioPacket {
            body: Body::Ack(ack),
            ..
        }) => Reply::Ack(ack.acked_type),
        Ok(AudioPacket {
            body: Body::Error(error),
            ..
        }) => Reply::Error(format!("{} ({})", error.code().name(), error.message())),
        _ => Reply::Other,
    }
}

#[cfg(test)]
mod tests {
    use hark_core::wire::audio::{Ack, ErrorBody, ErrorCode, SuggestedAction};

    use super::*;

    fn identity() -> Identity {
        Identity::new("b0000001", "bnch").unwrap()
    }

    #[test]
    fn handshakes_and_controls_parse_as_the_server_reads_them() {
        let hs = handshake(&identity(), "a.b.c", 5).unwrap();
        let parsed = AudioPacket::parse(&hs, 1024).unwrap();
        assert_eq!(parsed.packet_type(), PacketType::Handshake);
        assert_eq!(parsed.header.user_id.as_str(), "b0000001");
        let join = control(&identity(), Control::Join, 5);
        assert_eq!(
            AudioPacket::parse(&join, 1024).unwrap().packet_type(),
            PacketType::JoinChannel
        );
    }

    #[test]
    fn acks_and_errors_are_recognised() {
        let header = identity().header(0, 5);
        let ack = AudioPacket::new(
            header,
            Body::Ack(Ack {
                acked_type: PacketType::JoinChannel,
                acked_sequence: 0,
            }),
        )
        .encode();
        assert_eq!(classify(&ack), Reply::Ack(PacketType::JoinChannel));
        let error = AudioPacket::new(
            header,
            Body::Error(ErrorBody::new(
                ErrorCode::ChannelFull,
                SuggestedAction::RetryLater,
                "channel is full",
            )),
        )
        .encode();
        assert_eq!(
            classify(&error),
            Reply::Error("channel_full (channel is full)".into())
        );
        assert_eq!(classify(b"junk"), Reply::Other);
    }

    #[test]
    fn bad_ids_are_refused_with_their_name() {
        assert!(Identity::new("too-long-user", "bnch").is_err());
        assert!(Identity::new("b1", "chan1").is_err());
    }
}
