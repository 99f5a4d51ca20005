//! The SFU link's state machine (signal.md §8.1, §8.2, §8.5, §8.6, §8.7): dialling, the
//! handshake, liveness and backoff. It decides when to dial, ping and close; what the link's
//! state means for rooms and users is the service's (`sfu.rs`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;

use super::CloseCode;
use super::config::SfuSettings;

/// One dial of the SFU link. Every dial gets a new id, so a late report about a link the
/// service gave up cannot disturb the next (§8.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LinkId(u64);

/// What the driver must do on the SFU link, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuAction {
    /// Open a WebSocket to `SFU_WS_HOST`; report `handle_sfu_open` or `handle_sfu_closed`.
    Dial(LinkId),
    /// Send one text frame (one JSON message of §8).
    Text(LinkId, Bytes),
    /// Send a WebSocket ping.
    Ping(LinkId),
    /// Send a close frame with this code and drop the link. The service has already given it up.
    Close(LinkId, CloseCode),
}

/// The link's state as `/health` names it (§9.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SfuLinkState {
    /// `welcome` received: voice works.
    Up,
    /// Dialling, in the handshake, or waiting to dial again.
    #[default]
    Down,
    /// No `SFU_WS_HOST`: voice is unavailable for the life of the process.
    Disabled,
}

#[derive(Debug)]
enum Phase {
    Disabled,
    /// Waiting for the backoff to end.
    Waiting {
        retry_at: Instant,
    },
    /// Dialled; `deadline` is armed at the first instant the service learns after the dial.
    Dialing {
        link: LinkId,
        deadline: Option<Instant>,
    },
    /// Open, `hello` sent, awaiting `welcome`.
    Handshake {
        link: LinkId,
        deadline: Instant,
    },
    Up {
        link: LinkId,
        last_frame: Instant,
        next_ping: Instant,
    },
}

/// What a timer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LinkDue {
    /// The link was given up for want of `welcome` or of any frame; `was_up` tells which.
    TimedOut { link: LinkId, was_up: bool },
}

#[derive(Debug)]
pub(super) struct Link {
    settings: Option<SfuSettings>,
    phase: Phase,
    next_id: u64,
    /// Consecutive failures since the last `welcome`.
    failures: u32,
}

impl Link {
    /// A link in its first dial (§8.6: "the first dial is at start-up"), or disabled. The first
    /// `Dial` is returned with it.
    pub(super) fn new(settings: Option<SfuSettings>) -> (Self, Option<SfuAction>) {
        let mut link = Self {
            phase: Phase::Disabled,
            next_id: 1,
            failures: 0,
            settings,
        };
        let dial = link.settings.is_some().then(|| link.dial(None));
        (link, dial)
    }

    pub(super) fn state(&self) -> SfuLinkState {
        match self.phase {
            Phase::Disabled => SfuLinkState::Disabled,
            Phase::Up { .. } => SfuLinkState::Up,
            _ => SfuLinkState::Down,
        }
    }

    /// The current link, when it is up.
    pub(super) fn up(&self) -> Option<LinkId> {
        match self.phase {
            Phase::Up { link, .. } => Some(link),
            _ => None,
        }
    }

    /// The current link, while dialled, in the handshake or up.
    fn current(&self) -> Option<LinkId> {
        match self.phase {
            Phase::Dialing { link, .. }
            | Phase::Handshake { link, .. }
            | Phase::Up { link, .. } => Some(link),
            Phase::Disabled | Phase::Waiting { .. } => None,
        }
    }

    pub(super) fn is_current(&self, link: LinkId) -> bool {
        self.current() == Some(link)
    }

    fn dial(&mut self, deadline: Option<Instant>) -> SfuAction {
        let link = LinkId(self.next_id);
        self.next_id += 1;
        self.phase = Phase::Dialing { link, deadline };
        SfuAction::Dial(link)
    }

    fn settings(&self) -> Option<&SfuSettings> {
        self.settings.as_ref()
    }

