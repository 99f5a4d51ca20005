//! What the `audio` and `voice` models share: the fixed cast of users and channels their steps
//! name by index, the operator's directory changes over that cast, the tokens clients present,
//! the clock, and the checks both make the same way.
//!
//! Every front end includes this file as `model_common` at its crate root, beside the models it
//! uses (`core/tests/service_properties.rs`, `core/tests/voice_service_properties.rs`,
//! `fuzz/src/lib.rs`), so that both models and their generators speak of one [`Change`] and one
//! [`TokenKind`].

use std::fmt::Debug;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, DirectoryChange};
use hark_core::limits::RateLimit;

/// The wall clock (unix seconds) at the start of every run.
const WALL_START: u64 = 1_700_000_000;
/// How many users the cast's restricted channel holds at a time, so that `channel_full` is
/// reachable.
pub const RESTRICTED_MAX_USERS: u32 = 2;

/// Returns `Err(message)` from the enclosing function when `cond` is false.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}
pub(crate) use ensure;

/// The wall clock (unix seconds) `now`, for a run that started at `start`.
pub fn wall_clock(start: Instant, now: Instant) -> u64 {
    WALL_START + now.duration_since(start).as_secs()
}

/// The `index`th of `count` UDP source addresses the steps can send from.
pub fn udp_addr(index: usize, count: usize) -> SocketAddr {
    let port = 40_000 + u16::try_from(index % count.max(1)).unwrap_or_default();
    SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), port))
}

/// Runs `steps` in order through `step`, stopping at the first broken rule, which it names with
/// the step that broke it.
pub fn run_each<S: Debug>(
    steps: &[S],
    mut step: impl FnMut(&S) -> Result<(), String>,
) -> Result<(), String> {
    for (index, each) in steps.iter().enumerate() {
        step(each).map_err(|violation| format!("step {index} ({each:?}): {violation}"))?;
    }
    Ok(())
}

/// The users and channels a model's steps name by index (taken modulo the list's length, so any
/// generated number is valid), and the directory they start with.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    pub users: &'static [&'static str],
    /// The first is open to all but `banned`, the second admits only `members`,
    /// [`RESTRICTED_MAX_USERS`] at a time; any other is open and does not exist until a
    /// [`Change::AddChannel`] adds it.
    pub channels: &'static [&'static str],
    pub banned: &'static [&'static str],
    pub members: &'static [&'static str],
}

impl Cast {
    pub fn user(&self, index: usize) -> &'static str {
        pick(self.users, index)
    }

    pub fn channel(&self, index: usize) -> &'static str {
        pick(self.channels, index)
    }

    /// The channels as configured at the start.
    pub fn initial_channels(&self) -> Vec<ChannelConfig> {
        (0..2).map(|index| self.initial_channel(index)).collect()
    }

    /// A channel as configured at the start, and as [`Change::AddChannel`] restores it.
    pub fn initial_channel(&self, index: usize) -> ChannelConfig {
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let (members, banned, max_users) = match index % self.channels.len().max(1) {
            0 => (None, owned(self.banned), None),
            1 => (
                Some(owned(self.members)),
                Vec::new(),
                Some(RESTRICTED_MAX_USERS),
            ),
            _ => (None, Vec::new(), None),
        };
        ChannelConfig {
            id: self.channel(index).to_owned(),
            name: None,
            members,
            banned,
            max_users,
        }
    }

    /// The directory's own form of `change`.
    pub fn directory_change(&self, change: Change) -> DirectoryChange {
        let named = |channel: usize, user: usize| {
            (self.channel(channel).to_owned(), self.user(user).to_owned())
        };
        match change {
            Change::Ban { channel, user } => {
                let (channel, user) = named(channel, user);
                DirectoryChange::Ban { channel, user }
            }
            Change::Unban { channel, user } => {
                let (channel, user) = named(channel, user);
                DirectoryChange::Unban { channel, user }
            }
            Change::AddMember { channel, user } => {
                let (channel, user) = named(channel, user);
                DirectoryChange::AddMember { channel, user }
            }
            Change::RemoveMember { channel, user } => {
                let (channel, user) = named(channel, user);
                DirectoryChange::RemoveMember { channel, user }
            }
            Change::RemoveChannel { channel } => DirectoryChange::RemoveChannel {
                channel: self.channel(channel).to_owned(),
            },
            Change::AddChannel { channel } => {
                DirectoryChange::AddChannel(self.initial_channel(channel))
            }
        }
    }
}

