//! `signal` scenarios on a simulated clock (`vectors.md` §8.3, §4.2–§4.3): for a step at `at_ms`,
//! every timer due by then fires at its own deadline, the step's input is applied, and every
//! client frame, SFU frame, response, event and counter since the previous step is compared with
//! the step's expectation. The runner plays the driver: it routes HTTP requests with
//! `hark_core::signal::route`, answers them from the service's views, and stands for the SFU
//! link (a `Dial` is pending until a `sfu_accept` step opens it).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hark_core::signal::{
    HttpRequest, LinkId, SfuAction, SignalAction, SignalRoute, SignalService, route,
};
use hark_core::wire::signal::CorsOrigins;
use serde::Serialize;

use super::config::{cors_origins, signal_config};
use super::convert_events::{event_json, stats_json};
use crate::chat_compare::{self, Received};
use crate::compare;
use crate::core_mode::chat::connections::Connections;
use crate::core_mode::scenario::{margin_problems, play_steps};
use crate::core_mode::{directory, invalid};
use crate::format::EffectiveFixture;
use crate::format::chat::{Bindings, FrameJson, ResponseJson, fill};
use crate::format::signal::{
    EffectiveSignalFixture, EventJson, Input, Scenario, SignalFixture, StatsJson, Step,
};
use crate::signal_compare::sfu_frames;
use crate::timing::{QUIET_TAIL_MS, TIMER_MARGIN_MS};

/// More timer firings than any sane scenario needs between two steps.
const MAX_TIMER_FIRINGS: usize = 100_000;

/// Runs every step; stops at the first step that differs, since the states have diverged.
pub fn run(fixture: &SignalFixture, scenario: &Scenario) -> Result<(), Vec<String>> {
    let effective = fixture
        .effective(scenario.fixture_overrides.as_ref())
        .map_err(|e| vec![invalid(&format!("fixture config: {e}"))])?;
    let mut harness = Harness::new(effective).map_err(|e| vec![invalid(&e)])?;
    play_steps(
        &scenario.steps,
        |step| (step.at_ms, step.note.as_deref()),
        |step| match harness.step(step) {
            Ok(observed) => harness.compare(step, &observed),
            Err(problem) => vec![problem],
        },
    )?;
    harness.finish(scenario)
}

/// What the service produced since the previous step.
#[derive(Debug, Default)]
struct Outputs {
    frames: Vec<Received>,
    sfu: Vec<String>,
    response: Option<ResponseJson>,
    events: Vec<EventJson>,
    /// Broken promises of the service's interface, and SFU actions no vector expects.
    problems: Vec<String>,
}

impl Outputs {
    fn count(&self) -> usize {
        self.frames.len() + self.sfu.len() + self.events.len() + self.problems.len()
    }
}

struct Observed {
    outputs: Outputs,
    stats: StatsJson,
}

struct Harness {
    service: SignalService,
    fixture: EffectiveSignalFixture,
    cors: CorsOrigins,
    conns: Connections,
    start: Instant,
    outputs: Outputs,
    bindings: Bindings,
    /// The dial the service asked for and the SFU has not accepted yet.
    pending_dial: Option<LinkId>,
    /// The link the SFU accepted.
    link: Option<LinkId>,
    effective_firings: Vec<u64>,
}

impl Harness {
    fn new(fixture: EffectiveSignalFixture) -> Result<Self, String> {
        let start = Instant::now();
        let config = signal_config(&fixture)?;
        let cors = cors_origins(&fixture.config)?;
        let directory = directory(&EffectiveFixture {
            secret: fixture.secret.clone(),
            wall_clock_start: fixture.wall_clock_start,
            rng_seed: Some(fixture.rng_seed),
            clients: Vec::new(),
            config: (),
            channels: fixture.channels.clone(),
        })
        .map_err(|e| format!("fixture channels: {e}"))?;
        let service = SignalService::new(config, directory, fixture.rng_seed.0)
            .map_err(|e| format!("fixture config: {e}"))?;
        let mut harness = Self {
            service,
            fixture,
            cors,
            conns: Connections::default(),
            start,
            outputs: Outputs::default(),
            bindings: Bindings::default(),
            pending_dial: None,
            link: None,
            effective_firings: Vec::new(),
        };
        harness.drain();
        Ok(harness)
    }

