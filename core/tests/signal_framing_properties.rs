//! Properties of the signal framing (signal.md §2–§3): both decoders are total (any text gives a
//! packet or one typed error, never a panic, and the size limit is checked first); every
//! canonical packet, encoded, decodes to itself; and decoding then encoding is a fixed point, so
//! anything the server accepted it can write back unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hark_core::wire::signal::{
    EngineError, EngineFrame, EnginePacket, Namespace, OpenInfo, PacketKind, SocketError,
    SocketPacket, decode_engine, decode_socket,
};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use serde_json::{Map, Value};

const MAX: usize = 1_000_000;
const RESERVED: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

fn up_to(g: &mut Gen, max: usize) -> usize {
    usize::arbitrary(g) % (max + 1)
}

/// JSON without floats: `JSON.stringify` and `serde_json` write integers and strings alike, but
/// not every float (signal.md §3).
fn json(g: &mut Gen, depth: usize) -> Value {
    let leaf = depth == 0 || bool::arbitrary(g);
    match (leaf, u8::arbitrary(g) % 5) {
        (true, 0) => Value::Null,
        (true, 1) => Value::Bool(bool::arbitrary(g)),
        (true, 2) => Value::from(i64::arbitrary(g)),
        (true, 3) => Value::from(u64::arbitrary(g)),
        (true, _) => Value::String(String::arbitrary(g)),
        (false, n) if n % 2 == 0 => Value::Array(array(g, depth - 1)),
        (false, _) => Value::Object(object(g, depth - 1)),
    }
}

fn array(g: &mut Gen, depth: usize) -> Vec<Value> {
    (0..up_to(g, 4)).map(|_| json(g, depth)).collect()
}

fn object(g: &mut Gen, depth: usize) -> Map<String, Value> {
    (0..up_to(g, 4))
        .map(|_| (String::arbitrary(g), json(g, depth)))
        .collect()
}

fn event_name(g: &mut Gen) -> String {
    loop {
        let name = String::arbitrary(g);
        if !RESERVED.contains(&name.as_str()) {
            return name;
        }
    }
}

fn event(g: &mut Gen) -> Value {
    let mut args = vec![Value::String(event_name(g))];
    args.extend(array(g, 2));
    Value::Array(args)
}

fn namespace(g: &mut Gen) -> Namespace {
    if bool::arbitrary(g) {
        return Namespace::main();
    }
    let tail: String = String::arbitrary(g).chars().filter(|&c| c != ',').collect();
    Namespace::new(format!("/{tail}")).unwrap()
}

/// A Socket.IO packet the decoder accepts, with its data in canonical form.
#[derive(Debug, Clone)]
struct Canonical(SocketPacket);

impl Arbitrary for Canonical {
    fn arbitrary(g: &mut Gen) -> Self {
        let attachments = 1 + u32::arbitrary(g) % 10;
        let (kind, ack_id, data) = match u8::arbitrary(g) % 7 {
            0 => {
                let data = bool::arbitrary(g).then(|| Value::Object(object(g, 2)));
                (PacketKind::Connect, None, data)
            }
            1 => (PacketKind::Disconnect, None, None),
            2 => {
                let ack_id = Option::<u64>::arbitrary(g);
                (PacketKind::Event, ack_id, Some(event(g)))
            }
            3 => (
                PacketKind::Ack,
                Some(u64::arbitrary(g)),
                Some(Value::Array(array(g, 2))),
            ),
            4 => {
                let data = if bool::arbitrary(g) {
                    Value::String(String::arbitrary(g))
                } else {
                    Value::Object(object(g, 2))
                };
                (PacketKind::ConnectError, None, Some(data))
            }
            5 => {
                let ack_id = Option::<u64>::arbitrary(g);
                (
                    PacketKind::BinaryEvent { attachments },
                    ack_id,
                    Some(event(g)),
                )
            }
            _ => (
                PacketKind::BinaryAck { attachments },
                Some(u64::arbitrary(g)),
                Some(Value::Array(array(g, 2))),
            ),
        };
        Canonical(SocketPacket {
            kind,
            namespace: namespace(g),
            ack_id,
            data,
        })
    }
}

/// Text built from the grammar's own characters, so that random input reaches past the type
/// digit into attachments, namespaces, ack ids and JSON.
#[derive(Debug, Clone)]
struct GrammarText(String);

impl Arbitrary for GrammarText {
    fn arbitrary(g: &mut Gen) -> Self {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "9",
            "-",
            "/",
            ",",
            "[",
            "]",
            "{",
            "}",
            "\"",
            ":",
            "a",
            "é",
            "\"a\"",
            "null",
            "[\"ev\"]",
            "{\"k\":1}",
            "/admin,",
            "b",
            "probe",
            "18446744073709551616",
            " ",
        ];
        let len = up_to(g, 12);
        GrammarText((0..len).map(|_| *g.choose(PIECES).unwrap()).collect())
    }
}

