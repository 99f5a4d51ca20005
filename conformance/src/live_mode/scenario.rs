//! One scenario against a running server.
//!
//! The server is reset through its admin socket (fresh state, its testing clock back at the
//! vectors' `wall_clock_start`), every client gets a fresh socket, and `t0` is taken when the
//! reset is answered. Steps are then replayed in **batches**: consecutive datagram steps that share
//! an `at_ms` go out back to back (a burst must reach the server within one instant, or a rate
//! limit would refill in between), while an operator step or a tick is a batch of its own. For
//! each batch: wait until `t0 + at_ms`, perform its inputs, wait (up to [`GRACE`]) until every
//! transmit it expects has arrived, listen a little longer for extras ([`SETTLE`], or the
//! [`QUIET_TAIL_MS`] after the last batch), and compare everything received since the previous
//! batch — timer outputs arrive before the tick that expects them — with the batch's expected
//! transmits as a multiset per client.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::admin::{Admin, directory_request, reset_request};
use super::clients::{ClientSockets, Received};
use super::matching::close_transmits;
use crate::compare;
use crate::core_mode::describe;
use crate::format::{EffectiveFixture, Hex, Input, Scenario, Step, TransmitJson};
use crate::timing::QUIET_TAIL_MS;

/// How long a batch waits for the transmits it expects.
pub const GRACE: Duration = Duration::from_millis(400);
/// How long a batch keeps listening for extras once its expected transmits are in (never past
/// the next batch's instant, except before an operator step).
pub const SETTLE: Duration = Duration::from_millis(50);
/// A scenario that has not finished this long after its last step's instant is abandoned.
const SLACK: Duration = Duration::from_secs(10);
/// Inputs that go out later than this are mentioned when their batch fails.
const LATE: Duration = Duration::from_millis(20);

/// Where the server under test is.
#[derive(Debug, Clone)]
pub struct Target {
    pub udp: SocketAddr,
    pub admin: Admin,
}

/// What a batch does when its time comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Datagrams,
    Operator,
    Tick,
}

/// Consecutive steps replayed together.
#[derive(Debug)]
struct Batch<'s> {
    /// Index of the first step in the scenario.
    first: usize,
    steps: &'s [Step],
    at_ms: u64,
    kind: Kind,
}

fn kind(step: &Step) -> Kind {
    match step.input {
        Input::Send { .. } => Kind::Datagrams,
        Input::Directory(_) | Input::Reset => Kind::Operator,
        Input::Tick => Kind::Tick,
    }
}

fn batches(steps: &[Step]) -> Vec<Batch<'_>> {
    let mut out: Vec<Batch<'_>> = Vec::new();
    let mut first = 0;
    while let Some(step) = steps.get(first) {
        let kind = kind(step);
        let mut end = first + 1;
        if kind == Kind::Datagrams {
            while steps
                .get(end)
                .is_some_and(|next| kind_of_same_instant(next, step))
            {
                end += 1;
            }
        }
        out.push(Batch {
            first,
            steps: steps.get(first..end).unwrap_or_default(),
            at_ms: step.at_ms,
            kind,
        });
        first = end;
    }
    out
}

fn kind_of_same_instant(next: &Step, first: &Step) -> bool {
    kind(next) == Kind::Datagrams && next.at_ms == first.at_ms
}

