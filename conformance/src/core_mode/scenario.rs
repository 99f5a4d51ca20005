//! Scenario vectors against `hark_core::audio::AudioService`, on a simulated clock.
//!
//! For a step at `at_ms`: `now = start + at_ms`; first every timer due by `now` fires, each at
//! its own deadline (so a timeout's Error carries the deadline's wall clock, not the step's);
//! then the step's input is applied at `now`; then every transmit and event is drained and
//! compared with the step's expectation.
//!
//! After the last step the scenario must stay quiet for [`QUIET_TAIL_MS`], and every timer
//! firing that did something must be [`TIMER_MARGIN_MS`] away from every step: the margins that
//! let live mode replay the same file against a real server, whose timers fire a little late.

use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::audio::AudioService;

use super::convert::{describe, event_json, stats_json, transmit_json};
use super::setup::{Clients, audio_config, directory};
use crate::compare;
use crate::format::{
    EffectiveFixture, EventJson, Fixture, Input, Scenario, StatsJson, Step, TransmitJson,
};
use crate::timing::{QUIET_TAIL_MS, TIMER_MARGIN_MS};

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
    harness.finish(scenario)
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
    /// Kept to rebuild the service on a `reset` step.
    fixture: EffectiveFixture,
    start: Instant,
    wall_clock_start: u64,
    clients: Clients,
    /// Produced since the last step's outputs were taken (timers fire before a step's input).
    transmits: Vec<TransmitJson>,
    events: Vec<EventJson>,
    /// When (ms since the start) a timer firing sent something, reported an event or changed the
    /// counters.
    effective_firings: Vec<u64>,
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
            fixture: effective,
            clients,
            transmits: Vec::new(),
            events: Vec::new(),
            effective_firings: Vec::new(),
        })
    }

    fn ms_since_start(&self, instant: Instant) -> u64 {
        let ms = instant.saturating_duration_since(self.start).as_millis();
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// Moves the service's transmits and events into the harness; true if there were any.
    fn drain(&mut self) -> bool {
        let before = self.transmits.len() + self.events.len();
        while let Some(transmit) = self.service.poll_transmit() {
            self.transmits.push(transmit_json(&transmit, &self.clients));
        }
        while let Some(event) = self.service.poll_event() {
            self.events.push(event_json(&event, &self.clients));
        }
        self.transmits.len() + self.events.len() > before
    }

    /// Spec §7.7: a reset ends every session (server_closing) and returns the service to its
    /// configured state, as a restart would: a fresh service from the fixture.
    fn reset(&mut self, now: Instant, wall: u64) -> Result<(), String> {
        self.service.reset(now, wall);
        self.drain();
        let directory = directory(&self.fixture).map_err(|e| format!("fixture channels: {e}"))?;
        self.service = AudioService::new(audio_config(&self.fixture), directory, now)
            .map_err(|e| format!("fixture config: {e}"))?;
        Ok(())
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
            let stats = self.service.stats();
            self.service
                .handle_timeout(deadline, self.wall_at(deadline));
            if self.drain() || self.service.stats() != stats {
                self.effective_firings.push(self.ms_since_start(deadline));
            }
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
                .apply_directory_change(now, wall, change.clone())
                .map_err(|e| format!("the directory refused the change: {e}"))?,
            Input::Reset => self.reset(now, wall)?,
            Input::Tick => {}
        }
        self.drain();
        Ok(Observed {
            transmits: std::mem::take(&mut self.transmits),
            events: std::mem::take(&mut self.events),
            stats: stats_json(self.service.stats()),
        })
    }

    /// The quiet tail and the timer margins, once every step has passed.
    fn finish(&mut self, scenario: &Scenario) -> Result<(), Vec<String>> {
        let last = scenario.steps.last().map_or(0, |step| step.at_ms);
        let tail_end = last.saturating_add(QUIET_TAIL_MS);
        let start = self.start;
        let at = |ms: u64| start + Duration::from_millis(ms);
        self.advance(at(tail_end)).map_err(|e| vec![e])?;
        let mut lines = Vec::new();
        let transmits = std::mem::take(&mut self.transmits);
        let events = std::mem::take(&mut self.events);
        if !transmits.is_empty() || !events.is_empty() {
            lines.push(format!(
                "within {QUIET_TAIL_MS} ms after the last step ({last} ms), expected quiet:"
            ));
            let diff = compare::transmits(&[], &transmits, &describe)
                .into_iter()
                .chain(compare::events(&[], &events));
            lines.extend(diff.map(|line| format!("  {line}")));
        }
        // Firings just after the tail would race with the end of a live run too.
        self.advance(at(tail_end.saturating_add(TIMER_MARGIN_MS)))
            .map_err(|e| vec![e])?;
        let instants: Vec<(String, u64)> = scenario
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| (format!("step {index}"), step.at_ms))
            .chain([("the end of the quiet tail".to_owned(), tail_end)])
            .collect();
        for &firing in &self.effective_firings {
            for (what, ms) in &instants {
                if firing.abs_diff(*ms) < TIMER_MARGIN_MS {
                    lines.push(invalid(&format!(
                        "{what} at {ms} ms is within {TIMER_MARGIN_MS} ms of a timer that fired at \
                         {firing} ms (live servers' timers fire late; keep the margin)"
                    )));
                }
            }
        }
        if lines.is_empty() { Ok(()) } else { Err(lines) }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::test_fixture;

    fn scenario(steps: &str) -> Scenario {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","covers":[],"steps":[{steps}]}}"#
        ))
        .unwrap()
    }

    fn tick(at_ms: u64) -> String {
        format!(r#"{{"at_ms":{at_ms},"tick":true,"expect":{{"transmits":[],"events":[]}}}}"#)
    }

    #[test]
    fn a_quiet_scenario_passes() {
        let fixture = test_fixture(&["a"]);
        assert_eq!(run(&fixture, &scenario(&tick(500))), Ok(()));
    }

    #[test]
    fn cleanup_sweeps_that_change_nothing_need_no_margin() {
        // Sweeps run every 2000 ms; with no users they do nothing.
        let fixture = test_fixture(&["a"]);
        assert_eq!(run(&fixture, &scenario(&tick(2000))), Ok(()));
    }

    #[test]
    fn a_step_next_to_an_effective_timer_is_an_invalid_vector() {
        use hark_core::auth::{TokenClaims, mint_token};
        let fixture = test_fixture(&["a"]);
        let start: u32 = 1_700_000_000;
        let claims = TokenClaims {
            sub: Some("u".into()),
            exp: Some(u64::from(start) + 3600),
            nbf: None,
            iat: None,
        };
        let token = mint_token(b"s", &claims);
        let header = |kind: u8| {
            let mut h = vec![kind, 0, 0, 0, 0, b'u', 0, 0, 0, 0, 0, 0, 0, b'c', 0, 0, 0];
            h.extend_from_slice(&start.to_be_bytes());
            h
        };
        let mut handshake = header(1);
        handshake.extend_from_slice(&u16::try_from(token.len()).unwrap().to_be_bytes());
        handshake.extend_from_slice(token.as_bytes());
        let mut ack = header(8);
        ack.extend_from_slice(&[1, 0, 0, 0, 0]);
        let send = format!(
            r#"{{"at_ms":0,"from":"a","send":"{}","expect":{{"transmits":[{{"to":"a","hex":"{}"}}],
                "events":[{{"type":"session_started","user_id":"u","channel_id":"c","addr":"a"}}]}}}}"#,
            hex::encode(&handshake),
            hex::encode(&ack)
        );
        // The session times out at 1000 ms, 200 ms after the last step: inside the quiet tail,
        // and too close to the step and to the tail's end.
        let lines = run(&fixture, &scenario(&format!("{send},{}", tick(800)))).unwrap_err();
        let text = lines.join("\n");
        assert!(text.contains("expected quiet"), "{text}");
        assert!(
            text.contains("step 1 at 800 ms is within 250 ms of a timer that fired at 1000 ms")
        );
        assert!(text.contains("the end of the quiet tail at 1050 ms is within 250 ms"));
        // With the deadline's outputs observed well after it, the same session is fine.
        let expired = format!(
            r#"{{"at_ms":1300,"tick":true,"expect":{{"transmits":[{{"to":"a","hex":"{}"}}],
                "events":[{{"type":"error","addr":"a","error":"handshake_timeout"}},
                {{"type":"session_ended","user_id":"u","channel_id":"c","addr":"a",
                  "reason":"handshake_timeout"}}]}}}}"#,
            hex::encode(timeout_error(start + 1))
        );
        let steps = format!("{send},{},{expired}", tick(700));
        assert_eq!(run(&fixture, &scenario(&steps)), Ok(()));
    }

    /// Error 6 (handshake_timeout, action 3) to user u in channel c.
    fn timeout_error(timestamp: u32) -> Vec<u8> {
        let message = b"handshake not completed in time";
        let mut e = vec![7, 0, 0, 0, 0, b'u', 0, 0, 0, 0, 0, 0, 0, b'c', 0, 0, 0];
        e.extend_from_slice(&timestamp.to_be_bytes());
        e.extend_from_slice(&[0, 6, 3]);
        e.extend_from_slice(&u16::try_from(message.len()).unwrap().to_be_bytes());
        e.extend_from_slice(message);
        e
    }
}
