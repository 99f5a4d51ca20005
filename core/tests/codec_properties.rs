//! Properties of the audio wire codec (`conformance/spec/audio.md` §2–§6): every valid packet
//! survives encode → parse unchanged, the parser is total (any bytes give a packet or a
//! `WireError`, never a panic) and checks in the spec's order, and whatever parses has one
//! canonical encoding that parses back to the same packet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/codec_inputs.rs"]
mod codec_inputs;

use bytes::{Bytes, BytesMut};
use hark_core::wire::audio::{
    Ack, AudioData, AudioPacket, Body, ChannelId, ErrorBody, ErrorCode, HEADER_LEN, Handshake,
    Header, IdField, PacketType, SuggestedAction, UserId, WireError,
};
use quickcheck::{Arbitrary, Gen, TestResult};

use codec_inputs::{Edit, below, check, damaged, text};

/// The characters of a JWT (base64url and the dots between its parts).
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

/// An id of up to `max` id characters (printable ASCII without space, §2.1).
fn id_text(g: &mut Gen, max: usize) -> String {
    let len = below(g, max + 1);
    (0..len)
        .map(|_| char::from(0x21 + u8::arbitrary(g) % (0x7F - 0x21)))
        .collect()
}

fn token(g: &mut Gen) -> String {
    let len = 1 + below(g, 200);
    (0..len)
        .map(|_| char::from(*g.choose(TOKEN_ALPHABET).unwrap()))
        .collect()
}

fn header(g: &mut Gen) -> Header {
    Header {
        sequence: u32::arbitrary(g),
        user_id: UserId::new(&id_text(g, 8)).unwrap(),
        channel_id: ChannelId::new(&id_text(g, 4)).unwrap(),
        timestamp: u32::arbitrary(g),
    }
}

/// A packet built through the public constructors: every value of it is valid by construction.
#[derive(Debug, Clone)]
struct ValidPacket(AudioPacket);

impl Arbitrary for ValidPacket {
    fn arbitrary(g: &mut Gen) -> Self {
        let body = match below(g, 10) {
            0 => Body::Handshake(Handshake::json(&token(g), &text(g, usize::MAX)).unwrap()),
            1 => Body::Handshake(Handshake::legacy(&token(g)).unwrap()),
            2 | 3 => {
                let len = below(g, 600);
                let data: Vec<u8> = (0..len).map(|_| u8::arbitrary(g)).collect();
                Body::Audio(AudioData::new(Bytes::from(data)).unwrap())
            }
            4 => Body::JoinChannel,
            5 => Body::LeaveChannel,
            6 => Body::SetMute {
                muted: bool::arbitrary(g),
            },
            7 => Body::Heartbeat,
            8 => Body::Error(ErrorBody::new(
                ErrorCode::from_wire(u16::arbitrary(g)),
                SuggestedAction::from_wire(u8::arbitrary(g)),
                &text(g, usize::MAX),
            )),
            _ => Body::Ack(Ack {
                acked_type: *g.choose(&PacketType::ALL).unwrap(),
                acked_sequence: u32::arbitrary(g),
            }),
        };
        ValidPacket(AudioPacket::new(header(g), body))
    }
}

/// A size limit: sometimes none, usually one that cuts through typical packets.
#[derive(Debug, Clone, Copy)]
struct MaxSize(usize);

impl Arbitrary for MaxSize {
    fn arbitrary(g: &mut Gen) -> Self {
        MaxSize(match below(g, 4) {
            0 => usize::MAX,
            1 => 1024,
            _ => below(g, 300),
        })
    }
}

fn parse(bytes: &[u8], max: usize) -> Result<AudioPacket, WireError> {
    AudioPacket::parse(&Bytes::copy_from_slice(bytes), max)
}

/// Whatever parses under `max` has a canonical encoding that parses, under the same limit, to
/// the same packet, and encoding is a fixpoint from there on.
fn canonical_form_holds(bytes: &[u8], max: usize) -> Result<(), String> {
    let Ok(packet) = parse(bytes, max) else {
        return Ok(());
    };
    let canonical = packet.encode();
    if canonical.len() != packet.encoded_len() {
        return Err(format!("encoded_len() disagrees for {packet:?}"));
    }
    match AudioPacket::parse(&canonical, max) {
        Ok(again) if again == packet && again.encode() == canonical => Ok(()),
        other => Err(format!(
            "{bytes:02x?} parsed to {packet:?}; its encoding {canonical:02x?} parsed to {other:?}"
        )),
    }
}

#[test]
fn every_valid_packet_round_trips() {
    fn property(packet: ValidPacket) -> TestResult {
        let packet = packet.0;
        let bytes = packet.encode();
        let mut into = BytesMut::new();
        packet.encode_into(&mut into);
        if bytes.len() != packet.encoded_len() || into != bytes {
            return TestResult::error(format!("encoders disagree on {packet:?}"));
        }
        match AudioPacket::parse(&bytes, usize::MAX) {
            Ok(parsed) if parsed == packet => TestResult::passed(),
            other => TestResult::error(format!("{packet:?} came back as {other:?}")),
        }
    }
    check(property as fn(ValidPacket) -> TestResult);
}

