//! The decoding of a fuzz input into an interaction with the signal service, for the
//! `signal_service` target, and the rules checked after every step. There is no model of the
//! service yet (its scenario vectors come with the drivers); the rules are the ones every run must
//! keep, whatever the clients send:
//!
//! - output goes only to open connections, and nothing follows a connection's `Close`;
//! - every text frame is one Engine.IO packet the decoder accepts, and every Engine.IO message
//!   one Socket.IO packet it accepts (signal.md §2–§3);
//! - the counters agree with the connections the harness saw open, and admitted ⊆ open,
//!   room members ⊆ admitted, rooms ⊆ the directory's channels (§6);
//! - after `handle_timeout(now)`, nothing is due at or before `now`;
//! - the SFU link (§8): no action names a link other than the last dialled one except `Close`,
//!   no `Text` goes to a link before its open was reported, and no user is connected to voice
//!   while the link is not up.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::{Result, Unstructured};
use hark_core::ConnectionId;
use hark_core::auth::{TokenClaims, mint_token};
use hark_core::directory::{ChannelConfig, Directory};
use hark_core::signal::{
    LinkId, SfuAction, SfuLinkState, SfuSettings, SignalAction, SignalConfig, SignalService,
};
use hark_core::wire::signal::{EngineFrame, EnginePacket, decode_engine, decode_socket};

use crate::{below, weighted};

/// Steps per input.
pub const MAX_STEPS: usize = 160;
/// Connection slots and peer IPs the steps name.
const CONNS: usize = 5;
const IPS: usize = 3;
/// Users with valid tokens; the last token is expired, the one after forged.
const USERS: [&str; 3] = ["ada", "bob", "eve"];
const CHANNELS: [&str; 4] = ["voice", "staff", "music", "nowhere"];
const SECRET: &[u8] = b"signal-fuzz-secret";
/// The wall clock (unix seconds) at the start of every run.
const WALL: u64 = 1_700_000_000;

/// One thing a client or the clock does.
#[derive(Debug, Clone)]
pub enum Step {
    Connect {
        conn: usize,
        ip: usize,
    },
    Text {
        conn: usize,
        text: String,
    },
    Binary {
        conn: usize,
        len: usize,
    },
    Close {
        conn: usize,
    },
    Advance {
        millis: u64,
    },
    CloseAll,
    Reset,
    /// SFU link reports; `stale` names an earlier link instead of the current one.
    SfuOpen {
        stale: bool,
    },
    SfuText {
        stale: bool,
        text: SfuText,
    },
    SfuFrame {
        stale: bool,
    },
    SfuClosed {
        stale: bool,
    },
}

/// A text frame from the SFU.
#[derive(Debug, Clone)]
pub enum SfuText {
    Welcome,
    /// A well-formed message about the admitted connection at this index (in connection order).
    About {
        peer: usize,
        kind: usize,
        stream: bool,
    },
    Raw(String),
}

/// One fuzz input for `signal_service`.
#[derive(Debug)]
pub struct SignalScript {
    pub steps: Vec<Step>,
}

/// Tokens minted once per process: one valid per user, an expired one, a forged one.
fn tokens() -> &'static [String] {
    static TOKENS: OnceLock<Vec<String>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let claims = |sub: &str, exp: u64| TokenClaims {
            sub: Some(sub.into()),
            exp: Some(exp),
            nbf: None,
            iat: None,
        };
        let mut tokens: Vec<String> = USERS
            .iter()
            .map(|user| mint_token(SECRET, &claims(user, WALL + 86_400)))
            .collect();
        tokens.push(mint_token(SECRET, &claims("ada", WALL - 10)));
        tokens.push(mint_token(b"another secret", &claims("ada", WALL + 86_400)));
        tokens
    })
}

impl SignalScript {
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut u = Unstructured::new(data);
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            steps.push(step(&mut u)?);
        }
        Ok(Self { steps })
    }

    /// Runs the steps against a fresh service; `Err` names the first broken rule.
    pub fn run(&self) -> std::result::Result<(), String> {
        let mut harness = Harness::new();
        for (index, step) in self.steps.iter().enumerate() {
            harness
                .step(step)
                .map_err(|broken| format!("step {index} ({step:?}): {broken}"))?;
        }
        Ok(())
    }
}