fn pick(list: &[&'static str], index: usize) -> &'static str {
    list.get(index % list.len().max(1))
        .copied()
        .unwrap_or_default()
}

/// An operator's change over a [`Cast`].
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Ban {
        channel: usize,
        user: usize,
    },
    Unban {
        channel: usize,
        user: usize,
    },
    AddMember {
        channel: usize,
        user: usize,
    },
    RemoveMember {
        channel: usize,
        user: usize,
    },
    RemoveChannel {
        channel: usize,
    },
    /// Adds the channel with its initial configuration (the third as an open channel).
    AddChannel {
        channel: usize,
    },
}

/// Which token a client presents for the user it claims to be.
#[derive(Debug, Clone, Copy)]
pub enum TokenKind {
    Valid,
    Expired,
    /// Signed with another secret.
    Forged,
    /// A valid token whose subject is the cast's `user`, whatever the client claims.
    Of {
        user: usize,
    },
}

/// Tokens for every user of a cast, minted once per process: HMAC signing per input would
/// dominate the run time.
#[derive(Debug)]
pub struct Tokens {
    valid: Vec<String>,
    expired: Vec<String>,
    forged: Vec<String>,
}

impl Tokens {
    pub fn mint(secret: &[u8], cast: &Cast) -> Self {
        let mint = |secret: &[u8], exp: u64| {
            cast.users
                .iter()
                .map(|user| {
                    let claims = TokenClaims {
                        sub: Some((*user).to_owned()),
                        exp: Some(exp),
                        nbf: None,
                        iat: None,
                    };
                    mint_token(secret, &claims)
                })
                .collect()
        };
        Self {
            // Valid for far longer than any interaction's clock can advance.
            valid: mint(secret, WALL_START + 100_000_000),
            expired: mint(secret, WALL_START - 3600),
            forged: mint(b"not-the-server-secret", WALL_START + 100_000_000),
        }
    }

    /// The token of `kind` a client claiming to be the cast's `user` presents.
    pub fn get(&self, kind: TokenKind, user: usize) -> &str {
        let (list, user) = match kind {
            TokenKind::Valid => (&self.valid, user),
            TokenKind::Expired => (&self.expired, user),
            TokenKind::Forged => (&self.forged, user),
            TokenKind::Of { user } => (&self.valid, user),
        };
        list.get(user % list.len().max(1))
            .map_or("", String::as_str)
    }
}

/// `sent` (send times, oldest first) stays within `limit`: a token bucket of `burst` refilled
/// every `1 s / per_second` allows at most `burst + elapsed / interval` in any window, which is
/// checked for every window ending `now`. `what` names the sends in the message.
pub fn check_rate(
    limit: RateLimit,
    sent: &[Instant],
    now: Instant,
    what: &str,
) -> Result<(), String> {
    let interval = (Duration::from_secs(1) / limit.per_second.max(1)).as_nanos();
    for (index, first) in sent.iter().enumerate() {
        let in_window = u128::try_from(sent.len() - index).unwrap_or(u128::MAX);
        let allowed = u128::from(limit.burst) + now.duration_since(*first).as_nanos() / interval;
        ensure!(
            in_window <= allowed,
            "{in_window} {what} within {:?} before now, over {allowed}",
            now.duration_since(*first)
        );
    }
    Ok(())
}
