//! Socket.IO packets (signal.md §3): the grammar, each kind's data rule and the encoder's bytes.
//! The handshake and Engine.IO packets are tested beside their code.

use serde_json::{Value, json};

use super::*;

const MAX: usize = DEFAULT_MAX_PAYLOAD;

fn decode(text: &str) -> Result<SocketPacket, SocketError> {
    decode_socket(text, MAX)
}

fn packet(kind: PacketKind, ack_id: Option<u64>, data: Option<Value>) -> SocketPacket {
    SocketPacket {
        kind,
        namespace: Namespace::main(),
        ack_id,
        data,
    }
}

fn error_kind(text: &str) -> &'static str {
    decode(text).unwrap_err().kind()
}

#[test]
fn a_bare_connect_is_the_main_namespace_without_data() {
    assert_eq!(decode("0"), Ok(packet(PacketKind::Connect, None, None)));
    assert_eq!(packet(PacketKind::Connect, None, None).encode(), "0");
}

#[test]
fn a_connect_carries_the_auth_object() {
    let auth = json!({"token": "a.b.c"});
    assert_eq!(
        decode(r#"0{"token":"a.b.c"}"#),
        Ok(packet(PacketKind::Connect, None, Some(auth)))
    );
}

#[test]
fn the_server_answers_a_connect_with_its_sid() {
    let answer = packet(PacketKind::Connect, None, Some(json!({"sid": "abc"})));
    assert_eq!(answer.encode(), r#"0{"sid":"abc"}"#);
}

#[test]
fn connect_data_must_be_an_object() {
    assert_eq!(error_kind(r#"0["token"]"#), "invalid_connect_data");
    assert_eq!(error_kind(r#"0"token""#), "invalid_connect_data");
    assert_eq!(error_kind("0null"), "invalid_connect_data");
}

#[test]
fn a_connect_error_carries_an_object_or_a_string() {
    let refusal = packet(
        PacketKind::ConnectError,
        None,
        Some(json!({"message": "Invalid token", "data": {"code": "invalid_token"}})),
    );
    let text = r#"4{"data":{"code":"invalid_token"},"message":"Invalid token"}"#;
    assert_eq!(refusal.encode(), text);
    assert_eq!(decode(text), Ok(refusal));
    assert!(decode(r#"4"Invalid namespace""#).is_ok());
    assert_eq!(error_kind("4[]"), "invalid_connect_error_data");
    assert_eq!(error_kind("4"), "missing_data");
}

#[test]
fn a_disconnect_carries_nothing() {
    assert_eq!(decode("1"), Ok(packet(PacketKind::Disconnect, None, None)));
    assert_eq!(error_kind("1{}"), "unexpected_data");
}

#[test]
fn an_event_is_an_array_starting_with_its_name() {
    let text = r#"2["join",{"channelID":"voice"}]"#;
    let event = packet(
        PacketKind::Event,
        None,
        Some(json!(["join", {"channelID": "voice"}])),
    );
    assert_eq!(decode(text), Ok(event.clone()));
    assert_eq!(event.encode(), text);
    assert!(decode(r#"2["leave"]"#).is_ok());
}

#[test]
fn event_data_that_is_not_a_named_array_is_refused() {
    assert_eq!(error_kind("2"), "missing_data");
    assert_eq!(error_kind("2[]"), "invalid_event_data");
    assert_eq!(error_kind("2[1]"), "invalid_event_data");
    assert_eq!(error_kind(r#"2{"join":1}"#), "invalid_event_data");
}

#[test]
fn reserved_event_names_are_refused() {
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        assert_eq!(
            decode(&format!(r#"2["{name}"]"#)),
            Err(SocketError::ReservedEventName(name.to_owned()))
        );
    }
}

#[test]
fn an_event_may_ask_for_an_ack_and_the_ack_answers_it() {
    assert_eq!(
        decode(r#"212["updateMute",true]"#),
        Ok(packet(
            PacketKind::Event,
            Some(12),
            Some(json!(["updateMute", true]))
        ))
    );
    let ack = packet(PacketKind::Ack, Some(1), Some(json!(["ok"])));
    assert_eq!(ack.encode(), r#"31["ok"]"#);
    assert_eq!(decode(r#"31["ok"]"#), Ok(ack));
}

#[test]
fn an_ack_needs_an_id_and_array_data() {
    assert_eq!(error_kind(r#"3["ok"]"#), "missing_ack_id");
    assert_eq!(error_kind("31"), "missing_data");
    assert_eq!(error_kind(r#"31{"ok":true}"#), "invalid_ack_data");
    assert!(decode("31[]").is_ok());
}

#[test]
fn only_events_and_acks_carry_ack_ids() {
    assert_eq!(error_kind("01{}"), "unexpected_ack_id");
    assert_eq!(error_kind("17"), "unexpected_ack_id");
    assert_eq!(error_kind(r#"42"no""#), "unexpected_ack_id");
}

#[test]
fn ack_ids_span_u64() {
    let max = format!(r#"2{}["a"]"#, u64::MAX);
    assert_eq!(decode(&max).unwrap().ack_id, Some(u64::MAX));
    assert_eq!(
        error_kind(r#"218446744073709551616["a"]"#),
        "ack_id_out_of_range"
    );
}

#[test]
fn other_namespaces_are_written_with_a_trailing_comma() {
    let admin = SocketPacket {
        namespace: Namespace::new("/admin").unwrap(),
        ..packet(PacketKind::Event, Some(3), Some(json!(["x"])))
    };
    assert_eq!(admin.encode(), r#"2/admin,3["x"]"#);
    assert_eq!(decode(r#"2/admin,3["x"]"#), Ok(admin));
    assert_eq!(
        decode("0/admin").unwrap().namespace,
        Namespace::new("/admin").unwrap()
    );
    assert_eq!(
        packet(PacketKind::Connect, None, None).namespace.as_str(),
        "/"
    );
}

#[test]
fn a_namespace_starts_with_a_slash_and_has_no_comma() {
    assert_eq!(Namespace::new("admin"), Err(SocketError::InvalidNamespace));
    assert_eq!(Namespace::new("/a,b"), Err(SocketError::InvalidNamespace));
    assert!(Namespace::new("/").unwrap().is_main());
}

#[test]
fn binary_packets_announce_one_to_ten_attachments() {
    let text = r#"51-["upload",{"_placeholder":true,"num":0}]"#;
    let decoded = decode(text).unwrap();
    assert_eq!(decoded.kind, PacketKind::BinaryEvent { attachments: 1 });
    assert_eq!(decoded.encode(), text);
    assert_eq!(
        decode(r#"610-2[]"#).unwrap().kind,
        PacketKind::BinaryAck { attachments: 10 }
    );
    assert_eq!(error_kind(r#"50-["a"]"#), "invalid_attachments");
    assert_eq!(error_kind(r#"511-["a"]"#), "invalid_attachments");
    assert_eq!(error_kind(r#"5["a"]"#), "invalid_attachments");
    assert_eq!(error_kind(r#"51["a"]"#), "invalid_attachments");
}

#[test]
fn attachments_on_other_kinds_are_refused() {
    assert_eq!(error_kind(r#"21-["a"]"#), "unexpected_attachments");
    assert_eq!(error_kind("01-"), "unexpected_attachments");
}

#[test]
fn data_must_be_json() {
    assert_eq!(error_kind("2[\"a\""), "invalid_json");
    assert_eq!(error_kind("0abc"), "invalid_json");
    assert_eq!(error_kind(r#"2["a"]x"#), "invalid_json");
}

#[test]
fn json_nested_beyond_the_recursion_limit_is_refused() {
    let deep = format!("2[\"a\",{}{}]", "[".repeat(200), "]".repeat(200));
    assert_eq!(error_kind(&deep), "invalid_json");
}

#[test]
fn empty_and_unknown_types_are_refused() {
    assert_eq!(decode(""), Err(SocketError::Empty));
    assert_eq!(decode("7[]"), Err(SocketError::UnknownType('7')));
    assert_eq!(decode("[]"), Err(SocketError::UnknownType('[')));
}

#[test]
fn payloads_above_the_limit_are_refused_before_parsing() {
    assert_eq!(
        decode_socket("2[\"a\"", 4),
        Err(SocketError::TooLarge { len: 5, max: 4 })
    );
    assert!(decode_socket(r#"2["a"]"#, 6).is_ok());
}

#[test]
fn pre_serialized_json_keeps_its_member_order() {
    assert_eq!(
        SocketPacket::encode_with_json(
            PacketKind::Event,
            &Namespace::main(),
            None,
            Some(r#"["user-joined",{"id":"u1","nickname":"Ada"}]"#)
        ),
        r#"2["user-joined",{"id":"u1","nickname":"Ada"}]"#
    );
}

#[test]
fn error_kinds_are_distinct() {
    let errors = [
        SocketError::TooLarge { len: 1, max: 0 },
        SocketError::Empty,
        SocketError::UnknownType('x'),
        SocketError::InvalidAttachments,
        SocketError::UnexpectedAttachments,
        SocketError::AckIdOutOfRange,
        SocketError::UnexpectedAckId,
        SocketError::MissingAckId,
        SocketError::InvalidNamespace,
        SocketError::InvalidJson,
        SocketError::MissingData,
        SocketError::UnexpectedData,
        SocketError::InvalidConnectData,
        SocketError::InvalidConnectErrorData,
        SocketError::InvalidEventData,
        SocketError::ReservedEventName(String::new()),
        SocketError::InvalidAckData,
    ];
    let mut kinds: Vec<&str> = errors.iter().map(SocketError::kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), errors.len());
}
