//! The decoding of a fuzz input into an interaction with the chat service, for the
//! `chat_service` target. The steps and their comparison with a model of the spec are
//! [`crate::chat_model`], the file the quickcheck property of hark-core uses
//! (`core/tests/support/chat_model.rs`); the weights here are those of its generator
//! (`core/tests/chat_service_properties.rs`).

use arbitrary::{Result, Unstructured};

use crate::chat_model::{CONNS, Coverage, Harness, IPS, Msg, Step, default_config, tight_config};
use crate::{below, weighted};

/// Steps per input: enough for several clients to meet in rooms, hit limits and be blocked.
pub const MAX_STEPS: usize = 160;

/// One fuzz input for `chat_service`: the limits to run under and the steps.
#[derive(Debug)]
pub struct ChatScript {
    /// `default_config()` (the seed's limits) instead of `tight_config()` (limits a short script
    /// reaches).
    pub seed_limits: bool,
    pub steps: Vec<Step>,
}

impl ChatScript {
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut u = Unstructured::new(data);
        let seed_limits = u.ratio(1, 4)?;
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            steps.push(step(&mut u)?);
        }
        Ok(Self { seed_limits, steps })
    }

    /// Runs the steps against a fresh service; `Err` describes the first difference from the
    /// model.
    pub fn run(&self) -> std::result::Result<Coverage, String> {
        let config = if self.seed_limits {
            default_config()
        } else {
            tight_config()
        };
        let mut harness = Harness::new(config);
        harness.run(&self.steps)?;
        Ok(harness.coverage())
    }
}

fn step(u: &mut Unstructured) -> Result<Step> {
    let conn = below(u, CONNS)?;
    Ok(match weighted(u, &[12, 60, 2, 1, 4, 4, 14, 1, 1])? {
        0 => Step::Connect {
            conn,
            ip: below(u, IPS)?,
        },
        1 => Step::Text { conn, msg: msg(u)? },
        2 => Step::Binary {
            conn,
            len: below(u, 1000)?,
        },
        3 => Step::Oversized { conn },
        4 => Step::Activity { conn },
        5 => Step::Close { conn },
        6 => Step::Advance {
            millis: match weighted(u, &[70, 25, 5])? {
                0 => u.int_in_range(0..=399)?,
                1 => u.int_in_range(0..=2999)?,
                _ => u.int_in_range(60_000..=3_660_000)?,
            },
        },
        7 => Step::CloseAll,
        _ => Step::Reset,
    })
}

fn msg(u: &mut Unstructured) -> Result<Msg> {
    Ok(match weighted(u, &[8, 22, 6, 30, 12, 10, 12])? {
        0 => Msg::Ping,
        1 => Msg::Join {
            room: below(u, 4)?,
            user: below(u, 4)?,
        },
        2 => Msg::Leave,
        3 => Msg::Message {
            len: match weighted(u, &[90, 5, 5])? {
                0 => 1 + below(u, 64)?,
                1 => 0,
                _ => 500 + below(u, 200)?,
            },
        },
        4 => Msg::Typing(u.arbitrary()?),
        5 => Msg::Reaction,
        _ => Msg::Raw(u.arbitrary()?),
    })
}
