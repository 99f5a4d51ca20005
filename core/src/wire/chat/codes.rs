//! The codes an `error` message carries (`conformance/spec/chat.md` §6): name, exact message and
//! whether it counts as a violation, so every server sends the same bytes for the same refusal.

use serde::ser::{Serialize, SerializeStruct, Serializer};

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $message:literal, $violation:literal;)*) => {
        /// A §6 error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The `code` member's value, e.g. `INVALID_JSON`.
            pub fn code(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The exact text of §6's message column: fixed per code, never the details.
            pub fn message(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $message,)*
                }
            }

            /// Whether §7 counts this error against the connection's IP. `IP_BLOCKED` is the
            /// consequence of violations, not one itself.
            pub fn is_violation(self) -> bool {
                match self {
                    $(ErrorCode::$variant => $violation,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidJson = "INVALID_JSON", "Invalid JSON", true;
    UnknownType = "UNKNOWN_TYPE", "Unknown message type", true;
    InvalidMessage = "INVALID_MESSAGE", "Invalid message format", true;
    MessageTooLarge = "MESSAGE_TOO_LARGE", "Message too large", true;
    InvalidRoom = "INVALID_ROOM", "Invalid room name", true;
    InvalidUser = "INVALID_USER", "Invalid user data", true;
    InvalidContent = "INVALID_CONTENT", "Invalid encrypted content", true;
    RateLimited = "RATE_LIMITED", "Too many messages", true;
    JoinRateLimited = "JOIN_RATE_LIMITED", "Too many room joins", true;
    NotInRoom = "NOT_IN_ROOM", "Not in a room", false;
    RoomFull = "ROOM_FULL", "Room is full", false;
    DuplicateUser = "DUPLICATE_USER", "User already in room", false;
    ServerFull = "SERVER_FULL", "Server is full", false;
    IpBlocked = "IP_BLOCKED", "Too many violations: temporarily blocked", false;
}

/// The `code` and `message` members of an `error` message, in §3's order.
impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut members = serializer.serialize_struct("ErrorCode", 2)?;
        members.serialize_field("code", self.code())?;
        members.serialize_field("message", self.message())?;
        members.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_the_fourteen_codes_of_section_6() {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [
                "INVALID_JSON",
                "UNKNOWN_TYPE",
                "INVALID_MESSAGE",
                "MESSAGE_TOO_LARGE",
                "INVALID_ROOM",
                "INVALID_USER",
                "INVALID_CONTENT",
                "RATE_LIMITED",
                "JOIN_RATE_LIMITED",
                "NOT_IN_ROOM",
                "ROOM_FULL",
                "DUPLICATE_USER",
                "SERVER_FULL",
                "IP_BLOCKED",
            ]
        );
    }

    #[test]
    fn messages_are_the_exact_section_6_text() {
        assert_eq!(
            ErrorCode::InvalidContent.message(),
            "Invalid encrypted content"
        );
        assert_eq!(
            ErrorCode::IpBlocked.message(),
            "Too many violations: temporarily blocked"
        );
        assert_eq!(ErrorCode::DuplicateUser.message(), "User already in room");
    }

    #[test]
    fn exactly_the_first_nine_codes_are_violations() {
        let violations: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|c| c.is_violation())
            .map(|c| c.code())
            .collect();
        let first_nine: Vec<&str> = ErrorCode::ALL[..9].iter().map(|c| c.code()).collect();
        assert_eq!(violations, first_nine);
    }
}
