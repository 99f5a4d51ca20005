//! Properties of the voice wire codecs (`conformance/spec/voice.md` §2–§4): every valid frame and
//! datagram survives encode → parse unchanged; the parsers are total (any bytes give a frame or
//! packet, "incomplete", or one error, never a panic) and check in the spec's order; whatever
//! parses has exactly the bytes it came from as its encoding; a stream split anywhere decodes to
//! the same frames; and the encoder refuses exactly the fields that overflow their prefixes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/codec_inputs.rs"]
mod codec_inputs;
#[path = "support/frame_stream.rs"]
mod frame_stream;

use bytes::{Bytes, BytesMut};
use hark_core::wire::voice::{
    AuthStatus, DatagramError, EncodeError, FRAME_HEADER_LEN, Frame, FrameError, FrameType,
    Participant, VoicePacket, VoiceToken, parse_datagram, parse_frame,
};
use quickcheck::{Arbitrary, Gen, TestResult};

use codec_inputs::{Edit, below, check, damaged, text};
use frame_stream::{decode_in_pieces, reference_decode};

/// The largest body a u16 length prefix can announce.
const MAX_BODY: usize = u16::MAX as usize;

fn str8(g: &mut Gen) -> String {
    text(g, 255)
}

/// str16 text: up to about 1 KiB, so that its length prefix exceeds one byte.
fn str16(g: &mut Gen) -> String {
    text(g, usize::MAX)
}

fn voice_token(g: &mut Gen) -> VoiceToken {
    VoiceToken(std::array::from_fn(|_| u8::arbitrary(g)))
}

fn participant(g: &mut Gen) -> Participant {
    Participant {
        user_id: u32::arbitrary(g),
        username: str8(g),
        muted: bool::arbitrary(g),
        channel: str8(g),
    }
}

/// A frame whose every field fits its prefix, of any of the sixteen types.
#[derive(Debug, Clone)]
struct ValidFrame(Frame);

impl Arbitrary for ValidFrame {
    fn arbitrary(g: &mut Gen) -> Self {
        let frame_type = *g.choose(&FrameType::ALL).unwrap();
        ValidFrame(match frame_type {
            FrameType::LoginRequest => Frame::LoginRequest {
                version: u8::arbitrary(g),
                username: str8(g),
                token: str16(g),
            },
            FrameType::ChatSend => Frame::ChatSend { text: str16(g) },
            FrameType::SetMute => Frame::SetMute {
                muted: bool::arbitrary(g),
            },
            FrameType::JoinVoice => Frame::JoinVoice { channel: str8(g) },
            FrameType::LeaveVoice => Frame::LeaveVoice,
            FrameType::Ping => Frame::Ping {
                nonce: u64::arbitrary(g),
            },
            FrameType::LoginResponse => Frame::LoginResponse {
                user_id: u32::arbitrary(g),
                voice_token: voice_token(g),
                participants: (0..below(g, 30)).map(|_| participant(g)).collect(),
            },
            FrameType::UserJoined => Frame::UserJoined {
                user_id: u32::arbitrary(g),
                username: str8(g),
            },
            FrameType::UserLeft => Frame::UserLeft {
                user_id: u32::arbitrary(g),
            },
            FrameType::ChatMessage => Frame::ChatMessage {
                user_id: u32::arbitrary(g),
                channel: str8(g),
                text: str16(g),
            },
            FrameType::UserMuted => Frame::UserMuted {
                user_id: u32::arbitrary(g),
                muted: bool::arbitrary(g),
            },
            FrameType::JoinVoiceResponse => Frame::JoinVoiceResponse {
                channel: str8(g),
                members: Vec::arbitrary(g),
            },
            FrameType::UserJoinedVoice => Frame::UserJoinedVoice {
                user_id: u32::arbitrary(g),
                channel: str8(g),
            },
            FrameType::UserLeftVoice => Frame::UserLeftVoice {
                user_id: u32::arbitrary(g),
                channel: str8(g),
            },
            FrameType::Error => Frame::Error {
                code: u16::arbitrary(g),
                message: str8(g),
            },
            FrameType::Pong => Frame::Pong {
                nonce: u64::arbitrary(g),
            },
        })
    }
}

/// Any datagram the encoder can write, of any of the four types.
#[derive(Debug, Clone)]
struct ValidPacket(VoicePacket);

