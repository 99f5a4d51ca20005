//! Management messages (`conformance/spec/voice.md` §3.1): what a frame carries, independent of
//! how it is encoded (`encode.rs`) or parsed (`parse.rs`).

use super::VoiceToken;

/// A logged-in user as a `LoginResponse` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user_id: u32,
    pub username: String,
    pub muted: bool,
    /// The voice channel the user is in; empty when none (directory channel ids never are).
    pub channel: String,
}

/// One management message, either direction. The parser accepts every type from both sides;
/// which side may send which is the service's rule (§5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    LoginRequest {
        version: u8,
        username: String,
        /// A JWT (`audio.md` §4).
        token: String,
    },
    ChatSend {
        text: String,
    },
    SetMute {
        muted: bool,
    },
    JoinVoice {
        channel: String,
    },
    LeaveVoice,
    Ping {
        nonce: u64,
    },
    LoginResponse {
        user_id: u32,
        voice_token: VoiceToken,
        /// Every other logged-in user, in ascending user id.
        participants: Vec<Participant>,
    },
    UserJoined {
        user_id: u32,
        username: String,
    },
    UserLeft {
        user_id: u32,
    },
    ChatMessage {
        /// The sender.
        user_id: u32,
        channel: String,
        text: String,
    },
    UserMuted {
        user_id: u32,
        muted: bool,
    },
    JoinVoiceResponse {
        channel: String,
        /// The other members, in ascending user id.
        members: Vec<u32>,
    },
    UserJoinedVoice {
        user_id: u32,
        channel: String,
    },
    UserLeftVoice {
        user_id: u32,
        channel: String,
    },
    /// `code` is a number so that codes this version does not know are carried through (§3.2);
    /// [`super::ErrorCode::from_code`] names the known ones.
    Error {
        code: u16,
        message: String,
    },
    Pong {
        /// The Ping's nonce.
        nonce: u64,
    },
}

impl Frame {
    pub fn frame_type(&self) -> FrameType {
        match self {
            Frame::LoginRequest { .. } => FrameType::LoginRequest,
            Frame::ChatSend { .. } => FrameType::ChatSend,
            Frame::SetMute { .. } => FrameType::SetMute,
            Frame::JoinVoice { .. } => FrameType::JoinVoice,
            Frame::LeaveVoice => FrameType::LeaveVoice,
            Frame::Ping { .. } => FrameType::Ping,
            Frame::LoginResponse { .. } => FrameType::LoginResponse,
            Frame::UserJoined { .. } => FrameType::UserJoined,
            Frame::UserLeft { .. } => FrameType::UserLeft,
            Frame::ChatMessage { .. } => FrameType::ChatMessage,
            Frame::UserMuted { .. } => FrameType::UserMuted,
            Frame::JoinVoiceResponse { .. } => FrameType::JoinVoiceResponse,
            Frame::UserJoinedVoice { .. } => FrameType::UserJoinedVoice,
            Frame::UserLeftVoice { .. } => FrameType::UserLeftVoice,
            Frame::Error { .. } => FrameType::Error,
            Frame::Pong { .. } => FrameType::Pong,
        }
    }
}

/// The type byte, the first byte of a frame body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum FrameType {
    LoginRequest = 0x01,
    ChatSend = 0x02,
    SetMute = 0x03,
    JoinVoice = 0x04,
    LeaveVoice = 0x05,
    Ping = 0x06,
    LoginResponse = 0x81,
    UserJoined = 0x82,
    UserLeft = 0x83,
    ChatMessage = 0x84,
    UserMuted = 0x85,
    JoinVoiceResponse = 0x86,
    UserJoinedVoice = 0x87,
    UserLeftVoice = 0x88,
    Error = 0x89,
    Pong = 0x8A,
}

impl FrameType {
    pub const ALL: [FrameType; 16] = [
        FrameType::LoginRequest,
        FrameType::ChatSend,
        FrameType::SetMute,
        FrameType::JoinVoice,
        FrameType::LeaveVoice,
        FrameType::Ping,
        FrameType::LoginResponse,
        FrameType::UserJoined,
        FrameType::UserLeft,
        FrameType::ChatMessage,
        FrameType::UserMuted,
        FrameType::JoinVoiceResponse,
        FrameType::UserJoinedVoice,
        FrameType::UserLeftVoice,
        FrameType::Error,
        FrameType::Pong,
    ];

    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.byte() == byte)
    }

    pub fn byte(self) -> u8 {
        self as u8
    }

    /// The snake_case name conformance vectors and events use (`vectors.md` §6.1).
    pub fn name(self) -> &'static str {
        match self {
            FrameType::LoginRequest => "login_request",
            FrameType::ChatSend => "chat_send",
            FrameType::SetMute => "set_mute",
            FrameType::JoinVoice => "join_voice",
            FrameType::LeaveVoice => "leave_voice",
            FrameType::Ping => "ping",
            FrameType::LoginResponse => "login_response",
            FrameType::UserJoined => "user_joined",
            FrameType::UserLeft => "user_left",
            FrameType::ChatMessage => "chat_message",
            FrameType::UserMuted => "user_muted",
            FrameType::JoinVoiceResponse => "join_voice_response",
            FrameType::UserJoinedVoice => "user_joined_voice",
            FrameType::UserLeftVoice => "user_left_voice",
            FrameType::Error => "error",
            FrameType::Pong => "pong",
        }
    }

    /// Types `0x81`–`0x8A`: a client sending one is `malformed_frame` (§5.1 step 2).
    pub fn is_server_only(self) -> bool {
        self.byte() & 0x80 != 0
    }
}