fn arbitrary_engine_packet(g: &mut Gen) -> EnginePacket {
    let payload = |g: &mut Gen| Some(String::arbitrary(g)).filter(|s| !s.is_empty());
    match u8::arbitrary(g) % 7 {
        0 => EnginePacket::Open(OpenInfo {
            sid: String::arbitrary(g),
            upgrades: Vec::arbitrary(g),
            ping_interval: u64::arbitrary(g),
            ping_timeout: u64::arbitrary(g),
            max_payload: u64::arbitrary(g),
        }),
        1 => EnginePacket::Close,
        2 => EnginePacket::Ping(payload(g)),
        3 => EnginePacket::Pong(payload(g)),
        4 => EnginePacket::Message(String::arbitrary(g)),
        5 => EnginePacket::Upgrade,
        _ => EnginePacket::Noop,
    }
}

#[derive(Debug, Clone)]
struct AnyEngine(EnginePacket);

impl Arbitrary for AnyEngine {
    fn arbitrary(g: &mut Gen) -> Self {
        AnyEngine(arbitrary_engine_packet(g))
    }
}

/// Whether JSON holds a float: `serde_json` without `float_roundtrip` may read one back an ulp
/// off, so only float-free data is held to the byte-exact round trip.
fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(members) => members.values().any(has_float),
        _ => false,
    }
}

fn socket_round_trip_is_a_fixed_point(text: &str) -> bool {
    match decode_socket(text, MAX) {
        Ok(packet) if packet.data.as_ref().is_some_and(has_float) => {
            decode_socket(&packet.encode(), MAX).is_ok()
        }
        Ok(packet) => {
            let encoded = packet.encode();
            let again = decode_socket(&encoded, MAX);
            again.as_ref() == Ok(&packet) && again.unwrap().encode() == encoded
        }
        Err(error) => !error.kind().is_empty(),
    }
}

fn quickcheck<A: quickcheck::Testable>(property: A) {
    QuickCheck::new().tests(2000).quickcheck(property);
}

#[test]
fn canonical_socket_packets_decode_to_themselves() {
    fn property(packet: Canonical) -> bool {
        let text = packet.0.encode();
        decode_socket(&text, MAX) == Ok(packet.0.clone())
    }
    quickcheck(property as fn(Canonical) -> bool);
}

#[test]
fn decoding_and_encoding_canonical_socket_text_gives_it_back() {
    fn property(packet: Canonical) -> bool {
        let text = packet.0.encode();
        decode_socket(&text, MAX).unwrap().encode() == text
    }
    quickcheck(property as fn(Canonical) -> bool);
}

#[test]
fn the_socket_decoder_is_total_on_arbitrary_text() {
    fn property(text: String) -> bool {
        socket_round_trip_is_a_fixed_point(&text)
    }
    quickcheck(property as fn(String) -> bool);
}

#[test]
fn the_socket_decoder_is_total_on_grammar_shaped_text() {
    fn property(text: GrammarText) -> bool {
        socket_round_trip_is_a_fixed_point(&text.0)
    }
    quickcheck(property as fn(GrammarText) -> bool);
}

#[test]
fn socket_text_over_the_limit_is_too_large_whatever_it_holds() {
    fn property(text: GrammarText, cut: usize) -> TestResult {
        if text.0.is_empty() {
            return TestResult::discard();
        }
        let max = cut % text.0.len();
        TestResult::from_bool(
            decode_socket(&text.0, max)
                == Err(SocketError::TooLarge {
                    len: text.0.len(),
                    max,
                }),
        )
    }
    quickcheck(property as fn(GrammarText, usize) -> TestResult);
}

#[test]
fn engine_packets_decode_to_themselves() {
    fn property(packet: AnyEngine) -> bool {
        let text = packet.0.encode();
        decode_engine(EngineFrame::Text(&text), MAX) == Ok(packet.0.clone())
    }
    quickcheck(property as fn(AnyEngine) -> bool);
}

#[test]
fn accepted_engine_frames_other_than_open_encode_back_to_themselves() {
    fn property(text: GrammarText) -> TestResult {
        match decode_engine(EngineFrame::Text(&text.0), MAX) {
            Ok(EnginePacket::Open(_)) | Err(_) => TestResult::discard(),
            Ok(packet) => TestResult::from_bool(packet.encode() == text.0),
        }
    }
    quickcheck(property as fn(GrammarText) -> TestResult);
}

#[test]
fn the_engine_decoder_is_total_on_arbitrary_frames() {
    fn property(text: String, bytes: Vec<u8>) -> bool {
        let text_ok = match decode_engine(EngineFrame::Text(&text), MAX) {
            Ok(packet) => decode_engine(EngineFrame::Text(&packet.encode()), MAX) == Ok(packet),
            Err(error) => !error.kind().is_empty(),
        };
        text_ok
            && decode_engine(EngineFrame::Binary(&bytes), MAX) == Err(EngineError::BinaryMessage)
    }
    quickcheck(property as fn(String, Vec<u8>) -> bool);
}

#[test]
fn a_huge_integer_is_read_as_a_float_and_still_decodes_after_encoding() {
    let text = r#"0{"n":1000000555555555555555555555555555555}"#;
    assert!(socket_round_trip_is_a_fixed_point(text));
}
