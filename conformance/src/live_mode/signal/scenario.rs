//! One `signal` scenario against a running server (`vectors.md` §8.4), as chat's (§7.7): the
//! server is reset, the SFU link settled (for a group with an SFU), `t0` taken, and each step is
//! a batch of its own: wait until `t0 + at_ms`, perform the input, wait until every frame the
//! step expects (clients' and the SFU's) has arrived, listen a little longer, compare.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::sfu::{SfuArrival, SfuSide};
use crate::chat_compare::{self, Received};
use crate::format::chat::{Bindings, FrameJson, ResponseJson, fill};
use crate::format::signal::{EffectiveSignalFixture, Input, Scenario, Step};
use crate::live_mode::admin::{Admin, directory_request, reset_request};
use crate::live_mode::chat::http;
use crate::live_mode::chat::ws::{Arrival, Upgrade, WsClient};
use crate::live_mode::{GRACE, SETTLE};
use crate::signal_compare::sfu_frames;
use crate::timing::QUIET_TAIL_MS;

/// A scenario that has not finished this long after its last step's instant is abandoned.
const SLACK: Duration = Duration::from_secs(10);

/// Where the server under test is.
#[derive(Debug, Clone)]
pub struct Target {
    pub http: SocketAddr,
    pub admin: Admin,
}

struct Clients<'f> {
    fixture: &'f EffectiveSignalFixture,
    open: BTreeMap<usize, WsClient>,
    closed: BTreeSet<usize>,
    tx: Sender<Arrival>,
    rx: Receiver<Arrival>,
}

impl Clients<'_> {
    fn index(&self, name: &str) -> Result<usize, String> {
        self.fixture
            .clients
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| format!("invalid vector: unknown client {name:?}"))
    }

    fn name(&self, index: usize) -> String {
        self.fixture
            .clients
            .get(index)
            .map_or_else(|| format!("client {index}"), |c| c.name.clone())
    }

    fn open(&self, name: &str) -> Result<&WsClient, String> {
        self.open
            .get(&self.index(name)?)
            .ok_or_else(|| format!("{name} has no open connection"))
    }
}

/// Everything received since the previous step.
#[derive(Default)]
struct Inbox {
    clients: Vec<Arrival>,
    sfu: Vec<SfuArrival>,
}

/// Runs `scenario`; on failure, the lines that explain the first failing step.
pub fn run(
    fixture: &EffectiveSignalFixture,
    scenario: &Scenario,
    target: &Target,
    mut sfu: Option<&mut SfuSide>,
) -> Result<(), Vec<String>> {
    target
        .admin
        .request(&reset_request())
        .map_err(|e| vec![format!("cannot reset the server before the scenario: {e}")])?;
    let t0 = match sfu.as_deref_mut() {
        Some(side) => side.settle().map_err(|e| vec![e])?,
        None => Instant::now(),
    };
    let (tx, rx) = mpsc::channel();
    let mut clients = Clients {
        fixture,
        open: BTreeMap::new(),
        closed: BTreeSet::new(),
        tx,
        rx,
    };
    let mut bindings = Bindings::default();
    let last_ms = scenario.steps.last().map_or(0, |s| s.at_ms);
    let give_up = t0 + Duration::from_millis(last_ms) + SLACK;
    let mut received = Inbox::default();
    for (index, step) in scenario.steps.iter().enumerate() {
        let scheduled = t0 + Duration::from_millis(step.at_ms);
        collect_until(&clients, sfu.as_deref(), scheduled, &mut received);
        if Instant::now() > give_up {
            return Err(vec![format!(
                "abandoned at step {index}: more than {} s behind schedule",
                SLACK.as_secs()
            )]);
        }
        let (response, mut lines) =
            match perform(step, &mut clients, target, sfu.as_deref_mut(), &bindings) {
                Ok(response) => (response, Vec::new()),
                Err(problem) => (None, vec![problem]),
            };
        let last_input = Instant::now();
        let grace_end = last_input + GRACE;
        while !arrived(step, &received, &clients) && Instant::now() < grace_end {
            collect_until(
                &clients,
                sfu.as_deref(),
                (Instant::now() + Duration::from_millis(5)).min(grace_end),
                &mut received,
            );
        }
        let listen_until = match scenario.steps.get(index + 1) {
            None => last_input + Duration::from_millis(QUIET_TAIL_MS),
            Some(next) => (last_input + SETTLE).min(t0 + Duration::from_millis(next.at_ms)),
        };
        collect_until(&clients, sfu.as_deref(), listen_until, &mut received);
        let taken = std::mem::take(&mut received);
        let (frames, problems) = sort(&taken.clients, &mut clients);
        lines.extend(chat_compare::frames(
            &step.expect.transmits,
            &frames,
            &mut bindings,
        ));
        let mut sfu_texts = Vec::new();
        for arrival in taken.sfu {
            match arrival {
                SfuArrival::Text(text) => sfu_texts.push(text),
                SfuArrival::Ended(code) => {
                    lines.push(format!("hark ended the SFU link (close {code:?})"));
                }
            }
        }
        lines.extend(sfu_frames(&step.expect.sfu, &sfu_texts, &mut bindings));
        lines.extend(chat_compare::response(
            step.expect.response.as_ref(),
            response.as_ref(),
            &mut bindings,
        ));
        lines.extend(problems);
        if !lines.is_empty() {
            let note = step
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let mut out = vec![format!("step {index} at {} ms{note}:", step.at_ms)];
            out.extend(lines.into_iter().map(|line| format!("  {line}")));
            return Err(out);
        }
    }
    Ok(())
}

