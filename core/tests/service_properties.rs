//! Random-interaction properties of the `audio` service (the quinn-proto `random_interaction`
//! style): quickcheck generates sequences of handshakes, session packets, garbage, clock steps
//! and directory changes from five clients; `support/audio_model.rs` drives `AudioService` with
//! them and checks the spec's rules (who may receive a relayed datagram, what is answered and
//! how, handshake outcomes, no amplification, stats, deadlines) after every step. A failing case is shrunk to a short script and reported
//! with the step that broke the rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/audio_model.rs"]
mod audio_model;
#[path = "support/generate.rs"]
mod generate;
#[path = "support/model_common.rs"]
mod model_common;

use audio_model::{
    Action, CAST, CHANNELS, CLIENTS, Change, Control, Coverage, Edit, Format, Harness, Ids, Packet,
    Sequence, TokenKind, USERS, default_config, tight_config,
};
use generate::{below, change, check_interactions, holds, token_kind, weighted};
use quickcheck::{Arbitrary, Gen, TestResult};

/// Longest generated script (quickcheck's `Vec` length is below the generator size).
const SCRIPT_LEN: usize = 300;

/// Mostly the server's clock; sometimes within the allowed 30 s skew, sometimes beyond it.
fn skew(g: &mut Gen) -> i64 {
    let sign = if bool::arbitrary(g) { 1 } else { -1 };
    match weighted(g, &[85, 10, 5]) {
        0 => 0,
        1 => sign * i64::from(u8::arbitrary(g) % 31),
        _ => sign * (31 + i64::from(u16::arbitrary(g) % 1000)),
    }
}

/// Mostly the client's own ids; sometimes another user's or channel's.
fn ids(g: &mut Gen) -> Ids {
    if weighted(g, &[88, 12]) == 0 {
        Ids::Own
    } else {
        Ids::As {
            user: below(g, USERS.len()),
            channel: below(g, CHANNELS.len()),
        }
    }
}

/// Each client's usual user, so that most handshakes renew a session instead of replacing it
/// and several clients share a channel.
const HOME_USER: [usize; CLIENTS] = [0, 1, 2, 0, 1];

fn packet(g: &mut Gen, client: usize) -> Packet {
    match weighted(g, &[20, 30, 40, 2, 6, 2]) {
        0 => Packet::Handshake {
            user: if weighted(g, &[85, 15]) == 0 {
                HOME_USER[client % CLIENTS]
            } else {
                below(g, USERS.len())
            },
            channel: weighted(g, &[75, 20, 5]),
            token: token_kind(g, &[80, 7, 7, 6], &CAST),
            format: match weighted(g, &[50, 40, 10]) {
                0 => Format::Json,
                1 => Format::Legacy,
                _ => Format::JsonFor {
                    channel: below(g, CHANNELS.len()),
                },
            },
            skew: skew(g),
        },
        1 => Packet::Control {
            ids: ids(g),
            control: match weighted(g, &[45, 8, 17, 30]) {
                0 => Control::Join,
                1 => Control::Leave,
                // Muted a third of the time: enough to test (c), not enough to silence the run.
                2 => Control::Mute(weighted(g, &[1, 2]) == 0),
                _ => Control::Heartbeat,
            },
            skew: skew(g),
        },
        2 => Packet::Audio {
            ids: ids(g),
            sequence: match weighted(g, &[80, 7, 8, 5]) {
                0 => Sequence::Next,
                1 => Sequence::Repeat,
                2 => Sequence::Back(u32::arbitrary(g) % 100),
                _ => Sequence::Exactly(u32::arbitrary(g)),
            },
            len: below(g, 300),
            skew: skew(g),
        },
        3 => Packet::ServerOnly {
            ids: ids(g),
            ack: bool::arbitrary(g),
        },
        4 => Packet::Raw(Vec::arbitrary(g)),
        _ => Packet::Oversize {
            extra: usize::arbitrary(g),
        },
    }
}

fn edit(g: &mut Gen) -> Edit {
    let at = usize::arbitrary(g);
    match below(g, 4) {
        0 => Edit::Xor {
            at,
            mask: u8::arbitrary(g) | 1,
        },
        1 => Edit::Insert {
            at,
            byte: u8::arbitrary(g),
        },
        2 => Edit::Remove { at },
        _ => Edit::Truncate { len: at },
    }
}