    /// The dial succeeded: the `hello` to send, if `link` is the one being dialled.
    pub(super) fn opened(&mut self, now: Instant, link: LinkId) -> Option<String> {
        let Phase::Dialing {
            link: dialled,
            deadline,
        } = self.phase
        else {
            return None;
        };
        let settings = self.settings()?;
        if dialled != link {
            return None;
        }
        let deadline = deadline.unwrap_or(now + settings.handshake_timeout);
        let token = settings.token.clone();
        self.phase = Phase::Handshake { link, deadline };
        Some(token)
    }

    /// A frame of any kind arrived on `link`: true if it is the current, open link.
    pub(super) fn frame(&mut self, now: Instant, link: LinkId) -> bool {
        match &mut self.phase {
            Phase::Up {
                link: current,
                last_frame,
                ..
            } if *current == link => {
                *last_frame = now;
                true
            }
            Phase::Handshake { link: current, .. } => *current == link,
            _ => false,
        }
    }

    /// True while the current link awaits `welcome`.
    pub(super) fn in_handshake(&self) -> bool {
        matches!(self.phase, Phase::Handshake { .. })
    }

    /// `welcome`: the link is up and the backoff starts again from the minimum.
    pub(super) fn welcomed(&mut self, now: Instant) {
        let (Phase::Handshake { link, .. }, Some(settings)) = (&self.phase, self.settings()) else {
            return;
        };
        let link = *link;
        let next_ping = now + settings.ping_interval;
        self.failures = 0;
        self.phase = Phase::Up {
            link,
            last_frame: now,
            next_ping,
        };
    }

    /// The current link ended (reported by the driver, or given up by the service): the next
    /// dial waits for the backoff. True if the link was up.
    pub(super) fn ended(&mut self, now: Instant) -> bool {
        let was_up = matches!(self.phase, Phase::Up { .. });
        let Some(settings) = self.settings() else {
            return false;
        };
        let doubled = settings
            .reconnect_min
            .checked_mul(1u32.checked_shl(self.failures).unwrap_or(u32::MAX))
            .unwrap_or(Duration::MAX);
        let wait = doubled.min(settings.reconnect_max);
        self.failures = self.failures.saturating_add(1);
        self.phase = Phase::Waiting {
            retry_at: now + wait,
        };
        was_up
    }

    /// When the link's next timer is due.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        let settings = self.settings()?;
        match self.phase {
            Phase::Disabled | Phase::Dialing { deadline: None, .. } => None,
            Phase::Waiting { retry_at } => Some(retry_at),
            Phase::Dialing {
                deadline: Some(deadline),
                ..
            }
            | Phase::Handshake { deadline, .. } => Some(deadline),
            Phase::Up {
                last_frame,
                next_ping,
                ..
            } => Some(next_ping.min(last_frame + settings.idle_timeout)),
        }
    }

    /// Fires what is due at `now`: a dial, a ping, or a timeout (the caller closes the link and
    /// calls [`Link::ended`]). Actions are pushed to `out`.
    pub(super) fn handle_timeout(
        &mut self,
        now: Instant,
        out: &mut Vec<SfuAction>,
    ) -> Option<LinkDue> {
        let settings = self.settings()?.clone();
        match &mut self.phase {
            Phase::Disabled => None,
            Phase::Dialing { deadline, link } => match deadline {
                None => {
                    *deadline = Some(now + settings.handshake_timeout);
                    None
                }
                Some(at) if *at <= now => Some(LinkDue::TimedOut {
                    link: *link,
                    was_up: false,
                }),
                Some(_) => None,
            },
            Phase::Waiting { retry_at } => {
                if *retry_at <= now {
                    out.push(self.dial(Some(now + settings.handshake_timeout)));
                }
                None
            }
            Phase::Handshake { link, deadline } => {
                (*deadline <= now).then_some(LinkDue::TimedOut {
                    link: *link,
                    was_up: false,
                })
            }
            Phase::Up {
                link,
                last_frame,
                next_ping,
            } => {
                if *last_frame + settings.idle_timeout <= now {
                    return Some(LinkDue::TimedOut {
                        link: *link,
                        was_up: true,
                    });
                }
                if *next_ping <= now {
                    *next_ping = now + settings.ping_interval;
                    out.push(SfuAction::Ping(*link));
                }
                None
            }
        }
    }
}
