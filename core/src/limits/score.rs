//! Score-based rate limiting, the model of the Gryt server's `rateLimiter.ts` (signal.md §7).
//!
//! Each key (a user and the rule it is limited by) carries a score, a sliding window of accepted
//! actions and an optional ban. A check, unless the key is banned, first decays the score by one
//! point per whole `score_decay` since the score was last written (the remainder of that time is
//! discarded: the score is rewritten on every check), then adds `score_per_action` — also for an
//! action it goes on to refuse, so hammering prolongs the wait. The action is refused if the score
//! exceeds `max_score`, or if `limit` actions were accepted in the `window` before it; either
//! refusal starts a ban of `ban`. A banned key is refused without touching its state.
//!
//! Unlike Gryt, the reported wait is exact: the time until the same action would be accepted if
//! the client sent nothing before it (signal.md §7 lists the differences).
//!
//! Sans-IO: `now` is always a parameter; maps are ordered so the same inputs give the same
//! decisions. Memory is bounded by `max_keys` entries of at most `limit` instants each.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;

/// One rule of signal.md §7, in the units of the seed's `RateLimitRule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitRule {
    /// Accepted actions allowed in one `window`.
    pub limit: u32,
    pub window: Duration,
    /// How long a refusal bans the key; `None` refuses only while over the limits.
    pub ban: Option<Duration>,
    /// Points an action adds; 0 turns the score off and leaves only the window.
    pub score_per_action: u32,
    /// The highest score an accepted action may leave.
    pub max_score: u32,
    /// The time it takes one point to decay.
    pub score_decay: Duration,
}

impl RateLimitRule {
    /// The seed's chat message rule: `20:10000:30000:1:10:2000`.
    pub const CHAT_SEND: Self = Self::from_millis(20, 10_000, 30_000, 1, 10, 2_000);
    /// The seed's reaction rule: `50:10000:15000:1:15:1500`.
    pub const CHAT_REACT: Self = Self::from_millis(50, 10_000, 15_000, 1, 15, 1_500);
    /// The seed's server join rule: `5:60000:60000:2:8:5000`.
    pub const SERVER_JOIN: Self = Self::from_millis(5, 60_000, 60_000, 2, 8, 5_000);
    /// hark's rule for the signaling events (signal.md §7): `100:10000:0:1:50:200`. Trickled ICE
    /// candidates arrive faster than any decay interval, so the burst (50 events) must hold a
    /// whole negotiation — an offer or answer and up to ~30 candidates — with room to spare; a
    /// pause of 10 s restores it, and the score then sustains one event per 200 ms; the window
    /// caps any 10 s at 100 events. No ban: a refused candidate already costs the user audio, and
    /// refused events still add score.
    pub const SIGNAL: Self = Self::from_millis(100, 10_000, 0, 1, 50, 200);

    /// `scorePerAction` when the env value leaves it out (the seed's default).
    pub const DEFAULT_SCORE_PER_ACTION: u32 = 1;
    /// `maxScore` when the env value leaves it out (the seed's default).
    pub const DEFAULT_MAX_SCORE: u32 = 10;
    /// `scoreDecayMs` when the env value leaves it out (the seed's default).
    pub const DEFAULT_SCORE_DECAY: Duration = Duration::from_millis(1_000);

    /// A rule from the fields of the env format, in its order; `ban_ms` 0 means no ban.
    pub const fn from_millis(
        limit: u32,
        window_ms: u64,
        ban_ms: u64,
        score_per_action: u32,
        max_score: u32,
        score_decay_ms: u64,
    ) -> Self {
        Self {
            limit,
            window: Duration::from_millis(window_ms),
            ban: if ban_ms == 0 {
                None
            } else {
                Some(Duration::from_millis(ban_ms))
            },
            score_per_action,
            max_score,
            score_decay: Duration::from_millis(score_decay_ms),
        }
    }

    /// Refuses rules that would refuse every action or never let a score decay.
    pub fn validate(&self) -> Result<(), RateLimitRuleError> {
        let zero = [
            (RuleField::Limit, self.limit == 0),
            (RuleField::WindowMs, self.window.is_zero()),
            (RuleField::MaxScore, self.max_score == 0),
            (RuleField::ScoreDecayMs, self.score_decay.is_zero()),
        ];
        if let Some((field, _)) = zero.iter().find(|(_, is_zero)| *is_zero) {
            return Err(RateLimitRuleError::Zero(*field));
        }
        if self.score_per_action > self.max_score {
            return Err(RateLimitRuleError::ScoreAboveMax {
                score_per_action: self.score_per_action,
                max_score: self.max_score,
            });
        }
        Ok(())
    }
}

/// The fields of the env format `limit:windowMs:banMs:scorePerAction:maxScore:scoreDecayMs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    Limit,
    WindowMs,
    BanMs,
    ScorePerAction,
    MaxScore,
    ScoreDecayMs,
}

