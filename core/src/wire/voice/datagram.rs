//! Voice relay datagrams (`conformance/spec/voice.md` §4): one packet per datagram, a type byte
//! and fixed fields, with VoiceData's payload running to the end.

use bytes::{BufMut, Bytes, BytesMut};
use nom::{
    IResult, Parser,
    bytes::complete::take,
    number::complete::{be_u8, be_u32, be_u64},
};

use super::{DatagramError, VoiceToken};

/// The outcome a `VoiceAuthResponse` reports (§4). A number, so that statuses this version does
/// not know are carried through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthStatus(pub u8);

impl AuthStatus {
    pub const OK: Self = Self(0);
    /// The token was never issued, or its login has ended.
    pub const UNKNOWN_TOKEN: Self = Self(1);
    /// The token's user is bound to another address.
    pub const TOKEN_IN_USE: Self = Self(2);
    /// This address is bound to another user.
    pub const ADDRESS_IN_USE: Self = Self(3);
    /// This address is not bound: send a VoiceAuthRequest.
    pub const NOT_AUTHENTICATED: Self = Self(4);

    /// The §4 name; `None` for a status this version does not know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::OK => "ok",
            Self::UNKNOWN_TOKEN => "unknown_token",
            Self::TOKEN_IN_USE => "token_in_use",
            Self::ADDRESS_IN_USE => "address_in_use",
            Self::NOT_AUTHENTICATED => "not_authenticated",
            _ => return None,
        })
    }
}

/// The type byte, a datagram's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum PacketType {
    AuthRequest = 0x01,
    AuthResponse = 0x02,
    VoiceData = 0x03,
    Keepalive = 0x04,
}

impl PacketType {
    pub const ALL: [PacketType; 4] = [
        PacketType::AuthRequest,
        PacketType::AuthResponse,
        PacketType::VoiceData,
        PacketType::Keepalive,
    ];

    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.byte() == byte)
    }

    pub fn byte(self) -> u8 {
        self as u8
    }

    /// The snake_case name conformance vectors use (`vectors.md` §6.1).
    pub fn name(self) -> &'static str {
        match self {
            PacketType::AuthRequest => "voice_auth_request",
            PacketType::AuthResponse => "voice_auth_response",
            PacketType::VoiceData => "voice_data",
            PacketType::Keepalive => "keepalive",
        }
    }
}

/// One voice relay datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoicePacket {
    AuthRequest {
        token: VoiceToken,
    },
    AuthResponse {
        status: AuthStatus,
        /// 0 unless `status` is [`AuthStatus::OK`].
        user_id: u32,
    },
    VoiceData {
        /// The sender.
        user_id: u32,
        /// The client's own numbering; the relay forwards it untouched (§11.8).
        sequence: u32,
        /// Every byte after the fixed fields, possibly none: a slice of the received datagram,
        /// not a copy.
        payload: Bytes,
    },
    Keepalive {
        nonce: u64,
    },
}

/// type (1) + token (16).
const AUTH_REQUEST_LEN: usize = 1 + VoiceToken::LEN;
/// type (1) + status (1) + user id (4).
const AUTH_RESPONSE_LEN: usize = 6;
/// type (1) + user id (4) + sequence (4).
const VOICE_DATA_HEADER_LEN: usize = 9;
/// type (1) + nonce (8).
const KEEPALIVE_LEN: usize = 9;

impl VoicePacket {
    pub fn packet_type(&self) -> PacketType {
        match self {
            VoicePacket::AuthRequest { .. } => PacketType::AuthRequest,
            VoicePacket::AuthResponse { .. } => PacketType::AuthResponse,
            VoicePacket::VoiceData { .. } => PacketType::VoiceData,
            VoicePacket::Keepalive { .. } => PacketType::Keepalive,
        }
    }

    /// The exact size [`VoicePacket::encode`] produces.
    pub fn encoded_len(&self) -> usize {
        match self {
            VoicePacket::AuthRequest { .. } => AUTH_REQUEST_LEN,
            VoicePacket::AuthResponse { .. } => AUTH_RESPONSE_LEN,
            VoicePacket::VoiceData { payload, .. } => VOICE_DATA_HEADER_LEN + payload.len(),
            VoicePacket::Keepalive { .. } => KEEPALIVE_LEN,
        }
    }

