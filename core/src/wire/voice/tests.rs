//! Frames (`conformance/spec/voice.md` §2, §3): layout, every §3.2 check in its order, and the
//! encoder's limits. Datagrams, the decoder, tokens and codes are tested beside their code.

use bytes::BytesMut;

use super::*;

fn parse(bytes: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    parse_frame(bytes, DEFAULT_MAX_FRAME_LEN)
}

/// A frame around `body` (type byte included), with a correct length prefix.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut bytes = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    bytes.extend_from_slice(body);
    bytes
}

fn alice() -> Participant {
    Participant {
        user_id: 2,
        username: "alice".to_owned(),
        muted: true,
        channel: "lobby".to_owned(),
    }
}

fn one_of_each() -> Vec<Frame> {
    vec![
        Frame::LoginRequest {
            version: PROTOCOL_VERSION,
            username: "bob".to_owned(),
            token: "a.b.c".to_owned(),
        },
        Frame::ChatSend {
            text: "héllo".to_owned(),
        },
        Frame::SetMute { muted: true },
        Frame::JoinVoice {
            channel: "lobby".to_owned(),
        },
        Frame::LeaveVoice,
        Frame::Ping { nonce: 42 },
        Frame::LoginResponse {
            user_id: 1,
            voice_token: VoiceToken([9; 16]),
            participants: vec![alice()],
        },
        Frame::UserJoined {
            user_id: 3,
            username: "carol".to_owned(),
        },
        Frame::UserLeft { user_id: 3 },
        Frame::ChatMessage {
            user_id: 1,
            channel: "lobby".to_owned(),
            text: String::new(),
        },
        Frame::UserMuted {
            user_id: 2,
            muted: false,
        },
        Frame::JoinVoiceResponse {
            channel: "lobby".to_owned(),
            members: vec![2, 5],
        },
        Frame::UserJoinedVoice {
            user_id: 1,
            channel: "lobby".to_owned(),
        },
        Frame::UserLeftVoice {
            user_id: 1,
            channel: "lobby".to_owned(),
        },
        Frame::Error {
            code: 999,
            message: "from the future".to_owned(),
        },
        Frame::Pong { nonce: u64::MAX },
    ]
}

#[test]
fn every_frame_type_round_trips() {
    let frames = one_of_each();
    let types: Vec<_> = frames.iter().map(Frame::frame_type).collect();
    assert_eq!(types, FrameType::ALL);
    for frame in frames {
        let bytes = frame.encode().unwrap();
        assert_eq!(parse(&bytes), Ok(Some((frame, bytes.len()))));
    }
}

#[test]
fn login_request_fields_sit_in_order_behind_the_length() {
    let bytes = Frame::LoginRequest {
        version: 1,
        username: "bob".to_owned(),
        token: "t".to_owned(),
    }
    .encode()
    .unwrap();
    assert_eq!(
        bytes.as_ref(),
        &[0, 9, 0x01, 1, 3, b'b', b'o', b'b', 0, 1, b't']
    );
}

#[test]
fn login_response_lists_participants_behind_a_u16_count() {
    let bytes = Frame::LoginResponse {
        user_id: 1,
        voice_token: VoiceToken([0xAA; 16]),
        participants: vec![alice()],
    }
    .encode()
    .unwrap();
    let mut expected = vec![0, 40, 0x81, 0, 0, 0, 1];
    expected.extend([0xAA; 16]);
    expected.extend([0, 1, 0, 0, 0, 2, 5]);
    expected.extend(b"alice");
    expected.extend([1, 5]);
    expected.extend(b"lobby");
    assert_eq!(bytes.as_ref(), expected);
}

#[test]
fn the_frame_consumes_its_length_and_leaves_what_follows() {
    let mut bytes = Frame::LeaveVoice.encode().unwrap().to_vec();
    bytes.extend([0, 1, 0x05]);
    assert_eq!(parse(&bytes), Ok(Some((Frame::LeaveVoice, 3))));
}

#[test]
fn fewer_than_two_bytes_are_incomplete() {
    assert_eq!(parse(&[]), Ok(None));
    assert_eq!(parse(&[0]), Ok(None));
}

