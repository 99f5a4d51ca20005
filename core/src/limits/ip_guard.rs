//! Per-IP admission, violations and progressive blocking (chat.md §7): the one place that decides
//! whether a peer address may open a connection. Sans-IO: `now` is always a parameter, and every
//! map is a `BTreeMap`, so the same inputs give the same decisions.
//!
//! Memory is bounded by `max_tracked_ips` records. A record holds an IP's open connections and its
//! penalty state (recent violations, block, earlier blocks); it is forgotten `penalty_memory` after
//! its last violation or the end of its last block, once it has no open connection.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::window::{SlidingWindow, SlidingWindowLimit};

/// The limits of chat.md §7, with the defaults of §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpGuardConfig {
    pub connection_limit_per_ip: u32,
    pub max_connections: usize,
    pub block_threshold: u32,
    pub violation_window: Duration,
    pub block_duration: Duration,
    pub max_block_duration: Duration,
    pub penalty_memory: Duration,
    pub max_tracked_ips: usize,
}

impl Default for IpGuardConfig {
    fn default() -> Self {
        Self {
            connection_limit_per_ip: 10,
            max_connections: 10_000,
            block_threshold: 20,
            violation_window: Duration::from_secs(60),
            block_duration: Duration::from_secs(60),
            max_block_duration: Duration::from_secs(3600),
            penalty_memory: Duration::from_secs(3600),
            max_tracked_ips: 10_000,
        }
    }
}

/// Why an [`IpGuardConfig`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IpGuardConfigError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("block_duration must not exceed max_block_duration")]
    BlockLongerThanMax,
}

impl IpGuardConfig {
    /// Refuses limits that would make the guard refuse everyone or never block.
    pub fn validate(&self) -> Result<(), IpGuardConfigError> {
        let zero = [
            ("connection_limit_per_ip", self.connection_limit_per_ip == 0),
            ("max_connections", self.max_connections == 0),
            ("block_threshold", self.block_threshold == 0),
            ("violation_window", self.violation_window.is_zero()),
            ("block_duration", self.block_duration.is_zero()),
            ("penalty_memory", self.penalty_memory.is_zero()),
            ("max_tracked_ips", self.max_tracked_ips == 0),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, is_zero)| *is_zero) {
            return Err(IpGuardConfigError::Zero(name));
        }
        if self.block_duration > self.max_block_duration {
            return Err(IpGuardConfigError::BlockLongerThanMax);
        }
        Ok(())
    }
}

/// Why a new connection is refused at the upgrade (chat.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("the IP is blocked")]
    Blocked,
    #[error("the IP has too many open connections")]
    TooManyConnections,
    #[error("the server is full")]
    ServerFull,
}

impl Refusal {
    /// The HTTP status of the refused upgrade.
    pub const fn status(self) -> u16 {
        match self {
            Self::Blocked => 403,
            Self::TooManyConnections => 429,
            Self::ServerFull => 503,
        }
    }

    /// The `error` member of the JSON body.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Blocked => "IP_BLOCKED",
            Self::TooManyConnections => "TOO_MANY_CONNECTIONS",
            Self::ServerFull => "SERVER_FULL",
        }
    }
}

/// A block that has just started: the caller sends `IP_BLOCKED` to the IP's open connections and
/// closes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub until: Instant,
    pub duration: Duration,
}

/// Counters for the health endpoint (chat.md §8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpGuardStats {
    pub blocked_ips: usize,
    pub tracked_ips: usize,
    pub open_connections: usize,
    pub refused_connections: u64,
    pub violations: u64,
}

#[derive(Debug)]
struct Record {
    connections: u32,
    violations: SlidingWindow,
    blocked_until: Option<Instant>,
    /// Blocks still remembered: the next block lasts `block_duration × 2^earlier_blocks`.
    earlier_blocks: u32,
    /// When the penalty state is forgotten: `penalty_memory` after the last violation or the end
    /// of the last block. `None` once forgotten (or never penalised).
    forget_at: Option<Instant>,
    /// The last admission, close or violation: eviction takes the longest idle record first.
    last_active: Instant,
    /// The entry of this record in `IpGuard::deadlines`.
    deadline: Option<Instant>,
}

