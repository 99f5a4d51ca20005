//! Scenario vectors on a simulated clock, for any [`CoreService`].
//!
//! For a step at `at_ms`: `now = start + at_ms`; first every timer due by `now` fires, each at
//! its own deadline (so a timeout's Error carries the deadline's wall clock, not the step's);
//! then the step's input is applied at `now`; then every output and event is drained and
//! compared with the step's expectation.
//!
//! After the last step the scenario must stay quiet for [`QUIET_TAIL_MS`], and every timer
//! firing that did something must be [`TIMER_MARGIN_MS`] away from every step: the margins that
//! let live mode replay the same file against a real server, whose timers fire a little late.

use std::time::{Duration, Instant};

use super::{CoreService, Outputs, Simulated, invalid};
use crate::compare;
use crate::format::{Fixture, Scenario, ServiceFormat, Step, StreamJson, TransmitJson};
use crate::timing::{QUIET_TAIL_MS, TIMER_MARGIN_MS};

/// More timer firings than any sane scenario needs between two steps; beyond this the service
/// is assumed to be stuck rather than busy.
const MAX_TIMER_FIRINGS: usize = 100_000;

/// Runs every step; stops at the first step that differs, since the states have diverged.
pub fn run<S: CoreService>(fixture: &Fixture, scenario: &Scenario<S>) -> Result<(), Vec<String>> {
    let mut harness = Harness::<S>::new(fixture, scenario).map_err(|e| vec![invalid(&e)])?;
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

/// What one step produced: its outputs and the counters after it.
struct Observed<S: ServiceFormat> {
    outputs: Outputs<S::Event>,
    stats: S::Stats,
}

struct Harness<S: CoreService> {
    sim: S::Sim,
    start: Instant,
    wall_clock_start: u64,
    clients: Vec<String>,
    /// Produced since the last step's outputs were taken (timers fire before a step's input).
    outputs: Outputs<S::Event>,
    /// When (ms since the start) a timer firing sent something, reported an event or changed the
    /// counters.
    effective_firings: Vec<u64>,
}

impl<S: CoreService> Harness<S> {
    fn new(fixture: &Fixture, scenario: &Scenario<S>) -> Result<Self, String> {
        let effective = fixture
            .effective::<S::Config>(scenario.fixture_overrides.as_ref())
            .map_err(|e| format!("fixture config: {e}"))?;
        let start = Instant::now();
        Ok(Self {
            sim: S::Sim::start(&effective, start)?,
            start,
            wall_clock_start: effective.wall_clock_start,
            clients: effective.clients,
            outputs: Outputs::default(),
            effective_firings: Vec::new(),
        })
    }

    fn ms_since_start(&self, instant: Instant) -> u64 {
        let ms = instant.saturating_duration_since(self.start).as_millis();
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// Unix seconds at `instant`: the start's, plus whole elapsed seconds.
    fn wall_at(&self, instant: Instant) -> u64 {
        let elapsed = instant.saturating_duration_since(self.start).as_secs();
        self.wall_clock_start.saturating_add(elapsed)
    }

    /// Fires every timer due by `now`, each at its deadline.
    fn advance(&mut self, now: Instant) -> Result<(), String> {
        for _ in 0..MAX_TIMER_FIRINGS {
            let Some(deadline) = self.sim.poll_timeout().filter(|d| *d <= now) else {
                return Ok(());
            };
            let stats = self.sim.stats();
            let before = self.outputs.count();
            self.sim.handle_timeout(deadline, self.wall_at(deadline));
            self.sim.drain(&mut self.outputs);
            if self.outputs.count() > before || self.sim.stats() != stats {
                self.effective_firings.push(self.ms_since_start(deadline));
            }
            if self.sim.poll_timeout().is_some_and(|next| next <= deadline) {
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

    fn step(&mut self, step: &Step<S>) -> Result<Observed<S>, String> {
        let now = self.start + Duration::from_millis(step.at_ms);
        self.advance(now)?;
        let wall = self.wall_at(now);
        self.sim.input(&step.input, now, wall, &mut self.outputs)?;
        self.sim.drain(&mut self.outputs);
        Ok(Observed {
            outputs: std::mem::take(&mut self.outputs),
            stats: self.sim.stats(),
        })
    }

    /// The quiet tail and the timer margins, once every step has passed.
    fn finish(&mut self, scenario: &Scenario<S>) -> Result<(), Vec<String>> {
        let last = scenario.steps.last().map_or(0, |step| step.at_ms);
        let tail_end = last.saturating_add(QUIET_TAIL_MS);
        let start = self.start;
        let at = |ms: u64| start + Duration::from_millis(ms);
        self.advance(at(tail_end)).map_err(|e| vec![e])?;
        let mut lines = Vec::new();
        let tail = std::mem::take(&mut self.outputs);
        if !tail.is_empty() {
            lines.push(format!(
                "within {QUIET_TAIL_MS} ms after the last step ({last} ms), expected quiet:"
            ));
            let diff = differences::<S>(&tail, &[], &[], &[], &[]);
            lines.extend(diff.into_iter().map(|line| format!("  {line}")));
        }
        // Firings just after the tail would race with the end of a live run too.
        self.advance(at(tail_end.saturating_add(TIMER_MARGIN_MS)))
            .map_err(|e| vec![e])?;
        lines.extend(margin_problems(
            scenario.steps.iter().map(|step| step.at_ms),
            tail_end,
            &self.effective_firings,
        ));
        if lines.is_empty() { Ok(()) } else { Err(lines) }
    }

    fn compare(&self, step: &Step<S>, observed: &Observed<S>) -> Vec<String> {
        let expect = &step.expect;
        let named = expect
            .transmits
            .iter()
            .map(|t| &t.to)
            .chain(expect.stream.iter().map(|t| &t.to))
            .chain(&expect.closed);
        let mut lines: Vec<String> = named
            .filter(|name| !self.clients.contains(name))
            .map(|name| invalid(&format!("names unknown client {name:?}")))
            .collect();
        lines.extend(differences::<S>(
            &observed.outputs,
            &expect.transmits,
            &expect.stream,
            &expect.closed,
            &expect.events,
        ));
        if let Some(stats) = &expect.stats {
            lines.extend(compare::stats(stats, &observed.stats));
        }
        lines
    }
}

/// Plays `steps` in order with `play`, which returns a step's differences; stops at the first
/// step that differs, since the states have diverged, and at a step whose `at_ms` (given with its
/// note by `at`) goes back in time. Every service's simulated scenarios walk their steps so.
pub(super) fn play_steps<T>(
    steps: &[T],
    at: impl Fn(&T) -> (u64, Option<&str>),
    mut play: impl FnMut(&T) -> Vec<String>,
) -> Result<(), Vec<String>> {
    let mut previous_ms = 0;
    for (index, step) in steps.iter().enumerate() {
        let (at_ms, note) = at(step);
        let at = format!(
            "step {index} at {at_ms} ms{}",
            note.map(|note| format!(" ({note})")).unwrap_or_default()
        );
        if at_ms < previous_ms {
            return Err(vec![
                at,
                invalid(&format!("at_ms goes back from {previous_ms}")),
            ]);
        }
        previous_ms = at_ms;
        let lines = play(step);
        if !lines.is_empty() {
            let mut out = vec![format!("{at}:")];
            out.extend(lines.into_iter().map(|line| format!("  {line}")));
            if index + 1 < steps.len() {
                out.push(format!(
                    "  (steps {}..{} not run: the state has diverged)",
                    index + 1,
                    steps.len() - 1
                ));
            }
            return Err(out);
        }
    }
    Ok(())
}

/// A line blaming the vector for every timer firing (ms since the start) that did something
/// within [`TIMER_MARGIN_MS`] of a step (at the given ms) or of the end of the quiet tail.
pub(super) fn margin_problems(
    steps_ms: impl Iterator<Item = u64>,
    tail_end: u64,
    effective_firings: &[u64],
) -> Vec<String> {
    let instants: Vec<(String, u64)> = steps_ms
        .enumerate()
        .map(|(index, ms)| (format!("step {index}"), ms))
        .chain([("the end of the quiet tail".to_owned(), tail_end)])
        .collect();
    let mut lines = Vec::new();
    for &firing in effective_firings {
        for (what, ms) in &instants {
            if firing.abs_diff(*ms) < TIMER_MARGIN_MS {
                lines.push(invalid(&format!(
                    "{what} at {ms} ms is within {TIMER_MARGIN_MS} ms of a timer that fired at \
                     {firing} ms (live servers' timers fire late; keep the margin)"
                )));
            }
        }
    }
    lines
}

/// Every difference between what was produced and what was expected.
fn differences<S: CoreService>(
    actual: &Outputs<S::Event>,
    transmits: &[TransmitJson],
    stream: &[StreamJson],
    closed: &[String],
    events: &[S::Event],
) -> Vec<String> {
    let mut lines = actual.problems.clone();
    lines.extend(compare::transmits(
        transmits,
        &actual.transmits,
        &S::describe_datagram,
    ));
    lines.extend(compare::streams(
        stream,
        &actual.stream,
        &S::describe_stream,
    ));
    lines.extend(compare::closed(closed, &actual.closed));
    lines.extend(compare::events(events, &actual.events));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::audio::{Audio, test_fixture};

    fn scenario(steps: &str) -> Scenario<Audio> {
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
