//! Payload types and their layouts (everything after the 21-byte header).

use bytes::{BufMut, Bytes, BytesMut};
use nom::{
    IResult, Parser,
    number::complete::{be_u8, be_u16, be_u32},
};
use serde::Deserialize;

use super::{Body, ErrorCode, HEADER_LEN, PacketType, SuggestedAction, WireError};

/// The largest value a u16 length field can carry.
const MAX_FIELD_LEN: usize = u16::MAX as usize;

/// Audio payload bytes: at most 65535 of them (they travel behind a u16 length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioData(Bytes);

impl AudioData {
    pub fn new(data: Bytes) -> Result<Self, WireError> {
        if data.len() > MAX_FIELD_LEN {
            return Err(WireError::Oversize {
                len: data.len(),
                max: MAX_FIELD_LEN,
            });
        }
        Ok(Self(data))
    }

    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

/// Handshake credentials, in the JSON format (with a channel id) or the legacy raw-JWT format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    token: String,
    /// `Some` for the JSON format, `None` for the legacy format.
    channel_id: Option<String>,
}

#[derive(Deserialize)]
struct HandshakeJson {
    token: String,
    channel_id: String,
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn check_token(token: &str) -> Result<(), WireError> {
    if token.is_empty() || !token.bytes().all(is_token_byte) {
        return Err(WireError::InvalidTokenEncoding);
    }
    Ok(())
}

impl Handshake {
    /// The recommended format: `{"token": …, "channel_id": …}`.
    pub fn json(token: &str, channel_id: &str) -> Result<Self, WireError> {
        check_token(token)?;
        let handshake = Self {
            token: token.to_owned(),
            channel_id: Some(channel_id.to_owned()),
        };
        handshake.check_len()?;
        Ok(handshake)
    }

    /// The legacy format: the JWT alone; the channel is the header's.
    pub fn legacy(token: &str) -> Result<Self, WireError> {
        check_token(token)?;
        let handshake = Self {
            token: token.to_owned(),
            channel_id: None,
        };
        handshake.check_len()?;
        Ok(handshake)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The JSON format's `channel_id`; `None` in the legacy format.
    pub fn channel_id(&self) -> Option<&str> {
        self.channel_id.as_deref()
    }

    fn check_len(&self) -> Result<(), WireError> {
        let len = self.payload().len();
        if len > MAX_FIELD_LEN {
            return Err(WireError::Oversize {
                len,
                max: MAX_FIELD_LEN,
            });
        }
        Ok(())
    }

    /// The canonical payload: compact JSON with `token` first, or the bare token.
    fn payload(&self) -> String {
        match &self.channel_id {
            Some(channel_id) => format!(
                r#"{{"token":"{}","channel_id":{}}}"#,
                self.token,
                serde_json::Value::String(channel_id.clone())
            ),
            None => self.token.clone(),
        }
    }

    fn from_payload(payload: &[u8]) -> Result<Self, WireError> {
        if payload.first() == Some(&b'{') {
            let parsed: HandshakeJson = serde_json::from_slice(payload)
                .map_err(|e| WireError::MalformedHandshakeJson(e.to_string()))?;
            check_token(&parsed.token)?;
            return Ok(Self {
                token: parsed.token,
                channel_id: Some(parsed.channel_id),
            });
        }
        let token = std::str::from_utf8(payload).map_err(|_| WireError::InvalidTokenEncoding)?;
        check_token(token)?;
        Ok(Self {
            token: token.to_owned(),
            channel_id: None,
        })
    }
}

/// The payload of an Error packet: code, suggested action, human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    code: ErrorCode,
    action: SuggestedAction,
    message: String,
}

impl ErrorBody {
    /// Messages longer than this are cut (at a character boundary) when built here.
    pub const MAX_MESSAGE_LEN: usize = 255;

