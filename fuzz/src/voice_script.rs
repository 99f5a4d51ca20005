//! The decoding of a fuzz input into an interaction with the voice service, for the
//! `voice_service` target. The steps and their checks are [`crate::voice_model`], the file the
//! quickcheck properties of hark-core use (`core/tests/support/voice_model.rs`); the weights
//! here are those of its generator (`core/tests/voice_service_properties.rs`).

use arbitrary::{Result, Unstructured};

use crate::voice_model::{
    ADDRS, CAST, CONNS, ChatLen, Claim, Coverage, Dgram, Harness, Msg, Step, TokenKind, TokenPick,
    USERS, default_config, tight_config,
};
use crate::{below, change, token_kind, weighted};

/// Steps per input: enough for several clients to log in, bind, join and talk.
pub const MAX_STEPS: usize = 160;

/// Each connection's usual user: most logins succeed, and two connections contend for alice.
const HOME_USER: [usize; CONNS] = [0, 1, 2, 3, 0];

/// One fuzz input for `voice_service`: the limits to run under and the steps.
#[derive(Debug)]
pub struct VoiceScript {
    /// `tight_config()` (limits a short script reaches) instead of the spec's defaults.
    pub tight: bool,
    pub steps: Vec<Step>,
}

impl VoiceScript {
    /// Reads steps until the input runs out: mostly single steps of every kind, with honest
    /// arrivals (connect, log in, join, bind) and bursts of talk mixed in, so that relays happen
    /// among the forgery, garbage, clock jumps and operator changes.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut u = Unstructured::new(data);
        let tight = u.ratio(1, 4)?;
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            match weighted(&mut u, &[92, 5, 3])? {
                0 => steps.push(step(&mut u)?),
                1 => steps.extend(arrival(&mut u)?),
                _ => steps.extend(talk(&mut u)?),
            }
        }
        Ok(Self { tight, steps })
    }

    /// Runs the steps against a fresh service; `Err` describes the first broken rule.
    pub fn run(&self) -> std::result::Result<Coverage, String> {
        let config = if self.tight {
            tight_config()
        } else {
            default_config()
        };
        let mut harness = Harness::new(config);
        harness.run(&self.steps)?;
        Ok(harness.coverage())
    }
}

fn step(u: &mut Unstructured) -> Result<Step> {
    Ok(match weighted(u, &[32, 168, 10, 128, 28, 16, 1])? {
        0 => Step::Connect {
            conn: below(u, CONNS)?,
        },
        1 => {
            let conn = below(u, CONNS)?;
            Step::Write {
                conn,
                msg: msg(u, conn)?,
                hold: if u.ratio(3, 4)? {
                    0
                } else {
                    u.int_in_range(0..=4095)?
                },
            }
        }
        2 => Step::Close {
            conn: below(u, CONNS)?,
        },
        3 => {
            let addr = below(u, ADDRS)?;
            Step::Datagram {
                addr,
                dgram: dgram(u, addr)?,
            }
        }
        4 => Step::Advance { millis: millis(u)? },
        5 => Step::Directory(change(u, &CAST)?),
        _ => Step::Reset,
    })
}

fn msg(u: &mut Unstructured, conn: usize) -> Result<Msg> {
    Ok(match weighted(u, &[35, 25, 5, 8, 12, 20, 1, 1, 1])? {
        0 => Msg::Login {
            user: if u.ratio(85, 100)? {
                HOME_USER[conn % CONNS]
            } else {
                below(u, USERS.len())?
            },
            token: token_kind(u, &[91, 3, 3, 3], &CAST)?,
            version: if u.ratio(99, 100)? { 1 } else { u.arbitrary()? },
        },
        1 => Msg::Join {
            channel: weighted(u, &[65, 30, 5])?,
        },
        2 => Msg::Leave,
        3 => Msg::Mute(u.ratio(1, 3)?),
        4 => Msg::Chat(match weighted(u, &[5, 90, 5])? {
            0 => ChatLen::Empty,
            1 => ChatLen::Short(u.arbitrary()?),
            _ => ChatLen::TooLong,
        }),
        5 => Msg::Ping(u.arbitrary()?),
        6 => Msg::ServerOnly,
        7 => {
            let len = u.int_in_range(0..=80)?.min(u.len());
            Msg::Raw(u.bytes(len)?.to_vec())
        }
        _ => Msg::Oversize {
            extra: u.int_in_range(0..=99)?,
        },
    })
}

fn dgram(u: &mut Unstructured, addr: usize) -> Result<Dgram> {
    Ok(match weighted(u, &[35, 45, 12, 1, 5, 2])? {
        0 => Dgram::Auth(match weighted(u, &[80, 8, 7, 5])? {
            0 => TokenPick::Live { conn: addr },
            1 => TokenPick::Live {
                conn: below(u, CONNS)?,
            },
            2 => TokenPick::Revoked {
                index: below(u, 16)?,
            },
            _ => TokenPick::Random(u.arbitrary()?),
        }),
        1 => Dgram::Voice {
            claim: if u.ratio(92, 100)? {
                Claim::Own
            } else {
                Claim::Id(u.int_in_range(0..=8)?)
            },
            len: below(u, 200)?,
        },
        2 => Dgram::Keepalive(u.arbitrary()?),
        3 => Dgram::AuthResponse,
        4 => {
            let len = u.int_in_range(0..=80)?.min(u.len());
            Dgram::Raw(u.bytes(len)?.to_vec())
        }
        _ => Dgram::Oversize {
            extra: below(u, 64)?,
        },
    })
}

/// A client arriving the honest way: connect, log in as its usual user, join, bind.
fn arrival(u: &mut Unstructured) -> Result<[Step; 4]> {
    let conn = below(u, CONNS)?;
    let channel = weighted(u, &[85, 15])?;
    Ok([
        Step::Connect { conn },
        Step::Write {
            conn,
            msg: Msg::Login {
                user: HOME_USER[conn % CONNS],
                token: TokenKind::Valid,
                version: 1,
            },
            hold: 0,
        },
        Step::Write {
            conn,
            msg: Msg::Join { channel },
            hold: 0,
        },
        Step::Datagram {
            addr: conn,
            dgram: Dgram::Auth(TokenPick::Live { conn }),
        },
    ])
}

/// One address talking under its own id: enough voice to reach the voice rate limit.
fn talk(u: &mut Unstructured) -> Result<Vec<Step>> {
    let addr = below(u, ADDRS)?;
    (0..u.int_in_range(3..=8)?)
        .map(|_| {
            Ok(Step::Datagram {
                addr,
                dgram: Dgram::Voice {
                    claim: Claim::Own,
                    len: below(u, 200)?,
                },
            })
        })
        .collect()
}

/// Within a rate burst, a few seconds, past the tight timers, past the default ones, far ahead.
fn millis(u: &mut Unstructured) -> Result<u64> {
    Ok(match weighted(u, &[60, 25, 8, 5, 2])? {
        0 => u.int_in_range(0..=199)?,
        1 => u.int_in_range(0..=2_999)?,
        2 => u.int_in_range(4_000..=6_999)?,
        3 => u.int_in_range(10_000..=34_999)?,
        _ => u.int_in_range(60_000..=119_999)?,
    })
}