impl Record {
    fn new(config: &IpGuardConfig, now: Instant) -> Self {
        Self {
            connections: 0,
            violations: SlidingWindow::new(SlidingWindowLimit::new(
                config.block_threshold,
                config.violation_window,
            )),
            blocked_until: None,
            earlier_blocks: 0,
            forget_at: None,
            last_active: now,
            deadline: None,
        }
    }

    fn is_blocked(&self, now: Instant) -> bool {
        self.blocked_until.is_some_and(|until| until > now)
    }

    /// Applies the block end and the forgetting that `now` has reached, so decisions never depend
    /// on `handle_timeout` having been called on time.
    fn settle(&mut self, now: Instant) {
        if self.blocked_until.is_some_and(|until| until <= now) {
            self.blocked_until = None;
        }
        if self.forget_at.is_some_and(|at| at <= now) {
            self.forget_at = None;
            self.earlier_blocks = 0;
            self.violations.clear();
        }
    }

    /// Nothing left to remember: the record can go.
    fn is_empty(&self) -> bool {
        self.connections == 0 && self.blocked_until.is_none() && self.forget_at.is_none()
    }

    fn is_evictable(&self, now: Instant) -> bool {
        self.connections == 0 && !self.is_blocked(now)
    }

    /// The next instant `handle_timeout` has something to do for this record.
    fn next_deadline(&self) -> Option<Instant> {
        match (self.blocked_until, self.forget_at) {
            (Some(until), Some(at)) => Some(until.min(at)),
            (until, at) => until.or(at),
        }
    }
}

/// Admission, violations and blocks for every peer IP of one service.
#[derive(Debug)]
pub struct IpGuard {
    config: IpGuardConfig,
    records: BTreeMap<IpAddr, Record>,
    /// Every record's next deadline, earliest first.
    deadlines: BTreeSet<(Instant, IpAddr)>,
    open_connections: usize,
    refused_connections: u64,
    violations: u64,
}

impl IpGuard {
    /// A guard with nothing tracked. The config should have passed [`IpGuardConfig::validate`].
    pub fn new(config: IpGuardConfig) -> Self {
        Self {
            config,
            records: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            open_connections: 0,
            refused_connections: 0,
            violations: 0,
        }
    }

    pub fn config(&self) -> &IpGuardConfig {
        &self.config
    }

    /// Decides on a new connection from `ip`; on `Ok` the connection counts as open until
    /// [`IpGuard::connection_closed`].
    pub fn admit(&mut self, now: Instant, ip: IpAddr) -> Result<(), Refusal> {
        let decision = self.try_admit(now, ip);
        if decision.is_err() {
            self.refused_connections = self.refused_connections.saturating_add(1);
        }
        self.reschedule(ip);
        decision
    }

    fn try_admit(&mut self, now: Instant, ip: IpAddr) -> Result<(), Refusal> {
        if let Some(record) = self.records.get_mut(&ip) {
            record.settle(now);
            if record.is_blocked(now) {
                return Err(Refusal::Blocked);
            }
            if record.connections >= self.config.connection_limit_per_ip {
                return Err(Refusal::TooManyConnections);
            }
        }
        if self.open_connections >= self.config.max_connections {
            return Err(Refusal::ServerFull);
        }
        let record = self.record_mut(now, ip).ok_or(Refusal::ServerFull)?;
        record.connections = record.connections.saturating_add(1);
        record.last_active = now;
        self.open_connections = self.open_connections.saturating_add(1);
        Ok(())
    }

    /// A connection admitted for `ip` has closed. Unknown IPs are ignored.
    pub fn connection_closed(&mut self, now: Instant, ip: IpAddr) {
        if let Some(record) = self.records.get_mut(&ip)
            && record.connections > 0
        {
            record.connections -= 1;
            record.last_active = now;
            record.settle(now);
            self.open_connections = self.open_connections.saturating_sub(1);
        }
        self.reschedule(ip);
    }