    pub fn new(code: ErrorCode, action: SuggestedAction, message: &str) -> Self {
        Self {
            code,
            action,
            message: truncate(message, Self::MAX_MESSAGE_LEN).to_owned(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn action(&self) -> SuggestedAction {
        self.action
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Cuts the message so the whole packet is at most `max_packet_len` bytes; `None` when even an
    /// empty message does not fit. Used to keep replies to unauthenticated peers no larger than
    /// what they sent.
    pub fn fitted(&self, max_packet_len: usize) -> Option<Self> {
        let room = max_packet_len.checked_sub(HEADER_LEN + ERROR_FIXED_LEN)?;
        Some(Self {
            code: self.code,
            action: self.action,
            message: truncate(&self.message, room).to_owned(),
        })
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// The payload of an Ack: which packet it acknowledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    pub acked_type: PacketType,
    pub acked_sequence: u32,
}

/// code (2) + action (1) + message length (2).
const ERROR_FIXED_LEN: usize = 5;
/// acked type (1) + acked sequence (4).
const ACK_LEN: usize = 5;

pub(super) fn encoded_len(body: &Body) -> usize {
    match body {
        Body::Handshake(h) => 2 + h.payload().len(),
        Body::Audio(data) => 2 + data.0.len(),
        Body::JoinChannel | Body::LeaveChannel | Body::Heartbeat => 0,
        Body::SetMute { .. } => 1,
        Body::Error(e) => ERROR_FIXED_LEN + e.message.len(),
        Body::Ack(_) => ACK_LEN,
    }
}

/// Writes a length the constructors have already bounded to `u16`.
fn put_len(buf: &mut BytesMut, len: usize) {
    buf.put_u16(u16::try_from(len).unwrap_or(u16::MAX));
}

pub(super) fn encode_body(body: &Body, buf: &mut BytesMut) {
    match body {
        Body::Handshake(h) => {
            let payload = h.payload();
            put_len(buf, payload.len());
            buf.put_slice(payload.as_bytes());
        }
        Body::Audio(data) => {
            put_len(buf, data.0.len());
            buf.put_slice(&data.0);
        }
        Body::JoinChannel | Body::LeaveChannel | Body::Heartbeat => {}
        Body::SetMute { muted } => buf.put_u8(u8::from(*muted)),
        Body::Error(e) => {
            buf.put_u16(e.code.to_wire());
            buf.put_u8(e.action.to_wire());
            put_len(buf, e.message.len());
            buf.put_slice(e.message.as_bytes());
        }
        Body::Ack(ack) => {
            buf.put_u8(ack.acked_type.to_wire());
            buf.put_u32(ack.acked_sequence);
        }
    }
}

/// Parses the payload of a packet of type `packet_type`. `datagram` is the whole datagram (so
/// audio can be sliced out of it without a copy); `payload` is the part after the header.
pub(super) fn parse_body(
    packet_type: PacketType,
    datagram: &Bytes,
    payload: &[u8],
) -> Result<Body, WireError> {
    let reader = Reader {
        total: datagram.len(),
    };
    Ok(match packet_type {
        PacketType::Handshake => {
            Body::Handshake(Handshake::from_payload(reader.length_prefixed(payload)?)?)
        }
        PacketType::Audio => {
            let data = reader.length_prefixed(payload)?;
            Body::Audio(AudioData(datagram.slice_ref(data)))
        }
        PacketType::JoinChannel => reader.end(payload, Body::JoinChannel)?,
        PacketType::LeaveChannel => reader.end(payload, Body::LeaveChannel)?,
        PacketType::Heartbeat => reader.end(payload, Body::Heartbeat)?,
        PacketType::SetMute => {
            let (rest, byte) = reader.fixed(payload, 1, be_u8)?;
            let muted = match byte {
                0 => false,
                1 => true,
                other => return Err(WireError::InvalidMuteByte(other)),
            };
            reader.end(rest, Body::SetMute { muted })?
        }
        PacketType::Error => {
            let (rest, (code, action)) = reader.fixed(payload, 3, (be_u16, be_u8))?;
            let message = reader.length_prefixed(rest)?;
            let message =
                std::str::from_utf8(message).map_err(|_| WireError::InvalidErrorMessage)?;
            Body::Error(ErrorBody {
                code: ErrorCode::from_wire(code),
                action: SuggestedAction::from_wire(action),
                message: message.to_owned(),
            })
        }
        PacketType::Ack => {
            let (rest, (acked, acked_sequence)) =
                reader.fixed(payload, ACK_LEN, (be_u8, be_u32))?;
            let acked_type =
                PacketType::from_wire(acked).ok_or(WireError::InvalidAckedType(acked))?;
            reader.end(
                rest,
                Body::Ack(Ack {
                    acked_type,
                    acked_sequence,
                }),
            )?
        }
    })
}

/// Turns nom's "not enough input" into our positional errors.
struct Reader {
    total: usize,
}

impl Reader {
    /// Reads fixed-size fields `width` bytes long; `Truncated` says how long the datagram had to
    /// be.
    fn fixed<'a, O, P>(
        &self,
        input: &'a [u8],
        width: usize,
        mut parser: P,
    ) -> Result<(&'a [u8], O), WireError>
    where
        P: Parser<&'a [u8], Output = O, Error = nom::error::Error<&'a [u8]>>,
    {
        let result: IResult<&'a [u8], O> = parser.parse(input);
        result.map_err(|_| {
            let needed = self.total - input.len() + width;
            WireError::Truncated {
                needed,
                available: self.total,
            }
        })
    }

    /// A u16 length and exactly that many bytes, which must end the datagram.
    fn length_prefixed<'a>(&self, input: &'a [u8]) -> Result<&'a [u8], WireError> {
        let (rest, declared) = self.fixed(input, 2, be_u16)?;
        let declared = usize::from(declared);
        if declared > rest.len() {
            return Err(WireError::LengthMismatch {
                declared,
                available: rest.len(),
            });
        }
        let (value, trailing) = rest.split_at(declared);
        self.end(trailing, value)
    }

    /// Checks nothing is left, returning `value`.
    fn end<T>(&self, rest: &[u8], value: T) -> Result<T, WireError> {
        if rest.is_empty() {
            Ok(value)
        } else {
            Err(WireError::TrailingBytes { extra: rest.len() })
        }
    }
}