impl RuleField {
    /// The field's name as the seed spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Limit => "limit",
            Self::WindowMs => "windowMs",
            Self::BanMs => "banMs",
            Self::ScorePerAction => "scorePerAction",
            Self::MaxScore => "maxScore",
            Self::ScoreDecayMs => "scoreDecayMs",
        }
    }
}

impl fmt::Display for RuleField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a rule, or its env value, cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateLimitRuleError {
    #[error("{0} is missing")]
    Missing(RuleField),
    #[error("{field} is not a whole number in range: {value:?}")]
    NotANumber { field: RuleField, value: String },
    #[error("{0} must be at least 1")]
    Zero(RuleField),
    #[error("more than six fields")]
    TooManyFields,
    #[error("scorePerAction ({score_per_action}) exceeds maxScore ({max_score})")]
    ScoreAboveMax {
        score_per_action: u32,
        max_score: u32,
    },
}

/// Parses the env format. `limit` and `windowMs` are required; the optional fields of the seed's
/// interface may be left out from the end and take its defaults (no ban, 1 point, 10 points,
/// 1000 ms). Every field present is digits only; the result is validated.
impl FromStr for RateLimitRule {
    type Err = RateLimitRuleError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = value.split(':').collect();
        if fields.len() > 6 {
            return Err(RateLimitRuleError::TooManyFields);
        }
        let field = |index: usize, field: RuleField| {
            fields
                .get(index)
                .map(|text| parse_number(field, text))
                .transpose()
        };
        let narrow = |field: RuleField, number: u64| {
            u32::try_from(number).map_err(|_| RateLimitRuleError::NotANumber {
                field,
                value: number.to_string(),
            })
        };
        let limit =
            field(0, RuleField::Limit)?.ok_or(RateLimitRuleError::Missing(RuleField::Limit))?;
        let window_ms = field(1, RuleField::WindowMs)?
            .ok_or(RateLimitRuleError::Missing(RuleField::WindowMs))?;
        let ban_ms = field(2, RuleField::BanMs)?.unwrap_or(0);
        let score_per_action = field(3, RuleField::ScorePerAction)?
            .map_or(Ok(Self::DEFAULT_SCORE_PER_ACTION), |n| {
                narrow(RuleField::ScorePerAction, n)
            })?;
        let max_score = field(4, RuleField::MaxScore)?
            .map_or(Ok(Self::DEFAULT_MAX_SCORE), |n| {
                narrow(RuleField::MaxScore, n)
            })?;
        let score_decay = field(5, RuleField::ScoreDecayMs)?
            .map_or(Self::DEFAULT_SCORE_DECAY, Duration::from_millis);
        let rule = Self {
            limit: narrow(RuleField::Limit, limit)?,
            window: Duration::from_millis(window_ms),
            ban: (ban_ms > 0).then(|| Duration::from_millis(ban_ms)),
            score_per_action,
            max_score,
            score_decay,
        };
        rule.validate()?;
        Ok(rule)
    }
}

fn parse_number(field: RuleField, text: &str) -> Result<u64, RateLimitRuleError> {
    let not_a_number = || RateLimitRuleError::NotANumber {
        field,
        value: text.to_owned(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    text.parse().map_err(|_| not_a_number())
}

/// The four rules of signal.md §7, each overridable by its env variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub chat_send: RateLimitRule,
    pub chat_react: RateLimitRule,
    pub server_join: RateLimitRule,
    pub signal: RateLimitRule,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            chat_send: RateLimitRule::CHAT_SEND,
            chat_react: RateLimitRule::CHAT_REACT,
            server_join: RateLimitRule::SERVER_JOIN,
            signal: RateLimitRule::SIGNAL,
        }
    }
}

/// An env variable whose rule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{var}: {source}")]
pub struct RateLimitEnvError {
    pub var: &'static str,
    #[source]
    pub source: RateLimitRuleError,
}

impl RateLimits {
    /// The defaults, with each `RATE_LIMIT_<RULE>` that `lookup` finds parsed in their place.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RateLimitEnvError> {
        let mut limits = Self::default();
        let slots = [
            ("RATE_LIMIT_CHAT_SEND", &mut limits.chat_send),
            ("RATE_LIMIT_CHAT_REACT", &mut limits.chat_react),
            ("RATE_LIMIT_SERVER_JOIN", &mut limits.server_join),
            ("RATE_LIMIT_SIGNAL", &mut limits.signal),
        ];
        for (var, slot) in slots {
            if let Some(value) = lookup(var) {
                *slot = value
                    .parse()
                    .map_err(|source| RateLimitEnvError { var, source })?;
            }
        }
        Ok(limits)
    }
}

