//! Properties of the signaling events (`conformance/spec/signal.md` §5–§6): the decoder is total
//! (any data array gives an event or one error, never a panic, whatever follows a known name);
//! every valid client event, written as a client would with extra members, decodes to itself;
//! every server event encodes to a JSON array holding exactly its values; and room ids are the
//! first label, `_`, then the channel id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hark_core::wire::signal::events::{
    ChannelInfo, ChannelKind, ClientEvent, EventErrorCode, IceCandidate, ServerEvent, ServerInfo,
    SessionDescription, UserInfo, decode_client_event, room_id,
};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use serde_json::{Map, Value, json};

const NAMES: &[&str] = &[
    "join",
    "leave",
    "updateNickname",
    "updateMute",
    "offer",
    "answer",
    "ice-candidate",
    "info",
    "",
];
const MEMBERS: &[&str] = &[
    "channelID",
    "type",
    "sdp",
    "candidate",
    "sdpMid",
    "sdpMLineIndex",
    "usernameFragment",
    "x",
];
const STRINGS: &[&str] = &[
    "offer", "answer", "pranswer", "rollback", "voice", "", " ", "0", "a\nb", "é",
];

fn up_to(g: &mut Gen, max: usize) -> usize {
    usize::arbitrary(g) % (max + 1)
}

/// A JSON value biased towards the names, members and strings §5 looks at.
fn value(g: &mut Gen, depth: usize) -> Value {
    match up_to(g, if depth == 0 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(g)),
        2 => match up_to(g, 2) {
            0 => json!(i64::arbitrary(g)),
            1 => json!(up_to(g, 70_000)),
            _ => json!(f64::arbitrary(g)),
        },
        3 => Value::String(String::arbitrary(g)),
        4 => Value::String((*g.choose(STRINGS).unwrap()).to_owned()),
        5 => Value::Array((0..up_to(g, 3)).map(|_| value(g, depth - 1)).collect()),
        _ => {
            let mut object = Map::new();
            for _ in 0..up_to(g, 4) {
                let key = (*g.choose(MEMBERS).unwrap()).to_owned();
                object.insert(key, value(g, depth - 1));
            }
            Value::Object(object)
        }
    }
}

#[derive(Debug, Clone)]
struct DataArray(Vec<Value>);

impl Arbitrary for DataArray {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut data = Vec::new();
        if bool::arbitrary(g) {
            data.push(Value::String((*g.choose(NAMES).unwrap()).to_owned()));
        }
        for _ in 0..up_to(g, 3) {
            data.push(value(g, 3));
        }
        DataArray(data)
    }
}

