//! Frame parsing (`conformance/spec/voice.md` §3.2). The checks run in the spec's order — length
//! prefix, empty, size limit, completeness, type, then each field in turn — so every byte string
//! gives one answer, and a frame too large is refused from its first two bytes.

use nom::{
    IResult, Parser,
    bytes::complete::take,
    error::{ErrorKind, ParseError},
    multi::length_data,
    number::complete::{be_u8, be_u16, be_u32, be_u64},
};

use super::{FRAME_HEADER_LEN, Frame, FrameError, FrameType, Participant, VoiceToken};

/// Parses the frame at the start of `input`.
///
/// `Ok(None)`: incomplete, wait for more bytes (not an error). `Ok(Some((frame, consumed)))`:
/// one frame, `consumed` bytes long including the length prefix. The length is checked as soon
/// as its two bytes are present, without waiting for the body.
pub fn parse_frame(
    input: &[u8],
    max_frame_len: usize,
) -> Result<Option<(Frame, usize)>, FrameError> {
    let Some((prefix, rest)) = input.split_first_chunk::<FRAME_HEADER_LEN>() else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes(*prefix));
    if len == 0 {
        return Err(FrameError::EmptyFrame);
    }
    if len > max_frame_len {
        return Err(FrameError::FrameTooLarge {
            len,
            max: max_frame_len,
        });
    }
    let Some(body) = rest.get(..len) else {
        return Ok(None);
    };
    Ok(Some((parse_body(body)?, FRAME_HEADER_LEN + len)))
}

/// A whole body: the type byte, its fields, nothing after them.
fn parse_body(body: &[u8]) -> Result<Frame, FrameError> {
    let (&type_byte, fields) = body.split_first().ok_or(FrameError::EmptyFrame)?;
    let frame_type = FrameType::from_byte(type_byte).ok_or(FrameError::UnknownType(type_byte))?;
    let (rest, frame) = parse_fields(frame_type, fields).map_err(|e| match e {
        nom::Err::Error(Fault(e)) | nom::Err::Failure(Fault(e)) => e,
        nom::Err::Incomplete(_) => FrameError::Truncated,
    })?;
    if !rest.is_empty() {
        return Err(FrameError::TrailingBytes { extra: rest.len() });
    }
    Ok(frame)
}

/// The error of the field parsers. nom's complete-input primitives fail only by running out of
/// body, which is `truncated`; the string and bool parsers fail with their own kinds.
#[derive(Debug)]
struct Fault(FrameError);

impl ParseError<&[u8]> for Fault {
    fn from_error_kind(_: &[u8], _: ErrorKind) -> Self {
        Fault(FrameError::Truncated)
    }