/// A refused action: how long to wait, and the key's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    /// Until the same action would be accepted, if nothing is sent before it.
    pub retry_after: Duration,
    pub current_score: u32,
    pub max_score: u32,
}

impl RateLimited {
    /// `retry_after` in whole milliseconds, rounded up so a client that waits it is not early.
    pub fn retry_after_ms(&self) -> u64 {
        let nanos = self.retry_after.as_nanos().div_ceil(1_000_000);
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    /// The seed's `RateLimitError` payload.
    pub fn error(&self) -> RateLimitError {
        let retry_after_ms = self.retry_after_ms();
        RateLimitError {
            error: RateLimitError::CODE,
            retry_after_ms,
            current_score: self.current_score,
            max_score: self.max_score,
            message: format!(
                "You're doing things too quickly. Please wait {} seconds.",
                retry_after_ms.div_ceil(1_000)
            ),
        }
    }
}

/// The seed's `RateLimitError`, members in its interface's order (signal.md §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitError {
    pub error: &'static str,
    pub retry_after_ms: u64,
    pub current_score: u32,
    pub max_score: u32,
    pub message: String,
}

impl RateLimitError {
    /// The `error` member.
    pub const CODE: &'static str = "rate_limited";
}

#[derive(Debug)]
struct Entry {
    /// The rule of the last check, which decay and forgetting follow.
    rule: RateLimitRule,
    /// The score as last written, and when (Gryt's `lastUpdate`).
    score: u32,
    scored_at: Instant,
    /// Accepted actions still inside the window, oldest first; never more than `rule.limit`.
    accepted: VecDeque<Instant>,
    /// When the current ban started, if any (it may have ended since).
    banned_at: Option<Instant>,
    /// The last check: eviction takes the longest idle entry first.
    last_active: Instant,
    /// The entry of this key in `ScoreLimiter::deadlines`.
    deadline: Option<Instant>,
}

impl Entry {
    fn new(rule: RateLimitRule, now: Instant) -> Self {
        Self {
            rule,
            score: 0,
            scored_at: now,
            accepted: VecDeque::new(),
            banned_at: None,
            last_active: now,
            deadline: None,
        }
    }

    /// The score less one point per whole `score_decay` since it was written.
    fn score_at(&self, now: Instant) -> u32 {
        let elapsed = now.saturating_duration_since(self.scored_at).as_nanos();
        let decayed = elapsed / self.rule.score_decay.as_nanos().max(1);
        self.score
            .saturating_sub(u32::try_from(decayed).unwrap_or(u32::MAX))
    }

    fn ban_remaining(&self, now: Instant) -> Duration {
        match (self.banned_at, self.rule.ban) {
            (Some(at), Some(ban)) => ban.saturating_sub(now.saturating_duration_since(at)),
            _ => Duration::ZERO,
        }
    }

    fn check(&mut self, now: Instant, rule: RateLimitRule) -> Result<(), RateLimited> {
        self.rule = rule;
        self.last_active = now;
        if !self.ban_remaining(now).is_zero() {
            return Err(self.refusal(now));
        }
        self.banned_at = None;
        self.score = self.score_at(now).saturating_add(rule.score_per_action);
        self.scored_at = now;
        self.expire(now);
        if self.score > rule.max_score || self.accepted.len() >= rule.limit as usize {
            self.banned_at = rule.ban.map(|_| now);
            return Err(self.refusal(now));
        }
        self.accepted.push_back(now);
        Ok(())
    }

    /// Forgets accepted actions at least one window old: the window is `(now - window, now]`.
    fn expire(&mut self, now: Instant) {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) < self.rule.window {
                break;
            }
            self.accepted.pop_front();
        }
    }

    fn refusal(&self, now: Instant) -> RateLimited {
        RateLimited {
            retry_after: self.retry_after(now),
            current_score: self.score_at(now),
            max_score: self.rule.max_score,
        }
    }

    /// The earliest wait after which a check passes all three tests: the ban has ended, the
    /// decayed score plus one action is at most `max_score`, and fewer than `limit` accepted
    /// actions remain in the window. Each holds forever once it holds, so it is the longest of
    /// the three waits.
    fn retry_after(&self, now: Instant) -> Duration {
        let since_scored = now.saturating_duration_since(self.scored_at);
        let excess = self
            .score
            .saturating_add(self.rule.score_per_action)
            .saturating_sub(self.rule.max_score);
        let score_wait = self
            .rule
            .score_decay
            .checked_mul(excess)
            .unwrap_or(Duration::MAX)
            .saturating_sub(since_scored);
        // The window admits the action once the accepted action `limit` places from the newest
        // has left it.
        let window_wait = self
            .accepted
            .len()
            .checked_sub(self.rule.limit as usize)
            .and_then(|index| self.accepted.get(index))
            .map_or(Duration::ZERO, |&at| {
                self.rule
                    .window
                    .saturating_sub(now.saturating_duration_since(at))
            });
        self.ban_remaining(now).max(score_wait).max(window_wait)
    }

    /// Whether the entry may make room for another key: its score has decayed and it is not
    /// banned. Its window, if not empty, is lost.
    fn is_evictable(&self, now: Instant) -> bool {
        self.ban_remaining(now).is_zero() && self.score_at(now) == 0
    }

    /// When the entry becomes evictable; `None` if that lies beyond what an `Instant` holds.
    fn evictable_at(&self) -> Option<Instant> {
        let score_zero = self
            .scored_at
            .checked_add(self.rule.score_decay.checked_mul(self.score)?)?;
        match (self.banned_at, self.rule.ban) {
            (Some(at), Some(ban)) => Some(score_zero.max(at.checked_add(ban)?)),
            _ => Some(score_zero),
        }
    }

    /// When the entry becomes settled.
    fn settled_at(&self) -> Option<Instant> {
        let evictable = self.evictable_at()?;
        match self.accepted.back() {
            Some(&at) => Some(evictable.max(at.checked_add(self.rule.window)?)),
            None => Some(evictable),
        }
    }
}

