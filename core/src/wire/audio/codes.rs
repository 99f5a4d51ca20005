//! The numbers carried by Error packets: what went wrong and what the client should do about it.

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident($repr:ty) { $($(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know; kept so that newer peers stay readable.
            Other($repr),
        }

        impl $name {
            pub fn to_wire(self) -> $repr {
                match self {
                    $($name::$variant => $value,)*
                    $name::Other(value) => value,
                }
            }

            pub fn from_wire(value: $repr) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Other(other),
                }
            }

            /// The stable snake_case name used in specs, vectors and logs.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(_) => "other",
                }
            }
        }
    };
}

wire_enum! {
    /// Error codes (u16, big-endian on the wire). `conformance/spec/audio.md` §5 lists when each
    /// is sent.
    ErrorCode(u16) {
        /// The JWT is malformed, badly signed, not HS256, not yet valid, or names another user.
        InvalidToken = 1 => "invalid_token",
        /// The JWT's `exp` has passed.
        TokenExpired = 2 => "token_expired",
        ChannelNotFound = 3 => "channel_not_found",
        NotAMember = 4 => "not_a_member",
        Banned = 5 => "banned",
        /// The session sent nothing after its handshake Ack within the handshake timeout.
        HandshakeTimeout = 6 => "handshake_timeout",
        /// The session was idle past the session timeout and is gone.
        SessionExpired = 7 => "session_expired",
        /// The source address has no session: handshake first.
        NotAuthenticated = 8 => "not_authenticated",
        MalformedPacket = 9 => "malformed_packet",
        PacketTooLarge = 10 => "packet_too_large",
        /// The header timestamp is too far from the server's clock.
        ClockSkew = 11 => "clock_skew",
        /// The JSON handshake's `channel_id`, or a JoinChannel's channel, is not the session's.
        ChannelMismatch = 12 => "channel_mismatch",
        ChannelFull = 13 => "channel_full",
        /// The user, or the whole server, has as many sessions as allowed.
        TooManySessions = 14 => "too_many_sessions",
        /// The server is shutting down or was reset; every session has ended.
        ServerClosing = 15 => "server_closing",
    }
}

wire_enum! {
    /// What the client should do next (u8 on the wire).
    SuggestedAction(u8) {
        None = 0 => "none",
        /// Wait and send again.
        RetryLater = 1 => "retry_later",
        /// Obtain a fresh token, then handshake again.
        RenewToken = 2 => "renew_token",
        /// Handshake again with the token you have.
        Reconnect = 3 => "reconnect",
        /// The packet itself is wrong: a client bug.
        FixClient = 4 => "fix_client",
        /// Nothing the client can change: ask an administrator.
        ContactAdmin = 5 => "contact_admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_round_trip_through_their_wire_value() {
        assert_eq!(
            ErrorCode::from_wire(ErrorCode::Banned.to_wire()),
            ErrorCode::Banned
        );
        assert_eq!(ErrorCode::Banned.to_wire(), 5);
    }

    #[test]
    fn unknown_codes_are_kept() {
        assert_eq!(ErrorCode::from_wire(999), ErrorCode::Other(999));
        assert_eq!(SuggestedAction::from_wire(77).to_wire(), 77);
    }
}
