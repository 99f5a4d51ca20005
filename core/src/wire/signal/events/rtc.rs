//! The two WebRTC values signaling relays (`signal.md` §5): `RTCSessionDescriptionInit`
//! (`{type, sdp}`) and `RTCIceCandidateInit` (`{candidate, sdpMid, sdpMLineIndex,
//! usernameFragment}`), as a browser's `toJSON()` writes them. hark does not interpret SDP or
//! candidates; it checks the shape a browser can take back and bounds every string, so what it
//! relays is what a peer can apply and nothing larger than a real one.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{EventError, EventErrorCode};

/// The longest `sdp`, in bytes. Real descriptions are a few KiB; an offer with many codecs,
/// simulcast layers and candidates stays well under this.
pub const MAX_SDP_BYTES: usize = 65_536;
/// The longest `candidate`, in bytes: an `a=candidate` line is under 200 bytes in practice.
pub const MAX_CANDIDATE_BYTES: usize = 1024;
/// The longest `sdpMid` and `usernameFragment`, in bytes (RFC 8839 allows a ufrag of 256
/// characters, which are ASCII).
pub const MAX_ICE_TOKEN_BYTES: usize = 256;

/// `RTCSdpType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SdpType {
    Offer,
    Pranswer,
    Answer,
    Rollback,
}

impl SdpType {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "offer" => Some(SdpType::Offer),
            "pranswer" => Some(SdpType::Pranswer),
            "answer" => Some(SdpType::Answer),
            "rollback" => Some(SdpType::Rollback),
            _ => None,
        }
    }
}

/// A validated session description. Serializes as `{"type":…,"sdp":…}`; members a client added
/// are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SessionDescription {
    #[serde(rename = "type")]
    kind: SdpType,
    sdp: String,
}

impl SessionDescription {
    /// Checks a JSON value: an object (else `invalid_payload`) whose `type` is an `RTCSdpType`
    /// and whose `sdp` is a string of at most [`MAX_SDP_BYTES`], empty only for `rollback`
    /// (else `invalid_description`).
    pub fn parse(value: Value) -> Result<Self, EventError> {
        let Value::Object(mut object) = value else {
            return Err(EventError::new(
                EventErrorCode::InvalidPayload,
                "a session description is not an object",
            ));
        };
        let kind = match object.remove("type") {
            Some(Value::String(name)) => SdpType::from_name(&name),
            _ => None,
        };
        let Some(kind) = kind else {
            return Err(invalid_description(
                "type is not offer, pranswer, answer or rollback",
            ));
        };
        let Some(Value::String(sdp)) = object.remove("sdp") else {
            return Err(invalid_description("sdp is missing or not a string"));
        };
        if sdp.len() > MAX_SDP_BYTES {
            return Err(invalid_description("sdp is longer than 65536 bytes"));
        }
        if sdp.is_empty() && kind != SdpType::Rollback {
            return Err(invalid_description("sdp is empty"));
        }
        Ok(SessionDescription { kind, sdp })
    }

    pub fn kind(&self) -> SdpType {
        self.kind
    }

    pub fn sdp(&self) -> &str {
        &self.sdp
    }
}

/// A validated ICE candidate. Serializes all four members in `toJSON()`'s order, `null` for the
/// optional ones a client left out (which `new RTCIceCandidate(…)` accepts); other members are
/// dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IceCandidate {
    candidate: String,
    #[serde(rename = "sdpMid")]
    sdp_mid: Option<String>,
    #[serde(rename = "sdpMLineIndex")]
    sdp_m_line_index: Option<u16>,
    #[serde(rename = "usernameFragment")]
    username_fragment: Option<String>,
}

