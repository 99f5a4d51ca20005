use bytes::Bytes;

use super::*;

fn header() -> Header {
    Header {
        sequence: 7,
        user_id: UserId::new("user123").unwrap(),
        channel_id: ChannelId::new("chan").unwrap(),
        timestamp: 0x5F3E_1234,
    }
}

fn parse(bytes: &[u8]) -> Result<AudioPacket, WireError> {
    AudioPacket::parse(&Bytes::copy_from_slice(bytes), DEFAULT_MAX_PACKET_SIZE)
}

fn with_payload(packet_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = AudioPacket::new(header(), Body::Heartbeat)
        .encode()
        .to_vec();
    bytes[0] = packet_type;
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn header_fields_sit_at_the_seed_offsets() {
    let bytes = AudioPacket::new(header(), Body::JoinChannel).encode();
    assert_eq!(bytes.len(), HEADER_LEN);
    assert_eq!(bytes[0], 0x03);
    assert_eq!(&bytes[1..5], &[0, 0, 0, 7]);
    assert_eq!(&bytes[5..13], b"user123\0");
    assert_eq!(&bytes[13..17], b"chan");
    assert_eq!(&bytes[17..21], &[0x5F, 0x3E, 0x12, 0x34]);
}

#[test]
fn audio_payload_is_a_slice_of_the_datagram() {
    let datagram = Bytes::from(with_payload(0x02, &[0, 3, 9, 8, 7]));
    let packet = AudioPacket::parse(&datagram, DEFAULT_MAX_PACKET_SIZE).unwrap();
    let Body::Audio(data) = packet.body else {
        panic!("not audio")
    };
    assert_eq!(data.as_bytes().as_ref(), &[9, 8, 7]);
    assert_eq!(data.as_bytes().as_ptr(), datagram[23..].as_ptr());
}

#[test]
fn every_packet_type_round_trips() {
    let bodies = [
        Body::Handshake(Handshake::json("a.b.c", "chan").unwrap()),
        Body::Handshake(Handshake::legacy("a.b.c").unwrap()),
        Body::Audio(AudioData::new(Bytes::from_static(&[1, 2, 3])).unwrap()),
        Body::JoinChannel,
        Body::LeaveChannel,
        Body::SetMute { muted: true },
        Body::SetMute { muted: false },
        Body::Heartbeat,
        Body::Error(ErrorBody::new(
            ErrorCode::Banned,
            SuggestedAction::ContactAdmin,
            "banned",
        )),
        Body::Ack(Ack {
            acked_type: PacketType::Handshake,
            acked_sequence: 42,
        }),
    ];
    for body in bodies {
        let packet = AudioPacket::new(header(), body);
        let bytes = packet.encode();
        assert_eq!(bytes.len(), packet.encoded_len());
        assert_eq!(parse(&bytes), Ok(packet));
    }
}

#[test]
fn oversize_is_checked_before_anything_else() {
    let bytes = Bytes::from(vec![0xFFu8; 1025]);
    assert_eq!(
        AudioPacket::parse(&bytes, 1024),
        Err(WireError::Oversize {
            len: 1025,
            max: 1024
        })
    );
}

#[test]
fn a_short_header_is_truncated() {
    assert_eq!(
        parse(&[0x06; 20]),
        Err(WireError::Truncated {
            needed: 21,
            available: 20
        })
    );
}

#[test]
fn unknown_types_are_refused() {
    assert_eq!(
        parse(&with_payload(0x09, &[])),
        Err(WireError::UnknownType(9))
    );
    assert_eq!(
        parse(&with_payload(0x00, &[])),
        Err(WireError::UnknownType(0))
    );
}

#[test]
fn header_only_packets_refuse_trailing_bytes() {
    assert_eq!(
        parse(&with_payload(0x03, &[0])),
        Err(WireError::TrailingBytes { extra: 1 })
    );
}

#[test]
fn a_length_beyond_the_datagram_is_a_mismatch() {
    assert_eq!(
        parse(&with_payload(0x02, &[0, 5, 1, 2])),
        Err(WireError::LengthMismatch {
            declared: 5,
            available: 2
        })
    );
}

#[test]
fn bytes_beyond_the_declared_length_are_trailing() {
    assert_eq!(
        parse(&with_payload(0x02, &[0, 1, 1, 2])),
        Err(WireError::TrailingBytes { extra: 1 })
    );
}

#[test]
fn a_missing_length_field_is_truncated() {
    assert_eq!(
        parse(&with_payload(0x02, &[0])),
        Err(WireError::Truncated {
            needed: 23,
            available: 22
        })
    );
}

#[test]
fn mute_bytes_other_than_zero_or_one_are_refused() {
    assert_eq!(
        parse(&with_payload(0x05, &[2])),
        Err(WireError::InvalidMuteByte(2))
    );
}

#[test]
fn json_handshakes_must_carry_both_fields() {
    let json = br#"{"token":"a.b.c"}"#;
    let mut payload = vec![0, json.len() as u8];
    payload.extend_from_slice(json);
    assert_eq!(
        parse(&with_payload(0x01, &payload)).unwrap_err().kind(),
        "malformed_handshake_json"
    );
}

#[test]
fn json_handshakes_ignore_unknown_fields() {
    let json = br#"{"channel_id":"chan","client":"x","token":"a.b.c"}"#;
    let mut payload = vec![0, json.len() as u8];
    payload.extend_from_slice(json);
    let packet = parse(&with_payload(0x01, &payload)).unwrap();
    assert_eq!(
        packet.body,
        Body::Handshake(Handshake::json("a.b.c", "chan").unwrap())
    );
}

#[test]
fn legacy_tokens_outside_the_jwt_alphabet_are_refused() {
    assert_eq!(
        parse(&with_payload(0x01, &[0, 3, b'a', b' ', b'b'])),
        Err(WireError::InvalidTokenEncoding)
    );
    assert_eq!(
        parse(&with_payload(0x01, &[0, 0])),
        Err(WireError::InvalidTokenEncoding)
    );
}

#[test]
fn error_messages_must_be_utf8() {
    assert_eq!(
        parse(&with_payload(0x07, &[0, 1, 0, 0, 1, 0xFF])),
        Err(WireError::InvalidErrorMessage)
    );
}

#[test]
fn acks_must_name_a_known_type() {
    assert_eq!(
        parse(&with_payload(0x08, &[0x42, 0, 0, 0, 1])),
        Err(WireError::InvalidAckedType(0x42))
    );
}

#[test]
fn error_bodies_fit_a_size_budget_or_refuse() {
    let body = ErrorBody::new(
        ErrorCode::InvalidToken,
        SuggestedAction::RenewToken,
        "a long message",
    );
    let fitted = body.fitted(HEADER_LEN + 5 + 4).unwrap();
    assert_eq!(fitted.message(), "a lo");
    assert!(body.fitted(HEADER_LEN + 4).is_none());
}

#[test]
fn the_audio_constructor_fills_the_seed_fields() {
    let user = UserId::new("user123").unwrap();
    let channel = ChannelId::new("chan").unwrap();
    let packet = AudioPacket::audio(1, user, channel, 7, Bytes::from_static(&[1, 2])).unwrap();
    assert_eq!(packet.packet_type(), PacketType::Audio);
    assert_eq!(packet.header.sequence, 1);
    assert_eq!(packet.encode().len(), HEADER_LEN + 2 + 2);
    let too_long = Bytes::from(vec![0; 65_536]);
    assert!(AudioPacket::audio(1, user, channel, 7, too_long).is_err());
}