    /// The datagram. Infallible: no field has a length prefix to overflow.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        out.put_u8(self.packet_type().byte());
        match self {
            VoicePacket::AuthRequest { token } => out.put_slice(&token.0),
            VoicePacket::AuthResponse { status, user_id } => {
                out.put_u8(status.0);
                out.put_u32(*user_id);
            }
            VoicePacket::VoiceData {
                user_id,
                sequence,
                payload,
            } => {
                out.put_u32(*user_id);
                out.put_u32(*sequence);
                out.put_slice(payload);
            }
            VoicePacket::Keepalive { nonce } => out.put_u64(*nonce),
        }
        out.freeze()
    }
}

/// Parses one datagram, checking in §4's order: size, empty, type, fixed fields, trailing bytes.
/// A VoiceData payload is a slice of `datagram`, not a copy.
pub fn parse_datagram(
    datagram: &Bytes,
    max_datagram_size: usize,
) -> Result<VoicePacket, DatagramError> {
    let len = datagram.len();
    if len > max_datagram_size {
        return Err(DatagramError::Oversize {
            len,
            max: max_datagram_size,
        });
    }
    let (&type_byte, fields) = datagram.split_first().ok_or(DatagramError::Truncated)?;
    let packet_type =
        PacketType::from_byte(type_byte).ok_or(DatagramError::UnknownType(type_byte))?;
    match packet_type {
        PacketType::AuthRequest => {
            let (rest, token) = fixed(fields, take(VoiceToken::LEN))?;
            let token =
                <[u8; VoiceToken::LEN]>::try_from(token).map_err(|_| DatagramError::Truncated)?;
            end(rest)?;
            Ok(VoicePacket::AuthRequest {
                token: VoiceToken(token),
            })
        }
        PacketType::AuthResponse => {
            let (rest, (status, user_id)) = fixed(fields, (be_u8, be_u32))?;
            end(rest)?;
            Ok(VoicePacket::AuthResponse {
                status: AuthStatus(status),
                user_id,
            })
        }
        PacketType::VoiceData => {
            let (payload, (user_id, sequence)) = fixed(fields, (be_u32, be_u32))?;
            Ok(VoicePacket::VoiceData {
                user_id,
                sequence,
                payload: datagram.slice_ref(payload),
            })
        }
        PacketType::Keepalive => {
            let (rest, nonce) = fixed(fields, be_u64)?;
            end(rest)?;
            Ok(VoicePacket::Keepalive { nonce })
        }
    }
}

/// Runs a parser of fixed-width fields: its only failure is running out of datagram.
fn fixed<'a, O>(
    input: &'a [u8],
    mut parser: impl Parser<&'a [u8], Output = O, Error = nom::error::Error<&'a [u8]>>,
) -> Result<(&'a [u8], O), DatagramError> {
    let result: IResult<&'a [u8], O> = parser.parse(input);
    result.map_err(|_| DatagramError::Truncated)
}