fn step(u: &mut Unstructured) -> Result<Step> {
    let conn = below(u, CONNS)?;
    Ok(match weighted(u, &[10, 70, 1, 4, 12, 1, 1, 4, 20, 2, 3])? {
        0 => Step::Connect {
            conn,
            ip: below(u, IPS)?,
        },
        1 => Step::Text {
            conn,
            text: text(u)?,
        },
        2 => Step::Binary {
            conn,
            len: below(u, 64)?,
        },
        3 => Step::Close { conn },
        4 => Step::Advance {
            millis: match weighted(u, &[70, 25, 5])? {
                0 => u.int_in_range(0..=999)?,
                1 => u.int_in_range(0..=30_000)?,
                _ => u.int_in_range(60_000..=600_000)?,
            },
        },
        5 => Step::CloseAll,
        6 => Step::Reset,
        7 => Step::SfuOpen {
            stale: u.ratio(1, 8)?,
        },
        8 => Step::SfuText {
            stale: u.ratio(1, 8)?,
            text: match weighted(u, &[2, 8, 2])? {
                0 => SfuText::Welcome,
                1 => SfuText::About {
                    peer: below(u, CONNS)?,
                    kind: below(u, 7)?,
                    stream: u.arbitrary()?,
                },
                _ => SfuText::Raw(u.arbitrary()?),
            },
        },
        9 => Step::SfuFrame {
            stale: u.ratio(1, 8)?,
        },
        _ => Step::SfuClosed {
            stale: u.ratio(1, 8)?,
        },
    })
}

