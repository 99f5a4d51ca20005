//! Frame encoding (`conformance/spec/voice.md` §2, §3). The fields are walked once by a generic
//! writer, first into a counter that checks every length prefix and sizes the frame, then into
//! the output: a frame that cannot be encoded fails before a byte is written.

use bytes::{BufMut, Bytes, BytesMut};

use super::{EncodeError, FRAME_HEADER_LEN, Frame, Participant, VoiceToken};

impl Frame {
    /// The whole frame, length prefix included. Fails only when a field exceeds its prefix
    /// (str8 over 255 bytes, str16 over 65 535, a list over 65 535 items) or the body exceeds
    /// 65 535 bytes.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::new();
        self.encode_into(&mut out)?;
        Ok(out.freeze())
    }

    /// Appends the frame to `out`; on error `out` is unchanged.
    pub fn encode_into(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let mut counter = Counter(0);
        write_body(self, &mut counter)?;
        let len = counter.0;
        let prefix = u16::try_from(len).map_err(|_| EncodeError::FrameTooLarge { len })?;
        out.reserve(FRAME_HEADER_LEN + len);
        out.put_u16(prefix);
        write_body(self, out)
    }
}

/// Where fields go: a byte counter (the sizing pass) or the output buffer.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

struct Counter(usize);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl Sink for BytesMut {
    fn put(&mut self, bytes: &[u8]) {
        self.put_slice(bytes);
    }
}

/// The type byte and the fields, in §3.1's order.
fn write_body(frame: &Frame, out: &mut impl Sink) -> Result<(), EncodeError> {
    out.put(&[frame.frame_type().byte()]);
    match frame {
        Frame::LoginRequest {
            version,
            username,
            token,
        } => {
            out.put(&[*version]);
            str8(out, "username", username)?;
            str16(out, "token", token)?;
        }
        Frame::ChatSend { text } => str16(out, "text", text)?,
        Frame::SetMute { muted } => boolean(out, *muted),
        Frame::JoinVoice { channel } => str8(out, "channel", channel)?,
        Frame::LeaveVoice => {}
        Frame::Ping { nonce } | Frame::Pong { nonce } => out.put(&nonce.to_be_bytes()),
        Frame::LoginResponse {
            user_id,
            voice_token: VoiceToken(token),
            participants,
        } => {
            out.put(&user_id.to_be_bytes());
            out.put(token);
            count(out, "participants", participants.len())?;
            for participant in participants {
                write_participant(out, participant)?;
            }
        }
        Frame::UserJoined { user_id, username } => {
            out.put(&user_id.to_be_bytes());
            str8(out, "username", username)?;
        }
        Frame::UserLeft { user_id } => out.put(&user_id.to_be_bytes()),
        Frame::ChatMessage {
            user_id,
            channel,
            text,
        } => {
            out.put(&user_id.to_be_bytes());
            str8(out, "channel", channel)?;
            str16(out, "text", text)?;
        }
        Frame::UserMuted { user_id, muted } => {
            out.put(&user_id.to_be_bytes());
            boolean(out, *muted);
        }
        Frame::JoinVoiceResponse { channel, members } => {
            str8(out, "channel", channel)?;
            count(out, "members", members.len())?;
            for member in members {
                out.put(&member.to_be_bytes());
            }
        }
        Frame::UserJoinedVoice { user_id, channel } | Frame::UserLeftVoice { user_id, channel } => {
            out.put(&user_id.to_be_bytes());
            str8(out, "channel", channel)?;
        }
        Frame::Error { code, message } => {
            out.put(&code.to_be_bytes());
            str8(out, "message", message)?;
        }
    }
    Ok(())
}

fn write_participant(out: &mut impl Sink, participant: &Participant) -> Result<(), EncodeError> {
    out.put(&participant.user_id.to_be_bytes());
    str8(out, "username", &participant.username)?;
    boolean(out, participant.muted);
    str8(out, "channel", &participant.channel)
}

fn boolean(out: &mut impl Sink, value: bool) {
    out.put(&[u8::from(value)]);
}

fn str8(out: &mut impl Sink, field: &'static str, text: &str) -> Result<(), EncodeError> {
    let len = u8::try_from(text.len()).map_err(|_| EncodeError::StringTooLong {
        field,
        len: text.len(),
        max: usize::from(u8::MAX),
    })?;
    out.put(&[len]);
    out.put(text.as_bytes());
    Ok(())
}

fn str16(out: &mut impl Sink, field: &'static str, text: &str) -> Result<(), EncodeError> {
    let len = u16::try_from(text.len()).map_err(|_| EncodeError::StringTooLong {
        field,
        len: text.len(),
        max: usize::from(u16::MAX),
    })?;
    out.put(&len.to_be_bytes());
    out.put(text.as_bytes());
    Ok(())
}

fn count(out: &mut impl Sink, field: &'static str, len: usize) -> Result<(), EncodeError> {
    let count = u16::try_from(len).map_err(|_| EncodeError::TooManyItems { field, len })?;
    out.put(&count.to_be_bytes());
    Ok(())
}
