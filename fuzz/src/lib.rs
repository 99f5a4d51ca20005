//! What the fuzz targets and the corpus seeder share: the decoding of a fuzz input into an
//! interaction with the audio service, a set of valid datagrams of every type, and (in
//! [`voice_script`], [`chat_script`] and [`signal_script`]) the decoding of an input into an
//! interaction with the voice, chat or signal service.
//!
//! The models and their invariants are not written here: [`audio_model`], [`voice_model`]
//! (with [`model_common`]) and [`chat_model`] are the files the quickcheck properties of hark-core use
//! (`core/tests/support/`), so the fuzzer and the properties hold the services to the same rules;
//! so is [`frame_stream`], the two decodings of a voice stream that `voice_frame` compares.

#[path = "../../core/tests/support/audio_model.rs"]
pub mod audio_model;
#[path = "../../core/tests/support/chat_model.rs"]
pub mod chat_model;
pub mod chat_script;
pub mod signal_script;
#[path = "../../core/tests/support/frame_stream.rs"]
pub mod frame_stream;
#[path = "../../core/tests/support/model_common.rs"]
pub mod model_common;
#[path = "../../core/tests/support/voice_model.rs"]
pub mod voice_model;
pub mod voice_script;

use arbitrary::{Result, Unstructured};
use bytes::Bytes;
use hark_core::wire::audio::{
    Ack, AudioData, AudioPacket, Body, ChannelId, ErrorBody, ErrorCode, Handshake, Header,
    PacketType, SuggestedAction, UserId,
};

use audio_model::{
    Action, CAST, CHANNELS, CLIENTS, Control, Coverage, Edit, Format, Harness, Ids, Packet,
    Sequence, USERS, default_config, tight_config,
};
use model_common::{Cast, Change, TokenKind};

/// Steps per input: enough for several sessions to meet, few enough to keep executions fast.
pub const MAX_STEPS: usize = 128;

/// One fuzz input for `audio_service`: the limits to run under and the steps.
#[derive(Debug)]
pub struct Script {
    /// `tight_config()` (small limits a short script reaches) instead of the seed's defaults.
    pub tight: bool,
    pub actions: Vec<Action>,
}

impl Script {
    /// Reads steps until the input runs out. Every choice is weighted the way the quickcheck
    /// generator is: mostly honest traffic from a few clients (valid tokens, their own ids,
    /// fresh sequences), with enough forgery, garbage, clock jumps and operator changes mixed in
    /// to reach every refusal.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut u = Unstructured::new(data);
        let tight = u.ratio(1, 4)?;
        let mut actions = Vec::new();
        while !u.is_empty() && actions.len() < MAX_STEPS {
            actions.push(action(&mut u)?);
        }
        Ok(Self { tight, actions })
    }

    /// Runs the steps against a fresh service; `Err` describes the first broken invariant.
    pub fn run(&self) -> std::result::Result<Coverage, String> {
        let config = if self.tight {
            tight_config()
        } else {
            default_config()
        };
        let mut harness = Harness::new(config);
        harness.run(&self.actions)?;
        Ok(harness.coverage())
    }
}

/// An index into `weights`, chosen with those relative weights.
pub(crate) fn weighted(u: &mut Unstructured, weights: &[u32]) -> Result<usize> {
    let mut pick = u.int_in_range(0..=weights.iter().sum::<u32>() - 1)?;
    for (index, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return Ok(index);
        }
        pick -= weight;
    }
    Ok(0)
}

pub(crate) fn below(u: &mut Unstructured, n: usize) -> Result<usize> {
    u.choose_index(n)
}

/// A token kind with the relative `weights` of valid, expired, forged and another user's.
pub(crate) fn token_kind(
    u: &mut Unstructured,
    weights: &[u32; 4],
    cast: &Cast,
) -> Result<TokenKind> {
    Ok(match weighted(u, weights)? {
        0 => TokenKind::Valid,
        1 => TokenKind::Expired,
        2 => TokenKind::Forged,
        _ => TokenKind::Of {
            user: below(u, cast.users.len())?,
        },
    })
}

fn action(u: &mut Unstructured) -> Result<Action> {
    let client = below(u, CLIENTS)?;
    Ok(match weighted(u, &[78, 6, 13, 3])? {
        0 => Action::Send {
            client,
            packet: packet(u, client)?,
        },
        1 => Action::SendEdited {
            client,
            packet: packet(u, client)?,
            edit: edit(u)?,
        },
        2 => Action::Advance { millis: millis(u)? },
        _ => Action::Directory(change(u, &CAST)?),
    })
}

/// Each client's usual user: most handshakes renew a session rather than replace it.
const HOME_USER: [usize; CLIENTS] = [0, 1, 2, 0, 1];