#[test]
fn a_body_not_fully_arrived_is_incomplete() {
    let bytes = Frame::Ping { nonce: 1 }.encode().unwrap();
    for len in 2..bytes.len() {
        assert_eq!(parse(&bytes[..len]), Ok(None), "prefix of {len} bytes");
    }
}

#[test]
fn a_zero_length_is_an_empty_frame() {
    assert_eq!(parse(&[0, 0]), Err(FrameError::EmptyFrame));
    assert_eq!(parse(&[0, 0, 0x05]), Err(FrameError::EmptyFrame));
}

#[test]
fn an_empty_frame_is_reported_before_the_size_limit() {
    assert_eq!(parse_frame(&[0, 0], 0), Err(FrameError::EmptyFrame));
}

#[test]
fn a_length_over_the_limit_is_too_large_without_waiting_for_the_body() {
    assert_eq!(
        parse(&[0x10, 0x01]),
        Err(FrameError::FrameTooLarge {
            len: 4097,
            max: 4096
        })
    );
}

#[test]
fn a_body_of_exactly_the_limit_is_accepted() {
    let text = "x".repeat(DEFAULT_MAX_FRAME_LEN - 3);
    let bytes = Frame::ChatSend { text: text.clone() }.encode().unwrap();
    assert_eq!(bytes.len(), FRAME_HEADER_LEN + DEFAULT_MAX_FRAME_LEN);
    assert_eq!(
        parse(&bytes),
        Ok(Some((Frame::ChatSend { text }, bytes.len())))
    );
}

#[test]
fn the_size_limit_is_checked_before_the_type() {
    assert_eq!(
        parse_frame(&[0, 2, 0xFF, 0], 1),
        Err(FrameError::FrameTooLarge { len: 2, max: 1 })
    );
}

#[test]
fn type_bytes_outside_the_table_are_unknown() {
    for byte in [0x00, 0x07, 0x7F, 0x80, 0x8B, 0xFF] {
        assert_eq!(parse(&framed(&[byte])), Err(FrameError::UnknownType(byte)));
    }
}

#[test]
fn the_type_is_checked_before_the_fields() {
    assert_eq!(
        parse(&framed(&[0x7F, 0xFF, 0xFF])),
        Err(FrameError::UnknownType(0x7F))
    );
}

#[test]
fn server_types_parse_from_either_side() {
    for frame_type in FrameType::ALL {
        assert_eq!(FrameType::from_byte(frame_type.byte()), Some(frame_type));
        assert_eq!(frame_type.is_server_only(), frame_type.byte() >= 0x81);
    }
}

#[test]
fn a_fixed_field_cut_short_is_truncated() {
    assert_eq!(
        parse(&framed(&[0x06, 0, 0, 0, 0, 0, 0, 0])),
        Err(FrameError::Truncated)
    );
    assert_eq!(parse(&framed(&[0x03])), Err(FrameError::Truncated));
}

#[test]
fn a_string_running_past_the_body_is_truncated_even_if_the_stream_goes_on() {
    let mut bytes = framed(&[0x04, 5, b'l', b'o']);
    bytes.extend(b"bby");
    assert_eq!(parse(&bytes), Err(FrameError::Truncated));
}

#[test]
fn a_string_cut_short_is_truncated_before_its_bytes_are_checked() {
    assert_eq!(parse(&framed(&[0x04, 3, 0xFF])), Err(FrameError::Truncated));
}

#[test]
fn a_list_with_fewer_items_than_its_count_is_truncated() {
    assert_eq!(
        parse(&framed(&[0x86, 0, 0xFF, 0xFF, 0, 0, 0, 1])),
        Err(FrameError::Truncated)
    );
}

#[test]
fn invalid_utf8_in_a_string_is_refused() {
    assert_eq!(
        parse(&framed(&[0x04, 2, 0xC3, 0x28])),
        Err(FrameError::InvalidUtf8)
    );
}

#[test]
fn bools_other_than_zero_or_one_are_refused() {
    assert_eq!(parse(&framed(&[0x03, 2])), Err(FrameError::InvalidBool(2)));
    assert_eq!(
        parse(&framed(&[0x85, 0, 0, 0, 1, 0xFF])),
        Err(FrameError::InvalidBool(0xFF))
    );
}

