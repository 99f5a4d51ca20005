//! `decode_client_event` and `ServerEvent::encode` against `conformance/spec/signal.md` §5: the
//! seed's events decode, each refusal gives its code in §5's order, and every server event is
//! written byte for byte.

use serde_json::{Value, json};

use super::*;

fn decode(data: Value) -> Result<ClientEvent, EventError> {
    let Value::Array(data) = data else {
        panic!("{data} is not an array")
    };
    decode_client_event(data)
}

fn code(data: Value) -> EventErrorCode {
    decode(data).unwrap_err().code
}

fn description(kind: &str) -> SessionDescription {
    SessionDescription::parse(json!({"type": kind, "sdp": "v=0\r\n"})).unwrap()
}

fn ada() -> UserInfo {
    UserInfo {
        id: "u1".to_owned(),
        nickname: "Ada".to_owned(),
        is_muted: false,
        has_joined_channel: true,
        is_connected_to_voice: false,
        stream_id: None,
    }
}

#[test]
fn join_decodes_its_channel_id() {
    assert_eq!(
        decode(json!(["join", {"channelID": "voice"}])),
        Ok(ClientEvent::Join {
            channel_id: "voice".to_owned()
        })
    );
}

#[test]
fn join_ignores_members_it_does_not_know() {
    assert!(decode(json!(["join", {"channelID": "voice", "extra": [1]}])).is_ok());
}

#[test]
fn join_without_a_string_channel_id_is_an_invalid_payload() {
    for argument in [
        json!({}),
        json!({"channelID": 1}),
        json!("voice"),
        json!(null),
    ] {
        assert_eq!(
            code(json!(["join", argument])),
            EventErrorCode::InvalidPayload,
            "{argument}"
        );
    }
}

#[test]
fn join_s_channel_id_is_a_directory_channel_id() {
    assert!(decode(json!(["join", {"channelID": "sixteen-chars-id"}])).is_ok());
    for bad in ["", "seventeen-chars-x", "has space", "é", "tab\t"] {
        assert_eq!(
            code(json!(["join", {"channelID": bad}])),
            EventErrorCode::InvalidChannel,
            "{bad:?}"
        );
    }
}

#[test]
fn leave_takes_nothing_null_or_an_object() {
    for data in [
        json!(["leave"]),
        json!(["leave", {}]),
        json!(["leave", null]),
        json!(["leave", {"channelID": "voice"}]),
    ] {
        assert_eq!(decode(data.clone()), Ok(ClientEvent::Leave), "{data}");
    }
}

#[test]
fn leave_refuses_other_arguments() {
    for data in [
        json!(["leave", 1]),
        json!(["leave", {}, {}]),
        json!(["leave", "x"]),
    ] {
        assert_eq!(code(data.clone()), EventErrorCode::InvalidPayload, "{data}");
    }
}

#[test]
fn update_nickname_decodes_the_trimmed_nickname() {
    assert_eq!(
        decode(json!(["updateNickname", "  Ada  "])),
        Ok(ClientEvent::UpdateNickname("Ada".to_owned()))
    );
}

#[test]
fn update_nickname_refuses_a_non_string() {
    assert_eq!(
        code(json!(["updateNickname", {"nickname": "Ada"}])),
        EventErrorCode::InvalidPayload
    );
}

#[test]
fn update_nickname_refuses_an_invalid_nickname() {
    for bad in ["", "   ", "a\nb", &"x".repeat(51)] {
        assert_eq!(
            code(json!(["updateNickname", bad])),
            EventErrorCode::InvalidNickname,
            "{bad:?}"
        );
    }
}

#[test]
fn update_mute_takes_a_boolean_and_nothing_else() {
    assert_eq!(
        decode(json!(["updateMute", true])),
        Ok(ClientEvent::UpdateMute(true))
    );
    assert_eq!(
        decode(json!(["updateMute", false])),
        Ok(ClientEvent::UpdateMute(false))
    );
    for bad in [json!(1), json!("true"), json!(null)] {
        assert_eq!(
            code(json!(["updateMute", bad])),
            EventErrorCode::InvalidPayload,
            "{bad}"
        );
    }
}