fn end(rest: &[u8]) -> Result<(), DatagramError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(DatagramError::TrailingBytes { extra: rest.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<VoicePacket, DatagramError> {
        parse_datagram(&Bytes::copy_from_slice(bytes), 1200)
    }

    #[test]
    fn every_packet_type_round_trips() {
        let packets = [
            VoicePacket::AuthRequest {
                token: VoiceToken([7; 16]),
            },
            VoicePacket::AuthResponse {
                status: AuthStatus::TOKEN_IN_USE,
                user_id: 0,
            },
            VoicePacket::VoiceData {
                user_id: 3,
                sequence: 9,
                payload: Bytes::from_static(b"opus"),
            },
            VoicePacket::VoiceData {
                user_id: 3,
                sequence: 10,
                payload: Bytes::new(),
            },
            VoicePacket::Keepalive { nonce: u64::MAX },
        ];
        for packet in packets {
            let bytes = packet.encode();
            assert_eq!(bytes.len(), packet.encoded_len());
            assert_eq!(parse(&bytes), Ok(packet));
        }
    }

    #[test]
    fn fields_sit_at_the_spec_offsets() {
        let bytes = VoicePacket::VoiceData {
            user_id: 0x0102_0304,
            sequence: 0x0A0B_0C0D,
            payload: Bytes::from_static(&[0xEE]),
        }
        .encode();
        assert_eq!(
            bytes.as_ref(),
            &[0x03, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D, 0xEE]
        );
        let bytes = VoicePacket::AuthResponse {
            status: AuthStatus::OK,
            user_id: 5,
        }
        .encode();
        assert_eq!(bytes.as_ref(), &[0x02, 0, 0, 0, 0, 5]);
    }

    #[test]
    fn voice_data_payload_is_a_slice_of_the_datagram() {
        let datagram = Bytes::from_static(&[3, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7]);
        let Ok(VoicePacket::VoiceData { payload, .. }) = parse_datagram(&datagram, 1200) else {
            panic!("not voice data");
        };
        assert_eq!(payload.as_ref(), &[9, 8, 7]);
        assert_eq!(payload.as_ptr(), datagram[9..].as_ptr());
    }

    #[test]
    fn oversize_is_checked_before_anything_else() {
        let datagram = Bytes::from(vec![0xFF; 1201]);
        assert_eq!(
            parse_datagram(&datagram, 1200),
            Err(DatagramError::Oversize {
                len: 1201,
                max: 1200
            })
        );
    }

    #[test]
    fn a_datagram_of_exactly_the_limit_is_accepted() {
        let mut bytes = vec![3, 0, 0, 0, 1, 0, 0, 0, 2];
        bytes.resize(1200, 0xAA);
        assert!(parse(&bytes).is_ok());
    }

    #[test]
    fn an_empty_datagram_is_truncated() {
        assert_eq!(parse(&[]), Err(DatagramError::Truncated));
    }

    #[test]
    fn unknown_types_are_refused_before_their_length_is_looked_at() {
        assert_eq!(parse(&[0x00]), Err(DatagramError::UnknownType(0)));
        assert_eq!(parse(&[0x05, 1, 2]), Err(DatagramError::UnknownType(5)));
    }

    #[test]
    fn fixed_fields_cut_short_are_truncated() {
        assert_eq!(parse(&[0x01; 16]), Err(DatagramError::Truncated));
        assert_eq!(parse(&[0x02, 0, 0, 0, 0]), Err(DatagramError::Truncated));
        assert_eq!(
            parse(&[0x03, 0, 0, 0, 1, 0, 0, 0]),
            Err(DatagramError::Truncated)
        );
        assert_eq!(
            parse(&[0x04, 0, 0, 0, 0, 0, 0, 0]),
            Err(DatagramError::Truncated)
        );
    }

    #[test]
    fn bytes_after_fixed_length_packets_are_trailing() {
        let mut auth = vec![0x01];
        auth.extend([0; 17]);
        assert_eq!(parse(&auth), Err(DatagramError::TrailingBytes { extra: 1 }));
        assert_eq!(
            parse(&[0x02, 0, 0, 0, 0, 0, 1, 2]),
            Err(DatagramError::TrailingBytes { extra: 2 })
        );
        assert_eq!(
            parse(&[0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(DatagramError::TrailingBytes { extra: 1 })
        );
    }

    #[test]
    fn unknown_statuses_are_carried_through() {
        let packet = parse(&[0x02, 0x42, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            packet,
            VoicePacket::AuthResponse {
                status: AuthStatus(0x42),
                user_id: 0
            }
        );
        assert_eq!(AuthStatus(0x42).name(), None);
        assert_eq!(
            AuthStatus::NOT_AUTHENTICATED.name(),
            Some("not_authenticated")
        );
    }

    #[test]
    fn error_kinds_are_the_vector_names() {
        let kinds = [
            DatagramError::Oversize { len: 2, max: 1 }.kind(),
            DatagramError::Truncated.kind(),
            DatagramError::UnknownType(9).kind(),
            DatagramError::TrailingBytes { extra: 1 }.kind(),
        ];
        assert_eq!(
            kinds,
            ["oversize", "truncated", "unknown_type", "trailing_bytes"]
        );
    }

    #[test]
    fn packet_type_names_are_the_vector_names() {
        let names: Vec<_> = PacketType::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "voice_auth_request",
                "voice_auth_response",
                "voice_data",
                "keepalive"
            ]
        );
    }
}
