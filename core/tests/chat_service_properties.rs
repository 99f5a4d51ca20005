//! Random-interaction properties of the `chat` service: quickcheck generates scripts of
//! connections from three IPs, joins of three rooms under three user ids, leaves, messages of
//! every size, typing, reactions, pings, garbage text, binary and oversized messages, ping/pong
//! activity, peer closes, clock steps past every timer, shutdowns and resets.
//! `support/chat_model.rs` drives `ChatService` and a naive model of `chat.md` with them and
//! compares every frame each connection is sent; a failing case is shrunk to a short script.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/chat_model.rs"]
mod chat_model;
#[allow(dead_code)]
#[path = "support/generate.rs"]
mod generate;
// `generate` builds on it; the chat model needs none of its own items.
#[allow(dead_code, unused_imports)]
#[path = "support/model_common.rs"]
mod model_common;

use chat_model::{CONNS, Coverage, Harness, IPS, Msg, Step, default_config, tight_config};
use generate::{below, check_interactions, holds, weighted};
use quickcheck::{Arbitrary, Gen, TestResult};

/// Longest generated script.
const SCRIPT_LEN: usize = 200;

fn msg(g: &mut Gen) -> Msg {
    match weighted(g, &[8, 22, 6, 30, 12, 10, 12]) {
        0 => Msg::Ping,
        1 => Msg::Join {
            room: below(g, 4),
            user: below(g, 4),
        },
        2 => Msg::Leave,
        3 => Msg::Message {
            len: match weighted(g, &[90, 5, 5]) {
                0 => 1 + below(g, 64),
                1 => 0,
                _ => 500 + below(g, 200),
            },
        },
        4 => Msg::Typing(bool::arbitrary(g)),
        5 => Msg::Reaction,
        _ => Msg::Raw(match weighted(g, &[2, 1, 1, 1]) {
            0 => String::arbitrary(g),
            1 => r#"{"type":"dance"}"#.into(),
            2 => {
                r#"{"type":"join","data":{"room":"bad room!","user":{"id":"a","name":"A"}}}"#.into()
            }
            _ => r#"{"type":"message","data":{"content":"not\nencrypted"}}"#.into(),
        }),
    }
}

fn step(g: &mut Gen) -> Step {
    let conn = below(g, CONNS);
    match weighted(g, &[12, 60, 2, 1, 4, 4, 14, 1, 1]) {
        0 => Step::Connect {
            conn,
            ip: below(g, IPS),
        },
        1 => Step::Text { conn, msg: msg(g) },
        2 => Step::Binary {
            conn,
            len: below(g, 1000),
        },
        3 => Step::Oversized { conn },
        4 => Step::Activity { conn },
        5 => Step::Close { conn },
        6 => Step::Advance {
            millis: match weighted(g, &[70, 25, 5]) {
                0 => below(g, 400) as u64,
                1 => below(g, 3000) as u64,
                _ => 60_000 + below(g, 3_600_000) as u64,
            },
        },
        7 => Step::CloseAll,
        _ => Step::Reset,
    }
}

impl Arbitrary for Step {
    fn arbitrary(g: &mut Gen) -> Self {
        step(g)
    }
}

/// A generated interaction, run under the tight limits three times in four.
#[derive(Debug, Clone)]
struct Script {
    tight: bool,
    steps: Vec<Step>,
}

impl Arbitrary for Script {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = below(g, SCRIPT_LEN);
        Self {
            tight: weighted(g, &[3, 1]) == 0,
            steps: (0..len).map(|_| step(g)).collect(),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let tight = self.tight;
        Box::new(
            self.steps
                .shrink()
                .map(move |steps| Script { tight, steps }),
        )
    }
}

impl Script {
    fn run(&self) -> Result<Coverage, String> {
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

fn the_service_sends_what_the_model_of_the_spec_sends(script: Script) -> TestResult {
    holds(script.run().map(drop))
}

#[test]
fn every_connection_is_sent_what_the_spec_says() {
    check_interactions(
        the_service_sends_what_the_model_of_the_spec_sends as fn(Script) -> TestResult,
        SCRIPT_LEN,
        400,
    );
}

#[test]
fn the_scripts_reach_every_kind_of_outcome() {
    let mut g = Gen::new(SCRIPT_LEN);
    let mut total = Coverage::default();
    for _ in 0..200 {
        let coverage = Script::arbitrary(&mut g).run().unwrap();
        total.messages += coverage.messages;
        total.errors += coverage.errors;
        total.blocks += coverage.blocks;
        total.heartbeat_closes += coverage.heartbeat_closes;
        total.refusals += coverage.refusals;
    }
    assert!(total.messages > 0, "{total:?}");
    assert!(total.errors > 0, "{total:?}");
    assert!(total.blocks > 0, "{total:?}");
    assert!(total.heartbeat_closes > 0, "{total:?}");
    assert!(total.refusals > 0, "{total:?}");
}