    fn append(_: &[u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Field<'a, T> = IResult<&'a [u8], T, Fault>;

fn fail<T>(error: FrameError) -> Result<T, nom::Err<Fault>> {
    Err(nom::Err::Failure(Fault(error)))
}

/// §3.1's fields for `frame_type`, in order.
fn parse_fields(frame_type: FrameType, input: &[u8]) -> Field<'_, Frame> {
    match frame_type {
        FrameType::LoginRequest => (be_u8, str8, str16)
            .map(|(version, username, token)| Frame::LoginRequest {
                version,
                username,
                token,
            })
            .parse(input),
        FrameType::ChatSend => str16.map(|text| Frame::ChatSend { text }).parse(input),
        FrameType::SetMute => boolean.map(|muted| Frame::SetMute { muted }).parse(input),
        FrameType::JoinVoice => str8
            .map(|channel| Frame::JoinVoice { channel })
            .parse(input),
        FrameType::LeaveVoice => Ok((input, Frame::LeaveVoice)),
        FrameType::Ping => be_u64.map(|nonce| Frame::Ping { nonce }).parse(input),
        FrameType::LoginResponse => (be_u32, voice_token, list(participant, PARTICIPANT_MIN_LEN))
            .map(
                |(user_id, voice_token, participants)| Frame::LoginResponse {
                    user_id,
                    voice_token,
                    participants,
                },
            )
            .parse(input),
        FrameType::UserJoined => (be_u32, str8)
            .map(|(user_id, username)| Frame::UserJoined { user_id, username })
            .parse(input),
        FrameType::UserLeft => be_u32
            .map(|user_id| Frame::UserLeft { user_id })
            .parse(input),
        FrameType::ChatMessage => (be_u32, str8, str16)
            .map(|(user_id, channel, text)| Frame::ChatMessage {
                user_id,
                channel,
                text,
            })
            .parse(input),
        FrameType::UserMuted => (be_u32, boolean)
            .map(|(user_id, muted)| Frame::UserMuted { user_id, muted })
            .parse(input),
        FrameType::JoinVoiceResponse => (str8, list(be_u32, 4))
            .map(|(channel, members)| Frame::JoinVoiceResponse { channel, members })
            .parse(input),
        FrameType::UserJoinedVoice => (be_u32, str8)
            .map(|(user_id, channel)| Frame::UserJoinedVoice { user_id, channel })
            .parse(input),
        FrameType::UserLeftVoice => (be_u32, str8)
            .map(|(user_id, channel)| Frame::UserLeftVoice { user_id, channel })
            .parse(input),
        FrameType::Error => (be_u16, str8)
            .map(|(code, message)| Frame::Error { code, message })
            .parse(input),
        FrameType::Pong => be_u64.map(|nonce| Frame::Pong { nonce }).parse(input),
    }
}

/// user id (4) + username length (1) + muted (1) + channel length (1).
const PARTICIPANT_MIN_LEN: usize = 7;

fn participant(input: &[u8]) -> Field<'_, Participant> {
    (be_u32, str8, boolean, str8)
        .map(|(user_id, username, muted, channel)| Participant {
            user_id,
            username,
            muted,
            channel,
        })
        .parse(input)
}

/// A u16 count, then that many items. The count comes from the peer, so the vector is sized by
/// what the remaining bytes could hold (items are at least `min_item_len` bytes), not by the
/// count: a 3-byte lie must not allocate for 65 535 items.
fn list<'a, T>(
    mut item: impl Parser<&'a [u8], Output = T, Error = Fault>,
    min_item_len: usize,
) -> impl Parser<&'a [u8], Output = Vec<T>, Error = Fault> {
    move |input: &'a [u8]| -> Field<'a, Vec<T>> {
        let (mut rest, count) = be_u16(input)?;
        let count = usize::from(count);
        let room = rest.len().checked_div(min_item_len).unwrap_or(rest.len());
        let mut items = Vec::with_capacity(count.min(room));
        for _ in 0..count {
            let (next, value) = item.parse(rest)?;
            items.push(value);
            rest = next;
        }
        Ok((rest, items))
    }
}

fn str8(input: &[u8]) -> Field<'_, String> {
    let (rest, bytes) = length_data(be_u8).parse(input)?;
    utf8(rest, bytes)
}

fn str16(input: &[u8]) -> Field<'_, String> {
    let (rest, bytes) = length_data(be_u16).parse(input)?;
    utf8(rest, bytes)
}

fn utf8<'a>(rest: &'a [u8], bytes: &[u8]) -> Field<'a, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((rest, text.to_owned())),
        Err(_) => fail(FrameError::InvalidUtf8),
    }
}

fn boolean(input: &[u8]) -> Field<'_, bool> {
    let (rest, byte) = be_u8(input)?;
    match byte {
        0 => Ok((rest, false)),
        1 => Ok((rest, true)),
        other => fail(FrameError::InvalidBool(other)),
    }
}

fn voice_token(input: &[u8]) -> Field<'_, VoiceToken> {
    let (rest, bytes) = take(VoiceToken::LEN).parse(input)?;
    match <[u8; VoiceToken::LEN]>::try_from(bytes) {
        Ok(token) => Ok((rest, VoiceToken(token))),
        Err(_) => fail(FrameError::Truncated),
    }
}
