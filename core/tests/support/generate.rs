//! What the quickcheck front ends of the `audio` and `voice` models share: weighted choices, the
//! generators of the steps both models take ([`Change`], [`TokenKind`]), and the run of a
//! property over random scripts. Included as `generate` beside `model_common` by
//! `core/tests/service_properties.rs` and `core/tests/voice_service_properties.rs`.

use std::fmt::Debug;

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

use crate::model_common::{Cast, Change, TokenKind};

pub fn below(g: &mut Gen, n: usize) -> usize {
    usize::arbitrary(g) % n
}

/// An index into `weights`, chosen with those relative weights.
pub fn weighted(g: &mut Gen, weights: &[usize]) -> usize {
    let mut pick = below(g, weights.iter().sum());
    for (index, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return index;
        }
        pick -= weight;
    }
    0
}

/// Any change to any user and channel of `cast`, each kind as likely.
pub fn change(g: &mut Gen, cast: &Cast) -> Change {
    let (channel, user) = (below(g, cast.channels.len()), below(g, cast.users.len()));
    match below(g, 6) {
        0 => Change::Ban { channel, user },
        1 => Change::Unban { channel, user },
        2 => Change::AddMember { channel, user },
        3 => Change::RemoveMember { channel, user },
        4 => Change::RemoveChannel { channel },
        _ => Change::AddChannel { channel },
    }
}

/// A token kind with the relative `weights` of valid, expired, forged and another user's.
pub fn token_kind(g: &mut Gen, weights: &[usize; 4], cast: &Cast) -> TokenKind {
    match weighted(g, weights) {
        0 => TokenKind::Valid,
        1 => TokenKind::Expired,
        2 => TokenKind::Forged,
        _ => TokenKind::Of {
            user: below(g, cast.users.len()),
        },
    }
}

/// A property's verdict on one script: a broken rule fails with its description.
pub fn holds(outcome: Result<(), String>) -> TestResult {
    match outcome {
        Ok(()) => TestResult::passed(),
        Err(violation) => TestResult::error(violation),
    }
}

/// Checks `property` on `tests` random scripts of up to about `script_len` steps.
pub fn check_interactions<S: Arbitrary + Debug>(
    property: fn(S) -> TestResult,
    script_len: usize,
    tests: u64,
) {
    QuickCheck::new()
        .rng(Gen::new(script_len))
        .tests(tests)
        .quickcheck(property);
}