    /// Records a violation by `ip` (an error marked "yes" in chat.md §6). Returns the block it
    /// starts, if it is the `block_threshold`-th within `violation_window`. Violations while the
    /// IP is blocked are counted but start nothing; so are those of a new IP when every tracked
    /// record is blocked or has open connections (nothing can be evicted).
    pub fn violation(&mut self, now: Instant, ip: IpAddr) -> Option<Block> {
        self.violations = self.violations.saturating_add(1);
        let config = self.config;
        let block = self.record_mut(now, ip).and_then(|record| {
            record.settle(now);
            record.last_active = now;
            if record.is_blocked(now) {
                return None;
            }
            record.violations.try_acquire(now);
            let block = if record.violations.is_full(now) {
                record.violations.clear();
                let duration = block_duration(&config, record.earlier_blocks);
                let until = now + duration;
                record.blocked_until = Some(until);
                record.earlier_blocks = record.earlier_blocks.saturating_add(1);
                Some(Block { until, duration })
            } else {
                None
            };
            let penalised_until = record.blocked_until.unwrap_or(now);
            record.forget_at = Some(penalised_until + config.penalty_memory);
            block
        });
        self.reschedule(ip);
        block
    }

    /// Whether `ip` is blocked at `now`.
    pub fn is_blocked(&self, now: Instant, ip: IpAddr) -> bool {
        self.records
            .get(&ip)
            .is_some_and(|record| record.is_blocked(now))
    }

    /// When [`IpGuard::handle_timeout`] should next be called: the earliest block end or
    /// forgetting.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(at, _)| at)
    }

    /// Ends the blocks and forgets the records whose time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, ip)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(record) = self.records.get_mut(&ip) {
                record.deadline = None;
                record.settle(now);
            }
            self.reschedule(ip);
        }
    }

    /// The counters for the health endpoint. Blocks count until `handle_timeout` ends them.
    pub fn stats(&self) -> IpGuardStats {
        IpGuardStats {
            blocked_ips: self
                .records
                .values()
                .filter(|record| record.blocked_until.is_some())
                .count(),
            tracked_ips: self.records.len(),
            open_connections: self.open_connections,
            refused_connections: self.refused_connections,
            violations: self.violations,
        }
    }

    /// The record of `ip`, created if needed. When `max_tracked_ips` records exist, the longest
    /// idle one without open connection and unblocked is evicted first; `None` if there is none.
    /// The search is a scan of the records, paid only while the table is full.
    fn record_mut(&mut self, now: Instant, ip: IpAddr) -> Option<&mut Record> {
        if !self.records.contains_key(&ip) && self.records.len() >= self.config.max_tracked_ips {
            let victim = self
                .records
                .iter()
                .filter(|(_, record)| record.is_evictable(now))
                .min_by_key(|&(&ip, record)| (record.last_active, ip))
                .map(|(&ip, _)| ip)?;
            if let Some(evicted) = self.records.remove(&victim)
                && let Some(at) = evicted.deadline
            {
                self.deadlines.remove(&(at, victim));
            }
        }
        Some(
            self.records
                .entry(ip)
                .or_insert_with(|| Record::new(&self.config, now)),
        )
    }

    /// Brings `ip`'s entry in `deadlines` up to date, and drops its record if it holds nothing.
    fn reschedule(&mut self, ip: IpAddr) {
        let Some(record) = self.records.get_mut(&ip) else {
            return;
        };
        if let Some(at) = record.deadline.take() {
            self.deadlines.remove(&(at, ip));
        }
        if record.is_empty() {
            self.records.remove(&ip);
            return;
        }
        record.deadline = record.next_deadline();
        if let Some(at) = record.deadline {
            self.deadlines.insert((at, ip));
        }
    }
}

/// `block_duration` doubled for each earlier block, at most `max_block_duration`.
fn block_duration(config: &IpGuardConfig, earlier_blocks: u32) -> Duration {
    2u32.checked_pow(earlier_blocks)
        .and_then(|factor| config.block_duration.checked_mul(factor))
        .map_or(config.max_block_duration, |duration| {
            duration.min(config.max_block_duration)
        })
}