/// Small, medium and long clock steps: within a burst, past the handshake timeout, past the
/// session timeout, past the user timeout.
fn millis(g: &mut Gen) -> u64 {
    let r = u64::arbitrary(g);
    match weighted(g, &[60, 25, 8, 5, 2]) {
        0 => r % 200,
        1 => r % 3_000,
        2 => 5_000 + r % 2_000,
        3 => 10_000 + r % 25_000,
        _ => 300_000 + r % 60_000,
    }
}

impl Arbitrary for Action {
    fn arbitrary(g: &mut Gen) -> Self {
        let client = below(g, CLIENTS);
        match weighted(g, &[78, 6, 13, 3]) {
            0 => Action::Send {
                client,
                packet: packet(g, client),
            },
            1 => Action::SendEdited {
                client,
                packet: packet(g, client),
                edit: edit(g),
            },
            2 => Action::Advance { millis: millis(g) },
            _ => Action::Directory(change(g, &CAST)),
        }
    }
}

/// (a)–(g) with the seed's default limits.
#[test]
fn random_interactions_keep_the_service_invariants() {
    fn property(script: Vec<Action>) -> TestResult {
        holds(Harness::new(default_config()).run(&script))
    }
    check_interactions(property, SCRIPT_LEN, 1_000);
}

/// (a)–(g) where a short script reaches the session, user-record, rate and size limits.
#[test]
fn random_interactions_keep_the_service_invariants_under_tight_limits() {
    fn property(script: Vec<Action>) -> TestResult {
        holds(Harness::new(tight_config()).run(&script))
    }
    check_interactions(property, SCRIPT_LEN, 1_000);
}

/// The generator is only useful if it reaches fan-out, mute relays, channel-full joins, bans
/// and timeouts; this fails if a change to the weights makes them rare.
#[test]
fn random_interactions_reach_relays_directory_changes_and_timeouts() {
    let mut g = Gen::new(SCRIPT_LEN);
    let mut total = Coverage::default();
    for _ in 0..100 {
        let script = Vec::<Action>::arbitrary(&mut g);
        let mut harness = Harness::new(default_config());
        harness.run(&script).unwrap();
        total.add(&harness.coverage());
    }
    // Typical totals are three to seven times these floors.
    assert!(total.sessions_started >= 300, "{total:?}");
    assert!(total.joins >= 100, "{total:?}");
    assert!(total.audio_relayed >= 50, "{total:?}");
    assert!(total.mute_relayed >= 2, "{total:?}");
    assert!(total.ended_by_directory >= 20, "{total:?}");
    assert!(total.ended_by_timeout >= 50, "{total:?}");
}

/// A fixed conversation, so that a regression in the harness itself shows without randomness:
/// alice and bob join `open`, talk, mute, and are cut off by a ban.
#[test]
fn a_scripted_conversation_keeps_the_service_invariants() {
    let handshake = |client, user| Action::Send {
        client,
        packet: Packet::Handshake {
            user,
            channel: 0,
            token: TokenKind::Valid,
            format: Format::Json,
            skew: 0,
        },
    };
    let control = |client, control| Action::Send {
        client,
        packet: Packet::Control {
            ids: Ids::Own,
            control,
            skew: 0,
        },
    };
    let audio = |client| Action::Send {
        client,
        packet: Packet::Audio {
            ids: Ids::Own,
            sequence: Sequence::Next,
            len: 40,
            skew: 0,
        },
    };
    let script = [
        handshake(0, 0),
        handshake(1, 1),
        control(0, Control::Join),
        control(1, Control::Join),
        audio(0),
        audio(1),
        control(0, Control::Mute(true)),
        audio(0),
        Action::Advance { millis: 1_000 },
        control(0, Control::Mute(false)),
        audio(0),
        Action::Directory(Change::Ban {
            channel: 0,
            user: 1,
        }),
        audio(0),
        Action::Advance { millis: 31_000 },
    ];
    let mut harness = Harness::new(default_config());
    harness.run(&script).unwrap();
    let coverage = harness.coverage();
    assert_eq!(coverage.sessions_started, 2);
    assert_eq!(coverage.joins, 2);
    assert_eq!(coverage.audio_relayed, 3);
    assert_eq!(coverage.mute_relayed, 2);
    assert_eq!(coverage.ended_by_directory, 1);
    assert_eq!(coverage.ended_by_timeout, 1);
}
