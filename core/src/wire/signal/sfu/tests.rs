//! The SFU link's messages against `signal.md` §8.2–§8.4, byte for byte.

use serde_json::json;

use super::*;

const MAX: usize = 1_000_000;

fn offer() -> SessionDescription {
    SessionDescription::parse(json!({"type": "offer", "sdp": "v=0\r\n"})).unwrap()
}

fn candidate() -> IceCandidate {
    IceCandidate::parse(json!({"candidate": "c", "sdpMid": "0", "sdpMLineIndex": 0})).unwrap()
}

fn kind_of(text: &str) -> &'static str {
    decode_from_sfu(text, MAX).unwrap_err().kind()
}

#[test]
fn hello_writes_type_token_then_server() {
    let hello = ToSfu::Hello {
        token: "123".into(),
        server: "techial.example.com".into(),
    };
    assert_eq!(
        hello.encode(),
        r#"{"type":"hello","token":"123","server":"techial.example.com"}"#
    );
}

#[test]
fn join_and_leave_write_the_spec_s_members_in_order() {
    let join = ToSfu::Join {
        room_id: "techial_voice".into(),
        peer_id: "p1".into(),
        user_id: "ada".into(),
    };
    assert_eq!(
        join.encode(),
        r#"{"type":"join","roomID":"techial_voice","peerID":"p1","userID":"ada"}"#
    );
    let leave = ToSfu::Leave {
        room_id: "techial_voice".into(),
        peer_id: "p1".into(),
    };
    assert_eq!(
        leave.encode(),
        r#"{"type":"leave","roomID":"techial_voice","peerID":"p1"}"#
    );
}

#[test]
fn relayed_values_are_written_as_section_5_2_sends_them() {
    let offer = ToSfu::Offer {
        peer_id: "p1".into(),
        description: offer(),
    };
    assert_eq!(
        offer.encode(),
        r#"{"type":"offer","peerID":"p1","description":{"type":"offer","sdp":"v=0\r\n"}}"#
    );
    let ice = ToSfu::IceCandidate {
        peer_id: "p1".into(),
        candidate: candidate(),
    };
    assert_eq!(
        ice.encode(),
        r#"{"type":"ice-candidate","peerID":"p1","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}}"#
    );
}

#[test]
fn every_sfu_message_decodes_to_what_it_encodes_from() {
    let answer = SessionDescription::parse(json!({"type": "pranswer", "sdp": "v=0"})).unwrap();
    let messages = [
        FromSfu::Welcome,
        FromSfu::Offer {
            peer_id: "p".into(),
            description: offer(),
        },
        FromSfu::Answer {
            peer_id: "p".into(),
            description: answer,
        },
        FromSfu::IceCandidate {
            peer_id: "p".into(),
            candidate: candidate(),
        },
        FromSfu::Connected {
            peer_id: "p".into(),
        },
        FromSfu::Disconnected {
            peer_id: "p".into(),
        },
        FromSfu::TrackAdded {
            peer_id: "p".into(),
            stream_id: "s".into(),
        },
        FromSfu::TrackRemoved {
            peer_id: "p".into(),
            stream_id: "s".into(),
        },
    ];
    for message in messages {
        assert_eq!(decode_from_sfu(&message.encode(), MAX), Ok(message));
    }
}

#[test]
fn welcome_is_the_bare_type() {
    assert_eq!(FromSfu::Welcome.encode(), r#"{"type":"welcome"}"#);
    assert_eq!(
        decode_from_sfu(r#"{"type":"welcome","motd":"hi"}"#, MAX),
        Ok(FromSfu::Welcome)
    );
}

#[test]
fn unlisted_members_are_ignored() {
    assert_eq!(
        decode_from_sfu(r#"{"peerID":"p","extra":[1],"type":"connected"}"#, MAX),
        Ok(FromSfu::Connected {
            peer_id: "p".into()
        })
    );
}

#[test]
fn a_frame_over_max_payload_is_refused_before_it_is_read() {
    assert_eq!(
        decode_from_sfu(r#"{"type":"welcome"}"#, 10),
        Err(SfuError::TooLarge { len: 18, max: 10 })
    );
}

#[test]
fn anything_but_an_object_with_a_known_string_type_is_refused() {
    assert_eq!(kind_of("{"), "invalid_json");
    assert_eq!(kind_of("[]"), "not_an_object");
    assert_eq!(kind_of(r#"{"type":1}"#), "missing_type");
    assert_eq!(kind_of("{}"), "missing_type");
    assert_eq!(kind_of(r#"{"type":"hello"}"#), "unknown_type");
    assert_eq!(kind_of(r#"{"type":"Welcome"}"#), "unknown_type");
}

#[test]
fn peer_id_is_a_string() {
    assert_eq!(kind_of(r#"{"type":"connected"}"#), "invalid_peer_id");
    assert_eq!(
        kind_of(r#"{"type":"connected","peerID":7}"#),
        "invalid_peer_id"
    );
}

#[test]
fn stream_id_is_a_non_empty_string_of_at_most_256_bytes() {
    let at_limit = "s".repeat(MAX_STREAM_ID_BYTES);
    let text = format!(r#"{{"type":"track-added","peerID":"p","streamID":"{at_limit}"}}"#);
    assert!(decode_from_sfu(&text, MAX).is_ok());
    for bad in [
        json!(""),
        json!("s".repeat(MAX_STREAM_ID_BYTES + 1)),
        json!(null),
        json!(3),
    ] {
        let text = json!({"type": "track-removed", "peerID": "p", "streamID": bad}).to_string();
        assert_eq!(kind_of(&text), "invalid_stream_id", "{bad}");
    }
}

#[test]
fn an_offer_must_be_of_type_offer_and_an_answer_of_type_answer_or_pranswer() {
    assert_eq!(
        kind_of(r#"{"type":"offer","peerID":"p","description":{"type":"answer","sdp":"v"}}"#),
        "invalid_description"
    );
    assert_eq!(
        kind_of(r#"{"type":"answer","peerID":"p","description":{"type":"offer","sdp":"v"}}"#),
        "invalid_description"
    );
    assert_eq!(
        kind_of(r#"{"type":"answer","peerID":"p","description":"v=0"}"#),
        "invalid_description"
    );
    assert_eq!(
        kind_of(r#"{"type":"offer","peerID":"p"}"#),
        "invalid_description"
    );
}

#[test]
fn candidates_follow_section_5_1() {
    assert_eq!(
        kind_of(r#"{"type":"ice-candidate","peerID":"p","candidate":{"candidate":"c"}}"#),
        "invalid_candidate"
    );
    assert_eq!(
        kind_of(r#"{"type":"ice-candidate","peerID":"p"}"#),
        "invalid_candidate"
    );
}

#[test]
fn peer_id_is_checked_before_the_payload() {
    assert_eq!(kind_of(r#"{"type":"offer"}"#), "invalid_peer_id");
}
