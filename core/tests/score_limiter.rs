//! The score-based rate limiting of `conformance/spec/signal.md` §7, with the seed's numbers.
//! (Tests that need a clock live here, outside `core/src`, which never reads one.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hark_core::limits::{
    RateLimitRule, RateLimitRuleError, RateLimited, RateLimits, RuleField, ScoreLimiter,
};

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A rule without ban or reachable window, so only the score decides.
fn score_only(max_score: u32, score_decay_ms: u64) -> RateLimitRule {
    RateLimitRule::from_millis(1_000, 60_000, 0, 1, max_score, score_decay_ms)
}

fn limiter() -> ScoreLimiter<&'static str> {
    ScoreLimiter::new(100)
}

fn accepted(limiter: &mut ScoreLimiter<&'static str>, at: Instant, rule: &RateLimitRule, n: usize) {
    for _ in 0..n {
        limiter.check(at, &"user", rule).unwrap();
    }
}

#[test]
fn the_fifth_server_join_in_a_burst_is_refused_and_banned_for_a_minute() {
    let start = Instant::now();
    let rule = RateLimitRule::SERVER_JOIN;
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 4);
    let refused = limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!(
        refused,
        RateLimited {
            retry_after: secs(60),
            current_score: 10,
            max_score: 8
        }
    );
    assert!(
        limiter
            .check(start + secs(60) - ms(1), &"user", &rule)
            .is_err()
    );
    assert!(limiter.check(start + secs(60), &"user", &rule).is_ok());
}

#[test]
fn the_sixth_server_join_within_a_minute_is_refused_by_the_window() {
    let start = Instant::now();
    let rule = RateLimitRule::SERVER_JOIN;
    let mut limiter = limiter();
    for n in 0..5 {
        limiter.check(start + secs(10 * n), &"user", &rule).unwrap();
        assert_eq!(limiter.score(start + secs(10 * n), &"user"), 2);
    }
    let refused = limiter.check(start + secs(50), &"user", &rule).unwrap_err();
    assert_eq!(refused.retry_after, secs(60));
    assert_eq!(refused.current_score, 2);
}

#[test]
fn the_score_decays_one_point_per_whole_interval() {
    let start = Instant::now();
    let rule = score_only(3, 2_000);
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 3);
    assert_eq!(limiter.score(start + ms(1_999), &"user"), 3);
    assert_eq!(limiter.score(start + ms(2_000), &"user"), 2);
    assert_eq!(limiter.score(start + ms(5_999), &"user"), 1);
    assert_eq!(limiter.score(start + secs(60), &"user"), 0);
    assert!(limiter.check(start + secs(2), &"user", &rule).is_ok());
}

#[test]
fn each_check_discards_the_part_of_an_interval_already_elapsed() {
    let start = Instant::now();
    let rule = score_only(3, 2_000);
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 2);
    limiter.check(start + ms(1_500), &"user", &rule).unwrap();
    assert_eq!(limiter.score(start + ms(3_000), &"user"), 3);
    assert!(limiter.check(start + ms(3_000), &"user", &rule).is_err());
}

#[test]
fn a_refused_action_still_adds_its_points() {
    let start = Instant::now();
    let rule = score_only(3, 2_000);
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 3);
    let first = limiter.check(start, &"user", &rule).unwrap_err();
    let second = limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!((first.current_score, second.current_score), (4, 5));
    assert_eq!((first.retry_after, second.retry_after), (secs(4), secs(6)));
}

#[test]
fn the_action_is_accepted_exactly_when_retry_after_has_elapsed() {
    let start = Instant::now();
    let rule = score_only(3, 1_500);
    for (wait, allowed) in [
        (ms(3_000) - Duration::from_nanos(1), false),
        (ms(3_000), true),
    ] {
        let mut limiter = limiter();
        accepted(&mut limiter, start, &rule, 3);
        let refused = limiter.check(start, &"user", &rule).unwrap_err();
        assert_eq!(refused.retry_after, ms(3_000));
        assert_eq!(limiter.check(start + wait, &"user", &rule).is_ok(), allowed);
    }
}