/// §6 step 1: a datagram of exactly `max_packet_size` bytes is accepted, one more is oversize.
#[test]
fn the_size_limit_admits_exactly_max_bytes() {
    fn property(packet: ValidPacket) -> bool {
        let bytes = packet.0.encode();
        let len = bytes.len();
        AudioPacket::parse(&bytes, len).as_ref() == Ok(&packet.0)
            && AudioPacket::parse(&bytes, len - 1) == Err(WireError::Oversize { len, max: len - 1 })
    }
    check(property as fn(ValidPacket) -> bool);
}

/// Parsing is total, checks size, then length, then type (§6 steps 1–3), and whatever parses
/// is canonical.
#[test]
fn arbitrary_bytes_parse_or_fail_in_the_spec_order() {
    fn property(bytes: Vec<u8>, max: MaxSize) -> TestResult {
        let (len, max) = (bytes.len(), max.0);
        let result = parse(&bytes, max);
        let expected = if len > max {
            Some(WireError::Oversize { len, max })
        } else if len < HEADER_LEN {
            Some(WireError::Truncated {
                needed: HEADER_LEN,
                available: len,
            })
        } else if !(1..=8).contains(&bytes[0]) {
            Some(WireError::UnknownType(bytes[0]))
        } else {
            None
        };
        if let Some(expected) = expected
            && result != Err(expected.clone())
        {
            return TestResult::error(format!("{bytes:02x?}: {result:?}, expected {expected:?}"));
        }
        canonical_form_holds(&bytes, max).map_or_else(TestResult::error, |()| TestResult::passed())
    }
    check(property as fn(Vec<u8>, MaxSize) -> TestResult);
}

/// Valid packets with bytes flipped, set, inserted, deleted or cut off: the parser reaches every
/// payload check, stays total, and whatever still parses is canonical.
#[test]
fn damaged_packets_parse_or_fail_cleanly() {
    fn property(packet: ValidPacket, edits: Vec<Edit>, max: MaxSize) -> TestResult {
        let bytes = damaged(packet.0.encode().to_vec(), &edits);
        canonical_form_holds(&bytes, max.0)
            .map_or_else(TestResult::error, |()| TestResult::passed())
    }
    check(property as fn(ValidPacket, Vec<Edit>, MaxSize) -> TestResult);
}

/// A raw id field, biased towards the bytes at the edges of §2.1's classes.
#[derive(Debug, Clone)]
struct RawField(Vec<u8>);

impl RawField {
    fn generate(g: &mut Gen, width: usize) -> Self {
        const EDGES: [u8; 9] = [0x00, 0x00, 0x00, 0x20, 0x21, b'a', 0x7E, 0x7F, 0x80];
        RawField((0..width).map(|_| *g.choose(&EDGES).unwrap()).collect())
    }

    /// §2.1 read left to right: id characters, then only NULs.
    fn expected(&self, field: IdField) -> Result<(), WireError> {
        let text_len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        let (text, padding) = self.0.split_at(text_len);
        if !text.iter().all(|b| (0x21..=0x7E).contains(b)) {
            return Err(WireError::NonAsciiId { field });
        }
        if padding.iter().any(|&b| b != 0) {
            return Err(WireError::IdNotNulPadded { field });
        }
        Ok(())
    }
}

/// The two id fields of a header.
#[derive(Debug, Clone)]
struct RawIds {
    user: RawField,
    channel: RawField,
}

impl Arbitrary for RawIds {
    fn arbitrary(g: &mut Gen) -> Self {
        RawIds {
            user: RawField::generate(g, 8),
            channel: RawField::generate(g, 4),
        }
    }
}

/// §2.1 and §6 step 4: an id field is valid exactly when it is id characters then NULs, and the
/// user id is checked before the channel id.
#[test]
fn id_fields_are_valid_exactly_when_printable_then_nul_padded() {
    fn property(ids: RawIds) -> TestResult {
        let mut bytes = vec![PacketType::Heartbeat.to_wire(), 0, 0, 0, 1];
        bytes.extend_from_slice(&ids.user.0);
        bytes.extend_from_slice(&ids.channel.0);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        let expected = ids
            .user
            .expected(IdField::UserId)
            .and(ids.channel.expected(IdField::ChannelId));
        let result = parse(&bytes, usize::MAX).map(|p| {
            (
                p.header.user_id.as_field().to_vec(),
                p.header.channel_id.as_field().to_vec(),
            )
        });
        match (&result, &expected) {
            (Ok((user, channel)), Ok(())) if *user == ids.user.0 && *channel == ids.channel.0 => {
                TestResult::passed()
            }
            (Err(e), Err(x)) if e == x => TestResult::passed(),
            _ => TestResult::error(format!("{bytes:02x?}: {result:?}, expected {expected:?}")),
        }
    }
    check(property as fn(RawIds) -> TestResult);
}

/// A token in the JWT alphabet.
#[derive(Debug, Clone)]
struct Token(String);

impl Arbitrary for Token {
    fn arbitrary(g: &mut Gen) -> Self {
        Token(token(g))
    }
}