impl IceCandidate {
    /// Checks a JSON value: an object (else `invalid_payload`) with a string `candidate` of at
    /// most [`MAX_CANDIDATE_BYTES`] (empty is the end-of-candidates signal); `sdpMid` and
    /// `usernameFragment` absent, `null` or strings of at most [`MAX_ICE_TOKEN_BYTES`];
    /// `sdpMLineIndex` absent, `null` or an integer 0–65535; and not both `sdpMid` and
    /// `sdpMLineIndex` missing, which a browser refuses (else `invalid_candidate`).
    pub fn parse(value: Value) -> Result<Self, EventError> {
        let Value::Object(mut object) = value else {
            return Err(EventError::new(
                EventErrorCode::InvalidPayload,
                "an ICE candidate is not an object",
            ));
        };
        let Some(Value::String(candidate)) = object.remove("candidate") else {
            return Err(invalid_candidate("candidate is missing or not a string"));
        };
        if candidate.len() > MAX_CANDIDATE_BYTES {
            return Err(invalid_candidate("candidate is longer than 1024 bytes"));
        }
        let sdp_mid = optional_token(
            &mut object,
            "sdpMid",
            "sdpMid is neither null nor a string of at most 256 bytes",
        )?;
        let sdp_m_line_index = match object.remove("sdpMLineIndex") {
            None | Some(Value::Null) => None,
            Some(Value::Number(number)) => match number.as_u64().map(u16::try_from) {
                Some(Ok(index)) => Some(index),
                _ => return Err(invalid_candidate("sdpMLineIndex is not an integer 0–65535")),
            },
            Some(_) => {
                return Err(invalid_candidate(
                    "sdpMLineIndex is neither null nor a number",
                ));
            }
        };
        let username_fragment = optional_token(
            &mut object,
            "usernameFragment",
            "usernameFragment is neither null nor a string of at most 256 bytes",
        )?;
        if sdp_mid.is_none() && sdp_m_line_index.is_none() {
            return Err(invalid_candidate("both sdpMid and sdpMLineIndex are null"));
        }
        Ok(IceCandidate {
            candidate,
            sdp_mid,
            sdp_m_line_index,
            username_fragment,
        })
    }

    pub fn candidate(&self) -> &str {
        &self.candidate
    }

    pub fn sdp_mid(&self) -> Option<&str> {
        self.sdp_mid.as_deref()
    }

    pub fn sdp_m_line_index(&self) -> Option<u16> {
        self.sdp_m_line_index
    }

    pub fn username_fragment(&self) -> Option<&str> {
        self.username_fragment.as_deref()
    }
}

fn optional_token(
    object: &mut Map<String, Value>,
    member: &str,
    detail: &'static str,
) -> Result<Option<String>, EventError> {
    match object.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) if token.len() <= MAX_ICE_TOKEN_BYTES => Ok(Some(token)),
        Some(_) => Err(invalid_candidate(detail)),
    }
}

fn invalid_description(detail: &'static str) -> EventError {
    EventError::new(EventErrorCode::InvalidDescription, detail)
}