/// Runs `scenario` against `target`; on failure, the lines that explain the first failing batch.
pub fn run(
    fixture: &EffectiveFixture,
    scenario: &Scenario,
    target: &Target,
) -> Result<(), Vec<String>> {
    let names = &fixture.clients;
    check_names(names, scenario)?;
    target
        .admin
        .request(&reset_request())
        .map_err(|e| vec![format!("cannot reset the server before the scenario: {e}")])?;
    let t0 = Instant::now();
    let clients = ClientSockets::bind(names.len())
        .map_err(|e| vec![format!("cannot bind the client sockets: {e}")])?;
    let last_ms = scenario.steps.last().map_or(0, |s| s.at_ms);
    let give_up = t0 + Duration::from_millis(last_ms) + SLACK;
    let batches = batches(&scenario.steps);
    let mut received: Vec<Received> = Vec::new();
    for (index, batch) in batches.iter().enumerate() {
        let scheduled = t0 + Duration::from_millis(batch.at_ms);
        clients.collect_until(scheduled, &mut received);
        let started = Instant::now();
        if started > give_up {
            return Err(vec![format!(
                "abandoned at step {}: more than {} s behind schedule",
                batch.first,
                SLACK.as_secs()
            )]);
        }
        let mut lines = perform(batch, &clients, target, names);
        let last_input = Instant::now();
        let expected: Vec<TransmitJson> = batch
            .steps
            .iter()
            .flat_map(|s| s.expect.transmits.iter().cloned())
            .collect();
        let grace_end = last_input + GRACE;
        while !all_arrived(&expected, &received, names, target.udp) {
            match clients.next_until(grace_end) {
                Some(datagram) => received.push(datagram),
                None => break,
            }
        }
        let listen_until = match batches.get(index + 1) {
            None => last_input + Duration::from_millis(QUIET_TAIL_MS),
            Some(next) if next.kind == Kind::Operator => last_input + SETTLE,
            Some(next) => (last_input + SETTLE).min(t0 + Duration::from_millis(next.at_ms)),
        };
        clients.collect_until(listen_until, &mut received);
        let actual = std::mem::take(&mut received);
        lines.extend(compare_batch(&expected, &actual, names, target.udp));
        if !lines.is_empty() {
            return Err(report(
                batch,
                lines,
                started.saturating_duration_since(scheduled),
                scenario,
            ));
        }
    }
    Ok(())
}

/// Every client a step sends from or expects a transmit to must be a fixture client.
fn check_names(names: &[String], scenario: &Scenario) -> Result<(), Vec<String>> {
    let known = |name: &String| names.contains(name);
    let mut lines = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        if let Input::Send { from, .. } = &step.input
            && !known(from)
        {
            lines.push(format!(
                "invalid vector: step {index} sends from unknown client {from:?}"
            ));
        }
        for t in step.expect.transmits.iter().filter(|t| !known(&t.to)) {
            lines.push(format!(
                "invalid vector: step {index} expects a transmit to unknown client {:?}",
                t.to
            ));
        }
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

/// Sends the batch's datagrams, or makes its operator request; returns what went wrong.
fn perform(
    batch: &Batch<'_>,
    clients: &ClientSockets,
    target: &Target,
    names: &[String],
) -> Vec<String> {
    let mut lines = Vec::new();
    for (offset, step) in batch.steps.iter().enumerate() {
        let index = batch.first + offset;
        match &step.input {
            Input::Send { from, datagram } => {
                let client = names.iter().position(|n| n == from).unwrap_or(usize::MAX);
                if let Err(e) = clients.send(client, target.udp, datagram.as_bytes()) {
                    lines.push(format!("step {index}: cannot send from {from}: {e}"));
                }
            }
            Input::Directory(change) => {
                if let Err(e) = target.admin.request(&directory_request(change)) {
                    lines.push(format!("step {index}: the directory change failed: {e}"));
                }
            }
            Input::Reset => {
                if let Err(e) = target.admin.request(&reset_request()) {
                    lines.push(format!("step {index}: the reset failed: {e}"));
                }
            }
            Input::Tick => {}
        }
    }
    lines
}

/// The datagrams from the server as transmits to named clients; the others apart.
fn split<'r>(
    received: &'r [Received],
    names: &[String],
    server: SocketAddr,
) -> (Vec<TransmitJson>, Vec<&'r Received>) {
    let mut from_server = Vec::new();
    let mut strays = Vec::new();
    for datagram in received {
        match names.get(datagram.client) {
            Some(name) if datagram.from == server => from_server.push(TransmitJson {
                to: name.clone(),
                hex: Hex(datagram.bytes.clone()),
            }),
            _ => strays.push(datagram),
        }
    }
    (from_server, strays)
}

fn all_arrived(
    expected: &[TransmitJson],
    received: &[Received],
    names: &[String],
    server: SocketAddr,
) -> bool {
    if expected.is_empty() {
        return true;
    }
    let (actual, _) = split(received, names, server);
    compare::pair_up(expected, &actual, &close_transmits)
        .0
        .is_empty()
}

