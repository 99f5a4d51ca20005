//! The codes an Error frame carries (`conformance/spec/voice.md` §10): number, name, fatality and
//! the exact message, so every server sends the same bytes for the same refusal.

use super::Frame;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $name:literal, $fatal:literal, $message:literal;)*) => {
        /// A §10 error code. Frames carry the number ([`Frame::Error`]'s `code`), so that codes
        /// this version does not know pass through; this names the known ones.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum ErrorCode {
            $($variant = $code,)*
        }

        impl ErrorCode {
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn code(self) -> u16 {
                self as u16
            }

            pub fn from_code(code: u16) -> Option<Self> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }

            /// The snake_case name used in vectors, events and logs.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }

            /// The exact text of §10's message column: fixed per code, never the details.
            pub fn message(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $message,)*
                }
            }

            /// Fatal errors are followed by the server closing the connection.
            pub fn is_fatal(self) -> bool {
                match self {
                    $(ErrorCode::$variant => $fatal,)*
                }
            }
        }
    };
}

error_codes! {
    MalformedFrame = 1, "malformed_frame", true, "malformed frame";
    FrameTooLarge = 2, "frame_too_large", true, "frame too large";
    UnsupportedVersion = 3, "unsupported_version", true, "unsupported protocol version";
    InvalidToken = 4, "invalid_token", true, "invalid token";
    TokenExpired = 5, "token_expired", true, "token expired";
    InvalidUsername = 6, "invalid_username", true, "invalid username";
    UsernameTaken = 7, "username_taken", true, "username already logged in";
    NotLoggedIn = 8, "not_logged_in", false, "log in first";
    AlreadyLoggedIn = 9, "already_logged_in", false, "already logged in";
    ChannelNotFound = 10, "channel_not_found", false, "channel not found";
    NotAMember = 11, "not_a_member", false, "not a member of this channel";
    Banned = 12, "banned", false, "banned from this channel";
    ChannelFull = 13, "channel_full", false, "channel is full";
    NotInVoice = 14, "not_in_voice", false, "join a voice channel first";
    BadChatLength = 15, "bad_chat_length", false, "chat message empty or too long";
    RateLimited = 16, "rate_limited", false, "slow down";
    TooManyFrames = 17, "too_many_frames", true, "too many frames";
    LoginTimeout = 18, "login_timeout", true, "login not completed in time";
    IdleTimeout = 19, "idle_timeout", true, "connection idle";
    ServerFull = 20, "server_full", true, "server full";
    ServerClosing = 21, "server_closing", true, "server closing";
}

impl ErrorCode {
    /// The Error frame that reports this code.
    pub fn frame(self) -> Frame {
        Frame::Error {
            code: self.code(),
            message: self.message().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_run_from_1_to_21_and_round_trip() {
        let codes: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, (1..=21).collect::<Vec<u16>>());
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
        }
    }

    #[test]
    fn unknown_codes_have_no_name() {
        assert_eq!(ErrorCode::from_code(0), None);
        assert_eq!(ErrorCode::from_code(22), None);
    }

    #[test]
    fn exactly_the_spec_s_fatal_codes_are_fatal() {
        let fatal: Vec<u16> = ErrorCode::ALL
            .iter()
            .filter(|c| c.is_fatal())
            .map(|c| c.code())
            .collect();
        assert_eq!(fatal, [1, 2, 3, 4, 5, 6, 7, 17, 18, 19, 20, 21]);
    }

    #[test]
    fn the_error_frame_carries_the_number_and_the_fixed_message() {
        assert_eq!(
            ErrorCode::NotInVoice.frame(),
            Frame::Error {
                code: 14,
                message: "join a voice channel first".to_owned()
            }
        );
    }

    #[test]
    fn every_message_fits_a_str8() {
        assert!(ErrorCode::ALL.iter().all(|c| c.message().len() <= 255));
    }
}