fn invalid_candidate(detail: &'static str) -> EventError {
    EventError::new(EventErrorCode::InvalidCandidate, detail)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code_of<T: std::fmt::Debug>(result: Result<T, EventError>) -> EventErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn a_browser_s_offer_parses_and_writes_type_then_sdp() {
        let offer = SessionDescription::parse(json!({"sdp": "v=0\r\n", "type": "offer"})).unwrap();
        assert_eq!(offer.kind(), SdpType::Offer);
        assert_eq!(
            serde_json::to_string(&offer).unwrap(),
            r#"{"type":"offer","sdp":"v=0\r\n"}"#
        );
    }

    #[test]
    fn descriptions_drop_members_a_client_added() {
        let answer =
            SessionDescription::parse(json!({"type": "answer", "sdp": "v=0", "x": 1})).unwrap();
        assert_eq!(
            serde_json::to_string(&answer).unwrap(),
            r#"{"type":"answer","sdp":"v=0"}"#
        );
    }

    #[test]
    fn a_description_that_is_not_an_object_is_an_invalid_payload() {
        assert_eq!(
            code_of(SessionDescription::parse(json!("v=0"))),
            EventErrorCode::InvalidPayload
        );
    }

    #[test]
    fn description_types_are_the_four_rtc_sdp_types() {
        for kind in ["offer", "pranswer", "answer"] {
            assert!(SessionDescription::parse(json!({"type": kind, "sdp": "v=0"})).is_ok());
        }
        for bad in [json!("Offer"), json!(null), json!(1)] {
            assert_eq!(
                code_of(SessionDescription::parse(
                    json!({"type": bad, "sdp": "v=0"})
                )),
                EventErrorCode::InvalidDescription
            );
        }
    }

    #[test]
    fn sdp_is_a_non_empty_string_of_at_most_64_kib() {
        let at_limit = "a".repeat(MAX_SDP_BYTES);
        assert!(SessionDescription::parse(json!({"type": "offer", "sdp": at_limit})).is_ok());
        for bad in [json!("a".repeat(MAX_SDP_BYTES + 1)), json!(""), json!(null)] {
            assert_eq!(
                code_of(SessionDescription::parse(
                    json!({"type": "offer", "sdp": bad})
                )),
                EventErrorCode::InvalidDescription
            );
        }
        assert_eq!(
            code_of(SessionDescription::parse(json!({"type": "offer"}))),
            EventErrorCode::InvalidDescription
        );
    }

    #[test]
    fn only_a_rollback_may_have_an_empty_sdp() {
        assert!(SessionDescription::parse(json!({"type": "rollback", "sdp": ""})).is_ok());
    }

    #[test]
    fn a_browser_s_candidate_parses_and_writes_to_json_s_order() {
        let candidate = IceCandidate::parse(json!({
            "usernameFragment": "abcd",
            "sdpMLineIndex": 0,
            "sdpMid": "0",
            "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host"
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_string(&candidate).unwrap(),
            r#"{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}"#
        );
    }

    #[test]
    fn absent_optional_members_are_written_as_null() {
        let candidate = IceCandidate::parse(json!({"candidate": "", "sdpMid": "audio"})).unwrap();
        assert_eq!(
            serde_json::to_string(&candidate).unwrap(),
            r#"{"candidate":"","sdpMid":"audio","sdpMLineIndex":null,"usernameFragment":null}"#
        );
    }

    #[test]
    fn a_candidate_needs_sdp_mid_or_sdp_m_line_index() {
        assert!(IceCandidate::parse(json!({"candidate": "c", "sdpMLineIndex": 3})).is_ok());
        assert_eq!(
            code_of(IceCandidate::parse(
                json!({"candidate": "c", "sdpMid": null, "sdpMLineIndex": null})
            )),
            EventErrorCode::InvalidCandidate
        );
    }

    #[test]
    fn candidate_is_a_string_of_at_most_1024_bytes() {
        let at_limit = "c".repeat(MAX_CANDIDATE_BYTES);
        assert!(IceCandidate::parse(json!({"candidate": at_limit, "sdpMid": "0"})).is_ok());
        for bad in [
            json!("c".repeat(MAX_CANDIDATE_BYTES + 1)),
            json!(null),
            json!(7),
        ] {
            assert_eq!(
                code_of(IceCandidate::parse(
                    json!({"candidate": bad, "sdpMid": "0"})
                )),
                EventErrorCode::InvalidCandidate
            );
        }
    }

    #[test]
    fn sdp_m_line_index_is_an_integer_from_0_to_65535() {
        assert!(IceCandidate::parse(json!({"candidate": "", "sdpMLineIndex": 65535})).is_ok());
        for bad in [json!(65536), json!(-1), json!(0.5), json!("0")] {
            assert_eq!(
                code_of(IceCandidate::parse(
                    json!({"candidate": "", "sdpMLineIndex": bad})
                )),
                EventErrorCode::InvalidCandidate,
                "{bad}"
            );
        }
    }

    #[test]
    fn sdp_mid_and_username_fragment_are_strings_of_at_most_256_bytes() {
        let long = "m".repeat(MAX_ICE_TOKEN_BYTES + 1);
        for member in ["sdpMid", "usernameFragment"] {
            for bad in [json!(long), json!(0), json!([])] {
                let mut value = json!({"candidate": "", "sdpMLineIndex": 0});
                value[member] = bad;
                assert_eq!(
                    code_of(IceCandidate::parse(value)),
                    EventErrorCode::InvalidCandidate,
                    "{member}"
                );
            }
        }
    }

    #[test]
    fn a_candidate_that_is_not_an_object_is_an_invalid_payload() {
        assert_eq!(
            code_of(IceCandidate::parse(json!(null))),
            EventErrorCode::InvalidPayload
        );
    }
}
