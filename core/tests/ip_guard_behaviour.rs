//! Per-IP admission, violations and progressive blocks (`conformance/spec/chat.md` §7), one
//! behaviour per test. (Tests that need a clock live here, outside `core/src`, which never reads
//! one.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hark_core::limits::*;

use std::net::Ipv4Addr;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
const C: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3));

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn config() -> IpGuardConfig {
    IpGuardConfig {
        connection_limit_per_ip: 2,
        max_connections: 5,
        block_threshold: 3,
        violation_window: secs(60),
        block_duration: secs(60),
        max_block_duration: secs(300),
        penalty_memory: secs(3600),
        max_tracked_ips: 2,
    }
}

/// `block_threshold` violations at `at`, returning the block the last one started.
fn block(guard: &mut IpGuard, at: Instant, ip: IpAddr) -> Block {
    let threshold = guard.config().block_threshold;
    (1..threshold).for_each(|_| assert_eq!(guard.violation(at, ip), None));
    guard.violation(at, ip).expect("the threshold blocks")
}

#[test]
fn the_defaults_are_those_of_the_spec_and_valid() {
    let config = IpGuardConfig::default();
    assert_eq!(config.connection_limit_per_ip, 10);
    assert_eq!(config.max_connections, 10_000);
    assert_eq!(config.block_threshold, 20);
    assert_eq!(config.violation_window, secs(60));
    assert_eq!(config.block_duration, secs(60));
    assert_eq!(config.max_block_duration, secs(3600));
    assert_eq!(config.penalty_memory, secs(3600));
    assert_eq!(config.max_tracked_ips, 10_000);
    assert_eq!(config.validate(), Ok(()));
}

#[test]
fn validate_refuses_zero_limits() {
    let config = IpGuardConfig {
        block_threshold: 0,
        ..config()
    };
    assert_eq!(
        config.validate(),
        Err(IpGuardConfigError::Zero("block_threshold"))
    );
}

#[test]
fn validate_refuses_a_block_longer_than_the_maximum() {
    let config = IpGuardConfig {
        block_duration: secs(301),
        ..config()
    };
    assert_eq!(
        config.validate(),
        Err(IpGuardConfigError::BlockLongerThanMax)
    );
}

#[test]
fn refusals_carry_the_status_and_code_of_the_spec() {
    assert_eq!(
        (Refusal::Blocked.status(), Refusal::Blocked.code()),
        (403, "IP_BLOCKED")
    );
    assert_eq!(
        (
            Refusal::TooManyConnections.status(),
            Refusal::TooManyConnections.code()
        ),
        (429, "TOO_MANY_CONNECTIONS")
    );
    assert_eq!(
        (Refusal::ServerFull.status(), Refusal::ServerFull.code()),
        (503, "SERVER_FULL")
    );
}

#[test]
fn an_ip_may_open_connection_limit_per_ip_connections() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    assert_eq!(guard.admit(now, A), Ok(()));
    assert_eq!(guard.admit(now, A), Ok(()));
    assert_eq!(guard.admit(now, A), Err(Refusal::TooManyConnections));
    assert_eq!(guard.admit(now, B), Ok(()));
}

#[test]
fn a_closed_connection_frees_its_place() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.admit(now, A).unwrap();
    guard.admit(now, A).unwrap();
    guard.connection_closed(now, A);
    assert_eq!(guard.admit(now, A), Ok(()));
}

#[test]
fn the_server_refuses_beyond_max_connections() {
    let now = Instant::now();
    let mut guard = IpGuard::new(IpGuardConfig {
        max_connections: 3,
        ..config()
    });
    guard.admit(now, A).unwrap();
    guard.admit(now, A).unwrap();
    guard.admit(now, B).unwrap();
    assert_eq!(guard.admit(now, B), Err(Refusal::ServerFull));
}

#[test]
fn a_blocked_ip_is_refused_before_its_connection_count_is_looked_at() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.admit(now, A).unwrap();
    guard.admit(now, A).unwrap();
    block(&mut guard, now, A);
    assert_eq!(guard.admit(now, A), Err(Refusal::Blocked));
}

#[test]
fn one_violation_short_of_the_threshold_does_not_block() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    assert_eq!(guard.violation(now, A), None);
    assert_eq!(guard.violation(now, A), None);
    assert!(!guard.is_blocked(now, A));
    assert_eq!(guard.admit(now, A), Ok(()));
}

#[test]
fn the_threshold_th_violation_blocks_for_block_duration() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    let block = block(&mut guard, now, A);
    assert_eq!(
        block,
        Block {
            until: now + secs(60),
            duration: secs(60)
        }
    );
    assert!(guard.is_blocked(now + secs(59), A));
    assert!(!guard.is_blocked(now + secs(60), A));
    assert!(!guard.is_blocked(now, B));
}

#[test]
fn violations_older_than_the_window_do_not_count() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.violation(start, A);
    guard.violation(start + secs(30), A);
    assert_eq!(guard.violation(start + secs(60), A), None);
    assert!(guard.violation(start + secs(61), A).is_some());
}