#[test]
fn offer_takes_a_description_of_type_offer() {
    assert_eq!(
        decode(json!(["offer", {"type": "offer", "sdp": "v=0\r\n"}])),
        Ok(ClientEvent::Offer(description("offer")))
    );
    assert_eq!(
        code(json!(["offer", {"type": "answer", "sdp": "v=0"}])),
        EventErrorCode::InvalidDescription
    );
}

#[test]
fn answer_takes_a_description_of_type_answer_or_pranswer() {
    assert_eq!(
        decode(json!(["answer", {"type": "answer", "sdp": "v=0\r\n"}])),
        Ok(ClientEvent::Answer(description("answer")))
    );
    assert!(decode(json!(["answer", {"type": "pranswer", "sdp": "v=0"}])).is_ok());
    for kind in ["offer", "rollback"] {
        assert_eq!(
            code(json!(["answer", {"type": kind, "sdp": "v=0"}])),
            EventErrorCode::InvalidDescription,
            "{kind}"
        );
    }
}

#[test]
fn ice_candidate_takes_a_candidate() {
    let candidate = json!({"candidate": "candidate:1 1 udp 1 192.0.2.1 1 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": null});
    let Ok(ClientEvent::IceCandidate(decoded)) = decode(json!(["ice-candidate", candidate])) else {
        panic!("not a candidate")
    };
    assert_eq!(decoded.sdp_mid(), Some("0"));
    assert_eq!(
        code(json!(["ice-candidate", {"candidate": "c"}])),
        EventErrorCode::InvalidCandidate
    );
}

#[test]
fn events_with_one_argument_refuse_none_and_two() {
    for name in [
        "join",
        "updateNickname",
        "updateMute",
        "offer",
        "answer",
        "ice-candidate",
    ] {
        assert_eq!(
            code(json!([name])),
            EventErrorCode::InvalidPayload,
            "{name}"
        );
        assert_eq!(
            code(json!([name, true, true])),
            EventErrorCode::InvalidPayload,
            "{name}"
        );
    }
}

#[test]
fn arity_is_checked_before_the_argument() {
    assert_eq!(
        code(json!(["join", {"channelID": ""}, 1])),
        EventErrorCode::InvalidPayload
    );
}

#[test]
fn an_empty_array_or_a_non_string_name_is_an_invalid_event() {
    for data in [
        json!([]),
        json!([1]),
        json!([null, "join"]),
        json!([["join"]]),
    ] {
        assert_eq!(code(data.clone()), EventErrorCode::InvalidEvent, "{data}");
    }
}

#[test]
fn unknown_names_are_unknown_events_whatever_their_arguments() {
    for data in [
        json!(["Join", {"channelID": "voice"}]),
        json!(["info"]),
        json!(["user-joined", {}]),
        json!([""]),
    ] {
        assert_eq!(code(data.clone()), EventErrorCode::UnknownEvent, "{data}");
    }
}

#[test]
fn decoded_events_name_themselves_as_on_the_wire() {
    for data in [
        json!(["join", {"channelID": "v"}]),
        json!(["leave"]),
        json!(["updateNickname", "n"]),
        json!(["updateMute", true]),
        json!(["offer", {"type": "offer", "sdp": "v"}]),
        json!(["answer", {"type": "answer", "sdp": "v"}]),
        json!(["ice-candidate", {"candidate": "", "sdpMid": "0"}]),
    ] {
        assert_eq!(Some(decode(data.clone()).unwrap().name()), data[0].as_str());
    }
}