fn handshake_datagram(payload: &[u8]) -> Vec<u8> {
    let mut bytes = AudioPacket::new(
        Header {
            sequence: 0,
            user_id: UserId::new("alice").unwrap(),
            channel_id: ChannelId::new("open").unwrap(),
            timestamp: 0,
        },
        Body::Heartbeat,
    )
    .encode()
    .to_vec();
    bytes[0] = PacketType::Handshake.to_wire();
    bytes.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// §4: a legacy payload is accepted exactly when it is a non-empty run of JWT characters.
#[test]
fn legacy_tokens_are_accepted_exactly_in_the_jwt_alphabet() {
    fn property(token: Vec<u8>, stray: Option<(usize, u8)>) -> TestResult {
        let mut payload: Vec<u8> = token
            .iter()
            .map(|b| TOKEN_ALPHABET[usize::from(*b) % TOKEN_ALPHABET.len()])
            .collect();
        if let Some((at, byte)) = stray {
            payload.insert(at % (payload.len() + 1), byte);
        }
        if payload.first() == Some(&b'{') {
            return TestResult::discard();
        }
        let valid = !payload.is_empty() && payload.iter().all(|b| TOKEN_ALPHABET.contains(b));
        match parse(&handshake_datagram(&payload), usize::MAX) {
            Ok(AudioPacket {
                body: Body::Handshake(h),
                ..
            }) if valid && h.token().as_bytes() == payload && h.channel_id().is_none() => {
                TestResult::passed()
            }
            Err(WireError::InvalidTokenEncoding) if !valid => TestResult::passed(),
            other => TestResult::error(format!("{payload:02x?}: {other:?}")),
        }
    }
    check(property as fn(Vec<u8>, Option<(usize, u8)>) -> TestResult);
}

/// §4: JSON credentials are read whatever their member order, spacing and extra members.
#[test]
fn json_handshakes_ignore_order_spacing_and_extra_members() {
    fn property(
        token: Token,
        channel: String,
        extra: Vec<(String, String)>,
        pretty: bool,
    ) -> TestResult {
        let token = token.0;
        let mut object = serde_json::Map::new();
        for (key, value) in extra {
            object.insert(key, serde_json::Value::String(value));
        }
        object.insert("token".into(), token.clone().into());
        object.insert("channel_id".into(), channel.clone().into());
        let json = serde_json::Value::Object(object);
        let payload = if pretty {
            serde_json::to_vec_pretty(&json).unwrap()
        } else {
            serde_json::to_vec(&json).unwrap()
        };
        if payload.len() > usize::from(u16::MAX) {
            return TestResult::discard();
        }
        let expected = Handshake::json(&token, &channel).unwrap();
        match parse(&handshake_datagram(&payload), usize::MAX) {
            Ok(AudioPacket {
                body: Body::Handshake(h),
                ..
            }) if h == expected => TestResult::passed(),
            other => TestResult::error(format!("{}: {other:?}", String::from_utf8_lossy(&payload))),
        }
    }
    check(property as fn(Token, String, Vec<(String, String)>, bool) -> TestResult);
}

/// §3: the server writes Error messages of at most 255 bytes, cut at a character boundary and
/// no shorter than needed.
#[test]
fn error_messages_are_cut_to_255_bytes_at_a_character_boundary() {
    fn property(message: String, long: bool) -> bool {
        let message = if long { message.repeat(8) } else { message };
        let body = ErrorBody::new(ErrorCode::Banned, SuggestedAction::ContactAdmin, &message);
        let kept = body.message();
        let next = message[kept.len()..].chars().next();
        message.starts_with(kept)
            && kept.len() <= ErrorBody::MAX_MESSAGE_LEN
            && next.is_none_or(|c| kept.len() + c.len_utf8() > ErrorBody::MAX_MESSAGE_LEN)
    }
    check(property as fn(String, bool) -> bool);
}

/// §7.5's building block: an Error fitted to a request is never larger than it, and is refused
/// only when even an empty message would be (a request under 26 bytes).
#[test]
fn fitted_error_replies_are_never_larger_than_the_request() {
    fn property(message: String, request_len: u16) -> TestResult {
        let request_len = usize::from(request_len % 400);
        let body = ErrorBody::new(
            ErrorCode::NotAuthenticated,
            SuggestedAction::Reconnect,
            &message,
        );
        let header = Header {
            sequence: 1,
            user_id: UserId::EMPTY,
            channel_id: ChannelId::EMPTY,
            timestamp: 0,
        };
        match body.fitted(request_len) {
            None if request_len < HEADER_LEN + 5 => TestResult::passed(),
            Some(fitted) => {
                let len = AudioPacket::new(header, Body::Error(fitted.clone())).encoded_len();
                let next = body.message()[fitted.message().len()..].chars().next();
                TestResult::from_bool(
                    body.message().starts_with(fitted.message())
                        && len <= request_len
                        && next.is_none_or(|c| len + c.len_utf8() > request_len),
                )
            }
            None => TestResult::error(format!("nothing fits in {request_len} bytes")),
        }
    }
    check(property as fn(String, u16) -> TestResult);
}