#[test]
fn a_window_of_limit_actions_refuses_the_next_until_the_oldest_leaves_it() {
    let start = Instant::now();
    let rule = RateLimitRule::from_millis(3, 10_000, 0, 0, 10, 1_000);
    let mut limiter = limiter();
    for n in 0..3 {
        limiter.check(start + secs(n), &"user", &rule).unwrap();
    }
    let refused = limiter.check(start + secs(5), &"user", &rule).unwrap_err();
    assert_eq!(refused.retry_after, secs(5));
    assert!(
        limiter
            .check(start + secs(10) - ms(1), &"user", &rule)
            .is_err()
    );
    assert!(limiter.check(start + secs(10), &"user", &rule).is_ok());
}

#[test]
fn a_banned_key_is_refused_without_adding_points() {
    let start = Instant::now();
    let rule = RateLimitRule::CHAT_SEND;
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 10);
    let refused = limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!((refused.retry_after, refused.current_score), (secs(30), 11));
    let during = limiter.check(start + secs(10), &"user", &rule).unwrap_err();
    assert_eq!(
        during,
        RateLimited {
            retry_after: secs(20),
            current_score: 6,
            max_score: 10
        }
    );
    assert_eq!(limiter.score(start + secs(10), &"user"), 6);
}

#[test]
fn a_ban_ends_after_ban_ms() {
    let start = Instant::now();
    let rule = RateLimitRule::CHAT_REACT;
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 15);
    let refused = limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!(refused.retry_after, secs(15));
    assert!(
        limiter
            .check(start + secs(15) - ms(1), &"user", &rule)
            .is_err()
    );
    assert!(limiter.check(start + secs(15), &"user", &rule).is_ok());
}

#[test]
fn without_ban_ms_a_refusal_lasts_only_until_the_score_allows() {
    let start = Instant::now();
    let rule = score_only(1, 1_500);
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 1);
    let refused = limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!(refused.retry_after, secs(3));
    assert_eq!(
        serde_json::to_string(&refused.error()).unwrap(),
        r#"{"error":"rate_limited","retryAfterMs":3000,"currentScore":2,"maxScore":1,"message":"You're doing things too quickly. Please wait 3 seconds."}"#
    );
}

#[test]
fn the_signal_rule_accepts_a_negotiation_burst_of_fifty_events() {
    let start = Instant::now();
    let rule = RateLimitRule::SIGNAL;
    let mut limiter = limiter();
    for n in 0..50 {
        limiter.check(start + ms(20 * n), &"user", &rule).unwrap();
    }
    let refused = limiter
        .check(start + ms(1_000), &"user", &rule)
        .unwrap_err();
    assert_eq!((refused.current_score, refused.retry_after), (51, ms(400)));
    assert!(limiter.check(start + ms(1_400), &"user", &rule).is_ok());
}

#[test]
fn keys_are_limited_independently() {
    let start = Instant::now();
    let rule = RateLimitRule::SERVER_JOIN;
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 4);
    assert!(limiter.check(start, &"user", &rule).is_err());
    assert!(limiter.check(start, &"other", &rule).is_ok());
}

#[test]
fn the_error_payload_is_the_seeds_example_byte_for_byte() {
    let limited = RateLimited {
        retry_after: secs(3),
        current_score: 12,
        max_score: 10,
    };
    assert_eq!(
        serde_json::to_string(&limited.error()).unwrap(),
        r#"{"error":"rate_limited","retryAfterMs":3000,"currentScore":12,"maxScore":10,"message":"You're doing things too quickly. Please wait 3 seconds."}"#
    );
}

#[test]
fn retry_after_rounds_up_to_the_millisecond_and_the_message_up_to_the_second() {
    let limited = |retry_after| RateLimited {
        retry_after,
        current_score: 0,
        max_score: 1,
    };
    let cases = [
        (Duration::from_nanos(1), 1, "1 seconds"),
        (ms(1_000), 1_000, "1 seconds"),
        (ms(1_000) + Duration::from_nanos(1), 1_001, "2 seconds"),
        (ms(2_001), 2_001, "3 seconds"),
        (secs(60), 60_000, "60 seconds"),
    ];
    for (retry_after, expected_ms, seconds) in cases {
        let error = limited(retry_after).error();
        assert_eq!(error.retry_after_ms, expected_ms);
        assert_eq!(
            error.message,
            format!("You're doing things too quickly. Please wait {seconds}.")
        );
    }
}

