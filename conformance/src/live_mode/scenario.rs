//! One scenario against a running server.
//!
//! The server is reset through its admin socket (fresh state, its testing clock back at the
//! vectors' `wall_clock_start`), every client gets a fresh UDP socket, and `t0` is taken when the
//! reset is answered. Steps are then replayed in **batches**: consecutive datagram steps that share
//! an `at_ms` go out back to back (a burst must reach the server within one instant, or a rate
//! limit would refill in between), while every other step is a batch of its own — a management
//! connection's step too, so that the server has answered it before the next one goes out on
//! another connection. For each batch: wait until `t0 + at_ms`, perform its inputs, wait (up to
//! [`GRACE`]) until everything it expects has arrived — datagrams, the bytes of each connection,
//! the server's closes — listen a little longer for extras ([`SETTLE`], or the [`QUIET_TAIL_MS`]
//! after the last batch), and compare everything received since the previous batch (timer outputs
//! arrive before the tick that expects them) with what the batch expects.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::LiveService;
use super::admin::{Admin, directory_request, reset_request};
use super::inbox::{Arrival, Inbox};
use super::tcp::Connections;
use super::udp::ClientSockets;
use crate::compare;
use crate::format::{
    EffectiveFixture, Hex, Input, Scenario, ServiceFormat, Step, StreamJson, TransmitJson,
};
use crate::timing::QUIET_TAIL_MS;

/// How long a batch waits for what it expects.
pub const GRACE: Duration = Duration::from_millis(400);
/// How long a batch keeps listening for extras once what it expects is in (never past the next
/// batch's instant, except before an operator step).
pub const SETTLE: Duration = Duration::from_millis(50);
/// A scenario that has not finished this long after its last step's instant is abandoned.
const SLACK: Duration = Duration::from_secs(10);
/// Inputs that go out later than this are mentioned when their batch fails.
const LATE: Duration = Duration::from_millis(20);

/// Where the server under test is.
#[derive(Debug, Clone)]
pub struct Target {
    pub udp: SocketAddr,
    /// The management listener, for services that have one.
    pub tcp: Option<SocketAddr>,
    pub admin: Admin,
}

/// What a batch does when its time comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Datagrams,
    /// A management connection opens, carries bytes, or closes.
    Connection,
    Operator,
    Tick,
}

/// Consecutive steps replayed together.
#[derive(Debug)]
struct Batch<'s, S: ServiceFormat> {
    /// Index of the first step in the scenario.
    first: usize,
    steps: &'s [Step<S>],
    at_ms: u64,
    kind: Kind,
}

fn kind<S: ServiceFormat>(step: &Step<S>) -> Kind {
    match step.input {
        Input::Send { .. } => Kind::Datagrams,
        Input::Connect(_) | Input::Stream { .. } | Input::Close(_) => Kind::Connection,
        Input::Directory(_) | Input::Reset => Kind::Operator,
        Input::Tick => Kind::Tick,
    }
}