#[test]
fn info_writes_name_members_as_a_string_channels_icon_and_stun_hosts() {
    let info = ServerInfo {
        name: "techial.example.com".to_owned(),
        members: 3,
        channels: vec![
            ChannelInfo {
                id: "general".to_owned(),
                name: "General".to_owned(),
                kind: ChannelKind::Text,
            },
            ChannelInfo {
                id: "voice".to_owned(),
                name: "Voice Chat".to_owned(),
                kind: ChannelKind::Voice,
            },
        ],
        icon_url: Some("example.png".to_owned()),
        stun_hosts: vec!["stun:stun.l.google.com:19302".to_owned()],
    };
    assert_eq!(
        ServerEvent::Info(info).encode(),
        r#"["info",{"name":"techial.example.com","members":"3","channels":[{"id":"general","name":"General","type":"text"},{"id":"voice","name":"Voice Chat","type":"voice"}],"icon_url":"example.png","stun_hosts":["stun:stun.l.google.com:19302"]}]"#
    );
}

#[test]
fn info_writes_a_null_icon_and_empty_lists() {
    let info = ServerInfo {
        name: "hark".to_owned(),
        members: 0,
        channels: vec![],
        icon_url: None,
        stun_hosts: vec![],
    };
    assert_eq!(
        ServerEvent::Info(info).encode(),
        r#"["info",{"name":"hark","members":"0","channels":[],"icon_url":null,"stun_hosts":[]}]"#
    );
}

#[test]
fn user_info_leaves_out_an_unset_stream_id() {
    assert_eq!(
        ServerEvent::UserJoined(ada()).encode(),
        r#"["user-joined",{"id":"u1","nickname":"Ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false}]"#
    );
}

#[test]
fn user_info_writes_a_set_stream_id_last() {
    let user = UserInfo {
        is_connected_to_voice: true,
        stream_id: Some("s-1".to_owned()),
        ..ada()
    };
    assert_eq!(
        ServerEvent::UserUpdated(user).encode(),
        r#"["user-updated",{"id":"u1","nickname":"Ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":true,"streamID":"s-1"}]"#
    );
}

#[test]
fn user_left_carries_the_user_info() {
    assert_eq!(
        ServerEvent::UserLeft(ada()).encode(),
        r#"["user-left",{"id":"u1","nickname":"Ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false}]"#
    );
}

#[test]
fn users_is_an_array_of_user_info_in_order() {
    let bob = UserInfo {
        id: "u2".to_owned(),
        nickname: "Bob".to_owned(),
        is_muted: true,
        ..ada()
    };
    assert_eq!(
        ServerEvent::Users(vec![ada(), bob]).encode(),
        r#"["users",[{"id":"u1","nickname":"Ada","isMuted":false,"hasJoinedChannel":true,"isConnectedToVoice":false},{"id":"u2","nickname":"Bob","isMuted":true,"hasJoinedChannel":true,"isConnectedToVoice":false}]]"#
    );
    assert_eq!(ServerEvent::Users(vec![]).encode(), r#"["users",[]]"#);
}

#[test]
fn offer_and_answer_relay_the_description() {
    assert_eq!(
        ServerEvent::Offer(description("offer")).encode(),
        r#"["offer",{"type":"offer","sdp":"v=0\r\n"}]"#
    );
    assert_eq!(
        ServerEvent::Answer(description("answer")).encode(),
        r#"["answer",{"type":"answer","sdp":"v=0\r\n"}]"#
    );
}

#[test]
fn ice_candidate_relays_the_candidate() {
    let candidate = IceCandidate::parse(json!({"candidate": "c", "sdpMLineIndex": 1})).unwrap();
    assert_eq!(
        ServerEvent::IceCandidate(candidate).encode(),
        r#"["ice-candidate",{"candidate":"c","sdpMid":null,"sdpMLineIndex":1,"usernameFragment":null}]"#
    );
}

#[test]
fn error_writes_the_code_and_its_message() {
    assert_eq!(
        ServerEvent::from(EventErrorCode::InvalidNickname).encode(),
        r#"["error",{"error":"invalid_nickname","message":"Invalid nickname"}]"#
    );
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let user = UserInfo {
        nickname: "\"Ada\" \\ é".to_owned(),
        ..ada()
    };
    assert!(
        ServerEvent::UserJoined(user)
            .encode()
            .contains(r#""nickname":"\"Ada\" \\ é""#)
    );
}