#[test]
fn the_seeds_env_values_parse_to_the_default_rules() {
    let cases = [
        ("20:10000:30000:1:10:2000", RateLimitRule::CHAT_SEND),
        ("50:10000:15000:1:15:1500", RateLimitRule::CHAT_REACT),
        ("5:60000:60000:2:8:5000", RateLimitRule::SERVER_JOIN),
        ("100:10000:0:1:50:200", RateLimitRule::SIGNAL),
    ];
    for (value, rule) in cases {
        assert_eq!(value.parse::<RateLimitRule>(), Ok(rule));
        assert_eq!(rule.validate(), Ok(()));
    }
}

#[test]
fn omitted_trailing_fields_take_the_seeds_defaults() {
    let rule: RateLimitRule = "5:60000".parse().unwrap();
    assert_eq!(
        rule,
        RateLimitRule {
            limit: 5,
            window: secs(60),
            ban: None,
            score_per_action: 1,
            max_score: 10,
            score_decay: secs(1),
        }
    );
    let rule: RateLimitRule = "5:60000:0:2".parse().unwrap();
    assert_eq!((rule.ban, rule.score_per_action), (None, 2));
}

#[test]
fn a_ban_ms_of_zero_means_no_ban() {
    let rule: RateLimitRule = "5:60000:0:2:8:5000".parse().unwrap();
    assert_eq!(rule.ban, None);
}

#[test]
fn a_score_per_action_of_zero_leaves_only_the_window() {
    let start = Instant::now();
    let rule: RateLimitRule = "2:60000:0:0".parse().unwrap();
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 2);
    assert_eq!(limiter.score(start, &"user"), 0);
    assert!(limiter.check(start, &"user", &rule).is_err());
}

#[test]
fn a_bad_field_is_named_in_the_error() {
    let not_a_number = |field, value: &str| RateLimitRuleError::NotANumber {
        field,
        value: value.to_owned(),
    };
    let cases = [
        ("", not_a_number(RuleField::Limit, "")),
        ("x:60000", not_a_number(RuleField::Limit, "x")),
        ("+5:60000", not_a_number(RuleField::Limit, "+5")),
        (
            "4294967296:60000",
            not_a_number(RuleField::Limit, "4294967296"),
        ),
        ("5", RateLimitRuleError::Missing(RuleField::WindowMs)),
        ("5:-1", not_a_number(RuleField::WindowMs, "-1")),
        ("5:60000:1.5", not_a_number(RuleField::BanMs, "1.5")),
        ("5:60000:0:a", not_a_number(RuleField::ScorePerAction, "a")),
        ("5:60000:0:1:", not_a_number(RuleField::MaxScore, "")),
        (
            "5:60000:0:1:8:5s",
            not_a_number(RuleField::ScoreDecayMs, "5s"),
        ),
        ("5:60000:0:1:8:5000:1", RateLimitRuleError::TooManyFields),
        ("0:60000", RateLimitRuleError::Zero(RuleField::Limit)),
        ("5:0", RateLimitRuleError::Zero(RuleField::WindowMs)),
        (
            "5:60000:0:0:0",
            RateLimitRuleError::Zero(RuleField::MaxScore),
        ),
        (
            "5:60000:0:1:8:0",
            RateLimitRuleError::Zero(RuleField::ScoreDecayMs),
        ),
        (
            "5:60000:0:9:8",
            RateLimitRuleError::ScoreAboveMax {
                score_per_action: 9,
                max_score: 8,
            },
        ),
    ];
    for (value, error) in cases {
        assert_eq!(value.parse::<RateLimitRule>(), Err(error), "{value:?}");
    }
    let message = "5:x".parse::<RateLimitRule>().unwrap_err().to_string();
    assert!(message.contains("windowMs"), "{message}");
}

