//! The CONNECT `auth` object (`signal.md` §4): where the client puts its JWT, invite code and
//! initial nickname, and the CONNECT_ERROR a refusal is answered with. Verifying the token and
//! the invite code needs the server's secret, clock and configuration, so this module only checks
//! the object's shape; the service does the rest in §4's order.

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::Value;

use super::nickname::normalize_nickname;

/// What a client sent in `auth`, shape-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAuth {
    /// `auth.token`, not yet verified.
    pub token: String,
    /// `auth.inviteCode` when it is a non-empty string.
    pub invite_code: Option<String>,
    /// `auth.nickname`, trimmed and valid under §5's rule, when present.
    pub nickname: Option<String>,
}

/// Why a CONNECT is refused (§4), except rate limiting, whose payload is §7's RateLimitError.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ConnectRefusal {
    #[error("auth_required")]
    AuthRequired,
    #[error("invalid_token")]
    InvalidToken,
    #[error("invalid_nickname")]
    InvalidNickname,
    #[error("invite_required")]
    InviteRequired,
    #[error("invalid_invite")]
    InvalidInvite,
}

impl ConnectRefusal {
    pub const ALL: &[ConnectRefusal] = &[
        ConnectRefusal::AuthRequired,
        ConnectRefusal::InvalidToken,
        ConnectRefusal::InvalidNickname,
        ConnectRefusal::InviteRequired,
        ConnectRefusal::InvalidInvite,
    ];

    /// The `data.error` member's value.
    pub fn code(self) -> &'static str {
        match self {
            ConnectRefusal::AuthRequired => "auth_required",
            ConnectRefusal::InvalidToken => "invalid_token",
            ConnectRefusal::InvalidNickname => "invalid_nickname",
            ConnectRefusal::InviteRequired => "invite_required",
            ConnectRefusal::InvalidInvite => "invalid_invite",
        }
    }

    /// The exact `message` text, fixed per code.
    pub fn message(self) -> &'static str {
        match self {
            ConnectRefusal::AuthRequired => "Authentication required",
            ConnectRefusal::InvalidToken => "Invalid or expired token",
            ConnectRefusal::InvalidNickname => "Invalid nickname",
            ConnectRefusal::InviteRequired => "An invite code is required",
            ConnectRefusal::InvalidInvite => "Invalid invite code",
        }
    }
}

/// The CONNECT_ERROR packet's data as `socket.io` writes an `Error` with `data` passed to
/// `next()`: `{"message":…,"data":{"error":…,"message":…}}`, in that order (a
/// `serde_json::Value` would sort `data` first).
impl Serialize for ConnectRefusal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut members = serializer.serialize_struct("ConnectRefusal", 2)?;
        members.serialize_field("message", self.message())?;
        members.serialize_field("data", &RefusalData(*self))?;
        members.end()
    }
}

/// `data`: the Gryt server's `{error, message}` shape.
struct RefusalData(ConnectRefusal);

impl Serialize for RefusalData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut members = serializer.serialize_struct("RefusalData", 2)?;
        members.serialize_field("error", self.0.code())?;
        members.serialize_field("message", self.0.message())?;
        members.end()
    }
}

/// Checks the CONNECT packet's data (§4 step 2): an object with a string `token`
/// (else `auth_required`) and, when `nickname` is present, a valid nickname (else
/// `invalid_nickname`). Other members are ignored.
pub fn decode_connect_auth(auth: Option<&Value>) -> Result<ConnectAuth, ConnectRefusal> {
    let Some(Value::Object(auth)) = auth else {
        return Err(ConnectRefusal::AuthRequired);
    };
    let Some(Value::String(token)) = auth.get("token") else {
        return Err(ConnectRefusal::AuthRequired);
    };
    let nickname = match auth.get("nickname") {
        None | Some(Value::Null) => None,
        Some(Value::String(requested)) => Some(
            normalize_nickname(requested)
                .ok_or(ConnectRefusal::InvalidNickname)?
                .to_owned(),
        ),
        Some(_) => return Err(ConnectRefusal::InvalidNickname),
    };
    let invite_code = match auth.get("inviteCode") {
        Some(Value::String(code)) if !code.is_empty() => Some(code.clone()),
        _ => None,
    };
    Ok(ConnectAuth {
        token: token.clone(),
        invite_code,
        nickname,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn decode(auth: Value) -> Result<ConnectAuth, ConnectRefusal> {
        decode_connect_auth(Some(&auth))
    }

    #[test]
    fn token_invite_code_and_nickname_are_read_from_auth() {
        assert_eq!(
            decode(json!({"token": "t", "inviteCode": "welcome", "nickname": " Ada ", "x": 1})),
            Ok(ConnectAuth {
                token: "t".to_owned(),
                invite_code: Some("welcome".to_owned()),
                nickname: Some("Ada".to_owned()),
            })
        );
    }

    #[test]
    fn invite_code_and_nickname_are_optional() {
        assert_eq!(
            decode(json!({"token": "t", "nickname": null})),
            Ok(ConnectAuth {
                token: "t".to_owned(),
                invite_code: None,
                nickname: None,
            })
        );
    }

    #[test]
    fn an_empty_or_non_string_invite_code_is_no_invite_code() {
        for code in [json!(""), json!(7), json!(null)] {
            assert_eq!(
                decode(json!({"token": "t", "inviteCode": code}))
                    .unwrap()
                    .invite_code,
                None
            );
        }
    }

    #[test]
    fn no_auth_object_or_no_string_token_is_auth_required() {
        assert_eq!(decode_connect_auth(None), Err(ConnectRefusal::AuthRequired));
        for auth in [
            json!("t"),
            json!({}),
            json!({"token": 1}),
            json!({"accessToken": "t"}),
        ] {
            assert_eq!(
                decode(auth.clone()),
                Err(ConnectRefusal::AuthRequired),
                "{auth}"
            );
        }
    }

    #[test]
    fn an_invalid_nickname_is_refused() {
        for nickname in [json!(""), json!("a\nb"), json!(1)] {
            assert_eq!(
                decode(json!({"token": "t", "nickname": nickname})),
                Err(ConnectRefusal::InvalidNickname)
            );
        }
    }

    #[test]
    fn a_refusal_serializes_as_socket_io_s_connect_error_data() {
        assert_eq!(
            serde_json::to_string(&ConnectRefusal::InvalidToken).unwrap(),
            r#"{"message":"Invalid or expired token","data":{"error":"invalid_token","message":"Invalid or expired token"}}"#
        );
    }
}