impl Arbitrary for ValidPacket {
    fn arbitrary(g: &mut Gen) -> Self {
        ValidPacket(match below(g, 4) {
            0 => VoicePacket::AuthRequest {
                token: voice_token(g),
            },
            1 => VoicePacket::AuthResponse {
                status: AuthStatus(u8::arbitrary(g)),
                user_id: u32::arbitrary(g),
            },
            2 => VoicePacket::VoiceData {
                user_id: u32::arbitrary(g),
                sequence: u32::arbitrary(g),
                payload: Bytes::from(
                    (0..below(g, 1300))
                        .map(|_| u8::arbitrary(g))
                        .collect::<Vec<_>>(),
                ),
            },
            _ => VoicePacket::Keepalive {
                nonce: u64::arbitrary(g),
            },
        })
    }
}

/// A size limit: none, the defaults, or small enough to cut through typical frames.
#[derive(Debug, Clone, Copy)]
struct MaxLen(usize);

impl Arbitrary for MaxLen {
    fn arbitrary(g: &mut Gen) -> Self {
        MaxLen(match below(g, 5) {
            0 => usize::MAX,
            1 => 4096,
            2 => 1200,
            _ => below(g, 64),
        })
    }
}

fn encode_all(frames: &[ValidFrame]) -> Vec<u8> {
    frames
        .iter()
        .flat_map(|f| f.0.encode().unwrap().to_vec())
        .collect()
}

/// §3.2 steps 1–3, which need no knowledge of the fields: `Some(outcome)` when they decide.
fn framing_outcome(bytes: &[u8], max: usize) -> Option<Result<(), FrameError>> {
    let [hi, lo, rest @ ..] = bytes else {
        return Some(Ok(()));
    };
    let len = usize::from(u16::from_be_bytes([*hi, *lo]));
    if len == 0 {
        return Some(Err(FrameError::EmptyFrame));
    }
    if len > max {
        return Some(Err(FrameError::FrameTooLarge { len, max }));
    }
    if rest.len() < len {
        return Some(Ok(()));
    }
    match FrameType::from_byte(rest[0]) {
        None => Some(Err(FrameError::UnknownType(rest[0]))),
        Some(_) => None,
    }
}

