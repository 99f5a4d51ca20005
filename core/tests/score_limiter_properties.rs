//! Properties of the score-based rate limiting of `conformance/spec/signal.md` §7 over random
//! rules and random action sequences, including agreement with a transcription of Gryt's
//! `rateLimiter.ts` in milliseconds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use hark_core::limits::{RateLimitRule, ScoreLimiter};
use quickcheck::{Arbitrary, Gen, QuickCheck};

#[derive(Debug, Clone)]
struct Scenario {
    rule: RateLimitRule,
    /// Milliseconds since the previous action, and the key acting.
    actions: Vec<(u64, u8)>,
}

impl Arbitrary for Scenario {
    fn arbitrary(g: &mut Gen) -> Self {
        let score_per_action = u32::arbitrary(g) % 4;
        let rule = RateLimitRule::from_millis(
            1 + u32::arbitrary(g) % 6,
            1 + u64::arbitrary(g) % 5_000,
            if bool::arbitrary(g) {
                0
            } else {
                1 + u64::arbitrary(g) % 5_000
            },
            score_per_action,
            score_per_action.max(1) + u32::arbitrary(g) % 7,
            1 + u64::arbitrary(g) % 2_000,
        );
        let len = usize::arbitrary(g) % 200;
        let actions = (0..len)
            .map(|_| {
                let delay = u64::arbitrary(g);
                let delay = if delay % 3 == 0 { 0 } else { delay % 1_500 };
                (delay, u8::arbitrary(g) % 4)
            })
            .collect();
        Self { rule, actions }
    }
}

impl Scenario {
    /// Each action with its instant and key.
    fn timeline(&self, start: Instant) -> Vec<(Instant, u64, u8)> {
        let mut at = 0;
        self.actions
            .iter()
            .map(|&(delay, key)| {
                at += delay;
                (start + Duration::from_millis(at), at, key)
            })
            .collect()
    }
}

fn quickcheck(property: fn(Scenario) -> bool) {
    QuickCheck::new().tests(1_000).quickcheck(property);
}

/// Gryt's `SlidingWindowLimiter.check` for one key, with the window half-open as in hark.
#[derive(Debug, Default)]
struct Gryt {
    score: u64,
    last_update: u64,
    queue: VecDeque<u64>,
    banned_until: Option<u64>,
}

impl Gryt {
    fn decayed(&self, now: u64, rule: &RateLimitRule) -> u64 {
        let decay = rule.score_decay.as_millis() as u64;
        self.score.saturating_sub((now - self.last_update) / decay)
    }

    /// `Err(current score)` when refused.
    fn check(&mut self, now: u64, rule: &RateLimitRule) -> Result<(), u64> {
        if let Some(until) = self.banned_until {
            if until > now {
                return Err(self.decayed(now, rule));
            }
            self.banned_until = None;
        }
        let ban = rule.ban.map(|ban| now + ban.as_millis() as u64);
        if rule.score_per_action > 0 {
            self.score = self.decayed(now, rule) + u64::from(rule.score_per_action);
            self.last_update = now;
            if self.score > u64::from(rule.max_score) {
                self.banned_until = ban;
                return Err(self.score);
            }
        }
        let window = rule.window.as_millis() as u64;
        while self.queue.front().is_some_and(|&at| now - at >= window) {
            self.queue.pop_front();
        }
        if self.queue.len() >= rule.limit as usize {
            self.banned_until = ban;
            return Err(self.decayed(now, rule));
        }
        self.queue.push_back(now);
        Ok(())
    }
}

#[test]
fn decisions_and_scores_match_gryts_limiter() {
    fn property(scenario: Scenario) -> bool {
        let start = Instant::now();
        let rule = scenario.rule;
        let mut limiter = ScoreLimiter::new(4);
        let mut gryt: HashMap<u8, Gryt> = HashMap::new();
        scenario.timeline(start).into_iter().all(|(at, ms, key)| {
            let expected = gryt.entry(key).or_default().check(ms, &rule);
            let actual = limiter.check(at, &key, &rule);
            match (expected, actual) {
                (Ok(()), Ok(())) => true,
                (Err(score), Err(limited)) => u64::from(limited.current_score) == score,
                _ => false,
            }
        })
    }
    quickcheck(property);
}

#[test]
fn an_accepted_action_leaves_the_score_at_most_max_score() {
    fn property(scenario: Scenario) -> bool {
        let start = Instant::now();
        let rule = scenario.rule;
        let mut limiter = ScoreLimiter::new(4);
        scenario.timeline(start).into_iter().all(|(at, _, key)| {
            limiter.check(at, &key, &rule).is_err() || limiter.score(at, &key) <= rule.max_score
        })
    }
    quickcheck(property);
}

#[test]
fn one_check_raises_the_score_by_at_most_score_per_action() {
    fn property(scenario: Scenario) -> bool {
        let start = Instant::now();
        let rule = scenario.rule;
        let mut limiter = ScoreLimiter::new(4);
        scenario.timeline(start).into_iter().all(|(at, _, key)| {
            let before = limiter.score(at, &key);
            let _ = limiter.check(at, &key, &rule);
            limiter.score(at, &key) <= before + rule.score_per_action
        })
    }
    quickcheck(property);
}

#[test]
fn a_refused_key_is_refused_before_retry_after_and_accepted_from_then_on() {
    fn property(scenario: Scenario) -> bool {
        let start = Instant::now();
        let rule = scenario.rule;
        let mut limiter = ScoreLimiter::new(4);
        let mut retry_at: HashMap<u8, Instant> = HashMap::new();
        scenario.timeline(start).into_iter().all(|(at, _, key)| {
            let decision = limiter.check(at, &key, &rule);
            let expected_refusal = retry_at.get(&key).is_some_and(|&retry| at < retry);
            let consistent = decision.is_err() == expected_refusal
                || (decision.is_err() && !retry_at.contains_key(&key));
            match decision {
                Ok(()) => {
                    retry_at.remove(&key);
                    consistent
                }
                Err(limited) => {
                    retry_at.insert(key, at + limited.retry_after);
                    consistent && !limited.retry_after.is_zero()
                }
            }
        })
    }
    quickcheck(property);
}

#[test]
fn tracked_keys_never_exceed_the_bound() {
    fn property(scenario: Scenario) -> bool {
        let start = Instant::now();
        let rule = scenario.rule;
        let max_keys = 1 + usize::from(scenario.actions.len() as u8 % 3);
        let mut limiter = ScoreLimiter::new(max_keys);
        scenario.timeline(start).into_iter().all(|(at, _, key)| {
            let _ = limiter.check(at, &key, &rule);
            limiter.handle_timeout(at);
            limiter.tracked_keys() <= max_keys
                && limiter.poll_timeout().is_none_or(|timeout| timeout > at)
        })
    }
    quickcheck(property);
}