/// Scores, windows and bans for every key of one service, at most `max_keys` of them.
#[derive(Debug)]
pub struct ScoreLimiter<K> {
    max_keys: usize,
    entries: BTreeMap<K, Entry>,
    /// Every entry's settling instant, earliest first.
    deadlines: BTreeSet<(Instant, K)>,
}

impl<K: Ord + Clone> ScoreLimiter<K> {
    /// A limiter tracking at most `max_keys` keys (at least one). hark sizes it for every
    /// connected user times the rules they use, so that a full table means abuse.
    pub fn new(max_keys: usize) -> Self {
        Self {
            max_keys: max_keys.max(1),
            entries: BTreeMap::new(),
            deadlines: BTreeSet::new(),
        }
    }

    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// How many keys are tracked; never more than `max_keys`.
    pub fn tracked_keys(&self) -> usize {
        self.entries.len()
    }

    /// `key`'s decayed score at `now` (0 for an untracked key).
    pub fn score(&self, now: Instant, key: &K) -> u32 {
        self.entries.get(key).map_or(0, |entry| entry.score_at(now))
    }

    /// Decides on one action of `key` under `rule`, which should have passed
    /// [`RateLimitRule::validate`]. A key must always be checked with the same rule: the key
    /// names the rule as well as the user.
    ///
    /// A new key when the table is full takes the place of the longest idle entry whose score has
    /// decayed to 0 and that is not banned. If there is none, the action is refused (the limiter
    /// fails closed) with the wait until one becomes evictable and a score of 0.
    pub fn check(
        &mut self,
        now: Instant,
        key: &K,
        rule: &RateLimitRule,
    ) -> Result<(), RateLimited> {
        if !self.entries.contains_key(key) && self.entries.len() >= self.max_keys {
            self.make_room(now).map_err(|retry_after| RateLimited {
                retry_after,
                current_score: 0,
                max_score: rule.max_score,
            })?;
        }
        let decision = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| Entry::new(*rule, now))
            .check(now, *rule);
        self.reschedule(key);
        decision
    }

    /// When [`ScoreLimiter::handle_timeout`] should next be called: the earliest instant an entry
    /// has nothing left to remember.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Drops the entries that have nothing left to remember at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, key)) = self.deadlines.first().cloned() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            self.entries.remove(&key);
        }
    }

    /// Frees one place, or says how long until one can be freed. The search is a scan of the
    /// entries, paid only while the table is full.
    fn make_room(&mut self, now: Instant) -> Result<(), Duration> {
        self.handle_timeout(now);
        if self.entries.len() < self.max_keys {
            return Ok(());
        }
        let victim = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.is_evictable(now))
            .min_by_key(|(key, entry)| (entry.last_active, *key))
            .map(|(key, _)| key.clone());
        let Some(victim) = victim else {
            let wait = self
                .entries
                .values()
                .filter_map(Entry::evictable_at)
                .min()
                .map_or(Duration::MAX, |at| at.saturating_duration_since(now));
            return Err(wait);
        };
        if let Some(entry) = self.entries.remove(&victim)
            && let Some(at) = entry.deadline
        {
            self.deadlines.remove(&(at, victim));
        }
        Ok(())
    }

    /// Brings `key`'s entry in `deadlines` up to date.
    fn reschedule(&mut self, key: &K) {
        let Some(entry) = self.entries.get_mut(key) else {
            return;
        };
        if let Some(at) = entry.deadline.take() {
            self.deadlines.remove(&(at, key.clone()));
        }
        entry.deadline = entry.settled_at();
        if let Some(at) = entry.deadline {
            self.deadlines.insert((at, key.clone()));
        }
    }
}