/// A well-formed SFU message of kind `kind` about `peer`.
fn sfu_message(peer: &str, kind: usize, stream: bool) -> String {
    let stream_id = if stream { "s1" } else { "s2" };
    match kind {
        0 => format!(r#"{{"type":"connected","peerID":"{peer}"}}"#),
        1 => format!(r#"{{"type":"disconnected","peerID":"{peer}"}}"#),
        2 => format!(r#"{{"type":"track-added","peerID":"{peer}","streamID":"{stream_id}"}}"#),
        3 => format!(r#"{{"type":"track-removed","peerID":"{peer}","streamID":"{stream_id}"}}"#),
        4 => format!(
            r#"{{"type":"offer","peerID":"{peer}","description":{{"type":"offer","sdp":"v=0"}}}}"#
        ),
        5 => format!(
            r#"{{"type":"answer","peerID":"{peer}","description":{{"type":"answer","sdp":"v=0"}}}}"#
        ),
        _ => format!(
            r#"{{"type":"ice-candidate","peerID":"{peer}","candidate":{{"candidate":"","sdpMid":"0"}}}}"#
        ),
    }
}

fn text(u: &mut Unstructured) -> Result<String> {
    let channel = CHANNELS[below(u, CHANNELS.len())?];
    let ack = if u.ratio(1, 4)? {
        u.int_in_range(0..=20u32)?.to_string()
    } else {
        String::new()
    };
    Ok(match weighted(u, &[14, 3, 14, 4, 5, 5, 4, 8, 3, 2, 8])? {
        0 => {
            let token = &tokens()[below(u, tokens().len())?];
            format!(r#"40{{"token":"{token}"}}"#)
        }
        1 => r#"40{"token":"not a token"}"#.into(),
        2 => format!(r#"42{ack}["join",{{"channelID":"{channel}"}}]"#),
        3 => format!(r#"42{ack}["leave",{{}}]"#),
        4 => format!(
            r#"42{ack}["updateNickname","{}"]"#,
            USERS[below(u, USERS.len())?]
        ),
        5 => format!(r#"42{ack}["updateMute",{}]"#, u.arbitrary::<bool>()?),
        6 => format!(r#"42{ack}["offer",{{"type":"offer","sdp":"v=0\r\n"}}]"#),
        7 => "3".into(),
        8 => "2".into(),
        9 => "41".into(),
        _ => u.arbitrary()?,
    })
}

/// A service, its clock and the connections the harness believes open.
struct Harness {
    svc: SignalService,
    start: Instant,
    now: Instant,
    channels: usize,
    /// Connection ids of the open slots; a reconnected slot gets a fresh id.
    slots: [Option<ConnectionId>; CONNS],
    open: BTreeSet<ConnectionId>,
    next_id: u64,
    /// Every link dialled, the last one current.
    links: Vec<LinkId>,
    /// Links whose open was reported.
    link_opened: BTreeSet<LinkId>,
}

impl Harness {
    fn new() -> Self {
        let directory = match Directory::new([
            channel("voice", None, Vec::new()),
            channel("staff", Some(vec!["ada".into()]), Vec::new()),
            channel("music", None, vec!["eve".into()]),
        ]) {
            Ok(directory) => directory,
            Err(error) => panic!("the fuzz directory is invalid: {error}"),
        };
        let mut config = SignalConfig::new(SECRET, "fuzz.example.com");
        config.ping_interval = Duration::from_millis(1000);
        config.ping_timeout = Duration::from_millis(500);
        config.connect_timeout = Duration::from_secs(5);
        config.max_payload = 4096;
        config.max_connections = 4;
        config.limiter_max_keys = 8;
        let mut sfu = SfuSettings::new("fuzz-token");
        sfu.handshake_timeout = Duration::from_millis(2000);
        sfu.ping_interval = Duration::from_millis(1500);
        sfu.idle_timeout = Duration::from_millis(4000);
        sfu.reconnect_min = Duration::from_millis(100);
        sfu.reconnect_max = Duration::from_millis(3000);
        config.sfu = Some(sfu);
        let start = Instant::now();
        let svc = match SignalService::new(config, directory.clone(), [3; 32]) {
            Ok(svc) => svc,
            Err(error) => panic!("the fuzz configuration is invalid: {error}"),
        };
        Self {
            channels: directory.channels().count(),
            svc,
            start,
            now: start,
            slots: [None; CONNS],
            open: BTreeSet::new(),
            next_id: 1,
            links: Vec::new(),
            link_opened: BTreeSet::new(),
        }
    }

    /// The current link, or with `stale` the first one dialled.
    fn link(&self, stale: bool) -> Option<LinkId> {
        if stale {
            self.links.first().copied()
        } else {
            self.links.last().copied()
        }
    }

    fn sfu_text(&self, text: &SfuText) -> String {
        match text {
            SfuText::Welcome => r#"{"type":"welcome"}"#.into(),
            SfuText::About { peer, kind, stream } => {
                let users = self.svc.debug_users();
                let peer = users
                    .get(*peer % users.len().max(1))
                    .map_or("nobody", |user| user.sid.as_str());
                sfu_message(peer, *kind, *stream)
            }
            SfuText::Raw(text) => text.clone(),
        }
    }

    /// The wall clock in unix milliseconds.
    fn wall(&self) -> u64 {
        let elapsed = u64::try_from(self.now.duration_since(self.start).as_millis()).unwrap_or(0);
        WALL * 1000 + elapsed
    }

    fn step(&mut self, step: &Step) -> std::result::Result<(), String> {
        let now = self.now;
        match step {
            Step::Connect { conn, ip } => {
                if self.slots[*conn].is_none() {
                    let id = ConnectionId(self.next_id);
                    self.next_id += 1;
                    let peer = IpAddr::V4(Ipv4Addr::new(10, 0, 0, *ip as u8 + 1));
                    if self.svc.handle_connect(now, id, peer).is_ok() {
                        self.slots[*conn] = Some(id);
                        self.open.insert(id);
                    }
                }
            }
            Step::Text { conn, text } => {
                if let Some(id) = self.slots[*conn] {
                    let wall = self.wall();
                    self.svc.handle_text(now, wall, id, text);
                }
            }
            Step::Binary { conn, len } => {
                if let Some(id) = self.slots[*conn] {
                    self.svc.handle_binary(now, id, *len);
                }
            }
            Step::Close { conn } => {
                if let Some(id) = self.slots[*conn].take() {
                    self.svc.handle_closed(now, id);
                    self.open.remove(&id);
                }
            }
            Step::Advance { millis } => {
                self.now += Duration::from_millis(*millis);
                self.svc.handle_timeout(self.now);
                if let Some(due) = self.svc.poll_timeout()
                    && due <= self.now
                {
                    return Err("a timer is due right after handle_timeout".into());
                }
            }
            Step::CloseAll => self.svc.close_all(now),
            Step::Reset => self.svc.reset(now),
            Step::SfuOpen { stale } => {
                if let Some(link) = self.link(*stale) {
                    self.link_opened.insert(link);
                    self.svc.handle_sfu_open(now, link);
                }
            }
            Step::SfuText { stale, text } => {
                if let Some(link) = self.link(*stale) {
                    let text = self.sfu_text(text);
                    self.svc.handle_sfu_text(now, link, &text);
                }
            }
            Step::SfuFrame { stale } => {
                if let Some(link) = self.link(*stale) {
                    self.svc.handle_sfu_frame(now, link);
                }
            }
            Step::SfuClosed { stale } => {
                if let Some(link) = self.link(*stale) {
                    self.svc.handle_sfu_closed(now, link);
                }
            }
        }
        self.check_sfu()?;
        self.check_output()?;
        self.check_stats()
    }

    fn check_sfu(&mut self) -> std::result::Result<(), String> {
        while let Some(action) = self.svc.poll_sfu() {
            let link = match action {
                SfuAction::Dial(link) => {
                    if self.links.contains(&link) {
                        return Err(format!("{link:?} dialled twice"));
                    }
                    self.links.push(link);
                    continue;
                }
                SfuAction::Close(_, _) => continue,
                SfuAction::Text(link, _) => {
                    if !self.link_opened.contains(&link) {
                        return Err(format!("text to {link:?} before its open"));
                    }
                    link
                }
                SfuAction::Ping(link) => link,
            };
            if self.links.last() != Some(&link) {
                return Err(format!("{action:?} names a link that is not current"));
            }
        }
        if self.svc.stats().sfu != SfuLinkState::Up
            && self
                .svc
                .debug_users()
                .iter()
                .any(|user| user.info.is_connected_to_voice || user.info.stream_id.is_some())
        {
            return Err("a user has voice while the SFU link is down".into());
        }
        Ok(())
    }

    fn check_output(&mut self) -> std::result::Result<(), String> {
        while let Some(transmit) = self.svc.poll_transmit() {
            if !self.open.contains(&transmit.conn) {
                return Err(format!("output to closed connection {}", transmit.conn.0));
            }
            match transmit.action {
                SignalAction::Text(bytes) => {
                    let text = std::str::from_utf8(&bytes)
                        .map_err(|_| "a text frame is not UTF-8".to_owned())?;
                    let packet = decode_engine(EngineFrame::Text(text), usize::MAX)
                        .map_err(|e| format!("sent {text:?}, not an Engine.IO packet: {e}"))?;
                    if let EnginePacket::Message(message) = packet {
                        decode_socket(&message, usize::MAX).map_err(|e| {
                            format!("sent {message:?}, not a Socket.IO packet: {e}")
                        })?;
                    }
                }
                SignalAction::Close(_) => {
                    self.open.remove(&transmit.conn);
                    for slot in &mut self.slots {
                        if *slot == Some(transmit.conn) {
                            *slot = None;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_stats(&self) -> std::result::Result<(), String> {
        let stats = self.svc.stats();
        if stats.connections != self.open.len() {
            return Err(format!(
                "{} connections counted, {} open",
                stats.connections,
                self.open.len()
            ));
        }
        if stats.admitted > stats.connections
            || stats.room_members > stats.admitted
            || stats.rooms > self.channels
            || stats.users > stats.admitted
        {
            return Err(format!("inconsistent counters {stats:?}"));
        }
        Ok(())
    }
}

fn channel(id: &str, members: Option<Vec<String>>, banned: Vec<String>) -> ChannelConfig {
    ChannelConfig {
        id: id.into(),
        name: None,
        members,
        banned,
        max_users: None,
    }
}