fn compare_batch(
    expected: &[TransmitJson],
    received: &[Received],
    names: &[String],
    server: SocketAddr,
) -> Vec<String> {
    let (actual, strays) = split(received, names, server);
    let mut lines = compare::transmits_matching(expected, &actual, &close_transmits, &describe);
    for stray in strays {
        let to = names.get(stray.client).map_or("?", String::as_str);
        lines.push(format!(
            "{to} received {} bytes from {}, not from the server at {server}: {}",
            stray.bytes.len(),
            stray.from,
            hex::encode(&stray.bytes)
        ));
    }
    lines
}

fn report(
    batch: &Batch<'_>,
    lines: Vec<String>,
    late: Duration,
    scenario: &Scenario,
) -> Vec<String> {
    let last = batch.first + batch.steps.len().saturating_sub(1);
    let note = |step: &Step| {
        step.note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    };
    let mut out = match batch.steps {
        [step] => vec![format!(
            "step {} at {} ms{}:",
            batch.first,
            batch.at_ms,
            note(step)
        )],
        [first_step, .., last_step] => vec![format!(
            "steps {}..{} at {} ms, sent together{} … {}:",
            batch.first,
            last,
            batch.at_ms,
            note(first_step),
            note(last_step).trim_start()
        )],
        [] => vec![format!("at {} ms:", batch.at_ms)],
    };
    out.extend(lines.into_iter().map(|line| format!("  {line}")));
    if late > LATE {
        out.push(format!(
            "  (its input went out {} ms late)",
            late.as_millis()
        ));
    }
    if last + 1 < scenario.steps.len() {
        out.push(format!(
            "  (steps {}..{} not run: the state has diverged)",
            last + 1,
            scenario.steps.len() - 1
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::UdpSocket;
    use std::os::unix::net::UnixListener;

    use super::*;
    use crate::format::test_fixture;
    use crate::live_mode::test_dir::Dir;

    fn steps(json: &str) -> Vec<Step> {
        serde_json::from_str(json).unwrap()
    }

    const E: &str = r#""expect":{"transmits":[],"events":[]}"#;

    #[test]
    fn datagrams_of_one_instant_form_one_batch() {
        let steps = steps(&format!(
            r#"[{{"at_ms":0,"from":"a","send":"00",{E}}},{{"at_ms":0,"from":"b","send":"01",{E}}},
                {{"at_ms":0,"tick":true,{E}}},{{"at_ms":0,"from":"a","send":"02",{E}}},
                {{"at_ms":5,"from":"a","send":"03",{E}}},{{"at_ms":5,"reset":true,{E}}},
                {{"at_ms":5,"reset":true,{E}}}]"#
        ));
        let shape: Vec<(usize, usize, Kind)> = batches(&steps)
            .iter()
            .map(|b| (b.first, b.steps.len(), b.kind))
            .collect();
        assert_eq!(
            shape,
            [
                (0, 2, Kind::Datagrams),
                (2, 1, Kind::Tick),
                (3, 1, Kind::Datagrams),
                (4, 1, Kind::Datagrams),
                (5, 1, Kind::Operator),
                (6, 1, Kind::Operator),
            ]
        );
    }

    /// A stand-in server: an admin socket that accepts everything, and a UDP socket that answers
    /// each datagram with what `answer` returns, each after its delay.
    struct FakeServer {
        _dir: Dir,
        target: Target,
    }

    type Answer = fn(&[u8]) -> Vec<(Duration, Vec<u8>)>;

    fn fake_server(answer: Answer) -> FakeServer {
        let dir = Dir::new("live-scenario");
        let path = dir.path().join("admin.sock");
        let listener = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    (&stream).write_all(b"{\"ok\":true}\n").unwrap();
                    line.clear();
                }
            }
        });
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = udp.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0; 2048];
            while let Ok((len, from)) = udp.recv_from(&mut buffer) {
                for (delay, reply) in answer(&buffer[..len]) {
                    std::thread::sleep(delay);
                    udp.send_to(&reply, from).unwrap();
                }
            }
        });
        FakeServer {
            _dir: dir,
            target: Target {
                udp: addr,
                admin: Admin::new(path),
            },
        }
    }

    const START: u32 = 1_700_000_000;

    fn fixture() -> EffectiveFixture {
        test_fixture(&["a", "b"]).effective(None).unwrap()
    }

    /// A header of `kind` from user u in channel c at `timestamp`.
    fn header(kind: u8, timestamp: u32) -> Vec<u8> {
        let mut bytes = vec![kind, 0, 0, 0, 0, b'u', 0, 0, 0, 0, 0, 0, 0, b'c', 0, 0, 0];
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes
    }

    fn heartbeat_ack(timestamp: u32) -> Vec<u8> {
        let mut ack = header(8, timestamp);
        ack.extend_from_slice(&[6, 0, 0, 0, 0]);
        ack
    }

    fn scenario(steps: &str) -> Scenario {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","covers":[],"steps":[{steps}]}}"#
        ))
        .unwrap()
    }

    fn heartbeat_step(at_ms: u64, expected: &[Vec<u8>], then: &str) -> Scenario {
        let transmits: Vec<String> = expected
            .iter()
            .map(|bytes| format!(r#"{{"to":"a","hex":"{}"}}"#, hex::encode(bytes)))
            .collect();
        scenario(&format!(
            r#"{{"at_ms":{at_ms},"from":"a","send":"{}",
                "expect":{{"transmits":[{}],"events":[]}}}}{then}"#,
            hex::encode(header(6, START)),
            transmits.join(",")
        ))
    }

    #[test]
    fn a_servers_timestamp_may_be_a_little_off() {
        let server = fake_server(|_| vec![(Duration::ZERO, heartbeat_ack(START + 1))]);
        let scenario = heartbeat_step(0, &[heartbeat_ack(START)], "");
        assert_eq!(run(&fixture(), &scenario, &server.target), Ok(()));
    }

    #[test]
    fn an_extra_datagram_fails_the_step_that_caused_it() {
        let server = fake_server(|_| {
            let ack = heartbeat_ack(START);
            vec![(Duration::ZERO, ack.clone()), (Duration::ZERO, ack)]
        });
        let then = format!(r#",{{"at_ms":200,"tick":true,{E}}}"#);
        let scenario = heartbeat_step(0, &[heartbeat_ack(START)], &then);
        let lines = run(&fixture(), &scenario, &server.target).unwrap_err();
        assert!(lines[0].starts_with("step 0 at 0 ms"), "{lines:?}");
        assert!(lines[1].contains("unexpected transmit to a"), "{lines:?}");
        assert!(lines[2].contains("steps 1..1 not run"), "{lines:?}");
    }

    #[test]
    fn a_timer_output_belongs_to_the_tick_that_expects_it() {
        // The "server" answers, then 150 ms later sends an Error of its own, as a timer would.
        let server = fake_server(|_| {
            vec![
                (Duration::ZERO, heartbeat_ack(START)),
                (Duration::from_millis(150), header(7, START)),
            ]
        });
        let tick = format!(
            r#",{{"at_ms":400,"tick":true,"expect":{{"transmits":[{{"to":"a","hex":"{}"}}],
                "events":[]}}}}"#,
            hex::encode(header(7, START))
        );
        let scenario = heartbeat_step(0, &[heartbeat_ack(START)], &tick);
        assert_eq!(run(&fixture(), &scenario, &server.target), Ok(()));
        // Without the tick, the Error arrives in the scenario's quiet tail.
        let scenario = heartbeat_step(0, &[heartbeat_ack(START)], "");
        let lines = run(&fixture(), &scenario, &server.target).unwrap_err();
        assert!(
            lines[1].contains("unexpected transmit to a: 07"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_missing_reply_is_reported_after_the_grace() {
        let server = fake_server(|_| Vec::new());
        let scenario = heartbeat_step(0, &[heartbeat_ack(START)], "");
        let started = Instant::now();
        let lines = run(&fixture(), &scenario, &server.target).unwrap_err();
        assert!(started.elapsed() >= GRACE);
        assert!(
            lines[1].starts_with("  missing transmit to a: 08"),
            "{lines:?}"
        );
    }
}
