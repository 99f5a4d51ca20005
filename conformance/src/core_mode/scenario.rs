//! Scenario vectors against `hark_core::audio::AudioService`, on a simulated clock.
//!
//! For a step at `at_ms`: `now = start + at_ms`; first every timer due by `now` fires, each at
//! its own deadline (so a timeout's Error carries the deadline's wall clock, not the step's);
//! then the step's input is applied at `now`; then every transmit and event is drained and
//! compared with the step's expectation.

use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::audio::AudioService;

use super::convert::{describe, event_json, stats_json, transmit_json};
use super::setup::{Clients, audio_config, directory, directory_change};
use crate::compare;
use crate::format::{EventJson, Fixture, Input, Scenario, StatsJson, Step, TransmitJson};

/// More timer firings than any sane scenario needs between two steps; beyond this the service
/// is assumed to be stuck rather than busy.
const MAX_TIMER_FIRINGS: usize = 100_000;

/// Runs every step; stops at the first step that differs, since the states have diverged.
pub fn run(fixture: &Fixture, scenario: &Scenario) -> Result<(), Vec<String>> {
    let mut harness = Harness::new(fixture, scenario).map_err(|e| vec![invalid(&e)])?;
    let mut previous_ms = 0;
    for (index, step) in scenario.steps.iter().enumerate() {
        let at = format!(
            "step {index} at {} ms{}",
            step.at_ms,
            step.note
                .as_ref()
                .map(|note| format!(" ({note})"))
                .unwrap_or_default()
        );
        if step.at_ms < previous_ms {
            return Err(vec![
                at,
                invalid(&format!("at_ms goes back from {previous_ms}")),
            ]);
        }
        previous_ms = step.at_ms;
        let lines = match harness.step(step) {
            Ok(observed) => harness.compare(step, &observed),
            Err(problem) => vec![problem],
        };
        if !lines.is_empty() {
            let mut out = vec![format!("{at}:")];
            out.extend(lines.into_iter().map(|line| format!("  {line}")));
            if index + 1 < scenario.steps.len() {
                out.push(format!(
                    "  (steps {}..{} not run: the state has diverged)",
                    index + 1,
                    scenario.steps.len() - 1
                ));
            }
            return Err(out);
        }
    }
    Ok(())
}

fn invalid(reason: &str) -> String {
    format!("invalid vector: {reason}")
}

/// What one step produced.
struct Observed {
    transmits: Vec<TransmitJson>,
    events: Vec<EventJson>,
    stats: StatsJson,
}

struct Harness {
    service: AudioService,
    start: Instant,
    wall_clock_start: u64,
    clients: Clients,
}

impl Harness {
    fn new(fixture: &Fixture, scenario: &Scenario) -> Result<Self, String> {
        let effective = fixture
            .effective(scenario.fixture_overrides.as_ref())
            .map_err(|e| format!("fixture config: {e}"))?;
        let clients = Clients::new(&effective.clients)?;
        let directory = directory(&effective).map_err(|e| format!("fixture channels: {e}"))?;
        let start = Instant::now();
        let service = AudioService::new(audio_config(&effective), directory, start)
            .map_err(|e| format!("fixture config: {e}"))?;
        Ok(Self {
            service,
            start,
            wall_clock_start: effective.wall_clock_start,
            clients,
        })
    }

    /// Unix seconds at `instant`: the start's, plus whole elapsed seconds.
    fn wall_at(&self, instant: Instant) -> u64 {
        let elapsed = instant.saturating_duration_since(self.start).as_secs();
        self.wall_clock_start.saturating_add(elapsed)
    }

    /// Fires every timer due by `now`, each at its deadline.
    fn advance(&mut self, now: Instant) -> Result<(), String> {
        for _ in 0..MAX_TIMER_FIRINGS {
            let deadline = self.service.poll_timeout();
            if deadline > now {
                return Ok(());
            }
            self.service
                .handle_timeout(deadline, self.wall_at(deadline));
            if self.service.poll_timeout() <= deadline {
                return Err(format!(
                    "poll_timeout() is still {} ms after handle_timeout at that instant",
                    deadline.saturating_duration_since(self.start).as_millis()
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
        let wall = self.wall_at(now);
        match &step.input {
            Input::Send { from, datagram } => {
                let addr = self
                    .clients
                    .addr(from)
                    .ok_or_else(|| invalid(&format!("unknown client {from:?}")))?;
                let bytes = Bytes::copy_from_slice(datagram.as_bytes());
                self.service.handle_datagram(now, wall, addr, bytes);
            }
            Input::Directory(change) => self
                .service
                .apply_directory_change(now, wall, directory_change(change))
                .map_err(|e| format!("the directory refused the change: {e}"))?,
            Input::Reset => self.service.reset(now, wall),
            Input::Tick => {}
        }
        let mut transmits = Vec::new();
        while let Some(transmit) = self.service.poll_transmit() {
            transmits.push(transmit_json(&transmit, &self.clients));
        }
        let mut events = Vec::new();
        while let Some(event) = self.service.poll_event() {
            events.push(event_json(&event, &self.clients));
        }
        Ok(Observed {
            transmits,
            events,
            stats: stats_json(self.service.stats()),
        })
    }

    fn compare(&self, step: &Step, observed: &Observed) -> Vec<String> {
        let mut lines: Vec<String> = step
            .expect
            .transmits
            .iter()
            .filter(|t| !self.clients.contains(&t.to))
            .map(|t| invalid(&format!("transmit to unknown client {:?}", t.to)))
            .collect();
        lines.extend(compare::transmits(
            &step.expect.transmits,
            &observed.transmits,
            &describe,
        ));
        lines.extend(compare::events(&step.expect.events, &observed.events));
        if let Some(stats) = &step.expect.stats {
            lines.extend(compare::stats(stats, &observed.stats));
        }
        lines
    }
}