    fn ms_since_start(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.start).as_millis()).unwrap_or(u64::MAX)
    }

    fn wall_ms(&self, instant: Instant) -> u64 {
        (self.fixture.wall_clock_start * 1000).saturating_add(self.ms_since_start(instant))
    }

    fn stats(&self) -> StatsJson {
        stats_json(&self.service.stats())
    }

    fn advance(&mut self, now: Instant) -> Result<(), String> {
        for _ in 0..MAX_TIMER_FIRINGS {
            let Some(deadline) = self.service.poll_timeout().filter(|d| *d <= now) else {
                return Ok(());
            };
            let stats = self.stats();
            let before = self.outputs.count();
            self.service.handle_timeout(deadline);
            self.drain();
            if self.outputs.count() > before || self.stats() != stats {
                self.effective_firings.push(self.ms_since_start(deadline));
            }
            if self
                .service
                .poll_timeout()
                .is_some_and(|next| next <= deadline)
            {
                return Err(format!(
                    "poll_timeout() is still {} ms after handle_timeout at that instant",
                    self.ms_since_start(deadline)
                ));
            }
        }
        Err(format!(
            "more than {MAX_TIMER_FIRINGS} timer firings in one step"
        ))
    }

    fn step(&mut self, step: &Step) -> Result<Observed, String> {
        let now = self.start + Duration::from_millis(step.at_ms);
        self.advance(now)?;
        self.input(&step.input, now)?;
        self.drain();
        Ok(Observed {
            outputs: std::mem::take(&mut self.outputs),
            stats: self.stats(),
        })
    }

    fn open(&self, client: &str) -> Result<hark_core::ConnectionId, String> {
        self.conns
            .current(client)
            .ok_or_else(|| invalid(&format!("{client} has no open connection")))
    }

    fn input(&mut self, input: &Input, now: Instant) -> Result<(), String> {
        match input {
            Input::Connect {
                client,
                query,
                origin,
            } => {
                let target = format!("/socket.io/?{query}");
                let request = HttpRequest {
                    method: "GET",
                    target: &target,
                    is_websocket_upgrade: true,
                    origin: origin.as_deref(),
                };
                let routed = route(request, &self.cors, self.fixture.config.development);
                if routed != SignalRoute::Upgrade {
                    self.outputs.response = Some(self.respond(routed));
                    return Ok(());
                }
                let ip = self
                    .fixture
                    .client(client)
                    .map(|c| IpAddr::V4(c.ip))
                    .ok_or_else(|| invalid(&format!("unknown client {client:?}")))?;
                let conn = self.conns.open(client).ok_or_else(|| {
                    invalid(&format!("{client} connects while its connection is open"))
                })?;
                self.outputs.response = Some(match self.service.handle_connect(now, conn, ip) {
                    Ok(()) => ResponseJson {
                        status: 101,
                        body: None,
                    },
                    Err(full) => {
                        self.conns.end(conn);
                        ResponseJson {
                            status: 503,
                            body: Some(full.to_string()),
                        }
                    }
                });
            }
            Input::Text { from, text } => {
                let conn = self.open(from)?;
                let wall_ms = self.wall_ms(now);
                self.service.handle_text(now, wall_ms, conn, text);
            }
            Input::Binary { from, bytes } => {
                let conn = self.open(from)?;
                self.service
                    .handle_binary(now, conn, bytes.as_bytes().len());
            }
            Input::Close(client) => {
                let conn = self.open(client)?;
                self.conns.end(conn);
                self.service.handle_closed(now, conn);
            }
            Input::Http(request) => {
                let routed = route(
                    HttpRequest {
                        method: &request.method,
                        target: &request.path,
                        is_websocket_upgrade: false,
                        origin: None,
                    },
                    &self.cors,
                    self.fixture.config.development,
                );
                self.outputs.response = Some(self.respond(routed));
            }
            Input::Directory(change) => self
                .service
                .apply_directory_change(now, change.clone())
                .map_err(|e| invalid(&format!("the directory change fails: {e}")))?,
            Input::Reset => self.service.reset(now),
            Input::Tick => {}
            Input::SfuAccept => {
                let link = self
                    .pending_dial
                    .take()
                    .ok_or_else(|| invalid("sfu_accept while hark has no dial pending"))?;
                self.link = Some(link);
                self.service.handle_sfu_open(now, link);
            }
            Input::SfuSend(template) => {
                let link = self
                    .link
                    .ok_or_else(|| invalid("sfu_send without an accepted link"))?;
                let text = fill(template, &self.bindings).map_err(|e| invalid(&e))?;
                self.service.handle_sfu_text(now, link, &text);
            }
            Input::SfuClose => {
                let link = self
                    .link
                    .take()
                    .ok_or_else(|| invalid("sfu_close without an accepted link"))?;
                self.service.handle_sfu_closed(now, link);
            }
        }
        Ok(())
    }

    /// The response the driver writes for a routed request, from the service's views.
    fn respond(&self, routed: SignalRoute) -> ResponseJson {
        let body = match routed {
            SignalRoute::Health => Some(json(&self.service.health())),
            SignalRoute::DebugRooms => Some(json(&self.service.debug_rooms())),
            SignalRoute::DebugUsers => Some(json(&self.service.debug_users())),
            SignalRoute::DebugConnections => Some(json(&self.service.debug_connections())),
            other => other.error_body(),
        };
        ResponseJson {
            status: routed.status(),
            body,
        }
    }

    /// Moves everything the service produced into `self.outputs`.
    fn drain(&mut self) {
        while let Some(transmit) = self.service.poll_transmit() {
            let client = self.conns.name(transmit.conn);
            if !self.conns.is_open(transmit.conn) {
                self.outputs.problems.push(format!(
                    "the service acted on {client}'s connection after it ended: {:?}",
                    transmit.action
                ));
                continue;
            }
            let frame = match transmit.action {
                SignalAction::Text(bytes) => {
                    FrameJson::Text(String::from_utf8_lossy(&bytes).into_owned())
                }
                SignalAction::Close(code) => {
                    self.conns.end(transmit.conn);
                    FrameJson::Close(code.code())
                }
            };
            self.outputs.frames.push((client, frame));
        }
        while let Some(action) = self.service.poll_sfu() {
            match action {
                SfuAction::Dial(link) => self.pending_dial = Some(link),
                SfuAction::Text(link, bytes) if Some(link) == self.link => self
                    .outputs
                    .sfu
                    .push(String::from_utf8_lossy(&bytes).into_owned()),
                SfuAction::Ping(link) if Some(link) == self.link => {}
                other => self.outputs.problems.push(format!(
                    "an SFU action no vector expects: {other:?} (accepted link {:?})",
                    self.link
                )),
            }
        }
        while let Some(event) = self.service.poll_event() {
            self.outputs.events.push(event_json(&event, &self.conns));
        }
    }

    fn compare(&mut self, step: &Step, observed: &Observed) -> Vec<String> {
        let expect = &step.expect;
        let mut lines: Vec<String> = expect
            .transmits
            .iter()
            .map(|t| &t.to)
            .filter(|name| self.fixture.client(name).is_none())
            .map(|name| invalid(&format!("names unknown client {name:?}")))
            .collect();
        lines.extend(observed.outputs.problems.iter().cloned());
        lines.extend(chat_compare::frames(
            &expect.transmits,
            &observed.outputs.frames,
            &mut self.bindings,
        ));
        lines.extend(sfu_frames(
            &expect.sfu,
            &observed.outputs.sfu,
            &mut self.bindings,
        ));
        lines.extend(chat_compare::response(
            expect.response.as_ref(),
            observed.outputs.response.as_ref(),
            &mut self.bindings,
        ));
        lines.extend(compare::events(&expect.events, &observed.outputs.events));
        if let Some(stats) = &expect.stats {
            lines.extend(compare::stats(stats, &observed.stats));
        }
        lines
    }

    /// The quiet tail and the timer margins, once every step has passed.
    fn finish(&mut self, scenario: &Scenario) -> Result<(), Vec<String>> {
        let last = scenario.steps.last().map_or(0, |step| step.at_ms);
        let tail_end = last.saturating_add(QUIET_TAIL_MS);
        let at = |start: Instant, ms: u64| start + Duration::from_millis(ms);
        self.advance(at(self.start, tail_end))
            .map_err(|e| vec![e])?;
        let mut lines = Vec::new();
        let tail = std::mem::take(&mut self.outputs);
        if tail.count() > 0 {
            lines.push(format!(
                "within {QUIET_TAIL_MS} ms after the last step ({last} ms), expected quiet:"
            ));
            let mut diff = tail.problems.clone();
            diff.extend(chat_compare::frames(&[], &tail.frames, &mut self.bindings));
            diff.extend(sfu_frames(&[], &tail.sfu, &mut self.bindings));
            diff.extend(compare::events(&[], &tail.events));
            lines.extend(diff.into_iter().map(|line| format!("  {line}")));
        }
        self.advance(at(self.start, tail_end.saturating_add(TIMER_MARGIN_MS)))
            .map_err(|e| vec![e])?;
        lines.extend(margin_problems(
            scenario.steps.iter().map(|step| step.at_ms),
            tail_end,
            &self.effective_firings,
        ));
        if lines.is_empty() { Ok(()) } else { Err(lines) }
    }
}

/// Strings, numbers and lists of them: serde_json cannot fail on the views.
fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