fn packet(u: &mut Unstructured, client: usize) -> Result<Packet> {
    Ok(match weighted(u, &[20, 30, 40, 2, 6, 2])? {
        0 => Packet::Handshake {
            user: if u.ratio(85, 100)? {
                HOME_USER[client % CLIENTS]
            } else {
                below(u, USERS.len())?
            },
            channel: weighted(u, &[75, 20, 5])?,
            token: token_kind(u, &[80, 7, 7, 6], &CAST)?,
            format: match weighted(u, &[50, 40, 10])? {
                0 => Format::Json,
                1 => Format::Legacy,
                _ => Format::JsonFor {
                    channel: below(u, CHANNELS.len())?,
                },
            },
            skew: skew(u)?,
        },
        1 => Packet::Control {
            ids: ids(u)?,
            control: match weighted(u, &[45, 8, 17, 30])? {
                0 => Control::Join,
                1 => Control::Leave,
                2 => Control::Mute(u.ratio(1, 3)?),
                _ => Control::Heartbeat,
            },
            skew: skew(u)?,
        },
        2 => Packet::Audio {
            ids: ids(u)?,
            sequence: match weighted(u, &[80, 7, 8, 5])? {
                0 => Sequence::Next,
                1 => Sequence::Repeat,
                2 => Sequence::Back(u.int_in_range(0..=99)?),
                _ => Sequence::Exactly(u.arbitrary()?),
            },
            len: u.int_in_range(0..=300)?,
            skew: skew(u)?,
        },
        3 => Packet::ServerOnly {
            ids: ids(u)?,
            ack: u.arbitrary()?,
        },
        4 => {
            let len = u.int_in_range(0..=80)?.min(u.len());
            Packet::Raw(u.bytes(len)?.to_vec())
        }
        _ => Packet::Oversize {
            extra: u.arbitrary()?,
        },
    })
}

fn ids(u: &mut Unstructured) -> Result<Ids> {
    Ok(if u.ratio(88, 100)? {
        Ids::Own
    } else {
        Ids::As {
            user: below(u, USERS.len())?,
            channel: below(u, CHANNELS.len())?,
        }
    })
}

/// Mostly the server's clock; sometimes within the allowed 30 s skew, sometimes beyond it.
fn skew(u: &mut Unstructured) -> Result<i64> {
    let sign = if u.arbitrary()? { 1 } else { -1 };
    Ok(match weighted(u, &[85, 10, 5])? {
        0 => 0,
        1 => sign * u.int_in_range(0..=30)?,
        _ => sign * u.int_in_range(31..=1030)?,
    })
}

fn edit(u: &mut Unstructured) -> Result<Edit> {
    let at = u.arbitrary()?;
    Ok(match below(u, 4)? {
        0 => Edit::Xor {
            at,
            mask: u.arbitrary::<u8>()? | 1,
        },
        1 => Edit::Insert {
            at,
            byte: u.arbitrary()?,
        },
        2 => Edit::Remove { at },
        _ => Edit::Truncate { len: at },
    })
}

/// Within a burst, past the handshake timeout, past the session timeout, past the user timeout.
fn millis(u: &mut Unstructured) -> Result<u64> {
    Ok(match weighted(u, &[60, 25, 8, 5, 2])? {
        0 => u.int_in_range(0..=199)?,
        1 => u.int_in_range(0..=2_999)?,
        2 => u.int_in_range(5_000..=6_999)?,
        3 => u.int_in_range(10_000..=34_999)?,
        _ => u.int_in_range(300_000..=359_999)?,
    })
}

/// Any change to any user and channel of `cast`, each kind as likely.
pub(crate) fn change(u: &mut Unstructured, cast: &Cast) -> Result<Change> {
    let (channel, user) = (below(u, cast.channels.len())?, below(u, cast.users.len())?);
    Ok(match below(u, 6)? {
        0 => Change::Ban { channel, user },
        1 => Change::Unban { channel, user },
        2 => Change::AddMember { channel, user },
        3 => Change::RemoveMember { channel, user },
        4 => Change::RemoveChannel { channel },
        _ => Change::AddChannel { channel },
    })
}

/// One valid datagram of every packet type and format, every error code and every acked type:
/// starting points from which the fuzzer reaches each payload parser at once.
pub fn packet_seeds() -> Vec<Bytes> {
    // JWT-shaped; the codec does not check signatures.
    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJl";
    let header = Header {
        sequence: 7,
        user_id: UserId::new("alice").expect("valid id"),
        channel_id: ChannelId::new("open").expect("valid id"),
        timestamp: 1_700_000_000,
    };
    let mut bodies = vec![
        Body::Handshake(Handshake::json(TOKEN, "open").expect("valid token")),
        Body::Handshake(Handshake::json(TOKEN, "é\"\\\u{1}").expect("valid token")),
        Body::Handshake(Handshake::legacy(TOKEN).expect("valid token")),
        Body::Audio(AudioData::new(Bytes::from_static(b"")).expect("small")),
        Body::Audio(AudioData::new(Bytes::from_static(&[0xAB; 160])).expect("small")),
        Body::JoinChannel,
        Body::LeaveChannel,
        Body::SetMute { muted: false },
        Body::SetMute { muted: true },
        Body::Heartbeat,
    ];
    bodies.extend((0..=15).map(|code| {
        let code = ErrorCode::from_wire(code);
        Body::Error(ErrorBody::new(
            code,
            SuggestedAction::from_wire(u8::try_from(code.to_wire() % 6).unwrap_or_default()),
            code.name(),
        ))
    }));
    bodies.extend(PacketType::ALL.into_iter().map(|acked_type| {
        Body::Ack(Ack {
            acked_type,
            acked_sequence: 7,
        })
    }));
    bodies
        .into_iter()
        .map(|body| AudioPacket::new(header, body).encode())
        .collect()
}