fn collect_until(
    clients: &Clients<'_>,
    sfu: Option<&SfuSide>,
    deadline: Instant,
    into: &mut Inbox,
) {
    loop {
        while let Ok(arrival) = clients.rx.try_recv() {
            into.clients.push(arrival);
        }
        if let Some(side) = sfu {
            while let Ok(arrival) = side.rx.try_recv() {
                into.sfu.push(arrival);
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let wait = (deadline - now).min(Duration::from_millis(2));
        if let Ok(arrival) = clients.rx.recv_timeout(wait) {
            into.clients.push(arrival);
        }
    }
}

fn perform(
    step: &Step,
    clients: &mut Clients<'_>,
    target: &Target,
    sfu: Option<&mut SfuSide>,
    bindings: &Bindings,
) -> Result<Option<ResponseJson>, String> {
    let io = |what: &'static str| move |e: std::io::Error| format!("cannot {what}: {e}");
    let sfu = || sfu.ok_or("an SFU step in a group without an SFU".to_owned());
    match &step.input {
        Input::Connect {
            client,
            query,
            origin,
        } => {
            let index = clients.index(client)?;
            let ip = clients
                .fixture
                .clients
                .get(index)
                .map(|c| IpAddr::V4(c.ip))
                .ok_or("no such client")?;
            clients.open.remove(&index);
            clients.closed.remove(&index);
            let target_path = format!("/socket.io/?{query}");
            match WsClient::connect_to(
                index,
                ip,
                target.http,
                &target_path,
                origin.as_deref(),
                clients.tx.clone(),
            )
            .map_err(io("connect"))?
            {
                Upgrade::Accepted(ws) => {
                    clients.open.insert(index, ws);
                    Ok(Some(ResponseJson {
                        status: 101,
                        body: None,
                    }))
                }
                Upgrade::Refused(response) => Ok(Some(response)),
            }
        }
        Input::Text { from, text } => clients
            .open(from)?
            .text(text)
            .map_err(io("write"))
            .map(|()| None),
        Input::Binary { from, bytes } => clients
            .open(from)?
            .binary(bytes.as_bytes())
            .map_err(io("write"))
            .map(|()| None),
        Input::Close(name) => {
            let index = clients.index(name)?;
            let ws = clients
                .open
                .remove(&index)
                .ok_or_else(|| format!("{name} has no open connection"))?;
            ws.close().map_err(io("close")).map(|()| None)
        }
        Input::Http(request) => {
            let (status, body) = http::request(target.http, &request.method, &request.path)
                .map_err(io("make the request"))?;
            Ok(Some(ResponseJson {
                status,
                body: Some(body),
            }))
        }
        Input::Directory(change) => target
            .admin
            .request(&directory_request(change))
            .map(|()| None)
            .map_err(|e| format!("the directory change failed: {e}")),
        Input::Reset => target
            .admin
            .request(&reset_request())
            .map(|()| None)
            .map_err(|e| format!("the reset failed: {e}")),
        Input::Tick => Ok(None),
        Input::SfuAccept => sfu()?.accept(GRACE).map(|()| None),
        Input::SfuSend(template) => {
            let text = fill(template, bindings)?;
            sfu()?.send(&text).map(|()| None)
        }
        Input::SfuClose => sfu()?.close().map(|()| None),
    }
}

/// Whether every frame the step expects has arrived (counted per client and for the SFU).
fn arrived(step: &Step, received: &Inbox, clients: &Clients<'_>) -> bool {
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &step.expect.transmits {
        *wanted.entry(t.to.as_str()).or_default() += 1;
    }
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for arrival in &received.clients {
        if let Arrival::Frame { client, .. } = arrival {
            *got.entry(clients.name(*client)).or_default() += 1;
        }
    }
    wanted
        .iter()
        .all(|(client, n)| got.get(*client).copied().unwrap_or(0) >= *n)
        && received.sfu.len() >= step.expect.sfu.len()
}

/// Client frames by client, and what is always a failure.
fn sort(received: &[Arrival], clients: &mut Clients<'_>) -> (Vec<Received>, Vec<String>) {
    let (mut frames, mut problems) = (Vec::new(), Vec::new());
    for arrival in received {
        match arrival {
            Arrival::Frame { client, frame } => {
                if matches!(frame, FrameJson::Close(_)) {
                    clients.closed.insert(*client);
                }
                frames.push((clients.name(*client), frame.clone()));
            }
            Arrival::Unexpected { client, what } => {
                problems.push(format!("{} received {what}", clients.name(*client)));
            }
            Arrival::Ended { client, error } if !clients.closed.contains(client) => {
                let how = error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                problems.push(format!(
                    "{}'s connection ended without a close frame{how}",
                    clients.name(*client)
                ));
            }
            Arrival::Ended { .. } => {}
        }
    }
    (frames, problems)
}