#[test]
fn env_variables_override_the_default_rules() {
    let env = HashMap::from([
        ("RATE_LIMIT_SIGNAL", "200:10000"),
        ("RATE_LIMIT_CHAT_SEND", "1:1000"),
    ]);
    let limits = RateLimits::from_env(|var| env.get(var).map(|value| (*value).to_owned())).unwrap();
    assert_eq!(limits.signal, "200:10000".parse().unwrap());
    assert_eq!(limits.chat_send, "1:1000".parse().unwrap());
    assert_eq!(limits.chat_react, RateLimitRule::CHAT_REACT);
    assert_eq!(limits.server_join, RateLimitRule::SERVER_JOIN);
}

#[test]
fn a_bad_env_variable_is_named_in_the_error() {
    let error = RateLimits::from_env(|var| {
        (var == "RATE_LIMIT_SERVER_JOIN").then(|| "5:60000:60000:2:eight".to_owned())
    })
    .unwrap_err();
    assert_eq!(error.var, "RATE_LIMIT_SERVER_JOIN");
    assert_eq!(
        error.to_string(),
        "RATE_LIMIT_SERVER_JOIN: maxScore is not a whole number in range: \"eight\""
    );
}

#[test]
fn a_full_table_evicts_the_longest_idle_key_whose_score_has_decayed() {
    let start = Instant::now();
    let one_a_minute = RateLimitRule::from_millis(1, 60_000, 0, 1, 10, 1_000);
    let mut limiter = ScoreLimiter::new(2);
    limiter.check(start, &"a", &one_a_minute).unwrap();
    limiter.check(start + ms(500), &"b", &one_a_minute).unwrap();
    limiter.check(start + secs(2), &"c", &one_a_minute).unwrap();
    assert_eq!(limiter.tracked_keys(), 2);
    assert!(limiter.check(start + secs(2), &"b", &one_a_minute).is_err());
}

#[test]
fn a_full_table_of_busy_keys_refuses_a_new_key_until_one_decays() {
    let start = Instant::now();
    let rule = score_only(10, 1_000);
    let mut limiter = ScoreLimiter::new(2);
    limiter.check(start, &"a", &rule).unwrap();
    limiter.check(start, &"a", &rule).unwrap();
    limiter.check(start + ms(500), &"b", &rule).unwrap();
    let refused = limiter.check(start + ms(500), &"c", &rule).unwrap_err();
    assert_eq!(
        refused,
        RateLimited {
            retry_after: ms(1_000),
            current_score: 0,
            max_score: 10
        }
    );
    assert_eq!(limiter.tracked_keys(), 2);
    assert!(limiter.check(start + ms(1_500), &"c", &rule).is_ok());
}

#[test]
fn a_banned_key_is_never_evicted() {
    let start = Instant::now();
    let mut limiter = ScoreLimiter::new(1);
    let rule = RateLimitRule::from_millis(1, 1_000, 60_000, 0, 1, 1_000);
    limiter.check(start, &"a", &rule).unwrap();
    assert!(limiter.check(start, &"a", &rule).is_err());
    let refused = limiter.check(start + secs(1), &"b", &rule).unwrap_err();
    assert_eq!(refused.retry_after, secs(59));
    assert!(limiter.check(start + secs(30), &"a", &rule).is_err());
}

#[test]
fn a_key_with_nothing_left_to_remember_is_dropped_at_its_timeout() {
    let start = Instant::now();
    let rule = RateLimitRule::SERVER_JOIN;
    let mut limiter = limiter();
    assert_eq!(limiter.poll_timeout(), None);
    limiter.check(start, &"user", &rule).unwrap();
    assert_eq!(limiter.poll_timeout(), Some(start + secs(60)));
    limiter.handle_timeout(start + secs(60) - ms(1));
    assert_eq!(limiter.tracked_keys(), 1);
    limiter.handle_timeout(start + secs(60));
    assert_eq!((limiter.tracked_keys(), limiter.poll_timeout()), (0, None));
}

#[test]
fn a_ban_keeps_its_key_until_it_ends() {
    let start = Instant::now();
    let rule = RateLimitRule::CHAT_SEND;
    let mut limiter = limiter();
    accepted(&mut limiter, start, &rule, 10);
    limiter.check(start, &"user", &rule).unwrap_err();
    assert_eq!(limiter.poll_timeout(), Some(start + secs(30)));
}
