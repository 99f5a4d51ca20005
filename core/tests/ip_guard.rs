//! Random-interaction property of `IpGuard` (chat.md §7): quickcheck generates scripts of
//! admissions, closes, violations and clock steps from a few IPs against tight limits, and after
//! every step checks that the tracked records stay within `max_tracked_ips`, that an IP is refused
//! as blocked exactly while a block it was given lasts (never before its end, never after), and
//! that connection counts and deadlines are kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hark_core::limits::{IpGuard, IpGuardConfig, Refusal};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

const IPS: usize = 5;

fn config() -> IpGuardConfig {
    IpGuardConfig {
        connection_limit_per_ip: 2,
        max_connections: 5,
        block_threshold: 2,
        violation_window: Duration::from_secs(10),
        block_duration: Duration::from_secs(10),
        max_block_duration: Duration::from_secs(40),
        penalty_memory: Duration::from_secs(60),
        max_tracked_ips: 3,
    }
}

fn ip(index: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, index as u8))
}

#[derive(Debug, Clone)]
enum Step {
    Admit(usize),
    Close(usize),
    Violation(usize),
    /// Moves the clock forward by this many seconds.
    Advance(u8),
    /// Moves the clock to `poll_timeout()`, if later, and calls `handle_timeout` there.
    Deadline,
}

impl Arbitrary for Step {
    fn arbitrary(g: &mut Gen) -> Self {
        let who = usize::arbitrary(g) % IPS;
        match u8::arbitrary(g) % 10 {
            0..=2 => Self::Admit(who),
            3 => Self::Close(who),
            4..=6 => Self::Violation(who),
            7 | 8 => Self::Advance(u8::arbitrary(g) % 30),
            _ => Self::Deadline,
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        match *self {
            Self::Advance(s) => Box::new(s.shrink().map(Self::Advance)),
            _ => quickcheck::empty_shrinker(),
        }
    }
}

/// What the script has established so far, from the guard's own answers.
struct Model {
    now: Instant,
    open: [u32; IPS],
    /// The end of the last block each IP was given.
    blocked_until: [Option<Instant>; IPS],
}

impl Model {
    fn blocked(&self, who: usize) -> bool {
        self.blocked_until[who].is_some_and(|until| self.now < until)
    }
}

fn run(script: &[Step]) -> Result<(), String> {
    let config = config();
    let mut guard = IpGuard::new(config);
    let mut model = Model {
        now: Instant::now(),
        open: [0; IPS],
        blocked_until: [None; IPS],
    };
    for (index, step) in script.iter().enumerate() {
        let fail = |why: String| Err(format!("step {index} {step:?}: {why}"));
        match *step {
            Step::Admit(who) => {
                let answer = guard.admit(model.now, ip(who));
                let total: u32 = model.open.iter().sum();
                let expected_refusal = if model.blocked(who) {
                    Some(Refusal::Blocked)
                } else if model.open[who] >= config.connection_limit_per_ip {
                    Some(Refusal::TooManyConnections)
                } else if total as usize >= config.max_connections {
                    Some(Refusal::ServerFull)
                } else {
                    None
                };
                match (answer, expected_refusal) {
                    (Ok(()), None) => model.open[who] += 1,
                    // The table of records may be full of unevictable ones.
                    (Err(Refusal::ServerFull), None) => {}
                    (Err(got), Some(expected)) if got == expected => {}
                    (got, expected) => return fail(format!("{got:?}, expected {expected:?}")),
                }
            }
            Step::Close(who) => {
                if model.open[who] > 0 {
                    guard.connection_closed(model.now, ip(who));
                    model.open[who] -= 1;
                }
            }
            Step::Violation(who) => {
                let was_blocked = model.blocked(who);
                if let Some(block) = guard.violation(model.now, ip(who)) {
                    if was_blocked {
                        return fail("a block started during a block".into());
                    }
                    if block.duration > config.max_block_duration
                        || block.until != model.now + block.duration
                    {
                        return fail(format!("bad block {block:?}"));
                    }
                    model.blocked_until[who] = Some(block.until);
                }
            }
            Step::Advance(s) => model.now += Duration::from_secs(u64::from(s)),
            Step::Deadline => {
                if let Some(at) = guard.poll_timeout() {
                    model.now = model.now.max(at);
                }
                guard.handle_timeout(model.now);
                if guard.poll_timeout().is_some_and(|at| at <= model.now) {
                    return fail("a deadline handled is still pending".into());
                }
            }
        }
        let stats = guard.stats();
        if stats.tracked_ips > config.max_tracked_ips {
            return fail(format!("{} records tracked", stats.tracked_ips));
        }
        if stats.open_connections != model.open.iter().sum::<u32>() as usize {
            return fail(format!(
                "{} open connections counted",
                stats.open_connections
            ));
        }
        for who in 0..IPS {
            if guard.is_blocked(model.now, ip(who)) != model.blocked(who) {
                return fail(format!("is_blocked wrong for ip {who}"));
            }
        }
    }
    Ok(())
}

fn property(script: Vec<Step>) -> TestResult {
    match run(&script) {
        Ok(()) => TestResult::passed(),
        Err(why) => TestResult::error(why),
    }
}

#[test]
fn records_stay_bounded_and_blocks_hold_exactly_for_their_duration() {
    QuickCheck::new()
        .tests(2000)
        .rng(Gen::new(200))
        .quickcheck(property as fn(Vec<Step>) -> TestResult);
}
