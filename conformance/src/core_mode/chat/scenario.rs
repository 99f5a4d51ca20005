//! `chat` scenarios on a simulated clock (`vectors.md` §7.7, §4.2–§4.3): for a step at `at_ms`,
//! every timer due by then fires at its own deadline, the step's input is applied, and every
//! frame, response, event and counter since the previous step is compared with the step's
//! expectation. After the last step the scenario must stay quiet, and every timer firing that
//! did something must keep its margin from every step.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hark_core::chat::{ChatAction, ChatService, route};

use super::config::chat_config;
use super::connections::Connections;
use super::convert::{event_json, stats_json};
use crate::chat_compare::{self, Received};
use crate::compare;
use crate::core_mode::invalid;
use crate::core_mode::scenario::{margin_problems, play_steps};
use crate::format::chat::{
    Bindings, ChatFixture, EffectiveChatFixture, EventJson, FrameJson, Input, ResponseJson,
    Scenario, StatsJson, Step, TransmitJson,
};
use crate::timing::{QUIET_TAIL_MS, TIMER_MARGIN_MS};

/// More timer firings than any sane scenario needs between two steps.
const MAX_TIMER_FIRINGS: usize = 100_000;

/// Runs every step; stops at the first step that differs, since the states have diverged.
pub fn run(fixture: &ChatFixture, scenario: &Scenario) -> Result<(), Vec<String>> {
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
    response: Option<ResponseJson>,
    events: Vec<EventJson>,
    /// Broken promises of the service's interface (a frame after a close, …).
    problems: Vec<String>,
}

impl Outputs {
    fn count(&self) -> usize {
        self.frames.len() + self.events.len() + self.problems.len()
    }
}

struct Observed {
    outputs: Outputs,
    stats: StatsJson,
}

struct Harness {
    service: ChatService,
    fixture: EffectiveChatFixture,
    conns: Connections,
    start: Instant,
    outputs: Outputs,
    bindings: Bindings,
    /// When (ms since the start) a timer firing sent something, reported an event or changed the
    /// counters.
    effective_firings: Vec<u64>,
}

impl Harness {
    fn new(fixture: EffectiveChatFixture) -> Result<Self, String> {
        let start = Instant::now();
        let service = ChatService::new(chat_config(&fixture.config), fixture.rng_seed.0, start)
            .map_err(|e| format!("fixture config: {e}"))?;
        Ok(Self {
            service,
            fixture,
            conns: Connections::default(),
            start,
            outputs: Outputs::default(),
            bindings: Bindings::default(),
            effective_firings: Vec::new(),
        })
    }

    fn ms_since_start(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.start).as_millis()).unwrap_or(u64::MAX)
    }

    /// Unix milliseconds at `instant`: the start's, plus the elapsed milliseconds.
    fn wall_ms(&self, instant: Instant) -> u64 {
        (self.fixture.wall_clock_start * 1000).saturating_add(self.ms_since_start(instant))
    }

    fn stats(&self) -> StatsJson {
        stats_json(&self.service.stats())
    }

    /// Fires every timer due by `now`, each at its deadline.
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

    /// The open connection of `client`, or a line blaming the vector.
    fn open(&self, client: &str) -> Result<hark_core::ConnectionId, String> {
        self.conns
            .current(client)
            .ok_or_else(|| invalid(&format!("{client} has no open connection")))
    }

    fn input(&mut self, input: &Input, now: Instant) -> Result<(), String> {
        let wall_ms = self.wall_ms(now);
        match input {
            Input::Connect(client) => {
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
                    Err(refusal) => {
                        self.conns.end(conn);
                        ResponseJson {
                            status: refusal.status(),
                            body: Some(format!("{{\"error\":\"{}\"}}", refusal.code())),
                        }
                    }
                });
            }
            Input::Text { from, text } => {
                let conn = self.open(from)?;
                // What a transport reading whole messages up to its bound would hand over.
                if text.len() > self.fixture.config.transport_bound() {
                    self.service.handle_oversized(now, conn);
                } else {
                    self.service.handle_text(now, wall_ms, conn, text);
                }
            }
            Input::Binary { from, bytes } => {
                let conn = self.open(from)?;
                self.service
                    .handle_binary(now, conn, bytes.as_bytes().len());
            }
            // The transport answers a ping (`chat.md` §1); the service sees life.
            Input::Pong(client) | Input::Ping(client) => {
                let conn = self.open(client)?;
                self.service.handle_activity(now, conn);
            }
            Input::Close(client) => {
                let conn = self.open(client)?;
                self.conns.end(conn);
                self.service.handle_closed(now, conn);
            }
            Input::Http(request) => {
                let routed = route(&request.method, &request.path, false);
                let body = match routed.error_body() {
                    Some(body) => body.to_owned(),
                    None => self.service.health(now, wall_ms),
                };
                self.outputs.response = Some(ResponseJson {
                    status: routed.status(),
                    body: Some(body),
                });
            }
            Input::Reset => self.service.reset(now),
            Input::Tick => {}
        }
        Ok(())
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
                ChatAction::Text(bytes) => {
                    FrameJson::Text(String::from_utf8_lossy(&bytes).into_owned())
                }
                ChatAction::Ping => FrameJson::Ping,
                ChatAction::Close(code) => {
                    self.conns.end(transmit.conn);
                    FrameJson::Close(code.code())
                }
            };
            self.outputs.frames.push((client, frame));
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
        // The transport's frames are a live run's to check.
        let service_frames: Vec<TransmitJson> = expect
            .transmits
            .iter()
            .filter(|t| !t.frame.is_transport())
            .cloned()
            .collect();
        lines.extend(chat_compare::frames(
            &service_frames,
            &observed.outputs.frames,
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