#[test]
fn violations_during_a_block_start_nothing() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    let first = block(&mut guard, now, A);
    assert_eq!(guard.violation(now + secs(1), A), None);
    assert_eq!(guard.violation(now + secs(2), A), None);
    assert_eq!(guard.violation(now + secs(3), A), None);
    assert!(!guard.is_blocked(first.until, A));
    assert_eq!(guard.stats().violations, 6);
}

#[test]
fn each_remembered_block_doubles_the_next() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    let first = block(&mut guard, start, A);
    let second = block(&mut guard, first.until, A);
    let third = block(&mut guard, second.until, A);
    assert_eq!(
        [first.duration, second.duration, third.duration],
        [secs(60), secs(120), secs(240)]
    );
}

#[test]
fn the_doubling_stops_at_max_block_duration() {
    let mut at = Instant::now();
    let mut guard = IpGuard::new(config());
    let durations: Vec<Duration> = (0..40)
        .map(|_| {
            let block = block(&mut guard, at, A);
            at = block.until;
            block.duration
        })
        .collect();
    assert_eq!(durations[3], secs(300));
    assert!(durations[3..].iter().all(|&d| d == secs(300)));
}

#[test]
fn the_record_is_forgotten_penalty_memory_after_the_block_ends() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    let first = block(&mut guard, start, A);
    let forget_at = first.until + secs(3600);
    assert_eq!(guard.poll_timeout(), Some(first.until));
    guard.handle_timeout(first.until);
    assert_eq!(guard.poll_timeout(), Some(forget_at));
    guard.handle_timeout(forget_at);
    assert_eq!(guard.stats().tracked_ips, 0);
    assert_eq!(block(&mut guard, forget_at, A).duration, secs(60));
}

#[test]
fn a_block_just_before_forgetting_still_doubles() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    let first = block(&mut guard, start, A);
    let almost = first.until + secs(3599);
    guard.handle_timeout(almost);
    assert_eq!(block(&mut guard, almost, A).duration, secs(120));
}

#[test]
fn a_violation_alone_is_remembered_for_penalty_memory() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.violation(start, A);
    assert_eq!(guard.poll_timeout(), Some(start + secs(3600)));
    guard.handle_timeout(start + secs(3599));
    assert_eq!(guard.stats().tracked_ips, 1);
    guard.handle_timeout(start + secs(3600));
    assert_eq!(guard.stats().tracked_ips, 0);
    assert_eq!(guard.poll_timeout(), None);
}

#[test]
fn forgetting_keeps_the_open_connections_of_the_ip() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.admit(start, A).unwrap();
    guard.admit(start, A).unwrap();
    guard.violation(start, A);
    guard.handle_timeout(start + secs(3600));
    assert_eq!(guard.stats().tracked_ips, 1);
    assert_eq!(
        guard.admit(start + secs(3600), A),
        Err(Refusal::TooManyConnections)
    );
}

#[test]
fn an_ip_without_penalty_is_dropped_when_its_last_connection_closes() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.admit(now, A).unwrap();
    guard.connection_closed(now, A);
    assert_eq!(guard.stats().tracked_ips, 0);
    assert_eq!(guard.poll_timeout(), None);
}

#[test]
fn a_block_ends_without_handle_timeout() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    let block = block(&mut guard, now, A);
    assert_eq!(guard.admit(block.until, A), Ok(()));
}

#[test]
fn closing_an_unknown_connection_changes_nothing() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.connection_closed(now, A);
    assert_eq!(guard.stats(), IpGuardStats::default());
}

#[test]
fn when_full_the_longest_idle_record_is_evicted() {
    let start = Instant::now();
    let mut guard = IpGuard::new(config());
    guard.violation(start, A);
    guard.violation(start + secs(1), B);
    guard.violation(start + secs(2), A);
    guard.admit(start + secs(3), C).unwrap();
    assert_eq!(guard.stats().tracked_ips, 2);
    assert!(
        guard.violation(start + secs(4), A).is_some(),
        "A kept its two violations: B was evicted"
    );
}

#[test]
fn blocked_ips_and_ips_with_connections_are_never_evicted() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    block(&mut guard, now, A);
    guard.admit(now, B).unwrap();
    assert_eq!(guard.admit(now, C), Err(Refusal::ServerFull));
    assert!(guard.is_blocked(now, A));
    assert_eq!(guard.stats().tracked_ips, 2);
}

#[test]
fn an_ip_whose_block_has_ended_can_be_evicted() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    let block = block(&mut guard, now, A);
    guard.admit(now, B).unwrap();
    assert_eq!(guard.admit(block.until, C), Ok(()));
    assert_eq!(guard.stats().tracked_ips, 2);
}

#[test]
fn stats_count_blocks_refusals_and_violations() {
    let now = Instant::now();
    let mut guard = IpGuard::new(config());
    block(&mut guard, now, A);
    guard.admit(now, A).unwrap_err();
    guard.admit(now, B).unwrap();
    assert_eq!(
        guard.stats(),
        IpGuardStats {
            blocked_ips: 1,
            tracked_ips: 2,
            open_connections: 1,
            refused_connections: 1,
            violations: 3,
        }
    );
}