fn batches<S: ServiceFormat>(steps: &[Step<S>]) -> Vec<Batch<'_, S>> {
    let mut out = Vec::new();
    let mut first = 0;
    while let Some(step) = steps.get(first) {
        let kind = kind(step);
        let mut end = first + 1;
        if kind == Kind::Datagrams {
            while steps
                .get(end)
                .is_some_and(|next| self::kind(next) == Kind::Datagrams && next.at_ms == step.at_ms)
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

/// The clients' sockets and connections, and where what they receive goes.
#[derive(Debug)]
struct Sockets {
    inbox: Inbox,
    udp: ClientSockets,
    tcp: Connections,
}

/// Everything a batch expects the clients to receive.
#[derive(Debug, Default)]
struct Expected {
    transmits: Vec<TransmitJson>,
    stream: Vec<StreamJson>,
    closed: Vec<String>,
}

impl Expected {
    fn of<S: ServiceFormat>(batch: &Batch<'_, S>) -> Self {
        let mut expected = Self::default();
        for step in batch.steps {
            expected.transmits.extend_from_slice(&step.expect.transmits);
            expected.stream.extend_from_slice(&step.expect.stream);
            expected.closed.extend_from_slice(&step.expect.closed);
        }
        expected
    }
}

/// What the clients received during a batch, by client name.
#[derive(Debug, Default)]
struct Seen {
    /// Datagrams from the server.
    transmits: Vec<TransmitJson>,
    stream: BTreeMap<String, Vec<u8>>,
    closed: Vec<String>,
    /// How connections ended when it was not a clean end of stream (context for a failure).
    close_errors: Vec<String>,
    /// Datagrams from anyone but the server: always a failure.
    strays: Vec<String>,
}

impl Seen {
    fn sort(received: &[Arrival], names: &[String], server: SocketAddr) -> Self {
        let mut seen = Self::default();
        let name = |client: &usize| names.get(*client).map_or("?", String::as_str);
        for arrival in received {
            match arrival {
                Arrival::Datagram {
                    client,
                    from,
                    bytes,
                } if *from == server && names.get(*client).is_some() => {
                    seen.transmits.push(TransmitJson {
                        to: name(client).to_owned(),
                        hex: Hex(bytes.clone()),
                    });
                }
                Arrival::Datagram {
                    client,
                    from,
                    bytes,
                } => seen.strays.push(format!(
                    "{} received {} bytes from {from}, not from the server at {server}: {}",
                    name(client),
                    bytes.len(),
                    hex::encode(bytes)
                )),
                Arrival::Stream { client, bytes } => seen
                    .stream
                    .entry(name(client).to_owned())
                    .or_default()
                    .extend_from_slice(bytes),
                Arrival::Closed { client, error } => {
                    seen.closed.push(name(client).to_owned());
                    if let Some(error) = error {
                        seen.close_errors
                            .push(format!("({}'s connection ended: {error})", name(client)));
                    }
                }
            }
        }
        seen
    }
}

fn close<S: LiveService>(expected: &TransmitJson, actual: &TransmitJson) -> bool {
    S::close_enough(expected.hex.as_bytes(), actual.hex.as_bytes())
}

/// Runs `scenario` against `target`; on failure, the lines that explain the first failing batch.
pub fn run<S: LiveService>(
    fixture: &EffectiveFixture<S::Config>,
    scenario: &Scenario<S>,
    target: &Target,
) -> Result<(), Vec<String>> {
    let names = &fixture.clients;
    check_names(names, scenario)?;
    target
        .admin
        .request(&reset_request())
        .map_err(|e| vec![format!("cannot reset the server before the scenario: {e}")])?;
    let t0 = Instant::now();
    let inbox = Inbox::default();
    let udp = ClientSockets::bind(names.len(), &inbox)
        .map_err(|e| vec![format!("cannot bind the client sockets: {e}")])?;
    let mut sockets = Sockets {
        inbox,
        udp,
        tcp: Connections::default(),
    };
    let last_ms = scenario.steps.last().map_or(0, |s| s.at_ms);
    let give_up = t0 + Duration::from_millis(last_ms) + SLACK;
    let batches = batches(&scenario.steps);
    let mut received: Vec<Arrival> = Vec::new();
    for (index, batch) in batches.iter().enumerate() {
        let scheduled = t0 + Duration::from_millis(batch.at_ms);
        sockets.inbox.collect_until(scheduled, &mut received);
        let started = Instant::now();
        if started > give_up {
            return Err(vec![format!(
                "abandoned at step {}: more than {} s behind schedule",
                batch.first,
                SLACK.as_secs()
            )]);
        }
        let mut lines = perform(batch, &mut sockets, target, names);
        let last_input = Instant::now();
        let expected = Expected::of(batch);
        let grace_end = last_input + GRACE;
        while !arrived::<S>(&expected, &Seen::sort(&received, names, target.udp)) {
            match sockets.inbox.next_until(grace_end) {
                Some(arrival) => received.push(arrival),
                None => break,
            }
        }
        let listen_until = match batches.get(index + 1) {
            None => last_input + Duration::from_millis(QUIET_TAIL_MS),
            Some(next) if next.kind == Kind::Operator => last_input + SETTLE,
            Some(next) => (last_input + SETTLE).min(t0 + Duration::from_millis(next.at_ms)),
        };
        sockets.inbox.collect_until(listen_until, &mut received);
        let seen = Seen::sort(&std::mem::take(&mut received), names, target.udp);
        lines.extend(compare_batch::<S>(&expected, seen));
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

/// Every client a step names must be a fixture client.
fn check_names<S: ServiceFormat>(
    names: &[String],
    scenario: &Scenario<S>,
) -> Result<(), Vec<String>> {
    let mut lines = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let expect = &step.expect;
        let named = step
            .input
            .client()
            .into_iter()
            .chain(expect.transmits.iter().map(|t| t.to.as_str()))
            .chain(expect.stream.iter().map(|t| t.to.as_str()))
            .chain(expect.closed.iter().map(String::as_str));
        for name in named.filter(|name| !names.iter().any(|n| n == name)) {
            lines.push(format!(
                "invalid vector: step {index} names unknown client {name:?}"
            ));
        }
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

/// Performs the batch's inputs; returns what went wrong.
fn perform<S: ServiceFormat>(
    batch: &Batch<'_, S>,
    sockets: &mut Sockets,
    target: &Target,
    names: &[String],
) -> Vec<String> {
    let mut lines = Vec::new();
    for (offset, step) in batch.steps.iter().enumerate() {
        let index = batch.first + offset;
        let client = step
            .input
            .client()
            .and_then(|name| names.iter().position(|n| n == name))
            .unwrap_or(usize::MAX);
        let done = match &step.input {
            Input::Send { datagram, .. } => sockets
                .udp
                .send(client, target.udp, datagram.as_bytes())
                .map_err(|e| format!("cannot send the datagram: {e}")),
            Input::Connect(_) => match target.tcp {
                Some(server) => sockets
                    .tcp
                    .connect(client, server, &sockets.inbox)
                    .map_err(|e| format!("cannot connect to {server}: {e}")),
                None => Err("no management address to connect to".to_owned()),
            },
            Input::Stream { bytes, .. } => sockets
                .tcp
                .write(client, bytes.as_bytes())
                .map_err(|e| format!("cannot write on the connection: {e}")),
            Input::Close(_) => sockets
                .tcp
                .close(client)
                .map_err(|e| format!("cannot close the connection: {e}")),
            Input::Directory(change) => target
                .admin
                .request(&directory_request(change))
                .map_err(|e| format!("the directory change failed: {e}")),
            Input::Reset => target
                .admin
                .request(&reset_request())
                .map_err(|e| format!("the reset failed: {e}")),
            Input::Tick => Ok(()),
        };
        if let Err(problem) = done {
            let who = step
                .input
                .client()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            lines.push(format!("step {index}{who}: {problem}"));
        }
    }
    lines
}

/// Whether everything the batch expects has arrived: its datagrams, at least as many bytes on
/// each connection as expected (or its end), and the expected closes.
fn arrived<S: LiveService>(expected: &Expected, seen: &Seen) -> bool {
    let datagrams = compare::pair_up(&expected.transmits, &seen.transmits, &close::<S>)
        .0
        .is_empty();
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &expected.stream {
        *wanted.entry(entry.to.as_str()).or_default() += entry.tcp.as_bytes().len();
    }
    let bytes = wanted.iter().all(|(client, len)| {
        seen.closed.iter().any(|c| c == client)
            || seen.stream.get(*client).map_or(0, Vec::len) >= *len
    });
    let closes = expected.closed.iter().all(|c| seen.closed.contains(c));
    datagrams && bytes && closes
}

fn compare_batch<S: LiveService>(expected: &Expected, seen: Seen) -> Vec<String> {
    let mut lines = compare::transmits_matching(
        &expected.transmits,
        &seen.transmits,
        &close::<S>,
        &S::describe_datagram,
    );
    lines.extend(compare::streams(
        &expected.stream,
        &seen.stream,
        &S::describe_stream,
    ));
    lines.extend(compare::closed(&expected.closed, &seen.closed));
    lines.extend(seen.strays);
    if !lines.is_empty() {
        lines.extend(seen.close_errors);
    }
    lines
}

fn report<S: ServiceFormat>(
    batch: &Batch<'_, S>,
    lines: Vec<String>,
    late: Duration,
    scenario: &Scenario<S>,
) -> Vec<String> {
    let last = batch.first + batch.steps.len().saturating_sub(1);
    let note = |step: &Step<S>| {
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
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, UdpSocket};
    use std::os::unix::net::UnixListener;

    use super::*;
    use crate::format::audio::{self, Audio};
    use crate::format::voice::{self, Voice};
    use crate::live_mode::test_dir::Dir;

    fn steps(json: &str) -> Vec<Step<Voice>> {
        serde_json::from_str(json).unwrap()
    }

    const E: &str = r#""expect":{"transmits":[],"events":[]}"#;

    #[test]
    fn datagrams_of_one_instant_form_one_batch() {
        let steps = steps(&format!(
            r#"[{{"at_ms":0,"from":"a","send":"00",{E}}},{{"at_ms":0,"from":"b","send":"01",{E}}},
                {{"at_ms":0,"tick":true,{E}}},{{"at_ms":0,"from":"a","send":"02",{E}}},
                {{"at_ms":5,"from":"a","send":"03",{E}}},{{"at_ms":5,"reset":true,{E}}},
                {{"at_ms":5,"reset":true,{E}}},{{"at_ms":5,"connect":"a",{E}}},
                {{"at_ms":5,"from":"a","tcp":"00",{E}}},{{"at_ms":5,"from":"b","send":"04",{E}}}]"#
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
                (7, 1, Kind::Connection),
                (8, 1, Kind::Connection),
                (9, 1, Kind::Datagrams),
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
        fake_server_with(answer, None)
    }

    /// What a stand-in voice server writes for the bytes it reads: pieces written 30 ms apart,
    /// then whether it closes the connection.
    type StreamAnswer = fn(&[u8]) -> (Vec<Vec<u8>>, bool);

    fn fake_voice_server(answer: StreamAnswer) -> FakeServer {
        fake_server_with(|_| Vec::new(), Some(answer))
    }

    fn fake_server_with(answer: Answer, stream: Option<StreamAnswer>) -> FakeServer {
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
        let tcp = stream.map(|answer| {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let tcp = listener.local_addr().unwrap();
            std::thread::spawn(move || {
                for mut conn in listener.incoming().flatten() {
                    let mut buffer = [0; 2048];
                    while let Ok(len @ 1..) = conn.read(&mut buffer) {
                        let (pieces, close) = answer(&buffer[..len]);
                        for piece in pieces {
                            conn.write_all(&piece).unwrap();
                            std::thread::sleep(Duration::from_millis(30));
                        }
                        if close {
                            break;
                        }
                    }
                }
            });
            tcp
        });
        FakeServer {
            _dir: dir,
            target: Target {
                udp: addr,
                tcp,
                admin: Admin::new(path),
            },
        }
    }

    const START: u32 = 1_700_000_000;

    fn fixture() -> EffectiveFixture<audio::ConfigJson> {
        audio::test_fixture(&["a", "b"]).effective(None).unwrap()
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

    fn scenario<S: ServiceFormat>(steps: &str) -> Scenario<S> {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","covers":[],"steps":[{steps}]}}"#
        ))
        .unwrap()
    }

    fn heartbeat_step(at_ms: u64, expected: &[Vec<u8>], then: &str) -> Scenario<Audio> {
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

    const PING: &str = "00090600000000000000ff";
    const PONG: &str = "00098a00000000000000ff";

    fn voice_fixture() -> EffectiveFixture<voice::ConfigJson> {
        voice::test_fixture(&["a", "b"]).effective(None).unwrap()
    }

    /// `a` connects and pings; the step expects a Pong and, if `closed`, the server's close.
    fn ping_scenario(closed: bool) -> Scenario<Voice> {
        let closed = if closed { r#","closed":["a"]"# } else { "" };
        scenario(&format!(
            r#"{{"at_ms":0,"connect":"a",{E}}},
               {{"at_ms":0,"from":"a","tcp":"{PING}","expect":{{"transmits":[
                 {{"to":"a","tcp":"{PONG}"}}]{closed},"events":[]}}}}"#
        ))
    }

    fn pong() -> Vec<u8> {
        hex::decode(PONG).unwrap()
    }

    #[test]
    fn a_frame_written_in_pieces_is_the_one_expected() {
        let server = fake_voice_server(|_| {
            let pong = pong();
            (vec![pong[..3].to_vec(), pong[3..].to_vec()], false)
        });
        let scenario = ping_scenario(false);
        assert_eq!(run(&voice_fixture(), &scenario, &server.target), Ok(()));
    }

    #[test]
    fn every_close_by_the_server_must_be_expected() {
        let server = fake_voice_server(|_| (vec![pong()], true));
        assert_eq!(
            run(&voice_fixture(), &ping_scenario(true), &server.target),
            Ok(())
        );
        let lines = run(&voice_fixture(), &ping_scenario(false), &server.target).unwrap_err();
        assert!(
            lines
                .iter()
                .any(|l| l == "  a's connection was closed unexpectedly"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_frame_nobody_expected_fails_its_step() {
        let server = fake_voice_server(|_| (vec![pong(), pong()], false));
        let lines = run(&voice_fixture(), &ping_scenario(false), &server.target).unwrap_err();
        assert!(lines[0].starts_with("step 1 at 0 ms"), "{lines:?}");
        assert_eq!(lines[1], "  bytes written to a's connection differ:");
    }
}
