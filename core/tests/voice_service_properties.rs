//! Random-interaction properties of the `voice` service: quickcheck generates scripts of
//! connections, logins (good, expired, forged and other-subject tokens), joins, leaves, mutes,
//! chat, pings, garbage and oversize frames, all written in pieces split at arbitrary points,
//! peer closes, UDP authentication with live, revoked and random tokens from five addresses, voice
//! under the sender's own or a claimed id, keepalives, clock steps past every timer, directory
//! changes and resets. `support/voice_model.rs` drives `VoiceService` with them and checks the
//! spec's rules after every step (see its module docs); a failing case is shrunk to a short script
//! and reported with the step that broke the rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/generate.rs"]
mod generate;
#[path = "support/model_common.rs"]
mod model_common;
#[path = "support/voice_model.rs"]
mod voice_model;

use generate::{below, change, check_interactions, holds, token_kind, weighted};
use quickcheck::{Arbitrary, Gen, TestResult};
use voice_model::{
    ADDRS, CAST, CONNS, Change, ChatLen, Claim, Coverage, Dgram, Harness, Msg, Step, TokenKind,
    TokenPick, USERS, default_config, tight_config,
};

/// Longest generated script (quickcheck's `Vec` length is below the generator size).
const SCRIPT_LEN: usize = 200;

/// Each connection's usual user, so that most logins succeed and two connections contend for
/// one name.
const HOME_USER: [usize; CONNS] = [0, 1, 2, 3, 0];

fn msg(g: &mut Gen, conn: usize) -> Msg {
    match weighted(g, &[35, 25, 5, 8, 12, 20, 1, 1, 1]) {
        0 => Msg::Login {
            user: if weighted(g, &[85, 15]) == 0 {
                HOME_USER[conn]
            } else {
                below(g, USERS.len())
            },
            token: token_kind(g, &[91, 3, 3, 3], &CAST),
            version: if weighted(g, &[99, 1]) == 0 {
                1
            } else {
                u8::arbitrary(g)
            },
        },
        1 => Msg::Join {
            channel: weighted(g, &[65, 30, 5]),
        },
        2 => Msg::Leave,
        // Muted a third of the time: enough to test the mute rule, not enough to silence the run.
        3 => Msg::Mute(weighted(g, &[1, 2]) == 0),
        4 => Msg::Chat(match weighted(g, &[5, 90, 5]) {
            0 => ChatLen::Empty,
            1 => ChatLen::Short(u8::arbitrary(g)),
            _ => ChatLen::TooLong,
        }),
        5 => Msg::Ping(u64::arbitrary(g)),
        6 => Msg::ServerOnly,
        7 => Msg::Raw(Vec::arbitrary(g)),
        _ => Msg::Oversize {
            extra: u16::arbitrary(g) % 100,
        },
    }
}

fn dgram(g: &mut Gen, addr: usize) -> Dgram {
    match weighted(g, &[35, 45, 12, 1, 5, 2]) {
        0 => Dgram::Auth(match weighted(g, &[80, 8, 7, 5]) {
            0 => TokenPick::Live { conn: addr },
            1 => TokenPick::Live {
                conn: below(g, CONNS),
            },
            2 => TokenPick::Revoked {
                index: below(g, 16),
            },
            _ => TokenPick::Random(u8::arbitrary(g)),
        }),
        1 => Dgram::Voice {
            claim: if weighted(g, &[92, 8]) == 0 {
                Claim::Own
            } else {
                Claim::Id(u32::arbitrary(g) % 9)
            },
            len: below(g, 200),
        },
        2 => Dgram::Keepalive(u64::arbitrary(g)),
        3 => Dgram::AuthResponse,
        4 => Dgram::Raw(Vec::arbitrary(g)),
        _ => Dgram::Oversize {
            extra: below(g, 64),
        },
    }
}

/// Within a rate burst, a few seconds, past the tight timers, past the default ones, far ahead.
fn millis(g: &mut Gen) -> u64 {
    let r = u64::arbitrary(g);
    match weighted(g, &[60, 25, 8, 5, 2]) {
        0 => r % 200,
        1 => r % 3_000,
        2 => 4_000 + r % 3_000,
        3 => 10_000 + r % 25_000,
        _ => 60_000 + r % 60_000,
    }
}

impl Arbitrary for Step {
    fn arbitrary(g: &mut Gen) -> Self {
        match weighted(g, &[32, 168, 10, 128, 28, 16, 1]) {
            0 => Step::Connect {
                conn: below(g, CONNS),
            },
            1 => {
                let conn = below(g, CONNS);
                Step::Write {
                    conn,
                    msg: msg(g, conn),
                    hold: if weighted(g, &[75, 25]) == 0 {
                        0
                    } else {
                        below(g, 4096)
                    },
                }
            }
            2 => Step::Close {
                conn: below(g, CONNS),
            },
            3 => {
                let addr = below(g, ADDRS);
                Step::Datagram {
                    addr,
                    dgram: dgram(g, addr),
                }
            }
            4 => Step::Advance { millis: millis(g) },
            5 => Step::Directory(change(g, &CAST)),
            _ => Step::Reset,
        }
    }
}