#[test]
fn fields_are_checked_in_order_the_first_fault_wins() {
    // ChatMessage: the channel is not UTF-8 and the text is cut short; the channel comes first.
    assert_eq!(
        parse(&framed(&[0x84, 0, 0, 0, 1, 1, 0xFF, 0, 9])),
        Err(FrameError::InvalidUtf8)
    );
    // LoginResponse: the first participant's bool is bad, the second is cut short.
    let mut body = vec![0x81, 0, 0, 0, 1];
    body.extend([0; 16]);
    body.extend([0, 2, 0, 0, 0, 2, 0, 7, 0, 0, 0]);
    assert_eq!(parse(&framed(&body)), Err(FrameError::InvalidBool(7)));
}

#[test]
fn bytes_after_the_last_field_are_trailing() {
    assert_eq!(
        parse(&framed(&[0x05, 0])),
        Err(FrameError::TrailingBytes { extra: 1 })
    );
    assert_eq!(
        parse(&framed(&[0x83, 0, 0, 0, 1, 9, 9, 9])),
        Err(FrameError::TrailingBytes { extra: 3 })
    );
}

#[test]
fn a_field_fault_is_reported_before_trailing_bytes() {
    assert_eq!(
        parse(&framed(&[0x03, 9, 0, 0])),
        Err(FrameError::InvalidBool(9))
    );
}

#[test]
fn error_kinds_are_the_vector_names() {
    let kinds = [
        FrameError::EmptyFrame.kind(),
        FrameError::FrameTooLarge { len: 2, max: 1 }.kind(),
        FrameError::UnknownType(0).kind(),
        FrameError::Truncated.kind(),
        FrameError::InvalidUtf8.kind(),
        FrameError::InvalidBool(2).kind(),
        FrameError::TrailingBytes { extra: 1 }.kind(),
    ];
    assert_eq!(
        kinds,
        [
            "empty_frame",
            "frame_too_large",
            "unknown_type",
            "truncated",
            "invalid_utf8",
            "invalid_bool",
            "trailing_bytes"
        ]
    );
}

#[test]
fn frame_type_names_are_the_vector_names() {
    let names: Vec<_> = FrameType::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(
        names,
        [
            "login_request",
            "chat_send",
            "set_mute",
            "join_voice",
            "leave_voice",
            "ping",
            "login_response",
            "user_joined",
            "user_left",
            "chat_message",
            "user_muted",
            "join_voice_response",
            "user_joined_voice",
            "user_left_voice",
            "error",
            "pong"
        ]
    );
}

#[test]
fn a_str8_over_255_bytes_cannot_be_encoded() {
    let frame = Frame::JoinVoice {
        channel: "c".repeat(256),
    };
    assert_eq!(
        frame.encode(),
        Err(EncodeError::StringTooLong {
            field: "channel",
            len: 256,
            max: 255
        })
    );
}

#[test]
fn a_str16_over_65535_bytes_cannot_be_encoded() {
    let frame = Frame::ChatSend {
        text: "t".repeat(65_536),
    };
    assert_eq!(
        frame.encode(),
        Err(EncodeError::StringTooLong {
            field: "text",
            len: 65_536,
            max: 65_535
        })
    );
}

#[test]
fn a_list_over_65535_items_cannot_be_encoded() {
    let frame = Frame::JoinVoiceResponse {
        channel: "c".to_owned(),
        members: vec![1; 65_536],
    };
    assert_eq!(
        frame.encode(),
        Err(EncodeError::TooManyItems {
            field: "members",
            len: 65_536
        })
    );
}

#[test]
fn a_body_over_65535_bytes_cannot_be_encoded() {
    let frame = Frame::ChatSend {
        text: "t".repeat(65_535),
    };
    assert_eq!(
        frame.encode(),
        Err(EncodeError::FrameTooLarge { len: 65_538 })
    );
}

#[test]
fn encode_into_appends_and_leaves_the_buffer_alone_on_error() {
    let mut out = BytesMut::from(&b"xy"[..]);
    Frame::LeaveVoice.encode_into(&mut out).unwrap();
    assert_eq!(out.as_ref(), &[b'x', b'y', 0, 1, 0x05]);
    let too_long = Frame::UserJoined {
        user_id: 1,
        username: "u".repeat(300),
    };
    assert!(too_long.encode_into(&mut out).is_err());
    assert_eq!(out.as_ref(), &[b'x', b'y', 0, 1, 0x05]);
}
