//! The `audio` service's datagram format (seed 000, corrected): a 21-byte header and a
//! type-specific payload. `conformance/spec/audio.md` is the normative description.
//!
//! ```text
//! offset  size  field
//!      0     1  type
//!      1     4  sequence   (u32, big-endian)
//!      5     8  user id    (printable ASCII, NUL-padded)
//!     13     4  channel id (printable ASCII, NUL-padded)
//!     17     4  timestamp  (u32, big-endian, unix seconds)
//!     21     …  payload
//! ```

mod codes;
mod error;
mod id;
mod payload;

use bytes::{BufMut, Bytes, BytesMut};
use nom::{
    IResult, Parser,
    bytes::complete::take,
    number::complete::{be_u8, be_u32},
};

pub use codes::{ErrorCode, SuggestedAction};
pub use error::{IdField, WireError};
pub use id::{ChannelId, IdError, PaddedId, UserId};
pub use payload::{Ack, AudioData, ErrorBody, Handshake};

/// Length of the fixed header every packet starts with.
pub const HEADER_LEN: usize = 21;
/// The seed's default for the largest datagram the server accepts.
pub const DEFAULT_MAX_PACKET_SIZE: usize = 1024;

/// The packet type, the header's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PacketType {
    Handshake = 0x01,
    Audio = 0x02,
    JoinChannel = 0x03,
    LeaveChannel = 0x04,
    SetMute = 0x05,
    Heartbeat = 0x06,
    Error = 0x07,
    Ack = 0x08,
}

impl PacketType {
    pub const ALL: [PacketType; 8] = [
        PacketType::Handshake,
        PacketType::Audio,
        PacketType::JoinChannel,
        PacketType::LeaveChannel,
        PacketType::SetMute,
        PacketType::Heartbeat,
        PacketType::Error,
        PacketType::Ack,
    ];

    pub fn from_wire(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t as u8 == byte)
    }

    pub fn to_wire(self) -> u8 {
        self as u8
    }
}

/// The header fields other than the type, which the body determines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub sequence: u32,
    pub user_id: UserId,
    pub channel_id: ChannelId,
    /// Unix seconds at the sender.
    pub timestamp: u32,
}

/// What follows the header, by packet type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Handshake(Handshake),
    Audio(AudioData),
    JoinChannel,
    LeaveChannel,
    SetMute { muted: bool },
    Heartbeat,
    Error(ErrorBody),
    Ack(Ack),
}

impl Body {
    pub fn packet_type(&self) -> PacketType {
        match self {
            Body::Handshake(_) => PacketType::Handshake,
            Body::Audio(_) => PacketType::Audio,
            Body::JoinChannel => PacketType::JoinChannel,
            Body::LeaveChannel => PacketType::LeaveChannel,
            Body::SetMute { .. } => PacketType::SetMute,
            Body::Heartbeat => PacketType::Heartbeat,
            Body::Error(_) => PacketType::Error,
            Body::Ack(_) => PacketType::Ack,
        }
    }
}

/// One audio-protocol datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioPacket {
    pub header: Header,
    pub body: Body,
}

impl AudioPacket {
    pub fn new(header: Header, body: Body) -> Self {
        Self { header, body }
    }

    pub fn packet_type(&self) -> PacketType {
        self.body.packet_type()
    }

    /// An Audio packet (the seed's `AudioPacket::audio(seq, user, channel, data)`; the core has no
    /// clock, so the timestamp is the caller's). Fails only for more than 65535 bytes of audio.
    pub fn audio(
        sequence: u32,
        user_id: UserId,
        channel_id: ChannelId,
        timestamp: u32,
        data: Bytes,
    ) -> Result<Self, WireError> {
        let header = Header {
            sequence,
            user_id,
            channel_id,
            timestamp,
        };
        Ok(Self::new(header, Body::Audio(AudioData::new(data)?)))
    }

    /// Parses one datagram. Payload bytes (audio) are slices of `datagram`, not copies.
    pub fn parse(datagram: &Bytes, max_size: usize) -> Result<Self, WireError> {
        let len = datagram.len();
        if len > max_size {
            return Err(WireError::Oversize { len, max: max_size });
        }
        let (payload, (type_byte, sequence, user, channel, timestamp)) = raw_header(datagram)
            .map_err(|_| WireError::Truncated {
                needed: HEADER_LEN,
                available: len,
            })?;
        let packet_type =
            PacketType::from_wire(type_byte).ok_or(WireError::UnknownType(type_byte))?;
        let header = Header {
            sequence,
            user_id: UserId::from_field(IdField::UserId, user)?,
            channel_id: ChannelId::from_field(IdField::ChannelId, channel)?,
            timestamp,
        };
        let body = payload::parse_body(packet_type, datagram, payload)?;
        Ok(Self { header, body })
    }

    /// The exact size [`AudioPacket::encode`] produces.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + payload::encoded_len(&self.body)
    }

    pub fn encode(&self) -> Bytes {
        let mut buf = BytesMut::with_capacity(self.encoded_len());
        self.encode_into(&mut buf);
        buf.freeze()
    }

    pub fn encode_into(&self, buf: &mut BytesMut) {
        buf.reserve(self.encoded_len());
        buf.put_u8(self.packet_type().to_wire());
        buf.put_u32(self.header.sequence);
        buf.put_slice(self.header.user_id.as_field());
        buf.put_slice(self.header.channel_id.as_field());
        buf.put_u32(self.header.timestamp);
        payload::encode_body(&self.body, buf);
    }
}

type RawHeader = (u8, u32, [u8; 8], [u8; 4], u32);

fn raw_header(input: &[u8]) -> IResult<&[u8], RawHeader> {
    (be_u8, be_u32, array::<8>, array::<4>, be_u32).parse(input)
}

fn array<const N: usize>(input: &[u8]) -> IResult<&[u8], [u8; N]> {
    let (rest, bytes) = take(N).parse(input)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok((rest, out))
}

#[cfg(test)]
mod tests;