/// A client arriving the honest way: connect, log in as its usual user, join a channel, bind
/// its address. Random steps alone rarely line these up before a timer or a fault intervenes.
fn arrival(g: &mut Gen) -> [Step; 4] {
    let conn = below(g, CONNS);
    [
        Step::Connect { conn },
        Step::Write {
            conn,
            msg: Msg::Login {
                user: HOME_USER[conn],
                token: TokenKind::Valid,
                version: 1,
            },
            hold: 0,
        },
        Step::Write {
            conn,
            msg: Msg::Join {
                channel: weighted(g, &[85, 15]),
            },
            hold: 0,
        },
        Step::Datagram {
            addr: conn,
            dgram: Dgram::Auth(TokenPick::Live { conn }),
        },
    ]
}

/// One address talking: a run of voice datagrams under its own id, enough to reach the voice
/// rate limit.
fn talk(g: &mut Gen) -> Vec<Step> {
    let addr = below(g, ADDRS);
    (0..3 + below(g, 6))
        .map(|_| Step::Datagram {
            addr,
            dgram: Dgram::Voice {
                claim: Claim::Own,
                len: below(g, 200),
            },
        })
        .collect()
}

/// A script: random steps with an honest arrival or a burst of talk mixed in now and then.
/// Shrinks as a `Vec`.
#[derive(Debug, Clone)]
struct Script(Vec<Step>);

impl Arbitrary for Script {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = below(g, g.size());
        let mut steps = Vec::with_capacity(len + 8);
        while steps.len() < len {
            match weighted(g, &[92, 5, 3]) {
                0 => steps.push(Step::arbitrary(g)),
                1 => steps.extend(arrival(g)),
                _ => steps.extend(talk(g)),
            }
        }
        Self(steps)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Self))
    }
}

#[test]
fn random_interactions_keep_the_voice_invariants() {
    fn property(script: Script) -> TestResult {
        holds(Harness::new(default_config()).run(&script.0))
    }
    check_interactions(property, SCRIPT_LEN, 1_000);
}

/// Where a short script reaches the connection, frame, chat, voice and reply rate limits, full
/// channels and every timer.
#[test]
fn random_interactions_keep_the_voice_invariants_under_tight_limits() {
    fn property(script: Script) -> TestResult {
        holds(Harness::new(tight_config()).run(&script.0))
    }
    check_interactions(property, SCRIPT_LEN, 1_000);
}

/// The generator is only useful if it reaches relays, chat, removals by the directory and
/// timeouts; this fails if a change to the weights makes them rare.
#[test]
fn random_interactions_reach_relays_chat_removals_and_timeouts() {
    let mut g = Gen::new(SCRIPT_LEN);
    let mut total = Coverage::default();
    for _ in 0..100 {
        let script = Script::arbitrary(&mut g);
        let mut harness = Harness::new(default_config());
        harness.run(&script.0).unwrap();
        total.add(&harness.coverage());
    }
    // Typical totals are two to four times these floors.
    assert!(total.logins >= 150, "{total:?}");
    assert!(total.binds >= 120, "{total:?}");
    assert!(total.joins >= 120, "{total:?}");
    assert!(total.relays >= 80, "{total:?}");
    assert!(total.chats >= 20, "{total:?}");
    assert!(total.removals >= 10, "{total:?}");
    assert!(total.timeouts >= 15, "{total:?}");
    assert!(total.refusals >= 800, "{total:?}");
    assert!(total.fatal_closes >= 100, "{total:?}");
}

/// A fixed conversation, so that a regression in the harness itself shows without randomness:
/// alice and bob log in (alice's login in three pieces), bind, join `main`, talk, mute, chat; a
/// ban removes bob; alice leaves; both time out.
#[test]
fn a_scripted_conversation_keeps_the_voice_invariants() {
    let write = |conn, msg, hold| Step::Write { conn, msg, hold };
    let login = |user| Msg::Login {
        user,
        token: TokenKind::Valid,
        version: 1,
    };
    let datagram = |addr, dgram| Step::Datagram { addr, dgram };
    let voice = |addr| {
        datagram(
            addr,
            Dgram::Voice {
                claim: Claim::Own,
                len: 40,
            },
        )
    };
    let bind = |addr| datagram(addr, Dgram::Auth(TokenPick::Live { conn: addr }));
    let join = |conn| write(conn, Msg::Join { channel: 0 }, 0);
    let script = [
        Step::Connect { conn: 0 },
        Step::Connect { conn: 1 },
        write(0, login(0), 30),
        write(0, Msg::Ping(7), 5),
        write(0, Msg::Ping(8), 0),
        write(1, login(1), 0),
        bind(0),
        bind(1),
        join(0),
        join(1),
        voice(0),
        voice(1),
        write(0, Msg::Mute(true), 0),
        voice(0),
        write(0, Msg::Chat(ChatLen::Short(4)), 0),
        write(0, Msg::Mute(false), 0),
        voice(0),
        Step::Directory(Change::Ban {
            channel: 0,
            user: 1,
        }),
        voice(0),
        write(0, Msg::Leave, 0),
        Step::Advance { millis: 31_000 },
    ];
    let mut harness = Harness::new(default_config());
    harness.run(&script).unwrap();
    let coverage = harness.coverage();
    assert_eq!(coverage.logins, 2);
    assert_eq!(coverage.binds, 2);
    assert_eq!(coverage.joins, 2);
    assert_eq!(coverage.relays, 3);
    assert_eq!(coverage.chats, 1);
    assert_eq!(coverage.removals, 1);
    // Two idle connections; their bindings go with them.
    assert_eq!(coverage.timeouts, 2);
}
