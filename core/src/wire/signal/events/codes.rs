//! The codes a refused signaling event carries (`signal.md` §5): snake_case names in the style of
//! the Gryt server's `error` members (`invalid_payload`, `rate_limited`), each with a fixed
//! message, so every server sends the same bytes for the same refusal.

use serde::ser::{Serialize, SerializeStruct, Serializer};

macro_rules! event_error_codes {
    ($($variant:ident = $code:literal, $message:literal;)*) => {
        /// A §5 error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventErrorCode {
            $($variant,)*
        }

        impl EventErrorCode {
            pub const ALL: &[EventErrorCode] = &[$(EventErrorCode::$variant,)*];

            /// The `error` member's value, e.g. `unknown_event`.
            pub fn code(self) -> &'static str {
                match self {
                    $(EventErrorCode::$variant => $code,)*
                }
            }

            /// The exact `message` text: fixed per code, never the details.
            pub fn message(self) -> &'static str {
                match self {
                    $(EventErrorCode::$variant => $message,)*
                }
            }
        }
    };
}

event_error_codes! {
    InvalidEvent = "invalid_event", "Event data is not a name followed by arguments";
    UnknownEvent = "unknown_event", "Unknown event";
    InvalidPayload = "invalid_payload", "Wrong number or type of arguments";
    InvalidChannel = "invalid_channel", "Invalid channel id";
    InvalidNickname = "invalid_nickname", "Invalid nickname";
    InvalidDescription = "invalid_description", "Invalid session description";
    InvalidCandidate = "invalid_candidate", "Invalid ICE candidate";
    UnknownChannel = "unknown_channel", "No such voice channel";
    Forbidden = "forbidden", "Not allowed in this channel";
    ChannelFull = "channel_full", "Channel is full";
    NotInChannel = "not_in_channel", "Not in a voice channel";
    VoiceUnavailable = "voice_unavailable", "Voice is unavailable";
}

/// The `error` and `message` members of an `error` event's payload, in that order.
impl Serialize for EventErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut members = serializer.serialize_struct("EventErrorCode", 2)?;
        members.serialize_field("error", self.code())?;
        members.serialize_field("message", self.message())?;
        members.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_the_twelve_codes_of_section_5() {
        let codes: Vec<&str> = EventErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [
                "invalid_event",
                "unknown_event",
                "invalid_payload",
                "invalid_channel",
                "invalid_nickname",
                "invalid_description",
                "invalid_candidate",
                "unknown_channel",
                "forbidden",
                "channel_full",
                "not_in_channel",
                "voice_unavailable",
            ]
        );
    }

    #[test]
    fn codes_serialize_as_error_then_message() {
        assert_eq!(
            serde_json::to_string(&EventErrorCode::UnknownEvent).unwrap(),
            r#"{"error":"unknown_event","message":"Unknown event"}"#
        );
    }
}