#[test]
fn decoding_any_data_array_gives_an_event_or_one_named_error() {
    fn property(data: DataArray) -> bool {
        let name = data.0.first().and_then(Value::as_str).map(str::to_owned);
        match decode_client_event(data.0) {
            Ok(event) => Some(event.name().to_owned()) == name,
            Err(error) => {
                !error.detail.is_empty()
                    && (error.code == EventErrorCode::InvalidEvent) == name.is_none()
            }
        }
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(property as fn(DataArray) -> bool);
}

fn printable_id(g: &mut Gen) -> String {
    (0..1 + up_to(g, 15))
        .map(|_| char::from(0x21 + u8::arbitrary(g) % 0x5e))
        .collect()
}

fn nickname(g: &mut Gen) -> String {
    loop {
        let text: String = (0..1 + up_to(g, 49))
            .map(|_| char::arbitrary(g))
            .filter(|c| !c.is_control())
            .collect();
        let trimmed = text.trim();
        if !trimmed.is_empty() && trimmed == text {
            return text;
        }
    }
}

fn sdp(g: &mut Gen) -> String {
    format!("v=0\r\n{}", String::arbitrary(g))
}

fn candidate_json(g: &mut Gen) -> Value {
    let mid = bool::arbitrary(g);
    json!({
        "candidate": String::arbitrary(g).chars().take(100).collect::<String>(),
        "sdpMid": if mid { json!(printable_id(g)) } else { Value::Null },
        "sdpMLineIndex": if !mid || bool::arbitrary(g) { json!(u16::arbitrary(g)) } else { Value::Null },
        "usernameFragment": if bool::arbitrary(g) { json!(printable_id(g)) } else { Value::Null },
    })
}

/// A valid client event and the data array a client sends for it, with a member §5 ignores.
#[derive(Debug, Clone)]
struct ValidEvent(ClientEvent, Vec<Value>);

impl Arbitrary for ValidEvent {
    fn arbitrary(g: &mut Gen) -> Self {
        match up_to(g, 6) {
            0 => {
                let channel_id = printable_id(g);
                let data = vec![json!("join"), json!({"x": 1, "channelID": channel_id})];
                ValidEvent(ClientEvent::Join { channel_id }, data)
            }
            1 => ValidEvent(ClientEvent::Leave, vec![json!("leave"), json!({})]),
            2 => {
                let nickname = nickname(g);
                let data = vec![json!("updateNickname"), json!(format!(" {nickname}\t"))];
                ValidEvent(ClientEvent::UpdateNickname(nickname), data)
            }
            3 => {
                let muted = bool::arbitrary(g);
                ValidEvent(
                    ClientEvent::UpdateMute(muted),
                    vec![json!("updateMute"), json!(muted)],
                )
            }
            4 | 5 => {
                let (name, kind) = if up_to(g, 1) == 0 {
                    ("offer", "offer")
                } else {
                    ("answer", "answer")
                };
                let description = json!({"sdp": sdp(g), "type": kind});
                let parsed = SessionDescription::parse(description.clone()).unwrap();
                let event = if name == "offer" {
                    ClientEvent::Offer(parsed)
                } else {
                    ClientEvent::Answer(parsed)
                };
                ValidEvent(event, vec![json!(name), description])
            }
            _ => {
                let candidate = candidate_json(g);
                let parsed = IceCandidate::parse(candidate.clone()).unwrap();
                ValidEvent(
                    ClientEvent::IceCandidate(parsed),
                    vec![json!("ice-candidate"), candidate],
                )
            }
        }
    }
}

#[test]
fn every_valid_client_event_decodes_to_itself() {
    fn property(event: ValidEvent) -> bool {
        decode_client_event(event.1) == Ok(event.0)
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(property as fn(ValidEvent) -> bool);
}

fn user(g: &mut Gen) -> UserInfo {
    UserInfo {
        id: String::arbitrary(g),
        nickname: String::arbitrary(g),
        is_muted: bool::arbitrary(g),
        has_joined_channel: bool::arbitrary(g),
        is_connected_to_voice: bool::arbitrary(g),
        stream_id: Option::<String>::arbitrary(g),
    }
}

fn user_json(user: &UserInfo) -> Value {
    let mut value = json!({
        "id": user.id,
        "nickname": user.nickname,
        "isMuted": user.is_muted,
        "hasJoinedChannel": user.has_joined_channel,
        "isConnectedToVoice": user.is_connected_to_voice,
    });
    if let Some(stream_id) = &user.stream_id {
        value["streamID"] = json!(stream_id);
    }
    value
}

/// A server event and the JSON array it must encode to.
#[derive(Debug, Clone)]
struct Encoded(ServerEvent, Value);

impl Arbitrary for Encoded {
    fn arbitrary(g: &mut Gen) -> Self {
        match up_to(g, 7) {
            0 => {
                let channels: Vec<ChannelInfo> = (0..up_to(g, 3))
                    .map(|_| ChannelInfo {
                        id: printable_id(g),
                        name: String::arbitrary(g),
                        kind: if bool::arbitrary(g) {
                            ChannelKind::Voice
                        } else {
                            ChannelKind::Text
                        },
                    })
                    .collect();
                let info = ServerInfo {
                    name: String::arbitrary(g),
                    members: usize::arbitrary(g),
                    channels,
                    icon_url: Option::<String>::arbitrary(g),
                    stun_hosts: Vec::<String>::arbitrary(g),
                };
                let expected = json!(["info", {
                    "name": info.name,
                    "members": info.members.to_string(),
                    "channels": info.channels.iter().map(|c| json!({
                        "id": c.id,
                        "name": c.name,
                        "type": if c.kind == ChannelKind::Voice { "voice" } else { "text" },
                    })).collect::<Vec<_>>(),
                    "icon_url": info.icon_url,
                    "stun_hosts": info.stun_hosts,
                }]);
                Encoded(ServerEvent::Info(info), expected)
            }
            1 => {
                let users: Vec<UserInfo> = (0..up_to(g, 3)).map(|_| user(g)).collect();
                let expected = json!(["users", users.iter().map(user_json).collect::<Vec<_>>()]);
                Encoded(ServerEvent::Users(users), expected)
            }
            2..=4 => {
                let user = user(g);
                let (name, event) = match up_to(g, 2) {
                    0 => ("user-joined", ServerEvent::UserJoined(user.clone())),
                    1 => ("user-left", ServerEvent::UserLeft(user.clone())),
                    _ => ("user-updated", ServerEvent::UserUpdated(user.clone())),
                };
                Encoded(event, json!([name, user_json(&user)]))
            }
            5 => {
                let kind = *g.choose(&["offer", "answer"]).unwrap();
                let description = json!({"type": kind, "sdp": sdp(g)});
                let parsed = SessionDescription::parse(description.clone()).unwrap();
                let event = if kind == "offer" {
                    ServerEvent::Offer(parsed)
                } else {
                    ServerEvent::Answer(parsed)
                };
                Encoded(event, json!([kind, description]))
            }
            6 => {
                let candidate = candidate_json(g);
                let parsed = IceCandidate::parse(candidate.clone()).unwrap();
                Encoded(
                    ServerEvent::IceCandidate(parsed),
                    json!(["ice-candidate", candidate]),
                )
            }
            _ => {
                let code = *g.choose(EventErrorCode::ALL).unwrap();
                Encoded(
                    ServerEvent::Error(code),
                    json!(["error", {"error": code.code(), "message": code.message()}]),
                )
            }
        }
    }
}

#[test]
fn every_server_event_encodes_to_json_holding_exactly_its_values() {
    fn property(encoded: Encoded) -> bool {
        let text = encoded.0.encode();
        serde_json::from_str::<Value>(&text).ok() == Some(encoded.1) && !text.contains('\n')
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(property as fn(Encoded) -> bool);
}

#[test]
fn room_ids_are_the_first_label_an_underscore_and_the_channel_id() {
    fn property(labels: Vec<String>, channel_id: String) -> TestResult {
        if labels.iter().any(|label| label.contains('.')) || labels.is_empty() {
            return TestResult::discard();
        }
        let server_name = labels.join(".");
        TestResult::from_bool(
            room_id(&server_name, &channel_id) == format!("{}_{channel_id}", labels[0]),
        )
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(property as fn(Vec<String>, String) -> TestResult);
}