/// Parses `bytes` as §3.2 says, and checks what the answer must look like: incomplete exactly
/// when steps 1–2 say so, the error steps 1–3 give when they give one, and a parsed frame whose
/// encoding is exactly the bytes it consumed (the encoding is canonical).
fn frame_parse_holds(bytes: &[u8], max: usize) -> Result<(), String> {
    let result = parse_frame(bytes, max);
    match (framing_outcome(bytes, max), &result) {
        (Some(Ok(())), Ok(None)) | (None, Ok(Some(_)) | Err(_)) => {}
        (Some(Err(expected)), Err(error)) if expected == *error => {}
        (expected, _) => {
            return Err(format!(
                "{bytes:02x?} under {max}: {result:?}, steps 1-3 say {expected:?}"
            ));
        }
    }
    if let Ok(Some((frame, consumed))) = &result {
        let encoded = frame
            .encode()
            .map_err(|e| format!("{frame:?} does not encode: {e}"))?;
        if encoded.as_ref() != &bytes[..*consumed] {
            return Err(format!(
                "{bytes:02x?} parsed to {frame:?}, which encodes to {encoded:02x?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_valid_frame_round_trips() {
    fn property(frame: ValidFrame) -> TestResult {
        let frame = frame.0;
        let bytes = frame.encode().unwrap();
        let mut into = BytesMut::from(&b"before"[..]);
        frame.encode_into(&mut into).unwrap();
        if into[6..] != bytes[..] || &into[..6] != b"before" {
            return TestResult::error(format!("encode and encode_into disagree on {frame:?}"));
        }
        match parse_frame(&bytes, usize::MAX) {
            Ok(Some((parsed, consumed))) if parsed == frame && consumed == bytes.len() => {
                TestResult::passed()
            }
            other => TestResult::error(format!("{frame:?} came back as {other:?}")),
        }
    }
    check(property as fn(ValidFrame) -> TestResult);
}

#[test]
fn every_valid_packet_round_trips() {
    fn property(packet: ValidPacket) -> TestResult {
        let packet = packet.0;
        let bytes = packet.encode();
        if bytes.len() != packet.encoded_len() {
            return TestResult::error(format!("encoded_len() disagrees for {packet:?}"));
        }
        match parse_datagram(&bytes, usize::MAX) {
            Ok(parsed) if parsed == packet => TestResult::passed(),
            other => TestResult::error(format!("{packet:?} came back as {other:?}")),
        }
    }
    check(property as fn(ValidPacket) -> TestResult);
}

/// §3.2 step 1: a frame is incomplete, and no error, until its last byte is in.
#[test]
fn every_strict_prefix_of_a_frame_is_incomplete() {
    fn property(frame: ValidFrame) -> TestResult {
        let bytes = frame.0.encode().unwrap();
        for len in 0..bytes.len() {
            let result = parse_frame(&bytes[..len], usize::MAX);
            if result != Ok(None) {
                return TestResult::error(format!("{len}-byte prefix of {bytes:02x?}: {result:?}"));
            }
        }
        TestResult::passed()
    }
    check(property as fn(ValidFrame) -> TestResult);
}

/// §3.2 step 2: a body of exactly `max_frame_len` bytes is accepted; one more is too large as soon
/// as the two length bytes are in.
#[test]
fn the_frame_limit_admits_exactly_max_and_refuses_from_the_prefix() {
    fn property(frame: ValidFrame) -> bool {
        let bytes = frame.0.encode().unwrap();
        let len = bytes.len() - FRAME_HEADER_LEN;
        parse_frame(&bytes, len) == Ok(Some((frame.0, bytes.len())))
            && parse_frame(&bytes[..FRAME_HEADER_LEN], len - 1)
                == Err(FrameError::FrameTooLarge { len, max: len - 1 })
    }
    check(property as fn(ValidFrame) -> bool);
}

/// The frame parser is total on any bytes, follows §3.2's order, and whatever parses is
/// canonical.
#[test]
fn arbitrary_bytes_parse_as_a_frame_or_fail_in_the_spec_order() {
    fn property(bytes: Vec<u8>, max: MaxLen) -> TestResult {
        frame_parse_holds(&bytes, max.0).map_or_else(TestResult::error, |()| TestResult::passed())
    }
    check(property as fn(Vec<u8>, MaxLen) -> TestResult);
}

/// Valid frames with bytes flipped, inserted, deleted or cut off reach every field check; the
/// parser stays total and whatever still parses is canonical.
#[test]
fn damaged_frames_parse_or_fail_cleanly() {
    fn property(frame: ValidFrame, edits: Vec<Edit>, max: MaxLen) -> TestResult {
        let bytes = damaged(frame.0.encode().unwrap().to_vec(), &edits);
        frame_parse_holds(&bytes, max.0).map_or_else(TestResult::error, |()| TestResult::passed())
    }
    check(property as fn(ValidFrame, Vec<Edit>, MaxLen) -> TestResult);
}

/// §2: a bool is `0x00` or `0x01`; any other byte is `invalid_bool`, wherever the bool sits.
#[test]
fn a_bool_is_valid_exactly_when_zero_or_one() {
    fn property(byte: u8, user_id: u32) -> TestResult {
        let mut set_mute = vec![0, 2, FrameType::SetMute.byte(), byte];
        let mut user_muted = vec![0, 6, FrameType::UserMuted.byte()];
        user_muted.extend(user_id.to_be_bytes());
        user_muted.push(byte);
        for bytes in [&mut set_mute, &mut user_muted] {
            let result = parse_frame(bytes, usize::MAX).map(|parsed| parsed.map(|(f, _)| f));
            let ok = match (&result, byte) {
                (Ok(Some(Frame::SetMute { muted })), 0 | 1)
                | (Ok(Some(Frame::UserMuted { muted, .. })), 0 | 1) => *muted == (byte == 1),
                (Err(FrameError::InvalidBool(b)), 2..) => *b == byte,
                _ => false,
            };
            if !ok {
                return TestResult::error(format!("{bytes:02x?}: {result:?}"));
            }
        }
        TestResult::passed()
    }
    check(property as fn(u8, u32) -> TestResult);
}

/// Cut points for a stream of `len` bytes, from arbitrary numbers.
fn cuts(splits: &[usize], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = splits.iter().map(|s| s % (len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// §3.2 "a receiver keeps the bytes it has not yet consumed": a stream of frames split anywhere
/// decodes to the same frames as the whole stream.
#[test]
fn a_frame_stream_split_anywhere_decodes_to_the_same_frames() {
    fn property(frames: Vec<ValidFrame>, splits: Vec<usize>) -> TestResult {
        let stream = encode_all(&frames);
        let expected: Vec<Frame> = frames.into_iter().map(|f| f.0).collect();
        match decode_in_pieces(&stream, &cuts(&splits, stream.len()), MAX_BODY) {
            Ok((decoded, None)) if decoded == expected => TestResult::passed(),
            other => TestResult::error(format!("{other:?}")),
        }
    }
    check(property as fn(Vec<ValidFrame>, Vec<usize>) -> TestResult);
}

/// The decoder agrees with `parse_frame` on any stream, however it arrives: the same frames,
/// then the same error (even one found from a length prefix before its body) or an incomplete
/// tail.
#[test]
fn the_decoder_agrees_with_parse_frame_on_damaged_streams() {
    fn property(
        frames: Vec<ValidFrame>,
        edits: Vec<Edit>,
        splits: Vec<usize>,
        max: MaxLen,
    ) -> TestResult {
        let stream = damaged(encode_all(&frames), &edits);
        let expected = reference_decode(&stream, max.0);
        match decode_in_pieces(&stream, &cuts(&splits, stream.len()), max.0) {
            Ok(decoded) if decoded == expected => TestResult::passed(),
            other => TestResult::error(format!("{other:?}, whole stream gives {expected:?}")),
        }
    }
    check(property as fn(Vec<ValidFrame>, Vec<Edit>, Vec<usize>, MaxLen) -> TestResult);
}

/// §4 fully: size, empty, type, then each type's exact length; and whatever parses encodes back
/// to the very datagram, with VoiceData's payload a slice of it.
#[test]
fn arbitrary_datagrams_parse_or_fail_in_the_spec_order() {
    fn property(bytes: Vec<u8>, max: MaxLen) -> TestResult {
        let (len, max) = (bytes.len(), max.0);
        let datagram = Bytes::from(bytes);
        let expected = if len > max {
            Err(DatagramError::Oversize { len, max })
        } else {
            match datagram.first() {
                None => Err(DatagramError::Truncated),
                Some(&kind @ 1..=4) => {
                    let fixed = [17, 6, 9, 9][usize::from(kind - 1)];
                    if len < fixed {
                        Err(DatagramError::Truncated)
                    } else if len > fixed && kind != 3 {
                        Err(DatagramError::TrailingBytes { extra: len - fixed })
                    } else {
                        Ok(())
                    }
                }
                Some(&other) => Err(DatagramError::UnknownType(other)),
            }
        };
        let result = parse_datagram(&datagram, max);
        match (&result, expected) {
            (Ok(packet), Ok(())) => {
                if packet.encode() != datagram {
                    return TestResult::error(format!("{datagram:02x?} re-encodes differently"));
                }
                if let VoicePacket::VoiceData { payload, .. } = packet {
                    let whole = datagram.as_ptr_range();
                    let part = payload.as_ptr_range();
                    let inside = whole.start <= part.start && part.end <= whole.end;
                    if !payload.is_empty() && !inside {
                        return TestResult::error("the payload was copied".to_owned());
                    }
                }
                TestResult::passed()
            }
            (Err(error), Err(expected)) if *error == expected => TestResult::passed(),
            (_, expected) => TestResult::error(format!(
                "{datagram:02x?}: {result:?}, expected {expected:?}"
            )),
        }
    }
    check(property as fn(Vec<u8>, MaxLen) -> TestResult);
}

/// A string length for the encoder-limit property: usually short, sometimes just around the
/// str8 limit, sometimes around the str16 limit.
fn sized_text(g: &mut Gen) -> String {
    let len = match below(g, 8) {
        0..=3 => below(g, 40),
        4..=6 => 250 + below(g, 10),
        _ => 65_530 + below(g, 10),
    };
    "x".repeat(len)
}

/// A frame with strings of any length, valid or not.
#[derive(Debug, Clone)]
struct AnyLengthFrame(Frame);

impl Arbitrary for AnyLengthFrame {
    fn arbitrary(g: &mut Gen) -> Self {
        AnyLengthFrame(match below(g, 9) {
            0 => Frame::LoginRequest {
                version: 1,
                username: sized_text(g),
                token: sized_text(g),
            },
            1 => Frame::ChatSend {
                text: sized_text(g),
            },
            2 => Frame::JoinVoice {
                channel: sized_text(g),
            },
            3 => Frame::UserJoined {
                user_id: 1,
                username: sized_text(g),
            },
            4 => Frame::ChatMessage {
                user_id: 1,
                channel: sized_text(g),
                text: sized_text(g),
            },
            5 => Frame::JoinVoiceResponse {
                channel: sized_text(g),
                members: vec![1, 2],
            },
            6 => Frame::UserLeftVoice {
                user_id: 1,
                channel: sized_text(g),
            },
            7 => Frame::Error {
                code: 1,
                message: sized_text(g),
            },
            _ => Frame::LoginResponse {
                user_id: 1,
                voice_token: VoiceToken([0; 16]),
                participants: (0..below(g, 3))
                    .map(|_| Participant {
                        user_id: 2,
                        username: sized_text(g),
                        muted: false,
                        channel: sized_text(g),
                    })
                    .collect(),
            },
        })
    }
}

/// The frame's strings in wire order, each with its field name and prefix limit, and the size
/// of everything else in the body.
fn strings_and_fixed_len(frame: &Frame) -> (Vec<(&'static str, &str, usize)>, usize) {
    const S8: usize = 255;
    const S16: usize = MAX_BODY;
    match frame {
        Frame::LoginRequest {
            username, token, ..
        } => (vec![("username", username, S8), ("token", token, S16)], 5),
        Frame::ChatSend { text } => (vec![("text", text, S16)], 3),
        Frame::JoinVoice { channel } => (vec![("channel", channel, S8)], 2),
        Frame::UserJoined { username, .. } => (vec![("username", username, S8)], 6),
        Frame::ChatMessage { channel, text, .. } => {
            (vec![("channel", channel, S8), ("text", text, S16)], 8)
        }
        Frame::JoinVoiceResponse { channel, members } => {
            (vec![("channel", channel, S8)], 4 + 4 * members.len())
        }
        Frame::UserLeftVoice { channel, .. } => (vec![("channel", channel, S8)], 6),
        Frame::Error { message, .. } => (vec![("message", message, S8)], 4),
        Frame::LoginResponse { participants, .. } => (
            participants
                .iter()
                .flat_map(|p| {
                    [
                        ("username", p.username.as_str(), S8),
                        ("channel", &p.channel, S8),
                    ]
                })
                .collect(),
            23 + 7 * participants.len(),
        ),
        other => panic!("not generated: {other:?}"),
    }
}

/// The encoder refuses the first string (in wire order) longer than its prefix allows, else a
/// body over 65 535 bytes, and otherwise encodes; a refusal leaves `encode_into`'s buffer as it
/// was.
#[test]
fn encoders_refuse_exactly_the_fields_that_overflow_their_prefix() {
    fn property(frame: AnyLengthFrame) -> TestResult {
        let frame = frame.0;
        let (strings, fixed) = strings_and_fixed_len(&frame);
        let body: usize = fixed + strings.iter().map(|(_, s, _)| s.len()).sum::<usize>();
        let expected = match strings.iter().find(|(_, s, max)| s.len() > *max) {
            Some(&(field, text, max)) => Err(EncodeError::StringTooLong {
                field,
                len: text.len(),
                max,
            }),
            None if body > MAX_BODY => Err(EncodeError::FrameTooLarge { len: body }),
            None => Ok(FRAME_HEADER_LEN + body),
        };
        let result = frame.encode().map(|b| b.len());
        let mut out = BytesMut::from(&b"kept"[..]);
        let into = frame.encode_into(&mut out);
        let untouched_on_error = into.is_ok() || out.as_ref() == b"kept";
        if result == expected && into.is_ok() == expected.is_ok() && untouched_on_error {
            TestResult::passed()
        } else {
            TestResult::error(format!(
                "{:?}: {result:?}, expected {expected:?}",
                frame.frame_type()
            ))
        }
    }
    check(property as fn(AnyLengthFrame) -> TestResult);
}
